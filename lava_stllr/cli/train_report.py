"""What ``lava-stllr train`` shows when a run ends: its plots and its summary lines."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def plot_title(args: argparse.Namespace, spec: Any) -> str:
    """What a run's learning curve shows: rule, network, dataset, backend, precision."""
    rule = "BPTT" if args.trainer == "bptt" else f"S-TLLR {args.signal.upper()}"
    where = args.backend if args.backend == "reference" else f"lava {args.precision}"
    return f"{rule} {spec.label}, {args.dataset} ({where})"


def train_accuracy_kind(args: argparse.Namespace) -> str:
    """What the training accuracy of a run is: the reference trainers' and Lava's online
    one are scored while learning (on chip a sample's own error already pulls its readout
    towards the label: optimistic); ``--train-eval N`` scores N training samples with
    learning off after each epoch."""
    n = getattr(args, "train_eval", 0) or 0
    if n:
        return f"learning off, {n} training samples"
    if args.backend == "lava":
        return "online, while learning (the sample's own error shapes its readout)"
    return "online, while learning"


def draw_plots(folder: Path, args: argparse.Namespace, spec: Any, params: Any,
               before: Any, after: Any, history: Any, sample_from: Any) -> list[str]:
    """The learning curve, a spike raster and the weight changes of a run; their names."""
    from lava_stllr.runs import plots

    written = [plots.plot_learning_curve(history, folder / "learning_curve.png",
                                         title=plot_title(args, spec))]
    x, label = sample_from[0]
    act = plots.sample_activity(spec, params, after, x)
    written.append(plots.plot_spike_raster(folder / "spike_raster.png", act["inputs"],
                                           act["hidden"], act["readout"], label=label,
                                           prediction=act["prediction"],
                                           hidden_names=act.get("hidden_names")))
    names = [f"W{i + 1}" for i in range(len(after.feedforward) - 1)] + ["W_out"]
    names += [f"V{i + 1}" for i in range(len(after.recurrent))]
    written.append(plots.plot_weight_changes(folder / "weight_change.png", before.arrays(),
                                             after.arrays(), names))
    return [p.name for p in written]


def print_summary(args: argparse.Namespace, spec: Any, n_train: int, history: Any,
                  accuracy: dict, timings: dict, folder: Path, files: list[str],
                  init: dict | None = None) -> None:
    """The summary lines of a finished run: what was trained, each epoch, the held-out
    accuracy, the times and the run folder."""
    sizes = spec.label
    rule = "BPTT" if args.trainer == "bptt" else f"S-TLLR ({args.signal} signal)"
    update = f", update per {args.update}" if args.backend == "lava" else ""
    print(f"trained {sizes} with {rule} on {args.dataset} ({args.backend} backend, "
          f"{args.precision}{update}), {n_train} training / {args.val_samples} held-out "
          f"samples, {args.epochs} epoch(s); train acc: {train_accuracy_kind(args)}")
    if init is not None:
        held0 = "n/a" if init["val_acc"] is None else f"{init['val_acc']:.3f}"
        print(f"  epoch 0: held-out acc {held0} (the weights of {init['path']})")
    for i, acc in enumerate(history.train_acc):
        val = f", held-out acc {history.val_acc[i]:.3f}" if i < len(history.val_acc) else ""
        print(f"  epoch {i + 1}: train acc {acc:.3f}, loss {history.train_loss[i]:.3f}{val}")
    held = accuracy.get("val")
    print(f"held-out accuracy: {held:.3f}" if held is not None else "held-out accuracy: n/a")
    print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"run folder: {folder}  ({', '.join(files)})")
