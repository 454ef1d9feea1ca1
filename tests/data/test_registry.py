"""The frame shape each dataset's samples flatten, in the order the conv trainers read."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lava_stllr.data import registry
from lava_stllr.data.binning import BinningConfig, bin_events
from lava_stllr.data.synthetic import EVENT_DTYPE, SyntheticConfig, bin_synthetic
from lava_stllr.reference.conv_network import frames
from lava_stllr.spec.conv import ConvNetSpec


def _events(*xytp):
    return np.array(list(xytp), dtype=EVENT_DTYPE)


def _where(spec_shape, flat_sample):
    """(step, c, h, w) of every nonzero input after the conv trainers' reshape."""
    spec = ConvNetSpec(spec_shape, "2", 2)
    return {tuple(int(i) for i in idx)
            for idx in np.argwhere(frames(spec, flat_sample[None])[0] > 0)}


def test_frame_shapes_of_the_datasets():
    side = SyntheticConfig().side
    assert registry.frame_shape_for("synthetic", {}) == (2, side, side)
    assert registry.frame_shape_for("nmnist", {}) == (2, 17, 17)
    assert registry.frame_shape_for("nmnist", {"downsample": 1}) == (2, 34, 34)
    assert registry.frame_shape_for("shd", {}) == (1, 1, 700)


def test_synthetic_inputs_flatten_channel_row_column():
    config = SyntheticConfig()
    x = bin_synthetic([_events((3, 5, 0, 1), (9, 2, 1000, 0))], config)[0]
    shape = registry.frame_shape_for("synthetic", {})
    assert _where(shape, x) == {(0, 1, 5, 3), (1, 0, 2, 9)}  # (t, polarity, y, x)


def test_binned_events_flatten_channel_row_column():
    pytest.importorskip("tonic")
    # A sensor wider than high, so that swapping H and W cannot go unnoticed.
    config = BinningConfig(sensor_size=(8, 4, 2), n_time_bins=2, t_start_us=0,
                           t_end_us=2000, downsample=1)
    x = bin_events(_events((7, 1, 10, 0), (2, 3, 1500, 1)), config)
    assert config.frame_shape == (2, 4, 8)
    assert _where(config.frame_shape, x) == {(0, 0, 1, 7), (1, 1, 3, 2)}
    # N-MNIST's default binning: downsampled by 2 to 17x17.
    nmnist = dataclasses.replace(registry.binning_for("nmnist", {}), t_end_us=2000,
                                 n_time_bins=1)
    x = bin_events(_events((6, 20, 5, 1)), nmnist)
    assert _where(registry.frame_shape_for("nmnist", {}), x) == {(0, 1, 10, 3)}
