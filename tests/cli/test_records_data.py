"""Run records hold the absolute data folder and a hash of the data files: a run trained
with a relative --data-dir is evaluable from elsewhere, and changed files are reported."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from lava_stllr.cli import main
from lava_stllr.data.fingerprint import CONTENT_LIMIT, data_files, fingerprint

TINY = ["--backend", "reference", "--samples", "12", "--val-samples", "6", "--epochs", "1",
        "--hidden", "8", "--quiet", "--no-plots"]


@pytest.fixture
def trained(tmp_path, monkeypatch, write_nmnist):
    work = tmp_path / "work"
    write_nmnist(work / "data" / "x")
    monkeypatch.chdir(work)
    assert main(["train", *TINY, "--dataset", "nmnist", "--data-dir", "data/x",
                 "--out", "run"]) == 0
    return work / "run", work / "data" / "x"


def test_record_holds_the_absolute_folder_and_a_content_hash(trained):
    run, data = trained
    ds = json.loads((run / "run.json").read_text())["dataset"]
    assert ds["data_dir"] == str(data.resolve()) and Path(ds["data_dir"]).is_absolute()
    assert ds["data_files"] == 18 and ds["data_hash_of"] == "contents"
    h = hashlib.sha256()
    for f in sorted(data.rglob("*.bin"), key=lambda f: f.relative_to(data).as_posix()):
        h.update(f.relative_to(data).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    assert ds["data_hash"] == f"sha256:{h.hexdigest()}"
    assert ds["val_hash"].startswith("sha256:") and ds["val_hash"] != ds["data_hash"]


def test_run_is_evaluable_from_another_working_directory(trained, tmp_path, monkeypatch,
                                                         capsys):
    run, _ = trained
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    capsys.readouterr()
    assert main(["evaluate", str(run), "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["samples"] == 6 and "warning" not in out.err


def test_changed_held_out_files_are_reported(trained, capsys):
    run, data = trained
    ds = json.loads((run / "run.json").read_text())["dataset"]
    assert ds["val_hash"]
    for victim in data.rglob("*.bin"):  # the held-out files among them
        raw = bytearray(victim.read_bytes())
        raw[0] = (raw[0] + 1) % 34
        victim.write_bytes(bytes(raw))
    capsys.readouterr()
    assert main(["evaluate", str(run)]) == 0
    assert "warning: the held-out files under" in capsys.readouterr().err



def test_train_init_on_other_held_out_files_warns_as_evaluate_does(trained, tmp_path,
                                                                   write_nmnist, capsys):
    run, _ = trained
    other = write_nmnist(tmp_path / "other", seed=5)  # the same names, other recordings
    again = ["train", "--backend", "reference", "--epochs", "1", "--quiet", "--no-plots",
             "--init", str(run)]
    capsys.readouterr()
    assert main([*again, "--data-dir", str(other), "--out", str(tmp_path / "a")]) == 0
    err = capsys.readouterr().err
    assert (f"lava-stllr: warning: the held-out files under {other} differ from those the "
            f"init run {run} was trained with (hash sha256:") in err
    assert main([*again, "--out", str(tmp_path / "b")]) == 0  # its own files: no warning
    assert "warning" not in capsys.readouterr().err

def test_old_relative_data_dir_not_found_is_a_clear_error(trained, tmp_path, monkeypatch,
                                                          capsys):
    run, _ = trained
    path = run / "run.json"
    record = json.loads(path.read_text())
    record["dataset"]["data_dir"] = "data/x"
    path.write_text(json.dumps(record))
    monkeypatch.chdir(tmp_path)
    assert main(["evaluate", str(run)]) == 2
    assert "relative data folder data/x, which is not found" in capsys.readouterr().err


def test_fingerprint_by_size_and_time_above_the_limit(tmp_path, monkeypatch):
    f = tmp_path / "a.bin"
    f.write_bytes(b"abc")
    assert fingerprint([f], tmp_path)["data_hash_of"] == "contents"
    monkeypatch.setattr("lava_stllr.data.fingerprint.CONTENT_LIMIT", 2)
    assert CONTENT_LIMIT > 2
    assert fingerprint([f], tmp_path)["data_hash_of"] == "size+mtime"
    assert fingerprint([], None) == {"data_hash": None, "data_files": 0}


def test_data_files_follow_subsets_and_checked_views(tmp_path, write_nmnist):
    from lava_stllr.data.dataset import CheckedDataset
    from lava_stllr.data.nmnist import NMNISTFolder

    full = NMNISTFolder(write_nmnist(tmp_path / "n"))
    view = CheckedDataset(full.subset([5, 1, 7]).subset([2, 0]))
    assert data_files(view) == [full.files[7], full.files[5]]
