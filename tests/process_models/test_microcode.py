"""The learning-engine microcode and the fast STLLRDense model learn the same weights.

A two-layer chain (spikes -> synapse -> STLLRLIF -> synapse -> STLLRLIF, learning
signals from ring buffers) runs once with Lava's stock ``LearningDense`` carrying
:func:`lava_stllr.learning_rule.stllr_learning_rule` and once with ``STLLRDense``;
both must match each other and a NumPy run of the shared step functions.
"""

from __future__ import annotations

import numpy as np
import pytest
from lava.proc.dense.process import LearningDense

from lava_stllr.core.engine import stllr_dense_step, synaptic_current
from lava_stllr.learning_rule import stllr_learning_rule
from lava_stllr.onchip.programs_float import FloatNeuron
from lava_stllr.onchip.steps import neuron_process_step
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF, STLLRDense

SIZES = (14, 8, 5)
N_STEPS = 60
PARAMS = {
    "code_default": STLLRParams.preset("code_default", lr=0.5, beta=0.8),
    "shd_lam_pre_1": STLLRParams.preset("shd", lr=0.02, beta=0.85, psi="sigmoid"),
    "dvs_triangle_hard": STLLRParams.preset("dvs_gesture", lr=0.05, reset="hard"),
}


def _inputs(seed: int) -> tuple[np.ndarray, list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((SIZES[0], N_STEPS)) < 0.35).astype(float)
    signals = [rng.normal(size=(n, N_STEPS)) for n in SIZES[1:]]
    weights = [rng.uniform(0.0, 0.6, size=(n_out, n_in))
               for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True)]
    return spikes, signals, weights


def _run_lava(run_chain, params: STLLRParams, stock: bool, seed: int) -> list[np.ndarray]:
    spikes, signals, weights = _inputs(seed)
    chain = []
    for w in weights:
        if stock:
            conn = LearningDense(weights=w.copy(), learning_rule=stllr_learning_rule(params))
        else:
            conn = STLLRDense(weights=w.copy(), params=params)
        chain.append((conn, STLLRLIF(n=w.shape[0], params=params)))
    return run_chain(spikes, chain, signals, "float", sign_flag=False)


def _run_numpy(params: STLLRParams, seed: int) -> list[np.ndarray]:
    spikes, signals, weights = _inputs(seed)
    neuron = FloatNeuron.from_params(params)
    traces = [np.zeros(w.shape[1]) for w in weights]
    buffers = [np.zeros(w.shape[0]) for w in weights]
    states = [neuron.zeros(w.shape[0]) for w in weights]
    for t in range(N_STEPS):
        pre = spikes[:, t]
        for i, w in enumerate(weights):
            states[i], out = neuron_process_step(neuron, states[i], buffers[i],
                                                 signals[i][:, t], False)
            buffers[i] = synaptic_current(w, pre, graded=False)
            traces[i] = stllr_dense_step(w, traces[i], pre, out.y2, out.y3, params.lam_pre,
                                         False)
            pre = out.spikes
    return weights


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", list(PARAMS))
def test_stock_learning_dense_and_stllr_dense_learn_the_same_weights(name: str,
                                                                    run_chain) -> None:
    params = PARAMS[name]
    stock = _run_lava(run_chain, params, stock=True, seed=1)
    ours = _run_lava(run_chain, params, stock=False, seed=1)
    numpy_run = _run_numpy(params, seed=1)
    initial = _inputs(1)[2]
    for w_stock, w_ours, w_np, w0 in zip(stock, ours, numpy_run, initial, strict=True):
        assert np.abs(w_stock - w0).max() > 1e-5  # learning happened
        np.testing.assert_allclose(w_ours, w_stock, rtol=0, atol=1e-9)
        np.testing.assert_allclose(w_ours, w_np, rtol=0, atol=1e-12)


def test_fast_model_does_not_request_a_learning_phase() -> None:
    from process_models.floating_pt import PySTLLRDenseModelFloat

    assert "lrn_guard" not in vars(PySTLLRDenseModelFloat)
    assert "run_lrn" not in vars(PySTLLRDenseModelFloat)


@pytest.mark.timeout(60)
def test_per_sample_microcode_on_stock_learning_dense(run_chain) -> None:
    """``stllr_learning_rule(update="sample")`` (the tag rule) on a stock ``LearningDense``
    learns what ``STLLRDense(update="sample")`` does, with neurons that raise the gate
    every ``period`` steps; the weights move at the gates only."""
    params = PARAMS["code_default"]
    period = 15  # 4 gates in N_STEPS = 60

    def run(stock: bool) -> list[np.ndarray]:
        spikes, signals, weights = _inputs(2)
        chain = []
        for w in weights:
            if stock:
                rule = stllr_learning_rule(params, update="sample")
                conn = LearningDense(weights=w.copy(), learning_rule=rule)
            else:
                conn = STLLRDense(weights=w.copy(), params=params, update="sample")
            chain.append((conn, STLLRLIF(n=w.shape[0], params=params, period=period,
                                         update="sample")))
        return run_chain(spikes, chain, signals, "float", sign_flag=True)

    stock, ours = run(stock=True), run(stock=False)
    for w_stock, w_ours, w0 in zip(stock, ours, _inputs(2)[2], strict=True):
        assert np.abs(w_stock - w0).max() > 1e-5
        np.testing.assert_allclose(w_ours, w_stock, rtol=0, atol=1e-9)
