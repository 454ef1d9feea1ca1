"""``lava-stllr train --dtype``: the float type of the reference backend, recorded in
run.json; refused, one line and exit status 2, with the lava backend."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.cli.train import REFERENCE_DTYPES
from lava_stllr.files import load_arrays
from lava_stllr.reference.trainer import DTYPES

TINY = ["--samples", "8", "--val-samples", "4", "--epochs", "1", "--hidden", "4", "--quiet",
        "--no-plots"]


def one_line_error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lava-stllr: error: "), lines
    return lines[0]


def test_cli_choices_are_the_trainer_dtypes():
    assert sorted(REFERENCE_DTYPES) == sorted(DTYPES)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lava_backend_refuses_dtype(tmp_path, capsys, dtype):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--backend", "lava", "--dtype", dtype,
                 "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert f"--dtype {dtype} applies to --backend reference only" in line
    assert not out.exists()  # refused before the run folder is claimed


def test_unknown_dtype_is_a_usage_error(tmp_path, capsys):
    assert main(["train", *TINY, "--backend", "reference", "--dtype", "float16",
                 "--out", str(tmp_path / "run")]) == 2
    assert "float16" in one_line_error(capsys)


@pytest.mark.parametrize("options, dtype", [
    ([], "float64"),
    (["--dtype", "float64"], "float64"),
    (["--dtype", "float32"], "float32"),
    (["--dtype", "float32", "--trainer", "bptt", "--optimizer", "adam"], "float32"),
])
def test_reference_dtype_is_used_and_recorded(tmp_path, monkeypatch, options, dtype):
    from lava_stllr.cli import train

    made = []
    make_trainer = train.make_trainer

    def recording(*args, **kwargs):
        made.append(make_trainer(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(train, "make_trainer", recording)
    out = tmp_path / "run"
    assert main(["train", *TINY, "--backend", "reference", *options, "--out", str(out)]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["dtype"] == dtype
    assert made[0].dtype == np.dtype(dtype)
    arrays, _ = load_arrays(out / "weights.npz")
    assert all(a.dtype == np.dtype(dtype) for a in arrays.values())


def test_lava_runs_record_no_dtype(tmp_path, monkeypatch):
    from lava_stllr.cli import lava_adapter
    from lava_stllr.reference import STLLRTrainer

    class FakeLavaTrainer(STLLRTrainer):
        def __init__(self, spec, params, *, signal, precision, seed, **options):
            super().__init__(spec, params, signal=signal, seed=seed)

        def fit(self, train, val=None, epochs=1, progress=True, on_epoch=None):
            return super().fit(train, val, epochs=epochs, batch_size=1, progress=False)

        def evaluate(self, dataset, progress=False, desc="evaluate"):
            return super().evaluate(dataset)

    monkeypatch.setattr(lava_adapter, "LavaNetworkTrainer", FakeLavaTrainer)
    out = tmp_path / "run"
    assert main(["train", *TINY, "--backend", "lava", "--out", str(out)]) == 0
    assert json.loads((out / "run.json").read_text())["dtype"] is None


def test_memory_estimate_follows_the_dtype(monkeypatch):
    from lava_stllr.cli import common
    from lava_stllr.cli.parser import CLIError
    from lava_stllr.reference import NetworkSpec

    spec = NetworkSpec((10, 20, 3))  # 260 weights
    monkeypatch.setattr(common, "available_memory", lambda: 260 * 4 * common.WEIGHT_COPIES)
    common.check_memory(spec, dtype="float32")  # fits exactly
    with pytest.raises(CLIError, match=r"260 float64 weights x 4 copies"):
        common.check_memory(spec)
