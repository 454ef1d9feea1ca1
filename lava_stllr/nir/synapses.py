"""NIR's weight and pooling nodes as lava-stllr's layers.

- ``Linear(weight)`` / ``Affine(weight, bias)``: a dense (n_out, n_in) matrix; the bias
  must be 0 (lava-stllr's layers have none) unless the import is told to drop it;
- ``Conv2d``: a conv layer when its kernel is square (C_out, C_in, k, k), stride and
  padding equal in both directions (``"valid"`` is 0, ``"same"`` is (k-1)/2 for an odd
  kernel at stride 1), dilation 1, one group and a zero bias. NIR's Conv2d is PyTorch's
  cross-correlation, as lava-stllr's;
- ``AvgPool2d`` / ``SumPool2d``: square, stride = kernel, no padding (floor mode, as
  lava-stllr pools). An average pool maps as is; a sum pool followed by ``Threshold`` at
  0 is a max pool of 0/1 spikes; a sum pool alone is an average pool whose ``k*k`` is
  folded into the next weights (exact up to floating-point rounding; a power of two,
  k = 2 or 4, is exact).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.core.conv import conv_output_size
from lava_stllr.nir.errors import refuse
from lava_stllr.spec.layers import ConvLayer


def _pair(name: str, node: Any, field: str) -> int:
    """One int of a NIR (int | (int, int)) field, refused if the two differ."""
    values = np.atleast_1d(np.asarray(getattr(node, field))).ravel()
    if values.size not in (1, 2) or values.dtype.kind not in "iuf" \
            or np.any(values != np.round(values)):
        raise refuse(name, node, f"{field} {getattr(node, field)!r} is not one or two "
                                 "integers")
    if values.size == 2 and values[0] != values[1]:
        raise refuse(name, node, f"{field} {tuple(int(v) for v in values)} differs "
                                 "between height and width: lava-stllr's are square")
    return int(values[0])


def weight_of(name: str, node: Any, dims: int) -> np.ndarray:
    """``node.weight`` as float64 with ``dims`` dimensions, refused otherwise."""
    w = np.asarray(node.weight)
    if w.ndim != dims or w.dtype.kind not in "biuf" or not np.all(np.isfinite(w)):
        raise refuse(name, node, f"weight of shape {w.shape} ({w.dtype}) is not a finite "
                                 f"{dims}-d array")
    return np.array(w, dtype=np.float64)


def check_bias(name: str, node: Any, drop: bool, notes: list[str]) -> None:
    """Refuse a nonzero ``node.bias`` (lava-stllr's layers have none), unless ``drop``:
    then say in ``notes`` that it was dropped."""
    bias = getattr(node, "bias", None)
    if bias is None:
        return
    b = np.asarray(bias, dtype=np.float64)
    if not np.any(b != 0):
        return
    largest = float(np.max(np.abs(b)))
    if not drop:
        raise refuse(name, node, f"nonzero bias (largest |b| {largest:.4g}): lava-stllr's "
                                 "layers have no bias (export without one, or drop it "
                                 "with --drop-bias, which changes the network)")
    notes.append(f"{name}: its bias (largest |b| {largest:.4g}) was dropped, as asked "
                 "(--drop-bias): the network's outputs change")


def conv_layer(name: str, node: Any, shape: tuple[int, ...]
               ) -> tuple[ConvLayer, tuple[int, int, int]]:
    """The :class:`ConvLayer` of a ``Conv2d`` node reading maps of ``shape`` (C, H, W),
    and its output shape."""
    w = weight_of(name, node, 4)
    if len(shape) != 3:
        raise refuse(name, node, f"reads a {len(shape)}-d input {shape}, not (C, H, W) maps")
    c_out, c_in, kh, kw = w.shape
    if kh != kw:
        raise refuse(name, node, f"kernel {kh}x{kw} is not square: lava-stllr's are")
    if c_in != shape[0]:
        raise refuse(name, node, f"reads {c_in} channels, its input has {shape[0]}")
    if int(np.asarray(node.groups)) != 1 or _pair(name, node, "dilation") != 1:
        raise refuse(name, node, "grouped or dilated convolution: lava-stllr's conv layers "
                                 "have one group and dilation 1")
    stride = _pair(name, node, "stride")
    padding = node.padding.decode() if isinstance(node.padding, bytes) else node.padding
    if isinstance(padding, str):
        if padding == "valid":
            pad = 0
        elif stride == 1 and kh % 2 == 1:
            pad = (kh - 1) // 2
        else:
            raise refuse(name, node, f"padding 'same' with a {kh}x{kh} kernel at stride "
                                     f"{stride} is not symmetric zero padding")
    else:
        pad = _pair(name, node, "padding")
    given = getattr(node, "input_shape", None)
    if given is not None and tuple(int(n) for n in np.atleast_1d(given)) != tuple(shape[1:]):
        raise refuse(name, node, f"input_shape {tuple(np.atleast_1d(given))} differs from "
                                 f"its input's {tuple(shape[1:])}")
    try:
        layer = ConvLayer(int(c_out), int(kh), stride, pad)
    except ValueError as exc:
        raise refuse(name, node, str(exc)) from None
    sizes = [conv_output_size(n, kh, stride, pad) for n in shape[1:]]
    if min(sizes) < 1:
        raise refuse(name, node, f"turns {shape[1]}x{shape[2]} maps into {sizes[0]}x"
                                 f"{sizes[1]}")
    return layer, (int(c_out), sizes[0], sizes[1])


def pool_kernel(name: str, node: Any, shape: tuple[int, ...]) -> int:
    """The kernel k of a square, stride-k, unpadded pool node reading ``shape`` maps."""
    if len(shape) != 3:
        raise refuse(name, node, f"pools a {len(shape)}-d input {shape}, not (C, H, W) maps")
    k = _pair(name, node, "kernel_size")
    if _pair(name, node, "stride") != k or _pair(name, node, "padding") != 0:
        raise refuse(name, node, "stride other than the kernel, or padding: lava-stllr "
                                 "pools k x k windows with stride k and no padding")
    if k < 1 or shape[1] // k < 1 or shape[2] // k < 1:
        raise refuse(name, node, f"kernel {k} does not fit {shape[1]}x{shape[2]} maps")
    return k


def max_threshold(name: str, node: Any) -> None:
    """Refuse a ``Threshold`` after a sum pool unless it is one value in [0, 1) (then
    ``sum > threshold`` of 0/1 spikes is ``sum > 0``: the max pool)."""
    values = np.asarray(node.threshold, dtype=np.float64).ravel()
    if values.size == 0 or not np.all((values >= 0) & (values < 1)):
        raise refuse(name, node, "a threshold outside [0, 1) after a sum pool is not a max "
                                 "pool of spikes")
