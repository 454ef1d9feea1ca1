"""The float learning engine of one S-TLLR synapse, as Lava's ``Loihi3FLearningRule``
computes ``dw = u0*x1*y2 + x0*y3`` (see :mod:`lava_stllr.learning_rule`).

A learning synapse decays the third factors it receives by ``Y_DECAY = exp(-1/65535)``
before use, so the neurons send them multiplied by ``Y_GAIN = exp(1/65535)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lava_stllr.core.traces import trace_step

#: Time constant (steps) of the third-factor low-pass in Lava's Loihi3FLearningRule.
Y_TAU = 65535
#: Decay the learning engine applies once to each received third factor.
Y_DECAY = math.exp(-1.0 / Y_TAU)
#: Gain the neuron applies to its third factors to cancel :data:`Y_DECAY`.
Y_GAIN = math.exp(1.0 / Y_TAU)


@dataclass(frozen=True)
class ThirdFactorGains:
    """Constants of the third factors: ``y2 = -L*causal*psi``,
    ``y3 = -L*(noncausal*trpsi - causal*psi)``.

    ``causal = lr*alpha_pre/lam_pre*Y_GAIN`` and ``noncausal = lr*alpha_post*Y_GAIN``
    (1/step, so that ``dW = -lr*L*e`` per step after the synapse's ``Y_DECAY``).
    """

    causal: float
    noncausal: float

    @classmethod
    def hidden(cls, lr: float, lam_pre: float, alpha_pre: float,
               alpha_post: float) -> ThirdFactorGains:
        """Gains of an S-TLLR LIF layer; ``lam_pre`` must be > 0."""
        if not lam_pre > 0:
            raise ValueError(f"lam_pre must be > 0 on the Lava path, got {lam_pre!r}")
        return cls(lr * alpha_pre / lam_pre * Y_GAIN, lr * alpha_post * Y_GAIN)

    @classmethod
    def readout(cls, lr: float, lam_pre: float) -> ThirdFactorGains:
        """Gains of the linear readout (``psi = 1``, ``alpha_pre = 1``, ``alpha_post = 0``):
        ``dW = -lr * e[t] (x) trx[t]``."""
        return cls.hidden(lr, lam_pre, 1.0, 0.0)


def third_factors(signal: np.ndarray, psi_now: np.ndarray | float,
                  trpsi_now: np.ndarray | float,
                  gains: ThirdFactorGains) -> tuple[np.ndarray, np.ndarray]:
    """Third factors sent to the learning synapse at this step.

    ``y2 = -L*causal*psi[t]``, ``y3 = -L*(noncausal*trpsi[t] - causal*psi[t])`` with
    ``trpsi[t]`` the post trace *including* ``psi[t]`` (timing-corrected S-TLLR mapping).
    """
    minus_signal = -signal
    causal = gains.causal * psi_now
    y2 = minus_signal * causal
    y3 = minus_signal * (gains.noncausal * trpsi_now - causal)
    return y2, y3


def presynaptic_input(s_in: np.ndarray, graded: bool) -> np.ndarray:
    """What a synapse sees: the payload if ``graded``, else binary spikes ``s_in != 0``."""
    if graded:
        return np.asarray(s_in, dtype=float)
    return (np.asarray(s_in) != 0).astype(float)


def synaptic_current(weights: np.ndarray, x: np.ndarray, graded: bool) -> np.ndarray:
    """Dendritic current ``W x`` (post,), computed as Lava's float ``Dense`` does (same
    summation order, so the same spikes): ``W @ x`` for graded input, else the sum of
    the columns of the active inputs."""
    if graded:
        return weights.dot(x)
    return weights[:, x.astype(bool)].sum(axis=1)


def stllr_dense_step(weights: np.ndarray, trace: np.ndarray, x: np.ndarray,
                     y2: np.ndarray, y3: np.ndarray, lam_pre: float,
                     new_sample: bool) -> np.ndarray:
    """Learning phase of one S-TLLR synapse step; accumulates into ``weights`` in place
    (the weight memory is an accumulator, as on chip) and returns the new pre trace.

    Within a sample this is the learning-engine rule ``dw = u0*x1*y2 + x0*y3`` with
    ``x1[t] = lam_pre*x1[t-1] + x[t]`` and received factors decayed by ``Y_DECAY``::

        W += Y_DECAY * (y2 (x) x1[t] + y3 (x) x[t])

    At the first step of a sample the pre trace restarts (``x1 = x[t]``) and the update
    pairs the previous sample's last factors with that sample's trace only,
    ``W += Y_DECAY * y2 (x) (lam_pre*x1[t-1])``: no product crosses a sample boundary.
    Columns whose trace and input are both zero are skipped (when fewer than 1/8 of
    the columns are active; otherwise one dense update is cheaper).
    """
    if new_sample:
        pair = lam_pre * trace
        new_trace = x.astype(float, copy=True)
        y3 = np.zeros_like(y3)
    else:
        new_trace = trace_step(trace, x, lam_pre)
        pair = new_trace
    if not (y2.any() or y3.any()):
        return new_trace
    cols = np.flatnonzero((pair != 0) | (x != 0))
    if cols.size == 0:
        return new_trace
    post = np.stack([Y_DECAY * y2, Y_DECAY * y3], axis=1)
    if 8 * cols.size >= x.size:  # a dense update beats scattering into many columns
        weights += post @ np.stack([pair, x])
    else:
        weights[:, cols] += post @ np.stack([pair[cols], x[cols]])
    return new_trace


def apply_tag(weights: np.ndarray, tag: np.ndarray, gate: np.ndarray) -> None:
    """Per-sample update: move the synaptic tag of the gated rows into the weights.

    The tag holds the sample's S-TLLR products (:func:`stllr_dense_step` run on the
    tag instead of the weights); on the step at which the post neuron raises its gate
    (``gate_i``, the y1 factor) ``W_i += t_i`` and ``t_i = 0``, in place. This is the
    learning-engine rule of :data:`lava_stllr.learning_rule.STLLR_SAMPLE_DW` /
    ``STLLR_SAMPLE_DT`` with the gate step's own products already in ``t``.
    """
    rows = np.flatnonzero(np.asarray(gate) > 0)
    if rows.size == 0:
        return
    if rows.size == weights.shape[0]:
        weights += tag
        tag.fill(0.0)
    else:
        weights[rows] += tag[rows]
        tag[rows] = 0.0


def gate_factor(n: int, gate: bool) -> np.ndarray:
    """The float gate ``y1`` a per-sample neuron sends: ``Y_GAIN`` (1 after the
    synapse's decay) on its gate step, else 0."""
    return np.full(n, Y_GAIN if gate else 0.0)
