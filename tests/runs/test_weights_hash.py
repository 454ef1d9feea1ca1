"""run.json records the SHA-256 of its weights.npz: weights copied in from another run
(same shapes, so nothing else notices) are refused, not scored as this run's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from lava_stllr.cli import main
from lava_stllr.files import save_json
from lava_stllr.runs import record as runs

TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "1",
        "--hidden", "8", "--quiet", "--no-plots"]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[Path, Path]:
    """Two tiny runs of the same network, different seeds (so different weights)."""
    root = tmp_path_factory.mktemp("hash")
    for seed in (1, 2):
        assert main(["train", *TINY, "--seed", str(seed), "--out", str(root / f"r{seed}")]) == 0
    return root / "r1", root / "r2"


@pytest.fixture
def swapped(two_runs, tmp_path) -> Path:
    """A copy of run 1 whose weights.npz is run 2's."""
    mine, other = two_runs
    run = tmp_path / "swapped"
    shutil.copytree(mine, run)
    shutil.copy(other / runs.WEIGHTS_FILE, run / runs.WEIGHTS_FILE)
    return run


def _message(run: Path) -> str:
    return (f"{run / runs.WEIGHTS_FILE} is not the weights file that {run / 'run.json'} "
            "records (its SHA-256 differs: it comes from another run or was changed)")


def test_save_run_records_the_sha256_of_the_weights(two_runs):
    for run in two_runs:
        record = json.loads((run / "run.json").read_text())
        assert record["weights_sha256"] == runs.file_sha256(run / runs.WEIGHTS_FILE)
        assert len(record["weights_sha256"]) == 64


def test_weights_of_another_run_are_refused_naming_both_files(swapped):
    with pytest.raises(ValueError) as info:
        runs.load_run(swapped)
    assert str(info.value).startswith(_message(swapped))


@pytest.mark.parametrize("command", [
    ["evaluate", "{run}"],
    ["export", "{run}", "-o", "{tmp}/net.h5"],
    ["train", *TINY, "--init", "{run}", "--out", "{tmp}/again"],
])
def test_evaluate_export_and_init_refuse_them_in_one_line(command, swapped, tmp_path,
                                                          capsys):
    argv = [a.format(run=swapped, tmp=tmp_path) for a in command]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lava-stllr: error: {_message(swapped)}") and "\n" not in err
    assert not (tmp_path / "again").exists() and not (tmp_path / "net.h5").exists()


def test_a_record_written_before_the_hash_still_loads(two_runs, tmp_path, capsys):
    run = tmp_path / "old"
    shutil.copytree(two_runs[0], run)
    record = json.loads((run / "run.json").read_text())
    del record["weights_sha256"], record["format_version"]
    save_json(run / "run.json", record)
    assert runs.load_run(run).record["name"] == record["name"]
    assert main(["evaluate", str(run)]) == 0
