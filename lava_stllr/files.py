"""Atomic, versioned save and load of trained weights and run records."""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

FORMAT_VERSION = 1
_MAGIC = "lava-stllr-weights"


def new_file_mode() -> int:
    """Permissions a plain ``open(path, "w")`` would give a new file: 0666 minus the
    umask (``tempfile.mkstemp`` creates its files 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (POSIX; a no-op where folders cannot be
    opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover - some filesystems refuse fsync on folders
        pass
    finally:
        os.close(fd)


#: ``errno`` of a write that did not fit: disk full, quota exhausted, file size limit.
FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class WriteError(OSError):
    """A file did not fit: disk full, quota exhausted or over the file size limit.

    ``str()`` is one line that names the file and, where known, the space it needed and
    the space free (``errno`` and ``filename`` are set as for any ``OSError``).
    """

    def __str__(self) -> str:
        return str(self.strerror)


def format_bytes(n: float) -> str:
    """``n`` bytes in decimal units: ``"512 B"``, ``"3.4 MB"``, ``"1.2 GB"``."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def _existing_folder(path: Path) -> Path:
    """``path`` or its nearest ancestor that exists (where the file system is asked)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def free_space(folder: str | Path) -> int | None:
    """Bytes an unprivileged process can still write in ``folder`` (None if unknown)."""
    try:
        return shutil.disk_usage(_existing_folder(Path(folder))).free
    except OSError:
        return None


def file_size_limit() -> int | None:
    """The largest file this process may write (``RLIMIT_FSIZE``, ``ulimit -f``), or None
    when there is no limit."""
    try:
        import resource
    except ImportError:  # pragma: no cover - not POSIX
        return None
    soft = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if soft == resource.RLIM_INFINITY else int(soft)


def check_space(path: str | Path, size: int) -> None:
    """Refuse, before anything is written, a file of about ``size`` bytes that the free
    space of ``path``'s file system or the file size limit cannot hold.

    Raises
    ------
    WriteError
        Naming ``path``, the size and what is free (``ENOSPC``) or allowed (``EFBIG``).
    """
    path = Path(path)
    free = free_space(path.parent)
    if free is not None and size > free:
        raise WriteError(errno.ENOSPC, f"cannot write {path}: no space left on device (it "
                         f"needs about {format_bytes(size)}, {format_bytes(free)} free)",
                         str(path))
    limit = file_size_limit()
    if limit is not None and size > limit:
        raise WriteError(errno.EFBIG, f"cannot write {path}: it needs about "
                         f"{format_bytes(size)}, more than the file size limit of "
                         f"{format_bytes(limit)} (ulimit -f)", str(path))


def full_error(path: str | Path, exc: OSError, written: int | None = None,
               size: int | None = None) -> WriteError:
    """The one-line :class:`WriteError` of ``exc`` (an ``errno`` of :data:`FULL_ERRNOS`)
    raised while writing ``path``: ``written`` bytes had been written, ``size`` is the
    expected size (either may be None)."""
    path = Path(path)
    if exc.errno == errno.EFBIG:
        limit = file_size_limit()
        reason = "the file is larger than the file size limit" + (
            f" of {format_bytes(limit)} (ulimit -f)" if limit is not None else "")
    elif exc.errno == errno.EDQUOT:
        reason = "disk quota exceeded"
    else:
        reason = "no space left on device"
    known = []
    if size:
        known.append(f"it needs about {format_bytes(size)}")
    elif written:
        known.append(f"{format_bytes(written)} written when it failed")
    free = free_space(path.parent)
    if free is not None and exc.errno != errno.EFBIG:
        known.append(f"{format_bytes(free)} free")
    detail = f"; {', '.join(known)}" if known else ""
    return WriteError(exc.errno, f"cannot write {path}: {reason}{detail}", str(path))


class _TempFile:
    """The temporary file as a writer sees it. Once the write has failed, every call is
    a silent no-op: a writer that cleans up later (``ZipFile.__del__`` of ``np.savez``)
    then writes nothing and raises nothing, and the first error is the one reported."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._pos = 0
        self.failed = False

    def _call(self, name: str, *args: Any, default: Any = None) -> Any:
        if self.failed:
            return default
        try:
            return getattr(self._raw, name)(*args)
        except BaseException:
            self.failed = True
            raise

    def write(self, data: Any) -> int:
        return self._call("write", data, default=memoryview(data).nbytes)

    def read(self, *args: Any) -> bytes:
        return self._call("read", *args, default=b"")

    def readinto(self, buffer: Any) -> int:
        return self._call("readinto", buffer, default=0)

    def seek(self, *args: Any) -> int:
        return self._call("seek", *args, default=args[0] if args else 0)

    def tell(self) -> int:
        return self._call("tell", default=0)

    def truncate(self, *args: Any) -> int:
        return self._call("truncate", *args, default=0)

    def flush(self) -> None:
        self._call("flush")

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _size_of(path: str | None) -> int | None:
    try:
        return None if path is None else os.stat(path).st_size
    except OSError:
        return None


def atomic_write(path: str | Path, write: Any, mode: str = "wb",
                 size: int | None = None) -> None:
    """Write via ``write(binary_fileobj)`` to a temporary file in the same folder, then
    rename, so a crash never leaves a partial file under ``path``. The file gets the
    usual permissions (0666 minus the umask), not mkstemp's private 0600. ``mode`` is
    ``"wb"``, or ``"w+b"`` for a writer that also reads back (h5py).

    The data is fsynced before the rename and the folder after it, so after a power
    loss ``path`` holds the old or the new content. A process killed with SIGKILL
    mid-write leaves only its hidden temporary ``.<name>.*.tmp`` file, which nothing
    reads.

    A full disk, quota or file size limit (``size``, the expected bytes, is checked
    against them before the temporary file is created) raises :class:`WriteError`: one
    line naming ``path`` and the space, and no file is left behind.
    """
    if mode not in ("wb", "w+b"):
        raise ValueError(f"mode must be 'wb' or 'w+b', got {mode!r}")
    path = Path(path)
    tmp = guard = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if size is not None:
            check_space(path, size)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                   dir=path.parent)
        os.fchmod(fd, new_file_mode())
        with os.fdopen(fd, mode) as raw:
            guard = _TempFile(raw)
            write(guard)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException as exc:
        if guard is not None:
            guard.failed = True
        written = _size_of(tmp)
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and not isinstance(exc, WriteError) \
                and exc.errno in FULL_ERRNOS:
            raise full_error(path, exc, written, size) from None
        raise


def save_arrays(path: str | Path, arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> Path:
    """Save named arrays and JSON metadata to an ``.npz`` file atomically.

    The file records ``format_version`` and a magic string; ``meta`` must be
    JSON-serialisable (e.g. the parameter object's ``to_dict()``).
    """
    path = Path(path)
    header = {"magic": _MAGIC, "format_version": FORMAT_VERSION, "meta": meta}
    payload = {f"a_{k}": np.asarray(v) for k, v in arrays.items()}
    for key, value in payload.items():
        if value.dtype.hasobject:  # would be pickled, and load refuses pickles
            raise ValueError(f"array {key[2:]!r} has dtype object; save numeric arrays")
    payload["header"] = np.frombuffer(json.dumps(header, default=_json_numpy).encode(),
                                      dtype=np.uint8)
    size = sum(a.nbytes for a in payload.values()) + 512 * (len(payload) + 1)
    atomic_write(path, lambda f: np.savez(f, **payload), size=size)
    return path


def load_arrays(path: str | Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Load what :func:`save_arrays` wrote; raise ``ValueError`` naming the file if it is
    missing pieces, truncated, of another format or of an unknown version."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"weights file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as data:
            header = json.loads(bytes(data["header"]).decode())
            arrays = {k[2:]: data[k] for k in data.files if k.startswith("a_")}
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
            json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path} is not a valid lava-stllr weights file ({exc})") from exc
    if not isinstance(header, dict) or header.get("magic") != _MAGIC:
        raise ValueError(f"{path} is not a lava-stllr weights file")
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {header.get('format_version')}, "
            f"this lava-stllr reads version {FORMAT_VERSION}"
        )
    if not isinstance(header.get("meta"), dict):
        raise ValueError(f"{path} is not a valid lava-stllr weights file (no metadata)")
    return arrays, header["meta"]


def _json_numpy(value: Any) -> Any:
    """NumPy scalars and arrays as exact JSON numbers and lists (else ``TypeError``)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable")


def _json_default(value: Any) -> Any:
    """As :func:`_json_numpy`, and anything else as ``str`` (paths)."""
    try:
        return _json_numpy(value)
    except TypeError:
        return str(value)


def save_json(path: str | Path, record: dict[str, Any]) -> Path:
    """Write a JSON run record atomically (with ``format_version``).

    NumPy scalars and arrays are written as numbers and lists (exact round trip; a
    ``float32`` becomes the float64 of the same value); other non-JSON values (paths)
    as strings.
    """
    path = Path(path)
    text = json.dumps({"format_version": FORMAT_VERSION, **record}, indent=2,
                      default=_json_default)
    data = text.encode()
    atomic_write(path, lambda f: f.write(data), size=len(data))
    return path
