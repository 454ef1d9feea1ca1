"""A per-call step-size scale (``lr_scale``): the schedule of on-chip training."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams

P = STLLRParams.preset("code_default", lr=0.04, beta=0.8, theta=0.5)


def _dataset(n: int = 4) -> ArrayDataset:
    rng = np.random.default_rng(2)
    spikes = (rng.random((n, 8, 10)) < 0.3).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % 3, 3)


@pytest.mark.parametrize("update", ["step", "sample"])
def test_a_scale_equals_a_smaller_learning_rate(update: str) -> None:
    scaled = OnChipReference(OnChipLayout((10, 7, 3), 8, P, seed=1, update=update))
    smaller = OnChipReference(OnChipLayout((10, 7, 3), 8, P.replace(lr=0.01), seed=1,
                                           update=update))
    got = scaled.train(_dataset(), lr_scale=0.25)
    want = smaller.train(_dataset())
    np.testing.assert_allclose(got.scores, want.scores, rtol=1e-10, atol=1e-12)
    for a, b, w0 in zip(scaled.weights(), smaller.weights(),
                        scaled.layout.initial_weights(), strict=True):
        assert np.abs(a - w0).max() > 1e-5
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_zero_scale_freezes_the_weights_in_both_precisions() -> None:
    for precision in ("float", "fixed"):
        ref = OnChipReference(OnChipLayout((10, 7, 3), 8, P, seed=1), precision=precision)
        before = ref.weights()
        ref.train(_dataset(), lr_scale=0.0)
        for a, b in zip(ref.weights(), before, strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "1"])
def test_bad_scales_are_refused(bad: object) -> None:
    ref = OnChipReference(OnChipLayout((10, 7, 3), 8, P))
    with pytest.raises(ValueError, match="lr_scale"):
        ref.train(_dataset(), lr_scale=bad)
