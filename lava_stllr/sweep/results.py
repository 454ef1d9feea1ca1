"""The sweep's results: one row per trial (``trials.csv``), mean +- std over the finished
seeds per setting (``results.csv``, ``results.md``) and a figure (``results.png``), read from each
trial's ``run.json`` history."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.runs.folder import RECORD_FILE
from lava_stllr.sweep import folder as sweep_folder
from lava_stllr.sweep.asha import stopped
from lava_stllr.sweep.grid import Trial

TRIALS_CSV = "trials.csv"
RESULTS_CSV = "results.csv"
RESULTS_MD = "results.md"
FIGURE = "results.png"


def trial_row(out: Path, trial: Trial) -> dict[str, Any]:
    """``trial``'s status (finished, failed, not run), reason, best epoch and its held-out
    accuracy, the held-out accuracy of the weights the run ended with (``run.json``
    ``accuracy.val``, else the last epoch's; None without a held-out set), the run's
    training time in seconds (``run.json`` ``timings.train``) and its peak resident memory
    in MiB (the larger of the process's and its child processes', ``run.json``
    ``resources``); None where absent."""
    row: dict[str, Any] = {"setting": trial.setting_name, "seed": trial.seed,
                           "trial": trial.name, "status": "not run", "best_epoch": None,
                           "best_val_acc": None, "last_val_acc": None, "train_s": None,
                           "peak_rss_mib": None, "reason": ""}
    if sweep_folder.is_finished(out, trial):
        record = json.loads((sweep_folder.trial_dir(out, trial) / RECORD_FILE).read_text())
        acc = [a for a in record.get("history", {}).get("val_acc", []) if a is not None]
        row["status"] = "finished"
        row["train_s"] = record.get("timings", {}).get("train")
        peaks = [v for v in record.get("resources", {}).values() if v is not None]
        row["peak_rss_mib"] = max(peaks) if peaks else None
        if acc:
            best = int(np.argmax(acc))
            # The weights the run ended with: averaged ones (train --average-last) differ
            # from the last epoch's.
            final = record.get("accuracy", {}).get("val")
            row.update(best_epoch=best + 1, best_val_acc=acc[best],
                       last_val_acc=acc[-1] if final is None else final)
    elif (reason := sweep_folder.failure(out, trial)) is not None:
        row.update(status="failed", reason=reason)
    elif (early := stopped(out, trial)) is not None:
        row.update(status="stopped", reason=f"stopped early by ASHA after epoch "
                   f"{early['epoch']} (held-out acc {early['val_acc']})")
    return row


def _stats(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return float(np.mean(values)), float(np.std(values))


def summarize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per setting (in grid order): seeds finished/failed, mean and std over the finished
    seeds of the last and best held-out accuracy, mean best epoch, mean training time and
    mean peak memory."""
    settings: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        settings.setdefault(row["setting"], []).append(row)
    summary = []
    for setting, group in settings.items():
        done = [r for r in group if r["last_val_acc"] is not None]
        last_mean, last_std = _stats([r["last_val_acc"] for r in done])
        best_mean, best_std = _stats([r["best_val_acc"] for r in done])
        epoch, _ = _stats([r["best_epoch"] for r in done])
        train_s, _ = _stats([r["train_s"] for r in group if r["train_s"] is not None])
        peak, _ = _stats([r["peak_rss_mib"] for r in group if r["peak_rss_mib"] is not None])
        summary.append({
            "setting": setting, "seeds": len(group),
            "finished": sum(r["status"] == "finished" for r in group),
            "failed": sum(r["status"] == "failed" for r in group),
            "stopped": sum(r["status"] == "stopped" for r in group),
            "last_val_acc_mean": last_mean, "last_val_acc_std": last_std,
            "best_val_acc_mean": best_mean, "best_val_acc_std": best_std,
            "best_epoch_mean": epoch, "train_s_mean": train_s,
            "peak_rss_mib_mean": peak})
    return summary


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({k: "" if v is None else v for k, v in r.items()} for r in rows)
    return buffer.getvalue()


def _pm(mean: float | None, std: float | None) -> str:
    return "-" if mean is None else f"{mean:.3f} +- {std:.3f}"


def markdown(summary: list[dict[str, Any]], rows: list[dict[str, Any]]) -> str:
    """The results table, and the failed trials with their reasons, as Markdown."""
    lines = ["| setting | seeds finished | held-out acc at the end | best held-out acc | "
             "best epoch | train time s | peak RSS MiB |", "|---|---|---|---|---|---|---|"]
    for s in summary:
        epoch = "-" if s["best_epoch_mean"] is None else f"{s['best_epoch_mean']:.1f}"
        seconds = "-" if s["train_s_mean"] is None else f"{s['train_s_mean']:.1f}"
        peak = "-" if s["peak_rss_mib_mean"] is None else f"{s['peak_rss_mib_mean']:.0f}"
        failed = ", ".join(f"{s[k]} {k}" for k in ("failed", "stopped") if s[k])
        failed = f" ({failed})" if failed else ""
        lines.append(f"| {s['setting']} | {s['finished']}/{s['seeds']}{failed} | "
                     f"{_pm(s['last_val_acc_mean'], s['last_val_acc_std'])} | "
                     f"{_pm(s['best_val_acc_mean'], s['best_val_acc_std'])} | {epoch} | "
                     f"{seconds} | {peak} |")
    failed = [r for r in rows if r["status"] != "finished"]
    if failed:
        lines += ["", "| trial | status | reason |", "|---|---|---|"]
        lines += [f"| {r['trial']} | {r['status']} | {r['reason'].replace('|', '/')} |"
                  for r in failed]
    return "\n".join(lines) + "\n"


def figure(summary: list[dict[str, Any]], rows: list[dict[str, Any]], path: Path) -> None:
    """Held-out accuracy at the end of each run (the last epoch's weights, or the averaged
    ones), per setting: each seed a dot, the mean +- std a bar."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [s["setting"] for s in summary]
    fig, ax = plt.subplots(figsize=(max(4.0, 0.9 * len(names) + 2), 4))
    for i, s in enumerate(summary):
        seeds = [r["last_val_acc"] for r in rows
                 if r["setting"] == s["setting"] and r["last_val_acc"] is not None]
        if seeds:
            ax.errorbar(i, s["last_val_acc_mean"], yerr=s["last_val_acc_std"], fmt="s",
                        color="C0", capsize=4)
            ax.scatter(np.full(len(seeds), i + 0.15), seeds, s=12, color="C1", zorder=3)
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
    ax.set_xlim(-0.5, len(names) - 0.5)
    ax.set_ylabel("held-out accuracy at the end of the run")
    ax.set_title("mean +- std over seeds (squares), each seed (dots)")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    from lava_stllr.files import atomic_write

    atomic_write(path, lambda f: f.write(buffer.getvalue()))


def write_results(out: Path, trials: list[Trial]) -> list[dict[str, Any]]:
    """Write the tables and the figure; return the per-setting summary."""
    rows = [trial_row(out, t) for t in trials]
    summary = summarize(rows)
    sweep_folder.write_text(out / TRIALS_CSV, _csv(rows))
    sweep_folder.write_text(out / RESULTS_CSV, _csv(summary))
    sweep_folder.write_text(out / RESULTS_MD, markdown(summary, rows))
    figure(summary, rows, out / FIGURE)
    return summary
