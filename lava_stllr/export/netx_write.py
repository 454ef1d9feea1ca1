"""Write a trained network in lava-dl's netx HDF5 format (h5py only, no torch, no lava-dl).

Read it back with :func:`~lava_stllr.export.netx_read.read_netx`; run its integer dynamics
with :func:`~lava_stllr.export.netx_sim.simulate_netx`.

File layout (what ``lava.lib.dl.netx.hdf5.Network`` of lava-dl 0.6.0 reads, and what
``lava.lib.dl.slayer`` blocks write with ``export_hdf5``)::

    /layer/0/type      b"input"  (fixed-length ASCII, shape (1,))
    /layer/0/shape     [n_inputs]
    /layer/1/type      b"dense"  (b"dense_rec" for a recurrent hidden layer)
    /layer/1/shape     [n_1]
    /layer/1/inFeatures, /layer/1/outFeatures
    /layer/1/weight    int, (n_1, n_inputs), even values in [-256, 254]
    /layer/1/weight_rec    int, (n_1, n_1)            (dense_rec only)
    /layer/1/neuron/type       b"CUBA"
    /layer/1/neuron/iDecay     current decay, 12-bit fraction of 4096
    /layer/1/neuron/vDecay     voltage decay, 12-bit fraction of 4096
    /layer/1/neuron/vThMant    threshold mantissa (17 bits)
    /layer/1/neuron/refDelay   1
    /layer/1/neuron/gradedSpike  False
    ...
    /layer/L/...       the readout, a CUBA neuron used as a leaky integrator

The input layer has no ``neuron`` group, so netx uses it only for the input shape and the
first dense block receives the input spikes directly. Our own provenance (weight scales,
the float parameters) is stored as HDF5 *attributes*, which netx ignores.

Neuron mapping
--------------
lava-stllr's hidden neuron is a LIF with a single decay and a *soft* reset, in float::

    v[t] = beta * u[t-1] + sum_j w_ij x_j[t];   s[t] = v[t] > theta;   u[t] = v[t] - theta*s[t]

netx's ``CUBA`` neuron becomes Lava's ``LIF`` process, run in fixed point (``fixed_pt``
tag); per step, in integers::

    i[t] = i[t-1] * (4096 - iDecay) / 4096 + 64 * sum_j W_ij x_j[t-1]
    v[t] = v[t-1] * (4096 - vDecay) / 4096 + i[t]
    s[t] = v[t] > 64 * vThMant;   v[t] = 0 where s[t]          (hard reset)

(products are truncated toward zero, ``i`` wraps and ``v`` saturates at 24 bits). The
export sets, per layer l with weight scale ``s_l``:

- ``iDecay = 4096``: the current compartment forgets everything each step, so
  ``i[t]`` is just this step's input and the two-compartment neuron behaves as our
  single-compartment one; ``vDecay = round(4096 * (1 - beta))`` carries our ``beta``.
- ``W = 2*round(s_l * w / 2)`` clipped to [-256, 254] (slayer's 8-bit convention) and
  ``vThMant = round(s_l * theta)``, with ``s_l = 254 / max|w|`` by default (the recurrent
  matrix of a ``dense_rec`` layer shares ``s_l``). Scaling the weights and the threshold of
  a layer by the same factor leaves its spikes unchanged; only rounding differs.

What changes, exactly:

1. **Reset.** Soft reset (``v - theta``) becomes a hard reset (``0``): the overshoot above
   threshold is lost after every spike, so a layer that fires on consecutive steps from a
   strong input fires less after export. A network run with
   ``STLLRParams(reset="hard")`` has the same dynamics as the export up to rounding (see
   :func:`~lava_stllr.export.netx_sim.simulate_netx`; with ``beta = 1`` and representable
   weights it is exact).
2. **Quantization.** Weights to 8 bits (even integers in [-256, 254]), the threshold to an
   integer ``vThMant``, ``beta`` to 12 bits (``vDecay``), decay products truncated each
   step, 24-bit state.
3. **Timing.** A netx ``Dense`` block delivers ``W x[t-1]`` at step ``t``, so hidden layer
   l (1-based) and the readout (layer L) lag the input by l and L steps: run ``T + L``
   steps and shift by the layer index to compare with lava-stllr's unpipelined network.
4. **Graded input.** Input counts above 1 reach the first layer only with
   ``hdf5.Network(..., input_message_bits=8)`` (or more); with the default 0 they are cast
   to binary spikes.
5. **Inference only.** psi, traces, eligibilities and learning are not exported.

Conv networks (:class:`~lava_stllr.spec.conv.ConvNetSpec`) add ``conv`` blocks (slayer's
keys: ``shape`` (C, H, W), ``inChannels``, ``outChannels``, ``kernelSize``, ``stride``,
``padding``, ``dilation`` as (H, W) pairs, ``groups``, ``weight`` (C_out, C_in/groups, k, k)
in torch's cross-correlation layout, the same CUBA ``neuron`` group) and a ``flatten``
entry before the first dense block; the input ``shape`` is (C, H, W). Pool layers are
folded or become conv blocks (:mod:`~lava_stllr.export.netx_conv` says how, and which are
refused). netx feeds a conv network (x, y, f) = (W, H, C) frames (flat C-order (C, H, W)
vectors when its first block is dense, e.g. ``a2-64``).

The readout, a non-spiking leaky integrator ``z[t] = beta_out * z[t-1] + W h[t]``, maps to
a CUBA neuron used as an integrator (as slayer's default for a dense layer without a
neuron): ``iDecay = round(4096 * (1 - beta_out))`` makes the *current* ``i`` the leaky
integrator, ``vDecay = 4096`` makes ``v[t] = i[t]`` each step, and ``vThMant = 2**17 - 1``
keeps it from firing in practice. Read the class scores from the readout neuron's ``u``
(or ``v``) Var: ``z[t] ~= u[t] / (64 * s_L)``. Its ``s_out`` carries no information.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.export.netx_conv import MAXPOOL_VTH, MAXPOOL_WEIGHT, plan_conv_blocks
from lava_stllr.files import atomic_write
from lava_stllr.loihi.conversions import decay_numerator, even_weights
from lava_stllr.loihi.widths import DECAY_UNITY, VTH_MAX, WEIGHT_EVEN_MAX
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec, check_conv_weights
from lava_stllr.spec.network import NetworkSpec, Weights

_TYPE_DTYPE = "S10"


@dataclass
class NetxLayer:
    """One exported dense block.

    Attributes
    ----------
    kind : {"dense", "dense_rec", "conv"}
    role : {"hidden", "maxpool", "readout"}
    weight : int array (n_out, n_in), or (C_out, C_in/groups, k, k) for a conv
    weight_rec : int array (n_out, n_out) or None
    scale : float
        Factor from float weights to the integers (``weight ~= scale * w``).
    i_decay, v_decay, v_th_mant : int
        The CUBA neuron's parameters.
    in_shape, out_shape : tuple or None
        Conv networks: ``(C, H, W)`` or ``(n,)`` read and written by the block.
    stride, padding, groups : int
        Conv geometry (square).
    flatten : bool
        A netx ``flatten`` entry precedes this dense block (it reads a map).
    """

    kind: str
    role: str
    weight: np.ndarray
    scale: float
    i_decay: int
    v_decay: int
    v_th_mant: int
    weight_rec: np.ndarray | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    in_shape: tuple[int, ...] | None = None
    out_shape: tuple[int, ...] | None = None
    stride: int = 1
    padding: int = 0
    groups: int = 1
    flatten: bool = False

    @property
    def size(self) -> int:
        """Number of neurons."""
        if self.out_shape is not None:
            return math.prod(self.out_shape)
        return int(self.weight.shape[0])


def decay_to_netx(beta: float) -> int:
    """CUBA decay ``4096 - round(4096 * beta)`` of a per-step retention ``beta`` in [0, 1].

    Lava's fixed-point LIF takes ``du``/``dv`` up to 4096 (``beta = 0``: no memory), one
    more than the 12-bit ``dv`` register of the learning neuron
    (:func:`~lava_stllr.loihi.conversions.dv_from_beta`).
    """
    return DECAY_UNITY - decay_numerator("beta", beta)


def default_scale(matrices: list[np.ndarray], theta: float | None = None) -> float:
    """Largest scale that keeps every weight in [-256, 254] (and ``vThMant`` in 17 bits).

    An all-zero layer gets 64 (slayer's default weight scale).
    """
    peak = max(float(np.abs(m).max()) if m.size else 0.0 for m in matrices)
    scale = WEIGHT_EVEN_MAX / peak if peak > 0 else 64.0
    if theta is not None:
        scale = min(scale, VTH_MAX / theta)
    return scale


def quantize_weight(w: np.ndarray, scale: float) -> np.ndarray:
    """``2*round(scale*w/2)`` clipped to [-256, 254], as int64 (slayer's 8-bit weights)."""
    scale = validate.real("weight scale", scale, 0.0, lo_open=True)
    return even_weights(np.asarray(w, dtype=np.float64) * scale, saturate=True)


def _layer_scale(mats: list[np.ndarray], theta: float | None, scales: Any,
                 index: int) -> float:
    if scales is None or scales[index] is None:
        return default_scale(mats, theta)
    return float(scales[index])


def _hidden_threshold(theta: float, scale: float, number: int) -> int:
    v_th = int(round(theta * scale))
    if not 1 <= v_th <= VTH_MAX:
        raise ValueError(
            f"layer {number}: threshold {theta} x scale {scale:g} = {v_th} is "
            f"outside vThMant's range [1, {VTH_MAX}]"
        )
    return v_th


def conv_netx_layers(spec: ConvNetSpec, params: STLLRParams, weights: Weights,
                     scales: list[float | None] | None = None) -> list[NetxLayer]:
    """The blocks of a conv network's export
    (:func:`~lava_stllr.export.netx_conv.plan_conv_blocks`: average pools folded, max pools
    as depthwise conv blocks), with
    the weights quantized as for dense blocks: ``W = 2*round(s*w/2)`` in [-256, 254],
    ``vThMant = round(s*theta)``, ``s = 254/max|w|`` by default (per block, after folding).

    ``scales`` has one entry per block; a max-pool block's entry must be None (its
    integer weight is fixed at 2, threshold 1).
    """
    check_conv_weights(spec, weights)
    plan = plan_conv_blocks(spec, weights)
    if scales is not None and len(scales) != len(plan):
        raise ValueError(f"scales must have {len(plan)} entries, got {len(scales)}")
    layers = []
    for i, block in enumerate(plan):
        geometry = {"in_shape": block.in_shape, "out_shape": block.out_shape,
                    "stride": block.stride, "padding": block.padding,
                    "groups": block.groups, "flatten": block.flatten}
        if block.role == "maxpool":
            if scales is not None and scales[i] is not None:
                raise ValueError(f"scales[{i}] must be None: block {i + 1} is a max pool")
            layers.append(NetxLayer(
                kind="conv", role="maxpool", scale=float(MAXPOOL_WEIGHT),
                weight=(MAXPOOL_WEIGHT * block.weight).astype(np.int64),
                i_decay=DECAY_UNITY, v_decay=DECAY_UNITY, v_th_mant=MAXPOOL_VTH, **geometry))
            continue
        hidden = block.role == "hidden"
        scale = _layer_scale([block.weight], params.theta if hidden else None, scales, i)
        layers.append(NetxLayer(
            kind=block.kind, role=block.role, weight=quantize_weight(block.weight, scale),
            scale=scale,
            i_decay=DECAY_UNITY if hidden else decay_to_netx(spec.beta_out),
            v_decay=decay_to_netx(params.beta) if hidden else DECAY_UNITY,
            v_th_mant=_hidden_threshold(params.theta, scale, i + 1) if hidden else VTH_MAX,
            **geometry))
    return layers


def netx_layers(spec: NetworkSpec | ConvNetSpec, params: STLLRParams, weights: Weights,
                scales: list[float | None] | None = None) -> list[NetxLayer]:
    """The blocks of the export: each hidden LIF layer, then the readout (conv networks:
    :func:`conv_netx_layers`).

    Parameters
    ----------
    spec, params, weights
        The trained network (``params.theta`` and ``params.beta`` set the neurons).
    scales : list of float or None, optional
        One weight scale per block (``len(spec.sizes) - 1``); ``None`` entries (or no
        list) use :func:`default_scale`.
    """
    if isinstance(spec, ConvNetSpec):
        return conv_netx_layers(spec, params, weights, scales)
    n_blocks = len(spec.sizes) - 1
    if scales is not None and len(scales) != n_blocks:
        raise ValueError(f"scales must have {n_blocks} entries, got {len(scales)}")
    if len(weights.feedforward) != n_blocks:
        raise ValueError(
            f"weights have {len(weights.feedforward)} feedforward matrices, the spec "
            f"{spec.sizes} needs {n_blocks}"
        )
    layers = []
    for i in range(n_blocks - 1):
        w = np.asarray(weights.feedforward[i])
        rec = np.asarray(weights.recurrent[i]) if weights.recurrent else None
        mats = [w] if rec is None else [w, rec]
        scale = _layer_scale(mats, params.theta, scales, i)
        v_th = _hidden_threshold(params.theta, scale, i + 1)
        layers.append(NetxLayer(
            kind="dense" if rec is None else "dense_rec", role="hidden",
            weight=quantize_weight(w, scale), scale=scale, i_decay=DECAY_UNITY,
            v_decay=decay_to_netx(params.beta), v_th_mant=v_th,
            weight_rec=None if rec is None else quantize_weight(rec, scale),
        ))
    w_out = np.asarray(weights.feedforward[-1])
    scale = _layer_scale([w_out], None, scales, n_blocks - 1)
    layers.append(NetxLayer(
        kind="dense", role="readout", weight=quantize_weight(w_out, scale), scale=scale,
        i_decay=decay_to_netx(spec.beta_out), v_decay=DECAY_UNITY, v_th_mant=VTH_MAX,
    ))
    return layers


def _write_type(group: Any, name: str) -> None:
    group.create_dataset("type", (1,), _TYPE_DTYPE, [name.encode("ascii")])


def _write_synapse(group: Any, layer: NetxLayer, n_in: int) -> None:
    _write_type(group, layer.kind)
    if layer.kind == "conv":
        # slayer's conv entry: shape (C, H, W), pairs (H, W), torch's kernel layout.
        group.create_dataset("shape", data=np.array(layer.out_shape, dtype=np.int64))
        group.create_dataset("inChannels", data=layer.in_shape[0])
        group.create_dataset("outChannels", data=layer.out_shape[0])
        for name, value in (("kernelSize", layer.weight.shape[-1]), ("stride", layer.stride),
                            ("padding", layer.padding), ("dilation", 1)):
            group.create_dataset(name, data=np.array([value, value], dtype=np.int64))
        group.create_dataset("groups", data=layer.groups)
    else:
        group.create_dataset("shape", data=np.array([layer.size], dtype=np.int64))
        group.create_dataset("inFeatures", data=n_in)
        group.create_dataset("outFeatures", data=layer.size)
    group.create_dataset("weight", data=layer.weight)


def _write_block(group: Any, layer: NetxLayer, n_in: int) -> None:
    _write_synapse(group, layer, n_in)
    if layer.weight_rec is not None:
        group.create_dataset("weight_rec", data=layer.weight_rec)
    neuron = group.create_group("neuron")
    neuron.create_dataset("type", (1,), _TYPE_DTYPE, [b"CUBA"])
    neuron.create_dataset("iDecay", data=layer.i_decay)
    neuron.create_dataset("vDecay", data=layer.v_decay)
    neuron.create_dataset("vThMant", data=layer.v_th_mant)
    neuron.create_dataset("refDelay", data=1)
    neuron.create_dataset("gradedSpike", data=False)
    group.attrs["lava_stllr_role"] = layer.role
    group.attrs["lava_stllr_weight_scale"] = layer.scale


def file_size_bound(layers: list[NetxLayer]) -> int:
    """An upper bound of the bytes of the netx file of ``layers``: the weight arrays plus
    HDF5's headers (4 kB per block, 64 kB for the file), checked against the free space
    before writing, so that HDF5 never meets a full disk in the middle of a write."""
    data = sum(lay.weight.nbytes + (0 if lay.weight_rec is None else lay.weight_rec.nbytes)
               for lay in layers)
    return data + 16_384 * len(layers) + 65_536


def _write_file(fileobj: Any, spec: NetworkSpec | ConvNetSpec, params: STLLRParams,
                layers: list[NetxLayer]) -> None:
    import h5py

    from lava_stllr import __version__

    with h5py.File(fileobj, "w") as f:
        f.attrs["generator"] = f"lava-stllr {__version__}"
        f.attrs["lava_stllr_spec"] = str(spec.to_dict())
        f.attrs["lava_stllr_params"] = str(params.to_dict())
        f.attrs["reset_note"] = (
            "hidden neurons are soft-reset LIF in lava-stllr, hard-reset CUBA here"
            if params.reset == "soft" else "hidden neurons are hard-reset in both"
        )
        top = f.create_group("layer")
        inp = top.create_group("0")
        _write_type(inp, "input")
        conv = isinstance(spec, ConvNetSpec)
        in_shape = list(spec.input_shape) if conv else [spec.sizes[0]]
        inp.create_dataset("shape", data=np.array(in_shape, dtype=np.int64))
        index = 1
        for i, layer in enumerate(layers):
            if layer.flatten:  # netx flattens (x, y, f) maps in (f, y, x) order, like us
                group = top.create_group(str(index))
                _write_type(group, "flatten")
                group.create_dataset("shape", data=np.array(layer.in_shape, dtype=np.int64))
                index += 1
            n_in = math.prod(layer.in_shape) if conv else spec.sizes[i]
            _write_block(top.create_group(str(index)), layer, n_in)
            index += 1


def export_netx(path: str | Path, spec: NetworkSpec | ConvNetSpec, params: STLLRParams,
                weights: Weights,
                scales: list[float | None] | None = None) -> list[NetxLayer]:
    """Write the network as a netx HDF5 file (atomically: temporary file, then rename).

    Parameters
    ----------
    path : str or Path
        Output file (conventionally ``.net`` or ``.h5``).
    spec, params, weights
        The network; see :func:`netx_layers` for the mapping.
    scales : list, optional
        Weight scale per block (default: the largest that fits 8 bits).

    Returns
    -------
    list of NetxLayer
        What was written, one entry per block (``flatten`` entries are not blocks).
    """
    path = Path(path)
    layers = netx_layers(spec, params, weights, scales)
    # h5py writes into the open temporary file: HDF5's own file driver, given a path, can
    # crash the process (SIGSEGV) when the disk fills mid-write; a Python file object
    # turns the failure into an OSError, and the free space is checked first.
    atomic_write(path, lambda fh: _write_file(fh, spec, params, layers), mode="w+b",
                 size=file_size_bound(layers))
    return layers
