"""Splits, all-file training, binning options and what run.json records about them."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.cli.common import recorded_request
from lava_stllr.runs.record import load_run

REPO = Path(__file__).resolve().parents[2]
TINY = ["--backend", "reference", "--epochs", "1", "--hidden", "8", "--quiet",
        "--no-plots", "--dataset", "nmnist"]


@pytest.fixture
def data(tmp_path, write_nmnist):
    """18 training and 7 test recordings."""
    root = write_nmnist(tmp_path / "nmnist", 18, "Train")
    return write_nmnist(root, 7, "Test", seed=1)


def _record(run: Path) -> dict:
    return json.loads((run / "run.json").read_text())


def _evaluate(capsys, *args: str) -> dict:
    capsys.readouterr()
    assert main(["evaluate", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_train_on_every_file_of_a_split_without_held_out_set(data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "all",
                 "--val-samples", "0", "--out", str(run)]) == 0
    assert "18 training / 0 held-out" in capsys.readouterr().out
    record = _record(run)
    ds = record["dataset"]
    assert (ds["n_train"], ds["n_val"], ds["split"], ds["data_files"]) == (18, 0, "train", 18)
    assert record["accuracy"]["val"] is None and ds["val_hash"] is None
    # No held-out set to re-evaluate: the user must name the samples.
    assert main(["evaluate", str(run)]) == 2
    assert "no held-out set" in capsys.readouterr().err
    result = _evaluate(capsys, str(run), "--split", "test")
    assert (result["data"], result["samples"]) == ("test split", 7)
    result = _evaluate(capsys, str(run), "--split", "train", "--samples", "5")
    assert (result["data"], result["samples"]) == ("train split", 5)


def test_held_out_samples_from_the_test_split(data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "all",
                 "--val-samples", "4", "--val-split", "test", "--out", str(run)]) == 0
    ds = _record(run)["dataset"]
    assert (ds["n_train"], ds["n_val"], ds["val_split"]) == (18, 4, "test")
    # Re-evaluating the run reads the same 4 test files (its recorded hash matches).
    result = _evaluate(capsys, str(run))
    assert (result["data"], result["samples"]) == ("held-out", 4)
    assert "differ" not in capsys.readouterr().err
    assert _record(run)["accuracy"]["val"] == pytest.approx(result["accuracy"])


def test_the_test_split_can_be_trained_on(data, tmp_path):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--split", "test", "--samples",
                 "5", "--val-samples", "2", "--out", str(run)]) == 0
    ds = _record(run)["dataset"]
    assert (ds["split"], ds["val_split"], ds["n_train"], ds["n_val"]) == ("test", "test", 5, 2)


def test_binning_options_shape_the_input_and_are_recorded(data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "8", "--out",
                 str(run), "--time-bins", "10", "--window-ms", "100", "--downsample", "1",
                 "--input", "counts"]) == 0
    record = _record(run)
    binning = record["dataset"]["binning"]
    assert (binning["n_time_bins"], binning["t_end_us"], binning["downsample"],
            binning["max_count"]) == (10, 100_000, 1, None)
    assert record["dataset"]["n_steps"] == 10 and record["spec"]["sizes"][0] == 34 * 34 * 2
    # Evaluation bins the files as the run did (else 2312 inputs would not fit).
    assert _evaluate(capsys, str(run))["samples"] == 2


def test_nmnist_defaults_to_binary_input(data, tmp_path):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "8", "--out",
                 str(run)]) == 0
    binning = _record(run)["dataset"]["binning"]
    assert (binning["max_count"], binning["n_time_bins"], binning["downsample"]) == (1, 25, 2)
    assert _record(run)["spec"]["sizes"][0] == 578


def test_runs_recorded_before_binning_options_are_binned_as_counts(data, tmp_path):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "8", "--out",
                 str(run)]) == 0
    path = run / "run.json"
    record = _record(run)
    for key in ("binning", "split", "val_split"):
        del record["dataset"][key]
    path.write_text(json.dumps(record))
    args = argparse.Namespace(dataset=None, data_dir=None, seed=None, cache_dir=None)
    name, request = recorded_request(args, load_run(run))
    assert name == "nmnist" and dict(request.binning) == {"max_count": None}
    assert (request.split, request.val_split) == ("train", None)


@pytest.mark.parametrize("argv, message", [
    (["--time-bins", "5"], "generated in code"),
    (["--input", "binary"], "generated in code"),
    (["--dataset", "nmnist", "--data-dir", ".", "--samples", "all"],
     "--samples all needs --val-samples"),
    (["--samples", "0"], "expected an integer >= 1"),
    (["--window-ms", "-3"], "expected a number > 0"),
    (["--split", "validation"], "invalid choice"),
])
def test_bad_data_options_fail_in_one_line_before_a_folder_exists(tmp_path, capsys, argv,
                                                                  message):
    out = tmp_path / "run"
    assert main(["train", "--quiet", "--out", str(out), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_evaluate_all_samples_needs_a_split(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--backend", "reference", "--samples", "8", "--epochs", "1",
                 "--hidden", "4", "--quiet", "--no-plots", "--out", str(run)]) == 0
    assert main(["evaluate", str(run), "--samples", "all"]) == 2
    assert "--samples all needs --split" in capsys.readouterr().err
    # The synthetic test split is the held-out stream: the same samples, the same result.
    held = _evaluate(capsys, str(run))
    split = _evaluate(capsys, str(run), "--split", "test", "--samples", "2")
    assert held["samples"] == split["samples"] == 2
    assert held["accuracy"] == split["accuracy"] and held["loss"] == split["loss"]


def test_a_closed_pipe_ends_quietly_with_sigpipe_status():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "lava_stllr.cli", "microcode"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    proc.stdout.close()  # the reader is gone before the command writes a byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 141, err
    assert err == ""


def test_evaluate_samples_takes_the_first_of_the_recorded_held_out_set(data, tmp_path,
                                                                        capsys):
    """``--samples N`` must not re-split the files (which would hand back training
    samples for N-MNIST, whose held-out set is the tail of each class)."""
    from lava_stllr.cli.common import held_out_data

    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "12", "--val-samples", "6",
                 "--out", str(run)]) == 0
    loaded = load_run(run)
    args = argparse.Namespace(dataset=None, data_dir=None, samples=None, seed=None,
                              cache_dir=None, split=None)
    _, _, full = held_out_data(args, loaded)
    _, _, first = held_out_data(argparse.Namespace(**{**vars(args), "samples": 3}), loaded)
    assert len(full) == 6 and len(first) == 3
    for i in range(3):
        assert np.array_equal(first[i][0], full[i][0]) and first[i][1] == full[i][1]
    assert main(["evaluate", str(run), "--samples", "7"]) == 2
    assert "held-out set has 6 samples" in capsys.readouterr().err


def test_evaluate_predictions_never_replace_a_file(data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "12",
                 "--val-samples", "6", "--out", str(run)]) == 0
    record = (run / "run.json").read_bytes()
    assert main(["evaluate", str(run), "--predictions", str(run / "run.json")]) == 2
    assert "already exists" in capsys.readouterr().err
    assert (run / "run.json").read_bytes() == record
    assert main(["evaluate", str(run), "--predictions", str(tmp_path / "no" / "p.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--predictions", str(tmp_path / "p.csv")]) == 0
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert lines[0] == "sample,label,prediction" and len(lines) == 7


def test_tune_holds_out_a_fifth_of_the_training_samples_never_the_held_out_ones(
        tmp_path, write_nmnist, capsys):
    from lava_stllr.data import registry
    from lava_stllr.data.fingerprint import underlying

    # Classes in blocks of 4 files (ids 1-4 digit 0, 5-8 digit 1, ...): the tail of the
    # training samples then differs from the tail of the first 10 files.
    cyclic = write_nmnist(tmp_path / "cyclic", 20)
    data = tmp_path / "blocks"
    for path in sorted((cyclic / "Train").rglob("*.bin")):
        block = data / "Train" / str((int(path.stem) - 1) // 4)
        block.mkdir(parents=True, exist_ok=True)
        (block / path.name).write_bytes(path.read_bytes())
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "10",
                 "--val-samples", "5", "--tune", "--out", str(run)]) == 0
    assert "8 training / 2 validation samples (--tune" in capsys.readouterr().out
    ds = _record(run)["dataset"]
    assert (ds["n_train"], ds["n_val"], ds["tune"]) == (8, 2, True)
    request = registry.DataRequest(root=data, n_train=10, n_val=5)
    train, held_out = registry.load_train_val("nmnist", request)
    tune_train, tune_val = registry.load_train_val(
        "nmnist", registry.DataRequest(root=data, n_train=10, n_val=5, tune=True))
    ids = [set(underlying(d)[1]) for d in (train, held_out, tune_train, tune_val)]
    assert ids[2] | ids[3] == ids[0] and not ids[2] & ids[3] and not ids[1] & ids[3]
    # evaluate RUN scores the run's own validation samples again, not the held-out ones
    no_options = argparse.Namespace(dataset=None, data_dir=None, seed=None, cache_dir=None)
    name, again = recorded_request(no_options, load_run(run))
    assert set(underlying(registry.load_train_val(name, again)[1])[1]) == ids[3]
    result = _evaluate(capsys, str(run))
    assert result["samples"] == 2
    assert result["accuracy"] == pytest.approx(_record(run)["accuracy"]["val"])
    # a tune run only chooses settings: no run starts from it, and --init takes no --tune
    capsys.readouterr()
    assert main(["train", *TINY, "--init", str(run), "--out", str(tmp_path / "b")]) == 2
    assert "a --tune run only chooses settings" in capsys.readouterr().err


def test_augment_shifts_nmnist_samples_and_records_how_far(data, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "10",
                 "--val-samples", "5", "--augment", "--out", str(run)]) == 0
    ds = _record(run)["dataset"]
    assert (ds["augment"], ds["max_shift"]) == (True, 1)  # the default
    from lava_stllr.data import registry
    from lava_stllr.data.frame_shifts import RandomShifts

    request = registry.DataRequest(root=data, n_train=10, n_val=5, augment=True, tune=True)
    train, val = registry.load_train_val("nmnist", request)
    assert isinstance(train, RandomShifts) and len(train) == 8  # the training four-fifths
    assert not hasattr(val, "for_epoch") and len(val) == 2  # never shifted
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "10",
                 "--val-samples", "5", "--augment", "--max-shift", "3", "--downsample",
                 "1", "--out", str(run), "--overwrite"]) == 0
    assert _record(run)["dataset"]["max_shift"] == 3


@pytest.mark.parametrize("args, message", [
    (["--max-shift", "2"], "--max-shift applies to nmnist with --augment only"),
    (["--tune", "--val-samples", "0"], "--tune holds out a fifth of the training samples"),
])
def test_augment_and_tune_options_where_they_do_nothing_are_refused(data, tmp_path, capsys,
                                                                     args, message):
    assert main(["train", *TINY, "--data-dir", str(data), "--samples", "10", *args,
                 "--out", str(tmp_path / "run")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
