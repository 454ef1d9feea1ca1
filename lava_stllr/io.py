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


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Any) -> None:
    """Write via ``write(binary_fileobj)`` to a temporary file in the same folder, then
    rename, so a crash never leaves a partial file under ``path``. The file gets the
    usual permissions (0666 minus the umask), not mkstemp's private 0600."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
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
    payload["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
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
    if header.get("magic") != _MAGIC:
        raise ValueError(f"{path} is not a lava-stllr weights file")
    if header.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has format version {header.get('format_version')}, "
            f"this lava-stllr reads version {FORMAT_VERSION}"
        )
    return arrays, header["meta"]


def save_json(path: str | Path, record: dict[str, Any]) -> Path:
    """Write a JSON run record atomically (with ``format_version``)."""
    path = Path(path)
    text = json.dumps({"format_version": FORMAT_VERSION, **record}, indent=2, default=str)
    atomic_write(path, lambda f: f.write(text.encode()))
    return path
