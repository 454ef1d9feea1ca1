"""--asha without Ray: train's epoch lines, trials recorded as stopped early, not rerun."""

from __future__ import annotations

from pathlib import Path

from lava_stllr.sweep import asha, folder, results
from lava_stllr.sweep.grid import Trial

TRIALS = [Trial(f"lr={v},seed=0", (("lr", v),), 0, ()) for v in ("1", "2")]


def test_epoch_lines_are_read() -> None:
    line = "  epoch 3/8: train acc 0.289, loss 1.417, held-out acc 0.188  [elapsed 3.8 s]"
    assert asha.parse_epoch(line) == (3, 0.188)
    assert asha.parse_epoch("  epoch 0: held-out acc 0.250 (before training)") is None
    assert asha.parse_epoch("  epoch 1/8: train acc 0.285, loss 1.422") is None


def test_a_stopped_trial_is_recorded_and_not_run_again(tmp_path: Path) -> None:
    (tmp_path / folder.LOGS).mkdir()
    asha.mark_stopped(tmp_path, TRIALS, {TRIALS[0].name: {"epoch": 2, "val_acc": 0.25},
                                         TRIALS[1].name: {}})
    assert asha.stopped(tmp_path, TRIALS[0]) == {"epoch": 2, "val_acc": 0.25}
    assert asha.stopped(tmp_path, TRIALS[1]) is None  # reported no epoch: not stopped
    assert [t.name for t in folder.prepare(tmp_path, TRIALS)] == [TRIALS[1].name]
    row = results.trial_row(tmp_path, TRIALS[0])
    assert row["status"] == "stopped" and "after epoch 2" in row["reason"]
    summary = results.summarize([row])
    assert (summary[0]["stopped"], summary[0]["finished"]) == (1, 0)
