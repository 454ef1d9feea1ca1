"""Per-Process step functions of the fixed-point (``fixed_pt``) S-TLLR network.

The fixed ProcessModels (``process_models/fixed_pt``) do their arithmetic through these
functions and the fixed mode of the on-chip reference
(:class:`lava_stllr.reference.onchip.OnChipReference`) calls the same functions in the
same order, so the two agree bit for bit. The math is not repeated here: the neuron and
readout run the integer programs of :mod:`lava_stllr.loihi.neuron_fixed` (which use the
shared :func:`~lava_stllr.core.neurons.lif_step` and
:func:`~lava_stllr.core.traces.trace_step` with a fixed-point ``arith``), the synapse
runs the learning engine of :mod:`lava_stllr.loihi.engine_fast` (bit-exact with Lava's
bit-approximate ``LearningDense``), and the sample clock, input frames and output error
are the float path's (:mod:`lava_stllr.core.process_steps`). What this module adds is
the per-Process framing: state restarts at sample boundaries, the pre-trace reset between
samples, the learning-signal rescaling and the (de)quantization at the output error.

Units: weights are 9-bit mantissas (float ``w = W * s_w``), currents are
``(sum_j W_ij s_j) << weight_exp``, membranes and the readout ``z`` are 24-bit integers
(float ``v * s_v``), traces and third factors are 7-bit, learning signals are
``signal_bits``-bit signed integers (float ``L * s_L``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_stllr.core.fixed import shift_round
from lava_stllr.core.process_steps import ErrorConfig, ErrorStep, error_process_step
from lava_stllr.loihi.bit_approx import StepRandoms, bit_approx_dense_activation
from lava_stllr.loihi.conversions import dequantize_membrane, quantize_signal
from lava_stllr.loihi.engine_fast import CompiledProduct, compile_products, fast_learning_step
from lava_stllr.loihi.layer_fixed import LayerFixed
from lava_stllr.loihi.neuron_fixed import (
    NeuronOutputs,
    NeuronProgram,
    NeuronState,
    ReadoutProgram,
    neuron_step,
    readout_step,
)


def check_layer(layer: object, readout: bool | None, what: str) -> LayerFixed:
    """``layer`` if it is a :class:`LayerFixed` of the right kind (a readout layer if
    ``readout``, a spiking one if False, either if None), else ``ValueError``."""
    if not isinstance(layer, LayerFixed):
        raise ValueError(f"{what} needs fixed=<LayerFixed> (from lava_stllr.loihi.quantize) to"
                         f" run with the fixed_pt models, got {type(layer).__name__}")
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
    """Constants of one fixed S-TLLR synapse: weight exponent and learning-engine rule."""

    weight_exp: int
    products: tuple[CompiledProduct, ...]
    x1_impulse: int
    x1_tau: int

    @classmethod
    def from_layer(cls, layer: LayerFixed) -> FixedDenseConfig:
        """Build from a quantized layer (its ``rule`` and ``weight_exp``)."""
        return cls(layer.weight_exp, compile_products(layer.rule.products),
                   layer.rule.x1_impulse, layer.rule.x1_tau)


def fixed_synaptic_current(weights: np.ndarray, spikes: np.ndarray,
                           cfg: FixedDenseConfig) -> np.ndarray:
    """Dendritic current ``(sum_j W_ij s_j) << weight_exp`` for binary spikes."""
    return bit_approx_dense_activation(weights, spikes, cfg.weight_exp)


def fixed_dense_step(weights: np.ndarray, x1: np.ndarray, spikes: np.ndarray,
                     y: np.ndarray, bap: np.ndarray, cfg: FixedDenseConfig,
                     randoms: StepRandoms, new_sample: bool) -> np.ndarray:
    """Learning phase of one fixed S-TLLR synapse step; updates ``weights`` in place.

    Within a sample this is one step of the bit-approximate learning engine
    (:func:`~lava_stllr.loihi.engine_fast.fast_learning_step`):
    ``x1 <- sround(exp(-1/x1_tau) x1) + x1_impulse * s`` and the rule's products with
    ``y = (y1, y2, y3)`` received this step. At the first step of a sample the factors
    (the post neuron's last step of the previous sample) are paired with the previous
    sample's decayed trace only (the engine step without pre spikes), then the trace
    restarts at ``x1 = x1_impulse * s``: no product crosses a sample boundary (the
    float :func:`~lava_stllr.core.process_steps.stllr_dense_step` does the same),
    and ``x1`` never saturates across samples (``lam_pre = 1`` saturates at 127).

    Returns
    -------
    The new pre trace (pre,) int64.
    """
    s = np.asarray(spikes).astype(bool)
    if not new_sample:
        return fast_learning_step(weights, x1, s, y, bap, cfg.products, cfg.x1_impulse,
                                  cfg.x1_tau, randoms)
    fast_learning_step(weights, x1, np.zeros_like(s), y, bap, cfg.products, cfg.x1_impulse,
                       cfg.x1_tau, randoms)
    return np.where(s, min(cfg.x1_impulse, 127), 0).astype(np.int64)


def rescale_signal(raw: np.ndarray, shift: int) -> np.ndarray:
    """Learning signal of a hidden layer from its feedback current:
    ``L = round(raw / 2**shift)`` (half away from zero)."""
    return shift_round(np.asarray(raw, dtype=np.int64), shift, "nearest")


def fixed_lif_step(program: NeuronProgram, state: NeuronState, current: np.ndarray,
                   signal: np.ndarray, new_sample: bool,
                   overflow: str = "raise") -> tuple[NeuronState, NeuronOutputs]:
    """One step of the fixed S-TLLR LIF Process: restart ``v`` and the post trace at a
    sample boundary, then :func:`~lava_stllr.loihi.neuron_fixed.neuron_step` (spikes,
    bAP and the third factors ``y1`` (sign flag), ``y2``, ``y3`` for signal ``L``)."""
    if new_sample:
        state = NeuronState.zeros(np.shape(state.v))
    return neuron_step(program, state, current, signal, learn=True, overflow=overflow)


def fixed_readout_step(program: ReadoutProgram, z: np.ndarray, current: np.ndarray,
                       new_sample: bool, overflow: str = "raise") -> np.ndarray:
    """Integration of the fixed readout Process,
    ``z = trunc(z * (4096 - dv) / 4096) + (a_in << 6)`` (24-bit), restarting from 0 at a
    sample boundary; the readout sends ``z`` before it receives the error."""
    z = np.asarray(z, dtype=np.int64)
    if new_sample:
        z = np.zeros_like(z)
    return readout_step(program, z, current, np.zeros_like(z), learn=False,
                        overflow=overflow)[0]


def fixed_readout_factors(program: ReadoutProgram, signal: np.ndarray,
                          overflow: str = "raise") -> np.ndarray:
    """The readout's ``(3, n)`` third factors for the error ``e`` received this step
    (``y1`` sign flag, ``y2``, ``y3``; they do not depend on ``z``)."""
    zeros = np.zeros(np.shape(signal), dtype=np.int64)
    return readout_step(program, zeros, zeros, signal, learn=True, overflow=overflow)[1]


def fixed_error_process_step(z: np.ndarray, label_msg: np.ndarray, z_sum: np.ndarray,
                             position: tuple[int, int], cfg: ErrorConfig,
                             layer: LayerFixed) -> ErrorStep:
    """One step of the fixed output-error Process.

    The integer readout is dequantized (``z * s_v``), the float
    :func:`~lava_stllr.core.process_steps.error_process_step` computes the error
    and the counters, and the error is sent as ``e_int = round(e / s_L)``
    (``signal_bits`` signed, :func:`~lava_stllr.loihi.quantize.quantize_signal`).
    """
    out = error_process_step(dequantize_membrane(z, layer), label_msg, z_sum, position, cfg)
    return out._replace(error=quantize_signal(out.error, layer))
