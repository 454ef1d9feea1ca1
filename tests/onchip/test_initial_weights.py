"""Trained weights into the on-chip network: ``OnChipLayout(weights=...)`` starts the
on-chip reference (and so the Lava network) from them, and its inference gives the
batched trainer's scores and loss."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core import cross_entropy
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference import STLLRTrainer
from lava_stllr.spec.network import NetworkSpec, Weights, init_weights

CONFIG = SyntheticConfig(side=4, n_steps=12, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
PARAMS = STLLRParams.preset("code_default", lr=0.2, beta=0.8, theta=0.5)


@pytest.fixture(scope="module")
def dataset():
    return synthetic_dataset(24, seed=1, config=CONFIG)


def trained(spec: NetworkSpec, dataset, epochs: int = 2, params: STLLRParams = PARAMS,
            **options) -> STLLRTrainer:
    trainer = STLLRTrainer(spec, params, seed=3, **options)
    trainer.fit(dataset, epochs=epochs, batch_size=8, progress=False)
    return trainer


def stacked(dataset, binary: bool) -> tuple[np.ndarray, np.ndarray]:
    x = np.stack([dataset[i][0] for i in range(len(dataset))]).astype(float)
    labels = np.array([dataset[i][1] for i in range(len(dataset))])
    return ((x != 0).astype(float) if binary else x), labels


def test_layout_weights_replace_the_seeded_draw_and_are_copied() -> None:
    spec = NetworkSpec((32, 10, 3))
    given = init_weights(spec, seed=5)
    lay = OnChipLayout(spec.sizes, 12, PARAMS, seed=0, weights=given)
    for got, want in zip(lay.initial_weights(), given.feedforward, strict=True):
        np.testing.assert_array_equal(got, want)
    seeded = OnChipLayout(spec.sizes, 12, PARAMS, seed=0).initial_weights()
    assert np.abs(lay.initial_weights()[0] - seeded[0]).max() > 0
    given.feedforward[0][:] = 0.0  # the caller's arrays change after construction
    assert np.abs(lay.initial_weights()[0]).max() > 0
    lay.initial_weights()[0][:] = 0.0  # and so do the returned copies
    assert np.abs(lay.initial_weights()[0]).max() > 0


@pytest.mark.parametrize("bad, match", [
    (lambda w: Weights(w.feedforward[:1]), "1 feedforward matrices"),
    (lambda w: Weights([w.feedforward[0].T, w.feedforward[1]]), "shape"),
    (lambda w: Weights([w.feedforward[0] * np.nan, w.feedforward[1]]), "NaN"),
    (lambda w: Weights(w.feedforward, [np.zeros((10, 10))]), "recurrent"),
    (lambda w: w.feedforward, "must be a Weights"),
])
def test_layout_refuses_weights_that_do_not_fit(bad, match: str) -> None:
    spec = NetworkSpec((32, 10, 3))
    with pytest.raises(ValueError, match=match):
        OnChipLayout(spec.sizes, 12, PARAMS, weights=bad(init_weights(spec, 0)))


@pytest.mark.parametrize("graded, recurrent", [(True, False), (False, False), (True, True)])
def test_onchip_inference_of_trained_weights_equals_the_trainer(dataset, graded: bool,
                                                                recurrent: bool) -> None:
    spec = NetworkSpec((32, 10, 7, 3), recurrent=recurrent)
    trainer = trained(spec, dataset)
    layout = OnChipLayout(spec.sizes, CONFIG.n_steps, PARAMS, graded_input=graded, seed=9,
                          recurrent=recurrent, weights=trainer.weights)
    result = OnChipReference(layout).evaluate(dataset)
    x, labels = stacked(dataset, binary=not graded)
    want = trainer.predict_scores(x)
    np.testing.assert_allclose(result.scores / CONFIG.n_steps, want, rtol=0, atol=1e-9)
    assert result.loss == pytest.approx(float(cross_entropy(want, labels).mean()), abs=1e-9)
    np.testing.assert_array_equal(result.labels, labels)


def test_fixed_point_inference_of_trained_weights_predicts_as_float() -> None:
    spec = NetworkSpec((32, 10, 3))
    x, labels = stacked(synthetic_dataset(48, seed=1, config=CONFIG), binary=True)
    binary = ArrayDataset(x.astype(np.float32), labels, 3)  # fixed point reads spikes
    trainer = trained(spec, binary, epochs=10, params=PARAMS.replace(lr=0.1),
                      optimizer="adam")
    assert trainer.evaluate(binary)[1] > 0.9  # a trained network, not a chance one
    layout = OnChipLayout(spec.sizes, CONFIG.n_steps, PARAMS, weights=trainer.weights)
    fixed = OnChipReference(layout, precision="fixed").evaluate(binary)
    # Stated bound: 9-bit weights flip at most one prediction in ten on this set.
    assert (fixed.predictions == trainer.predict_scores(x).argmax(1)).mean() >= 0.9
