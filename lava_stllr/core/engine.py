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


#: Below this fraction of active inputs (columns), only their columns are read.
SPARSE_COLUMNS = 1 / 8
#: Below this fraction of post neurons with a nonzero factor, only their rows are written
#: (a row is contiguous, so row selection pays off at a far higher density).
SPARSE_ROWS = 1 / 2


def synaptic_current(weights: np.ndarray, x: np.ndarray, graded: bool) -> np.ndarray:
    """Dendritic current ``I_i = sum_j W_ij x_j`` (post,), event-driven: below
    :data:`SPARSE_COLUMNS` active inputs only their columns are read (their sum for
    binary spikes, ``W[:, j] @ x[j]`` for graded ones), so the cost grows with the
    number of events, as on Loihi, not with the number of synapses."""
    active = np.flatnonzero(x)
    if active.size >= SPARSE_COLUMNS * x.size:
        return weights.dot(x)
    if not graded:
        return weights[:, active].sum(axis=1)
    return weights[:, active].dot(x[active])


def add_products(weights: np.ndarray, causal: np.ndarray, trace: np.ndarray,
                 noncausal: np.ndarray, x: np.ndarray) -> None:
    """``W += causal (x) trace + noncausal (x) x`` in place, event-driven.

    Only the rows with a nonzero factor and the columns with a nonzero trace or input
    are touched (skipped products are exact zeros), and the non-causal product is
    formed only on the columns that spiked, so it costs in proportion to the input
    events. Each weight gets ``fl(W + fl(c*tr + n*x))``, the rounding of Lava's float
    learning engine. Below :data:`SPARSE_ROWS` / :data:`SPARSE_COLUMNS` of the rows /
    columns the selected ones are indexed, otherwise the whole axis is used.
    """
    rows = np.flatnonzero((causal != 0) | (noncausal != 0))
    cols = np.flatnonzero((trace != 0) | (x != 0))
    if rows.size == 0 or cols.size == 0:
        return
    all_rows = rows.size >= SPARSE_ROWS * causal.size
    all_cols = cols.size >= SPARSE_COLUMNS * trace.size
    rows = slice(None) if all_rows else rows
    tr, xs = (trace, x) if all_cols else (trace[cols], x[cols])
    block = np.outer(causal[rows], tr)
    spiked = np.flatnonzero(xs)
    if spiked.size == xs.size:
        block += np.outer(noncausal[rows], xs)
    elif spiked.size:
        block[:, spiked] += np.outer(noncausal[rows], xs[spiked])
    if all_rows and all_cols:
        weights += block
    elif all_rows:
        weights[:, cols] += block
    elif all_cols:
        weights[rows] += block
    else:
        weights[np.ix_(rows, cols)] += block


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
    The update is event-driven (:func:`add_products`): the causal term touches the
    rows with a nonzero ``y2`` and the traced columns, the non-causal term only the
    columns that spiked.
    """
    if new_sample:
        pair = lam_pre * trace
        new_trace = x.astype(float, copy=True)
        add_products(weights, Y_DECAY * y2, pair, np.zeros_like(y3), np.zeros_like(x))
        return new_trace
    new_trace = trace_step(trace, x, lam_pre)
    add_products(weights, Y_DECAY * y2, new_trace, Y_DECAY * y3, x)
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
