"""Atomic, versioned save and load of trained weights and run records."""

from __future__ import annotations

import json
import os
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


def atomic_write(path: str | Path, write: Any, mode: str = "wb") -> None:
    """Write via ``write(binary_fileobj)`` to a temporary file in the same folder, then
    rename, so a crash never leaves a partial file under ``path``. The file gets the
    usual permissions (0666 minus the umask), not mkstemp's private 0600. ``mode`` is
    ``"wb"``, or ``"w+b"`` for a writer that also reads back (h5py).

    The data is fsynced before the rename and the folder after it, so after a power
    loss ``path`` holds the old or the new content. A process killed with SIGKILL
    mid-write leaves only its hidden temporary ``.<name>.*.tmp`` file, which nothing
    reads.
    """
    if mode not in ("wb", "w+b"):
        raise ValueError(f"mode must be 'wb' or 'w+b', got {mode!r}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, new_file_mode())
        with os.fdopen(fd, mode) as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
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
    atomic_write(path, lambda f: np.savez(f, **payload))
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
    atomic_write(path, lambda f: f.write(text.encode()))
    return path
