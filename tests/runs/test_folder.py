"""Run folders are never overwritten or shared by accident, and an unfinished run is
never taken for a finished one (issue: nothing lost, nothing silent)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from lava_stllr.runs import folder as run_folder
from lava_stllr.runs.folder import INCOMPLETE_FILE


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_claimed_folder_is_marked_until_the_run_finishes(tmp_path):
    out = run_folder.make_run_dir(tmp_path / "run")
    marker = out / INCOMPLETE_FILE
    assert marker.read_text().split()[0] == str(os.getpid())
    run_folder.finish_run(out)
    assert not marker.exists() and out.is_dir()


def test_empty_out_and_non_empty_folders_are_refused_unless_overwrite(tmp_path):
    with pytest.raises(ValueError, match="--out is empty"):
        run_folder.make_run_dir("  ")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "weights.npz").write_bytes(b"precious")
    with pytest.raises(ValueError, match="is not empty; choose another --out or pass "
                                         "--overwrite"):
        run_folder.make_run_dir(tmp_path / "old")
    assert (tmp_path / "old" / "weights.npz").read_bytes() == b"precious"
    assert run_folder.make_run_dir(tmp_path / "old", overwrite=True) == tmp_path / "old"
    (tmp_path / "empty").mkdir()
    assert run_folder.make_run_dir(tmp_path / "empty").is_dir()


def test_a_folder_held_by_a_live_run_is_never_taken(tmp_path):
    first = run_folder.make_run_dir(tmp_path / "run")  # held by this (live) process
    for overwrite in (False, True):
        with pytest.raises(ValueError, match=rf"in use by another run \(pid {os.getpid()}\)"):
            run_folder.make_run_dir(first, overwrite=overwrite)


def test_an_interrupted_run_is_taken_over_only_with_overwrite(tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    pid = _dead_pid()
    (out / INCOMPLETE_FILE).write_text(f"{pid} started earlier\n")
    with pytest.raises(ValueError, match=rf"holds an interrupted run .*pid {pid}"):
        run_folder.make_run_dir(out)
    run_folder.make_run_dir(out, overwrite=True)
    assert (out / INCOMPLETE_FILE).read_text().split()[0] == str(os.getpid())


def test_an_unusable_folder_fails_before_any_work_naming_the_path(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        run_folder.make_run_dir(tmp_path / "file")
    with pytest.raises(ValueError, match=r"cannot create the run folder .*file/sub"):
        run_folder.make_run_dir(tmp_path / "file" / "sub")


def test_abandon_removes_a_folder_that_holds_only_its_mark(tmp_path):
    empty = run_folder.make_run_dir(tmp_path / "a")
    run_folder.abandon_run(empty)
    assert not empty.exists()
    partial = run_folder.make_run_dir(tmp_path / "b")
    (partial / "weights.npz").write_bytes(b"half")
    run_folder.abandon_run(partial)
    assert (partial / INCOMPLETE_FILE).exists()


def test_default_names_are_claimed_too(tmp_path, monkeypatch):
    monkeypatch.setattr(run_folder, "default_run_name", lambda now=None: "20250101-000000")
    first = run_folder.make_run_dir(root=tmp_path)
    second = run_folder.make_run_dir(root=tmp_path)
    assert (first.name, second.name) == ("20250101-000000", "20250101-000000-2")
    assert (first / INCOMPLETE_FILE).exists() and (second / INCOMPLETE_FILE).exists()
