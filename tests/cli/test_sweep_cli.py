"""``lava-stllr sweep`` end to end: real reference sweeps on Ray (one local Ray for the
module), resumption, a failing trial, refusals before any trial."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from lava_stllr.cli import main
from lava_stllr.runs.folder import INCOMPLETE_FILE, RECORD_FILE
from lava_stllr.sweep import folder, results

TINY = ["--", "train", "--backend", "reference", "--epochs", "1", "--samples", "32",
        "--val-samples", "16", "--hidden", "8", "--no-plots"]
GRID = ["--grid", "lr=0.01,0.05", "--seeds", "0,1"]


def _one_line_error(capsys: pytest.CaptureFixture, words: str) -> None:
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("lava-stllr: error:"), err
    assert words in err


@pytest.mark.parametrize("args, words", [
    (["--grid", "foo=1,2"], "--grid foo: not a train option"),
    (["--grid", "psi=triangle,bad"], "trial psi=bad,seed=0: train refuses it"),
    (["--grid", "lr=0.1,-1"], "lr must be in"),
    ([], "the grid is empty"),
    (["--grid", "lr=0.1", "--seeds", "x"], "--seeds"),
    (["--grid", "lr=0.1", "--address", "127.0.0.1:1"], "cannot reach the Ray cluster"),
])
def test_refused_before_any_trial(tmp_path: Path, capsys: pytest.CaptureFixture,
                                  args: list[str], words: str) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", *args, "--out", str(out), *TINY]) == 2
    _one_line_error(capsys, words)
    assert not out.exists()


def test_without_ray_one_line_names_the_extra(tmp_path: Path, capsys: pytest.CaptureFixture,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    out = tmp_path / "sweep"
    assert main(["sweep", "--grid", "lr=0.1", "--out", str(out), *TINY]) == 2
    _one_line_error(capsys, "pip install 'lava-stllr[sweep]'")
    assert not out.exists()


def test_asha_needs_a_held_out_set(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "--asha", "--grid", "lr=0.1", "--out", str(out), "--", "train",
                 "--backend", "reference", "--val-samples", "0"]) == 2
    _one_line_error(capsys, "--asha stops trials on their held-out accuracy")
    assert not out.exists()


def test_train_command_is_required(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["sweep", "--grid", "lr=1", "--out", str(tmp_path / "s")]) == 2
    _one_line_error(capsys, "give the train command after --")


def _mtimes(out: Path) -> dict[str, float]:
    return {p.parent.name: p.stat().st_mtime_ns
            for p in (out / folder.TRIALS).glob(f"*/{RECORD_FILE}")}


def _started(out: Path) -> list[str]:
    lines = (out / folder.LOG_FILE).read_text().splitlines()
    return [line.split(" ", 2)[2] for line in lines if line.split(" ")[1] == "start"]


def test_sweep_writes_run_folders_tables_figure_and_resumes(
        ray_local, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sweep"
    argv = ["sweep", *GRID, "--out", str(out), *TINY]
    assert main(argv) == 0
    names = {"lr=0.01,seed=0", "lr=0.01,seed=1", "lr=0.05,seed=0", "lr=0.05,seed=1"}
    assert set(_mtimes(out)) == names
    assert not list((out / folder.TRIALS).glob(f"*/{INCOMPLETE_FILE}"))
    assert sorted(_started(out)) == sorted(names)
    summary = list(csv.DictReader((out / results.RESULTS_CSV).open()))
    assert [(s["setting"], s["finished"]) for s in summary] == [("lr=0.01", "2"),
                                                                ("lr=0.05", "2")]
    assert all(0 <= float(s["last_val_acc_mean"]) <= 1 for s in summary)
    assert "| lr=0.01 | 2/2 |" in (out / results.RESULTS_MD).read_text()
    assert (out / results.FIGURE).read_bytes()[:4] == b"\x89PNG"
    command = (out / folder.COMMAND_FILE).read_text()
    assert "lava-stllr sweep --grid lr=0.01,0.05 --seeds 0,1" in command
    assert "| lr=0.05 | 2/2 |" in capsys.readouterr().out
    assert not (out / folder.LOCK_FILE).exists()

    # Interrupted trials: one run folder gone, one left INCOMPLETE by a dead process.
    before = _mtimes(out)
    import shutil

    shutil.rmtree(out / folder.TRIALS / "lr=0.05,seed=1")
    (out / folder.TRIALS / "lr=0.01,seed=0" / INCOMPLETE_FILE).write_text("999999999 x\n")
    assert main(argv) == 0
    after = _mtimes(out)
    assert _started(out)[4:] and sorted(_started(out)[4:]) == ["lr=0.01,seed=0",
                                                                "lr=0.05,seed=1"]
    for name in ("lr=0.01,seed=1", "lr=0.05,seed=0"):
        assert after[name] == before[name]  # untouched
    assert set(after) == names
    # Finished: the same command runs nothing and writes the table again.
    assert main(argv) == 0
    assert len(_started(out)) == 6


def test_a_failing_trial_is_recorded_and_the_others_finish(
        ray_local, tmp_path: Path, write_nmnist, capsys: pytest.CaptureFixture) -> None:
    data = write_nmnist(tmp_path / "nmnist", n=18)
    out = tmp_path / "sweep"
    status = main(["sweep", "--grid", f"data_dir={data},{tmp_path / 'missing'}",
                   "--out", str(out), "--", "train", "--dataset", "nmnist", "--backend",
                   "reference", "--epochs", "1", "--samples", "8", "--val-samples", "4",
                   "--hidden", "8", "--no-plots"])
    assert status == 1
    assert "1 trial(s) did not finish" in capsys.readouterr().err
    rows = {r["setting"].split("/")[-1]: r
            for r in csv.DictReader((out / results.TRIALS_CSV).open())}
    assert rows["nmnist"]["status"] == "finished"
    assert rows["missing"]["status"] == "failed"
    assert rows["missing"]["reason"].startswith("lava-stllr: error: data folder not found")
    assert "| failed | lava-stllr: error: data folder not found" in \
        (out / results.RESULTS_MD).read_text()


def test_two_sweeps_never_share_a_folder(ray_local, tmp_path: Path,
                                         capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sweep"
    out.mkdir()
    other = subprocess.Popen(["sleep", "30"])
    try:
        (out / folder.LOCK_FILE).write_text(f"{other.pid} started\n")
        assert main(["sweep", "--grid", "lr=0.01", "--out", str(out), *TINY]) == 2
        _one_line_error(capsys, "in use by another sweep")
        assert not (out / folder.TRIALS).exists()
    finally:
        other.kill()
        other.wait()


def test_lava_trials_take_two_cpus_and_run_as_subprocesses(
        ray_local, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "--grid", "psi=triangle", "--out", str(out), "--", "train",
                 "--backend", "lava", "--epochs", "1", "--samples", "4", "--val-samples",
                 "2", "--hidden", "8", "--no-plots"]) == 0
    from lava_stllr.sweep.runner import local_cpus

    assert f"{min(2, local_cpus())} per trial" in capsys.readouterr().out
    assert set(_mtimes(out)) == {"psi=triangle,seed=0"}
    assert not (out / folder.TRIALS / "psi=triangle,seed=0" / INCOMPLETE_FILE).exists()


@pytest.mark.parametrize(("sig", "status", "message"), [
    ("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated"),
    ("SIGHUP", 129, "hangup")])
def test_ctrl_c_ends_the_sweep_and_its_trials(sig: str, status: int, message: str,
                                              tmp_path: Path) -> None:
    """SIGINT (Ctrl-C) or SIGTERM: exit 128 + the signal with one line, the lock released,
    no trial process left, no trial marked complete; the same command then resumes (as
    above). SIGTERM: Ray's own handler (``sys.exit(15)``) must not replace the command's;
    SIGTERM and SIGHUP: Ray's wait must not drop them."""
    import signal
    import sys
    import time

    pytest.importorskip("ray.tune", reason="the sweep extra (ray[tune]) is not installed")
    out = tmp_path / "sweep"
    proc = subprocess.Popen(
        [sys.executable, "-m", "lava_stllr.cli", "sweep", "--grid", "lr=0.01,0.02",
         "--cpus", "2", "--out", str(out), "--", "train", "--backend", "reference",
         "--epochs", "500", "--samples", "512", "--val-samples", "8", "--hidden", "64",
         "--no-plots"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not (
                (out / folder.LOG_FILE).exists() and _started(out)):
            time.sleep(0.5)
        assert _started(out), "no trial started"
        time.sleep(2)
        proc.send_signal(getattr(signal, sig))
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == status, err
    assert err.strip().splitlines()[-1] == f"lava-stllr: {message}"
    assert not (out / folder.LOCK_FILE).exists()
    assert not _mtimes(out)
    for _ in range(20):  # the trials end on SIGTERM when their Ray worker goes
        left = subprocess.run(["pgrep", "-f", str(out)], capture_output=True, text=True)
        if not left.stdout.strip():
            break
        time.sleep(0.5)
    assert not left.stdout.strip(), "trial processes left behind"


def test_asha_stops_or_finishes_every_trial(ray_local, tmp_path: Path) -> None:
    out = tmp_path / "sweep"
    assert main(["sweep", "--asha", "--grid", "lr=0.0001,0.001,0.01,0.1", "--out",
                 str(out), "--", "train", "--backend", "reference", "--epochs", "4",
                 "--samples", "64", "--val-samples", "16", "--hidden", "8",
                 "--no-plots"]) == 0
    rows = list(csv.DictReader((out / results.TRIALS_CSV).open()))
    assert {r["status"] for r in rows} <= {"finished", "stopped"}
    stopped = {r["trial"] for r in rows if r["status"] == "stopped"}
    log = (out / folder.LOG_FILE).read_text()
    assert {t for t in stopped if f"stopped {t} by ASHA" in log} == stopped
