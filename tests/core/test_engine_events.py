"""The event-driven synapse (``core/engine.py``) equals the dense formulas on every path."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core.engine import Y_DECAY, add_products, stllr_dense_step, synaptic_current

N_POST, N_PRE = 40, 64


def _sparse(rng: np.random.Generator, n: int, fraction: float) -> np.ndarray:
    return np.where(rng.random(n) < fraction, rng.normal(size=n), 0.0)


@pytest.mark.parametrize("row_fraction", [0.0, 0.1, 0.9, 1.0])
@pytest.mark.parametrize("col_fraction", [0.0, 0.05, 0.5, 1.0])
def test_products_equal_the_dense_rule_bit_for_bit(row_fraction, col_fraction):
    rng = np.random.default_rng(1)
    w = rng.normal(size=(N_POST, N_PRE))
    causal, noncausal = (_sparse(rng, N_POST, row_fraction) for _ in range(2))
    trace = np.abs(_sparse(rng, N_PRE, col_fraction))
    x = np.where(trace > 0, rng.random(N_PRE) < 0.5, 0).astype(float)
    # The rounding of one two-term product per synapse, as the dense rule (and Lava's
    # float learning engine) computes it.
    expected = w + np.stack([causal, noncausal], axis=1) @ np.stack([trace, x])
    add_products(w, causal, trace, noncausal, x)
    np.testing.assert_array_equal(w, expected)


def test_products_never_read_a_silent_row_or_column():
    rng = np.random.default_rng(4)
    w = rng.normal(size=(N_POST, N_PRE))
    causal = np.zeros(N_POST)
    causal[[3, 7]] = 1.0
    trace = np.zeros(N_PRE)
    trace[[5]] = 2.0
    poisoned = w.copy()
    mask = np.ones_like(w, dtype=bool)
    mask[np.ix_([3, 7], [5])] = False
    poisoned[mask] = np.nan
    add_products(poisoned, causal, trace, np.zeros(N_POST), np.zeros(N_PRE))
    np.testing.assert_array_equal(poisoned[[3, 7], 5], w[[3, 7], 5] + 2.0)


@pytest.mark.parametrize("graded", [False, True])
@pytest.mark.parametrize("fraction", [0.0, 0.03, 0.5, 1.0])
def test_current_reads_only_active_columns_and_equals_w_x(graded, fraction):
    rng = np.random.default_rng(2)
    w = rng.normal(size=(N_POST, N_PRE))
    active = rng.random(N_PRE) < fraction
    x = np.where(active, rng.integers(1, 4, N_PRE) if graded else 1, 0).astype(float)
    np.testing.assert_allclose(synaptic_current(w, x, graded), w @ x, rtol=0, atol=1e-12)
    if 0 < active.sum() < N_PRE / 8:  # the event-driven path never reads a silent column
        w_poisoned = w.copy()
        w_poisoned[:, ~active] = np.nan
        assert np.all(np.isfinite(synaptic_current(w_poisoned, x, graded)))


@pytest.mark.parametrize("new_sample", [False, True])
def test_learning_step_equals_the_dense_rule(new_sample):
    rng = np.random.default_rng(3)
    w = rng.normal(size=(N_POST, N_PRE))
    trace = _sparse(rng, N_PRE, 0.3)
    x = (rng.random(N_PRE) < 0.05).astype(float)
    y2, y3 = _sparse(rng, N_POST, 0.2), _sparse(rng, N_POST, 0.2)
    lam = 0.8
    w_before = w.copy()
    if new_sample:
        expected_trace = x
        expected = w + Y_DECAY * np.outer(y2, lam * trace)
    else:
        expected_trace = lam * trace + x
        expected = w + Y_DECAY * (np.outer(y2, expected_trace) + np.outer(y3, x))
    new_trace = stllr_dense_step(w, trace, x, y2, y3, lam, new_sample)
    np.testing.assert_array_equal(new_trace, expected_trace)
    np.testing.assert_allclose(w, expected, rtol=0, atol=1e-14)
    assert np.any(w != w_before)
