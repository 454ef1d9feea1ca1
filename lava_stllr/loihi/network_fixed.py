"""Fixed-point representation of a whole on-chip S-TLLR network (weights, rules, DFA).

:func:`quantize_network` quantizes the layers with :func:`lava_stllr.loihi.quantize.quantize`
(the last layer is the readout) and the DFA feedback matrices so that the hidden layers'
integer learning signals need no further scaling than one rounding shift::

    e_int  = round(e / s_e)                 s_e = 1 / 127 (output error, |e| <= 1, 8-bit)
    raw_l  = B_int_l @ e_int                (Lava's bit-accurate Dense, graded, exp 0)
    L_int  = round(raw_l / 2**k)            (in the hidden neuron; half away from zero)
    L      = L_int * s_L,   s_L = s_B * s_e * 2**k

``B_int`` are even mantissas (Lava's mixed-sign ``Dense`` clears the lowest bit) with
``max |B_int| = M``; ``k`` and ``M`` are chosen so that the worst case
``M * (sum_k |e_int_k|) <= M * (2 * 127 + n_classes / 2)`` fits the 16-bit dendritic input
and ``|L_int| <= 127`` (``sum_k |e_k| <= 2`` for ``e = softmax - onehot``).

Recurrent matrices ``V_l`` (optional) feed the same neurons as ``W_l``, so they share
hidden layer ``l``'s quantization (weight scale and exponent, neuron, rule constants):
the layer's scale is built for ``max(|W_l|, |V_l|)`` and ``V_int = round(V_l / s_w)``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr.loihi.conversions import even_weights
from lava_stllr.loihi.layer_fixed import FixedSTLLR, LayerFixed
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.loihi.widths import ACTIVATION_BITS, WEIGHT_EVEN_MAX, WEIGHT_INIT_STEP_MIXED
from lava_stllr.params import STLLRParams

#: Largest shift of the feedback current tried (the 16-bit input bounds it).
MAX_SIGNAL_SHIFT = ACTIVATION_BITS - 8
#: Smallest acceptable largest feedback mantissa.
MIN_FEEDBACK_MANTISSA = 16


@dataclass(frozen=True)
class FixedNetwork:
    """The integers of an on-chip network.

    Attributes
    ----------
    fixed : FixedSTLLR
        Per-layer registers and programs (readout last).
    weights : tuple of (post, pre) int arrays
        Initial weight mantissas per layer (even, 9-bit signed).
    feedback : tuple of (n_hidden_l, n_classes) int arrays
        DFA feedback mantissas ``B_int`` per hidden layer.
    feedback_scale : tuple of float
        ``s_B`` per hidden layer (float feedback per mantissa unit).
    signal_shift : tuple of int
        ``k`` per hidden layer: ``L_int = round(B_int e_int / 2**k)``.
    rng_seeds : tuple of int
        Learning-rule seed of each connection (the engine's trace-decay random streams).
    recurrent_weights : tuple of (n_l, n_l) int arrays
        Recurrent weight mantissas per hidden layer, on that layer's scale (empty if none).
    recurrent_seeds : tuple of int
        Learning-rule seed of each recurrent connection.
    """

    fixed: FixedSTLLR
    weights: tuple[np.ndarray, ...]
    feedback: tuple[np.ndarray, ...]
    feedback_scale: tuple[float, ...]
    signal_shift: tuple[int, ...]
    rng_seeds: tuple[int, ...]
    recurrent_weights: tuple[np.ndarray, ...] = ()
    recurrent_seeds: tuple[int, ...] = ()

    @property
    def layers(self) -> tuple[LayerFixed, ...]:
        """The quantized layers (readout last)."""
        return self.fixed.layers

    def dequantize_weights(self, mantissas: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Float weights ``W_int * s_w`` per layer."""
        return _dequantize(mantissas, self.layers, "weight matrix per layer")

    def dequantize_recurrent(self, mantissas: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Float recurrent weights ``V_int * s_w`` of hidden layer ``l``'s scale."""
        layers = self.layers[:len(self.recurrent_weights)]
        return _dequantize(mantissas, layers, "recurrent matrix per hidden layer")


def _dequantize(mantissas: Sequence[np.ndarray], layers: Sequence[LayerFixed],
                what: str) -> list[np.ndarray]:
    """``M_int * s_w`` of each layer's scale; one matrix per layer of ``layers``."""
    if len(mantissas) != len(layers):
        raise ValueError(f"need one {what} ({len(layers)}), got {len(mantissas)}")
    return [np.asarray(m, dtype=np.float64) * layer.weight_scale
            for m, layer in zip(mantissas, layers, strict=True)]


def _feedback_grid(n_classes: int, signal_int_max: int) -> tuple[int, int]:
    """``(k, M)``: shift and largest even feedback mantissa for ``n_classes`` outputs."""
    error_sum = 2 * signal_int_max + math.ceil(n_classes / 2)
    input_max = (1 << (ACTIVATION_BITS - 1)) - 1
    best = None
    for k in range(MAX_SIGNAL_SHIFT + 1):
        top = min(signal_int_max * (1 << k), input_max) // error_sum
        top = min(top - top % WEIGHT_INIT_STEP_MIXED, WEIGHT_EVEN_MAX)
        if top >= MIN_FEEDBACK_MANTISSA:
            best = (k, top)
        if top >= 128:
            break
    if best is None:
        raise ValueError(f"the DFA feedback of {n_classes} classes cannot be encoded: the"
                         f" learning-signal bound needs more than {ACTIVATION_BITS} bits")
    return best


def quantize_feedback(b: np.ndarray, n_classes: int,
                      signal_int_max: int) -> tuple[np.ndarray, float, int]:
    """``(B_int, s_B, k)`` of one DFA feedback matrix (see the module docstring)."""
    b = np.asarray(b, dtype=np.float64)
    if b.ndim != 2 or b.shape[1] != n_classes or not np.all(np.isfinite(b)):
        raise ValueError(f"feedback must be a finite (n_hidden, {n_classes}) matrix")
    absmax = float(np.abs(b).max())
    if absmax == 0.0:
        raise ValueError("feedback matrix is all zero")
    k, top = _feedback_grid(n_classes, signal_int_max)
    scale = absmax / top
    step = WEIGHT_INIT_STEP_MIXED
    b_int = (step * np.round(b / (step * scale))).astype(np.int64)
    return b_int, scale, k


def quantize_network(params: STLLRParams, weights: Sequence[np.ndarray],
                     feedback: Sequence[np.ndarray], beta_out: float,
                     rng_seed: int = 0, recurrent: Sequence[np.ndarray] = (),
                     **options: Any) -> FixedNetwork:
    """Quantize a dense DFA network: hidden layers, readout and feedback.

    Parameters
    ----------
    params : STLLRParams
    weights : sequence of (post, pre) float arrays
        Feed-forward weights, the readout's last.
    feedback : sequence of (n_hidden_l, n_classes) float arrays
        DFA feedback matrices, one per hidden layer.
    beta_out : float
        Readout decay per step.
    rng_seed : int
        Connection ``i`` gets the learning-rule seed ``rng_seed + i``, recurrent
        connection ``l`` ``rng_seed + len(weights) + l``.
    recurrent : sequence of (n_l, n_l) float arrays
        Recurrent weights per hidden layer, or empty; quantized on their layer's scale
        (built for both matrices unless ``weight_absmax`` is given).
    **options
        Passed to :func:`lava_stllr.loihi.quantize.quantize` (e.g. ``weight_headroom``,
        ``signal_bits``, ``pre_trace_max``); ``readout_last``, ``beta_out`` and
        ``signal_max`` are set here.

    Raises
    ------
    ValueError
        If a value cannot be encoded (naming it).
    """
    if len(weights) != len(feedback) + 1:
        raise ValueError(f"need one feedback matrix per hidden layer: {len(weights) - 1},"
                         f" got {len(feedback)}")
    for key in ("readout_last", "beta_out", "signal_max"):
        if key in options:
            raise ValueError(f"quantize_network sets {key} itself")
    if isinstance(rng_seed, bool) or not isinstance(rng_seed, int) or rng_seed < 0:
        raise ValueError(f"rng_seed must be an integer >= 0, got {rng_seed!r}")
    n_classes = np.shape(weights[-1])[0]
    recurrent = [np.asarray(v, dtype=np.float64) for v in recurrent]
    if recurrent:
        if len(recurrent) != len(feedback):
            raise ValueError(f"need one recurrent matrix per hidden layer: {len(feedback)}, "
                             f"got {len(recurrent)}")
        for i, (v, w) in enumerate(zip(recurrent, weights, strict=False)):
            n = np.shape(w)[0]
            if v.shape != (n, n) or not np.all(np.isfinite(v)):
                raise ValueError(f"recurrent[{i}] must be a finite ({n}, {n}) array")
        if "weight_absmax" not in options:  # one scale for W_l and V_l
            absmax = [float(np.abs(np.asarray(w)).max()) for w in weights]
            for i, v in enumerate(recurrent):
                absmax[i] = max(absmax[i], float(np.abs(v).max()))
            options["weight_absmax"] = tuple(absmax)
    signal_bits = options.get("signal_bits", QuantizeOptions.signal_bits)
    if isinstance(signal_bits, bool) or not isinstance(signal_bits, int) or signal_bits < 2:
        raise ValueError(f"signal_bits must be an integer >= 2, got {signal_bits!r}")
    sig_int_max = (1 << (signal_bits - 1)) - 1
    error_scale = 1.0 / sig_int_max  # output error: signal_max = 1
    fb_int, fb_scale, shifts, signal_max = [], [], [], []
    for b in feedback:
        b_int, s_b, k = quantize_feedback(b, n_classes, sig_int_max)
        fb_int.append(b_int)
        fb_scale.append(s_b)
        shifts.append(k)
        signal_max.append(s_b * error_scale * (1 << k) * sig_int_max)
    fixed = quantize(params, list(weights), QuantizeOptions(
        readout_last=True, beta_out=beta_out, signal_max=(*signal_max, 1.0), **options))
    mantissas = tuple(np.asarray(layer.weights, dtype=np.int64) for layer in fixed.layers)
    rec_int = tuple(even_weights(v / layer.weight_scale, f"layer {i} recurrent mantissas"
                                 ).astype(np.int64)
                    for i, (v, layer) in enumerate(zip(recurrent, fixed.layers, strict=False)))
    n = len(weights)
    return FixedNetwork(fixed, mantissas, tuple(fb_int), tuple(fb_scale), tuple(shifts),
                        tuple(rng_seed + i for i in range(n)), rec_int,
                        tuple(rng_seed + n + i for i in range(len(rec_int))))
