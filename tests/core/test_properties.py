"""Property-based tests of the numerics (hypothesis)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lava_stllr.core import psi, stllr_grad, trace_step
from lava_stllr.core.psi import PSI_KINDS

spike_trains = arrays(np.float64, st.tuples(st.integers(1, 60), st.integers(1, 5)),
                      elements=st.sampled_from([0.0, 1.0]))
decays = st.floats(0.0, 0.99)


@settings(max_examples=60, deadline=None)
@given(spike_trains, decays)
def test_trace_stays_within_geometric_bound(spikes, lam):
    trace = np.zeros(spikes.shape[1])
    bound = 1.0 / (1.0 - lam)
    for x in spikes:
        trace = trace_step(trace, x, lam)
        assert np.all(trace >= 0.0)
        assert np.all(trace <= bound + 1e-12)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, st.integers(1, 80), elements=st.floats(-5, 5)),
       st.sampled_from(sorted(PSI_KINDS)), decays)
def test_post_trace_of_psi_is_bounded_by_the_psi_peak(u, kind, lam):
    values = psi(u, 0.6, kind)
    peak = 0.3 if kind == "triangle" else 1.0
    assert np.all((values >= 0) & (values <= peak + 1e-12))
    trace = np.zeros(1)
    for v in values:
        trace = trace_step(trace, np.array([v]), lam)
        assert 0.0 <= trace[0] <= peak / (1.0 - lam) + 1e-9


def _case(seed, batch, n_post, n_pre):
    """Random factors of one step: (signal, other signal, psi, trpsi_prev, trx, x)."""
    rng = np.random.default_rng(seed)
    post = [rng.normal(size=(batch, n_post)) for _ in range(4)]
    trx = rng.exponential(size=(batch, n_pre))
    x = (rng.random((batch, n_pre)) < 0.5).astype(float)
    return (*post, trx, x)


shapes = st.tuples(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 6),
                   st.integers(1, 6))


@settings(max_examples=60, deadline=None)
@given(shapes, st.floats(-4, 4), st.floats(-2, 2), st.floats(-2, 2))
def test_update_is_linear_in_the_learning_signal(shape, scale, a_pre, a_post):
    signal, other, p, trpsi, trx, x = _case(*shape)
    combined = stllr_grad(scale * signal + other, p, trpsi, trx, x, a_pre, a_post)
    separate = (scale * stllr_grad(signal, p, trpsi, trx, x, a_pre, a_post)
                + stllr_grad(other, p, trpsi, trx, x, a_pre, a_post))
    np.testing.assert_allclose(combined, separate, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(shapes, st.floats(-2, 2), st.floats(-2, 2))
def test_zero_learning_signal_gives_zero_update(shape, a_pre, a_post):
    signal, _, p, trpsi, trx, x = _case(*shape)
    update = stllr_grad(np.zeros_like(signal), p, trpsi, trx, x, a_pre, a_post)
    assert not np.any(update)
