"""Validate every trial's train arguments with train's own parser and checks, before any
trial starts (nothing is read, generated or written)."""

from __future__ import annotations

import argparse
import copy

from lava_stllr.cli.parser import CLIError
from lava_stllr.sweep.grid import Trial


def parse_train(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed by the ``lava-stllr`` parser as ``train`` arguments."""
    args = parser.parse_args(["train", *argv])
    args.argv = ["train", *argv]
    return args


def check_args(args: argparse.Namespace) -> argparse.Namespace:
    """Run the checks ``lava-stllr train`` makes before it claims its run folder; return
    ``args`` with train's defaults filled in (it is changed: pass a copy).

    Raises
    ------
    CLIError, ValueError, OSError
        What train would refuse, in its words.
    """
    from lava_stllr.cli import train
    from lava_stllr.cli.common import (
        build_params,
        check_backend,
        check_data_dir,
        check_data_memory,
        check_unused_options,
    )
    from lava_stllr.cli.init_run import apply_init, init_params
    from lava_stllr.cli.layers_option import check_layers, check_layers_fit
    from lava_stllr.cli.parser import resolve_dataset

    init = apply_init(args)
    resolve_dataset(args, train.DEFAULT_DATASET)
    check_unused_options(args)
    if init is None:
        check_layers(args)
    defaults = train._resolve_defaults(args)
    given = {k for k, _ in args.overrides} | ({"lr"} if args.lr is not None else set())
    if init is not None:
        init_params(args, init, defaults.lr)
    else:
        build_params(args, {} if "lr" in given else {"lr": defaults.lr})
    check_backend(args)
    request = train.data_request(args)
    check_layers_fit(args, request)
    check_data_dir(args.dataset, request.root)
    check_data_memory(args, request)
    return args


def check_trials(trials: list[Trial],
                 parser: argparse.ArgumentParser) -> dict[str, argparse.Namespace]:
    """Check every trial as train would, parsing its arguments with the ``lava-stllr``
    ``parser`` (:func:`lava_stllr.cli.build_parser`); return each trial's arguments with
    train's defaults filled in (``backend``, ``epochs``, ``val_samples``, ...), by name.

    Raises
    ------
    CLIError
        The first refused trial, named, with train's one-line reason.
    """
    checked = {}
    for trial in trials:
        try:
            args = parse_train(parser, list(trial.argv))
            checked[trial.name] = check_args(copy.deepcopy(args))
        except (CLIError, ValueError, OSError) as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise CLIError(f"trial {trial.name}: train refuses it: {reason}") from None
    return checked
