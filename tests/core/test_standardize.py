"""Weight standardization (lava_stllr.core.standardize): the map as the authors define it
and its gradient, against finite differences and against an explicit Jacobian built row
by row with plain loops."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core.standardize import (
    WS_EPS,
    gain_of_folded,
    standardize,
    standardize_grad,
)

SHAPES = [(5, 7), (3, 2, 3, 3), (1, 4)]


def _naive_standardize_row(w: list[float], gain: float) -> list[float]:
    n = len(w)
    mean = sum(w) / n
    var = sum((x - mean) ** 2 for x in w) / n  # biased, as the authors' torch.var(unbiased=False)
    s = (var * n + WS_EPS) ** 0.5
    return [gain * (x - mean) / s for x in w]


def _naive_jacobian_row(w: list[float], gain: float) -> np.ndarray:
    """d w_hat_i / d w_j by the quotient rule, one entry at a time."""
    n = len(w)
    mean = sum(w) / n
    c = [x - mean for x in w]
    q = sum(x * x for x in c)
    s = (q + WS_EPS) ** 0.5
    jac = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            dc_i = (1.0 if i == j else 0.0) - 1.0 / n
            dq = 2.0 * c[j]  # d/dw_j sum_k c_k**2 (the sum of c is 0)
            ds = dq / (2.0 * s)
            jac[i, j] = gain * (dc_i * s - c[i] * ds) / (s * s)
    return jac


@pytest.mark.parametrize("shape", SHAPES)
def test_standardize_is_the_authors_map(shape):
    rng = np.random.default_rng(0)
    w, gain = rng.normal(0.1, 0.3, shape), rng.uniform(0.5, 2.0, shape[0])
    got = standardize(w, gain).reshape(shape[0], -1)
    for r, row in enumerate(w.reshape(shape[0], -1)):
        np.testing.assert_allclose(got[r], _naive_standardize_row(list(row), gain[r]),
                                   rtol=1e-13, atol=1e-15)
    if got.shape[1] > 1:
        np.testing.assert_allclose(got.mean(axis=1), 0.0, atol=1e-15)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_equals_the_explicit_jacobian(shape):
    rng = np.random.default_rng(1)
    w, gain = rng.normal(0.0, 0.2, shape), rng.uniform(0.5, 2.0, shape[0])
    grad_hat = rng.normal(0.0, 1.0, shape)
    grad_w, grad_gain = standardize_grad(grad_hat, w, gain)
    rows, g = w.reshape(shape[0], -1), grad_hat.reshape(shape[0], -1)
    for r in range(shape[0]):
        jac = _naive_jacobian_row(list(rows[r]), gain[r])
        np.testing.assert_allclose(grad_w.reshape(shape[0], -1)[r], jac.T @ g[r],
                                   rtol=1e-11, atol=1e-13)
        w_hat_over_gain = np.array(_naive_standardize_row(list(rows[r]), 1.0))
        assert grad_gain[r] == pytest.approx(float(g[r] @ w_hat_over_gain), rel=1e-12)


@pytest.mark.parametrize("shape", SHAPES)
def test_gradient_matches_finite_differences(shape):
    rng = np.random.default_rng(2)
    w, gain = rng.normal(0.0, 0.2, shape), rng.uniform(0.5, 2.0, shape[0])
    grad_hat = rng.normal(0.0, 1.0, shape)

    def loss(w_, gain_):  # linear in w_hat: its gradient is grad_hat
        return float((grad_hat * standardize(w_, gain_)).sum())

    grad_w, grad_gain = standardize_grad(grad_hat, w, gain)
    h = 1e-6
    numeric = np.zeros_like(w)
    for idx in np.ndindex(*shape):
        up, down = w.copy(), w.copy()
        up[idx] += h
        down[idx] -= h
        numeric[idx] = (loss(up, gain) - loss(down, gain)) / (2 * h)
    np.testing.assert_allclose(grad_w, numeric, rtol=1e-6, atol=1e-8)
    for r in range(shape[0]):
        up, down = gain.copy(), gain.copy()
        up[r] += h
        down[r] -= h
        assert grad_gain[r] == pytest.approx((loss(w, up) - loss(w, down)) / (2 * h),
                                             rel=1e-6, abs=1e-9)


def test_the_gradient_is_orthogonal_to_the_row_mean_and_the_row():
    """Adding a constant to a row, or scaling it, leaves w_hat (almost) unchanged: the
    gradient has no component along either (up to eps)."""
    rng = np.random.default_rng(3)
    w, gain, grad_hat = rng.normal(0, 1, (4, 9)), np.ones(4), rng.normal(0, 1, (4, 9))
    grad_w, _ = standardize_grad(grad_hat, w, gain)
    np.testing.assert_allclose(grad_w.sum(axis=1), 0.0, atol=1e-13)
    c = w - w.mean(axis=1, keepdims=True)
    assert np.abs((grad_w * c).sum(axis=1)).max() < 1e-4 * np.abs(grad_w).max()


def test_gain_of_folded_gives_the_folded_weights_back():
    rng = np.random.default_rng(4)
    w_hat = standardize(rng.normal(0, 1, (6, 11)), rng.uniform(0.5, 2.0, 6))
    np.testing.assert_allclose(standardize(w_hat, gain_of_folded(w_hat)), w_hat,
                               rtol=1e-13, atol=1e-16)
