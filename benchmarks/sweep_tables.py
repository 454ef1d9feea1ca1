"""What the benchmarks that run as ``lava-stllr sweep`` share: starting the sweep, and
reading its tables (``results.csv``, ``trials.csv``) back as table cells."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path


def run_sweep(command: list[str], out: Path) -> None:
    """Run the sweep ``command`` (writing into ``out``); exit unless it ran. Exit status 1
    means a trial failed: the sweep's table says which, and the others still count."""
    if subprocess.run(command).returncode not in (0, 1):
        sys.exit(f"the sweep in {out} did not run")


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of one of the sweep's CSV tables."""
    with path.open() as table:
        return list(csv.DictReader(table))


def setting_cells(row: dict[str, str]) -> list[str]:
    """A ``results.csv`` row as cells: held-out accuracy at the end of the run and at the
    best epoch (percent, mean +- std over the seeds), training seconds, peak RSS MiB."""
    def percent(key: str) -> str:
        mean, std = row[f"{key}_mean"], row[f"{key}_std"]
        return "-" if not mean else f"{100 * float(mean):.1f} +- {100 * float(std):.1f}"

    def whole(key: str) -> str:
        return f"{float(row[key]):.0f}" if row[key] else "-"

    return [percent("last_val_acc"), percent("best_val_acc"), whole("train_s_mean"),
            whole("peak_rss_mib_mean")]
