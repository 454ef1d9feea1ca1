"""Small fake N-MNIST folders for the command-line tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


def write_nmnist_files(root: Path, n: int = 18, split: str = "Train", seed: int = 0) -> Path:
    """``root/<split>/<digit>/<id>.bin``: ``n`` small random recordings (30 events of 5
    bytes each, ids 1..n, digit ``id % 10``); returns ``root``."""
    rng = np.random.default_rng(seed)
    for i in range(1, n + 1):
        k = 30
        t = np.sort(rng.integers(0, 300_000, k))
        raw = np.empty((k, 5), dtype=np.uint8)
        raw[:, 0], raw[:, 1] = rng.integers(0, 34, k), rng.integers(0, 34, k)
        raw[:, 2] = (rng.integers(0, 2, k) << 7) | ((t >> 16) & 0x7F)
        raw[:, 3], raw[:, 4] = (t >> 8) & 0xFF, t & 0xFF
        path = root / split / str(i % 10) / f"{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(raw.tobytes())
    return root


@pytest.fixture
def write_nmnist():
    """:func:`write_nmnist_files`."""
    return write_nmnist_files
