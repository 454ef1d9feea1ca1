"""Fixed-point vs float training on the synthetic set: the quantized on-chip network
learns as well as the float one (accuracy drop at most 2 points).

Both runs use the on-chip reference, which equals the Lava networks bit for bit
(``tests/onchip/test_pipeline_fixed.py`` for fixed, ``tests/onchip/test_pipeline.py``
for float), on the same binary spikes, initial weights, feedback and order. A reduced
synthetic configuration (8x8 sensor, 12 steps) keeps the test fast; the full set and
N-MNIST are in ``benchmarks/bench_fixed_accuracy.py``.
"""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_train_val
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams

CONFIG = SyntheticConfig(side=8, n_steps=12, speed_range=(0.8, 1.2), bar_length_range=(6, 8),
                         noise_rate_hz=0.0)
MAX_DROP = 0.02


@pytest.mark.timeout(300)
def test_fixed_accuracy_is_within_two_points_of_float() -> None:
    train, val = synthetic_train_val(300, 160, seed=0, config=CONFIG)
    params = STLLRParams.preset("code_default", lr=0.02)
    layout = OnChipLayout((train.n_inputs, 32, train.n_classes), train.n_steps, params,
                          seed=1)
    accuracy = {}
    for precision in ("float", "fixed"):
        ref = OnChipReference(layout, precision=precision)
        ref.train(train, indices=np.random.default_rng(0).permutation(len(train)))
        accuracy[precision] = ref.evaluate(val).accuracy
    chance = 1.0 / train.n_classes
    assert accuracy["float"] > chance + 0.15, accuracy  # the comparison is meaningful
    assert accuracy["fixed"] >= accuracy["float"] - MAX_DROP, accuracy


def test_fixed_weights_stay_within_loihi_widths_and_move() -> None:
    train, _ = synthetic_train_val(20, 1, seed=0, config=CONFIG)
    layout = OnChipLayout((train.n_inputs, 16, train.n_classes), train.n_steps,
                          STLLRParams.preset("dvs_gesture", lr=0.05), seed=0)
    ref = OnChipReference(layout, precision="fixed")
    before = ref.weight_mantissas()
    ref.train(train)
    for w0, w in zip(before, ref.weight_mantissas(), strict=True):
        assert w.min() >= -256 and w.max() <= 255
        assert np.abs(w - w0).max() > 0
    for w_float, w_int, layer in zip(ref.weights(), ref.weight_mantissas(),
                                     ref.fixed_network.layers, strict=True):
        np.testing.assert_array_equal(w_float, w_int * layer.weight_scale)
