"""BinningConfig validation and keys; bin_events against a hand-computed reference."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import tonic
from hypothesis import given, settings
from hypothesis import strategies as st

from lava_stllr.data.binning import (
    NMNIST_DEFAULT_CONFIG,
    BinningConfig,
    bin_events,
    validate_events,
)

XYTP = np.dtype([("x", np.int64), ("y", np.int64), ("t", np.int64), ("p", np.int64)])


def make_events(x, y, t, p, dtype=XYTP) -> np.ndarray:
    ev = np.zeros(len(t), dtype=dtype)
    ev["x"], ev["y"], ev["t"], ev["p"] = x, y, t, p
    return ev


def reference_bins(ev, w, h, p, n_bins, t0, bin_width, ds=1, merge=False) -> np.ndarray:
    """Straightforward histogram with integer arithmetic (bin width in whole us)."""
    c = 1 if merge else p
    hh, ww = -(-h // ds), -(-w // ds)
    out = np.zeros((n_bins, c * hh * ww))
    for e in ev:
        if not t0 <= e["t"] < t0 + n_bins * bin_width:
            continue
        k = (int(e["t"]) - t0) // bin_width
        ch = 0 if merge else int(e["p"])
        out[k, (ch * hh + int(e["y"]) // ds) * ww + int(e["x"]) // ds] += 1
    return out


# ---------------------------------------------------------------- BinningConfig


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_time_bins": 0}, "n_time_bins must be an integer >= 1, got 0"),
        ({"n_time_bins": 2.5}, "n_time_bins must be an integer >= 1, got 2.5"),
        ({"n_time_bins": True}, "n_time_bins must be an integer"),
        ({"downsample": 0}, "downsample must be an integer >= 1, got 0"),
        ({"t_start_us": -5}, "t_start_us must be an integer >= 0, got -5"),
        ({"t_start_us": 1000, "t_end_us": 1000}, "t_end_us must be an integer >= 1001, got 1000"),
        ({"sensor_size": (34, 34)}, "sensor_size must be a tuple (W, H, P)"),
        ({"sensor_size": (34, 0, 2)}, "sensor_size[1] (H) must be an integer >= 1, got 0"),
        ({"denoise_filter_us": 0}, "denoise_filter_us must be in (0, inf), got 0"),
        ({"denoise_filter_us": float("nan")},
         "denoise_filter_us must be a finite number in (0, inf)"),
        ({"merge_polarities": "yes"}, "merge_polarities must be a bool"),
    ],
)
def test_config_rejects_bad_values(kwargs, message):
    with pytest.raises(ValueError) as info:
        BinningConfig(**kwargs)
    assert message in str(info.value)


def test_config_is_frozen_and_normalised():
    cfg = BinningConfig(sensor_size=[34, 34, 2], t_end_us=300000.0, n_time_bins=np.int64(25))
    assert cfg.sensor_size == (34, 34, 2)
    assert type(cfg.t_end_us) is int and type(cfg.n_time_bins) is int
    assert cfg == NMNIST_DEFAULT_CONFIG
    assert cfg.cache_key() == NMNIST_DEFAULT_CONFIG.cache_key()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_time_bins = 3  # type: ignore[misc]


def test_default_nmnist_config_shape():
    cfg = NMNIST_DEFAULT_CONFIG
    assert cfg.frame_shape == (2, 17, 17)
    assert (cfg.n_steps, cfg.n_inputs) == (25, 578)
    assert BinningConfig(downsample=3).frame_shape == (2, 12, 12)
    assert BinningConfig(merge_polarities=True, downsample=1).n_inputs == 34 * 34


def test_cache_key_changes_with_every_setting():
    base = BinningConfig()
    changes = {
        "sensor_size": (35, 34, 2),
        "n_time_bins": 26,
        "t_start_us": 1,
        "t_end_us": 300_001,
        "downsample": 1,
        "denoise_filter_us": 1000.0,
        "merge_polarities": True,
        "max_count": 1,
    }
    assert set(changes) == {f.name for f in dataclasses.fields(BinningConfig)}
    keys = {base.cache_key()}
    for name, value in changes.items():
        keys.add(dataclasses.replace(base, **{name: value}).cache_key())
    assert len(keys) == len(changes) + 1
    assert base.cache_key() == BinningConfig().cache_key()
    assert base.cache_key().startswith("bin-v1-")
    assert BinningConfig(t_end_us=None).cache_key() != base.cache_key()


# ---------------------------------------------------------------- bin_events


def test_bin_events_known_layout_and_half_open_window():
    cfg = BinningConfig(sensor_size=(4, 3, 2), n_time_bins=4, t_end_us=400, downsample=1)
    ev = make_events(
        x=[0, 3, 1, 2, 3, 0],
        y=[0, 2, 1, 0, 2, 0],
        t=[0, 99, 100, 250, 399, 400],
        p=[0, 1, 1, 0, 1, 0],
    )
    before = ev.copy()
    out = bin_events(ev, cfg)
    assert out.dtype == np.float32 and out.shape == (4, 2 * 3 * 4)
    expected = np.zeros((4, 24))
    for k, x, y, p in [(0, 0, 0, 0), (0, 3, 2, 1), (1, 1, 1, 1), (2, 2, 0, 0), (3, 3, 2, 1)]:
        expected[k, (p * 3 + y) * 4 + x] += 1  # d = (c * H + y) * W + x; t = 400 excluded
    np.testing.assert_array_equal(out, expected)
    np.testing.assert_array_equal(ev, before)  # input untouched


def test_bin_events_fixed_absolute_bins_are_not_stretched():
    cfg = BinningConfig(sensor_size=(2, 1, 1), n_time_bins=10, t_end_us=1000, downsample=1)
    ev = make_events(x=[0, 1], y=[0, 0], t=[10, 20], p=[0, 0])
    out = bin_events(ev, cfg)
    assert out[0].sum() == 2 and out[1:].sum() == 0


def test_bin_events_without_end_counts_every_event():
    cfg = BinningConfig(sensor_size=(5, 5, 2), n_time_bins=7, t_end_us=None, t_start_us=3)
    ev = make_events(x=[0, 1, 2, 4], y=[4, 3, 2, 1], t=[1, 3, 500, 1001], p=[0, 1, 0, 1])
    out = bin_events(ev, cfg)
    assert out.sum() == 3  # t=1 is before t_start_us
    assert out[-1].sum() == 1 and out[0].sum() == 1  # last event in the last bin


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n_bins=st.integers(1, 12),
    width=st.integers(1, 50),
    t0=st.integers(0, 30),
    ds=st.integers(1, 4),
    merge=st.booleans(),
)
def test_bin_events_matches_reference(data, n_bins, width, t0, ds, merge):
    w, h, p = 7, 5, 2
    n = data.draw(st.integers(1, 60))
    ints = st.lists
    t = np.sort(data.draw(ints(st.integers(0, t0 + n_bins * width + 20), min_size=n, max_size=n)))
    x = data.draw(ints(st.integers(0, w - 1), min_size=n, max_size=n))
    y = data.draw(ints(st.integers(0, h - 1), min_size=n, max_size=n))
    pol = data.draw(ints(st.integers(0, p - 1), min_size=n, max_size=n))
    ev = make_events(x, y, t, pol)
    cfg = BinningConfig(
        sensor_size=(w, h, p),
        n_time_bins=n_bins,
        t_start_us=t0,
        t_end_us=t0 + n_bins * width,
        downsample=ds,
        merge_polarities=merge,
    )
    out = bin_events(ev, cfg)
    expected = reference_bins(ev, w, h, p, n_bins, t0, width, ds, merge)
    np.testing.assert_array_equal(out, expected)
    assert out.sum() == np.sum((t >= t0) & (t < t0 + n_bins * width))


@pytest.mark.parametrize("n_bins", [3, 7, 13, 29])
def test_non_integer_bin_width_keeps_all_events(n_bins):
    cfg = BinningConfig(sensor_size=(34, 34, 2), n_time_bins=n_bins, t_end_us=100_000)
    t = np.arange(0, 100_000, 7)
    ev = make_events(t % 34, (t // 34) % 34, t, t % 2)
    out = bin_events(ev, cfg)
    assert out.shape == (n_bins, 578) and out.sum() == t.size
    per_bin = out.sum(axis=1)
    assert per_bin.max() - per_bin.min() <= 2  # uniform events: equal-width bins


def test_denoise_drops_isolated_events():
    cfg = BinningConfig(denoise_filter_us=100, downsample=1)
    ev = make_events(x=[5, 6, 20], y=[5, 5, 20], t=[1000, 1010, 1020], p=[0, 0, 1])
    out = bin_events(ev, cfg)
    # tonic's Denoise keeps an event only if a neighbouring pixel fired within 100 us before
    # (all pixels count as recent before t = filter_time, hence the later timestamps)
    assert out.sum() == 1 and out[0, 5 * 34 + 6] == 1


def test_single_channel_events_without_y_and_bool_polarity():
    shd = BinningConfig(sensor_size=(700, 1, 1), n_time_bins=5, t_end_us=1000, downsample=1)
    ev = np.zeros(3, dtype=[("t", np.int64), ("x", np.int64), ("p", np.int64)])
    ev["t"], ev["x"] = [0, 200, 999], [0, 699, 350]
    out = bin_events(ev, shd)
    assert out.shape == (5, 700) and out[0, 0] == out[1, 699] == out[4, 350] == 1
    assert out.sum() == 3

    dvs = BinningConfig(sensor_size=(8, 8, 2), n_time_bins=2, t_end_us=10, downsample=2)
    dt = np.dtype([("x", np.int16), ("y", np.int16), ("p", bool), ("t", np.int64)])
    ev = make_events([7, 0], [7, 1], [1, 6], [True, False], dtype=dt)
    out = bin_events(ev, dvs)
    assert out[0, (1 * 4 + 3) * 4 + 3] == 1 and out[1, 0] == 1 and out.sum() == 2


def test_events_outside_window_give_zeros():
    cfg = BinningConfig(sensor_size=(4, 4, 2), n_time_bins=3, t_start_us=100, t_end_us=200)
    out = bin_events(make_events([1], [1], [500], [0]), cfg)
    assert out.shape == (3, 2 * 2 * 2) and not out.any()


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (np.zeros((3, 4)), "structured numpy array"),
        (make_events([], [], [], []), "events are empty"),
        (make_events([0, 0], [0, 0], [5, 4], [0, 0]), "non-decreasing; t[0] = 5 > t[1] = 4"),
        (make_events([34], [0], [0], [0]), "event x must be in [0, 34)"),
        (make_events([0], [-1], [0], [0]), "event y must be in [0, 34)"),
        (make_events([0], [0], [0], [2]), "event p must be in [0, 2)"),
        (make_events([0], [0], [-3], [0]), "timestamps must be >= 0"),
        (np.zeros(2, dtype=[("x", int), ("t", int), ("p", int)]), "lack field(s) ['y']"),
        (
            np.zeros(1, dtype=[("x", float), ("y", int), ("t", int), ("p", int)]),
            "field 'x' must have an integer dtype",
        ),
    ],
)
def test_bin_events_rejects_invalid_events(events, message):
    with pytest.raises(ValueError) as info:
        bin_events(events, NMNIST_DEFAULT_CONFIG)
    assert message in str(info.value)
    with pytest.raises(ValueError):
        validate_events(events, NMNIST_DEFAULT_CONFIG)


def test_real_nmnist_sample_counts(nmnist_root):
    path = nmnist_root / "Train" / "0" / "00002.bin"
    ev = tonic.io.read_mnist_file(str(path), dtype=tonic.datasets.NMNIST.dtype)
    out = bin_events(ev, NMNIST_DEFAULT_CONFIG)
    assert out.shape == (25, 578)
    assert out.sum() == np.sum(ev["t"] < 300_000) > 1000
    assert np.all(out.sum(axis=1) > 0)  # the digit is seen in every 12 ms bin
    # polarity channels hold exactly the events of that polarity
    c0 = out.reshape(25, 2, 17, 17)[:, 0].sum()
    assert c0 == np.sum((ev["t"] < 300_000) & (ev["p"] == 0))


def test_max_count_clips_counts_and_changes_the_cache_key():
    import numpy as np

    from lava_stllr.data.binning import BinningConfig, bin_events

    dtype = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", np.int8)])
    events = np.array([(1, 1, 10, 0), (1, 1, 20, 0), (1, 1, 30, 0), (2, 2, 40, 1)], dtype)
    counts = BinningConfig(sensor_size=(4, 4, 2), n_time_bins=1, t_end_us=100, downsample=1)
    binary = BinningConfig(sensor_size=(4, 4, 2), n_time_bins=1, t_end_us=100, downsample=1,
                           max_count=1)
    assert bin_events(events, counts).max() == 3
    clipped = bin_events(events, binary)
    assert clipped.max() == 1 and clipped.sum() == 2
    assert counts.cache_key() != binary.cache_key()
    with pytest.raises(ValueError, match="max_count"):
        BinningConfig(max_count=0)
