"""``STLLRNetwork(weights=...)``: trained weights into Lava, float and fixed point. Lava
inference gives the batched trainer's scores, and learning continues from the given
weights exactly as the on-chip reference does."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference import STLLRTrainer
from lava_stllr.spec.network import NetworkSpec

CONFIG = SyntheticConfig(side=4, n_steps=12, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
PARAMS = STLLRParams.preset("code_default", lr=0.1, beta=0.8, theta=0.5)


@pytest.mark.timeout(180)
@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_lava_starts_from_trained_weights_and_keeps_learning(precision: str) -> None:
    dataset = synthetic_dataset(16, seed=1, config=CONFIG)
    spec = NetworkSpec((32, 10, 3))
    trainer = STLLRTrainer(spec, PARAMS, seed=3)
    trainer.fit(dataset, epochs=2, batch_size=8, progress=False)
    float_net = precision == "float"
    net = STLLRNetwork(spec.sizes, CONFIG.n_steps, params=PARAMS, seed=11, precision=precision,
                       graded_input=float_net, weights=trainer.weights)
    before = net.weights()  # the given weights as the network stores them
    try:
        inferred = net.evaluate(dataset, indices=range(8))
        learned = net.train(dataset, indices=range(8, 16))
        weights = net.weights()
    finally:
        net.close()
    ref = OnChipReference(net.layout, precision="fixed" if not float_net else "float")
    want_inferred = ref.evaluate(dataset, indices=range(8))
    want_learned = ref.train(dataset, indices=range(8, 16))
    atol = 1e-9 if float_net else 0.0  # fixed point: bit-exact
    for got, want in ((inferred, want_inferred), (learned, want_learned)):
        np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=atol)
    for got, want, start in zip(weights, ref.weights(), before, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
        assert np.abs(got - start).max() > 0  # learning went on from the given weights
    if float_net:  # and Lava inference is the trainer's, step for step
        for got, want in zip(before, trainer.weights.feedforward, strict=True):
            np.testing.assert_array_equal(got, want)
        x = np.stack([dataset[i][0] for i in range(8)]).astype(float)
        np.testing.assert_allclose(inferred.scores / CONFIG.n_steps,
                                   trainer.predict_scores(x), rtol=0, atol=1e-9)
        assert inferred.loss == pytest.approx(trainer.evaluate(dataset.subset(
            np.arange(8)))[0], abs=1e-9)
