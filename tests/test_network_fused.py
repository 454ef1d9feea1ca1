"""Fused STLLRNetwork (DFA feedback inside the neurons): the composed network's results
bit for bit, in float and fixed point."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.network import STLLRNetwork
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF

CONFIG = SyntheticConfig(side=4, n_steps=10, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
PARAMS = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)


def _play(fuse: bool, tag: str) -> tuple[list, list]:
    data = synthetic_dataset(4, seed=3, config=CONFIG)
    net = STLLRNetwork((32, 9, 6, 3), n_steps=data.n_steps, params=PARAMS, seed=5, tag=tag,
                       fuse=fuse, timeout=60)
    try:
        results = [net.train(data, indices=[0, 1, 2], progress=False),
                   net.evaluate(data, indices=[3], progress=False)]
        weights = net.weights()
    finally:
        net.close()
    assert (len(net.feedback) == 0) == fuse
    return results, weights


@pytest.mark.timeout(180)
@pytest.mark.parametrize("tag", ["floating_pt", "fixed_pt"])
def test_fused_feedback_equals_the_composed_network_bit_for_bit(tag: str) -> None:
    fused, fused_w = _play(True, tag)
    plain, plain_w = _play(False, tag)
    for got, want in zip(fused, plain, strict=True):
        np.testing.assert_array_equal(got.scores, want.scores)
        np.testing.assert_array_equal(got.labels, want.labels)
    for got, want in zip(fused_w, plain_w, strict=True):
        np.testing.assert_array_equal(got, want)


def test_lif_feedback_must_match_the_layer() -> None:
    params = STLLRParams.preset("code_default")
    lif = STLLRLIF(n=4, params=params, feedback=np.ones((4, 3)))
    assert lif.e_in.shape == (3,) and lif.proc_params["fused_feedback"]
    with pytest.raises(ValueError, match="feedback must have shape"):
        STLLRLIF(n=4, params=params, feedback=np.ones((5, 3)))
    with pytest.raises(ValueError, match="NaN or Inf"):
        STLLRLIF(n=4, params=params, feedback=np.full((4, 3), np.nan))
    assert not STLLRLIF(n=4, params=params).proc_params["fused_feedback"]
