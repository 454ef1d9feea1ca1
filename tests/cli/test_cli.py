"""The lava-stllr command line: in-process ``main([...])`` with tiny reference runs, plus one
subprocess for the installed entry point's exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.runs import record as runs

REPO = Path(__file__).resolve().parents[2]
TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "2",
        "--hidden", "8", "--quiet"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def one_line_error(capsys) -> str:
    """The stderr of the last call: exactly one line, ``lava-stllr: error: ...``."""
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("lava-stllr: error: "), err
    return lines[0]


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A tiny reference run with plots, shared by the read-only tests."""
    out = tmp_path_factory.mktemp("cli") / "run"
    assert main(["train", *TINY, "--out", str(out), "--seed", "3"]) == 0
    return out


def test_help_lists_the_subcommands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("train", "evaluate", "export", "microcode", "info"):
        assert command in out
    assert main(["train", "--help"]) == 0
    assert "--backend" in capsys.readouterr().out


def test_train_writes_weights_record_and_plots(run_dir, capsys):
    names = {p.name for p in run_dir.iterdir()}
    assert {"weights.npz", "run.json", "learning_curve.png", "spike_raster.png",
            "weight_change.png"} <= names
    assert not [n for n in names if n.endswith(".tmp")]
    loaded = runs.load_run(run_dir)
    assert loaded.spec.sizes == (512, 8, 4)
    assert all(np.all(np.isfinite(w)) for w in loaded.weights.arrays())
    record = json.loads((run_dir / "run.json").read_text())
    assert set(runs.RECORD_FIELDS) <= set(record)
    assert record["command"][:2] == ["lava-stllr", "train"]
    assert record["seed"] == 3 and record["backend"] == "reference"
    assert record["dataset"]["n_train"] == 16 and record["dataset"]["n_val"] == 8
    assert 0.0 <= record["accuracy"]["val"] <= 1.0
    assert set(record["timings"]) >= {"data", "train", "plots"}
    assert record["versions"]["lava-nc"] == "0.10.0"
    assert len(record["history"]["train_acc"]) == 2
    assert record["params"]["lr"] == 0.2  # the reference default
    for name in record["plots"]:
        data = (run_dir / name).read_bytes()
        assert data[:8] == PNG_SIGNATURE and len(data) > 5_000


def test_train_prints_a_summary(tmp_path, capsys):
    out = tmp_path / "r"
    args = ["train", *TINY, "--out", str(out), "--no-plots", "--trainer", "bptt",
            "--preset", "shd", "--lr", "0.1", "--set", "window=5", "--set", "reset=hard"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "BPTT" in text and "held-out accuracy" in text and str(out) in text
    assert not list(out.glob("*.png"))
    record = json.loads((out / "run.json").read_text())
    assert record["params"]["window"] == 5 and record["params"]["reset"] == "hard"
    assert record["params"]["lam_pre"] == 1.0 and record["params"]["lr"] == 0.1


def test_evaluate(run_dir, capsys):
    assert main(["evaluate", str(run_dir)]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert main(["evaluate", str(run_dir / "weights.npz"), "--json", "--samples", "4"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["samples"] == 4 and 0.0 <= result["accuracy"] <= 1.0


def test_export_and_check(run_dir, tmp_path, capsys):
    out = tmp_path / "net.h5"
    assert main(["export", str(run_dir), "-o", str(out), "--check", "3", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert out.is_file() and result["file"] == str(out)
    assert [row["role"] for row in result["layers"]] == ["hidden", "readout"]
    assert result["check"]["samples"] == 3
    assert main(["export", str(run_dir)]) == 0
    assert "dense" in capsys.readouterr().out
    assert (run_dir / "netx.h5").is_file()


def test_info(capsys):
    assert main(["info"]) == 0
    assert "lava-nc" in capsys.readouterr().out
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert {"versions", "presets", "datasets", "backends", "lava_dl"} <= set(info)
    assert info["backends"]["reference"] == "available"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--bogus"], "unrecognized arguments: --bogus"),
        (["bogus"], "invalid choice"),
        (["train", *TINY, "--lam-pre", "1.5"], "lam_pre must be in"),
        (["train", *TINY, "--lr", "-1"], "lr must be in"),
        (["train", *TINY, "--hidden", "0"], "--hidden"),
        (["train", *TINY, "--epochs", "x"], "--epochs"),
        (["train", *TINY, "--set", "nope=1"], "unknown parameter 'nope'"),
        (["train", *TINY, "--set", "window=abc"], "window must be an integer"),
        (["train", *TINY, "--set", "psi=cubic"], "psi must be one of"),
        (["train", *TINY, "--dataset", "nmnist"], "needs --data-dir"),
        (["train", *TINY, "--dataset", "shd", "--data-dir", "/no/such/dir"],
         "data folder not found"),
        (["train", *TINY, "--precision", "fixed"], "reference backend is float only"),
        (["train", *TINY, "--update", "sample"], "--update applies to --backend lava only"),
        (["train", *TINY, "--train-eval", "5"], "--train-eval applies to --backend lava"),
        (["train", "--backend", "lava", "--lr-decay", "0"], "expected a number in (0, 1]"),
        (["train", "--backend", "lava", "--average-last", "2"],
         "--average-last applies to --backend reference only"),
        (["train", *TINY, "--epochs", "2", "--average-last", "3"],
         "--average-last 3 averages more epochs than the run has (--epochs 2)"),
        (["train", *TINY, "--average-last", "0"], "expected an integer >= 1"),
        (["train", *TINY, "--augment"], "--augment: dataset 'synthetic' has no augmentation"),
        (["evaluate", "/no/such/run"], "no run folder or weights file"),
        (["export", "/no/such/run"], "no run folder or weights file"),
    ],
)
def test_user_errors_are_one_line_with_status_2(args, message, capsys, tmp_path):
    assert main([*args, "--out", str(tmp_path / "o")] if args[0] == "train"
                and "--bogus" not in args else args) == 2
    assert message in one_line_error(capsys)
    assert not (tmp_path / "o").exists()


def test_existing_run_is_not_overwritten(run_dir, capsys):
    assert main(["train", *TINY, "--out", str(run_dir), "--no-plots"]) == 2
    assert "already holds a run" in one_line_error(capsys)


def test_empty_data_folder_is_one_line(tmp_path, capsys):
    assert main(["train", *TINY, "--dataset", "nmnist", "--data-dir", str(tmp_path)]) == 2
    assert "N-MNIST" in one_line_error(capsys)


def test_debug_shows_the_traceback():
    with pytest.raises(ValueError, match="lam_pre"):
        main(["--debug", "train", *TINY, "--lam-pre", "1.5"])


def test_lava_backend_gets_the_lava_defaults(monkeypatch, tmp_path, capsys):
    """``--backend lava`` (the default) hands the Lava defaults to the Lava trainer."""
    from lava_stllr.cli import lava_adapter
    from lava_stllr.reference import STLLRTrainer

    calls = {}

    class FakeLavaTrainer(STLLRTrainer):
        def __init__(self, spec, params, *, signal, precision, seed, **options):
            calls.update(signal=signal, precision=precision, seed=seed, lr=params.lr,
                         **options)
            super().__init__(spec, params, signal=signal, seed=seed)

        def fit(self, train, val=None, epochs=1, progress=True, on_epoch=None):
            calls["progress"] = progress
            return super().fit(train, val, epochs=epochs, batch_size=1, progress=False)

        def evaluate(self, dataset, progress=False, desc="evaluate"):
            return super().evaluate(dataset)

    monkeypatch.setattr(lava_adapter, "LavaNetworkTrainer", FakeLavaTrainer)
    out = tmp_path / "lava"
    args = ["train", "--samples", "8", "--val-samples", "4", "--hidden", "4", "--quiet",
            "--no-plots", "--precision", "fixed", "--out", str(out)]
    assert main(args) == 0
    assert calls == {"signal": "dfa", "precision": "fixed", "seed": 0, "lr": 0.005,
                     "update": "step", "lr_decay": 1.0, "train_eval": 0, "progress": False}
    record = json.loads((out / "run.json").read_text())
    assert record["backend"] == "lava" and record["update"] == "step"
    assert record["train_accuracy"].startswith("online, while learning")
    assert main(["evaluate", str(out), "--backend", "lava", "--samples", "4"]) == 0


def test_stllr_network_adapter(monkeypatch, tmp_path, capsys):
    """The Lava backend adapts lava_stllr.lavanet.network.STLLRNetwork to the trainer protocol."""
    from lava_stllr.reference import NetworkSpec, init_weights

    built, closed, given, phases, scales = [], [], [], [], []

    class Result:
        def __init__(self, n, n_classes):
            self.scores = np.zeros((n, n_classes))
            self.labels = np.zeros(n, dtype=int)
            self.loss, self.accuracy = 1.0, 0.25

    class FakeNetwork:
        def __init__(self, sizes, n_steps, *, params, signal, beta_out, init_gain, seed,
                     graded_input, precision, update, weights):
            built.append(dict(sizes=sizes, n_steps=n_steps, signal=signal, precision=precision,
                              graded_input=graded_input, update=update))
            given.append(weights)
            self.sizes = sizes

        def train(self, dataset, indices=None, progress=True, desc="train", lr_scale=1.0):
            assert sorted(indices) == list(range(len(dataset)))
            phases.append(desc)
            scales.append(lr_scale)
            return Result(len(dataset), self.sizes[-1])

        def evaluate(self, dataset, indices=None, progress=False, desc="evaluate"):
            phases.append(desc)
            n = len(dataset) if indices is None else len(indices)
            return Result(n, self.sizes[-1])

        def weights(self):
            from lava_stllr.reference import NetworkSpec

            return init_weights(NetworkSpec(self.sizes), 9).feedforward

        def close(self):
            closed.append(True)

    fake = types.ModuleType("lava_stllr.lavanet.network")
    fake.STLLRNetwork = FakeNetwork
    monkeypatch.setitem(sys.modules, "lava_stllr.lavanet.network", fake)
    out = tmp_path / "lava"
    args = ["train", "--samples", "8", "--val-samples", "4", "--hidden", "4", "--epochs",
            "2", "--quiet", "--no-plots", "--precision", "fixed", "--out", str(out)]
    assert main(args) == 0
    assert built == [dict(sizes=(512, 4, 4), n_steps=24, signal="dfa", precision="fixed",
                          graded_input=False, update="step")]  # fixed point: binary spikes
    assert closed == [True]
    record = json.loads((out / "run.json").read_text())
    assert record["history"]["val_acc"] == [0.25, 0.25]
    # The progress bars name the epoch and the phase (epoch 0: the held-out set before
    # training); the train accuracy is the online one.
    assert phases == ["epoch 0 validate"] + [f"epoch {e}/2 {phase}" for e in (1, 2)
                                             for phase in ("train", "validate")]
    assert scales == [1.0, 1.0] and record["train_accuracy"].startswith("online, while learning")
    phases.clear(), scales.clear(), built.clear()
    again = tmp_path / "lava-sample"
    assert main([*args[:-1], str(again), "--update", "sample", "--lr-decay", "0.5",
                 "--train-eval", "3"]) == 0
    assert built[0]["update"] == "sample" and scales == [1.0, 0.5]
    assert phases == ["epoch 0 validate"] + [f"epoch {e}/2 {phase}" for e in (1, 2) for phase
                                             in ("train", "train accuracy (learning off)",
                                                 "validate")]
    record = json.loads((again / "run.json").read_text())
    assert (record["update"], record["lr_decay"], record["train_eval"]) == ("sample", 0.5, 3)
    assert record["train_accuracy"] == "learning off, 3 training samples"
    # evaluate builds a Lava network from the run's saved weights (the fake's trained ones)
    assert main(["evaluate", str(out), "--backend", "lava"]) == 0
    saved = init_weights(NetworkSpec((512, 4, 4)), 9).feedforward
    for got, want in zip(given[-1].feedforward, saved, strict=True):
        np.testing.assert_array_equal(got, want)


def test_microcode_prints_the_listing_of_the_options(monkeypatch, capsys):
    fake = types.ModuleType("lava_stllr.loihi.microcode")
    fake.microcode_listing = lambda params, update: {"dw": "u0*x1*y2 + x0*y3",
                                                     "lam_pre": params.lam_pre,
                                                     "update": update}
    fake.format_microcode = lambda listing: f"dw = {listing['dw']}"
    monkeypatch.setitem(sys.modules, "lava_stllr.loihi.microcode", fake)
    assert main(["microcode", "--preset", "dvs_gesture"]) == 0
    assert capsys.readouterr().out.strip() == "dw = u0*x1*y2 + x0*y3"
    assert main(["microcode", "--json", "--lam-pre", "0.5"]) == 0
    assert json.loads(capsys.readouterr().out)["lam_pre"] == 0.5
    assert main(["microcode", "--json", "--update", "sample"]) == 0
    assert json.loads(capsys.readouterr().out)["update"] == "sample"


def _entry_point() -> list[str]:
    script = Path(sys.executable).with_name("lava-stllr")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "lava_stllr.cli"]


def test_python_dash_m_runs_the_command():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([sys.executable, "-m", "lava_stllr.cli", "--version"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("lava-stllr "), proc.stderr


def test_dataset_choices_come_from_the_registry():
    from lava_stllr.cli import DATASETS
    from lava_stllr.data import registry

    assert DATASETS == tuple(registry.DATASETS) == ("synthetic", "nmnist", "dvsgesture", "shd",
                                                    "heidelberg-digits")
    assert [n for n, e in registry.DATASETS.items() if not e.needs_data_dir] == ["synthetic"]
    train, val = registry.load_train_val("synthetic", registry.DataRequest(
        n_train=3, n_val=2, seed=1))
    assert (len(train), len(val)) == (3, 2)


def test_entry_point_exit_code_and_no_import_side_effects():
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run([*_entry_point(), "train", "--bogus"], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "lava-stllr: error: unrecognized arguments: --bogus (see 'lava-stllr --help')"]
    code = ("import sys, lava_stllr.cli, lava_stllr.runs.plots, lava_stllr.runs.record, "
            "lava_stllr.export; print(sorted(m for m in ('matplotlib', 'h5py', "
            "'lava.magma', 'tonic') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_average_last_ends_the_run_with_the_averaged_weights(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *TINY, "--epochs", "3", "--average-last", "2", "--no-plots",
                 "--out", str(run)]) == 0
    assert "(the mean of the last 2 epochs' weights)" in capsys.readouterr().out
    record = json.loads((run / "run.json").read_text())
    assert record["average_last"] == 2 and len(record["history"]["val_acc"]) == 3
    assert record["accuracy"]["val"] == record["history"]["averaged_val_acc"]
    # The saved weights are the averaged ones: evaluating them scores the same.
    assert main(["evaluate", str(run), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["accuracy"] == record["accuracy"]["val"]
