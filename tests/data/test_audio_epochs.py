"""Random warps drawn anew every epoch: the fast batched path equals the per-recording one,
the draws are seeded, and bad ranges are refused."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.audio import AudioFrontEnd, spike_events, spike_trains
from lava_stllr.data.audio_augment import LevelWarp, warp_levels
from lava_stllr.data.audio_epochs import (
    FreshWarps,
    WarpRanges,
    batched_spike_trains,
    bin_spike_frames,
)
from lava_stllr.data.binning import bin_events
from lava_stllr.data.dataset import ArrayDataset, epoch_data
from lava_stllr.data.heidelberg_digits import audio_binning


def _levels(rng: np.random.Generator, n_channels: int, n_frames: int) -> np.ndarray:
    return np.clip(rng.random((n_channels, n_frames)) * 1.2 - 0.1, 0.0, 1.0)


@pytest.mark.parametrize("integrator", [False, True])
def test_batched_spike_trains_equal_one_recording_at_a_time(integrator: bool) -> None:
    rng = np.random.default_rng(0)
    front_end = AudioFrontEnd(n_channels=6, integrator=integrator)
    levels = [_levels(rng, 6, n) for n in (40, 173, 1, 90)]
    batched = batched_spike_trains(levels, front_end)
    for lev, spikes in zip(levels, batched, strict=True):
        np.testing.assert_array_equal(spikes, spike_trains(lev, front_end))
    assert sum(int(s.sum()) for s in batched) > 0


@pytest.mark.parametrize("binning", [audio_binning(4, populations=2),
                                     audio_binning(4, 25, max_count=None, populations=2),
                                     audio_binning(4, 7, window_ms=333, max_count=2,
                                                   populations=2)])
def test_binning_spike_frames_equals_binning_their_events(binning) -> None:
    rng = np.random.default_rng(1)
    front_end = AudioFrontEnd(n_channels=4, integrator=True)
    for n_frames in (1, 999, 1000, 1001, 1500):
        spikes = rng.random((n_frames, 8)) < 0.3
        np.testing.assert_array_equal(bin_spike_frames(spikes, front_end, binning),
                                      bin_events(spike_events(spikes, front_end), binning))


def test_gain_and_tilt_move_levels_in_decibels() -> None:
    levels = np.full((5, 3), 0.5)
    louder = warp_levels(levels, LevelWarp(gain_db=5.0), dynamic_range_db=50.0)
    np.testing.assert_allclose(louder, 0.6)
    tilted = warp_levels(levels, LevelWarp(tilt_db=10.0), dynamic_range_db=50.0)
    np.testing.assert_allclose(tilted[:, 0], [0.4, 0.45, 0.5, 0.55, 0.6])
    clipped = warp_levels(levels, LevelWarp(gain_db=30.0), dynamic_range_db=20.0)
    assert clipped.max() == 1.0
    assert LevelWarp(1.1, 1.0, -2.5, 4.0).key == "t1.1f1g-2.5s4"
    assert not LevelWarp(gain_db=1.0).is_identity


def test_draws_are_uniform_in_their_ranges_and_seeded() -> None:
    ranges = WarpRanges(copies=2, stretch=0.2, shift=2.0, gain_db=5.0, tilt_db=8.0)
    warps = ranges.draw(np.random.default_rng([7, 0]), 2000)
    stretch, shift, gain, tilt = (np.array([getattr(w, k) for w in warps]) for k in
                                  ("time_stretch", "channel_shift", "gain_db", "tilt_db"))
    for values, r, centre in ((stretch, 0.2, 1.0), (shift, 2.0, 0.0), (gain, 5.0, 0.0),
                              (tilt, 8.0, 0.0)):
        assert np.abs(values - centre).max() <= r and np.abs(values - centre).max() > 0.9 * r
    again = ranges.draw(np.random.default_rng([7, 0]), 2000)
    assert again == warps


@pytest.mark.parametrize(("changes", "message"), [
    ({"copies": 0}, "copies"), ({"stretch": 0.6}, "stretch"), ({"shift": -1.0}, "shift"),
    ({"gain_db": float("nan")}, "gain_db"), ({"tilt_db": 31.0}, "tilt_db")])
def test_bad_ranges_are_refused(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WarpRanges(**changes)


def test_fresh_warps_need_a_heidelberg_digits_folder() -> None:
    data = ArrayDataset(np.zeros((2, 3, 4), np.float32), np.array([0, 1]), 2)
    with pytest.raises(ValueError, match="warp recordings of a Heidelberg Digits folder"):
        FreshWarps(data, WarpRanges(), seed=0)


def test_epoch_data_asks_a_changing_set_for_its_epoch() -> None:
    data = ArrayDataset(np.zeros((2, 3, 4), np.float32), np.array([0, 1]), 2)
    assert epoch_data(data, 5) is data

    class Changing:
        def for_epoch(self, epoch: int) -> int:
            return epoch * 10

    assert epoch_data(Changing(), 3) == 30


def test_a_trainer_trains_each_epoch_on_that_epochs_samples() -> None:
    from lava_stllr.params import STLLRParams
    from lava_stllr.reference.stllr import STLLRTrainer
    from lava_stllr.spec.network import NetworkSpec

    rng = np.random.default_rng(0)
    sets = [ArrayDataset((rng.random((8, 5, 6)) < 0.3).astype(np.float32),
                         np.arange(8) % 2, 2) for _ in range(3)]

    class Changing(ArrayDataset):
        asked: list[int] = []

        def for_epoch(self, epoch: int) -> ArrayDataset:
            self.asked.append(epoch)
            return sets[epoch]

    changing = Changing(sets[0].spikes, sets[0].labels, 2)
    params = STLLRParams(lr=0.1)

    def trainer() -> STLLRTrainer:
        return STLLRTrainer(NetworkSpec((6, 4, 2)), params, seed=0)

    changed, after_first = trainer(), []
    changed.fit(changing, epochs=3, batch_size=4, progress=False,
                on_epoch=lambda h: after_first.append(changed.weights.copy()))
    assert changing.asked == [0, 1, 2]
    first_only = trainer()
    first_only.fit(sets[0], epochs=1, batch_size=4, progress=False)
    for a, b in zip(after_first[0].arrays(), first_only.weights.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    constant = trainer()
    constant.fit(sets[0], epochs=3, batch_size=4, progress=False)
    assert not all(np.array_equal(a, b) for a, b in
                   zip(changed.weights.arrays(), constant.weights.arrays(), strict=True))


def test_fresh_warps_of_a_folder_are_the_recordings_then_seeded_new_copies(tmp_path,
                                                                           write_digits):
    from lava_stllr.data import registry
    from lava_stllr.data.fingerprint import data_files

    root = write_digits(tmp_path, speakers=(0, 1, 2, 3))
    plain, _ = registry.load_train_val("heidelberg-digits",
                                       registry.DataRequest(root=root, n_val=6))
    ranges = WarpRanges(copies=2)
    train = FreshWarps(plain, ranges, seed=3)
    n = len(plain)
    assert len(train) == 3 * n and train.n_inputs == plain.n_inputs
    assert np.array_equal(train.labels, np.tile(plain.labels, 3))
    assert data_files(train) == data_files(plain)  # the recordings, once each
    assert registry.groups_in("heidelberg-digits", train) == [0, 1, 2]
    first, second = train.for_epoch(0), train.for_epoch(1)
    for i in range(n):  # every epoch starts with the recordings themselves
        np.testing.assert_array_equal(first[i][0], plain[i][0])
        np.testing.assert_array_equal(second[i][0], plain[i][0])
        x, y = train[i]  # read without building an epoch
        np.testing.assert_array_equal(x, plain[i][0])
        assert y == plain[i][1]
    assert not np.array_equal(first.spikes[n:], second.spikes[n:])  # drawn anew
    np.testing.assert_array_equal(train[n + 1][0], first[n + 1][0])  # indexing: epoch 0
    again = FreshWarps(plain, ranges, seed=3)
    np.testing.assert_array_equal(again.for_epoch(1).spikes, second.spikes)  # seeded
    other = FreshWarps(plain, ranges, seed=4)
    assert not np.array_equal(other.for_epoch(1).spikes, second.spikes)
    # Each copy is its recording's levels warped, spiked and binned as the folder does it.
    binned, warps = train.warped(1)
    source = train.source
    for k in (0, n + 2):
        i = k % n
        levels = warp_levels(train.levels()[i], warps[k], 50.0)
        expected = bin_events(spike_events(spike_trains(levels, source.front_end),
                                           source.front_end), source.config)
        np.testing.assert_array_equal(binned[k], expected)
    with pytest.raises(ValueError, match="warp recordings of a Heidelberg Digits folder"):
        FreshWarps(train, ranges, seed=0)


def test_spiking_in_chunks_changes_no_bit(tmp_path, write_digits, monkeypatch):
    from lava_stllr.data import audio_epochs, registry

    root = write_digits(tmp_path, speakers=(0, 1))
    plain, _ = registry.load_train_val("heidelberg-digits",
                                       registry.DataRequest(root=root, n_val=6))
    whole = FreshWarps(plain, WarpRanges(copies=2), seed=1).warped(2)[0]
    monkeypatch.setattr(audio_epochs, "CHUNK", 5)
    assert 2 * len(plain) > 5
    np.testing.assert_array_equal(FreshWarps(plain, WarpRanges(copies=2), seed=1)
                                  .warped(2)[0], whole)
