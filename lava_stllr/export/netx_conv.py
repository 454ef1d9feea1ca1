"""How a conv network (:class:`~lava_stllr.spec.conv.ConvNetSpec`) maps onto netx blocks,
in float: which block each layer becomes and with which (folded) weights.

netx blocks are synapse + CUBA neuron pairs (``conv``, ``dense``); lava-dl 0.6's
``hdf5.Network`` raises ``NotImplementedError`` on a ``pool`` (or ``average``) entry, and
slayer's ``pool`` block is a *sum* pool followed by a spiking neuron, not our pooling.
So no ``pool`` entry is written; our two pool layers map as follows.

- **Average pooling** (``a<k>``) passes the graded window mean of spikes to the next
  layer, which is linear: it is folded into the next weighted layer (conv, dense or the
  readout), exactly in float. For a conv layer (kernel K, stride s, padding p) reading
  the k x k averages, the folded conv reads the unpooled map with kernel ``k*K``, stride
  ``k*s``, padding ``k*p`` and ``W'[co, ci, k*a + i, k*b + j] = W[co, ci, a, b] / k^2``
  (the output size is the same); consecutive average pools multiply their ``k``. For a
  dense layer, ``W'[:, (c, h, w)] = W[:, (c, h//k, w//k)] / k^2`` inside the pooled area
  and 0 on the cropped rows/columns. Refused (no exact fold): padding ``p > 0`` on a map
  whose height or width is not a multiple of ``k`` (the pool crops the edge the padding
  then replaces; the folded conv would read it).
- **Max pooling** (``p<k>``) of *spikes* (0/1) is an OR over the window: exactly a
  depthwise ``conv`` block (``groups = C``, kernel k, stride k, every weight 2) with a
  memoryless CUBA neuron (``iDecay = vDecay = 4096``) and ``vThMant = 1``, which fires iff
  ``64 * 2 * count > 64``, i.e. iff a spike is in the window. It costs one more block (and
  one more step of netx pipeline delay). Refused: max pooling of the input frames (their
  counts can exceed 1, where max is not an OR) and max pooling after an average pool (a
  max of graded means has no netx block).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.layers import ConvLayer, PoolLayer
from lava_stllr.spec.network import Weights

Shape = tuple[int, ...]

#: Integer weight of a max-pool block per spike, and its threshold mantissa.
MAXPOOL_WEIGHT, MAXPOOL_VTH = 2, 1


@dataclass(frozen=True)
class PlannedBlock:
    """One netx block of a conv network, before quantization.

    Attributes
    ----------
    role : {"hidden", "maxpool", "readout"}
    kind : {"conv", "dense"}
    weight : float array
        Kernel ``(C_out, C_in/groups, k, k)`` or matrix ``(n_out, n_in)``, pools folded in.
    in_shape, out_shape : tuple
        ``(C, H, W)`` of a map or ``(n,)`` of a vector, read and written by the block.
    stride, padding, groups : int
        Conv geometry (square), unused by dense blocks.
    flatten : bool
        The block is dense and reads a map: a netx ``flatten`` entry precedes it.
    layer : int
        1-based index in ``spec.layers`` of the layer the block comes from (the readout:
        ``len(spec.layers) + 1``).
    """

    role: str
    kind: str
    weight: np.ndarray
    in_shape: Shape
    out_shape: Shape
    stride: int = 1
    padding: int = 0
    groups: int = 1
    flatten: bool = False
    layer: int = 0


def fold_avg_into_conv(w: np.ndarray, k: int, stride: int, padding: int
                       ) -> tuple[np.ndarray, int, int]:
    """Kernel, stride and padding of ``conv(avg_pool_k(x), w)`` as one conv of ``x``:
    ``W'[co, ci, k*a + i, k*b + j] = W[co, ci, a, b] / k^2``, stride ``k*s``, padding
    ``k*p`` (see the module doc for when this is exact)."""
    w = np.asarray(w, dtype=np.float64)
    folded = np.repeat(np.repeat(w, k, axis=2), k, axis=3) / (k * k)
    return folded, k * stride, k * padding


def fold_avg_into_dense(w: np.ndarray, k: int, map_shape: Shape) -> np.ndarray:
    """Matrix of ``W flatten(avg_pool_k(x))`` as a matrix on ``flatten(x)``, ``x`` of
    ``map_shape`` (C, H, W): ``W'[:, (c,h,w)] = W[:, (c, h//k, w//k)] / k^2`` inside the
    pooled area, 0 on the cropped edge."""
    channels, height, width = map_shape
    h_out, w_out = height // k, width // k
    w = np.asarray(w, dtype=np.float64).reshape(-1, channels, h_out, w_out)
    spread = np.repeat(np.repeat(w, k, axis=2), k, axis=3) / (k * k)
    folded = np.zeros((w.shape[0], channels, height, width))
    folded[:, :, :h_out * k, :w_out * k] = spread
    return folded.reshape(w.shape[0], -1)


def _maxpool_block(layer: PoolLayer, in_shape: Shape, out_shape: Shape,
                   number: int) -> PlannedBlock:
    channels = in_shape[0]
    weight = np.full((channels, 1, layer.kernel, layer.kernel), 1.0)
    return PlannedBlock("maxpool", "conv", weight, in_shape, out_shape, stride=layer.kernel,
                        groups=channels, layer=number)


def plan_conv_blocks(spec: ConvNetSpec, weights: Weights) -> list[PlannedBlock]:
    """The netx blocks of a conv network, in order, the last one the readout.

    Raises
    ------
    ValueError
        For a pool layer with no exact netx form (see the module doc), naming the layer.
    """
    shapes = spec.shapes
    arrays = iter(weights.feedforward)
    blocks: list[PlannedBlock] = []
    pending, src = 1, spec.input_shape  # avg-pool factor not yet folded; map it pools
    for i, layer in enumerate(spec.layers):
        where = f"layer {i + 1} '{layer}'"
        if isinstance(layer, PoolLayer):
            if layer.kind == "avg":
                pending *= layer.kernel
                continue
            if pending > 1:
                raise ValueError(f"{where}: max pooling of average-pooled (graded) values "
                                 "has no netx equivalent; use an average pool here or "
                                 "drop the average pool before it")
            if not blocks:
                raise ValueError(f"{where}: max pooling of the input frames has no netx "
                                 "equivalent (input counts can exceed 1); start the "
                                 "network with a conv layer or an average pool")
            blocks.append(_maxpool_block(layer, src, shapes[i + 1], i + 1))
            src = shapes[i + 1]
            continue
        w = np.asarray(next(arrays), dtype=np.float64)
        if isinstance(layer, ConvLayer):
            stride, padding = layer.stride, layer.padding
            if pending > 1:
                if padding and (src[1] % pending or src[2] % pending):
                    raise ValueError(
                        f"{where}: padding {padding} after average pooling by {pending} "
                        f"of a {src[1]}x{src[2]} map (not a multiple of {pending}) cannot "
                        "be folded into the conv exactly; drop the padding or make the "
                        "map size a multiple of the pool")
                w, stride, padding = fold_avg_into_conv(w, pending, stride, padding)
            blocks.append(PlannedBlock("hidden", "conv", w, src, shapes[i + 1], stride,
                                       padding, layer=i + 1))
        else:
            blocks.append(_dense_block("hidden", w, pending, src, shapes[i + 1], i + 1))
        pending, src = 1, shapes[i + 1]
    w_out = np.asarray(next(arrays), dtype=np.float64)
    blocks.append(_dense_block("readout", w_out, pending, src, (spec.n_classes,),
                               len(spec.layers) + 1))
    return blocks


def _dense_block(role: str, w: np.ndarray, pending: int, src: Shape, out_shape: Shape,
                 number: int) -> PlannedBlock:
    if pending > 1:
        w = fold_avg_into_dense(w, pending, src)
    flat = (math.prod(src),)
    return PlannedBlock(role, "dense", w, src if len(src) == 3 else flat, out_shape,
                        flatten=len(src) == 3, layer=number)

