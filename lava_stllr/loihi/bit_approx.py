"""Pieces of Lava's bit-approximate models shared by every replay of them.

- :class:`EngineRandomStream` replays the random numbers that
  ``LearningConnectionModelBitApproximate`` (lava/magma/core/model/py/connection.py) draws,
  one :class:`StepRandoms` per time step;
- :func:`stochastic_round` and :func:`decay_trace` are its rounding of a decayed trace with
  one random number shared by all synapses;
- :func:`bit_approx_dense_activation` is the (Learning)Dense dendritic sum.

Used by the fast engine step (:mod:`lava_stllr.loihi.engine_fast`), the fixed-point models
and references, and the slow replica (:mod:`lava_stllr.loihi.engine_replica`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_stllr import validate


@dataclass(frozen=True)
class StepRandoms:
    """The random numbers one learning step of the engine uses (each in [0, 1))."""

    x_decay: float
    y_decay: float
    weight_round: float


class EngineRandomStream:
    """Replays the random numbers of ``LearningConnectionModelBitApproximate``.

    The model builds ``TraceRandom(seed_trace_decay=rng_seed)`` for x traces,
    ``TraceRandom(seed_trace_decay=rng_seed + 2)`` for y traces and ``ConnVarRandom()`` (seed
    2, whatever the rule's seed) for weight rounding; each draws one number at
    construction. Every step, ``recv_traces`` advances both trace generators twice and
    ``run_lrn`` advances the weight generator once before using them. (The impulse
    generators are separate streams; integer impulses never consult them.)

    Parameters
    ----------
    rng_seed : int
        The learning rule's ``rng_seed``.
    weight_round_seed : int
        Seed of ``ConnVarRandom`` (2 in Lava 0.10.0).
    """

    def __init__(self, rng_seed: int, weight_round_seed: int = 2) -> None:
        rng_seed = validate.integer("rng_seed", rng_seed, lo=0)
        self._x = np.random.default_rng(seed=rng_seed)
        self._y = np.random.default_rng(seed=rng_seed + 2)
        self._w = np.random.default_rng(seed=weight_round_seed)
        self._x_val = self._x.random(1)[0]
        self._y_val = self._y.random(1)[0]
        self._w_val = self._w.random(1)[0]

    def next(self) -> StepRandoms:
        """The numbers of the next time step (advances the stream)."""
        for _ in range(2):
            self._x_val = self._x.random(1)[0]
            self._y_val = self._y.random(1)[0]
        self._w_val = self._w.random(1)[0]
        return StepRandoms(float(self._x_val), float(self._y_val), float(self._w_val))


def stochastic_round(values: np.ndarray, random: float) -> np.ndarray:
    """Lava's ``stochastic_round(floor(v), random, v % 1)``."""
    frac = values % 1
    base = np.floor(values)
    return (base + (random < frac).astype(int)).astype(int)


def decay_trace(values: np.ndarray, tau: float, random: float) -> np.ndarray:
    """One step of stochastic trace decay: ``sround(exp(-1/tau) * v, random)``."""
    decayed = np.exp(-1 / np.asarray([[tau]])) * np.asarray(values)[np.newaxis]
    return stochastic_round(decayed, random)[0]


def bit_approx_dense_activation(weights: np.ndarray, pre_spikes: np.ndarray,
                                weight_exp: int) -> np.ndarray:
    """Dendritic sum of the bit-approximate (Learning)Dense for binary spikes:
    ``sum_j w_ij s_j`` shifted left by ``weight_exp`` (right for negative)."""
    s = np.asarray(pre_spikes).astype(bool)
    acc = np.asarray(weights)[:, s].sum(axis=1)
    return np.left_shift(acc, weight_exp) if weight_exp > 0 else np.right_shift(acc, -weight_exp)
