"""The sweep's Ray runner: a trial lost with its Ray worker is recorded as failed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lava_stllr.sweep import folder
from lava_stllr.sweep.grid import Trial
from lava_stllr.sweep.runner import _run_as_tasks


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray", reason="the sweep extra (ray[tune]) is not installed")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    yield ray
    ray.shutdown()


def test_a_trial_whose_worker_dies_is_failed_and_the_others_finish(ray_local,
                                                                   tmp_path: Path) -> None:
    trials = [Trial(name, (("lr", name),), 0, ()) for name in ("lost", "kept")]
    (tmp_path / folder.LOGS).mkdir()

    def run(trial: Trial, out: Path, cwd: str) -> str:  # sent to the workers by value
        if trial.name == "lost":
            os._exit(1)  # the worker process dies, as with a killed worker or node
        (out / "kept.done").write_text("ok")
        return trial.name

    _run_as_tasks(trials, tmp_path, 1, run=run)
    reason = (tmp_path / folder.LOGS / "lost.failed").read_text()
    assert reason.startswith("Ray lost the trial:") and reason.count("\n") == 1
    assert (tmp_path / "kept.done").read_text() == "ok"
    assert not (tmp_path / folder.LOGS / "kept.failed").exists()
    assert "failed lost: Ray lost the trial" in (tmp_path / folder.LOG_FILE).read_text()
