"""ConvBPTTTrainer against central finite differences of a smooth network, and the conv
trainers on dense-only layouts against the dense trainers."""

import numpy as np
import pytest

import lava_stllr.reference.conv_network as conv_network
from lava_stllr.core import cross_entropy
from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer
from lava_stllr.reference.conv_bptt import ConvBPTTTrainer
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.network import Weights


def smooth_lif(u, current, beta, theta, reset="soft", arith=None):
    """LIF with the spike replaced by ``sig(4(v - theta))`` (whose derivative is the
    "sigmoid" psi) and no reset: the surrogate gradient with a detached reset is then the
    exact gradient, which finite differences can check."""
    v = beta * u + current
    return v, 1.0 / (1.0 + np.exp(-4.0 * (v - theta))), v


@pytest.mark.parametrize("layers,shape,window", [
    ("3c3s2p1-p2-8", (2, 8, 8), None),
    ("2c3p1-a2-3c3s2p1-6", (2, 8, 8), 3),
    ("2c2s2-p2-5-4", (1, 8, 8), None),
])
def test_bptt_gradients_equal_finite_differences(monkeypatch, layers, shape, window):
    monkeypatch.setattr(conv_network, "lif_step", smooth_lif)
    spec = ConvNetSpec.parse(layers, shape, 3, init_gain=2.0, beta_out=0.8)
    trainer = ConvBPTTTrainer(spec, STLLRParams(psi="sigmoid", window=window, beta=0.7))
    rng = np.random.default_rng(1)
    x = (rng.random((2, 5, spec.n_inputs)) < 0.35).astype(float)
    labels = np.array([1, 2])
    grads, _ = trainer.gradients(x, labels)

    def loss() -> float:
        return float(cross_entropy(trainer.predict_scores(x), labels).mean())

    eps = 1e-6
    for w, g in zip(trainer.weights.arrays(), grads, strict=True):
        assert np.abs(g).max() > 1e-4, "every layer must get a gradient"
        flat, numeric = w.reshape(-1), np.zeros(w.size)
        for n in range(w.size):
            keep = flat[n]
            flat[n] = keep + eps
            up = loss()
            flat[n] = keep - eps
            numeric[n] = (up - loss()) / (2 * eps)
            flat[n] = keep
        np.testing.assert_allclose(g.reshape(-1), numeric, rtol=1e-5, atol=1e-9)


def dense_twins(layers, trainer_cls, dense_cls, **kwargs):
    """A conv trainer on a dense-only layout and the dense trainer, same weights."""
    spec = ConvNetSpec.parse(layers, (1, 2, 4), 3, init_gain=2.0, beta_out=0.7)
    sizes = (8, *(int(n) for n in layers.split("-")), 3)
    params = kwargs.pop("params")
    conv = trainer_cls(spec, params, **kwargs)
    dense = dense_cls(NetworkSpec(sizes, beta_out=0.7), params, **kwargs)
    dense.weights = Weights([w.copy() for w in conv.weights.feedforward])
    return conv, dense


@pytest.mark.parametrize("reset", ["soft", "hard"])
@pytest.mark.parametrize("layers", ["6", "6-5"])
def test_conv_bptt_on_a_dense_layout_equals_the_dense_bptt(layers, reset):
    params = STLLRParams(psi="triangle", reset=reset, window=4, lr=0.3)
    conv, dense = dense_twins(layers, ConvBPTTTrainer, BPTTTrainer, params=params)
    x = (np.random.default_rng(2).random((3, 7, 8)) < 0.4).astype(float)
    labels = np.array([0, 1, 2])
    assert conv.train_batch(x, labels) == pytest.approx(dense.train_batch(x, labels))
    for a, b in zip(conv.weights.arrays(), dense.weights.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


@pytest.mark.parametrize("signal", ["bp", "dfa"])
@pytest.mark.parametrize("layers", ["6", "6-5"])
def test_conv_stllr_on_a_dense_layout_equals_the_dense_stllr(layers, signal):
    params = STLLRParams.preset("code_default", psi="triangle", lr=0.3)
    conv, dense = dense_twins(layers, ConvSTLLRTrainer, STLLRTrainer, params=params,
                              signal=signal, seed=4)
    x = (np.random.default_rng(3).random((3, 7, 8)) < 0.4).astype(float)
    labels = np.array([0, 1, 2])
    assert conv.train_batch(x, labels) == pytest.approx(dense.train_batch(x, labels))
    for a, b in zip(conv.weights.arrays(), dense.weights.arrays(), strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_bptt_tape_grows_with_steps_and_stllr_memory_does_not():
    """Peak traced memory of one batch: BPTT grows with T, S-TLLR stays flat."""
    import tracemalloc

    spec = ConvNetSpec.parse("4c3-p2-16", (2, 12, 12), 3)
    params = STLLRParams(lr=0.0)

    def peak(trainer, n_steps):
        x = np.zeros((4, n_steps, spec.n_inputs))
        tracemalloc.start()
        trainer.train_batch(x, np.zeros(4, dtype=int))
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return used - x.nbytes

    stllr, bptt = ConvSTLLRTrainer(spec, params), ConvBPTTTrainer(spec, params)
    assert peak(stllr, 40) < 1.2 * peak(stllr, 10)
    assert peak(bptt, 40) > 2.5 * peak(bptt, 10)
