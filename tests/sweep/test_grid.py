"""Grid expansion and the checks made before any trial starts (no Ray needed)."""

from __future__ import annotations

import argparse

import pytest

from lava_stllr.cli import build_parser
from lava_stllr.cli.parser import CLIError
from lava_stllr.sweep import check, grid

TRAIN = ["--backend", "reference", "--epochs", "1"]


def _train() -> argparse.ArgumentParser:
    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    return sub.choices["train"]


def test_every_setting_runs_with_every_seed() -> None:
    g = grid.parse_grid(["alpha_post=-1,0,1", "psi=triangle,rational"])
    trials = grid.expand(g, [0, 1, 2], TRAIN, _train())
    assert len(trials) == 18
    assert len({t.name for t in trials}) == 18
    first = trials[0]
    assert first.name == "alpha_post=-1,psi=triangle,seed=0"
    assert first.setting_name == "alpha_post=-1,psi=triangle"
    # A train option is given as itself, an STLLRParams field through --set.
    assert first.argv == (*TRAIN, "--alpha-post", "-1", "--set", "psi=triangle",
                          "--seed", "0")
    assert [t.seed for t in trials[:3]] == [0, 1, 2]


def test_train_options_and_booleans() -> None:
    g = grid.parse_grid(["hidden=8,16", "recurrent=true,false", "--signal=dfa"])
    trials = grid.expand(g, [0], TRAIN, _train())
    assert trials[0].argv[len(TRAIN):] == ("--hidden", "8", "--recurrent", "--signal", "dfa",
                                          "--seed", "0")
    assert "--no-recurrent" in trials[1].argv


@pytest.mark.parametrize("items, words", [
    ([], "the grid is empty"),
    (["lr"], "expected KEY=V1,V2"),
    (["lr=0.1,"], "no empty value"),
    (["lr=1", "lr=2"], "given twice"),
    (["lr=1,1"], "repeated"),
])
def test_bad_grids_are_one_line_errors(items: list[str], words: str) -> None:
    with pytest.raises(CLIError, match=words):
        grid.parse_grid(items)


@pytest.mark.parametrize("key, words", [
    ("foo", "not a train option nor an STLLRParams field"),
    ("seed", "use --seeds"), ("out", "names each trial"), ("set", "not a train option"),
])
def test_bad_keys_are_refused(key: str, words: str) -> None:
    with pytest.raises(CLIError, match=words):
        grid.expand(grid.parse_grid([f"{key}=1,2"]), [0], TRAIN, _train())


def test_train_command_may_not_set_what_the_sweep_sets() -> None:
    with pytest.raises(CLIError, match="--out"):
        grid.expand(grid.parse_grid(["lr=1"]), [0], [*TRAIN, "--out", "x"], _train())


@pytest.mark.parametrize("text", ["", "a", "-1", "1,1"])
def test_bad_seeds(text: str) -> None:
    with pytest.raises(CLIError, match="--seeds"):
        grid.parse_seeds(text)


@pytest.mark.parametrize("item, words", [
    ("psi=triangle,bad", "psi must be one of"),
    ("lr=0.1,-3", "lr must be in"),
    ("signal=bp,xx", "invalid choice"),
    ("hidden=8,0", "--hidden"),
])
def test_values_train_refuses_name_the_trial(item: str, words: str) -> None:
    trials = grid.expand(grid.parse_grid([item]), [0], TRAIN, _train())
    with pytest.raises(CLIError, match=words) as info:
        check.check_trials(trials, build_parser())
    assert f"trial {trials[1].name}: train refuses it" in str(info.value)


def test_good_trials_pass_with_their_backend() -> None:
    trials = grid.expand(grid.parse_grid(["psi=triangle,rational"]), [0, 1], TRAIN,
                         _train())
    checked = check.check_trials(trials, build_parser())
    assert {a.backend for a in checked.values()} == {"reference"}
    assert {a.epochs for a in checked.values()} == {1}
