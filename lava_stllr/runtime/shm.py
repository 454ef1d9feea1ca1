"""Records of the shared-memory segments of our Lava runtimes; reclaiming a killed run's.

Lava 0.10 passes every message through POSIX shared memory: its ``SharedMemoryManager``
creates one ``/dev/shm/psm_<8 hex>`` segment per channel (38 for a network with one
hidden layer) and unlinks them when the runtime stops. A host killed with SIGKILL (or
by the OOM killer) never stops it, and its model processes die with it, so nothing ever
unlinks those segments: they hold memory until the next reboot.

So each started runtime is recorded, and the next start reclaims what dead owners left:

- :func:`record_runtime`: right after a runtime has started (Lava creates every segment
  while building its channels, before the first step), write ``<pid>.json`` in a private
  per-user folder (:func:`registry_dir`): the host pid, its start time (a reused pid is
  not mistaken for the owner), the uid, and each segment's name and inode;
- :func:`forget_runtime`: after a runtime was shut down, drop its segments from the
  record (and the record once empty); a segment still present (a failed shutdown) stays
  recorded, to be reclaimed after this process ends;
- :func:`reclaim_stale_segments`: for each record whose owner is provably dead (no such
  process, or another process with its pid), unlink each listed segment that still
  exists with Lava's name pattern, our uid and the recorded inode, then drop the record.
  Records of live owners are left alone, and it never raises.

The segment names come from Lava's private ``_messaging_infrastructure.smm``
``._shared_memory_handles`` (present in lava-nc 0.10.0, the final release). Liveness is
read from ``/proc``: where there is none, nothing is ever reclaimed.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import tempfile
import warnings
from pathlib import Path
from typing import Any

__all__ = [
    "SHM_DIR",
    "forget_runtime",
    "process_start_time",
    "reclaim_stale_segments",
    "record_runtime",
    "registry_dir",
    "segment_names",
]

#: Where POSIX shared memory lives on Linux.
SHM_DIR = Path("/dev/shm")
#: Names of the segments Lava's manager creates (``multiprocessing.shared_memory``).
SEGMENT_NAME = re.compile(r"psm_[0-9a-f]{8}\Z")
_VERSION = 1
#: Segments of this process's live runtimes (``id(runtime)`` -> ``[{name, inode}]``) and
#: those a shutdown left behind; ``pid`` tells a forked child that they are not its own.
_own: dict[str, Any] = {"pid": None, "runtimes": {}, "leaked": []}


def registry_dir(root: Path | str | None = None) -> Path:
    """The folder of the records, ``<root>/shm``; created private (mode 0o700).

    ``root`` defaults to ``<tempfile.gettempdir()>/lava-stllr-<uid>``. Both folders must
    be real directories owned by us and not writable by group or others: in a shared
    temporary folder anyone could otherwise plant a record naming our segments.

    Raises
    ------
    PermissionError
        If ``root`` or ``root/shm`` is not owned by us, is group- or world-writable, or
        is not a directory (a symbolic link is refused).
    """
    base = Path(tempfile.gettempdir()) / f"lava-stllr-{os.getuid()}" if root is None \
        else Path(root)
    folder = base / "shm"
    for path in (base, folder):
        with contextlib.suppress(FileExistsError):
            path.mkdir(mode=0o700, parents=path is base)
            os.chmod(path, 0o700)  # whatever the umask
        info = os.lstat(path)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() \
                or info.st_mode & 0o022:
            raise PermissionError(f"refusing to use {path} for shared-memory records: not a "
                                  f"private directory of uid {os.getuid()}")
    return folder


def process_start_time(pid: int) -> int | None:
    """Start time of process ``pid`` (clock ticks after boot, field 22 of
    ``/proc/<pid>/stat``), or None if there is no such process.

    A pid identifies a process only together with its start time: pids are reused.

    Raises
    ------
    OSError
        If ``/proc/<pid>/stat`` exists but cannot be read (then liveness is unknown).
    """
    try:
        with open(f"/proc/{int(pid)}/stat") as f:
            text = f.read()
    except (FileNotFoundError, ProcessLookupError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces or ')'.
    return int(text.rsplit(")", 1)[1].split()[19])


def segment_names(runtime: Any) -> list[str]:
    """Names of the shared-memory segments of a started Lava ``runtime`` (Lava's
    private ``_messaging_infrastructure.smm._shared_memory_handles``; empty if absent)."""
    infrastructure = getattr(runtime, "_messaging_infrastructure", None)
    try:
        handles = list(getattr(infrastructure, "smm", None)._shared_memory_handles)
    except (AttributeError, TypeError):
        return []
    names = (str(getattr(h, "name", "")).lstrip("/") for h in handles)
    return [name for name in names if SEGMENT_NAME.match(name)]


def _own_state() -> dict[str, Any]:
    if _own["pid"] != os.getpid():  # first use, or a forked child of the recording host
        _own.update(pid=os.getpid(), runtimes={}, leaked=[])
    return _own


def _write_record(root: Path | str | None) -> Path:
    """Write (atomically) or remove this process's record; return its path."""
    state = _own_state()
    path = registry_dir(root) / f"{os.getpid()}.json"
    segments = [s for segs in state["runtimes"].values() for s in segs] + state["leaked"]
    if not segments:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return path
    record = {"version": _VERSION, "pid": os.getpid(), "uid": os.getuid(),
              "start_time": process_start_time(os.getpid()), "segments": segments}
    tmp = path.with_name(f"{path.name}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(record, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    return path


def record_runtime(runtime: Any, root: Path | str | None = None,
                   shm_dir: Path = SHM_DIR) -> Path | None:
    """Record the segments of the just-started ``runtime`` in this process's record.

    Call it once the runtime has started: Lava creates all its segments then. Never
    raises (a run must not fail for its record): a problem is a ``RuntimeWarning``.

    Returns
    -------
    Path or None
        The record file, or None if nothing could be recorded.
    """
    try:
        if process_start_time(os.getpid()) is None:  # no /proc: liveness is unprovable
            return None
        segments = []
        for name in segment_names(runtime):
            with contextlib.suppress(OSError):  # already gone: nothing to reclaim
                inode = os.stat(Path(shm_dir) / name).st_ino
                segments.append({"name": name, "inode": inode})
        _own_state()["runtimes"][id(runtime)] = segments
        return _write_record(root)
    except (OSError, ValueError) as exc:
        warnings.warn(f"lava-stllr: cannot record the shared-memory segments of this run "
                      f"({exc}); they will not be reclaimed if it is killed",
                      RuntimeWarning, stacklevel=2)
        return None


def _same_segment(path: Path, inode: Any) -> bool:
    """``path`` exists as a regular file of our uid with inode ``inode``."""
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return (stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid()
            and info.st_ino == inode)


def forget_runtime(runtime: Any, root: Path | str | None = None,
                   shm_dir: Path = SHM_DIR) -> None:
    """Drop the segments of the shut-down ``runtime`` from this process's record.

    The record is removed once no runtime of this process is recorded. A segment still
    in ``shm_dir`` (its manager died before unlinking it) stays recorded, so that the
    first start after this process has ended reclaims it. Never raises.
    """
    state = _own_state()
    segments = state["runtimes"].pop(id(runtime), None)
    if segments is None:
        return
    state["leaked"] += [s for s in segments
                        if _same_segment(Path(shm_dir) / s["name"], s["inode"])]
    try:
        _write_record(root)
    except (OSError, ValueError) as exc:
        warnings.warn(f"lava-stllr: cannot update the shared-memory record ({exc})",
                      RuntimeWarning, stacklevel=2)


def _owner_dead(record: dict) -> bool:
    """True only if the record's process has provably ended (no process with its pid,
    or one that started at another time). Unreadable ``/proc`` entries count as alive."""
    try:
        start = process_start_time(record["pid"])
    except OSError:
        return False
    return start is None or start != record["start_time"]


def _parse(text: str) -> dict:
    """A record's fields, checked; ``ValueError`` for anything else."""
    record = json.loads(text)
    if not isinstance(record, dict) or record.get("version") != _VERSION:
        raise ValueError("not a version-1 record")
    if not all(isinstance(record.get(k), int) and not isinstance(record.get(k), bool)
               for k in ("pid", "uid", "start_time")):
        raise ValueError("pid, uid or start_time missing or not an integer")
    segments = record.get("segments")
    if not isinstance(segments, list) or not all(
            isinstance(s, dict) and isinstance(s.get("name"), str)
            and isinstance(s.get("inode"), int) for s in segments):
        raise ValueError("segments is not a list of {name, inode}")
    return record


def _reclaim_record(path: Path, shm_dir: Path) -> list[str]:
    """Reclaim the segments of the record ``path`` if its owner is dead; return them."""
    try:
        record = _parse(path.read_text())
    except (OSError, ValueError) as exc:  # json.JSONDecodeError is a ValueError
        warnings.warn(f"lava-stllr: dropping the unreadable shared-memory record {path} "
                      f"({exc})", RuntimeWarning, stacklevel=3)
        with contextlib.suppress(OSError):
            path.unlink()
        return []
    if record["uid"] != os.getuid() or path.stem != str(record["pid"]):
        warnings.warn(f"lava-stllr: dropping the shared-memory record {path}: it is not "
                      f"a record of this user's process {path.stem}", RuntimeWarning,
                      stacklevel=3)
        with contextlib.suppress(OSError):
            path.unlink()
        return []
    if not _owner_dead(record):
        return []
    removed = []
    for segment in record["segments"]:
        name, target = segment["name"], Path(shm_dir) / segment["name"]
        if SEGMENT_NAME.match(name) and _same_segment(target, segment["inode"]):
            with contextlib.suppress(FileNotFoundError):
                target.unlink()
                removed.append(name)
    with contextlib.suppress(OSError):
        path.unlink()
    return removed


def reclaim_stale_segments(root: Path | str | None = None,
                           shm_dir: Path = SHM_DIR) -> list[str]:
    """Unlink the shared-memory segments recorded by our runs whose process has died.

    Only records in :func:`registry_dir` of ``root`` are read; a segment is unlinked only
    if its owner is dead and ``shm_dir/<name>`` still matches Lava's name pattern, is a
    regular file of our uid and has the recorded inode (so a segment of another program
    that reused the name is kept). Records of live owners are kept; those of dead owners
    and broken ones are removed. Never raises: problems are ``RuntimeWarning``\\ s, and
    a run that calls it before starting always starts.

    Returns
    -------
    list of str
        Names of the segments unlinked.
    """
    removed: list[str] = []
    try:
        if process_start_time(os.getpid()) is None:  # no /proc: nothing is provable
            return removed
        folder = registry_dir(root)
        for tmp in folder.glob("*.json.tmp"):  # a writer killed between write and rename
            pid = tmp.name.split(".", 1)[0]
            with contextlib.suppress(OSError):
                if pid.isdigit() and process_start_time(int(pid)) is None:
                    tmp.unlink()
        for path in sorted(folder.glob("*.json")):  # ours too: a reused pid's record
            removed += _reclaim_record(path, shm_dir)
    except Exception as exc:  # never stop a run from starting
        warnings.warn(f"lava-stllr: could not reclaim stale shared-memory segments ({exc})",
                      RuntimeWarning, stacklevel=2)
    return removed
