"""``lava-stllr evaluate RUN``: loss and accuracy of saved weights on held-out data."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from lava_stllr.cli.common import DEFAULT_SIGNAL, check_backend, close_trainer, held_out_data
from lava_stllr.cli.parser import (
    ALL,
    BACKENDS,
    PROG,
    CLIError,
    add_command,
    add_data_options,
    count_or_all,
    non_negative_int,
    out_path,
)
from lava_stllr.cli.progress import Progress
from lava_stllr.cli.train_report import precision_words


def add_parser(sub: Any) -> None:
    """Add the ``evaluate`` command to the subparsers ``sub``."""
    p = add_command(sub, "evaluate", run, help="evaluate a run's weights on a dataset",
                    description="Load a run folder's weights and report loss and "
                                "accuracy on held-out samples.")
    p.add_argument("run", type=Path, help="run folder or weights .npz file")
    add_data_options(p, None)
    p.add_argument("--samples", type=count_or_all, default=None, metavar="N|all",
                   help="samples to evaluate (default: the run's held-out set; with --split "
                        "every sample of the split)")
    p.add_argument("--backend", choices=BACKENDS, default="reference",
                   help="reference (default, fast) or lava (Lava's CPU simulator)")
    p.add_argument("--precision", choices=("float", "fixed"), default="float",
                   help="with --backend lava: float (default), or fixed: fixed point in the "
                        "bit-approximate Loihi 2 integer models")
    p.add_argument("--quiet", action="store_true",
                   help="only the result line: no progress while Lava evaluates (output "
                        "that is not a terminal gets a plain line per 10%% of a long "
                        "evaluation, no bar)")
    p.add_argument("--seed", type=non_negative_int, default=None,
                   help="data seed (default: the run's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--predictions", type=out_path, default=None, metavar="PATH",
                   help="also write each sample's label and predicted class to PATH (CSV: "
                        "sample,label,prediction)")


def _check_predictions_path(path: Path) -> None:
    """Refuse, before anything runs, a ``--predictions`` file that exists (it may be a run
    record) or whose folder does not."""
    if path.exists():
        raise CLIError(f"--predictions {path} already exists: give a new file name")
    if not path.parent.is_dir():
        raise CLIError(f"--predictions {path}: the folder {path.parent} does not exist")


def _write_predictions(path: Path, labels: Any, predictions: Any) -> None:
    """Write ``sample,label,prediction`` lines under a header to ``path`` (atomically: a
    full disk leaves no file, so the same command can run again)."""
    from lava_stllr.files import atomic_write

    lines = ["sample,label,prediction"] + [f"{i},{int(y)},{int(p)}" for i, (y, p)
                                           in enumerate(zip(labels, predictions, strict=True))]
    data = ("\n".join(lines) + "\n").encode()
    atomic_write(path, lambda fh: fh.write(data), size=len(data))


def _score(trainer: Any, args: argparse.Namespace, val: Any,
           name: str) -> tuple[float, float, Any, Any]:
    """``(loss, accuracy, labels, predictions)`` of ``val`` (labels and predictions None
    without ``--predictions``); Lava shows its progress unless ``--quiet``."""
    if args.backend != "lava":
        if args.predictions is None:
            return (*trainer.evaluate(val), None, None)
        return trainer.outcome(val)
    progress = Progress(args.quiet)
    options = {"progress": progress.bars, "desc": f"evaluate {name} ({len(val)} samples)"}
    if args.predictions is None:
        return (*trainer.evaluate(val, **options), None, None)
    return trainer.outcome(val, **options)


def run(args: argparse.Namespace) -> int:
    """Evaluate ``args.run``'s weights; print the result; return 0."""
    from lava_stllr.cli import lava_adapter
    from lava_stllr.runs import record as runs

    check_backend(args)
    if args.predictions is not None:
        _check_predictions_path(args.predictions)
    loaded = runs.load_run(args.run)
    if args.samples == ALL:
        if args.split is None:
            raise CLIError("--samples all needs --split train|test")
        args.samples = None
    if args.backend == "lava":
        # Built (and given the weights) before the data is read, so a network Lava cannot
        # run fails at once; the runtime starts on the first sample. A conv network runs
        # as the frozen front-end of lavanet.conv.conv_network before its dense part.
        signal = loaded.record.get("signal") or DEFAULT_SIGNAL["lava"]
        trainer = lava_adapter.make_lava_trainer(loaded.spec, loaded.params, signal,
                                                 args.precision, loaded.seed)
    elif loaded.spec.kind == "conv":  # the forward pass of the trainer that trained it
        from lava_stllr.reference import ConvSTLLRTrainer

        trainer = ConvSTLLRTrainer(loaded.spec, loaded.params, seed=loaded.seed)
    else:
        from lava_stllr.reference import STLLRTrainer

        trainer = STLLRTrainer(loaded.spec, loaded.params, seed=loaded.seed)
    trainer.weights = loaded.weights
    name, what, val = held_out_data(args, loaded)
    note = lava_adapter.fixed_input_note(loaded.record.get("dataset", {})) if (
        args.backend == "lava" and args.precision == "fixed") else None
    if note:
        print(f"{PROG}: note: {note}", file=sys.stderr)
    start = time.perf_counter()
    try:
        loss, acc, labels, predictions = _score(trainer, args, val, name)
    finally:
        close_trainer(trainer)
    if args.predictions is not None:
        _write_predictions(args.predictions, labels, predictions)
    result = {"run": str(loaded.folder), "dataset": name, "data": what,
              "samples": len(val), "backend": args.backend, "precision": args.precision,
              "loss": loss, "accuracy": acc,
              "seconds": round(time.perf_counter() - start, 3)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        where = (f"lava backend, {precision_words(args)}" if args.backend == "lava"
                 else "reference backend")
        print(f"{loaded.weights_path}: accuracy {acc:.3f}, loss {loss:.3f} on {len(val)} "
              f"{what} {name} samples ({where}, {result['seconds']:.1f} s)")
    return 0
