"""A run folder the file system cannot hold is refused when it is claimed, before any
training, and leaves no empty parent folder behind (issue 29, class 2)."""

from __future__ import annotations

import pytest

from lava_stllr.cli import main
from lava_stllr.runs import folder as run_folder

TINY = ["train", "--backend", "reference", "--samples", "16", "--val-samples", "8",
        "--epochs", "1", "--hidden", "8", "--quiet", "--no-plots"]


@pytest.fixture
def no_training(monkeypatch):
    """Reading the data (the first step after the claim) fails the test."""
    from lava_stllr.cli import train

    def refuse(*args, **kwargs):
        raise AssertionError("the data was read: the folder was not refused first")

    monkeypatch.setattr(train, "load_data", refuse)


def _one_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lava-stllr: error: "), lines
    return lines[0]


def test_a_folder_name_over_name_max_is_refused_before_training(tmp_path, no_training,
                                                                capsys):
    out = tmp_path / "new" / "deeper" / ("x" * 300)
    assert main([*TINY, "--out", str(out)]) == 2
    line = _one_line(capsys)
    assert "is 300 bytes long, the file system allows 255; choose a shorter --out" in line
    assert len(line) < 300  # the path is shortened in the message
    assert list(tmp_path.iterdir()) == []


def test_a_path_over_path_max_is_refused_before_training(tmp_path, no_training, capsys):
    out = tmp_path.joinpath(*["y" * 200] * 21)
    assert main([*TINY, "--out", str(out)]) == 2
    line = _one_line(capsys)
    assert "bytes long" in line and "the file system allows 4095" in line
    assert list(tmp_path.iterdir()) == []


def test_a_path_that_fits_only_without_the_run_files_is_refused(tmp_path, no_training,
                                                                capsys):
    # The folder itself fits; its files (LONGEST_NAME bytes more) would not.
    room = 4095 - len(str(tmp_path)) - 1 - run_folder.LONGEST_NAME // 2
    parts = ["z" * 200] * (room // 201) + ["z" * (room % 201 or 1)]
    out = tmp_path.joinpath(*parts)
    assert len(str(out)) + 1 < 4096 < len(str(out)) + 1 + run_folder.LONGEST_NAME + 1
    assert main([*TINY, "--out", str(out)]) == 2
    assert "with the names of the files it holds" in _one_line(capsys)
    assert list(tmp_path.iterdir()) == []


def test_a_folder_whose_files_cannot_be_created_leaves_no_parent(tmp_path, monkeypatch):
    # A file system that takes the folder but not the run's longest file name.
    monkeypatch.setattr(run_folder, "LONGEST_NAME", 300)
    monkeypatch.setattr(run_folder, "_limit", lambda folder, name, default: 1 << 20)
    with pytest.raises(ValueError, match=r"cannot create files in the run folder .*run "
                                         r"\(a 300-byte name\): File name too long"):
        run_folder.make_run_dir(tmp_path / "new" / "run")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="File name too long"):
        run_folder.make_run_dir(root=tmp_path / "runs")
    assert list(tmp_path.iterdir()) == []


def test_an_abandoned_run_takes_the_parents_it_created_along(tmp_path):
    (tmp_path / "kept").mkdir()
    out = run_folder.make_run_dir(tmp_path / "kept" / "new" / "deep" / "run")
    run_folder.abandon_run(out)
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []
    out = run_folder.make_run_dir(tmp_path / "kept" / "a" / "run")
    (out / "weights.npz").write_bytes(b"w")
    run_folder.abandon_run(out)  # a run with files stays, marked incomplete
    assert (out / run_folder.INCOMPLETE_FILE).exists()
