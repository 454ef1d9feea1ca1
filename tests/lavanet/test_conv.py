"""A conv network in Lava: frozen conv front-end (stock Conv + FrontEndLIF, SpikePool)
before the learning dense part, against the batched trainer and the NumPy twin."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.conv import conv_network
from lava_stllr.lavanet.conv_front_end import lava_kernel
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

CONFIG = SyntheticConfig(side=8, n_steps=8, n_classes=3, speed_range=(1.0, 2.0),
                         bar_length_range=(3, 6))
PARAMS = STLLRParams.preset("code_default", lr=0.05, beta=0.85, theta=0.5)
FROZEN = dataclasses.replace(PARAMS, lr=0.0)
#: Samples the dense part learns from: enough for every fixed-point layer to move.
LEARN = list(range(6))
# a conv into a max pool; conv, average pool, strided conv; an average pool feeding the
# dense part (graded input).
NETS = ["4c3-p2-16", "2c3p1-a2-3c3s2p1-6", "3c3p1-a2-8"]


@pytest.fixture(scope="module")
def data():
    return synthetic_dataset(40, seed=1, config=CONFIG), synthetic_dataset(12, seed=2,
                                                                           config=CONFIG)


def _trained(layers: str, train) -> tuple[ConvNetSpec, ConvSTLLRTrainer]:
    spec = ConvNetSpec.parse(layers, (2, 8, 8), 3, init_gain=2.5)
    trainer = ConvSTLLRTrainer(spec, PARAMS, signal="dfa", seed=1)
    trainer.fit(train, epochs=2, batch_size=8, progress=False)
    return spec, trainer


def _frames(dataset) -> np.ndarray:
    return np.stack([dataset[i][0] for i in range(len(dataset))])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("layers", NETS)
def test_lava_inference_gives_the_trainers_scores(layers: str, data) -> None:
    train, test = data
    spec, trainer = _trained(layers, train)
    want = trainer.predict_scores(_frames(test))
    net = conv_network(spec, trainer.weights, CONFIG.n_steps, FROZEN, timeout=60)
    try:
        got = net.evaluate(test)
    finally:
        net.close()
    window = CONFIG.n_steps - FROZEN.window_start(CONFIG.n_steps)
    np.testing.assert_allclose(got.scores / window, want, rtol=0, atol=1e-9)
    np.testing.assert_array_equal(got.predictions, want.argmax(axis=1))
    assert len(set(want.argmax(axis=1).tolist())) > 1, "a test that predicts one class"


@pytest.mark.timeout(120)
@pytest.mark.parametrize(("precision", "update"), [("float", "step"), ("fixed", "step"),
                                                   ("fixed", "sample")])
def test_online_learning_of_the_dense_part_equals_the_numpy_twin(precision: str, update: str,
                                                                  data) -> None:
    train, test = data
    spec, trainer = _trained("4c3-p2-16", train)
    net = conv_network(spec, trainer.weights, CONFIG.n_steps, PARAMS, seed=3,
                       precision=precision, update=update, timeout=60)
    before = net.weights()
    try:
        lava = [net.train(train, indices=LEARN), net.evaluate(test, indices=[0, 1])]
        weights = net.weights()
        kernel = np.asarray(net.front.convs[0].weight.get())
    finally:
        net.close()
    ref = OnChipReference(net.layout, precision=net.precision)
    want = [ref.train(train, indices=LEARN), ref.evaluate(test, indices=[0, 1])]
    atol = 1e-9 if precision == "float" else 0.0  # fixed: bit for bit
    for got, exp in zip(lava, want, strict=True):
        np.testing.assert_allclose(got.scores, exp.scores, rtol=0, atol=atol)
    for got, exp, old in zip(weights, ref.weights(), before, strict=True):
        np.testing.assert_allclose(got, exp, rtol=0, atol=atol)
        assert not np.array_equal(got, old), "the dense part must have learned"
    stage = net.layout.front_end.stages(PARAMS, net.precision)[0]
    np.testing.assert_array_equal(kernel, lava_kernel(stage.weights))  # frozen


@pytest.mark.timeout(60)
def test_fixed_point_rejects_a_graded_front_end_output(data) -> None:
    spec, trainer = _trained("3c3p1-a2-8", data[0])
    with pytest.raises(ValueError, match="average pool"):
        conv_network(spec, trainer.weights, CONFIG.n_steps, FROZEN, precision="fixed")


@pytest.mark.parametrize("taken", ["graded_input", "front_end", "sizes"])
def test_conv_network_refuses_what_it_derives(taken) -> None:
    spec = ConvNetSpec.parse("2c3-p2-4", (2, 6, 6), 2)
    weights = ConvSTLLRTrainer(spec, STLLRParams(), seed=0).weights
    with pytest.raises(ValueError, match=f"sets .*{taken}"):
        conv_network(spec, weights, 4, STLLRParams(), **{taken: None})
