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
        try:
            with os.fdopen(fd, "w") as f:
                f.write(f"{os.getpid()} started "
                        f"{_dt.datetime.now().isoformat(timespec='seconds')}"
                        "\nthis run has not finished: its files are not a complete run\n")
        except OSError as err:  # a full disk: no empty mark left behind
            marker.unlink(missing_ok=True)
            raise ValueError(f"cannot write to the run folder {path}: "
                             f"{err.strerror or err}") from None
        return
    raise ValueError(f"{path} is in use by another run; choose another --out")


#: Bytes of the longest file name a run folder must take: the temporary file that
#: lava_stllr.files.atomic_write writes beside learning_curve.png is 32 bytes
#: (``.learning_curve.png.XXXXXXXX.tmp``); the rest is room for longer names.
LONGEST_NAME = 64

#: The folders each run folder's :func:`make_run_dir` created (itself and missing
#: parents, outermost first), for :func:`abandon_run` to remove when they stay empty.
_CREATED: dict[Path, list[Path]] = {}


def _absolute(path: Path) -> Path:
    import os

    return Path(os.path.abspath(path))


def _missing_folders(path: Path) -> list[Path]:
    """``path`` and those of its parents that do not exist, outermost first."""
    import os

    missing, folder = [], _absolute(path)
    # os.path.exists, not Path.exists: a name too long for the file system is "missing",
    # where Path.exists raises.
    while not os.path.exists(folder) and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    return missing[::-1]


def _limit(folder: Path, name: str, default: int) -> int:
    """``os.pathconf(folder, name)`` (``PC_NAME_MAX``, ``PC_PATH_MAX``), or ``default``."""
    import os

    try:
        value = os.pathconf(folder, name)
    except (OSError, ValueError, AttributeError):
        return default
    return default if value is None or value < 0 else int(value)


def _shown(path: Path, width: int = 80) -> str:
    """``path`` for a message: a path over ``width`` characters as its start and end."""
    text = str(path)
    return text if len(text) <= width else f"{text[:width // 2]}...{text[-width // 2:]}"


def check_path_length(path: str | Path) -> None:
    """Refuse, before any folder is created, a run folder whose path the file system
    cannot hold: a folder name over ``NAME_MAX`` bytes (usually 255), or a path that with
    the run's longest file name (:data:`LONGEST_NAME`) is over ``PATH_MAX`` (4096).

    Raises
    ------
    ValueError
        Naming the part that is too long, its length and the limit.
    """
    import os

    path = Path(path)
    absolute = _absolute(path)
    missing = _missing_folders(path)
    existing = missing[0].parent if missing else absolute
    name_max = _limit(existing, "PC_NAME_MAX", 255)
    for folder in missing:
        size = len(os.fsencode(folder.name))
        if size > name_max:
            raise ValueError(f"cannot create the run folder {_shown(path)}: the name "
                             f"{folder.name[:24]}... is {size} bytes long, the file system "
                             f"allows {name_max}; choose a shorter --out")
    path_max = _limit(existing, "PC_PATH_MAX", 4096)
    size = len(os.fsencode(str(absolute))) + 1 + LONGEST_NAME
    if size >= path_max:  # PATH_MAX counts the terminating NUL byte
        raise ValueError(f"cannot create the run folder {_shown(path)}: its path is "
                         f"{size - 1 - LONGEST_NAME} bytes long, {size} with the names of "
                         f"the files it holds, and the file system allows {path_max - 1}; "
                         "choose a shorter --out")


def _probe(path: Path) -> None:
    """Create and remove a file with a name of :data:`LONGEST_NAME` bytes in ``path``:
    a file system with shorter names, no free inode or no room fails here, before the
    run, not when its result is saved."""
    import os

    probe = path / f".probe-{os.getpid()}-".ljust(LONGEST_NAME, "x")
    try:
        os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        probe.unlink()
    except OSError as err:
        try:
            probe.unlink(missing_ok=True)
        except OSError:  # the name that could not be created cannot be removed either
            pass
        raise ValueError(f"cannot create files in the run folder {path} (a "
                         f"{LONGEST_NAME}-byte name): {err.strerror or err}; choose "
                         "another --out") from None


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (outermost first) from the innermost out while they are empty."""
    for folder in reversed(folders):
        try:
            folder.rmdir()
        except OSError:
            return


def _create(path: Path, exist_ok: bool, overwrite: bool) -> None:
    """Create ``path`` (and its parents), claim it and probe it; a failure leaves no
    folder it created behind. ``FileExistsError`` when ``path`` exists and not
    ``exist_ok``."""
    check_path_length(path)
    created = _missing_folders(path)
    try:
        path.mkdir(parents=True, exist_ok=exist_ok)
    except FileExistsError:
        raise
    except OSError as err:
        _remove_empty(created)
        raise ValueError(f"cannot create the run folder {path}: "
                         f"{err.strerror or err}") from None
    try:
        _claim(path, overwrite)
        try:
            _probe(path)
        except BaseException:
            (path / INCOMPLETE_FILE).unlink(missing_ok=True)
            raise
    except BaseException:
        _remove_empty(created)
        raise
    _CREATED[_absolute(path)] = created


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
        If ``out`` is empty, a file, not empty (without ``overwrite``), in use, too long
        for the file system (:func:`check_path_length`), or cannot be written.
    """
    if out is not None:
        if not str(out).strip():
            raise ValueError("--out is empty (an unset shell variable?); give a folder")
        path = Path(out)
        check_path_length(path)
        if path.exists() and not path.is_dir():
            raise ValueError(f"output path {path} exists and is not a folder")
        if path.is_dir() and (path / RECORD_FILE).exists() and not overwrite:
            raise ValueError(f"{path} already holds a run ({RECORD_FILE}); choose another --out"
                             " or pass --overwrite")
        if path.is_dir() and not overwrite and any(
                p.name != INCOMPLETE_FILE for p in path.iterdir()):
            raise ValueError(f"{path} is not empty; choose another --out or pass --overwrite")
        _create(path, exist_ok=True, overwrite=overwrite)
        return path
    root = Path(root)
    base = default_run_name()
    for i in range(1, 1000):
        path = root / (base if i == 1 else f"{base}-{i}")
        try:
            _create(path, exist_ok=False, overwrite=False)
        except FileExistsError:
            continue
        return path
    raise ValueError(f"cannot find a free run name under {root}")


def finish_run(folder: str | Path) -> None:
    """Mark the run in ``folder`` complete (remove its ``INCOMPLETE`` lock)."""
    (Path(folder) / INCOMPLETE_FILE).unlink(missing_ok=True)
    _CREATED.pop(_absolute(Path(folder)), None)


def abandon_run(folder: str | Path) -> None:
    """After a failed run: a folder that holds nothing but its ``INCOMPLETE`` mark is
    removed (the run leaves nothing), with the parents :func:`make_run_dir` created for
    it while they are empty; one with files keeps the mark (clearly incomplete)."""
    path = Path(folder)
    created = _CREATED.pop(_absolute(path), [])
    try:
        if [p.name for p in path.iterdir()] == [INCOMPLETE_FILE]:
            (path / INCOMPLETE_FILE).unlink()
            path.rmdir()
            _remove_empty([p for p in created if p != _absolute(path)])
    except OSError:
        pass
