"""Warped copies of a recording's levels: time stretch and a shift along the channels."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.audio import AudioFrontEnd, channel_levels, encode
from lava_stllr.data.audio_augment import DEFAULT_WARPS, LevelWarp, warp_levels


def _levels(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((8, 30))


def test_the_identity_is_the_recording():
    levels = _levels()
    assert LevelWarp().is_identity
    np.testing.assert_array_equal(warp_levels(levels, LevelWarp()), levels)


def test_a_whole_channel_shift_moves_every_level_up_that_many_channels():
    levels = _levels()
    up = warp_levels(levels, LevelWarp(channel_shift=2))
    np.testing.assert_array_equal(up[2:], levels[:-2])
    np.testing.assert_array_equal(up[:2], levels[[0, 0]])  # the edge channel held
    down = warp_levels(levels, LevelWarp(channel_shift=-1))
    np.testing.assert_array_equal(down[:-1], levels[1:])
    half = warp_levels(levels, LevelWarp(channel_shift=0.5))
    np.testing.assert_allclose(half[1:], (levels[1:] + levels[:-1]) / 2)


def test_a_stretch_reads_the_word_more_slowly():
    levels = _levels()
    slow = warp_levels(levels, LevelWarp(time_stretch=2.0))
    assert slow.shape == (8, 60)
    np.testing.assert_array_equal(slow[:, ::2], levels)
    np.testing.assert_allclose(slow[:, 1:-1:2], (levels[:, :-1] + levels[:, 1:]) / 2)
    fast = warp_levels(levels, LevelWarp(time_stretch=0.5))
    assert fast.shape == (8, 15)
    np.testing.assert_array_equal(fast, levels[:, ::2])
    assert 0.0 <= warp_levels(levels, LevelWarp(1.1, -0.7)).min() <= 1.0


def test_a_tone_moves_to_the_next_channel():
    """On the real front-end: a shifted copy of a pure tone peaks one channel higher."""
    rate, config = 16000, AudioFrontEnd(n_channels=32)
    t = np.arange(rate // 2) / rate
    levels = channel_levels(np.sin(2 * np.pi * 1500 * t), rate, config)
    peak = int(levels.mean(axis=1).argmax())
    shifted = warp_levels(levels, LevelWarp(channel_shift=1))
    assert int(shifted.mean(axis=1).argmax()) == peak + 1
    events = encode(np.sin(2 * np.pi * 1500 * t), rate, config, LevelWarp(channel_shift=1))
    assert np.bincount(events["x"]).argmax() == peak + 1


@pytest.mark.parametrize("text, warp", [("t0.9", LevelWarp(0.9)), ("f-1", LevelWarp(1, -1)),
                                        ("t1.1f+2", LevelWarp(1.1, 2)), ("t1", LevelWarp())])
def test_warps_read_and_name_themselves(text, warp):
    assert LevelWarp.parse(text) == warp
    assert LevelWarp.parse(warp.key) == warp


@pytest.mark.parametrize("text, message", [("", "a warp is"), ("x2", "a warp is"),
                                           ("t1..2", "a warp is"),
                                           ("t3", r"time_stretch must be in \[0.5, 2"),
                                           ("f9", r"channel_shift must be in \[-8")])
def test_bad_warps_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        LevelWarp.parse(text)


def test_the_default_set_is_four_distinct_copies():
    assert len(set(DEFAULT_WARPS)) == 4
    assert not any(w.is_identity for w in DEFAULT_WARPS)
