"""``train --init RUN``: training goes on from a finished run's weights, network and data
(dense runs here; conv runs in tests/cli/test_gesture_cli.py)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.cli.defaults import train_defaults
from lava_stllr.runs import record as runs

INIT = ["train", "--backend", "reference", "--samples", "16", "--val-samples", "8",
        "--epochs", "1", "--hidden", "8", "--seed", "3", "--lam-pre", "0.7", "--quiet",
        "--no-plots"]


@pytest.fixture(scope="module")
def dense_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("init") / "dense"
    assert main([*INIT, "--out", str(out)]) == 0
    return out


def _train_on(dense_run, out, *options: str) -> tuple[dict, runs.LoadedRun]:
    assert main(["train", "--init", str(dense_run), "--epochs", "1", "--quiet",
                 "--no-plots", "--out", str(out), *options]) == 0
    return json.loads((out / "run.json").read_text()), runs.load_run(out)


def _check_continues(record: dict, done: runs.LoadedRun, dense_run) -> None:
    init = runs.load_run(dense_run)
    assert record["init_run"]["path"] == str(dense_run.resolve())
    assert record["init_run"]["name"] == "dense"
    # Epoch 0: the init run's weights on its own held-out set (same seed, same files).
    assert record["seed"] == 3 and record["dataset"]["val_hash"] == init.record[
        "dataset"]["val_hash"]
    assert record["init_run"]["val_acc"] == init.record["accuracy"]["val"]
    assert record["init_run"]["val_loss"] == pytest.approx(init.record["accuracy"]["val_loss"],
                                                           abs=1e-9)
    assert done.spec == init.spec
    assert done.params.lam_pre == 0.7  # the init run's parameters
    for new, old in zip(done.weights.arrays(), init.weights.arrays(), strict=True):
        assert not np.array_equal(new, old), "every dense layer keeps learning"


def test_reference_backend_fine_tunes_a_run(dense_run, tmp_path, capsys) -> None:
    record, done = _train_on(dense_run, tmp_path / "tuned", "--backend", "reference",
                             "--lr", "0.05")
    assert "epoch 0: held-out acc" in capsys.readouterr().out
    _check_continues(record, done, dense_run)
    assert done.params.lr == 0.05 and record["backend"] == "reference"


@pytest.mark.timeout(120)
def test_lava_backend_keeps_learning_from_a_run(dense_run, tmp_path) -> None:
    record, done = _train_on(dense_run, tmp_path / "onchip")
    _check_continues(record, done, dense_run)
    assert record["backend"] == "lava" and record["signal"] == "dfa"
    assert done.params.lr == train_defaults("synthetic", "lava").lr  # the backend's lr
    assert len(record["history"]["val_acc"]) == 1


@pytest.mark.parametrize("options, why", [
    (["--hidden", "16"], "holds the network"),
    (["--layers", "8-8"], "holds the network"),
    (["--recurrent"], "no recurrent weights"),
    (["--preset", "dvs_gesture"], "parameters come from the init run"),
    (["--dataset", "nmnist"], "was trained on synthetic"),
    (["--time-bins", "5"], "--time-bins does not apply"),
    (["--samples", "12"], "held-out samples must stay the init run's own"),
    (["--val-samples", "4"], "held-out samples must stay the init run's own"),
    (["--seed", "4"], "held-out samples must stay the init run's own"),
])
def test_options_that_contradict_the_init_run_are_refused(dense_run, tmp_path, capsys,
                                                          options, why) -> None:
    out = tmp_path / "refused"
    assert main(["train", "--init", str(dense_run), "--quiet", "--out", str(out),
                 *options]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lava-stllr: error:") and why in err and err.count("\n") == 1
    assert not out.exists()


def test_init_needs_the_run_record(dense_run, tmp_path, capsys) -> None:
    alone = tmp_path / "weights.npz"
    shutil.copy(dense_run / runs.WEIGHTS_FILE, alone)
    assert main(["train", "--init", str(alone), "--quiet", "--out",
                 str(tmp_path / "x")]) == 2
    assert "no run.json" in capsys.readouterr().err


def test_init_never_writes_into_its_own_run(dense_run, tmp_path, capsys) -> None:
    before = (dense_run / "run.json").read_bytes()
    assert main(["train", "--init", str(dense_run), "--quiet", "--out", str(dense_run),
                 "--overwrite"]) == 2
    assert "init run's own folder" in capsys.readouterr().err
    assert (dense_run / "run.json").read_bytes() == before
    assert not (dense_run / "INCOMPLETE").exists()
