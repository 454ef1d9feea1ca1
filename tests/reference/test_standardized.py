"""Weight standardization in the reference trainers (lava_stllr.reference.standardized):
the trainers compute with the folded weights, and one optimizer step moves the raw
weights and gains by the S-TLLR (or BPTT) update carried through the standardization."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core.standardize import standardize, standardize_grad
from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, ConvBPTTTrainer, ConvSTLLRTrainer, STLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.network import NetworkSpec, Weights

PARAMS = STLLRParams(lr=1.0, beta=0.8, theta=0.3, psi="triangle")
DENSE = NetworkSpec((12, 7, 5, 3))
CONV = ConvNetSpec.parse("3c3p1-p2-6", (2, 6, 6), 3)
TRAINERS = {
    "stllr-bp": lambda **kw: STLLRTrainer(DENSE, PARAMS, signal="bp", seed=2, **kw),
    "stllr-dfa": lambda **kw: STLLRTrainer(DENSE, PARAMS, signal="dfa", seed=2, **kw),
    "stllr-step": lambda **kw: STLLRTrainer(DENSE, PARAMS, update="step", seed=2, **kw),
    "bptt": lambda **kw: BPTTTrainer(DENSE, PARAMS, seed=2, **kw),
    "conv-stllr": lambda **kw: ConvSTLLRTrainer(CONV, PARAMS, seed=2, **kw),
    "conv-bptt": lambda **kw: ConvBPTTTrainer(CONV, PARAMS, seed=2, **kw),
}


def _batch(trainer, seed=0, batch=3, n_steps=6):
    rng = np.random.default_rng(seed)
    x = (rng.random((batch, n_steps, trainer.spec.n_inputs)) < 0.4).astype(float)
    return x, np.arange(batch) % trainer.spec.n_classes


@pytest.mark.parametrize("name", ["stllr-bp", "conv-stllr"])
def test_the_network_starts_from_the_folded_initial_weights(name):
    plain, ws = TRAINERS[name](), TRAINERS[name](standardize=True)
    for i, (a, b) in enumerate(zip(plain.weights.feedforward, ws.weights.feedforward,
                                   strict=True)):
        if i == len(plain.weights.feedforward) - 1:  # the readout is not standardized
            assert np.array_equal(a, b)
        else:
            np.testing.assert_allclose(b, standardize(a, np.ones(a.shape[0])), rtol=1e-14)
            rows = b.reshape(b.shape[0], -1)
            np.testing.assert_allclose(rows.mean(axis=1), 0.0, atol=1e-16)
            np.testing.assert_allclose((rows ** 2).sum(axis=1), 1.0, rtol=1e-3)


@pytest.mark.parametrize("name", sorted(TRAINERS))
def test_one_step_carries_the_update_through_the_standardization(name):
    """SGD with lr 1: a plain trainer holding the same folded weights gives the update G
    with respect to them; the WS trainer must move raw -= dL/dw and gain -= dL/dgain of
    that G (standardize_grad) and fold."""
    ws = TRAINERS[name](standardize=True)
    if name == "stllr-step":  # one window step, so that one optimizer step happens
        ws.params = PARAMS.replace(window=1)
    plain = TRAINERS[name]()
    plain.params = ws.params
    plain.weights = Weights([w.copy() for w in ws.weights.feedforward], [])
    raw = [w.copy() for w in ws._ws.raw.values()]
    gains = [g.copy() for g in ws._ws.gain.values()]
    before = [w.copy() for w in plain.weights.arrays()]
    x, y = _batch(ws)
    assert ws.train_batch(x, y) == plain.train_batch(x, y)  # the same forward pass
    grads = [b - a for a, b in zip(plain.weights.arrays(), before, strict=True)]
    layers = list(ws._ws.layers)
    assert layers == list(range(len(before) - 1))
    for i, (w, g_hat) in enumerate(zip(ws.weights.arrays(), grads, strict=True)):
        if i in layers:
            grad_w, grad_gain = standardize_grad(g_hat, raw[i], gains[i])
            want = standardize(raw[i] - grad_w, gains[i] - grad_gain)
            np.testing.assert_allclose(w, want, rtol=1e-10, atol=1e-13)
            assert np.abs(grad_gain).max() > 0  # the gains learn too
        else:
            np.testing.assert_allclose(w, before[i] - g_hat, rtol=0, atol=1e-15)


def test_adam_keeps_rows_centred_and_float32_works():
    trainer = STLLRTrainer(DENSE, PARAMS.replace(lr=0.05), optimizer="adam", seed=1,
                           dtype="float32", standardize=True)
    x, y = _batch(trainer, seed=3)
    for _ in range(3):
        trainer.train_batch(x, y)
    for w in trainer.weights.feedforward[:-1]:
        assert w.dtype == np.float32
        np.testing.assert_allclose(w.mean(axis=1), 0.0, atol=1e-6)
    assert all(g.dtype == np.float32 for g in trainer._ws.gain.values())


def test_assigned_weights_are_taken_up_as_folded():
    source = STLLRTrainer(DENSE, PARAMS, seed=5, standardize=True)
    x, y = _batch(source)
    source.train_batch(x, y)
    again = STLLRTrainer(DENSE, PARAMS, seed=9, standardize=True)
    given = [w.copy() for w in source.weights.arrays()]
    again.weights = source.weights
    for a, b, c in zip(again.weights.arrays(), source.weights.arrays(), given, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)
        assert np.array_equal(b, c)  # the caller's arrays are not written to


def test_standardize_must_be_a_bool():
    with pytest.raises(ValueError, match="standardize must be True or False, got 'yes'"):
        STLLRTrainer(DENSE, PARAMS, standardize="yes")
