"""Per-Process step functions of the on-chip (Lava) S-TLLR network, in pure NumPy.

The floating-point ProcessModels in ``process_models/floating_pt`` do all their
arithmetic in ``run_spk`` through these functions, and the on-chip reference
(:mod:`lava_stllr.reference.onchip`) calls the same functions in the same order, so
the two agree bit for bit. The math is delegated to the shared numerics functions
(:func:`lif_step`, :func:`psi`, :func:`trace_step`, :func:`leaky_integrator_step`,
:func:`output_error`).

Lava learning-engine protocol (see :mod:`lava_stllr.learning_rule`): a learning synapse
decays the third factors it receives by ``Y_DECAY = exp(-1/65535)`` before use, so
neurons send them multiplied by ``Y_GAIN = exp(1/65535)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from lava_stllr.core.neurons import leaky_integrator_step, lif_step
from lava_stllr.core.psi import psi
from lava_stllr.core.signals import cross_entropy, output_error
from lava_stllr.core.traces import trace_step

if TYPE_CHECKING:
    from lava_stllr.params import STLLRParams

#: Time constant (steps) of the third-factor low-pass in Lava's Loihi3FLearningRule.
Y_TAU = 65535
#: Decay the learning engine applies once to each received third factor.
Y_DECAY = math.exp(-1.0 / Y_TAU)
#: Gain the neuron applies to its third factors to cancel :data:`Y_DECAY`.
Y_GAIN = math.exp(1.0 / Y_TAU)


@dataclass(frozen=True)
class SampleClock:
    """Sample boundaries of one Process in a stream of back-to-back samples.

    A Process that first sees step 0 of sample 0 at Lava time step ``delay + 1``
    (time steps count from 1) is at ``local = time_step - 1 - delay``; sample
    ``local // period``, step ``local % period`` of it. ``period = 0`` means a single
    endless sample without boundaries; ``local < 0`` is before the first sample.

    Attributes
    ----------
    period : int
        Steps per sample (``n_steps + gap``), or 0 for no boundaries.
    delay : int
        Pipeline depth of the Process in Lava steps (>= 0).
    """

    period: int
    delay: int

    def __post_init__(self) -> None:
        if int(self.period) != self.period or self.period < 0:
            raise ValueError(f"period must be an integer >= 0, got {self.period!r}")
        if int(self.delay) != self.delay or self.delay < 0:
            raise ValueError(f"delay must be an integer >= 0, got {self.delay!r}")

    def position(self, time_step: int) -> tuple[int, int]:
        """``(sample, step)`` at Lava ``time_step``; ``(-1, local)`` before sample 0."""
        local = int(time_step) - 1 - int(self.delay)
        if local < 0:
            return -1, local
        if self.period == 0:
            return 0, local
        return local // self.period, local % self.period

    def new_sample(self, time_step: int) -> bool:
        """True at the first step of every sample (where state is reset); never when
        ``period = 0`` (the initial state is the reset state)."""
        if self.period == 0:
            return False
        sample, step = self.position(time_step)
        return sample >= 0 and step == 0


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


@dataclass(frozen=True)
class LIFConfig:
    """Constants of an S-TLLR LIF layer (membrane units, per step)."""

    beta: float
    theta: float
    reset: str
    psi_kind: str
    lam_post: float
    gains: ThirdFactorGains

    @classmethod
    def from_params(cls, params: STLLRParams) -> LIFConfig:
        """Build from an :class:`~lava_stllr.params.STLLRParams`."""
        return cls(params.beta, params.theta, params.reset, params.psi, params.lam_post,
                   ThirdFactorGains.hidden(params.lr, params.lam_pre, params.alpha_pre,
                                           params.alpha_post))


class LIFStep(NamedTuple):
    """State and outputs of one :func:`stllr_lif_step`."""

    u: np.ndarray
    trpsi: np.ndarray
    spikes: np.ndarray
    psi: np.ndarray
    y2: np.ndarray
    y3: np.ndarray


def stllr_lif_step(u: np.ndarray, trpsi: np.ndarray, current: np.ndarray,
                   signal: np.ndarray, cfg: LIFConfig, new_sample: bool) -> LIFStep:
    """One step of the S-TLLR LIF neuron Process.

    At a sample boundary ``u`` and ``trpsi`` restart from 0. Then
    ``v = beta*u + I``, ``s = H(v - theta)``, reset, ``psi = psi(v)``,
    ``trpsi = lam_post*trpsi + psi`` and the third factors of :func:`third_factors`
    for the learning signal ``L`` received this step.
    """
    if new_sample:
        u = np.zeros_like(u)
        trpsi = np.zeros_like(trpsi)
    u_new, spikes, v = lif_step(u, current, cfg.beta, cfg.theta, cfg.reset)
    psi_now = psi(v, cfg.theta, cfg.psi_kind)
    trpsi_new = trace_step(trpsi, psi_now, cfg.lam_post)
    y2, y3 = third_factors(signal, psi_now, trpsi_new, cfg.gains)
    return LIFStep(u_new, trpsi_new, spikes, psi_now, y2, y3)


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
    """Learning phase of one S-TLLR synapse step; updates ``weights`` in place.

    Within a sample this is the learning-engine rule ``dw = u0*x1*y2 + x0*y3`` with
    ``x1[t] = lam_pre*x1[t-1] + x[t]`` and received factors decayed by ``Y_DECAY``::

        W += Y_DECAY * (y2 (x) x1[t] + y3 (x) x[t])

    At the first step of a sample the pre trace restarts (``x1 = x[t]``) and the update
    pairs the previous sample's last factors with that sample's trace only,
    ``W += Y_DECAY * y2 (x) (lam_pre*x1[t-1])``: no product crosses a sample boundary.
    Columns whose trace and input are both zero are skipped (when fewer than 1/8 of
    the columns are active; otherwise one dense update is cheaper).

    Returns
    -------
    The new pre trace (pre,).
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


def readout_step(z: np.ndarray, current: np.ndarray, beta_out: float,
                 new_sample: bool) -> np.ndarray:
    """Leaky-integrator readout ``z[t] = beta_out*z[t-1] + I[t]``, restarting from 0 at
    a sample boundary."""
    if new_sample:
        z = np.zeros_like(z)
    return leaky_integrator_step(z, current, beta_out)


def error_step(z: np.ndarray, label: int, learn: bool) -> np.ndarray:
    """Output error ``softmax(z) - onehot(label)`` on learning steps, else zeros."""
    if not learn:
        return np.zeros_like(z, dtype=float)
    return output_error(np.asarray(z, dtype=float)[None, :], np.array([int(label)]))[0]


@dataclass(frozen=True)
class ErrorConfig:
    """Sample layout seen by the output-error Process: ``n_steps`` steps per sample (a
    gap may follow) and the learning window ``[window_start, n_steps)``."""

    n_steps: int
    window_start: int


class ErrorStep(NamedTuple):
    """Outputs of one :func:`error_process_step`."""

    error: np.ndarray
    z_sum: np.ndarray
    result: np.ndarray | None
    correct: bool
    loss: float


def error_process_step(z: np.ndarray, label_msg: np.ndarray, z_sum: np.ndarray,
                       position: tuple[int, int], cfg: ErrorConfig) -> ErrorStep:
    """One step of the output-error Process.

    ``label_msg = [label, learn, scored]``; ``position = (sample, step)`` from its
    :class:`SampleClock`. In the window ``window_start <= step < n_steps``:
    ``e = softmax(z) - onehot(label)`` if ``learn`` (else 0), and ``z`` is summed if
    ``scored``; at the window's last step a scored sample yields ``result = sum z``,
    ``correct = argmax(sum z) == label`` and ``loss = cross-entropy(sum z)`` (nats).
    """
    sample, step = position
    label, learn, scored = int(label_msg[0]), label_msg[1] > 0, label_msg[2] > 0
    in_window = sample >= 0 and cfg.window_start <= step < cfg.n_steps
    error = error_step(z, label, learn and in_window)
    if not (in_window and scored):
        return ErrorStep(error, z_sum, None, False, 0.0)
    z_sum = (np.zeros_like(z_sum) if step == cfg.window_start else z_sum) + z
    if step != cfg.n_steps - 1:
        return ErrorStep(error, z_sum, None, False, 0.0)
    loss = float(cross_entropy(z_sum[None, :], np.array([label]))[0])
    return ErrorStep(error, z_sum, z_sum.copy(), int(np.argmax(z_sum)) == label, loss)


def source_frame(sample_data: np.ndarray | None, sample: int, step: int,
                 shape: tuple[int, ...]) -> np.ndarray:
    """Input row sent by the event source: row ``step`` of the current sample, or zeros
    before the first sample and during the gap after it."""
    if sample < 0 or sample_data is None or step >= sample_data.shape[0]:
        return np.zeros(shape)
    return sample_data[step].astype(float)
