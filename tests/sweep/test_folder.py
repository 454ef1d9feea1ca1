"""The sweep folder: its lock, the sweep it holds, which trials are finished."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from lava_stllr.cli.parser import CLIError
from lava_stllr.runs.folder import INCOMPLETE_FILE, RECORD_FILE
from lava_stllr.sweep import folder
from lava_stllr.sweep.grid import Trial

TRIALS = [Trial(f"lr={v},seed=0", (("lr", v),), 0, ("--lr", v, "--seed", "0"))
          for v in ("1", "2", "3")]


def test_a_live_sweep_holds_its_folder(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "30"])
    try:
        (tmp_path / folder.LOCK_FILE).write_text(f"{other.pid} started\n")
        with pytest.raises(CLIError, match=f"in use by another sweep \\(pid {other.pid}\\)"):
            folder.claim(tmp_path)
    finally:
        other.kill()
        other.wait()
    folder.claim(tmp_path)  # its owner is gone: taken over (resumption)
    assert (tmp_path / folder.LOCK_FILE).read_text().split()[0] == str(os.getpid())
    folder.release(tmp_path)
    assert not (tmp_path / folder.LOCK_FILE).exists()


def test_out_holding_another_sweep_or_other_files_is_refused(tmp_path: Path) -> None:
    spec = {"trials": {"a": ["--lr", "1"]}}
    folder.check_out(tmp_path / "new", spec)
    folder.check_out(tmp_path, spec)  # empty
    (tmp_path / folder.SPEC_FILE).write_text(json.dumps(spec))
    folder.check_out(tmp_path, spec)  # the same sweep: resumed
    with pytest.raises(CLIError, match="holds another sweep"):
        folder.check_out(tmp_path, {"trials": {"b": []}})
    (tmp_path / folder.SPEC_FILE).unlink()
    (tmp_path / "x.txt").write_text("x")
    with pytest.raises(CLIError, match="not empty and holds no sweep"):
        folder.check_out(tmp_path, spec)
    with pytest.raises(CLIError, match="not a folder"):
        folder.check_out(tmp_path / "x.txt", spec)


def test_only_unfinished_trials_run_again(tmp_path: Path) -> None:
    done, interrupted, _ = (folder.trial_dir(tmp_path, t) for t in TRIALS)
    done.mkdir(parents=True)
    (done / RECORD_FILE).write_text("{}")
    interrupted.mkdir()
    (interrupted / RECORD_FILE).write_text("{}")
    (interrupted / INCOMPLETE_FILE).write_text("999999999 started\n")  # no such process
    (tmp_path / folder.LOGS).mkdir()
    (tmp_path / folder.LOGS / f"{TRIALS[2].name}.failed").write_text("boom\n")
    assert folder.failure(tmp_path, TRIALS[2]) == "boom"
    todo = folder.prepare(tmp_path, TRIALS)
    assert [t.name for t in todo] == [TRIALS[1].name, TRIALS[2].name]
    assert folder.is_finished(tmp_path, TRIALS[0])
    assert not interrupted.exists()  # starts afresh
    assert folder.failure(tmp_path, TRIALS[2]) is None
