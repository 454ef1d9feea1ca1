"""Atomic, versioned weight files: round trip, corrupt and interrupted writes."""

import json

import numpy as np
import pytest

from lava_stllr import files as io


def test_round_trip_is_exact(tmp_path):
    arrays = {"w": np.random.default_rng(0).normal(size=(3, 4)), "b": np.arange(3)}
    path = io.save_arrays(tmp_path / "a.npz", arrays, {"lr": 0.1})
    loaded, meta = io.load_arrays(path)
    assert meta == {"lr": 0.1}
    for key, value in arrays.items():
        assert loaded[key].tobytes() == value.tobytes()


def test_truncated_file_is_rejected_naming_the_file(tmp_path):
    path = io.save_arrays(tmp_path / "a.npz", {"w": np.ones((50, 50))}, {})
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="a.npz is not a valid lava-stllr weights file"):
        io.load_arrays(path)


def test_foreign_npz_and_future_versions_are_rejected(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    with pytest.raises(ValueError, match="plain.npz"):
        io.load_arrays(tmp_path / "plain.npz")
    header = {"magic": "lava-stllr-weights", "format_version": 99, "meta": {}}
    np.savez(tmp_path / "future.npz",
             header=np.frombuffer(json.dumps(header).encode(), np.uint8))
    with pytest.raises(ValueError, match="format version 99"):
        io.load_arrays(tmp_path / "future.npz")
    with pytest.raises(FileNotFoundError):
        io.load_arrays(tmp_path / "missing.npz")


def test_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = io.save_arrays(tmp_path / "a.npz", {"w": np.zeros(2)}, {"v": 1})

    def crash(fileobj):
        fileobj.write(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        io.atomic_write(path, crash)
    loaded, meta = io.load_arrays(path)
    assert meta == {"v": 1} and not loaded["w"].any()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npz"]


def test_written_files_are_readable_by_others(tmp_path):
    path = io.save_json(tmp_path / "run.json", {"acc": 0.5})
    assert path.stat().st_mode & 0o044 == 0o044 or path.stat().st_mode & 0o004 == 0
    assert json.loads(path.read_text())["format_version"] == io.FORMAT_VERSION


def test_atomic_write_can_hand_a_reading_writer_its_file(tmp_path):
    from lava_stllr.files import atomic_write

    def write_and_read_back(fh):
        fh.write(b"abc")
        fh.seek(0)
        assert fh.read() == b"abc"

    atomic_write(tmp_path / "f", write_and_read_back, mode="w+b")
    assert (tmp_path / "f").read_bytes() == b"abc"
    with pytest.raises(ValueError, match="mode must be 'wb' or 'w\\+b'"):
        atomic_write(tmp_path / "g", lambda fh: None, mode="ab")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]
