"""The vectorised numerics against a deliberately naive per-synapse loop of DESIGN.md s.2."""

import math

import numpy as np
import pytest

from lava_stllr.core import lif_step, psi, stllr_grad, trace_step
from lava_stllr.core.psi import PSI_KINDS


def naive_layer_update(x, w, signal, lam_pre, lam_post, alpha_pre, alpha_post, beta, theta,
                       psi_kind):
    """Scalar loops over steps, post neurons and pre neurons; returns (sum_t L*e, spikes)."""
    n_steps, n_pre = x.shape
    n_post = w.shape[0]
    u = [0.0] * n_post
    trx = [0.0] * n_pre
    trpsi = [0.0] * n_post
    total = [[0.0] * n_pre for _ in range(n_post)]
    spikes = np.zeros((n_steps, n_post))
    for t in range(n_steps):
        for j in range(n_pre):
            trx[j] = lam_pre * trx[j] + x[t, j]
        for i in range(n_post):
            v = beta * u[i] + sum(w[i, j] * x[t, j] for j in range(n_pre))
            s = 1.0 if v - theta > 0 else 0.0
            d = v - theta
            if psi_kind == "rational":
                p = 1.0 / (100.0 * abs(d) + 1.0) ** 2
            elif psi_kind == "triangle":
                p = 0.3 * max(0.0, 1.0 - abs(d))
            else:
                sig = 1.0 / (1.0 + math.exp(-4.0 * d))
                p = 4.0 * sig * (1.0 - sig)
            trpsi_prev = trpsi[i]
            trpsi[i] = lam_post * trpsi[i] + p
            for j in range(n_pre):
                e = alpha_pre * p * trx[j] + alpha_post * trpsi_prev * x[t, j]
                total[i][j] += signal[t, i] * e
            u[i] = v - theta * s
            spikes[t, i] = s
    return np.array(total), spikes


def vectorised_layer_update(x, w, signal, lam_pre, lam_post, alpha_pre, alpha_post, beta,
                            theta, psi_kind):
    batch_x = x[:, None, :]  # (T, B=1, pre)
    u = np.zeros((1, w.shape[0]))
    trx = np.zeros((1, w.shape[1]))
    trpsi = np.zeros_like(u)
    total = np.zeros_like(w)
    spikes = []
    for t in range(x.shape[0]):
        trx = trace_step(trx, batch_x[t], lam_pre)
        u, s, v = lif_step(u, batch_x[t] @ w.T, beta, theta)
        p = psi(v, theta, psi_kind)
        total += stllr_grad(signal[t][None], p, trpsi, trx, batch_x[t], alpha_pre, alpha_post)
        trpsi = trace_step(trpsi, p, lam_post)
        spikes.append(s[0])
    return total, np.array(spikes)


@pytest.mark.parametrize("psi_kind", sorted(PSI_KINDS))
@pytest.mark.parametrize("seed", range(4))
def test_vectorised_update_equals_naive_loops(psi_kind, seed):
    rng = np.random.default_rng(seed)
    n_steps, n_pre, n_post = 9, 5, 4
    x = (rng.random((n_steps, n_pre)) < 0.4).astype(float)
    w = rng.normal(0.0, 0.6, (n_post, n_pre))
    signal = rng.normal(size=(n_steps, n_post))
    args = dict(lam_pre=rng.uniform(0.1, 1.0), lam_post=rng.uniform(0.1, 1.0),
                alpha_pre=rng.uniform(-1, 1), alpha_post=rng.uniform(-1, 1), beta=0.8,
                theta=0.6, psi_kind=psi_kind)
    naive, naive_spikes = naive_layer_update(x, w, signal, **args)
    fast, fast_spikes = vectorised_layer_update(x, w, signal, **args)
    assert naive_spikes.sum() > 0, "test case must exercise spikes"
    np.testing.assert_array_equal(fast_spikes, naive_spikes)
    np.testing.assert_allclose(fast, naive, rtol=0, atol=1e-12)


def test_noncausal_term_uses_the_trace_before_the_current_psi():
    # One pre spike at t=1 only; post psi nonzero at t=0 and t=1. With alpha_pre=0 the
    # update is alpha_post*L[1]*trpsi[0]*x[1]: trpsi[0] = psi[0], not psi[0]*lam + psi[1].
    psi_seq = np.array([[0.5], [0.25]])
    x = np.array([[0.0], [1.0]])
    trpsi = np.zeros((1, 1))
    trx = np.zeros((1, 1))
    total = np.zeros((1, 1))
    for t in range(2):
        trx = trace_step(trx, x[t][None], 0.9)
        total += stllr_grad(np.ones((1, 1)), psi_seq[t][None], trpsi, trx, x[t][None],
                            alpha_pre=0.0, alpha_post=1.0)
        trpsi = trace_step(trpsi, psi_seq[t][None], 0.5)
    assert total[0, 0] == pytest.approx(0.5)


def test_batched_grad_is_sum_of_per_sample_grads():
    rng = np.random.default_rng(7)
    b, n_post, n_pre = 5, 3, 4
    arrays = [rng.normal(size=(b, n_post)) for _ in range(3)]
    trx, x = rng.normal(size=(b, n_pre)), rng.normal(size=(b, n_pre))
    batched = stllr_grad(*arrays, trx, x, 0.7, -0.3)
    per_sample = sum(
        stllr_grad(*(a[k:k + 1] for a in arrays), trx[k:k + 1], x[k:k + 1], 0.7, -0.3)
        for k in range(b)
    )
    np.testing.assert_allclose(batched, per_sample, atol=1e-13)
