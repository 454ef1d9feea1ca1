"""Options that the chosen backend or trainer does not use are refused, one line, before
any folder or data; options left at their defaults always work, and are not recorded
where they do not apply."""

from __future__ import annotations

import json

import pytest

from lava_stllr.cli import main
from lava_stllr.reference import STLLRTrainer

TINY = ["--samples", "8", "--val-samples", "4", "--epochs", "1", "--hidden", "4", "--quiet",
        "--no-plots"]


def one_line_error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lava-stllr: error: "), lines
    return lines[0]


@pytest.mark.parametrize("options, words", [
    (["--backend", "lava", "--optimizer", "adam"],
     "--optimizer adam applies to --backend reference only"),
    (["--backend", "lava", "--optimizer", "sgd"], "--optimizer sgd applies to --backend"),
    (["--backend", "lava", "--batch-size", "7"], "--batch-size applies to --backend reference"),
    (["--backend", "lava", "--signal", "bp"], "--signal bp needs --backend reference"),
    (["--backend", "lava", "--trainer", "bptt"], "--trainer bptt needs --backend reference"),
    (["--backend", "reference", "--trainer", "bptt", "--signal", "dfa"],
     "--signal dfa does not apply to --trainer bptt"),
    (["--backend", "reference", "--trainer", "bptt", "--signal", "bp"],
     "--signal bp does not apply to --trainer bptt"),
])
def test_options_a_backend_does_not_use_are_refused(tmp_path, capsys, options, words):
    out = tmp_path / "run"
    assert main(["train", *TINY, *options, "--out", str(out)]) == 2
    assert words in one_line_error(capsys)
    assert not out.exists()  # refused before the run folder is claimed
    assert "signal must be one of" not in words


@pytest.fixture
def fake_lava(monkeypatch):
    from lava_stllr.cli import lava_adapter

    class FakeLavaTrainer(STLLRTrainer):
        def __init__(self, spec, params, *, signal, precision, seed, **options):
            super().__init__(spec, params, signal=signal, seed=seed)

        def fit(self, train, val=None, epochs=1, progress=True, on_epoch=None):
            return super().fit(train, val, epochs=epochs, batch_size=1, progress=False)

        def evaluate(self, dataset, progress=False, desc="evaluate"):
            return super().evaluate(dataset)

    monkeypatch.setattr(lava_adapter, "LavaNetworkTrainer", FakeLavaTrainer)


@pytest.mark.parametrize("options", [[], ["--signal", "dfa"], ["--trainer", "stllr"]])
def test_lava_records_what_runs_on_chip(tmp_path, fake_lava, options):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--backend", "lava", *options, "--out", str(out)]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["signal"] == "dfa"
    # What the network does (the options themselves are refused for lava).
    assert record["optimizer"] == "sgd" and record["batch_size"] == 1


@pytest.mark.parametrize("options, signal, optimizer, batch", [
    ([], "bp", "sgd", 32),
    (["--signal", "dfa", "--optimizer", "adam", "--batch-size", "3"], "dfa", "adam", 3),
    (["--trainer", "bptt", "--optimizer", "adam"], "bptt", "adam", 32),
])
def test_reference_options_apply_and_are_recorded(tmp_path, options, signal, optimizer,
                                                  batch):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--backend", "reference", *options, "--out", str(out)]) == 0
    record = json.loads((out / "run.json").read_text())
    assert (record["signal"], record["optimizer"], record["batch_size"]) == (
        signal, optimizer, batch)


def test_a_layer_too_large_for_memory_fails_before_allocating(tmp_path, capsys, monkeypatch):
    def no_allocation(*args, **kwargs):
        raise AssertionError("weights were allocated")

    monkeypatch.setattr("lava_stllr.reference.trainer.init_weights", no_allocation)
    out = tmp_path / "run"
    assert main(["train", *TINY, "--backend", "reference", "--hidden", "100000000",
                 "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert "needs about" in line and "GB" in line and "smaller --hidden" in line


def test_memory_estimate_counts_every_weight_and_adam(monkeypatch):
    from lava_stllr.cli import common
    from lava_stllr.cli.parser import CLIError
    from lava_stllr.reference import NetworkSpec

    spec = NetworkSpec((10, 20, 3), recurrent=True)  # 200 + 60 + 400 weights
    need = (200 + 60 + 400) * 8 * common.WEIGHT_COPIES
    monkeypatch.setattr(common, "available_memory", lambda: need)
    common.check_memory(spec)  # fits exactly
    with pytest.raises(CLIError, match=r"660 float64 weights x 6 copies"):
        common.check_memory(spec, "adam")
    monkeypatch.undo()
    assert common.available_memory() > 0
