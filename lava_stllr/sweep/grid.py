"""Expand ``--grid KEY=V1,V2`` and ``--seeds`` into trials: one train command line each."""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import re
from typing import Any

from lava_stllr.cli.parser import CLIError

#: Train options a sweep sets itself: a grid or the train command cannot set them.
RESERVED = {"out": "the sweep names each trial's run folder",
            "seed": "use --seeds", "seeds": "use --seeds",
            "quiet": "trials always run with --quiet",
            "overwrite": "the sweep manages its trial folders", "help": "not an option"}


@dataclasses.dataclass(frozen=True)
class Trial:
    """One train run of a sweep.

    Attributes
    ----------
    name : str
        Folder name, e.g. ``alpha_post=-1,psi=triangle,seed=0``.
    setting : tuple of (str, str)
        The grid's values of this trial (key, value), in ``--grid`` order.
    seed : int
        ``--seed`` of the run.
    argv : tuple of str
        The train arguments without ``--out`` and ``--quiet``.
    """

    name: str
    setting: tuple[tuple[str, str], ...]
    seed: int
    argv: tuple[str, ...]

    @property
    def setting_name(self) -> str:
        """The setting without the seed, e.g. ``alpha_post=-1,psi=triangle``."""
        return ",".join(f"{k}={v}" for k, v in self.setting) or "(train command)"


def parse_grid(items: list[str]) -> list[tuple[str, list[str]]]:
    """``["alpha_post=-1,0,1", ...]`` as ``[("alpha_post", ["-1", "0", "1"]), ...]``.

    Raises
    ------
    CLIError
        On a missing ``=``, an empty key or value, a repeated key or an empty grid.
    """
    if not items:
        raise CLIError("the grid is empty: give at least one --grid KEY=V1,V2,...")
    grid: list[tuple[str, list[str]]] = []
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip().lstrip("-").replace("-", "_")
        parts = [v.strip() for v in values.split(",")]
        if not sep or not key or not values.strip() or any(not v for v in parts):
            raise CLIError(f"--grid {item!r}: expected KEY=V1,V2,... with no empty value")
        if key in (k for k, _ in grid):
            raise CLIError(f"--grid {key} is given twice: give its values in one --grid")
        if len(set(parts)) != len(parts):
            raise CLIError(f"--grid {key}: a value is repeated in {values!r}")
        grid.append((key, parts))
    return grid


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` as ``[0, 1, 2]`` (distinct integers >= 0)."""
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise CLIError(f"--seeds {text!r}: expected integers >= 0 such as 0,1,2") from None
    if not seeds or min(seeds) < 0 or len(set(seeds)) != len(seeds):
        raise CLIError(f"--seeds {text!r}: expected distinct integers >= 0 such as 0,1,2")
    return seeds


def _options(train: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """Train's long options by key (``--alpha-post`` as ``alpha_post``)."""
    found = {}
    for action in train._actions:
        for flag in action.option_strings:
            if flag.startswith("--"):
                found[flag[2:].replace("-", "_")] = action
    return found


def _field_names() -> list[str]:
    from lava_stllr.params import STLLRParams

    return [f.name for f in dataclasses.fields(STLLRParams)]


def _arguments(key: str, value: str, options: dict[str, argparse.Action],
               fields: list[str]) -> list[str]:
    """The train arguments that give ``key`` the value ``value``."""
    action = options.get(key)
    if action is None:
        return ["--set", f"{key}={value}"]
    flag = action.option_strings[-1] if key != "set" else "--set"
    if isinstance(action, argparse.BooleanOptionalAction):
        on = value.lower()
        if on not in ("true", "false", "on", "off", "yes", "no", "1", "0"):
            raise CLIError(f"--grid {key}: expected true or false, got {value!r}")
        return [f"--{key.replace('_', '-')}" if on in ("true", "on", "yes", "1")
                else f"--no-{key.replace('_', '-')}"]
    if action.nargs == 0:
        raise CLIError(f"--grid {key}: train's {flag} takes no value; put it after --")
    return [f"--{key.replace('_', '-')}", value]


def check_keys(grid: list[tuple[str, list[str]]], train: argparse.ArgumentParser) -> None:
    """Refuse keys that are neither a train option nor an STLLRParams field."""
    options, fields = _options(train), _field_names()
    for key, _ in grid:
        if key in RESERVED:
            raise CLIError(f"--grid {key}: {RESERVED[key]}")
        if key == "set" or (key not in options and key not in fields):
            raise CLIError(f"--grid {key}: not a train option nor an STLLRParams field "
                           f"({', '.join(fields)}); see 'lava-stllr train --help'")


def check_train_argv(argv: list[str]) -> None:
    """Refuse train arguments the sweep sets itself (``--out``, ``--seed``, ...)."""
    for arg in argv:
        name = arg[2:].split("=")[0].replace("-", "_") if arg.startswith("--") else ""
        if name in RESERVED:
            raise CLIError(f"the train command after -- gives --{name.replace('_', '-')}: "
                           f"{RESERVED[name]}")


def _safe(text: str) -> str:
    """``text`` usable in a folder name (``/`` and spaces become ``_``)."""
    return re.sub(r"[/\\\s]+", "_", text)


def expand(grid: list[tuple[str, list[str]]], seeds: list[int], train_argv: list[str],
           train: argparse.ArgumentParser) -> list[Trial]:
    """Every combination of the grid's values, for every seed (seed innermost)."""
    check_keys(grid, train)
    check_train_argv(train_argv)
    options, fields = _options(train), _field_names()
    trials = []
    keys = [k for k, _ in grid]
    for values in itertools.product(*(v for _, v in grid)):
        setting = tuple(zip(keys, values, strict=True))
        extra: list[str] = []
        for key, value in setting:
            extra += _arguments(key, value, options, fields)
        for seed in seeds:
            name = _safe(",".join([*(f"{k}={v}" for k, v in setting), f"seed={seed}"]))
            trials.append(Trial(name, setting, seed,
                                (*train_argv, *extra, "--seed", str(seed))))
    return trials


def describe(trials: list[Trial]) -> dict[str, Any]:
    """A JSON-able summary of ``trials`` (names and arguments), for ``sweep.json``."""
    return {t.name: list(t.argv) for t in trials}
