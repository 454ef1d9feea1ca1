"""Recurrent weights start small (``NetworkSpec.recurrent_gain``): a recurrent LIF layer
drawn at the feed-forward scale (std ``1/sqrt(n)``, spectral radius about 1) reverberated
on its own on chip, kept firing through the blank gap with no input, and DFA-trained
S-TLLR could not learn (synthetic 512-64r-4: held-out 0.25 then 0.60)."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import synthetic_train_val
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.spec.network import DEFAULT_RECURRENT_GAIN, NetworkSpec, init_weights


def test_recurrent_weights_are_drawn_with_their_own_gain() -> None:
    spec = NetworkSpec((30, 200, 3), recurrent=True)
    w = init_weights(spec, seed=0)
    assert spec.recurrent_gain == DEFAULT_RECURRENT_GAIN <= 0.5
    np.testing.assert_allclose(w.feedforward[0].std() * np.sqrt(30), 1.0, rtol=0.05)
    np.testing.assert_allclose(w.recurrent[0].std() * np.sqrt(200), DEFAULT_RECURRENT_GAIN,
                               rtol=0.05)
    assert np.abs(np.linalg.eigvals(w.recurrent[0])).max() < 0.5
    wide = init_weights(NetworkSpec((30, 200, 3), True, recurrent_gain=1.0), seed=0)
    np.testing.assert_array_equal(wide.feedforward[0], w.feedforward[0])
    np.testing.assert_allclose(wide.recurrent[0], w.recurrent[0] / DEFAULT_RECURRENT_GAIN)
    layout = OnChipLayout((30, 200, 3), 5, recurrent=True, recurrent_gain=0.0)
    assert not layout.initial_recurrent_weights()[0].any()
    assert layout.spec.recurrent_gain == 0.0
    with pytest.raises(ValueError, match="recurrent_gain"):
        NetworkSpec((30, 200, 3), True, recurrent_gain=-0.1)


def test_default_recurrent_layer_falls_silent_without_input() -> None:
    """On-chip defaults (soft reset, triangle psi): after each sample, 8 blank steps; the
    hidden layer must stop firing once its input stops (it did not at gain 1)."""
    _, val = synthetic_train_val(n_train=4, n_val=20, seed=0)
    params = STLLRParams.preset("code_default", lr=0.005, psi="triangle")
    layout = OnChipLayout((val.n_inputs, 64, val.n_classes), int(val.n_steps), params,
                          gap=8, graded_input=True, recurrent=True)
    ref = OnChipReference(layout, record=True)
    ref.evaluate(val)
    spikes = np.array(ref.spikes[0])
    start = layout.lif_delay(0)
    n = (len(spikes) - start) // layout.period
    per_sample = spikes[start:start + n * layout.period].reshape(n, layout.period, -1)
    assert per_sample[:, :layout.n_steps].mean() > 0.01  # the input drives it
    assert per_sample[:, -3:].sum() == 0  # no self-sustained activity in the gap
