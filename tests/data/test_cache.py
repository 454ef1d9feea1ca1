"""Disk cache of binned samples: hits skip reading, keys invalidate, corruption is handled."""

from __future__ import annotations

import os

import numpy as np
import pytest

from lava_stllr.data.binning import NMNIST_DEFAULT_CONFIG, BinningConfig
from lava_stllr.data.cache import BinnedCache
from lava_stllr.data.nmnist import CorruptEventFileError, NMNISTFolder


def npy_files(folder) -> list:
    return sorted(folder.rglob("*.npy"))


def test_second_access_hits_cache_without_reading(fake_nmnist_root, tmp_path, mnist_reads):
    cache_dir = tmp_path / "cache"
    ds = NMNISTFolder(fake_nmnist_root, cache_dir=cache_dir)
    first = [ds[i][0] for i in range(len(ds))]
    assert len(mnist_reads) == len(ds)
    assert len(npy_files(cache_dir)) == len(ds)
    assert (ds.cache.folder / "meta.json").is_file()

    again = NMNISTFolder(fake_nmnist_root, cache_dir=cache_dir)  # a fresh instance, same key
    second = [again[i] for i in range(len(again))]
    assert len(mnist_reads) == len(ds)  # no event file was read again
    for a, (b, _) in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)
        assert b.dtype == np.float32
    assert [lab for _, lab in second] == ds.labels.tolist()
    assert not list(cache_dir.rglob("*.tmp"))  # atomic writes leave no temporary file


def test_cached_equals_uncached(fake_nmnist_root, tmp_path):
    cached = NMNISTFolder(fake_nmnist_root, cache_dir=tmp_path / "c")
    plain = NMNISTFolder(fake_nmnist_root)
    for i in range(len(plain)):
        cached[i]
        np.testing.assert_array_equal(cached[i][0], plain[i][0])


def test_config_change_uses_another_folder(fake_nmnist_root, tmp_path, mnist_reads):
    cache_dir = tmp_path / "cache"
    a = NMNISTFolder(fake_nmnist_root, cache_dir=cache_dir)
    b = NMNISTFolder(fake_nmnist_root, config=BinningConfig(n_time_bins=10), cache_dir=cache_dir)
    a[0]
    b[0]
    assert len(mnist_reads) == 2  # b did not take a's entry
    assert a.cache.folder != b.cache.folder
    assert a.cache.folder.name.startswith(NMNIST_DEFAULT_CONFIG.cache_key())
    assert b[0][0].shape == (10, 578)
    assert len(mnist_reads) == 2


def test_other_dataset_does_not_share_entries(fake_nmnist_root, tmp_path, write_nmnist,
                                              mnist_reads):
    other = tmp_path / "other"
    write_nmnist(other / "Train" / "5" / "00001.bin", [1], [1], [10], [0])  # same key "5/00001"
    cache_dir = tmp_path / "cache"
    a = NMNISTFolder(fake_nmnist_root, cache_dir=cache_dir)
    b = NMNISTFolder(other, cache_dir=cache_dir)
    assert a[0][0].sum() != b[0][0].sum() == 1
    assert len(mnist_reads) == 2


def events_in_window(fake_sample_events) -> int:
    """Events of synthetic sample id 1 (30 events) inside the default 300 ms window."""
    _, _, t, _ = fake_sample_events(1, 30)
    return int(np.sum(t < 300_000))


def test_modified_source_file_is_rebinned(
    fake_nmnist_root, tmp_path, write_nmnist, mnist_reads, fake_sample_events
):
    ds = NMNISTFolder(fake_nmnist_root, cache_dir=tmp_path / "cache")
    assert ds[0][0].sum() == events_in_window(fake_sample_events)
    path = ds.files[0]
    write_nmnist(path, [0, 1, 2], [0, 0, 0], [0, 1, 2], [0, 0, 0])
    os.utime(path, ns=(1, 1))  # make the change visible even on coarse-mtime filesystems
    assert ds[0][0].sum() == 3
    assert len(mnist_reads) == 2


def test_corrupt_source_raises_and_writes_nothing(tmp_path, write_nmnist):
    bad = tmp_path / "data" / "Train" / "3" / "00005.bin"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"\x00" * 12)
    cache_dir = tmp_path / "cache"
    ds = NMNISTFolder(tmp_path / "data", cache_dir=cache_dir)
    with pytest.raises(CorruptEventFileError, match=str(bad)):
        ds[0]
    assert not cache_dir.exists()  # not even the cache folder was created


@pytest.mark.parametrize("damage", ["garbage", "truncated", "wrong_shape", "wrong_dtype", "nan"])
def test_corrupt_cache_entry_is_recomputed(fake_nmnist_root, tmp_path, mnist_reads, damage):
    ds = NMNISTFolder(fake_nmnist_root, cache_dir=tmp_path / "cache")
    good = ds[2][0]
    entry = ds.cache.path_for(ds.sample_key(2))
    assert entry.is_file()
    if damage == "garbage":
        entry.write_bytes(b"not a numpy file")
    elif damage == "truncated":
        entry.write_bytes(entry.read_bytes()[:100])
    elif damage == "wrong_shape":
        np.save(entry, np.zeros((3, 4), dtype=np.float32))
    elif damage == "wrong_dtype":
        np.save(entry, good.astype(np.float64))
    else:
        bad = good.copy()
        bad[0, 0] = np.nan
        np.save(entry, bad)
    assert len(mnist_reads) == 1
    again = ds[2][0]
    assert len(mnist_reads) == 2  # recomputed from the events
    np.testing.assert_array_equal(again, good)
    np.testing.assert_array_equal(np.load(entry), good)  # and the entry was repaired
    ds[2]
    assert len(mnist_reads) == 2


def test_failed_write_leaves_no_entry(fake_nmnist_root, tmp_path, monkeypatch, fake_sample_events):
    ds = NMNISTFolder(fake_nmnist_root, cache_dir=tmp_path / "cache")

    def failing_save(fh, arr):
        fh.write(b"\x93NUMPY partial")
        raise OSError("disk full")

    monkeypatch.setattr(np, "save", failing_save)
    with pytest.raises(OSError, match="disk full"):
        ds[0]
    assert npy_files(tmp_path / "cache") == []
    assert not list((tmp_path / "cache").rglob("*.tmp"))
    monkeypatch.undo()
    assert ds[0][0].sum() == events_in_window(fake_sample_events)
    assert len(npy_files(tmp_path / "cache")) == 1


def test_store_rejects_wrong_arrays(tmp_path):
    cache = BinnedCache(tmp_path, NMNIST_DEFAULT_CONFIG, "test")
    with pytest.raises(ValueError, match=r"float32 of shape \(25, 578\)"):
        cache.store("a", np.zeros((25, 577), dtype=np.float32))
    with pytest.raises(ValueError, match="float32"):
        cache.store("a", np.zeros((25, 578)))
    assert cache.load("a") is None
    cache.store("a/b", np.ones((25, 578), dtype=np.float32))
    cache.store("a_b", np.zeros((25, 578), dtype=np.float32))  # same sanitised name
    assert cache.load("a/b").sum() == 25 * 578 and cache.load("a_b").sum() == 0


def test_cache_hit_on_real_data(nmnist_root, tmp_path, mnist_reads):
    ds = NMNISTFolder(nmnist_root, cache_dir=tmp_path / "cache")
    x = [ds[i][0] for i in (0, 500, 999)]
    y = [ds[i][0] for i in (0, 500, 999)]
    assert len(mnist_reads) == 3
    for a, b in zip(x, y, strict=True):
        np.testing.assert_array_equal(a, b)
