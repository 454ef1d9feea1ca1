"""``lr = 0``: inference with learning frozen, float and fixed, on chip and in Lava."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams

CONFIG = SyntheticConfig(side=4, n_steps=12, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
FROZEN = STLLRParams.preset("code_default", lr=0.0, beta=0.8, theta=0.5)


@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_lr_zero_trains_nothing_and_scores_as_evaluate(precision: str) -> None:
    dataset = synthetic_dataset(6, seed=1, config=CONFIG)
    layout = OnChipLayout((32, 10, 3), CONFIG.n_steps, FROZEN, seed=2)
    ref = OnChipReference(layout, precision=precision)
    before = ref.weights()
    trained = ref.train(dataset)
    for got, want in zip(ref.weights(), before, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(trained.scores, ref.evaluate(dataset).scores)
    learning = OnChipReference(OnChipLayout((32, 10, 3), CONFIG.n_steps,
                                            FROZEN.replace(lr=0.05), seed=2),
                               precision=precision)
    learning.train(dataset)
    assert np.abs(learning.weights()[0] - before[0]).max() > 0  # the same run with lr > 0


@pytest.mark.timeout(120)
def test_lava_network_with_lr_zero_keeps_its_weights() -> None:
    dataset = synthetic_dataset(4, seed=1, config=CONFIG)
    net = STLLRNetwork((32, 10, 3), CONFIG.n_steps, params=FROZEN, seed=2)
    before = net.weights()
    try:
        net.train(dataset)
        after = net.weights()
    finally:
        net.close()
    for got, want in zip(after, before, strict=True):
        np.testing.assert_array_equal(got, want)
