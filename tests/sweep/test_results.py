"""The results table and figure, from the trials' run.json histories."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from lava_stllr.runs.folder import RECORD_FILE
from lava_stllr.sweep import folder, results
from lava_stllr.sweep.grid import Trial


def _trial(lr: str, seed: int) -> Trial:
    return Trial(f"lr={lr},seed={seed}", (("lr", lr),), seed, ())


def _finish(out: Path, trial: Trial, val_acc: list[float], train_s: float = 10.0,
            resources: dict | None = None) -> None:
    run = folder.trial_dir(out, trial)
    run.mkdir(parents=True)
    record = {"history": {"val_acc": val_acc}, "timings": {"train": train_s}}
    if resources is not None:
        record["resources"] = resources
    (run / RECORD_FILE).write_text(json.dumps(record))


def test_mean_std_best_and_last_epoch_per_setting(tmp_path: Path) -> None:
    trials = [_trial("1", 0), _trial("1", 1), _trial("2", 0), _trial("2", 1)]
    _finish(tmp_path, trials[0], [0.5, 0.7, 0.6],
            resources={"peak_rss_mib": 100.0, "children_peak_rss_mib": 0.0})
    # A Lava run: its ProcessModels' child processes hold more than the parent.
    _finish(tmp_path, trials[1], [0.4, 0.5, 0.8], train_s=20.0,
            resources={"peak_rss_mib": 150.0, "children_peak_rss_mib": 300.0})
    _finish(tmp_path, trials[2], [0.3, 0.2])
    (tmp_path / folder.LOGS).mkdir()
    (tmp_path / folder.LOGS / f"{trials[3].name}.failed").write_text("lava-stllr: x\n")
    summary = results.write_results(tmp_path, trials)
    first, second = summary
    assert first["setting"] == "lr=1" and first["finished"] == 2
    assert first["last_val_acc_mean"] == pytest.approx(0.7)
    assert first["last_val_acc_std"] == pytest.approx(0.1)
    assert first["best_val_acc_mean"] == pytest.approx(0.75)
    assert first["best_epoch_mean"] == pytest.approx(2.5)
    assert first["train_s_mean"] == pytest.approx(15.0)
    assert first["peak_rss_mib_mean"] == pytest.approx(200.0)
    assert second["peak_rss_mib_mean"] is None  # a record from before resources
    assert (second["finished"], second["failed"]) == (1, 1)
    assert second["best_epoch_mean"] == 1
    rows = list(csv.DictReader((tmp_path / results.TRIALS_CSV).open()))
    assert rows[3]["status"] == "failed" and rows[3]["reason"] == "lava-stllr: x"
    table = (tmp_path / results.RESULTS_MD).read_text()
    assert "| lr=1 | 2/2 | 0.700 +- 0.100 | 0.750 +- 0.050 | 2.5 | 15.0 | 200 |" in table
    assert "| lr=2,seed=1 | failed | lava-stllr: x |" in table
    assert len(list(csv.DictReader((tmp_path / results.RESULTS_CSV).open()))) == 2
    assert (tmp_path / results.FIGURE).read_bytes()[:4] == b"\x89PNG"


def test_a_trial_not_run_yet(tmp_path: Path) -> None:
    row = results.trial_row(tmp_path, _trial("1", 0))
    assert row["status"] == "not run" and row["last_val_acc"] is None
