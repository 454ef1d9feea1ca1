"""Heidelberg Digits folders: names, labels, splits by speaker, speaker hold-out, cache."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data import registry
from lava_stllr.data.dataset import group_split
from lava_stllr.data.heidelberg_digits import HeidelbergDigitsFolder, audio_binning, parse_name


def test_labels_and_speakers_come_from_the_names(tmp_path):
    from pathlib import Path

    assert parse_name(Path("lang-english_speaker-07_trial-3_digit-4.flac")) == (4, 7)
    assert parse_name(Path("lang-german_speaker-11_trial-0_digit-9.flac")) == (19, 11)
    with pytest.raises(ValueError, match="digit_4.flac is not named"):
        parse_name(Path("digit_4.flac"))


def test_splits_follow_shd_speakers(tmp_path, write_digits):
    root = write_digits(tmp_path, speakers=(0, 4, 5, 6))
    train = HeidelbergDigitsFolder(root, "train")
    test = HeidelbergDigitsFolder(root, "test")
    everything = HeidelbergDigitsFolder(root / "audio", "all")
    assert set(train.speakers) == {0, 6} and set(test.speakers) == {4, 5}
    assert len(everything) == len(train) + len(test) == 24
    assert sorted(set(everything.labels)) == [0, 1, 2, 10, 11, 12]
    spikes, label = train[0]
    assert spikes.shape == (100, 32) and spikes.max() == 1.0 and label == train.labels[0]


def test_bad_folders_are_refused_with_the_reason(tmp_path, write_digits):
    with pytest.raises(FileNotFoundError, match="no Heidelberg Digits recordings found"):
        HeidelbergDigitsFolder(tmp_path)
    root = write_digits(tmp_path / "d", speakers=(0,))
    odd = root / "audio" / "recording-1.flac"
    (root / "audio" / "lang-english_speaker-00_trial-0_digit-0.flac").rename(odd)
    with pytest.raises(ValueError, match="recording-1.flac is not named"):
        HeidelbergDigitsFolder(root)
    odd.unlink()
    with pytest.raises(ValueError, match="no recordings of the test split"):
        HeidelbergDigitsFolder(root, "test")
    with pytest.raises(ValueError, match="split"):
        HeidelbergDigitsFolder(root, "validation")


def test_a_file_that_is_not_audio_is_named(tmp_path, write_digits):
    root = write_digits(tmp_path, speakers=(0,))
    (root / "audio" / "lang-english_speaker-00_trial-0_digit-1.flac").write_bytes(b"oops")
    # Found when the folder is opened, before any training.
    with pytest.raises(ValueError, match="digit-1.flac is not a readable sound file"):
        HeidelbergDigitsFolder(root)


def test_held_out_recordings_come_from_unseen_speakers(tmp_path, write_digits):
    root = write_digits(tmp_path, speakers=(0, 1, 2, 3))
    request = registry.DataRequest(root=root, n_val=6)
    train, val = registry.load_train_val("heidelberg-digits", request)
    assert registry.groups_in("heidelberg-digits", val) == [3]
    assert registry.groups_in("heidelberg-digits", train) == [0, 1, 2]
    assert len(train) == 18 and len(val) == 6
    # More than one speaker's worth: the next speaker down is held out too, n_val kept.
    train, val = registry.load_train_val("heidelberg-digits",
                                         registry.DataRequest(root=root, n_val=8, n_train=10))
    assert registry.groups_in("heidelberg-digits", val) == [2, 3] and len(val) == 8
    assert set(registry.groups_in("heidelberg-digits", train)) <= {0, 1} and len(train) == 10
    with pytest.raises(ValueError, match="would take every one of its 4 groups"):
        registry.load_train_val("heidelberg-digits", registry.DataRequest(root=root, n_val=20))
    with pytest.raises(ValueError, match="without its held-out speakers: asked for 19"):
        registry.load_train_val("heidelberg-digits",
                                registry.DataRequest(root=root, n_val=6, n_train=19))


def test_augmentation_adds_warped_copies_of_training_recordings_only(tmp_path, write_digits):
    from lava_stllr.data.audio_augment import DEFAULT_WARPS
    from lava_stllr.data.fingerprint import data_files, underlying
    from lava_stllr.data.heidelberg_digits import augmented

    root = write_digits(tmp_path, speakers=(0, 1, 2, 3))
    request = registry.DataRequest(root=root, n_val=6, augment=True)
    train, val = registry.load_train_val("heidelberg-digits", request)
    plain, plain_val = registry.load_train_val("heidelberg-digits",
                                               registry.DataRequest(root=root, n_val=6))
    copies = 1 + len(DEFAULT_WARPS)
    assert len(train) == copies * len(plain) and len(val) == len(plain_val) == 6
    assert np.array_equal(train.labels, np.tile(plain.labels, copies))
    assert registry.groups_in("heidelberg-digits", train) == [0, 1, 2]
    assert sorted(set(data_files(train))) == sorted(set(data_files(plain)))
    source, _ = underlying(val)
    assert len(source.warps) == 1  # the held-out recordings as they are
    for i in range(len(plain)):  # the first copy is the recording itself
        np.testing.assert_array_equal(train[i][0], plain[i][0])
    warped = [train[len(plain) * k][0] for k in range(copies)]
    assert all(not np.array_equal(warped[0], w) for w in warped[1:])
    folder, _ = underlying(train)
    keys = {folder.sample_key(i) for i in range(len(folder))}
    assert len(keys) == len(folder)  # each copy cached apart
    assert "(warped t0.9)" in folder.describe(folder.n_recordings)
    with pytest.raises(ValueError, match="warps recordings of a Heidelberg Digits folder"):
        augmented(train)
    with pytest.raises(ValueError, match="dataset 'dvsgesture' has no augmentation"):
        registry.load_train_val("dvsgesture", registry.DataRequest(root=root, augment=True))


def test_the_group_split_keeps_speakers_apart():
    groups = np.repeat([0, 1, 2, 3], 5)
    labels = np.tile(np.arange(5), 4)
    train, val = group_split(groups, labels, 7, "x")
    assert set(groups[val]) == {2, 3} and len(val) == 7
    assert set(groups[train]) == {0, 1}
    assert not set(train) & set(val)


def test_converted_spikes_are_cached(tmp_path, write_digits, monkeypatch):
    from lava_stllr.data import heidelberg_digits

    root = write_digits(tmp_path / "d", speakers=(0,))
    first = HeidelbergDigitsFolder(root, cache_dir=tmp_path / "cache")
    a = [first[i][0] for i in range(len(first))]

    def no_conversion(*args, **kwargs):
        raise AssertionError("converted again")

    monkeypatch.setattr(heidelberg_digits, "encode_file", no_conversion)
    again = HeidelbergDigitsFolder(root, cache_dir=tmp_path / "cache")
    for i, spikes in enumerate(a):
        np.testing.assert_array_equal(again[i][0], spikes)
    other = HeidelbergDigitsFolder(root, config=audio_binning(16), cache_dir=tmp_path / "cache")
    with pytest.raises(AssertionError, match="converted again"):
        other[0]


def test_the_real_recordings(heidelberg_digits_root):
    train = HeidelbergDigitsFolder(heidelberg_digits_root, "train")
    assert len(train) == 2000
    assert np.array_equal(np.bincount(train.labels), np.full(20, 100))
    assert sorted(set(train.speakers)) == [0, 1, 2, 3, 6, 7, 8, 9, 10, 11]
    spikes, _ = train[0]
    # A spoken word: many channels fire, most bins stay silent.
    assert (spikes.sum(0) > 0).sum() > 16 and 0.01 < spikes.mean() < 0.5
