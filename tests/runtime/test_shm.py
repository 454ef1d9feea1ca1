"""Records of our shared-memory segments, and reclaiming those of dead owners only.

A temporary folder stands in for ``/dev/shm`` and holds plain files as segments.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import pytest

from lava_stllr.runtime import shm as reg

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(),
                                reason="liveness is read from /proc")


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts as a process that has recorded nothing (and leaves it so)."""
    reg._own.update(pid=None)
    yield
    reg._own.update(pid=None)


@pytest.fixture
def shm(tmp_path: Path) -> Path:
    folder = tmp_path / "shm"
    folder.mkdir()
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "registry"


def _segment(shm: Path, name: str) -> dict:
    (shm / name).write_bytes(b"\0" * 16)
    return {"name": name, "inode": os.stat(shm / name).st_ino}


def _dead_pid() -> int:
    """The pid of a process that has ended (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _write(root: Path, pid: int, start_time: int | None, segments: list[dict],
           **extra) -> Path:
    record = {"version": 1, "pid": pid, "uid": os.getuid(), "start_time": start_time,
              "segments": segments, **extra}
    path = reg.registry_dir(root) / f"{pid}.json"
    path.write_text(json.dumps(record))
    return path


def test_the_segments_of_a_dead_owner_are_removed_with_its_record(root, shm):
    pid = _dead_pid()
    segments = [_segment(shm, "psm_0123abcd"), _segment(shm, "psm_deadbeef")]
    record = _write(root, pid, 12345, segments)
    assert sorted(reg.reclaim_stale_segments(root, shm)) == ["psm_0123abcd", "psm_deadbeef"]
    assert list(shm.iterdir()) == [] and not record.exists()


def test_a_live_owner_keeps_its_segments_and_record(root, shm):
    segments = [_segment(shm, "psm_0123abcd")]
    record = _write(root, os.getpid(), reg.process_start_time(os.getpid()), segments)
    assert reg.reclaim_stale_segments(root, shm) == []
    assert (shm / "psm_0123abcd").exists() and record.exists()


def test_a_reused_pid_is_not_the_owner(root, shm):
    """Our pid, but another start time: the recording process has ended."""
    segments = [_segment(shm, "psm_0123abcd")]
    record = _write(root, os.getpid(), reg.process_start_time(os.getpid()) - 1, segments)
    assert reg.reclaim_stale_segments(root, shm) == ["psm_0123abcd"]
    assert not (shm / "psm_0123abcd").exists() and not record.exists()


@pytest.mark.parametrize("case", ["inode", "foreign_name", "symlink", "missing"])
def test_only_the_recorded_segments_of_lavas_pattern_are_removed(root, shm, case):
    kept = _segment(shm, "psm_0123abcd" if case != "foreign_name" else "my_data")
    if case == "inode":
        kept["inode"] += 1  # the name was reused by a new segment
    elif case == "symlink":
        (shm / "psm_01234567").symlink_to(shm / kept["name"])
        kept = {"name": "psm_01234567", "inode": os.lstat(shm / "psm_01234567").st_ino}
    elif case == "missing":
        kept = {"name": "psm_00000000", "inode": 1}
    record = _write(root, _dead_pid(), 1, [kept])
    present = sorted(p.name for p in shm.iterdir())
    assert reg.reclaim_stale_segments(root, shm) == []
    assert sorted(p.name for p in shm.iterdir()) == present
    assert not record.exists()


@pytest.mark.parametrize("text", ["{not json", "[]", '{"version": 1, "pid": "7"}',
                                  '{"version": 1, "pid": 7, "uid": 0, "start_time": 1, '
                                  '"segments": [{"name": 3}]}', ""])
def test_a_broken_record_is_dropped_with_a_warning(root, shm, text):
    _segment(shm, "psm_0123abcd")
    record = reg.registry_dir(root) / "7.json"
    record.write_text(text)
    with pytest.warns(RuntimeWarning, match="dropping"):
        assert reg.reclaim_stale_segments(root, shm) == []
    assert not record.exists() and (shm / "psm_0123abcd").exists()


def test_a_record_of_another_uid_or_pid_is_dropped_untouched(root, shm):
    segments = [_segment(shm, "psm_0123abcd")]
    other_uid = _write(root, _dead_pid(), 1, segments, uid=os.getuid() + 1)
    with pytest.warns(RuntimeWarning, match="not a record"):
        assert reg.reclaim_stale_segments(root, shm) == []
    misnamed = other_uid.with_name("12.json")
    _write(root, _dead_pid(), 1, segments).rename(misnamed)
    with pytest.warns(RuntimeWarning, match="not a record"):
        assert reg.reclaim_stale_segments(root, shm) == []
    assert (shm / "psm_0123abcd").exists() and not list(root.glob("shm/*"))


def test_an_unsafe_registry_folder_is_refused(tmp_path, shm):
    root = tmp_path / "open"
    (root / "shm").mkdir(parents=True)
    os.chmod(root / "shm", 0o777)
    with pytest.raises(PermissionError, match="private directory"):
        reg.registry_dir(root)
    (tmp_path / "link").symlink_to(root / "shm")
    with pytest.raises(PermissionError):
        reg.registry_dir(tmp_path / "link")
    with pytest.warns(RuntimeWarning, match="could not reclaim"):
        assert reg.reclaim_stale_segments(root, shm) == []


def test_the_registry_folder_is_private(root):
    folder = reg.registry_dir(root)
    assert folder == root / "shm"
    assert os.stat(root).st_mode & 0o777 == 0o700 and os.stat(folder).st_mode & 0o777 == 0o700


def _runtime(shm: Path, names: list[str]) -> SimpleNamespace:
    handles = [SimpleNamespace(name=name) for name in names]
    for name in names:
        _segment(shm, name)
    smm = SimpleNamespace(_shared_memory_handles=handles)
    return SimpleNamespace(_messaging_infrastructure=SimpleNamespace(smm=smm))


def test_record_and_forget_keep_one_record_per_process(root, shm):
    first = _runtime(shm, ["psm_00000001", "psm_00000002"])
    second = _runtime(shm, ["psm_00000003"])
    path = reg.record_runtime(first, root, shm)
    reg.record_runtime(second, root, shm)
    record = json.loads(path.read_text())
    assert path.name == f"{os.getpid()}.json"
    assert record["start_time"] == reg.process_start_time(os.getpid())
    assert [s["name"] for s in record["segments"]] == [f"psm_0000000{i}" for i in (1, 2, 3)]
    assert record["segments"][0]["inode"] == os.stat(shm / "psm_00000001").st_ino
    for name in ("psm_00000001", "psm_00000002"):  # what a clean shutdown does
        (shm / name).unlink()
    reg.forget_runtime(first, root, shm)
    assert [s["name"] for s in json.loads(path.read_text())["segments"]] == ["psm_00000003"]
    reg.forget_runtime(second, root, shm)  # its segment survived the shutdown: kept
    assert [s["name"] for s in json.loads(path.read_text())["segments"]] == ["psm_00000003"]
    reg.record_runtime(first, root, shm)  # segments already gone: nothing to add
    assert len(json.loads(path.read_text())["segments"]) == 1
    reg._own.update(leaked=[])
    reg.forget_runtime(first, root, shm)
    assert not path.exists()


def test_segment_names_of_a_runtime_without_manager_are_empty():
    assert reg.segment_names(SimpleNamespace()) == []
    assert reg.segment_names(SimpleNamespace(_messaging_infrastructure=None)) == []


def test_recording_never_raises(tmp_path, shm):
    unsafe = tmp_path / "unsafe"
    (unsafe / "shm").mkdir(parents=True)
    os.chmod(unsafe, 0o777)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert reg.record_runtime(_runtime(shm, ["psm_0000000a"]), unsafe, shm) is None
    assert "cannot record" in str(caught[0].message)


def test_a_temporary_record_of_a_dead_writer_is_removed(root, shm):
    folder = reg.registry_dir(root)
    dead, live = folder / f"{_dead_pid()}.json.tmp", folder / f"{os.getpid()}.json.tmp"
    dead.write_text("{")
    live.write_text("{")
    assert reg.reclaim_stale_segments(root, shm) == []
    assert not dead.exists() and live.exists()
