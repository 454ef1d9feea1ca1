"""Recurrent hidden layers in the on-chip reference (``OnChipLayout(recurrent=True)``):
the forward pass is the batched trainer's (``V h[t-1]``), the learning its S-TLLR with
the pipeline's stated delays."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core import output_error, trace_step
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference import STLLRTrainer
from lava_stllr.reference.network import NetworkState, forward_step
from lava_stllr.spec.network import Weights

P = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.3)


def _dataset(n: int, n_steps: int, n_inputs: int, n_classes: int, seed: int,
             graded: bool = False) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, n_inputs)) < 0.4).astype(np.float32)
    if graded:
        spikes *= rng.integers(1, 4, spikes.shape).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % n_classes, n_classes)


def _gap_spikes(ref: OnChipReference, layer: int) -> float:
    """Spikes hidden layer ``layer`` fired in the gap steps of its recorded samples."""
    lay, spikes = ref.layout, np.array(ref.spikes[layer])
    start = lay.lif_delay(layer)  # Lava step (from 0) of the layer's first sample step
    n = (len(spikes) - start) // lay.period
    per_sample = spikes[start:start + n * lay.period].reshape(n, lay.period, -1)
    return float(per_sample[:, lay.n_steps:].sum())


@pytest.mark.parametrize("graded", [False, True])
@pytest.mark.parametrize("sizes", [(12, 9, 3), (12, 9, 7, 3)])
def test_forward_pass_equals_the_batched_trainers(sizes: tuple[int, ...], graded: bool) -> None:
    data = _dataset(6, 10, sizes[0], sizes[-1], seed=1, graded=graded)
    layout = OnChipLayout(sizes, 10, P, seed=3, graded_input=graded, init_gain=2.0,
                          recurrent=True)
    ref = OnChipReference(layout, record=True)
    ref.train(data, 4)  # learned weights, not the initial ones
    assert all(np.abs(v - v0).max() > 1e-4 for v, v0 in
               zip(ref.recurrent_weights(), layout.initial_recurrent_weights(), strict=True))
    result = ref.evaluate(data)
    # Recurrent activity goes on in the gaps: each sample must still start from h = 0.
    assert _gap_spikes(ref, 0) > 0
    trainer = STLLRTrainer(layout.spec, P, "dfa", seed=3)
    trainer.weights = Weights(ref.weights(), ref.recurrent_weights())
    scores = trainer.predict_scores(data.spikes.astype(float))
    window = layout.n_steps - layout.window_start
    np.testing.assert_allclose(result.scores / window, scores, rtol=0, atol=1e-12)


def test_tiny_learning_rate_training_scores_are_the_trainers_initial_ones() -> None:
    # lr = 0 is refused by STLLRParams: a tiny one leaves the forward pass unchanged.
    data = _dataset(3, 10, 12, 3, seed=2)
    layout = OnChipLayout((12, 9, 3), 10, P.replace(lr=1e-12), seed=5, init_gain=2.0,
                          recurrent=True)
    ref = OnChipReference(layout)
    result = ref.train(data)
    for got, want in zip([*ref.weights(), *ref.recurrent_weights()],
                         [*layout.initial_weights(), *layout.initial_recurrent_weights()],
                         strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    trainer = STLLRTrainer(layout.spec, layout.params, "dfa", seed=5)
    scores = trainer.predict_scores(data.spikes.astype(float))
    window = layout.n_steps - layout.window_start
    np.testing.assert_allclose(result.scores / window, scores, rtol=0, atol=1e-9)


def _delayed_signal_update(layout: OnChipLayout, x: np.ndarray,
                           label: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Feed-forward and recurrent weight changes of one per-sample update predicted from
    the trainer's forward pass over the whole period (gap included) and the pipeline's
    stated delays: layer ``l`` learns from ``B_l e[k - d_l]`` and its non-causal term
    ``alpha_post * trpsi[k] * x[k+1]`` uses the signal of step ``k``. The recurrent
    synapse's input at step ``k`` is ``h[k-1]``."""
    p, spec = layout.params, layout.spec
    weights = STLLRTrainer(spec, p, "dfa", seed=layout.seed).weights
    period, n_steps, hidden = layout.period, layout.n_steps, layout.n_hidden
    state = NetworkState(spec, 1)
    x_full = np.zeros((period, x.shape[1]))
    x_full[:n_steps] = x
    pre = [[] for _ in range(2 * hidden + 1)]  # inputs of ff 0..L, then recurrent 0..L-1
    psis: list[list[np.ndarray]] = [[] for _ in range(hidden)]
    errors = np.zeros((period, spec.sizes[-1]))
    for k in range(period):
        records = forward_step(spec, p, weights, state, x_full[k][None, :])
        for layer, rec in enumerate(records):
            pre[layer].append(rec.inputs[0])
            pre[hidden + 1 + layer].append(rec.recurrent_inputs[0])
            psis[layer].append(rec.psi[0])
        pre[hidden].append(records[-1].spikes[0])
        if layout.window_start <= k < n_steps:
            errors[k] = output_error(state.z, np.array([label]))[0]
    feedback = layout.feedback()

    def hidden_update(layer: int, inputs: list[np.ndarray]) -> np.ndarray:
        delay = layout.signal_delay(layer)
        trx, trpsi = np.zeros(inputs[0].size), np.zeros(psis[layer][0].size)
        grad = np.zeros((trpsi.size, trx.size))
        for k in range(period):
            trx = trace_step(trx, inputs[k], p.lam_pre)
            trpsi = trace_step(trpsi, psis[layer][k], p.lam_post)
            sig = feedback[layer] @ errors[k - delay] if k >= delay else 0.0 * trpsi
            x_next = inputs[k + 1] if k + 1 < period else 0.0 * trx
            grad += np.outer(sig * p.alpha_pre * psis[layer][k], trx)
            grad += np.outer(sig * p.alpha_post * trpsi, x_next)
        return -p.lr * grad

    ff = [hidden_update(layer, pre[layer]) for layer in range(hidden)]
    trx, grad = np.zeros(spec.sizes[-2]), np.zeros((spec.sizes[-1], spec.sizes[-2]))
    for k in range(n_steps):
        trx = trace_step(trx, pre[hidden][k], p.lam_pre)
        grad += np.outer(errors[k], trx)
    ff.append(-p.lr * grad)
    return ff, [hidden_update(layer, pre[hidden + 1 + layer]) for layer in range(hidden)]


@pytest.mark.parametrize("sizes", [(12, 9, 3), (12, 8, 6, 3)])
def test_per_sample_update_equals_the_trainers_with_the_stated_delays(
        sizes: tuple[int, ...]) -> None:
    data = _dataset(1, 10, sizes[0], sizes[-1], seed=3)
    layout = OnChipLayout(sizes, 10, P, seed=4, init_gain=2.0, update="sample",
                          recurrent=True)
    ref = OnChipReference(layout, record=True)
    ref.train(data)
    assert _gap_spikes(ref, 0) > 0
    ff, rec = _delayed_signal_update(layout, data[0][0], int(data[0][1]))
    got = [w - w0 for w, w0 in zip([*ref.weights(), *ref.recurrent_weights()],
                                   [*layout.initial_weights(),
                                    *layout.initial_recurrent_weights()], strict=True)]
    for g, want in zip(got, [*ff, *rec], strict=True):
        assert np.abs(want).max() > 1e-4  # every matrix learned
        np.testing.assert_allclose(g, want, rtol=0, atol=1e-9)


def test_recurrent_layout_and_refusals() -> None:
    layout = OnChipLayout((4, 5, 6, 2), 6, P, seed=2, recurrent=True)
    assert layout.spec.recurrent
    assert [layout.recurrent_delay(i) for i in range(2)] == [0, 1]  # = dense_delay(i)
    assert [v.shape for v in layout.initial_recurrent_weights()] == [(5, 5), (6, 6)]
    plain = OnChipLayout((4, 5, 6, 2), 6, P, seed=2)
    assert plain.initial_recurrent_weights() == []
    for a, b in zip(layout.initial_weights(), plain.initial_weights(), strict=True):
        np.testing.assert_array_equal(a, b)  # same feed-forward draw
    assert OnChipReference(plain).recurrent_weights() == []
    with pytest.raises(ValueError, match="recurrent must be a bool"):
        OnChipLayout((4, 5, 2), 6, P, recurrent=1)
