"""``train``'s options on what the training samples are: ``--augment``, ``--max-shift``
and ``--tune`` (a validation split of the training samples, to choose settings on)."""

from __future__ import annotations

import argparse
from typing import Any

from lava_stllr.cli.parser import CLIError, positive_int


def add_augment_options(p: argparse.ArgumentParser) -> None:
    """Add ``--augment``, ``--max-shift`` and ``--tune`` to the parser ``p``."""
    p.add_argument("--augment", action=argparse.BooleanOptionalAction, default=None,
                   help="train on augmented samples: heidelberg-digits adds warped copies "
                        "of every recording (faster, slower, formants up and down); nmnist "
                        "moves every training sample by a random shift, drawn anew every "
                        "epoch (default: the dataset's)")
    p.add_argument("--max-shift", type=positive_int, default=None, metavar="PX",
                   help="nmnist --augment: the largest shift per axis, in pixels of the "
                        "binned frame (default: 1)")
    p.add_argument("--tune", action="store_true",
                   help="choose settings: hold out a fifth of the training samples (whole "
                        "speakers for heidelberg-digits) and score on them; the usual "
                        "held-out samples are never read")


def resolve_augment(args: argparse.Namespace, default: bool) -> None:
    """``args.augment`` from the dataset's ``default`` when not given; refuse
    ``--max-shift`` where it does nothing."""
    from lava_stllr.data import registry

    if args.augment is None:
        args.augment = default
    entry = registry.get(args.dataset)
    if args.augment and entry.augment is None:
        with_augment = sorted(name for name, e in registry.DATASETS.items() if e.augment)
        raise CLIError(f"--augment: dataset {args.dataset!r} has no augmentation "
                       f"({' and '.join(with_augment)} have; drop --augment)")
    if args.max_shift is not None and not (args.augment and args.dataset == "nmnist"):
        raise CLIError("--max-shift applies to nmnist with --augment only (drop "
                       "--max-shift)")


def augment_request(args: argparse.Namespace) -> dict[str, Any]:
    """The :class:`~lava_stllr.data.registry.DataRequest` fields of these options."""
    if args.tune and args.val_samples == 0:
        raise CLIError("--tune holds out a fifth of the training samples: drop "
                       "--val-samples 0")
    return {"augment": args.augment, "max_shift": args.max_shift, "tune": args.tune}
