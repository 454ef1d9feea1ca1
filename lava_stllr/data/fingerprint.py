"""A content hash of the data files a run used, recorded in ``run.json``.

The hash is SHA-256 over the sorted paths (relative to the data folder) and, per file,
its contents when all files together are at most :data:`CONTENT_LIMIT` bytes, else its
size and modification time (the shared 1,000-file N-MNIST subset, 20.7 MB, hashes by
contents in about 30 ms with a warm page cache; a multi-gigabyte DVS Gesture copy by
size and time, to keep ``train`` quick).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

#: Above this many bytes in all, files are hashed by size and modification time.
CONTENT_LIMIT = 1 << 30
_CHUNK = 1 << 20


def underlying(dataset: Any) -> tuple[Any, list[int] | None]:
    """The dataset under checked views and subsets, and the indices of ``dataset``'s
    samples in it (None: all of them, in order)."""
    indices = None
    while True:
        inner = getattr(dataset, "dataset", None)  # CheckedDataset
        if inner is not None and not hasattr(dataset, "indices"):
            dataset = inner
            continue
        if hasattr(dataset, "indices") and hasattr(dataset, "parent"):  # SubsetDataset
            idx = [int(i) for i in dataset.indices]
            indices = idx if indices is None else [idx[i] for i in indices]
            dataset = dataset.parent
            continue
        return dataset, indices


def data_files(dataset: Any) -> list[Path]:
    """The files holding the samples of ``dataset`` (through checked views and subsets);
    ``[]`` for a dataset made in code."""
    dataset, indices = underlying(dataset)
    files = getattr(dataset, "files", None)
    if files is not None:
        return [Path(files[i]) for i in (range(len(files)) if indices is None else indices)]
    path = getattr(dataset, "path", None)  # one file for all samples (SHD)
    return [Path(path)] if path is not None else []


def fingerprint(files: list[Path], root: Path | None) -> dict[str, Any]:
    """``{"data_hash": "sha256:...", "data_hash_of": "contents" | "size+mtime",
    "data_files": n}`` of ``files``; hash ``None`` when there are none."""
    if not files:
        return {"data_hash": None, "data_files": 0}
    base = Path(root).resolve() if root is not None else None
    named = []
    for f in {Path(f).resolve() for f in files}:
        try:
            rel = f.relative_to(base) if base is not None else f
        except ValueError:
            rel = f
        named.append((rel.as_posix(), f))
    named.sort()
    stats = [f.stat() for _, f in named]
    by_contents = sum(st.st_size for st in stats) <= CONTENT_LIMIT
    h = hashlib.sha256()
    for (rel, f), st in zip(named, stats, strict=True):
        h.update(rel.encode() + b"\0")
        if by_contents:
            with open(f, "rb") as fh:
                while chunk := fh.read(_CHUNK):
                    h.update(chunk)
        else:
            h.update(f"{st.st_size}-{st.st_mtime_ns}".encode())
        h.update(b"\0")
    return {"data_hash": f"sha256:{h.hexdigest()}",
            "data_hash_of": "contents" if by_contents else "size+mtime",
            "data_files": len(named)}


def dataset_fingerprint(datasets: list[Any], root: Path | None) -> dict[str, Any]:
    """:func:`fingerprint` of the files of all ``datasets`` together."""
    return fingerprint([f for d in datasets for f in data_files(d)], root)
