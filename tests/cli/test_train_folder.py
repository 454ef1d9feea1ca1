"""``lava-stllr train`` never overwrites, never shares a run folder, and stops a diverging
run with one line instead of saving NaN weights."""

from __future__ import annotations

import json

from lava_stllr.cli import main
from lava_stllr.runs import record as runs
from lava_stllr.runs.folder import INCOMPLETE_FILE

TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "1",
        "--hidden", "8", "--quiet", "--no-plots"]
#: A step size whose updates overflow float64 within two epochs.
DIVERGING = ["--lr", "1e305", "--epochs", "2"]


def _error(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lava-stllr: error: "), lines
    return lines[0]


def test_an_empty_out_is_refused_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "weights.npz").write_bytes(b"precious")
    assert main(["train", *TINY, "--out", ""]) == 2
    assert "is empty (an unset shell variable?)" in _error(capsys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.npz"]
    assert (tmp_path / "weights.npz").read_bytes() == b"precious"


def test_a_second_training_into_the_same_folder_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    first = (out / runs.WEIGHTS_FILE).read_bytes()
    assert not (out / INCOMPLETE_FILE).exists()
    capsys.readouterr()
    assert main(["train", *TINY, "--out", str(out), "--seed", "1"]) == 2
    assert "already holds a run" in _error(capsys)
    assert (out / runs.WEIGHTS_FILE).read_bytes() == first
    assert main(["train", *TINY, "--out", str(out), "--seed", "1", "--overwrite"]) == 0
    assert (out / runs.WEIGHTS_FILE).read_bytes() != first
    assert json.loads((out / "run.json").read_text())["seed"] == 1


def test_a_diverging_run_stops_with_one_line_and_leaves_nothing(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, *DIVERGING, "--out", str(out)]) == 2
    assert "diverged" in _error(capsys)
    assert not out.exists()


def test_a_run_that_fails_after_writing_stays_marked_and_is_not_loadable(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["train", *TINY, *DIVERGING, "--out", str(out), "--overwrite"]) == 2
    assert "diverged" in _error(capsys)
    assert (out / INCOMPLETE_FILE).exists()
    assert main(["evaluate", str(out)]) == 2
    assert "did not finish" in _error(capsys)
