"""Loihi 2 fixed-point programs of the on-chip Processes, bit-exact with Lava's
bit-approximate models; the protocols of :mod:`lava_stllr.onchip.protocols`, as the float
programs of :mod:`lava_stllr.onchip.programs_float`.

Each wraps the integers of one quantized layer
(:class:`~lava_stllr.loihi.quantize.LayerFixed`): the neuron's integer program
(:mod:`lava_stllr.loihi.neuron_fixed`), the learning engine
(:mod:`lava_stllr.loihi.synapse`) and the (de)quantization at the output error.
Units: weights are 9-bit mantissas, currents ``(W s) << weight_exp``, membranes and the
readout 24-bit integers, traces and third factors 7-bit, learning signals
``signal_bits``-bit signed integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lava_stllr.core.messages import NeuronOutputs, NeuronState, ThirdFactors
from lava_stllr.loihi.bit_approx import EngineRandomStream, StepRandoms
from lava_stllr.loihi.conversions import dequantize_membrane, quantize_signal
from lava_stllr.loihi.fixed_arithmetic import check_fits
from lava_stllr.loihi.layer_fixed import LayerFixed
from lava_stllr.loihi.neuron_fixed import (
    NeuronRegisters,
    ReadoutRegisters,
    neuron_step,
    readout_step,
)
from lava_stllr.loihi.synapse import (
    FixedDenseConfig,
    fixed_dense_step,
    fixed_synaptic_current,
    graded_current,
    rescale_signal,
    truncate_mixed_weights,
)
from lava_stllr.loihi.widths import WEIGHT_SIGNED_BITS


def _gate_vector(shape: tuple[int, ...], update: str, gate: bool,
                 bap: np.ndarray) -> np.ndarray:
    """The bAP a fixed post program sends: ``bap`` per step (``gate`` must be False), the
    per-sample gate on every neuron per sample."""
    if update == "sample":
        return np.full(shape, bool(gate))
    if gate:
        raise ValueError("a per-sample gate needs a program built with update='sample'")
    return bap


def _with_gate(out: NeuronOutputs, update: str, gate: bool) -> NeuronOutputs:
    """``out`` with the bAP of :func:`_gate_vector`."""
    bap = _gate_vector(np.shape(out.spikes), update, gate, out.bap)
    return out if bap is out.bap else out._replace(bap=bap)


@dataclass(frozen=True)
class FixedSynapse:
    """One step of Lava's bit-approximate learning engine with the layer's rule:
    ``x1 <- sround(exp(-1/x1_tau) x1) + x1_impulse*s`` and the rule's products (per
    sample: into the synaptic tag, moved into the weights at the post neuron's bAP)."""

    cfg: FixedDenseConfig
    precision: ClassVar[str] = "fixed"
    reads_sign_flag: ClassVar[bool] = True
    reads_bap: ClassVar[bool] = True
    gate: ClassVar[str] = "bap"

    @classmethod
    def from_layer(cls, layer: LayerFixed) -> FixedSynapse:
        """Build from a quantized layer."""
        return cls(FixedDenseConfig.from_layer(layer))

    def check_weights(self, weights: np.ndarray) -> np.ndarray:
        """Integer mantissas within Loihi 2's 9-bit signed range."""
        try:
            check_fits("weight mantissas", weights, WEIGHT_SIGNED_BITS, signed=True)
        except ValueError as err:
            raise ValueError(f"with a fixed-point program, weights must be integer "
                             f"mantissas: {err}") from err
        return weights

    def load_weights(self, weights: np.ndarray) -> np.ndarray:
        """Mantissas with the lowest bit cleared, as Lava's mixed-sign ``LearningDense``
        stores them from its first step on."""
        return truncate_mixed_weights(np.asarray(weights)).astype(np.int64)

    def zero_trace(self, n_pre: int) -> np.ndarray:
        """Pre trace at rest."""
        return np.zeros(n_pre, dtype=np.int64)

    def random_stream(self, seed: int) -> EngineRandomStream:
        """The engine's stochastic-rounding randoms, one draw per step."""
        return EngineRandomStream(seed)

    def presynaptic(self, payload: np.ndarray) -> np.ndarray:
        """Binary spikes ``payload != 0``."""
        return np.asarray(payload) != 0

    def current(self, weights: np.ndarray, spikes: np.ndarray) -> np.ndarray:
        """``(W s) << weight_exp``."""
        return fixed_synaptic_current(weights, spikes, self.cfg)

    def learn(self, weights: np.ndarray, trace: np.ndarray, spikes: np.ndarray,
              factors: ThirdFactors, new_sample: bool, randoms: StepRandoms,
              tag: np.ndarray | None = None) -> np.ndarray:
        """One learning-engine step (updates ``weights``, or per sample ``tag`` and at the
        gate both, in place; :func:`~lava_stllr.loihi.synapse.fixed_dense_step`); the new
        pre trace."""
        bap = np.asarray(factors.bap).astype(bool)
        return fixed_dense_step(weights, trace, spikes, factors.y, bap, self.cfg, randoms,
                                new_sample, tag)


@dataclass(frozen=True)
class FixedNeuron:
    """The integer S-TLLR LIF program of one layer; its learning signal is the DFA
    feedback current rounded by ``signal_shift``: ``L = round(raw / 2**signal_shift)``.

    ``update="sample"``: its bAP carries the per-sample gate (raised on the gate step
    only, on every neuron) instead of the spikes; the rule reads no other bAP.
    """

    registers: NeuronRegisters
    signal_shift: int = 0
    update: str = "step"
    precision: ClassVar[str] = "fixed"

    def zeros(self, n: int | tuple[int, ...]) -> NeuronState:
        """Rest state (int64)."""
        return NeuronState.zeros(n)

    def signal(self, raw: np.ndarray) -> np.ndarray:
        """Integer learning signal from the feedback current."""
        return rescale_signal(raw, self.signal_shift)

    def step(self, state: NeuronState, current: np.ndarray, signal: np.ndarray,
             gate: bool = False) -> tuple[NeuronState, NeuronOutputs]:
        """:func:`~lava_stllr.loihi.neuron_fixed.neuron_step`; the membrane, post trace
        and third factors saturate at their widths, as Loihi 2's registers do (an input
        current that does not fit ``a_in`` still raises); per sample the bAP is ``gate``."""
        state, out = neuron_step(self.registers, state, current, signal, learn=True,
                                 overflow="saturate")
        return state, _with_gate(out, self.update, gate)

    def feedback_current(self, weights: np.ndarray, error: np.ndarray) -> np.ndarray:
        """The DFA current ``B_int @ e_int`` of Lava's bit-accurate graded ``Dense``."""
        return feedback_current(weights, error)


@dataclass(frozen=True)
class FixedReadout:
    """Integer leaky readout ``z = trunc(z*(4096 - dv)/4096) + (a_in << 6)`` (24-bit) and
    the third factors of its error (``y1`` sign flag, ``y2``, ``y3``)."""

    registers: ReadoutRegisters
    update: str = "step"
    precision: ClassVar[str] = "fixed"

    def zeros(self, n: int) -> np.ndarray:
        """Rest state (int64)."""
        return np.zeros(n, dtype=np.int64)

    def integrate(self, z: np.ndarray, current: np.ndarray) -> np.ndarray:
        """One integration step; ``z`` saturates at 24 bits signed (a long, strong input
        clips the readout as the hardware does instead of stopping the run)."""
        z = np.asarray(z, dtype=np.int64)
        return readout_step(self.registers, z, current, np.zeros_like(z), learn=False,
                            overflow="saturate")[0]

    def factors(self, error: np.ndarray, gate: bool = False) -> ThirdFactors:
        """Third factors of the integer error (they do not depend on ``z``); per sample
        the bAP is ``gate`` (per step the readout sends none)."""
        zeros = np.zeros(np.shape(error), dtype=np.int64)
        y = readout_step(self.registers, zeros, zeros, error, learn=True,
                         overflow="saturate")[1]
        return ThirdFactors(y[0], y[1], y[2], _gate_vector(np.shape(error), self.update, gate,
                                                           np.zeros(np.shape(error), bool)))


@dataclass(frozen=True)
class FixedErrorCodec:
    """The integer readout is dequantized (``z * s_v``) before the float error, which is
    sent as ``e_int = round(e / s_L)`` (``signal_bits`` signed), whose DFA feedback
    ``B_int @ e_int`` the neurons' program computes (:meth:`FixedNeuron.feedback_current`)."""

    layer: LayerFixed
    precision: ClassVar[str] = "fixed"

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Readout in float units."""
        return dequantize_membrane(z, self.layer)

    def encode(self, error: np.ndarray) -> np.ndarray:
        """Integer error."""
        return quantize_signal(error, self.layer)


def feedback_current(weights: np.ndarray, error: np.ndarray) -> np.ndarray:
    """The DFA current ``B_int @ e_int`` of Lava's bit-accurate graded ``Dense``."""
    return graded_current(weights, error)


class SpikeFrames:
    """The event source sends binary spikes ``x != 0`` (Loihi spikes carry no payload
    here)."""

    precision: ClassVar[str] = "fixed"

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """The row as sent."""
        return np.asarray(frame) != 0
