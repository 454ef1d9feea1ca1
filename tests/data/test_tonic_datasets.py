"""DVS Gesture and SHD wrappers: clear errors without data, never any download, and the
reading path on tiny synthetic files laid out like the real datasets."""

from __future__ import annotations

import socket
import urllib.request

import h5py
import numpy as np
import pytest
import tonic
import tonic.dataset
import tonic.download_utils

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.dataset import SpikeDataset
from lava_stllr.data.gesture_synthetic import write_gesture_file
from lava_stllr.data.tonic_datasets import DVSGestureDataset, SHDDataset


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Fail the test if anything tries to download or open a network connection."""
    attempts: list[str] = []

    def forbidden(name):
        def fail(*args, **kwargs):
            attempts.append(name)
            raise AssertionError(f"network access attempted via {name}")

        return fail

    monkeypatch.setattr(urllib.request, "urlopen", forbidden("urllib.request.urlopen"))
    monkeypatch.setattr(socket.socket, "connect", forbidden("socket.connect"))
    for name in ("download_url", "download_and_extract_archive", "_urlretrieve"):
        monkeypatch.setattr(tonic.download_utils, name, forbidden(name))
    monkeypatch.setattr(tonic.dataset, "download_and_extract_archive", forbidden("tonic.dataset"))
    monkeypatch.setattr(tonic.dataset.Dataset, "download", forbidden("Dataset.download"))
    yield attempts
    assert attempts == []


# ---------------------------------------------------------------- missing data


@pytest.mark.parametrize(
    ("train", "folder"), [(True, "ibmGestureTrain"), (False, "ibmGestureTest")]
)
def test_dvsgesture_missing_gives_clear_error(tmp_path, train, folder):
    with pytest.raises(FileNotFoundError) as info:
        DVSGestureDataset(tmp_path, train=train)
    msg = str(info.value)
    assert str(tmp_path / "DVSGesture" / folder) in msg
    assert "download" in msg and "figshare" in msg and "never downloads" in msg


def test_dvsgesture_unextracted_archive(tmp_path):
    (tmp_path / "DVSGesture").mkdir()
    (tmp_path / "DVSGesture" / "ibmGestureTrain.tar.gz").write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="present but not extracted"):
        DVSGestureDataset(tmp_path)


@pytest.mark.parametrize(("train", "name"), [(True, "shd_train.h5"), (False, "shd_test.h5")])
def test_shd_missing_gives_clear_error(tmp_path, train, name):
    with pytest.raises(FileNotFoundError) as info:
        SHDDataset(tmp_path, train=train)
    msg = str(info.value)
    assert str(tmp_path / "SHD" / name) in msg
    assert f"zenkelab.org/datasets/{name}.zip" in msg and "never downloads" in msg


def test_shd_unextracted_archive(tmp_path):
    (tmp_path / "SHD").mkdir()
    (tmp_path / "SHD" / "shd_test.h5.zip").write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match="present but not extracted"):
        SHDDataset(tmp_path, train=False)


def test_wrong_sensor_size_is_rejected(tmp_path):
    with pytest.raises(ValueError, match=r"sensor_size must be \(700, 1, 1\) for SHD"):
        SHDDataset(tmp_path, config=BinningConfig())
    with pytest.raises(ValueError, match=r"sensor_size must be \(128, 128, 2\)"):
        DVSGestureDataset(tmp_path, config=BinningConfig())


def test_tonic_itself_would_download(tmp_path, no_network):
    """Guard check: without the wrappers, tonic goes for the network (caught here)."""
    with pytest.raises(AssertionError, match="network access attempted"):
        tonic.datasets.SHD(str(tmp_path))
    assert no_network == ["Dataset.download"]
    no_network.clear()


# ---------------------------------------------------------------- synthetic DVS Gesture


def write_gesture(path, x, y, p, t_ms):
    """A DVS Gesture recording as tonic's release stores it: (N, 4) columns x, y, p, t (ms)
    (the package's writer, which the synthetic clips use too)."""
    write_gesture_file(path, x, y, p, t_ms)


def test_dvsgesture_reads_synthetic_layout(tmp_path):
    folder = tmp_path / "DVSGesture" / "ibmGestureTrain"
    write_gesture(folder / "user02_led" / "5.npy", [0, 127], [0, 127], [1, 0], [0, 1499])
    write_gesture(
        folder / "user01_fluorescent" / "3.npy", [4, 8, 9], [0, 0, 0], [0, 0, 1], [10, 60, 2000]
    )
    write_gesture(folder / "user01_fluorescent" / "10.npy", [1], [2], [1], [100])
    cfg = BinningConfig(sensor_size=(128, 128, 2), n_time_bins=30, t_end_us=1_500_000, downsample=4)
    ds = DVSGestureDataset(tmp_path, config=cfg)
    assert isinstance(ds, SpikeDataset)
    assert len(ds) == 3 and ds.n_classes == 11 and (ds.n_steps, ds.n_inputs) == (30, 2048)
    assert [f.name for f in ds.files] == ["10.npy", "3.npy", "5.npy"]  # sorted by path
    assert ds.labels.tolist() == [10, 3, 5] and ds.users.tolist() == [1, 1, 2]
    spikes, label = ds[1]
    assert label == 3 and spikes.shape == (30, 2048) and spikes.dtype == np.float32
    # ms -> us; 50 ms bins; x // 4; t = 2000 ms is outside the 1.5 s window
    assert spikes.sum() == 2 and spikes[0, 1] == 1 and spikes[1, 2] == 1
    spikes, _ = ds[2]
    assert spikes[0, 1024] == 1 and spikes[29, 31 * 32 + 31] == 1 and spikes.sum() == 2
    same = DVSGestureDataset(tmp_path / "DVSGesture", config=cfg)  # the folder itself
    np.testing.assert_array_equal(same[2][0], spikes)


def test_dvsgesture_corrupt_file_named(tmp_path):
    bad = tmp_path / "DVSGesture" / "ibmGestureTest" / "user03_led" / "1.npy"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"garbage")
    ds = DVSGestureDataset(tmp_path, train=False)
    with pytest.raises(ValueError, match=str(bad)):
        ds[0]


def test_cache_hit_skips_reading(tmp_path, monkeypatch):
    write_gesture(
        tmp_path / "DVSGesture" / "ibmGestureTrain" / "user01_led" / "0.npy", [3], [3], [0], [5]
    )
    write_shd(tmp_path / "SHD" / "shd_train.h5", [([0.1], [7])], labels=[2])
    calls = []
    for cls in (DVSGestureDataset, SHDDataset):
        real = cls.read_events

        def counting(self, i, real=real):
            calls.append(type(self).__name__)
            return real(self, i)

        monkeypatch.setattr(cls, "read_events", counting)
    for cls in (DVSGestureDataset, SHDDataset):
        ds = cls(tmp_path, cache_dir=tmp_path / "cache")
        first = ds[0][0]
        assert first.sum() == 1
        np.testing.assert_array_equal(cls(tmp_path, cache_dir=tmp_path / "cache")[0][0], first)
    assert calls == ["DVSGestureDataset", "SHDDataset"]


# ---------------------------------------------------------------- synthetic SHD


def write_shd(path, samples, labels):
    """An SHD-style file: vlen spike times (s) and units per sample, labels, extra info."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        times = f.create_dataset("spikes/times", (len(samples),), dtype=h5py.vlen_dtype(np.float32))
        units = f.create_dataset("spikes/units", (len(samples),), dtype=h5py.vlen_dtype(np.uint16))
        for i, (t, u) in enumerate(samples):
            times[i] = np.asarray(t, dtype=np.float32)
            units[i] = np.asarray(u, dtype=np.uint16)
        f["labels"] = np.asarray(labels, dtype=np.uint16)
        f["extra/keys"] = np.array([f"k{i}".encode() for i in range(20)])
        f["extra/speaker"] = np.zeros(len(samples), dtype=np.uint16)


def test_shd_reads_synthetic_file(tmp_path):
    samples = [
        ([0.0, 0.0125, 0.5, 1.2], [0, 699, 350, 10]),
        ([0.3, 0.1], [5, 6]),  # unsorted: sorted before binning
    ]
    write_shd(tmp_path / "SHD" / "shd_train.h5", samples, labels=[19, 4])
    ds = SHDDataset(tmp_path)
    assert len(ds) == 2 and ds.labels.tolist() == [19, 4] and ds.n_classes == 20
    assert (ds.n_steps, ds.n_inputs) == (100, 700)
    spikes, label = ds[0]
    assert label == 19 and spikes.dtype == np.float32
    assert spikes[0, 0] == 1 and spikes[1, 699] == 1 and spikes[50, 350] == 1
    assert spikes.sum() == 3  # 1.2 s is outside the first second
    spikes, label = ds[1]
    assert label == 4 and spikes[30, 5] == 1 and spikes[10, 6] == 1 and spikes.sum() == 2
    unmerged = SHDDataset(
        tmp_path / "SHD",
        config=BinningConfig(
            sensor_size=(700, 1, 1), n_time_bins=4, t_end_us=1_000_000, downsample=1
        ),
    )
    assert unmerged[1][0].sum() == 2 and unmerged[1][0].shape == (4, 700)


@pytest.mark.parametrize("dropped", ["extra/keys", "extra/speaker", "spikes/units"])
def test_shd_file_without_a_dataset_tonic_reads_is_one_line_naming_both(
        tmp_path, dropped, capsys):
    # tonic's SHD reads extra/keys and extra/speaker when opened: a KeyError traceback.
    path = tmp_path / "SHD" / "shd_train.h5"
    write_shd(path, [([0.0, 0.5], [1, 2])], labels=[3])
    with h5py.File(path, "a") as f:
        del f[dropped]
    with pytest.raises(ValueError) as info:
        SHDDataset(tmp_path)
    assert str(info.value).startswith(f"SHD file {path} lacks the dataset {dropped!r} (")
    from lava_stllr.cli import main

    assert main(["train", "--dataset", "shd", "--data-dir", str(tmp_path), "--backend",
                 "reference", "--quiet", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lava-stllr: error: SHD file {path} lacks the dataset {dropped!r}")
    assert "\n" not in err
