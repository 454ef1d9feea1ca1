"""``--asha``: Ray Tune's ASHAScheduler on each trial's held-out accuracy per epoch.

A trial then runs without ``--quiet``: train prints one line per epoch
(``epoch 2/5: ... held-out acc 0.625``), read here and reported to Tune. A trial the
scheduler stops is recorded as stopped early (``logs/NAME.stopped``: the epoch and the
held-out accuracy it reached); it keeps its incomplete run folder and is not run again.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lava_stllr.sweep import folder as sweep_folder
from lava_stllr.sweep.grid import Trial

#: Train's line after an epoch with a held-out set.
EPOCH_LINE = re.compile(r"epoch (\d+)/\d+: .*held-out acc ([0-9.]+)")
#: The metric and the time axis Tune sees.
METRIC, TIME_ATTR = "val_acc", "epoch"


def parse_epoch(line: str) -> tuple[int, float] | None:
    """``(epoch, held-out accuracy)`` of one train output line, or None."""
    match = EPOCH_LINE.search(line)
    return None if match is None else (int(match[1]), float(match[2]))


def scheduler(grace: int) -> Any:
    """An ASHAScheduler maximizing the held-out accuracy, a trial's first rung after
    ``grace`` epochs, halving at each rung."""
    from ray.tune.schedulers import ASHAScheduler

    return ASHAScheduler(metric=METRIC, mode="max", time_attr=TIME_ATTR,
                         grace_period=grace, reduction_factor=2, max_t=100_000)


def stopped_path(out: Path, trial: Trial) -> Path:
    """Where a trial's early stop is recorded."""
    return out / sweep_folder.LOGS / f"{trial.name}.stopped"


def stopped(out: Path, trial: Trial) -> dict[str, Any] | None:
    """``{"epoch", "val_acc"}`` of a trial ASHA stopped, or None."""
    try:
        return dict(json.loads(stopped_path(out, trial).read_text()))
    except (OSError, ValueError):
        return None


def mark_stopped(out: Path, trials: list[Trial], last: dict[str, dict[str, Any]]) -> None:
    """Record as stopped early the ``trials`` that neither finished nor failed but
    reported an epoch (``last``: each trial's last reported metrics, by name)."""
    for trial in trials:
        metrics = last.get(trial.name) or {}
        if (sweep_folder.is_finished(out, trial) or sweep_folder.failure(out, trial)
                or metrics.get(TIME_ATTR) is None):
            continue
        record = {"epoch": metrics[TIME_ATTR], "val_acc": metrics.get(METRIC)}
        sweep_folder.write_text(stopped_path(out, trial), json.dumps(record) + "\n")
        sweep_folder.log(out, f"stopped {trial.name} by ASHA after epoch {record['epoch']}")
