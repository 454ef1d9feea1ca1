"""Per-sample updates through the synaptic tag (``update="sample"``): S-TLLR's
``dW = -lr * sum_t L[t] e[t]`` applied once per sample, against the batched trainer."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core import output_error, trace_step
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference import STLLRTrainer
from lava_stllr.reference.network import NetworkState, forward_step

PARAMS = {
    "code_default": STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5),
    "dvs_triangle_window": STLLRParams.preset("dvs_gesture", lr=0.02, beta=0.85, window=6),
}


def _dataset(n: int, n_steps: int, n_inputs: int, n_classes: int, seed: int) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, n_inputs)) < 0.3).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % n_classes, n_classes)


def _delayed_signal_update(layout: OnChipLayout, x: np.ndarray, label: int) -> list[np.ndarray]:
    """The weight change of one sample predicted from the batched trainer's forward pass
    (same weights all sample long) and the pipeline's two stated differences: hidden
    layer ``l`` learns from ``B_l e[k - d_l]`` (``d_l = L + 2 - l``, spilling into the
    gap), and its non-causal term ``alpha_post * trpsi[k] * x[k+1]`` is paired with the
    signal of step ``k`` (one step early). The readout's is S-TLLR exactly."""
    p, spec = layout.params, layout.spec
    weights = STLLRTrainer(spec, p, "dfa", "sgd", seed=layout.seed).weights
    feedback = layout.feedback()
    period, n_steps, start = layout.period, layout.n_steps, layout.window_start
    state = NetworkState(spec, 1)
    x_full = np.zeros((period + 1, x.shape[1]))
    x_full[:n_steps] = x
    hidden = len(spec.sizes) - 2
    pre = [[] for _ in range(hidden + 1)]      # inputs of each matrix, per step
    psis = [[] for _ in range(hidden)]
    errors = np.zeros((period, spec.sizes[-1]))
    for k in range(period + 1):
        records = forward_step(spec, p, weights, state, x_full[k][None, :])
        for layer, rec in enumerate(records):
            pre[layer].append(rec.inputs[0])
            psis[layer].append(rec.psi[0])
        pre[hidden].append(records[-1].spikes[0])
        if start <= k < n_steps:
            errors[k] = output_error(state.z, np.array([label]))[0]
    updates = []
    for layer in range(hidden):
        delay = layout.signal_delay(layer)
        trx, trpsi = np.zeros(spec.sizes[layer]), np.zeros(spec.sizes[layer + 1])
        grad = np.zeros((spec.sizes[layer + 1], spec.sizes[layer]))
        for k in range(period):
            trx = trace_step(trx, pre[layer][k], p.lam_pre)
            trpsi = trace_step(trpsi, psis[layer][k], p.lam_post)
            sig = feedback[layer] @ errors[k - delay] if k >= delay else 0.0 * trpsi
            x_next = pre[layer][k + 1] if k + 1 < n_steps else 0.0 * pre[layer][k]
            grad += np.outer(sig * p.alpha_pre * psis[layer][k], trx)
            grad += np.outer(sig * p.alpha_post * trpsi, x_next)
        updates.append(-p.lr * grad)
    trx = np.zeros(spec.sizes[-2])
    grad = np.zeros((spec.sizes[-1], spec.sizes[-2]))
    for k in range(n_steps):
        trx = trace_step(trx, pre[hidden][k], p.lam_pre)
        grad += np.outer(errors[k], trx)
    updates.append(-p.lr * grad)
    return updates


@pytest.mark.parametrize("name", list(PARAMS))
@pytest.mark.parametrize("sizes", [(12, 9, 3), (12, 8, 6, 3)])
def test_one_sample_update_equals_the_trainers_with_the_stated_delays(
        name: str, sizes: tuple[int, ...]) -> None:
    data = _dataset(1, 10, sizes[0], sizes[-1], seed=3)
    layout = OnChipLayout(sizes, 10, PARAMS[name], seed=4, update="sample")
    ref = OnChipReference(layout)
    w0 = layout.initial_weights()
    result = ref.train(data)
    updates = [w - w_0 for w, w_0 in zip(ref.weights(), w0, strict=True)]
    expected = _delayed_signal_update(layout, data[0][0], int(data[0][1]))
    for got, want in zip(updates, expected, strict=True):
        assert np.abs(want).max() > 1e-4  # every layer learned
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # The readout and its score are the batched trainer's, batch 1, one SGD step.
    trainer = STLLRTrainer(layout.spec, layout.params, "dfa", "sgd", seed=4)
    scores = trainer.predict_scores(data.spikes[:1].astype(float))
    trainer.train_batch(data.spikes[:1].astype(float), data.labels[:1])
    np.testing.assert_allclose(ref.weights()[-1], trainer.weights.feedforward[-1], atol=1e-9)
    window = layout.n_steps - layout.window_start
    np.testing.assert_allclose(result.scores / window, scores, rtol=0, atol=1e-9)


@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_weights_move_once_per_sample_at_its_last_step(precision: str) -> None:
    layout = OnChipLayout((12, 9, 3), 10, PARAMS["code_default"], seed=4, update="sample")
    ref = OnChipReference(layout, precision=precision)
    seen: list[list[np.ndarray]] = []
    step = ref.step

    def recording_step():
        result = step()
        seen.append(ref.weights())
        return result

    ref.step = recording_step
    ref.train(_dataset(3, 10, 12, 3, seed=5))
    for i in range(len(layout.sizes) - 1):
        moved = [s for s in range(1, len(seen))
                 if np.any(seen[s][i] != seen[s - 1][i])]
        # Lava step s + 1 is the connection's last step of sample n (its clock starts
        # ``i`` steps after the source's): once per learning sample, nowhere else.
        assert [s + 1 for s in moved] == [i + (n + 1) * layout.period for n in range(3)]


def test_per_sample_layout_rules() -> None:
    p = PARAMS["code_default"]
    assert OnChipLayout((4, 5, 2), 6, p, update="sample").gap == 4  # L + 3
    assert OnChipLayout((4, 5, 5, 2), 6, p, update="sample").gap == 5
    assert OnChipLayout((4, 5, 2), 6, p, gap=3, update="sample").gap == 3  # float: L + 2
    with pytest.raises(ValueError, match="gap >= n_hidden \\+ 2"):
        OnChipLayout((4, 5, 2), 6, p, gap=2, update="sample")
    with pytest.raises(ValueError, match="update"):
        OnChipLayout((4, 5, 2), 6, p, update="epoch")
    with pytest.raises(ValueError, match="gap >= n_hidden \\+ 3 = 4"):
        OnChipReference(OnChipLayout((4, 5, 2), 6, p, gap=3, update="sample"),
                        precision="fixed")


def test_processes_refuse_bad_updates_or_programs_built_for_another() -> None:
    from lava_stllr.onchip.program import neuron_program, quantize_layout, readout_program
    from lava_stllr.processes import STLLRLIF, LeakyReadout, STLLRDense

    p = PARAMS["code_default"]
    with pytest.raises(ValueError, match="update"):
        STLLRDense(weights=np.zeros((3, 4)), params=p, update="epoch")
    with pytest.raises(ValueError, match="update"):
        STLLRLIF(n=3, params=p, update="epoch")
    net = quantize_layout(OnChipLayout((4, 5, 2), 6, p))
    with pytest.raises(ValueError, match="built for update='step'"):
        STLLRLIF(n=5, params=p, program=neuron_program(p, net.layers[0]), update="sample")
    with pytest.raises(ValueError, match="built for update='sample'"):
        LeakyReadout(n=2, beta_out=0.9, params=p,
                     program=readout_program(p, 0.9, net.layers[-1], update="sample"))
    lif = STLLRLIF(n=5, params=p, program=neuron_program(p, net.layers[0], update="sample"),
                   update="sample")
    assert lif.proc_params["program"].update == "sample"
