"""The on-chip reference: layout, pipeline delays, neuron-time S-TLLR and learning."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core.engine import stllr_dense_step
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.layout import sample_indices
from lava_stllr.onchip.programs_float import FloatNeuron
from lava_stllr.onchip.steps import neuron_process_step
from lava_stllr.params import STLLRParams

P = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)


def _dataset(n: int, n_steps: int, n_inputs: int, n_classes: int, seed: int,
             rate: float = 0.3) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, n_inputs)) < rate).astype(np.float32)
    labels = np.arange(n) % n_classes
    return ArrayDataset(spikes, labels, n_classes)


def test_layout_delays_and_defaults() -> None:
    lay = OnChipLayout((20, 8, 6, 3), n_steps=10, params=P)
    assert lay.gap == 3 and lay.period == 13  # gap defaults to L + 1
    assert [lay.dense_delay(i) for i in range(3)] == [0, 1, 2]
    assert [lay.lif_delay(i) for i in range(2)] == [1, 2]
    assert lay.output_delay == 3
    assert [lay.signal_delay(i) for i in range(2)] == [3, 2]  # L + 2 - l, 1-based l
    assert OnChipLayout((4, 5, 2), n_steps=6, params="shd").params == STLLRParams.preset("shd")
    w = lay.initial_weights()
    assert [m.shape for m in w] == [(8, 20), (6, 8), (3, 6)]
    assert [b.shape for b in lay.feedback()] == [(8, 3), (6, 3)]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(params=STLLRParams(lam_pre=0.0)), "lam_pre"),
        (dict(params="nope"), "preset"),
        (dict(params=3), "STLLRParams"),
        (dict(n_steps=0), "n_steps"),
        (dict(gap=-1), "gap"),
        (dict(n_steps=2, gap=0), "pipeline depth"),
        (dict(signal="bp"), "signal"),
        (dict(sizes=(4, 3)), "hidden"),
        (dict(graded_input=1), "graded_input"),
    ],
)
def test_layout_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    args = dict(sizes=(4, 5, 3), n_steps=6, params=P) | kwargs
    with pytest.raises(ValueError, match=match):
        OnChipLayout(**args)


def test_sample_indices() -> None:
    ds = _dataset(5, 4, 3, 2, seed=0)
    np.testing.assert_array_equal(sample_indices(ds, None, None), np.arange(5))
    np.testing.assert_array_equal(sample_indices(ds, 2, None), [0, 1])
    np.testing.assert_array_equal(sample_indices(ds, None, [4, 1]), [4, 1])
    for n, idx in [(0, None), (6, None), (2, [1]), (None, [5])]:
        with pytest.raises(ValueError):
            sample_indices(ds, n, idx)


def test_hidden_layers_receive_the_error_delayed_by_l_plus_2_minus_l() -> None:
    lay = OnChipLayout((12, 7, 6, 3), n_steps=8, params=P, gap=1)
    ref = OnChipReference(lay, record=True)
    ref.train(_dataset(3, 8, 12, 3, seed=1))
    errors = np.array(ref.errors)
    assert np.abs(errors).max() > 0
    feedback = lay.feedback()
    err_clock = SampleClock(lay.period, lay.output_delay)
    for layer in range(lay.n_hidden):
        clock = SampleClock(lay.period, lay.lif_delay(layer))
        d = lay.signal_delay(layer)
        for s in range(2, len(errors) + 1):  # Lava time step s (1-based)
            got = ref.signals[layer][s - 1]
            np.testing.assert_array_equal(got, feedback[layer] @ errors[s - 2])
            # In the layer's own time: step k of sample j gets e of step k - d.
            j, k = clock.position(s)
            je, ke = err_clock.position(s - 1)
            if je >= 0:
                assert j * lay.period + k - d == je * lay.period + ke


def _neuron_time_stllr(params: STLLRParams, period: int, n_steps: int, seed: int) -> None:
    """Drive one synapse + neuron with the shared steps (as the models do) and compare
    the total weight change with S-TLLR written in neuron time, per sample."""
    rng = np.random.default_rng(seed)
    n_pre, n_post = 6, 4
    x = (rng.random((n_steps, n_pre)) < 0.4).astype(float)  # sent at Lava step t + 1
    sig = rng.normal(size=(n_steps + 1, n_post))  # received by the neuron at step t + 1
    w = rng.uniform(0.0, 0.5, size=(n_post, n_pre))
    w0 = w.copy()
    neuron = FloatNeuron.from_params(params)
    syn_clock, lif_clock = SampleClock(period, 0), SampleClock(period, 1)
    trace, buff = np.zeros(n_pre), np.zeros(n_post)
    state = neuron.zeros(n_post)
    psi_n, trpsi_n, sig_n = {}, {}, {}  # by neuron time n (input x[n])
    for s in range(1, n_steps + 1):
        state, out = neuron_process_step(neuron, state, buff, sig[s - 1],
                                         lif_clock.new_sample(s))
        if s >= 2:
            psi_n[s - 2], trpsi_n[s - 2], sig_n[s - 2] = out.psi, state.trace, sig[s - 1]
        buff = w @ x[s - 1]
        trace = stllr_dense_step(w, trace, x[s - 1], out.y2, out.y3, params.lam_pre,
                                 syn_clock.new_sample(s))
    # S-TLLR per sample in neuron time n (the neuron handled x[0..n_steps-2]):
    # dW = -lr * sum_n [L[n] a_pre psi[n] trx[n] + L[n-1] a_post trpsi[n-1] x[n]].
    expected = np.zeros_like(w)
    trx = np.zeros(n_pre)
    for n in range(n_steps):
        first = n % period == 0
        trx = x[n] + (0.0 if first else params.lam_pre) * trx
        if n in psi_n:
            expected += np.outer(sig_n[n] * params.alpha_pre * psi_n[n], trx)
        if not first:
            expected += np.outer(sig_n[n - 1] * params.alpha_post * trpsi_n[n - 1], x[n])
    np.testing.assert_allclose(w - w0, -params.lr * expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("preset", ["code_default", "shd", "dvs_gesture"])
@pytest.mark.parametrize("period", [0, 5, 7])
def test_synapse_and_neuron_steps_are_stllr_in_neuron_time(preset: str, period: int) -> None:
    params = STLLRParams.preset(preset, lr=0.1, beta=0.8, theta=0.4)
    _neuron_time_stllr(params, period if period else 10**9, n_steps=21, seed=period)


def test_evaluate_does_not_learn_and_runs_are_deterministic() -> None:
    ds = _dataset(4, 6, 10, 2, seed=2)
    lay = OnChipLayout((10, 9, 2), n_steps=6, params=P, seed=5)
    a, b = OnChipReference(lay), OnChipReference(lay)
    before = a.weights()
    res = a.evaluate(ds)
    assert res.scores.shape == (4, 2) and len(res.labels) == 4
    for w0, w1 in zip(before, a.weights(), strict=True):
        np.testing.assert_array_equal(w0, w1)
    ra, rb = a.train(ds), b.train(ds)
    np.testing.assert_array_equal(ra.scores, rb.scores)
    assert any(np.abs(w0 - w1).max() > 0 for w0, w1 in zip(before, a.weights(), strict=True))


def test_learning_window_limits_learning_to_the_last_steps() -> None:
    ds = _dataset(2, 8, 10, 2, seed=3)
    params = P.replace(window=3)
    lay = OnChipLayout((10, 9, 2), n_steps=8, params=params, gap=2)
    ref = OnChipReference(lay, record=True)
    ref.train(ds)
    err_clock = SampleClock(lay.period, lay.output_delay)
    for s, e in enumerate(ref.errors, start=1):
        sample, k = err_clock.position(s)
        learning = sample in (0, 1) and 5 <= k < 8
        assert bool(np.any(e != 0)) == learning


def test_reference_learns_a_separable_task() -> None:
    rng = np.random.default_rng(0)
    n, n_steps, n_in = 80, 10, 20
    labels = rng.integers(0, 2, n)
    rates = np.where(np.arange(n_in) < n_in // 2, 0.5, 0.05)
    rates = np.where(labels[:, None] == 1, rates[::-1], rates)
    spikes = (rng.random((n, n_steps, n_in)) < rates[:, None, :]).astype(np.float32)
    ds = ArrayDataset(spikes, labels, 2)
    ref = OnChipReference(OnChipLayout((n_in, 16, 2), n_steps, P.replace(lr=0.01), seed=1))
    before = ref.evaluate(ds).accuracy
    ref.train(ds)
    ref.train(ds)
    after = ref.evaluate(ds).accuracy
    assert before < 0.7 and after >= 0.95
