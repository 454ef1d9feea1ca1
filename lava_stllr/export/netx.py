"""Export a trained network to lava-dl's netx HDF5 format (h5py only, no torch, no lava-dl).

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
   :func:`simulate_netx`; with ``beta = 1`` and representable weights it is exact).
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

The readout, a non-spiking leaky integrator ``z[t] = beta_out * z[t-1] + W h[t]``, maps to
a CUBA neuron used as an integrator (as slayer's default for a dense layer without a
neuron): ``iDecay = round(4096 * (1 - beta_out))`` makes the *current* ``i`` the leaky
integrator, ``vDecay = 4096`` makes ``v[t] = i[t]`` each step, and ``vThMant = 2**17 - 1``
keeps it from firing in practice. Read the class scores from the readout neuron's ``u``
(or ``v``) Var: ``z[t] ~= u[t] / (64 * s_L)``. Its ``s_out`` carries no information.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.params import STLLRParams
from lava_stllr.reference.network import NetworkSpec, Weights

DECAY_UNITY = 4096  # Loihi decays are 12-bit fractions of 4096
WEIGHT_MIN = -256  # slayer's 8-bit weight range (even integers)
WEIGHT_MAX = 254
VTH_MANT_MAX = 2**17 - 1  # Lava LIF (fixed point): vth is an unsigned 17-bit integer
ACT_SHIFT = 6  # Lava LIF (fixed point): synaptic input and threshold are shifted left by 6
STATE_BITS = 24
_TYPE_DTYPE = "S10"


@dataclass
class NetxLayer:
    """One exported dense block.

    Attributes
    ----------
    kind : {"dense", "dense_rec"}
    role : {"hidden", "readout"}
    weight : int array (n_out, n_in)
    weight_rec : int array (n_out, n_out) or None
    scale : float
        Factor from float weights to the integers (``weight ~= scale * w``).
    i_decay, v_decay, v_th_mant : int
        The CUBA neuron's parameters.
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

    @property
    def size(self) -> int:
        """Number of neurons."""
        return int(self.weight.shape[0])


def decay_to_netx(beta: float) -> int:
    """12-bit decay ``round(4096 * (1 - beta))`` of a per-step retention ``beta`` in [0, 1]."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta must be in [0, 1], got {beta!r}")
    return int(round(DECAY_UNITY * (1.0 - beta)))


def default_scale(matrices: list[np.ndarray], theta: float | None = None) -> float:
    """Largest scale that keeps every weight in [-256, 254] (and ``vThMant`` in 17 bits).

    An all-zero layer gets 64 (slayer's default weight scale).
    """
    peak = max(float(np.abs(m).max()) if m.size else 0.0 for m in matrices)
    scale = WEIGHT_MAX / peak if peak > 0 else 64.0
    if theta is not None:
        scale = min(scale, VTH_MANT_MAX / theta)
    return scale


def quantize_weight(w: np.ndarray, scale: float) -> np.ndarray:
    """``2*round(scale*w/2)`` clipped to [-256, 254], as int64."""
    if not (np.isfinite(scale) and scale > 0):
        raise ValueError(f"weight scale must be a finite number > 0, got {scale!r}")
    q = 2 * np.round(np.asarray(w, dtype=np.float64) * scale / 2.0)
    return np.clip(q, WEIGHT_MIN, WEIGHT_MAX).astype(np.int64)


def _layer_scale(mats: list[np.ndarray], theta: float | None, scales: Any,
                 index: int) -> float:
    if scales is None or scales[index] is None:
        return default_scale(mats, theta)
    return float(scales[index])


def netx_layers(
    spec: NetworkSpec,
    params: STLLRParams,
    weights: Weights,
    scales: list[float | None] | None = None,
) -> list[NetxLayer]:
    """The dense blocks of the export: each hidden LIF layer, then the readout.

    Parameters
    ----------
    spec, params, weights
        The trained network (``params.theta`` and ``params.beta`` set the neurons).
    scales : list of float or None, optional
        One weight scale per block (``len(spec.sizes) - 1``); ``None`` entries (or no
        list) use :func:`default_scale`.
    """
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
        v_th = int(round(params.theta * scale))
        if not 1 <= v_th <= VTH_MANT_MAX:
            raise ValueError(
                f"layer {i + 1}: threshold {params.theta} x scale {scale:g} = {v_th} is "
                f"outside vThMant's range [1, {VTH_MANT_MAX}]"
            )
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
        i_decay=decay_to_netx(spec.beta_out), v_decay=DECAY_UNITY, v_th_mant=VTH_MANT_MAX,
    ))
    return layers


def _write_type(group: Any, name: str) -> None:
    group.create_dataset("type", (1,), _TYPE_DTYPE, [name.encode("ascii")])


def _write_block(group: Any, layer: NetxLayer, n_in: int) -> None:
    _write_type(group, layer.kind)
    group.create_dataset("shape", data=np.array([layer.size], dtype=np.int64))
    group.create_dataset("inFeatures", data=n_in)
    group.create_dataset("outFeatures", data=layer.size)
    group.create_dataset("weight", data=layer.weight)
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


def _write_file(path: Path, spec: NetworkSpec, params: STLLRParams,
                layers: list[NetxLayer]) -> None:
    import h5py

    from lava_stllr import __version__

    with h5py.File(path, "w") as f:
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
        inp.create_dataset("shape", data=np.array([spec.sizes[0]], dtype=np.int64))
        for i, layer in enumerate(layers):
            _write_block(top.create_group(str(i + 1)), layer, spec.sizes[i])


def export_netx(
    path: str | Path,
    spec: NetworkSpec,
    params: STLLRParams,
    weights: Weights,
    scales: list[float | None] | None = None,
) -> list[NetxLayer]:
    """Write the network as a netx HDF5 file (atomically: temporary file, then rename).

    Parameters
    ----------
    path : str or Path
        Output file (conventionally ``.net`` or ``.h5``).
    spec, params, weights
        The network; see :func:`netx_layers` for the mapping.
    scales : list, optional
        Weight scale per dense block (default: the largest that fits 8 bits).

    Returns
    -------
    list of NetxLayer
        What was written, one entry per dense block.
    """
    path = Path(path)
    layers = netx_layers(spec, params, weights, scales)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        _write_file(Path(tmp), spec, params, layers)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return layers


def _read_str(dataset: Any) -> str:
    value = dataset[0] if dataset.shape else dataset[()]
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


def read_netx(path: str | Path) -> list[dict[str, Any]]:
    """Read a netx file's layers back as dicts (``type``, ``shape``, ``weight``, ...,
    ``neuron`` dict, ``attrs``), in layer order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If it is not an HDF5 file with a ``layer`` group.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"netx file not found: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path} is not an HDF5 file ({exc})") from None
    with f:
        if "layer" not in f:
            raise ValueError(f"{path} has no 'layer' group: not a netx network")
        out = []
        for key in sorted(f["layer"], key=int):
            group = f["layer"][key]
            layer: dict[str, Any] = {"type": _read_str(group["type"]),
                                     "attrs": dict(group.attrs)}
            for name, item in group.items():
                if name == "neuron":
                    layer["neuron"] = {
                        k: (_read_str(v) if k == "type" else v[()]) for k, v in item.items()
                    }
                elif name != "type":
                    layer[name] = item[()]
            out.append(layer)
    return out


def _netx_weight_bits(w: np.ndarray) -> tuple[np.ndarray, int, int]:
    """netx's ``optimize_weight_bits``: ``(shifted weights, num_weight_bits, weight_exp)``.

    Only the branch for weights already in range (no clipping) is replayed.
    """
    w_max, w_min = int(w.max()), int(w.min())
    if w_max < 0:
        signed, scale = 0, -256 / w_min
    elif w_min >= 0:
        signed, scale = 0, 255 / w_max
    else:
        signed, scale = 1, min(127 / w_max if w_max > 0 else np.inf, -128 / w_min)
    scale_bits = int(np.floor(np.log2(scale))) + signed
    n = 8
    while n > 0 and np.any(w % (1 << n)):
        n -= 1
    n -= signed
    return w << scale_bits, 8 - scale_bits - n, -scale_bits


def _lava_dense_weight(w: np.ndarray, num_weight_bits: int) -> np.ndarray:
    """Lava's fixed-point ``Dense``: ``clip_weights`` then ``truncate_weights`` with the
    sign mode it determines from ``w``."""
    inhibitory = w.max() <= 0 and w.min() < 0
    mixed = int(w.min() < 0 < w.max())
    mag = -w if inhibitory else w.copy()
    mag = np.clip(mag, -(2**8) * mixed, 2**8 - 1)
    drop = 8 - num_weight_bits + mixed
    mag = (mag >> drop) << drop
    return -mag if inhibitory else mag


def _effective_weight(w: np.ndarray) -> tuple[np.ndarray, int]:
    """The integer matrix and exponent Lava's fixed-point ``Dense`` uses for a netx
    ``weight``: ``a = (W_eff @ x) << exp`` (a right shift for a negative ``exp``).

    For even integers in [-256, 254] this is the stored matrix itself.
    """
    w = np.asarray(w, dtype=np.int64)
    if not w.any():
        return w, 0
    shifted, num_bits, exp = _netx_weight_bits(w)
    return _lava_dense_weight(shifted, num_bits), exp


def _dense(w_exp: tuple[np.ndarray, int], x: np.ndarray) -> np.ndarray:
    """Lava's fixed-point dendritic accumulation with the weight exponent."""
    w, exp = w_exp
    acc = w @ x
    return acc << exp if exp > 0 else acc >> -exp


def _decay(state: np.ndarray, decay: int) -> np.ndarray:
    """``state * (4096 - decay) / 4096`` truncated toward zero (Lava LIF fixed point)."""
    prod = state.astype(np.int64) * (DECAY_UNITY - decay)
    return np.sign(prod) * (np.abs(prod) >> 12)


def _wrap(u: np.ndarray) -> np.ndarray:
    limit = 2 ** (STATE_BITS - 1)
    u = np.where(u > limit, u - 2 * limit, u)
    return np.where(u <= -limit, u + 2 * limit, u)


@dataclass
class NetxRun:
    """Result of :func:`simulate_netx` (all in lava-stllr's unpipelined time frame).

    Attributes
    ----------
    hidden : list of int arrays (T, n_l)
        Spikes of each hidden layer.
    readout_u : int array (T, n_out)
        The readout neuron's current ``u`` (fixed-point units).
    readout : float array (T, n_out)
        ``readout_u / (64 * scale)``, comparable with lava-stllr's ``z[t]``.
    """

    hidden: list[np.ndarray]
    readout_u: np.ndarray
    readout: np.ndarray

    def prediction(self, start: int = 0) -> int:
        """Argmax of the readout summed from step ``start``."""
        return int(self.readout[start:].sum(axis=0).argmax())


def simulate_netx(path: str | Path, x: np.ndarray, graded_input: bool = True) -> NetxRun:
    """Run a netx file in NumPy with the integer dynamics of Lava's fixed-point LIF/Dense.

    This is what ``hdf5.Network`` computes in Lava's CPU simulator (``fixed_pt``), with
    the per-layer pipeline delay removed (layer l's step t here is Lava's step t + l).

    Parameters
    ----------
    path : str or Path
        A file written by :func:`export_netx` (dense and dense_rec CUBA blocks).
    x : array (T, n_in)
        Input spike counts of one sample.
    graded_input : bool
        Keep input counts (``input_message_bits > 0`` in netx); False casts them to 0/1.
    """
    layers = [lay for lay in read_netx(path) if lay["type"] != "input"]
    if not layers:
        raise ValueError(f"{path} has no dense layer")
    h = np.asarray(x)
    h = h.astype(np.int64) if graded_input else (h > 0).astype(np.int64)
    hidden: list[np.ndarray] = []
    for index, layer in enumerate(layers[:-1]):
        h, _ = _run_cuba_block(layer, h, index + 1)
        hidden.append(h)
    _, readout_u = _run_cuba_block(layers[-1], h, len(layers))
    scale = float(layers[-1]["attrs"].get("lava_stllr_weight_scale", 1.0))
    return NetxRun(hidden, readout_u, readout_u / (float(1 << ACT_SHIFT) * scale))


def _run_cuba_block(layer: dict[str, Any], h: np.ndarray,
                    number: int) -> tuple[np.ndarray, np.ndarray]:
    """One dense/dense_rec block with a CUBA neuron on inputs ``h`` (T, n_in).

    Returns the spikes and the current ``u``, both (T, n), in the block's own time frame.
    """
    if layer["type"] not in ("dense", "dense_rec"):
        raise ValueError(f"layer {number}: type {layer['type']!r} is not supported")
    neuron = layer["neuron"]
    if neuron.get("type") != "CUBA":
        raise ValueError(f"layer {number}: neuron {neuron.get('type')!r} is not supported")
    i_decay, v_decay = int(neuron["iDecay"]), int(neuron["vDecay"])
    v_th = int(neuron["vThMant"]) << ACT_SHIFT
    w = _effective_weight(layer["weight"])
    w_rec = _effective_weight(layer["weight_rec"]) if "weight_rec" in layer else None
    n = w[0].shape[0]
    i_cur, v, s = (np.zeros(n, np.int64) for _ in range(3))
    v_max = 2 ** (STATE_BITS - 1) - 1
    spikes, currents = np.zeros((h.shape[0], n), np.int64), np.zeros((h.shape[0], n), np.int64)
    for t in range(h.shape[0]):
        a_in = _dense(w, h[t]) + (_dense(w_rec, s) if w_rec is not None else 0)
        i_cur = _wrap(_decay(i_cur, i_decay) + (a_in << ACT_SHIFT))
        v = np.clip(_decay(v, v_decay) + i_cur, -v_max, v_max)
        s = (v > v_th).astype(np.int64)
        v = np.where(s > 0, 0, v)
        spikes[t], currents[t] = s, i_cur
    return spikes, currents
