"""The fixed-point S-TLLR synapse: Lava's bit-approximate ``LearningDense``, bit for bit.

The synapse runs the learning engine of :mod:`lava_stllr.loihi.engine_fast` (bit-exact
with Lava's bit-approximate ``LearningDense``); what this module adds is the framing of
one connection: the mixed-sign weight truncation, the dendritic current, the pre-trace
restart between samples, per-sample updates through the synaptic tag, and the integer
DFA feedback current and its rescaling.

Units: weights are 9-bit mantissas (float ``w = W * s_w``), currents are
``(sum_j W_ij s_j) << weight_exp``, traces and third factors are 7-bit, learning signals
are ``signal_bits``-bit signed integers (float ``L * s_L``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_stllr.loihi.bit_approx import StepRandoms, bit_approx_dense_activation
from lava_stllr.loihi.engine_fast import CompiledProduct, compile_products, fast_learning_step
from lava_stllr.loihi.engine_replica import bit_approx_tag_step
from lava_stllr.loihi.fixed_arithmetic import shift_round
from lava_stllr.loihi.fixed_rule import FixedRule
from lava_stllr.loihi.layer_fixed import LayerFixed
from lava_stllr.loihi.widths import TAG_MAX, TAG_MIN


def check_layer(layer: object, readout: bool | None, what: str) -> LayerFixed:
    """``layer`` if it is a :class:`LayerFixed` of the right kind (a readout layer if
    ``readout``, a spiking one if False, either if None), else ``ValueError``."""
    if not isinstance(layer, LayerFixed):
        raise ValueError(f"{what} needs a quantized LayerFixed (from lava_stllr.loihi.quantize)"
                         f" for its fixed-point program, got {type(layer).__name__}")
    if readout is not None and layer.readout != readout:
        kind = "a readout" if readout else "a spiking (non-readout)"
        raise ValueError(f"{what} needs {kind} layer, got layer {layer.index} with"
                         f" readout={layer.readout}")
    return layer


def truncate_mixed_weights(weights: np.ndarray) -> np.ndarray:
    """Clear the lowest bit of each mantissa, as Lava's bit-approximate ``LearningDense``
    does once on its first step (``truncate_weights``, mixed sign: ``(w >> 1) << 1``)."""
    w = np.asarray(weights)
    return (w >> 1) << 1


def graded_current(weights: np.ndarray, payload: np.ndarray) -> np.ndarray:
    """Lava's bit-accurate ``Dense`` with graded spikes and ``weight_exp = 0``:
    ``W @ payload`` (integers), as the DFA feedback connections deliver ``B e``."""
    return np.asarray(weights, dtype=np.int64).dot(np.asarray(payload, dtype=np.int64))


@dataclass(frozen=True)
class FixedDenseConfig:
    """Constants of one fixed S-TLLR synapse: weight exponent and learning-engine rule
    (``rule``: its products as written, which the per-sample gate step reads)."""

    weight_exp: int
    products: tuple[CompiledProduct, ...]
    x1_impulse: int
    x1_tau: int
    rule: FixedRule | None = None

    @classmethod
    def from_layer(cls, layer: LayerFixed) -> FixedDenseConfig:
        """Build from a quantized layer (its ``rule`` and ``weight_exp``)."""
        return cls(layer.weight_exp, compile_products(layer.rule.products),
                   layer.rule.x1_impulse, layer.rule.x1_tau, layer.rule)


def fixed_synaptic_current(weights: np.ndarray, spikes: np.ndarray,
                           cfg: FixedDenseConfig) -> np.ndarray:
    """Dendritic current ``(sum_j W_ij s_j) << weight_exp`` for binary spikes."""
    return bit_approx_dense_activation(weights, spikes, cfg.weight_exp)


def fixed_dense_step(weights: np.ndarray, x1: np.ndarray, spikes: np.ndarray,
                     y: np.ndarray, bap: np.ndarray, cfg: FixedDenseConfig,
                     randoms: StepRandoms, new_sample: bool,
                     tag: np.ndarray | None = None) -> np.ndarray:
    """Learning phase of one fixed S-TLLR synapse step; updates ``weights`` in place.

    Within a sample this is one step of the bit-approximate learning engine
    (:func:`~lava_stllr.loihi.engine_fast.fast_learning_step`):
    ``x1 <- sround(exp(-1/x1_tau) x1) + x1_impulse * s`` and the rule's products with
    ``y = (y1, y2, y3)`` received this step. At the first step of a sample the factors
    (the post neuron's last step of the previous sample) are paired with the previous
    sample's decayed trace only (the engine step without pre spikes), then the trace
    restarts at ``x1 = x1_impulse * s``: no product crosses a sample boundary (the
    float :func:`~lava_stllr.core.engine.stllr_dense_step` does the same),
    and ``x1`` never saturates across samples (``lam_pre = 1`` saturates at 127).

    With a ``tag`` (per-sample updates) the engine runs the rule's per-sample form
    (:attr:`~lava_stllr.loihi.fixed_rule.FixedRule.sample_dt`, ``sample_dw``): the
    products go into the tag (in place; the weights are untouched, their transfer product
    being 0), except on the gate step (the post neuron's bAP), whose full step (the tag
    into the weights, the tag to 0) is the literal engine's.

    Returns
    -------
    The new pre trace (pre,) int64.
    """
    s = np.asarray(spikes).astype(bool)
    pre = np.zeros_like(s) if new_sample else s
    if tag is None:
        x_new = fast_learning_step(weights, x1, pre, y, bap, cfg.products, cfg.x1_impulse,
                                   cfg.x1_tau, randoms)
    elif np.asarray(bap).any():
        if cfg.rule is None:
            raise ValueError("per-sample updates need the config's rule (from_layer)")
        weights[...], tag[...], x_new = bit_approx_tag_step(
            weights, tag, x1, pre, y, bap, cfg.rule.sample_dw, cfg.rule.sample_dt,
            cfg.x1_impulse, cfg.x1_tau, randoms)
    else:
        x_new = fast_learning_step(tag, x1, pre, y, bap, cfg.products, cfg.x1_impulse,
                                   cfg.x1_tau, randoms, lo=TAG_MIN, hi=TAG_MAX)
    if not new_sample:
        return np.asarray(x_new, dtype=np.int64)
    return np.where(s, min(cfg.x1_impulse, 127), 0).astype(np.int64)


def rescale_signal(raw: np.ndarray, shift: int) -> np.ndarray:
    """Learning signal of a hidden layer from its feedback current:
    ``L = round(raw / 2**shift)`` (half away from zero)."""
    return shift_round(np.asarray(raw, dtype=np.int64), shift, "nearest")
