"""A full disk anywhere lava-stllr writes (issue 29, class 1): one line naming the file
and the space, no partial or temporary file left, and a trained run never lost to a plot.

A full disk is simulated two ways: in a subprocess under ``RLIMIT_FSIZE`` with SIGXFSZ
ignored (the kernel then fails the write with EFBIG), and in-process by a file whose
``write`` raises ``OSError(ENOSPC)`` (:func:`full_disk`).
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from lava_stllr import files
from lava_stllr.cli import main
from lava_stllr.runs.folder import INCOMPLETE_FILE

TINY = ["train", "--backend", "reference", "--samples", "16", "--val-samples", "8",
        "--epochs", "1", "--hidden", "8", "--quiet"]

#: Runs ``lava-stllr`` under a file size limit: ``MODE LIMIT ARGS...``. MODE ``start``
#: sets the limit at once, ``plots`` when the first plot is drawn (after the weights and
#: run.json are written); ``+nocheck`` turns off the check before writing, so that the
#: write itself meets the limit.
RUNNER = textwrap.dedent("""
    import resource, signal, sys
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death by signal
    from lava_stllr import files
    from lava_stllr.cli import main
    from lava_stllr.runs import plots
    mode, limit, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    if "nocheck" in mode:
        files.check_space = lambda path, size: None
    def limit_now():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    if mode.startswith("plots"):
        save = plots._save
        def limited(fig, path):
            limit_now()
            return save(fig, path)
        plots._save = limited
    else:
        limit_now()
    sys.exit(main(argv))
""")


def run_limited(tmp_path: Path, mode: str, limit: int, *argv: str) -> tuple[int, list[str]]:
    """``(exit status, stderr lines)`` of ``lava-stllr ARGV`` under a file size limit."""
    script = tmp_path / "limited.py"
    script.write_text(RUNNER)
    proc = subprocess.run([sys.executable, str(script), mode, str(limit), *argv],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return proc.returncode, proc.stderr.strip().splitlines()


class FullDisk:
    """A file whose writes fail with ENOSPC once ``room`` bytes are written."""

    def __init__(self, raw, room: int) -> None:
        self.raw, self.room = raw, room

    def write(self, data) -> int:
        n = memoryview(data).nbytes
        if n > self.room:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.room -= n
        return self.raw.write(data)

    def __getattr__(self, name):
        return getattr(self.raw, name)


def full_disk(monkeypatch, room: int = 0) -> None:
    """Every file :func:`lava_stllr.files.atomic_write` writes meets a full disk after
    ``room`` bytes."""
    init = files._TempFile.__init__
    monkeypatch.setattr(files._TempFile, "__init__",
                        lambda self, raw: init(self, FullDisk(raw, room)))


def leftovers(folder: Path) -> list[str]:
    """Temporary files of atomic writes left in ``folder`` (recursively)."""
    return sorted(p.name for p in folder.rglob("*.tmp"))


def test_a_full_disk_is_one_line_naming_the_file_and_keeps_the_old_file(tmp_path,
                                                                       monkeypatch):
    path = files.save_json(tmp_path / "run.json", {"acc": 0.5})
    full_disk(monkeypatch, room=10)
    with pytest.raises(files.WriteError) as info:
        files.save_json(path, {"acc": 0.75, "more": list(range(100))})
    message = str(info.value)
    assert message.startswith(f"cannot write {path}: no space left on device")
    assert "needs about" in message and "free" in message and "\n" not in message
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]
    monkeypatch.undo()
    assert '"acc": 0.5' in path.read_text()


def test_the_space_is_checked_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "free_space", lambda folder: 1000)
    called = []
    with pytest.raises(files.WriteError, match=r"a.npz: no space left on device \(it needs "
                                               r"about 80\.\d kB, 1\.0 kB free\)"):
        files.atomic_write(tmp_path / "a.npz", called.append, size=80_000)
    assert called == [] and list(tmp_path.iterdir()) == []


def test_a_zip_that_meets_the_file_size_limit_leaves_no_ignored_exception(tmp_path):
    script = tmp_path / "save.py"
    script.write_text(textwrap.dedent(f"""
        import resource, signal
        import numpy as np
        from lava_stllr import files
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        files.check_space = lambda path, size: None
        resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, 100_000))
        try:
            files.save_arrays({str(tmp_path / 'a.npz')!r}, {{"w": np.ones(100_000)}}, {{}})
        except OSError as exc:
            print(exc)
    """))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr  # no ZipFile.__del__
    assert proc.stdout.startswith(f"cannot write {tmp_path / 'a.npz'}: the file is larger "
                                  "than the file size limit of 100.0 kB")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["save.py"]


@pytest.mark.parametrize("mode", ["start", "start+nocheck"])
def test_weights_that_do_not_fit_are_one_line_and_leave_no_file(tmp_path, mode):
    out = tmp_path / "run"
    status, err = run_limited(tmp_path, mode, 10_000, *TINY, "--out", str(out))
    assert status == 2, err
    assert len(err) == 1 and err[0].startswith(
        f"lava-stllr: error: cannot write {out / 'weights.npz'}: "), err
    assert "file size limit of 10.0 kB" in err[0]
    assert not out.exists()  # nothing was written: the claimed folder is removed


def test_a_plot_that_does_not_fit_is_a_warning_and_the_run_stays_complete(tmp_path,
                                                                         capsys):
    out = tmp_path / "run"
    status, err = run_limited(tmp_path, "plots", 1000, *TINY, "--out", str(out))
    assert status == 0, err
    warnings = [line for line in err if line.startswith("lava-stllr: warning: cannot write")]
    assert len(warnings) == 4, err  # three plots and the record that lists them
    assert all("file size limit of 1.0 kB" in line for line in warnings)
    assert any(f"{out / 'learning_curve.png'}:" in line for line in warnings)
    assert sorted(p.name for p in out.iterdir()) == ["run.json", "weights.npz"]
    assert not (out / INCOMPLETE_FILE).exists()
    assert main(["evaluate", str(out), "--json"]) == 0
    assert '"accuracy"' in capsys.readouterr().out


def test_a_plot_that_fails_to_draw_is_a_warning(tmp_path, monkeypatch, capsys):
    from lava_stllr.runs import plots

    def broken(*args, **kwargs):
        raise ValueError("cannot draw")

    monkeypatch.setattr(plots, "plot_spike_raster", broken)
    out = tmp_path / "run"
    assert main([*TINY, "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"warning: {out / 'spike_raster.png'} was not written (ValueError: cannot " \
           "draw); the run is complete without it" in err
    assert (out / "learning_curve.png").is_file() and not (out / INCOMPLETE_FILE).exists()
    assert main(["evaluate", str(out)]) == 0
    with pytest.raises(ValueError, match="cannot draw"):  # --debug: the traceback
        main([*TINY, "--out", str(tmp_path / "debug"), "--debug"])


@pytest.fixture
def tiny_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("runs") / "tiny"
    assert main([*TINY, "--no-plots", "--out", str(out)]) == 0
    return out


def test_predictions_on_a_full_disk_leave_no_file_and_run_again(tiny_run, tmp_path,
                                                                monkeypatch, capsys):
    path = tmp_path / "predictions.csv"
    capsys.readouterr()
    full_disk(monkeypatch, room=20)
    assert main(["evaluate", str(tiny_run), "--predictions", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f"lava-stllr: error: cannot write {path}: no space left on device"), err
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    assert main(["evaluate", str(tiny_run), "--predictions", str(path)]) == 0
    assert path.read_text().startswith("sample,label,prediction\n0,")


@pytest.mark.parametrize("mode", ["start", "start+nocheck"])
def test_export_to_a_full_file_system_is_one_line_not_a_crash(tiny_run, tmp_path, mode):
    target = tmp_path / "out" / "net.h5"
    target.parent.mkdir()
    status, err = run_limited(tmp_path, mode, 20_000, "export", str(tiny_run), "-o",
                              str(target))
    assert status == 2, (status, err)  # HDF5's own driver crashed here with SIGSEGV (-11)
    assert len(err) == 1 and err[0].startswith(
        f"lava-stllr: error: cannot write {target}: "), err
    assert list(target.parent.iterdir()) == []


def test_a_full_disk_under_the_data_cache_names_the_cache_file(tmp_path, monkeypatch):
    from lava_stllr.data.binning import NMNIST_DEFAULT_CONFIG
    from lava_stllr.data.cache import BinnedCache

    cache = BinnedCache(tmp_path / "cache", NMNIST_DEFAULT_CONFIG, "nmnist:test")
    sample = np.ones(cache.shape, np.float32)
    full_disk(monkeypatch, room=0)
    with pytest.raises(files.WriteError, match=rf"cannot write {cache.folder}/\S+: no space "
                                               "left on device"):
        cache.get_or_compute("a", lambda: sample)
    assert [p.name for p in cache.folder.iterdir()] == []  # not even meta.json
    monkeypatch.undo()
    assert cache.get_or_compute("a", lambda: sample).sum() == sample.size
    assert cache.load("a") is not None


def test_a_full_disk_when_the_run_folder_is_claimed_leaves_no_folder(tmp_path):
    out = tmp_path / "new" / "run"
    status, err = run_limited(tmp_path, "start", 0, *TINY, "--out", str(out))
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith(f"lava-stllr: error: cannot write to the run folder {out}: "
                             "File too large"), err
    assert not (tmp_path / "new").exists()


def test_nothing_is_left_when_the_arrays_do_not_fit(tmp_path, monkeypatch):
    full_disk(monkeypatch, room=100)
    with pytest.raises(files.WriteError, match="a.npz: no space left on device"):
        files.save_arrays(tmp_path / "a.npz", {"w": np.ones(1000)}, {})
    assert leftovers(tmp_path) == [] and list(tmp_path.iterdir()) == []


def test_synthetic_gesture_clips_on_a_full_disk_are_one_line_and_no_partial_clip(
        tmp_path, monkeypatch, capsys):
    from lava_stllr.data import gesture_synthetic

    full_disk(monkeypatch, room=1000)
    assert gesture_synthetic.main([str(tmp_path / "g"), "--per-class", "1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f"python -m lava_stllr.data.gesture_synthetic: error: cannot write {tmp_path}/g/"), err
    assert "no space left on device" in err[0]
    assert [p for p in (tmp_path / "g").rglob("*") if p.is_file()] == []


def test_an_shd_file_that_does_not_fit_is_refused_before_h5py_writes(tmp_path,
                                                                     monkeypatch):
    from lava_stllr.data.audio import EVENT_DTYPE, write_shd_h5

    events = [np.zeros(1000, dtype=EVENT_DTYPE) for _ in range(4)]
    monkeypatch.setattr(files, "free_space", lambda folder: 50_000)
    with pytest.raises(files.WriteError, match=r"shd_train.h5: no space left on device "
                                               r"\(it needs about 89\.8 kB, 50\.0 kB free"):
        write_shd_h5(tmp_path / "shd_train.h5", events, np.zeros(4), np.zeros(4))
    assert list(tmp_path.iterdir()) == []
