"""What ``lava-stllr train`` writes and shows: the dataset of its run record, its plots,
its header, epoch and summary lines."""

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


def dataset_record(args: argparse.Namespace, request: Any, train: Any,
                    val: Any) -> dict[str, Any]:
    """The dataset of a run: its absolute data folder (so the run can be evaluated from
    any working directory), the splits, the binning and a hash of the files used
    (``data/fingerprint.py``)."""
    from lava_stllr.data import registry
    from lava_stllr.data.fingerprint import dataset_fingerprint

    root = args.data_dir.expanduser().resolve() if args.data_dir else None
    binning = registry.binning_for(args.dataset, request.binning)
    used = [train] if val is None else [train, val]
    return {"name": args.dataset, "data_dir": str(root) if root else None,
            "split": request.split, "augment": request.augment,
            "max_shift": getattr(train, "max_shift", None), "tune": request.tune,
            # --tune: the sizes asked for, whose training part it split again.
            "tune_of": {"n_train": request.n_train, "n_val": request.n_val}
            if request.tune else None,
            "val_split": registry.resolved_val_split(args.dataset, request),
            "binning": None if binning is None else binning.to_dict(),
            "n_train": len(train), "n_val": 0 if val is None else len(val),
            "n_steps": int(train.n_steps), "n_inputs": int(train.n_inputs),
            "n_classes": int(train.n_classes), **dataset_fingerprint(used, root),
            "val_hash": None if val is None else dataset_fingerprint([val], root)["data_hash"],
            **group_record(args.dataset, train, val)}


def group_record(name: str, train: Any, val: Any) -> dict[str, Any]:
    """Which speakers trained and which were held out, for a dataset held out by speaker."""
    from lava_stllr.data import registry

    attr = registry.get(name).hold_out_by
    if attr is None:
        return {}
    return {f"train_{attr}": registry.groups_in(name, train),
            f"val_{attr}": None if val is None else registry.groups_in(name, val)}


def draw_plots(folder: Path, args: argparse.Namespace, spec: Any, params: Any,
               before: Any, after: Any, history: Any, sample_from: Any) -> list[str]:
    """The learning curve (from epoch 0, with the chance level), a spike raster and the
    weight changes of a run; the names of those written.

    Plots are optional output: one that fails (a full disk, a drawing error) is a
    warning on stderr and is skipped, so that a trained run is never lost to a plot
    (``--debug`` raises instead).
    """
    from lava_stllr.runs import plots
    from lava_stllr.runs.activity import sample_activity

    def learning_curve() -> Path:
        return plots.plot_learning_curve(history, folder / "learning_curve.png",
                                         title=plot_title(args, spec),
                                         n_classes=spec.n_classes)

    def spike_raster() -> Path:
        x, label = sample_from[0]
        act = sample_activity(spec, params, after, x)
        return plots.plot_spike_raster(folder / "spike_raster.png", act["inputs"],
                                       act["hidden"], act["readout"], label=label,
                                       prediction=act["prediction"],
                                       hidden_names=act.get("hidden_names"))

    def weight_change() -> Path:
        names = [f"W{i + 1}" for i in range(len(after.feedforward) - 1)] + ["W_out"]
        names += [f"V{i + 1}" for i in range(len(after.recurrent))]
        return plots.plot_weight_changes(folder / "weight_change.png", before.arrays(),
                                         after.arrays(), names)

    written = []
    for name, draw in (("learning_curve.png", learning_curve),
                       ("spike_raster.png", spike_raster),
                       ("weight_change.png", weight_change)):
        try:
            written.append(draw().name)
        except Exception as exc:
            if getattr(args, "debug", False):
                raise
            _warn_skipped(folder / name, exc)
    return written


def _warn_skipped(path: Path, exc: BaseException,
                  then: str = "the run is complete without it") -> None:
    """One line on stderr: the optional file ``path`` was not written, why, and ``then``
    what the run is."""
    import sys

    from lava_stllr.cli.parser import PROG
    from lava_stllr.files import WriteError

    why = str(exc) if isinstance(exc, WriteError) else (
        f"{path} was not written ({type(exc).__name__}: {exc})")
    print(f"{PROG}: warning: {' '.join(why.split())}; {then}", file=sys.stderr)


def record_plots(folder: Path, names: list[str], timings: dict[str, float]) -> None:
    """Add the plots written and the final timings to the run's ``run.json``; a file
    system that cannot take the new record leaves the complete one written before (a
    warning, not an error)."""
    from lava_stllr.runs import record as runs

    try:
        runs.update_record(folder, plots=names,
                           timings={k: round(v, 4) for k, v in timings.items()})
    except OSError as exc:
        _warn_skipped(folder / "run.json", exc, "the run is complete; its run.json, "
                      "written before the plots, does not list them")


def precision_words(args: argparse.Namespace) -> str:
    """The arithmetic a run or an evaluation used: ``float``, or fixed point in the
    Loihi 2 integer models."""
    if args.precision == "fixed":
        return "fixed point: the Loihi 2 integer models"
    return args.precision


def run_header(args: argparse.Namespace, spec: Any, n_train: int, done: bool) -> str:
    """The line that says what is (``done``: was) trained, on what and how."""
    rule = "BPTT" if args.trainer == "bptt" else f"S-TLLR ({args.signal} signal)"
    update = f", update per {args.update}" if args.backend == "lava" else ""
    return (f"{'trained' if done else 'training'} {spec.label} with {rule} on "
            f"{args.dataset} ({args.backend} backend, {precision_words(args)}{update}), "
            f"{n_train} training{' (augmented)' if getattr(args, 'augment', False) else ''}"
            f" / {args.val_samples} {held_out_words(args)}, {args.epochs} "
            f"epoch(s); train acc: {train_accuracy_kind(args)}")


def held_out_words(args: argparse.Namespace) -> str:
    """What the held-out samples are: with ``--tune``, a fifth of the training samples."""
    if getattr(args, "tune", False):
        return "validation samples (--tune: held out from the training samples)"
    return "held-out samples"


def epoch0_line(val_acc: float | None, init: dict | None = None) -> str | None:
    """The held-out accuracy before any learning: of the fresh weights, or of the weights
    of the ``init`` run (its :func:`~lava_stllr.cli.init_run.init_record`); None for
    fresh weights without a held-out set."""
    if val_acc is None and init is None:
        return None
    held = "n/a" if val_acc is None else f"{val_acc:.3f}"
    what = "before training" if init is None else f"the weights of {init['path']}"
    return f"  epoch 0: held-out acc {held} ({what})"


def print_summary(args: argparse.Namespace, spec: Any, n_train: int, history: dict,
                  accuracy: dict, timings: dict, folder: Path, files: list[str],
                  init: dict | None = None, live: bool = False) -> None:
    """The summary lines of a finished run: what was trained, each epoch (unless
    ``live``: they were shown as they ended), the held-out accuracy, the times and the
    run folder."""
    from lava_stllr.cli.progress import epoch_line
    from lava_stllr.reference import History

    if not live:
        print(run_header(args, spec, n_train, done=True))
        epoch0 = epoch0_line((history.get("epoch0") or {}).get("val_acc"), init)
        if epoch0 is not None:
            print(epoch0)
        curve = History(**{k: v for k, v in history.items() if k != "epoch0"})
        for epoch in range(1, len(curve.train_acc) + 1):
            print(epoch_line(epoch, args.epochs, curve))
    held = accuracy.get("val")
    averaged = getattr(args, "average_last", 1) or 1
    which = f" (the mean of the last {averaged} epochs' weights)" if averaged > 1 else ""
    print(f"held-out accuracy: {held:.3f}{which}" if held is not None
          else "held-out accuracy: n/a")
    print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"run folder: {folder}  ({', '.join(files)})")
