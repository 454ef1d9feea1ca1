"""``train --layers``: dense strings are ``--hidden``, conv strings train conv networks with
the reference conv trainers; their run folders evaluate, plot and load."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.cli.defaults import train_defaults
from lava_stllr.cli.train import make_trainer
from lava_stllr.params import STLLRParams
from lava_stllr.reference import ConvBPTTTrainer, ConvSTLLRTrainer
from lava_stllr.runs import record as runs
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.network import NetworkSpec

TINY = ["--backend", "reference", "--samples", "12", "--val-samples", "8", "--epochs", "1",
        "--quiet"]
CONV = "3c5s2-p2-8"


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lava-stllr: error: "), err
    return err[0]


@pytest.fixture(scope="module")
def conv_run(tmp_path_factory) -> tuple[Path, str]:
    """A tiny conv run on the synthetic dataset, with plots, and its summary."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("conv") / "run"
    text = io.StringIO()
    with contextlib.redirect_stdout(text):
        assert main(["train", *TINY, "--layers", CONV, "--seed", "2", "--out", str(out)]) == 0
    return out, text.getvalue()


def test_a_conv_run_records_its_layers_and_loads(conv_run):
    folder, summary = conv_run
    record = json.loads((folder / "run.json").read_text())
    assert record["network"] == {"kind": "conv", "layers": CONV}
    assert record["spec"]["input_shape"] == [2, 16, 16]  # the synthetic frames (C, H, W)
    loaded = runs.load_run(folder)
    assert isinstance(loaded.spec, ConvNetSpec) and str(loaded.spec) == CONV
    assert loaded.spec.label == "2x16x16-3c5s2-p2-8-4"
    assert [w.shape for w in loaded.weights.feedforward] == list(loaded.spec.weight_shapes)
    assert f"trained {loaded.spec.label} with S-TLLR (bp signal)" in summary
    assert {"learning_curve.png", "spike_raster.png", "weight_change.png"} <= set(
        record["plots"])


def test_evaluate_a_conv_run_gives_the_held_out_figures_of_training(conv_run, capsys):
    folder, summary = conv_run
    record = json.loads((folder / "run.json").read_text())
    capsys.readouterr()
    assert main(["evaluate", str(folder), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["samples"] == 8
    assert result["accuracy"] == pytest.approx(record["accuracy"]["val"], abs=1e-12)
    assert result["loss"] == pytest.approx(record["accuracy"]["val_loss"], rel=1e-9)
    assert f"held-out accuracy: {result['accuracy']:.3f}" in summary


def test_evaluate_on_lava_refuses_a_conv_run_without_a_dense_layer(tmp_path, capsys):
    # A conv run evaluates in Lava as a frozen front-end before its dense part
    # (tests/cli/test_gesture_cli.py); without a dense layer there is no dense part.
    out = tmp_path / "no_dense"
    assert main(["train", *TINY, "--layers", "3c5s2-p2", "--no-plots", "--out",
                 str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--backend", "lava"]) == 2
    assert "at least one dense layer" in one_line_error(capsys)


def test_a_dense_layer_string_is_hidden_bit_for_bit(tmp_path):
    folders = []
    for option in (["--hidden", "8,4"], ["--layers", "8-4"]):
        out = tmp_path / option[0].strip("-")
        assert main(["train", *TINY, *option, "--no-plots", "--out", str(out)]) == 0
        folders.append(out)
    a, b = (runs.load_run(f) for f in folders)
    assert isinstance(b.spec, NetworkSpec) and a.spec == b.spec
    assert a.spec.sizes == (512, 8, 4, 4)
    for wa, wb in zip(a.weights.arrays(), b.weights.arrays(), strict=True):
        np.testing.assert_array_equal(wa, wb)
    assert a.record["accuracy"] == b.record["accuracy"]
    assert a.record["network"] == b.record["network"] == {"kind": "dense", "layers": "8-4"}


@pytest.mark.parametrize(("options", "words"), [
    (["--backend", "reference", "--layers", "8", "--hidden", "8"], "not both"),
    (["--layers", CONV], "--backend reference"),
    (["--backend", "reference", "--layers", CONV, "--recurrent"], "dense layers only"),
    (["--backend", "reference", "--layers", "4c20"], "every spatial size"),
    (["--backend", "reference", "--layers", "4x5"], "not understood"),
    (["--backend", "reference", "--layers", "16-4c3"], "follows a dense layer"),
    (["--ws", "--samples", "4"], "--ws/--no-ws applies to --backend reference only"),
])
def test_refusals_exit_2_and_write_nothing(tmp_path, capsys, options, words):
    out = tmp_path / "never"
    assert main(["train", *options, "--out", str(out)]) == 2
    assert words in one_line_error(capsys)
    assert not out.exists()


def _args(trainer: str, signal: str, ws: bool | None = None) -> argparse.Namespace:
    return argparse.Namespace(backend="reference", trainer=trainer, signal=signal,
                              optimizer="adam", seed=5, dtype="float32", precision="float",
                              ws=ws)


@pytest.mark.parametrize(("trainer", "signal", "cls"), [
    ("stllr", "bp", ConvSTLLRTrainer), ("stllr", "dfa", ConvSTLLRTrainer),
    ("bptt", "bptt", ConvBPTTTrainer),
])
def test_conv_specs_get_the_conv_trainers_with_the_options(trainer, signal, cls):
    spec = ConvNetSpec.parse("2c3-p2-4", (2, 6, 6), 3)
    made = make_trainer(_args(trainer, signal), spec, STLLRParams(lr=0.01))
    assert type(made) is cls and made.seed == 5 and made.dtype == np.float32
    assert type(made.optimizer).__name__.lower().startswith("adam")
    assert made.standardize  # weight standardization: on by default for conv networks
    if cls is ConvSTLLRTrainer:
        assert made.signal == signal and bool(made.feedback) == (signal == "dfa")


@pytest.mark.parametrize(("spec", "ws", "want"), [
    (ConvNetSpec.parse("2c3-p2-4", (2, 6, 6), 3), False, False),
    (NetworkSpec((12, 5, 3)), None, False),  # off by default for dense networks
    (NetworkSpec((12, 5, 3)), True, True),
])
def test_ws_option_chooses_weight_standardization(spec, ws, want):
    args = _args("stllr", "bp", ws)
    assert make_trainer(args, spec, STLLRParams(lr=0.01)).standardize is want
    assert args.ws is want  # resolved, as run.json records it


def test_a_conv_run_records_weight_standardization(conv_run, tmp_path):
    folder, _ = conv_run
    assert json.loads((folder / "run.json").read_text())["weight_standardization"] is True
    out = tmp_path / "plain"
    assert main(["train", *TINY, "--layers", CONV, "--no-ws", "--out", str(out)]) == 0
    assert json.loads((out / "run.json").read_text())["weight_standardization"] is False


def test_conv_layers_on_nmnist_frames(tmp_path, write_nmnist, capsys):
    pytest.importorskip("tonic")
    data = write_nmnist(tmp_path / "nmnist", n=12)
    out = tmp_path / "run"
    assert main(["train", "--dataset", "nmnist", "--data-dir", str(data), *TINY[:2],
                 "--samples", "8", "--val-samples", "4", "--epochs", "1", "--quiet",
                 "--layers", "2c3s2-4", "--no-plots", "--out", str(out)]) == 0
    loaded = runs.load_run(out)
    assert loaded.spec.input_shape == (2, 17, 17)  # 34x34x2 downsampled by 2
    assert loaded.record["weight_standardization"] is True
    # The synthetic dataset's 512 inputs do not fit the 578 of this network.
    capsys.readouterr()
    assert main(["evaluate", str(out), "--dataset", "synthetic"]) == 2
    assert "does not fit" in one_line_error(capsys)
    # Its head keeps learning on chip at the fine-tuning step size, not the from-scratch one
    onchip = tmp_path / "onchip"
    assert main(["train", "--backend", "lava", "--init", str(out), "--epochs", "1",
                 "--quiet", "--no-plots", "--out", str(onchip)]) == 0
    assert runs.load_run(onchip).params.lr == train_defaults("nmnist", "lava").init_lr == 3e-4


def test_a_conv_network_too_large_for_memory_fails_before_allocating(tmp_path, capsys,
                                                                     monkeypatch):
    def no_allocation(*args, **kwargs):
        raise AssertionError("weights were allocated")

    monkeypatch.setattr("lava_stllr.reference.conv_trainer.init_conv_weights", no_allocation)
    out = tmp_path / "run"
    assert main(["train", *TINY, "--layers", "4c5-p2-100000000", "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert "2x16x16-4c5-p2-100000000-4 needs about" in line and "--layers" in line


def test_the_memory_estimate_of_a_conv_network_counts_kernels_and_matrices(monkeypatch):
    from lava_stllr.cli import common
    from lava_stllr.cli.parser import CLIError

    spec = ConvNetSpec.parse("2c3-p2-5", (2, 6, 6), 3)  # 2*2*9 + 5*2*2*2 + 3*5 weights
    n = 36 + 40 + 15
    monkeypatch.setattr(common, "available_memory", lambda: n * 4 * common.WEIGHT_COPIES)
    common.check_memory(spec, dtype="float32")  # fits exactly
    with pytest.raises(CLIError, match=rf"{n} float64 weights x 4 copies"):
        common.check_memory(spec)
