"""``train``'s schedule options: how the step size moves over the epochs, how the
weights move on chip, and which weights a run ends with; their defaults and their
``run.json`` record."""

from __future__ import annotations

import argparse
from typing import Any

from lava_stllr.cli.parser import CLIError, non_negative_int, positive_int, unit_interval


def add_schedule_options(p: argparse.ArgumentParser) -> None:
    """``--update``, ``--lr-decay``, ``--train-eval``, ``--average-last``."""
    p.add_argument("--update", choices=("step", "sample"), default=None,
                   help="lava: weights move every step, or once per sample through the "
                        "synaptic tag as Loihi 2 does it (default: the dataset's)")
    p.add_argument("--lr-decay", type=unit_interval, default=None, metavar="F",
                   help="multiply the step size by F after every epoch (default: the "
                        "dataset's, 1 = constant)")
    p.add_argument("--train-eval", type=non_negative_int, default=None, metavar="N",
                   help="lava: after each epoch, score the first N training samples with "
                        "learning off (default 0: the train accuracy is the online one, "
                        "scored while learning)")
    p.add_argument("--average-last", type=positive_int, default=None, metavar="N",
                   help="reference backend: the run ends with the mean of the weights at "
                        "the end of its last N epochs (weight averaging; default: the "
                        "dataset's, 1 = the last epoch's weights)")


def resolve_schedule(args: argparse.Namespace, defaults: Any) -> None:
    """Fill the schedule options the user left out from the dataset's ``defaults``
    (:class:`~lava_stllr.cli.defaults.TrainDefaults`), after ``args.epochs`` and
    ``args.backend`` are known.

    Raises
    ------
    CLIError
        ``--average-last`` larger than ``--epochs``.
    """
    args.lr_decay = defaults.lr_decay if args.lr_decay is None else args.lr_decay
    if args.backend == "lava":
        args.update = args.update or defaults.update
        args.train_eval = args.train_eval or 0
        return
    if args.average_last is None:
        args.average_last = defaults.average_last(args.epochs)
    if args.average_last > args.epochs:
        raise CLIError(f"--average-last {args.average_last} averages more epochs than the "
                       f"run has (--epochs {args.epochs})")


def schedule_record(args: argparse.Namespace) -> dict[str, Any]:
    """The step-size schedule of a run and, on chip, its update options, or offline the
    epochs whose weights it averaged (``run.json``)."""
    if args.backend != "lava":
        return {"lr_decay": args.lr_decay, "average_last": args.average_last}
    return {"update": args.update, "lr_decay": args.lr_decay, "train_eval": args.train_eval}
