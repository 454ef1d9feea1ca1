"""Run a netx file in NumPy with the integer dynamics of Lava's fixed-point ``Dense``/``LIF``.

This is what ``lava.lib.dl.netx.hdf5.Network`` computes in Lava's CPU simulator
(``fixed_pt``) for the dense and dense_rec CUBA blocks that
:func:`~lava_stllr.export.netx_write.export_netx` writes, with the per-layer pipeline delay
removed. Per block and step, in integers (``AbstractPyLifModelFixed``, lava/proc/lif/models.py)::

    a[t] = W_eff x[t] << weight_exp   (+ W_rec_eff s[t-1])       Dense, after netx's weight bits
    i[t] = wrap24(i[t-1] * (4096 - iDecay) / 4096 + (a[t] << 6))   current: a leaky integrator
    v    = v[t-1] * (4096 - vDecay) / 4096 + i[t]                  voltage: a hard-reset LIF
    s[t] = v > vThMant << 6;   v[t] = sat24(v * (1 - s[t]))

Decay products truncate toward zero: the compartments are lava-stllr's own
:func:`~lava_stllr.core.neurons.leaky_integrator_step` and
:func:`~lava_stllr.core.neurons.lif_step` (``reset="hard"``) with Loihi's
:class:`~lava_stllr.loihi.fixed_arithmetic.FixedArithmetic` (12 fractional bits, ``"trunc"``). Lava
saturates ``v`` before the threshold test and we after the reset: the spikes agree because
the threshold, at most ``(2**17 - 1) << 6``, lies below the saturation bound ``2**23 - 1``
(checked per file), and saturating 0 is 0.

A ``conv`` block (Lava's ``Conv``, lava/proc/conv/models.py) replaces ``W x`` by the
integer cross-correlation of the frame with the stored kernel, clamped to signed 24 bits,
with no weight exponent (netx passes conv kernels to Lava unchanged); a ``flatten`` entry
flattens (C, H, W) maps in C order. Hidden spikes of conv blocks are (T, C, H, W).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.core.conv import conv_forward
from lava_stllr.core.neurons import leaky_integrator_step, lif_step
from lava_stllr.export.netx_read import read_netx
from lava_stllr.loihi.neuron_fixed import MEMBRANE_ARITH
from lava_stllr.loihi.widths import (
    ACTIVATION_SHIFT,
    DECAY_UNITY,
    MEMBRANE_BITS,
    MEMBRANE_MAX,
    MEMBRANE_MIN,
    VTH_MAX,
    VTH_SHIFT,
    WEIGHT_MAGNITUDE_BITS,
)


def _netx_weight_bits(w: np.ndarray) -> tuple[np.ndarray, int, int]:
    """netx's ``optimize_weight_bits``: ``(shifted weights, num_weight_bits, weight_exp)``.

    Only the branch for weights already in range (no clipping) is replayed; the constants
    are lava-dl's (lava/lib/dl/netx/utils.py).
    """
    w_max, w_min = int(w.max()), int(w.min())
    if w_max < 0:
        signed, scale = 0, -256 / w_min
    elif w_min >= 0:
        signed, scale = 0, 255 / w_max
    else:
        signed, scale = 1, min(127 / w_max if w_max > 0 else np.inf, -128 / w_min)
    scale_bits = int(np.floor(np.log2(scale))) + signed
    n = WEIGHT_MAGNITUDE_BITS
    while n > 0 and np.any(w % (1 << n)):
        n -= 1
    n -= signed
    return w << scale_bits, WEIGHT_MAGNITUDE_BITS - scale_bits - n, -scale_bits


def _lava_dense_weight(w: np.ndarray, num_weight_bits: int) -> np.ndarray:
    """Lava's fixed-point ``Dense``: ``clip_weights`` then ``truncate_weights`` with the
    sign mode it determines from ``w`` (lava/utils/weightutils.py)."""
    inhibitory = w.max() <= 0 and w.min() < 0
    mixed = int(w.min() < 0 < w.max())
    mag = -w if inhibitory else w.copy()
    mag = np.clip(mag, -(1 << WEIGHT_MAGNITUDE_BITS) * mixed, (1 << WEIGHT_MAGNITUDE_BITS) - 1)
    drop = WEIGHT_MAGNITUDE_BITS - num_weight_bits + mixed
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


def _wrap(u: np.ndarray) -> np.ndarray:
    """Lava's current wrap-around: into ``(-2**23, 2**23]`` (``max_uv_val``)."""
    limit = 1 << (MEMBRANE_BITS - 1)
    u = np.where(u > limit, u - 2 * limit, u)
    return np.where(u <= -limit, u + 2 * limit, u)


@dataclass
class NetxRun:
    """Result of :func:`simulate_netx` (all in lava-stllr's unpipelined time frame).

    Attributes
    ----------
    hidden : list of int arrays (T, n_l), (T, C, H, W) for conv blocks
        Spikes of each hidden block (max-pool blocks included).
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


def _conv(layer: dict[str, Any], x: np.ndarray, number: int) -> np.ndarray:
    """Lava's fixed-point ``Conv`` on one map ``x`` (C, H, W): the cross-correlation
    with the file's kernel (netx flips it for Lava's convolution, which flips it back),
    per group, the sum wrapped to signed 24 bits as Lava's ``signed_clamp`` does (despite
    its name it wraps), so the simulation shows what Lava would compute."""
    w = np.asarray(layer["weight"], dtype=np.int64)
    groups = int(layer["groups"])
    stride, padding, dilation = (np.ravel(layer[k]).astype(int) for k in
                                 ("stride", "padding", "dilation"))
    if np.any(dilation != 1) or stride.min() != stride.max() or \
            padding.min() != padding.max():
        raise ValueError(f"layer {number}: only square strides and paddings without "
                         "dilation are simulated")
    c_in, c_out = x.shape[0] // groups, w.shape[0] // groups
    out = np.concatenate([
        conv_forward(x[None, g * c_in:(g + 1) * c_in], w[g * c_out:(g + 1) * c_out],
                     int(stride[0]), int(padding[0]))[0] for g in range(groups)])
    base = 1 << MEMBRANE_BITS
    return (out + base // 2) % base - base // 2


def simulate_netx(path: str | Path, x: np.ndarray, graded_input: bool = True) -> NetxRun:
    """Run a netx file in NumPy with the integer dynamics of Lava's fixed-point LIF/Dense.

    Layer l's step t here is Lava's step t + l (the per-layer pipeline delay is removed).

    Parameters
    ----------
    path : str or Path
        A file written by :func:`~lava_stllr.export.netx_write.export_netx` (dense,
        dense_rec and conv CUBA blocks, flatten entries).
    x : array (T, n_in)
        Input spike counts of one sample.
    graded_input : bool
        Keep input counts (``input_message_bits > 0`` in netx); False casts them to 0/1.
    """
    entries = read_netx(path)
    layers = [lay for lay in entries if lay["type"] not in ("input", "flatten")]
    if not layers:
        raise ValueError(f"{path} has no dense layer")
    h = np.asarray(x)
    h = h.astype(np.int64) if graded_input else (h > 0).astype(np.int64)
    if entries[0]["type"] == "input":  # conv networks: frames (T, C, H, W)
        h = h.reshape(h.shape[0], *np.ravel(entries[0]["shape"]).astype(int))
    hidden: list[np.ndarray] = []
    for index, layer in enumerate(layers[:-1]):
        h, _ = _run_cuba_block(layer, h, index + 1)
        hidden.append(h)
    _, readout_u = _run_cuba_block(layers[-1], h, len(layers))
    scale = float(layers[-1]["attrs"].get("lava_stllr_weight_scale", 1.0))
    return NetxRun(hidden, readout_u, readout_u / (float(1 << ACTIVATION_SHIFT) * scale))


def _run_cuba_block(layer: dict[str, Any], h: np.ndarray,
                    number: int) -> tuple[np.ndarray, np.ndarray]:
    """One dense/dense_rec/conv block with a CUBA neuron on inputs ``h`` (T, ...): a
    dense block flattens each frame ((C, H, W) in C order, as netx's ``flatten``).

    Returns the spikes and the current ``u``, both (T, n) or (T, C, H, W) for a conv, in
    the block's own time frame.
    """
    validate.choice(f"layer {number}: type", layer["type"], ("dense", "dense_rec", "conv"))
    neuron = layer["neuron"]
    validate.choice(f"layer {number}: neuron type", neuron.get("type"), ("CUBA",))
    i_keep, v_keep = (DECAY_UNITY - validate.integer(f"layer {number}: {key}", int(neuron[key]),
                                                     0, DECAY_UNITY)
                      for key in ("iDecay", "vDecay"))
    v_th = validate.integer(f"layer {number}: vThMant", int(neuron["vThMant"]), 0,
                            VTH_MAX) << VTH_SHIFT
    if layer["type"] == "conv":
        def synapse(x: np.ndarray, s: np.ndarray) -> np.ndarray:
            return _conv(layer, x, number)
        shape = tuple(np.ravel(layer["shape"]).astype(int))
    else:
        w = _effective_weight(layer["weight"])
        w_rec = _effective_weight(layer["weight_rec"]) if "weight_rec" in layer else None
        h = h.reshape(h.shape[0], -1)
        shape = (w[0].shape[0],)

        def synapse(x: np.ndarray, s: np.ndarray) -> np.ndarray:
            return _dense(w, x) + (_dense(w_rec, s) if w_rec is not None else 0)
    i_cur, v, s = (np.zeros(shape, np.int64) for _ in range(3))
    spikes, currents = (np.zeros((h.shape[0], *shape), np.int64) for _ in range(2))
    for t in range(h.shape[0]):
        a_in = synapse(h[t], s)
        i_cur = _wrap(leaky_integrator_step(i_cur, a_in << ACTIVATION_SHIFT, i_keep,
                                            MEMBRANE_ARITH))
        v, s, _ = lif_step(v, i_cur, v_keep, v_th, "hard", MEMBRANE_ARITH)
        v = np.clip(v, MEMBRANE_MIN, MEMBRANE_MAX)
        spikes[t], currents[t] = s, i_cur
    return spikes, currents
