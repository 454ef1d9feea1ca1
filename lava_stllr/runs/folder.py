"""Run folders: unique, never shared by two runs, and marked until the run finishes."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

#: The run record written last, when a run is complete.
RECORD_FILE = "run.json"
DEFAULT_ROOT = Path("runs")


def default_run_name(now: _dt.datetime | None = None) -> str:
    """A timestamp name such as ``20250131-142501``."""
    now = _dt.datetime.now() if now is None else now
    return now.strftime("%Y%m%d-%H%M%S")


#: Present while a run writes its folder: its owner's pid, and the mark of a run that did
#: not finish (interrupted, crashed, or still running).
INCOMPLETE_FILE = "INCOMPLETE"


def _owner_alive(marker: Path) -> tuple[int | None, bool]:
    """``(pid, alive)`` of the run that holds ``marker`` (pid None if unreadable)."""
    import os

    try:
        pid = int(marker.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None, False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return pid, False
    except PermissionError:
        return pid, True
    return pid, True


def _claim(path: Path, overwrite: bool) -> None:
    """Create ``path/INCOMPLETE`` exclusively (the lock of one run on one folder).

    A marker left by a run whose process is gone is taken over only with ``overwrite``;
    one whose owner is alive is never taken.
    """
    import os

    marker = path / INCOMPLETE_FILE
    for _ in range(2):
        try:
            fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            pid, alive = _owner_alive(marker)
            if alive:
                raise ValueError(f"{path} is in use by another run (pid {pid}); choose "
                                 "another --out") from None
            if not overwrite:
                raise ValueError(f"{path} holds an interrupted run ({INCOMPLETE_FILE}, pid "
                                 f"{pid}); choose another --out or pass --overwrite") from None
            marker.unlink(missing_ok=True)
            continue
        except OSError as err:
            raise ValueError(f"cannot write to the run folder {path}: "
                             f"{err.strerror or err}") from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} started {_dt.datetime.now().isoformat(timespec='seconds')}"
                    "\nthis run has not finished: its files are not a complete run\n")
        return
    raise ValueError(f"{path} is in use by another run; choose another --out")


def make_run_dir(out: str | Path | None = None, root: str | Path = DEFAULT_ROOT,
                 overwrite: bool = False) -> Path:
    """Create, lock and return the run folder; :func:`finish_run` unlocks it.

    The folder holds ``INCOMPLETE`` (with the owner's pid) until the run finishes, so an
    interrupted run is never taken for a complete one, and a second run on the same
    folder fails at once.

    Parameters
    ----------
    out : str or Path, optional
        The folder to use: new, or an existing empty folder; an existing non-empty one only
        with ``overwrite`` (its files are then replaced one by one, atomically). ``None``
        means ``root/<timestamp>``, with ``-2``, ``-3``, ... appended when that name is taken.
    root : str or Path
        Parent folder of the default names.
    overwrite : bool
        Allow an ``out`` that already holds files (a finished or interrupted run whose
        process is gone); never one that another live run holds.

    Raises
    ------
    ValueError
        If ``out`` is empty, a file, not empty (without ``overwrite``), in use, or cannot
        be written.
    """
    if out is not None:
        if not str(out).strip():
            raise ValueError("--out is empty (an unset shell variable?); give a folder")
        path = Path(out)
        if path.exists() and not path.is_dir():
            raise ValueError(f"output path {path} exists and is not a folder")
        if path.is_dir() and (path / RECORD_FILE).exists() and not overwrite:
            raise ValueError(f"{path} already holds a run ({RECORD_FILE}); choose another --out"
                             " or pass --overwrite")
        if path.is_dir() and not overwrite and any(
                p.name != INCOMPLETE_FILE for p in path.iterdir()):
            raise ValueError(f"{path} is not empty; choose another --out or pass --overwrite")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ValueError(f"cannot create the run folder {path}: "
                             f"{err.strerror or err}") from None
        _claim(path, overwrite)
        return path
    root = Path(root)
    base = default_run_name()
    for i in range(1, 1000):
        path = root / (base if i == 1 else f"{base}-{i}")
        try:
            path.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            continue
        except OSError as err:
            raise ValueError(f"cannot create the run folder {path}: "
                             f"{err.strerror or err}") from None
        _claim(path, overwrite=False)
        return path
    raise ValueError(f"cannot find a free run name under {root}")


def finish_run(folder: str | Path) -> None:
    """Mark the run in ``folder`` complete (remove its ``INCOMPLETE`` lock)."""
    (Path(folder) / INCOMPLETE_FILE).unlink(missing_ok=True)


def abandon_run(folder: str | Path) -> None:
    """After a failed run: a folder that holds nothing but its ``INCOMPLETE`` mark is
    removed (the run leaves nothing); one with files keeps the mark (clearly incomplete)."""
    path = Path(folder)
    try:
        if [p.name for p in path.iterdir()] == [INCOMPLETE_FILE]:
            (path / INCOMPLETE_FILE).unlink()
            path.rmdir()
    except OSError:
        pass
