"""Tests of the embedded synthetic moving-bar event dataset."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lava_stllr.data.dataset import ArrayDataset, stratified_split
from lava_stllr.data.synthetic import (
    CLASS_NAMES,
    EVENT_DTYPE,
    SyntheticConfig,
    bin_synthetic,
    make_synthetic_events,
    synthetic_dataset,
    synthetic_train_val,
)


def _check_events(events: np.ndarray, config: SyntheticConfig) -> None:
    assert events.dtype.names == ("x", "y", "t", "p")
    assert np.all(np.diff(events["t"]) >= 0)
    for name in ("x", "y"):
        assert events[name].min() >= 0 and events[name].max() < config.side
    assert events["t"].min() >= 0 and events["t"].max() < config.duration_us
    assert set(np.unique(events["p"]).tolist()) <= {0, 1}


# --- determinism -----------------------------------------------------------------


def test_same_seed_gives_same_bits():
    ev_a, lab_a = make_synthetic_events(20, seed=7)
    ev_b, lab_b = make_synthetic_events(20, seed=7)
    np.testing.assert_array_equal(lab_a, lab_b)
    assert len(ev_a) == len(ev_b) == 20
    for a, b in zip(ev_a, ev_b, strict=True):
        assert a.dtype == b.dtype
        assert a.tobytes() == b.tobytes()
    assert synthetic_dataset(20, 7).spikes.tobytes() == synthetic_dataset(20, 7).spikes.tobytes()


def test_different_seed_gives_different_samples():
    ev_a, _ = make_synthetic_events(20, seed=1)
    ev_b, _ = make_synthetic_events(20, seed=2)
    assert any(a.tobytes() != b.tobytes() for a, b in zip(ev_a, ev_b, strict=True))
    assert not np.array_equal(synthetic_dataset(20, 1).spikes, synthetic_dataset(20, 2).spikes)


def test_train_val_use_independent_streams():
    train, val = synthetic_train_val(n_train=40, n_val=20, seed=3)
    assert (len(train), len(val)) == (40, 20)
    # no validation sample is a copy of a training sample
    flat_train = {s.tobytes() for s in train.spikes}
    assert not any(s.tobytes() in flat_train for s in val.spikes)
    # the validation set does not depend on the training set size
    _, val_again = synthetic_train_val(n_train=10, n_val=20, seed=3)
    assert val_again.spikes.tobytes() == val.spikes.tobytes()
    np.testing.assert_array_equal(val_again.labels, val.labels)
    _, val_other = synthetic_train_val(n_train=10, n_val=20, seed=4)
    assert not np.array_equal(val_other.spikes, val.spikes)


# --- event format and binning ----------------------------------------------------


def test_event_format():
    config = SyntheticConfig()
    events, labels = make_synthetic_events(32, seed=0, config=config)
    assert labels.dtype == np.int64 and labels.shape == (32,)
    for ev in events:
        assert ev.dtype == EVENT_DTYPE
        assert ev.size > 0
        _check_events(ev, config)


def test_binned_counts_equal_number_of_events():
    config = SyntheticConfig()
    events, _ = make_synthetic_events(16, seed=5, config=config)
    spikes = bin_synthetic(events, config)
    assert spikes.shape == (16, config.n_steps, 2 * config.side**2)
    assert spikes.dtype == np.float32
    np.testing.assert_array_equal(spikes.sum(axis=(1, 2)), [ev.size for ev in events])


def test_bin_layout_is_polarity_row_column():
    config = SyntheticConfig(
        side=8, n_steps=5, step_us=100, speed_range=(2.0, 2.0), bar_length_range=(1, 8)
    )
    ev = np.array([(3, 5, 250, 1), (3, 5, 299, 1), (0, 0, 0, 0), (7, 1, 499, 0)], dtype=EVENT_DTYPE)
    spikes = bin_synthetic([ev], config)[0]
    expected = np.zeros((5, 2, 8, 8), dtype=np.float32)  # (T, P, H, W)
    expected[2, 1, 5, 3] = 2
    expected[0, 0, 0, 0] = 1
    expected[4, 0, 1, 7] = 1
    np.testing.assert_array_equal(spikes, expected.reshape(5, -1))


def test_bin_matches_tonic_to_frame():
    tonic = pytest.importorskip("tonic")
    config = SyntheticConfig()
    events, _ = make_synthetic_events(4, seed=11, config=config)
    to_frame = tonic.transforms.ToFrame(
        sensor_size=config.sensor_size,
        time_window=config.step_us,
        start_time=0,
        end_time=config.duration_us,
    )
    spikes = bin_synthetic(events, config)
    for ev, x in zip(events, spikes, strict=True):
        frames = to_frame(ev)
        np.testing.assert_array_equal(frames.reshape(frames.shape[0], -1), x)


@pytest.mark.parametrize("field, value", [("x", 16), ("y", -1), ("p", 2), ("t", 24_000), ("t", -1)])
def test_bin_rejects_out_of_range_events(field, value):
    ev = np.zeros(3, dtype=EVENT_DTYPE)
    ev[field][1] = value
    with pytest.raises(ValueError, match=f"field {field} must be in"):
        bin_synthetic([ev], SyntheticConfig())


def test_bin_empty_sample_gives_zeros():
    out = bin_synthetic([np.zeros(0, dtype=EVENT_DTYPE)], SyntheticConfig())
    assert out.shape == (1, 24, 512) and not out.any()


@settings(max_examples=25, deadline=None)
@given(
    side=st.integers(4, 20),
    n_steps=st.integers(2, 30),
    step_us=st.integers(1, 2000),
    n_classes=st.integers(2, 4),
    jitter=st.floats(0.0, 1.0),
    noise=st.floats(0.0, 2000.0),
    seed=st.integers(0, 2**32 - 1),
)
def test_events_valid_for_any_valid_config(side, n_steps, step_us, n_classes, jitter, noise, seed):
    low = side / n_steps * (1 + 1e-9)  # slowest bar that still crosses within the sample
    config = SyntheticConfig(
        n_classes=n_classes,
        side=side,
        n_steps=n_steps,
        step_us=step_us,
        speed_range=(low, side),
        bar_length_range=(1, side),
        position_jitter=jitter,
        noise_rate_hz=noise,
    )
    events, labels = make_synthetic_events(6, seed, config)
    assert labels.min() >= 0 and labels.max() < n_classes
    for ev in events:
        _check_events(ev, config)
    spikes = bin_synthetic(events, config)
    np.testing.assert_array_equal(spikes.sum(axis=(1, 2)), [ev.size for ev in events])


# --- labels and dataset ----------------------------------------------------------


@pytest.mark.parametrize("n_classes", [2, 3, 4])
@pytest.mark.parametrize("n_samples", [1, 7, 40])
def test_classes_are_balanced(n_classes, n_samples):
    config = SyntheticConfig(n_classes=n_classes)
    _, labels = make_synthetic_events(n_samples, seed=0, config=config)
    counts = np.bincount(labels, minlength=n_classes)
    assert counts.sum() == n_samples and len(counts) == n_classes
    assert counts.max() - counts.min() <= 1


def test_dataset_interface(default_split):
    train, val = default_split
    for ds, n in ((train, 600), (val, 200)):
        assert isinstance(ds, ArrayDataset)
        assert len(ds) == n
        assert (ds.n_steps, ds.n_inputs, ds.n_classes) == (24, 512, 4)
        assert ds.spikes.dtype == np.float32
        spikes, label = ds[0]
        assert spikes.shape == (24, 512) and 0 <= label < 4
    first, rest = stratified_split(train.labels, 450)
    assert len(first) == 450 and len(rest) == 150
    assert len(CLASS_NAMES) == 4


def test_polarity_carries_no_direction(default_split):
    train, _ = default_split
    on = train.spikes[:, :, 256:].sum(axis=(1, 2))
    total = train.spikes.sum(axis=(1, 2))
    for c in range(4):
        frac = on[train.labels == c].sum() / total[train.labels == c].sum()
        assert abs(frac - 0.5) < 0.02




# --- validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"n_classes": 1}, "n_classes"),
        ({"n_classes": 5}, "n_classes"),
        ({"n_classes": 2.5}, "n_classes"),
        ({"side": 3}, "side"),
        ({"side": 200}, "side"),
        ({"n_steps": 1}, "n_steps"),
        ({"step_us": 0}, "step_us"),
        ({"speed_range": (0.0, 1.0)}, "speed_range"),
        ({"speed_range": (1.5, 1.0)}, "speed_range"),
        ({"speed_range": (1.0, 17.0)}, "speed_range"),
        ({"speed_range": (0.5, 1.0)}, "speed_range"),  # 16 / 0.5 > 24 steps
        ({"speed_range": (1.0,)}, "speed_range"),
        ({"bar_length_range": (0, 4)}, "bar_length_range"),
        ({"bar_length_range": (9, 8)}, "bar_length_range"),
        ({"bar_length_range": (4, 17)}, "bar_length_range"),
        ({"bar_length_range": (2.5, 4)}, "bar_length_range"),
        ({"events_per_pixel": 0.0}, "events_per_pixel"),
        ({"position_jitter": 1.5}, "position_jitter"),
        ({"position_jitter": -0.1}, "position_jitter"),
        ({"noise_rate_hz": -1.0}, "noise_rate_hz"),
    ],
)
def test_config_validation(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SyntheticConfig(**kwargs)


def test_config_error_states_range_and_value():
    with pytest.raises(ValueError, match=r"n_classes must be an integer in \[2, 4\], got 7"):
        SyntheticConfig(n_classes=7)


def test_config_is_frozen_and_derived_sizes():
    config = SyntheticConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.side = 8  # type: ignore[misc]
    assert config.n_inputs == 512
    assert config.sensor_size == (16, 16, 2)
    assert config.duration_us == 24_000


@pytest.mark.parametrize("n_samples", [0, -3, 2.5])
def test_bad_sample_count(n_samples):
    with pytest.raises(ValueError, match="n_samples"):
        make_synthetic_events(n_samples, seed=0)
