"""The ``lava-stllr`` argument parser: one-line errors, option types, shared groups."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from lava_stllr.data.registry import DATASETS as _DATASET_ENTRIES
from lava_stllr.data.registry import SPLITS

PROG = "lava-stllr"
DATASETS = tuple(_DATASET_ENTRIES)
BACKENDS = ("lava", "reference")
DEFAULT_PRESET = "code_default"


class CLIError(Exception):
    """A user error reported as one line with exit status 2."""


class Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line: ``lava-stllr: error: ...``."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        raise CLIError(message.replace("\n", " ") + hint)


def int_at_least(lo: int) -> Callable[[str], int]:
    """An option type: an integer >= ``lo``."""

    def parse(text: str) -> int:
        # argparse prefixes "argument --opt: ", so the message does not repeat the name.
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected an integer >= {lo}, got {text!r}") from None
        if value < lo:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lo}, got {value}")
        return value

    return parse


positive_int = int_at_least(1)
non_negative_int = int_at_least(0)


def out_path(text: str) -> Path:
    """An option type: a path, never empty (``--out "$UNSET"`` would mean ``.``)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty (an unset shell variable?); give a path")
    return Path(text)


def hidden_sizes(text: str) -> tuple[int, ...]:
    """An option type: layer sizes such as ``64`` or ``128,64``."""
    parts = [p for p in text.replace(" ", "").split(",") if p]
    if not parts:
        raise argparse.ArgumentTypeError("expected layer sizes such as 64 or 128,64")
    return tuple(positive_int(p) for p in parts)


def layer_string(text: str) -> str:
    """An option type: a layer string such as ``256-128`` or ``8c5-p2-16c3-p2-128``
    (:mod:`lava_stllr.spec.layers`), returned in its canonical form."""
    from lava_stllr.spec.layers import format_layers, parse_layers

    try:
        return format_layers(parse_layers(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: The value of ``--samples all``.
ALL = "all"


def count_or_all(text: str) -> int | str:
    """An option type: an integer >= 1, or :data:`ALL` (every sample of the split)."""
    if text.strip().lower() == ALL:
        return ALL
    return positive_int(text)


def positive_real(text: str) -> float:
    """An option type: a finite number > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}") from None
    if not (value > 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text}")
    return value


def unit_interval(text: str) -> float:
    """An option type: a number in (0, 1]."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text!r}") from None
    if not 0 < value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number in (0, 1], got {text}")
    return value


def key_value(text: str) -> tuple[str, str]:
    """An option type: ``KEY=VALUE``."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def add_common(parser: argparse.ArgumentParser) -> None:
    """``--debug``, accepted before and after the command."""
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show full tracebacks instead of one-line errors")


def add_command(sub: argparse._SubParsersAction, name: str, handler: Callable,
                **kwargs: str) -> argparse.ArgumentParser:
    """A subcommand parser with ``--debug`` that dispatches to ``handler(args)``."""
    parser = sub.add_parser(name, **kwargs)
    parser.set_defaults(handler=handler)
    add_common(parser)
    return parser


def add_params_options(parser: argparse.ArgumentParser) -> None:
    """The S-TLLR parameter options (read by :func:`~lava_stllr.cli.common.build_params`)."""
    from lava_stllr.params import PRESETS

    group = parser.add_argument_group("S-TLLR parameters")
    group.add_argument("--preset", choices=sorted(PRESETS), default=None,
                       help=f"published parameter preset (default {DEFAULT_PRESET})")
    group.add_argument("--lr", type=float, default=None, help="learning rate")
    group.add_argument("--lam-pre", type=float, default=None, help="pre-trace decay lam_pre")
    group.add_argument("--lam-post", type=float, default=None,
                       help="post-trace decay lam_post")
    group.add_argument("--alpha-pre", type=float, default=None,
                       help="weight of the causal term alpha_pre")
    group.add_argument("--alpha-post", type=float, default=None,
                       help="weight of the non-causal term alpha_post")
    group.add_argument("--set", dest="overrides", action="append", type=key_value,
                       default=[], metavar="KEY=VALUE",
                       help="any STLLRParams field, e.g. --set window=10 --set reset=hard "
                            "(repeatable)")


def _datasets_read_from_files() -> list[str]:
    """The datasets that need ``--data-dir``."""
    return [name for name, entry in _DATASET_ENTRIES.items() if entry.needs_data_dir]


def add_data_options(parser: argparse.ArgumentParser, default_dataset: str | None) -> None:
    """``--dataset``, ``--data-dir`` and ``--cache-dir``. ``--dataset`` is None when not
    given (``default_dataset`` is only named in the help; see :func:`resolve_dataset`)."""
    needs_dir = _datasets_read_from_files()
    group = parser.add_argument_group("data")
    group.add_argument("--dataset", choices=DATASETS, default=None,
                       help=f"dataset (default: {default_dataset})" if default_dataset else
                       "dataset (default: the run's)")
    group.add_argument("--data-dir", type=Path, default=None, metavar="PATH",
                       help="folder of a real dataset (tonic's layout); required for "
                            f"{', '.join(needs_dir[:-1])} and {needs_dir[-1]}")
    group.add_argument("--cache-dir", type=Path, default=None, metavar="PATH",
                       help="disk cache for binned event tensors (real datasets)")
    group.add_argument("--split", choices=SPLITS, default=None,
                       help="split the samples are read from (default: train; all: every "
                            "recording, heidelberg-digits only)")


def add_binning_options(parser: argparse.ArgumentParser) -> None:
    """How events become input spikes (read by :func:`binning_changes`); each option not
    given keeps the dataset's default (see ``lava-stllr info``)."""
    group = parser.add_argument_group("event binning (datasets read from files)")
    group.add_argument("--time-bins", type=positive_int, default=None, metavar="N",
                       help="time steps per sample (N-MNIST default 25)")
    group.add_argument("--window-ms", type=positive_real, default=None, metavar="MS",
                       help="length of the binned window from the start of a recording "
                            "(N-MNIST default 300)")
    group.add_argument("--downsample", type=positive_int, default=None, metavar="K",
                       help="spatial downsampling factor (N-MNIST default 2: 34x34 -> 17x17)")
    group.add_argument("--input", choices=INPUT_KINDS, default=None,
                       help="binary: at most one spike per input and step (N-MNIST "
                            "default); counts: the number of events")
    group.add_argument("--channels", type=positive_int, default=None, metavar="N",
                       help="audio (heidelberg-digits): filterbank channels of the audio "
                            "front-end, two input neurons each (default 32)")


#: ``--input`` choices and the ``max_count`` each gives.
INPUT_KINDS = {"binary": 1, "counts": None}
#: The option that sets each :class:`~lava_stllr.data.binning.BinningConfig` field, for
#: messages in the user's words (``--window-ms``, not ``t_end_us``).
BINNING_OPTIONS = {"n_time_bins": "--time-bins", "t_end_us": "--window-ms",
                   "downsample": "--downsample", "max_count": "--input",
                   "sensor_size": "--channels"}


def binning_changes(args: argparse.Namespace) -> dict[str, object]:
    """The :class:`~lava_stllr.data.binning.BinningConfig` fields the binning options
    change (empty when none is given)."""
    changes: dict[str, object] = {}
    if args.time_bins is not None:
        changes["n_time_bins"] = args.time_bins
    if args.window_ms is not None:
        changes["t_end_us"] = int(round(args.window_ms * 1000))
        if changes["t_end_us"] < 1:  # else "t_end_us must be an integer >= 1, got 0"
            raise CLIError(f"--window-ms {args.window_ms:g} is shorter than 0.001 ms (1 "
                           "microsecond, the resolution of event timestamps): give "
                           "--window-ms 0.001 or more")
    if args.downsample is not None:
        changes["downsample"] = args.downsample
    if args.input is not None:
        changes["max_count"] = INPUT_KINDS[args.input]
    if getattr(args, "channels", None) is not None:
        if args.dataset not in AUDIO_DATASETS:
            raise CLIError(f"--channels applies to audio datasets ({', '.join(AUDIO_DATASETS)}),"
                           f" not {args.dataset}")
        from lava_stllr.data.heidelberg_digits import DATASET_FRONT_END

        changes["sensor_size"] = (args.channels * DATASET_FRONT_END.populations, 1, 1)
    return changes


#: Datasets whose inputs are the channels of the audio front-end.
AUDIO_DATASETS = ("heidelberg-digits",)


def resolve_dataset(args: argparse.Namespace, default: str) -> None:
    """Set ``args.dataset`` to ``default`` when not given; ``--data-dir`` alone is an
    error (it would silently be ignored by the dataset generated in code)."""
    if args.dataset is None:
        if args.data_dir is not None:
            raise CLIError(f"--data-dir needs --dataset (one of "
                           f"{', '.join(_datasets_read_from_files())})")
        args.dataset = default
