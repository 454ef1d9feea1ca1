"""With lam_pre = 0 and alpha_post = 0, one S-TLLR step is the gradient of the step's loss."""

import numpy as np
import pytest

from lava_stllr.core import bp_signal, cross_entropy, output_error, psi, stllr_grad


def smooth_step_loss(w_hidden, w_out, x, labels, theta):
    """One step of a network whose spike is the smooth sig(4(v - theta)), whose derivative
    is exactly psi_sigmoid; loss = mean cross-entropy of the readout z = W_out s."""
    v = x @ w_hidden.T
    s = 1.0 / (1.0 + np.exp(-4.0 * (v - theta)))
    z = s @ w_out.T
    return cross_entropy(z, labels).mean(), v, s, z


@pytest.mark.parametrize("seed", range(3))
def test_one_step_update_equals_finite_difference_gradient(seed):
    rng = np.random.default_rng(seed)
    batch, n_in, n_hid, n_out, theta = 4, 6, 5, 3, 0.6
    x = (rng.random((batch, n_in)) < 0.5).astype(float)
    w_hidden = rng.normal(0, 0.7, (n_hid, n_in))
    w_out = rng.normal(0, 0.7, (n_out, n_hid))
    labels = rng.integers(0, n_out, batch)

    _, v, s, z = smooth_step_loss(w_hidden, w_out, x, labels, theta)
    error = output_error(z, labels) / batch
    signal = bp_signal(w_out, error)
    p = psi(v, theta, "sigmoid")
    # lam_pre = 0: trx = x; alpha_post = 0: no non-causal term.
    stllr_hidden = stllr_grad(signal, p, np.zeros_like(p), x, x, 1.0, 0.0)
    stllr_out = stllr_grad(error, np.ones_like(error), np.zeros_like(error), s, s, 1.0, 0.0)

    eps = 1e-6
    for analytic, which in ((stllr_hidden, "hidden"), (stllr_out, "out")):
        numeric = np.zeros_like(analytic)
        for idx in np.ndindex(*analytic.shape):
            wh, wo = w_hidden.copy(), w_out.copy()
            target = wh if which == "hidden" else wo
            target[idx] += eps
            up = smooth_step_loss(wh, wo, x, labels, theta)[0]
            target[idx] -= 2 * eps
            down = smooth_step_loss(wh, wo, x, labels, theta)[0]
            numeric[idx] = (up - down) / (2 * eps)
        assert np.abs(numeric).max() > 1e-4, "gradient must not be trivially zero"
        np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)
