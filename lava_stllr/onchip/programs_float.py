"""Float programs of the on-chip Processes: exact S-TLLR in float64.

A program carries the arithmetic and the constants of one Process; the step functions of
:mod:`lava_stllr.onchip.steps` run it. The Loihi 2 programs of
:mod:`lava_stllr.onchip.programs_fixed` have the same methods (:mod:`lava_stllr.onchip.protocols`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lava_stllr.core.engine import (
    ThirdFactorGains,
    apply_tag,
    gate_factor,
    presynaptic_input,
    stllr_dense_step,
    synaptic_current,
    third_factors,
)
from lava_stllr.core.messages import NeuronOutputs, NeuronState, ThirdFactors
from lava_stllr.core.neurons import leaky_integrator_step, lif_step
from lava_stllr.core.psi import psi
from lava_stllr.core.traces import trace_step
from lava_stllr.params import STLLRParams


class _NoRandoms:
    """The float engine rounds nothing: its per-step random draw is None."""

    def next(self) -> None:
        return None


@dataclass(frozen=True)
class FloatSynapse:
    """S-TLLR synapse in float: ``x1 = lam_pre*x1 + x``,
    ``W += Y_DECAY*(y2 (x) x1 + y3 (x) x)`` (:func:`~lava_stllr.core.engine.stllr_dense_step`).

    ``graded`` feeds the payload itself (``x = payload``) instead of spikes ``x = payload != 0``.
    """

    lam_pre: float
    graded: bool = False
    precision: ClassVar[str] = "float"
    reads_sign_flag: ClassVar[bool] = False
    reads_bap: ClassVar[bool] = False
    gate: ClassVar[str] = "y1"

    def check_weights(self, weights: np.ndarray) -> np.ndarray:
        """Any finite float weights."""
        return weights

    def load_weights(self, weights: np.ndarray) -> np.ndarray:
        """The weights as the synapse stores them: float64 (a copy)."""
        return np.array(weights, dtype=float)

    def zero_trace(self, n_pre: int) -> np.ndarray:
        """Pre trace at rest."""
        return np.zeros(n_pre)

    def random_stream(self, seed: int) -> _NoRandoms:
        """No rounding randoms in float."""
        return _NoRandoms()

    def presynaptic(self, payload: np.ndarray) -> np.ndarray:
        """What the synapse sees: the payload if graded, else spikes ``payload != 0``."""
        return presynaptic_input(payload, self.graded)

    def current(self, weights: np.ndarray, x: np.ndarray) -> np.ndarray:
        """Dendritic current ``W x``."""
        return synaptic_current(weights, x, self.graded)

    def learn(self, weights: np.ndarray, trace: np.ndarray, x: np.ndarray,
              factors: ThirdFactors, new_sample: bool, randoms: None,
              tag: np.ndarray | None = None) -> np.ndarray:
        """One learning-engine step; the new pre trace.

        Per step (``tag`` None) the products go into ``weights``; per sample they go into
        ``tag`` and the rows whose gate ``y1`` is raised move their tag into ``weights``
        (:func:`~lava_stllr.core.engine.apply_tag`). Both arrays change in place.
        """
        target = weights if tag is None else tag
        new_trace = stllr_dense_step(target, trace, x, factors.y2, factors.y3, self.lam_pre,
                                     new_sample)
        if tag is not None:
            apply_tag(weights, tag, factors.y1)
        return new_trace


@dataclass(frozen=True)
class FloatNeuron:
    """S-TLLR LIF population in float (membrane units, per step)::

        v = beta*u + I ;  s = H(v - theta) ;  u = v - theta*s (soft) or v*(1-s) (hard)
        psi = psi(v) ;    trpsi = lam_post*trpsi + psi
        y2 = -L*causal*psi ;  y3 = -L*(noncausal*trpsi - causal*psi)

    with the gains of :class:`~lava_stllr.core.engine.ThirdFactorGains`.
    """

    beta: float
    theta: float
    reset: str
    psi_kind: str
    lam_post: float
    gains: ThirdFactorGains
    precision: ClassVar[str] = "float"
    update: ClassVar[str | None] = None

    @classmethod
    def from_params(cls, params: STLLRParams) -> FloatNeuron:
        """Build from an :class:`~lava_stllr.params.STLLRParams` (``lam_pre > 0``)."""
        return cls(params.beta, params.theta, params.reset, params.psi, params.lam_post,
                   ThirdFactorGains.hidden(params.lr, params.lam_pre, params.alpha_pre,
                                           params.alpha_post))

    def zeros(self, n: int | tuple[int, ...]) -> NeuronState:
        """Rest state."""
        return NeuronState.zeros(n, float)

    def signal(self, raw: np.ndarray) -> np.ndarray:
        """The learning signal is the feedback current itself."""
        return raw

    def step(self, state: NeuronState, current: np.ndarray, signal: np.ndarray,
             gate: bool = False) -> tuple[NeuronState, NeuronOutputs]:
        """One neuron step (no sample boundary); ``bap = spikes``; ``y1`` is the
        per-sample gate (:func:`~lava_stllr.core.engine.gate_factor`, 0 unless ``gate``)."""
        u_new, spikes, v = lif_step(state.v, current, self.beta, self.theta, self.reset)
        psi_now = psi(v, self.theta, self.psi_kind)
        trpsi = trace_step(state.trace, psi_now, self.lam_post)
        y2, y3 = third_factors(signal, psi_now, trpsi, self.gains)
        return (NeuronState(u_new, trpsi),
                NeuronOutputs(spikes, spikes, psi_now, gate_factor(y2.size, gate), y2, y3))

    def feedback_current(self, weights: np.ndarray, error: np.ndarray) -> np.ndarray:
        """The DFA current ``B e`` of Lava's float graded ``Dense``."""
        return feedback_current(weights, error)


@dataclass(frozen=True)
class FloatReadout:
    """Leaky-integrator readout ``z = beta_out*z + I``; its synapse learns with
    ``psi = 1``, ``alpha_post = 0``: ``dW = -lr * e (x) trx``."""

    beta_out: float
    gains: ThirdFactorGains
    precision: ClassVar[str] = "float"
    update: ClassVar[str | None] = None

    @classmethod
    def from_params(cls, params: STLLRParams, beta_out: float) -> FloatReadout:
        """Build from the layer's parameters and the readout decay."""
        return cls(float(beta_out), ThirdFactorGains.readout(params.lr, params.lam_pre))

    def zeros(self, n: int) -> np.ndarray:
        """Rest state."""
        return np.zeros(n)

    def integrate(self, z: np.ndarray, current: np.ndarray) -> np.ndarray:
        """``beta_out*z + I``."""
        return leaky_integrator_step(z, current, self.beta_out)

    def factors(self, error: np.ndarray, gate: bool = False) -> ThirdFactors:
        """Third factors of the output error received this step (``y1``: the gate)."""
        y2, y3 = third_factors(error, 1.0, 0.0, self.gains)
        return ThirdFactors(gate_factor(y2.size, gate), y2, y3, np.zeros_like(y2))


class FloatErrorCodec:
    """The output error travels as it is computed (float readout, float error)."""

    precision: ClassVar[str] = "float"

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Readout in float units."""
        return z

    def encode(self, error: np.ndarray) -> np.ndarray:
        """Error as sent."""
        return error


def feedback_current(weights: np.ndarray, error: np.ndarray) -> np.ndarray:
    """The DFA current ``B e`` of Lava's float graded ``Dense``."""
    return weights.dot(error)


class FloatFrames:
    """The event source sends its input rows as they are (graded payloads allowed)."""

    precision: ClassVar[str] = "float"

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """The row as sent."""
        return frame
