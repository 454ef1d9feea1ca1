"""The optimizers' update rules, step by step (fast unit tests: an error in Adam's bias
correction shows in its first step, not only in end-to-end accuracy)."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.reference.optim import SGD, Adam, make_optimizer


def test_adam_first_step_moves_every_weight_by_lr_against_its_gradient() -> None:
    rng = np.random.default_rng(0)
    grads = [rng.normal(0.0, 3.0, (4, 5)), rng.normal(0.0, 1e-3, (3,))]
    weights = [np.zeros_like(g) for g in grads]
    Adam(lr=0.01).step(weights, grads)
    for w, g in zip(weights, grads, strict=True):
        # bias-corrected m/sqrt(v) = g/|g| on the first step: |dw| = lr, up to eps
        np.testing.assert_allclose(w, -0.01 * np.sign(g), rtol=1e-4)


def test_adam_second_step_uses_both_moments() -> None:
    g1, g2 = np.array([1.0, -2.0]), np.array([3.0, 2.0])
    w = [np.zeros(2)]
    opt = Adam(lr=0.1)
    opt.step(w, [g1])
    opt.step(w, [g2])
    m = (0.9 * 0.1 * g1 + 0.1 * g2) / (1 - 0.9**2)
    v = (0.999 * 0.001 * g1**2 + 0.001 * g2**2) / (1 - 0.999**2)
    np.testing.assert_allclose(w[0], -0.1 * np.sign(g1) - 0.1 * m / (np.sqrt(v) + 1e-8),
                               rtol=1e-7)


def test_sgd_step_and_the_factory() -> None:
    w = [np.ones(3)]
    SGD(0.5).step(w, [np.array([1.0, -2.0, 0.0])])
    np.testing.assert_array_equal(w[0], [0.5, 2.0, 1.0])
    assert isinstance(make_optimizer("adam", 1e-3), Adam)
    with pytest.raises(ValueError, match="optimizer must be"):
        make_optimizer("rmsprop", 1e-3)
