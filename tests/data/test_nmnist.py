"""N-MNIST folder reader: listing order, labels, laziness, errors, the train/val split."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.binning import NMNIST_DEFAULT_CONFIG, BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.dataset import SpikeDataset, iter_batches
from lava_stllr.data.nmnist import (
    CorruptEventFileError,
    NMNISTFolder,
    load_nmnist_subset,
    read_nmnist_events,
)

#: Labels of the first 20 MNIST training digits (= N-MNIST Train ids 00001-00020).
MNIST_TRAIN_FIRST_LABELS = [5, 0, 4, 1, 9, 2, 1, 3, 1, 4, 3, 5, 3, 6, 1, 7, 2, 8, 6, 9]


def test_listing_order_labels_and_interface(fake_nmnist_root, fake_samples, mnist_reads):
    ds = NMNISTFolder(fake_nmnist_root, "Train")
    assert mnist_reads == []  # construction only lists files
    order = sorted(fake_samples)
    assert ds.sample_ids == [f"{i:05d}" for i, _, _ in order]
    assert ds.labels.tolist() == [d for _, d, _ in order]
    assert len(ds) == len(fake_samples)
    assert (ds.n_steps, ds.n_inputs, ds.n_classes) == (25, 578, 10)
    assert isinstance(ds, SpikeDataset)
    spikes, label = ds[0]
    assert len(mnist_reads) == 1 and mnist_reads[0].endswith("5/00001.bin")
    assert label == 5 and isinstance(label, int)
    assert spikes.shape == (25, 578) and spikes.dtype == np.float32


def test_binned_values_match_written_events(fake_nmnist_root, fake_samples, fake_sample_events):
    ds = NMNISTFolder(
        fake_nmnist_root, config=BinningConfig(downsample=1, n_time_bins=32, t_end_us=320_000)
    )
    for i, (sample_id, _, n) in enumerate(sorted(fake_samples)):
        x, y, t, p = fake_sample_events(sample_id, n)
        expected = np.zeros((32, 2, 34, 34))
        np.add.at(expected, (t // 10_000, p, y, x), 1)
        spikes, _ = ds[i]
        np.testing.assert_array_equal(spikes, expected.reshape(32, -1))
    assert ds[-1][1] == ds[len(ds) - 1][1]
    with pytest.raises(IndexError):
        ds[len(ds)]


def test_accepts_tonic_save_to_folder(fake_nmnist_root, tmp_path):
    (tmp_path / "saved").mkdir()
    fake_nmnist_root.rename(tmp_path / "saved" / "NMNIST")
    ds = NMNISTFolder(tmp_path / "saved")
    assert len(ds) == 6


def test_missing_folder_names_it_and_says_how_to_get_data(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        NMNISTFolder(tmp_path / "nowhere", "Test")
    msg = str(info.value)
    assert str(tmp_path / "nowhere" / "Test") in msg
    assert "garrickorchard.com" in msg and "Download" in msg


def test_folder_without_samples(tmp_path):
    (tmp_path / "Train" / "3").mkdir(parents=True)
    (tmp_path / "Train" / "3" / "readme.txt").write_text("not a sample")
    with pytest.raises(FileNotFoundError, match="no N-MNIST files found in"):
        NMNISTFolder(tmp_path)


def test_bad_arguments(fake_nmnist_root):
    with pytest.raises(ValueError, match="split must be one of"):
        NMNISTFolder(fake_nmnist_root, "train")
    with pytest.raises(ValueError, match=r"sensor_size must be \(34, 34, 2\)"):
        NMNISTFolder(fake_nmnist_root, config=BinningConfig(sensor_size=(128, 128, 2)))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\x01\x02\x03\x04\x05\x06\x07", "7 bytes is not a multiple of 5"),
        (bytes([1, 240, 0, 0, 5]), "holds no events"),  # only a timestamp-overflow marker
    ],
)
def test_corrupt_file_names_the_file(tmp_path, write_nmnist, content, message):
    write_nmnist(tmp_path / "Train" / "1" / "00001.bin", [1], [2], [3], [0])
    bad = tmp_path / "Train" / "4" / "00002.bin"
    bad.parent.mkdir()
    bad.write_bytes(content)
    ds = NMNISTFolder(tmp_path)
    assert ds[0][1] == 1
    with pytest.raises(CorruptEventFileError) as info:
        ds[1]
    assert str(bad) in str(info.value) and message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_out_of_range_events_name_the_file(tmp_path, write_nmnist):
    bad = write_nmnist(tmp_path / "Train" / "2" / "00007.bin", [10, 50], [3, 3], [1, 2], [0, 1])
    with pytest.raises(ValueError) as info:
        NMNISTFolder(tmp_path)[0]
    assert str(bad) in str(info.value) and "event x must be in [0, 34)" in str(info.value)


def test_subset_split_on_synthetic_data(fake_nmnist_root):
    train, val = load_nmnist_subset(fake_nmnist_root, n_train=3, n_val=2)
    # first 5 by id: ids 1, 2, 3, 4, 10 with labels 5, 0, 7, 9, 0; 3 of 5 to training:
    # class 0 gets floor(1.2) = 1, the two largest remainders (classes 5 and 7, stable) 1 each
    assert train.indices.tolist() == [0, 1, 2] and val.indices.tolist() == [3, 4]
    assert train.labels.tolist() == [5, 0, 7] and val.labels.tolist() == [9, 0]
    assert len(train) == 3 and len(val) == 2
    assert train.n_inputs == val.n_inputs == NMNIST_DEFAULT_CONFIG.n_inputs
    with pytest.raises(ValueError, match="exceeds the 6 samples"):
        load_nmnist_subset(fake_nmnist_root, n_train=5, n_val=2)


def test_real_data_order_and_known_labels(nmnist_root, mnist_reads):
    ds = NMNISTFolder(nmnist_root, "Train")
    assert len(ds) == 1000 and mnist_reads == []
    assert ds.sample_ids[:3] == ["00001", "00002", "00003"] and ds.sample_ids[-1] == "01000"
    assert ds.labels[:20].tolist() == MNIST_TRAIN_FIRST_LABELS
    for digit in range(10):
        n_files = len(list((nmnist_root / "Train" / str(digit)).glob("*.bin")))
        assert np.sum(ds.labels == digit) == n_files
    spikes, label = ds[1]  # Train/0/00002.bin
    assert label == 0
    events = read_nmnist_events(nmnist_root / "Train" / "0" / "00002.bin")
    assert spikes.sum() == np.sum(events["t"] < 300_000)
    assert mnist_reads[-1].endswith("00002.bin")


def test_real_data_stratified_split(nmnist_root):
    train, val = load_nmnist_subset(nmnist_root, n_train=800, n_val=200)
    assert len(train) == 800 and len(val) == 200
    both = np.concatenate([train.indices, val.indices])
    assert np.array_equal(np.sort(both), np.arange(1000))
    counts = np.bincount(np.concatenate([train.labels, val.labels]), minlength=10)
    train_counts = np.bincount(train.labels, minlength=10)
    assert np.all(np.abs(train_counts - 0.8 * counts) < 1)
    for digit in range(10):  # each class keeps its earliest samples for training
        assert train.indices[train.labels == digit].max() < val.indices[val.labels == digit].min()
    x, y = next(iter_batches(val, batch_size=4))
    assert x.shape == (4, 25, 578) and y.tolist() == val.labels[:4].tolist()
    small = materialize(val, range(5))
    assert small.spikes.shape == (5, 25, 578) and small.n_classes == 10
    np.testing.assert_array_equal(small.spikes[2], val[2][0])
