"""The sweep's Ray runner: a trial lost with its Ray worker is recorded as failed."""

from __future__ import annotations

import os
from pathlib import Path

from lava_stllr.sweep import folder
from lava_stllr.sweep.grid import Trial
from lava_stllr.sweep.runner import _run_as_tasks


def test_a_lost_or_raising_trial_is_failed_once_and_the_others_finish(
        ray_local, tmp_path: Path) -> None:
    trials = [Trial(name, (("lr", name),), 0, ()) for name in ("lost", "raises", "kept")]
    (tmp_path / folder.LOGS).mkdir()

    def run(trial: Trial, out: Path, cwd: str) -> str:  # sent to the workers by value
        with open(out / f"{trial.name}.attempts", "a") as f:
            f.write("attempt\n")
        if trial.name == "lost":
            os._exit(1)  # the worker process dies, as with a killed worker or node
        if trial.name == "raises":
            raise FileNotFoundError("no such folder: /nowhere")
        return trial.name

    _run_as_tasks(trials, tmp_path, 1, run=run)
    lost = (tmp_path / folder.LOGS / "lost.failed").read_text()
    assert lost == "Ray lost the trial (WorkerCrashedError)\n"
    raised = (tmp_path / folder.LOGS / "raises.failed").read_text()
    assert raised == "FileNotFoundError: no such folder: /nowhere\n"
    assert not (tmp_path / folder.LOGS / "kept.failed").exists()
    for name in ("lost", "raises", "kept"):  # never retried: a rerun is the user's call
        assert (tmp_path / f"{name}.attempts").read_text() == "attempt\n"
    log = (tmp_path / folder.LOG_FILE).read_text()
    assert "failed lost: Ray lost the trial" in log and "failed raises:" in log
