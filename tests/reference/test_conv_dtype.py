"""The dtype option of the conv trainers: float32 stays float32 and agrees with float64."""

import numpy as np
import pytest

from lava_stllr.params import STLLRParams
from lava_stllr.reference import ConvBPTTTrainer, ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

SPEC = ConvNetSpec.parse("3c3p1-a2-3c3s2p1-p1-6", (2, 8, 8), 3, init_gain=2.5)


def make(kind, dtype, signal):
    params = STLLRParams(lr=0.05, window=4, psi="triangle")
    if kind == "bptt":
        return ConvBPTTTrainer(SPEC, params, optimizer="adam", seed=2, dtype=dtype)
    return ConvSTLLRTrainer(SPEC, params, signal=signal, optimizer="adam", seed=2,
                            dtype=dtype)


def recorded_grads(trainer):
    seen = []
    step = trainer.optimizer.step

    def recording(weights, grads):
        seen.append([g.copy() for g in grads])
        step(weights, grads)

    trainer.optimizer.step = recording
    return seen


@pytest.mark.parametrize("kind,signal", [("stllr", "bp"), ("stllr", "dfa"), ("bptt", None)])
def test_float32_trains_in_float32_and_agrees_with_float64(kind, signal):
    x = (np.random.default_rng(0).random((4, 7, SPEC.n_inputs)) < 0.3).astype(np.float64)
    labels = np.array([0, 1, 2, 1])
    runs = {}
    for dtype in ("float32", "float64"):
        trainer = make(kind, dtype, signal)
        grads = recorded_grads(trainer)
        trainer.train_batch(x, labels)
        scores = trainer.predict_scores(x)
        for a in [*trainer.weights.arrays(), *grads[0], scores]:
            assert a.dtype == np.dtype(dtype)
        runs[dtype] = grads[0], scores
    for g32, g64 in zip(runs["float32"][0], runs["float64"][0], strict=True):
        assert np.abs(g64).max() > 0
        np.testing.assert_allclose(g32, g64, rtol=0, atol=1e-4 * np.abs(g64).max())
    np.testing.assert_allclose(runs["float32"][1], runs["float64"][1], rtol=1e-4, atol=1e-4)


def test_float32_save_and_load_keep_the_trainer_dtype(tmp_path):
    trainer = make("stllr", "float64", "bp")
    path = trainer.save(tmp_path / "w.npz")
    other = make("stllr", "float32", "bp")
    other.load(path)
    for a, b in zip(other.weights.arrays(), trainer.weights.arrays(), strict=True):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b.astype(np.float32))
