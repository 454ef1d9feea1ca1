"""Shared fixtures for the event-data tests: the real N-MNIST subset and synthetic files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

#: The shared real N-MNIST subset (1,000 training samples), beside the repository.
NMNIST_ROOT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "NMNIST"


@pytest.fixture
def nmnist_root() -> Path:
    """Root of the real N-MNIST subset; skips the test when it is absent."""
    if not (NMNIST_ROOT / "Train").is_dir():
        pytest.skip(f"real N-MNIST data not found at {NMNIST_ROOT / 'Train'}")
    return NMNIST_ROOT


def encode_nmnist(x, y, t, p) -> bytes:
    """Encode events in the N-MNIST binary format (5 bytes per event, t < 2**23 us)."""
    x, y, t, p = (np.asarray(a, dtype=np.int64) for a in (x, y, t, p))
    assert np.all(t < 2**23) and np.all((0 <= x) & (x < 256)) and np.all(y != 240)
    raw = np.empty((x.size, 5), dtype=np.uint8)
    raw[:, 0] = x
    raw[:, 1] = y
    raw[:, 2] = (p << 7) | ((t >> 16) & 0x7F)
    raw[:, 3] = (t >> 8) & 0xFF
    raw[:, 4] = t & 0xFF
    return raw.tobytes()


@pytest.fixture
def write_nmnist() -> Callable[..., Path]:
    """``write(path, x, y, t, p)``: write an N-MNIST ``.bin`` file, creating its folder."""

    def write(path: Path, x, y, t, p) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(encode_nmnist(x, y, t, p))
        return path

    return write


#: Synthetic samples of ``fake_nmnist_root``: (id, digit, number of events).
FAKE_SAMPLES = [(3, 7, 40), (1, 5, 30), (10, 0, 50), (2, 0, 20), (4, 9, 60), (12, 5, 25)]


def fake_events(sample_id: int, n: int) -> tuple[np.ndarray, ...]:
    """Deterministic events of a synthetic sample: sorted t in [0, 320 ms), 34x34x2."""
    rng = np.random.default_rng(sample_id)
    t = np.sort(rng.integers(0, 320_000, n))
    return rng.integers(0, 34, n), rng.integers(0, 34, n), t, rng.integers(0, 2, n)


@pytest.fixture
def fake_nmnist_root(tmp_path: Path, write_nmnist) -> Path:
    """A small synthetic N-MNIST tree ``tmp_path/nmnist/Train/<digit>/<id>.bin``."""
    root = tmp_path / "nmnist"
    for sample_id, digit, n in FAKE_SAMPLES:
        write_nmnist(
            root / "Train" / str(digit) / f"{sample_id:05d}.bin", *fake_events(sample_id, n)
        )
    return root


@pytest.fixture
def fake_sample_events() -> Callable[[int, int], tuple[np.ndarray, ...]]:
    """``events(sample_id, n) -> (x, y, t, p)`` of the synthetic samples."""
    return fake_events


@pytest.fixture
def fake_samples() -> list[tuple[int, int, int]]:
    """The synthetic samples as (id, digit, number of events)."""
    return list(FAKE_SAMPLES)


@pytest.fixture
def mnist_reads(monkeypatch) -> list[str]:
    """Record every call of ``tonic.io.read_mnist_file`` (the event reader), still
    reading the file; the list holds the paths read, in order."""
    import tonic

    calls: list[str] = []
    real = tonic.io.read_mnist_file

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(tonic.io, "read_mnist_file", counting)
    return calls


@pytest.fixture(scope="session")
def default_split():
    """``synthetic_train_val()`` with its defaults (600 training, 200 validation samples)."""
    from lava_stllr.data.synthetic import synthetic_train_val

    return synthetic_train_val()


#: The shared real Heidelberg Digits recordings (2,000 FLAC files), beside the repository.
HEIDELBERG_DIGITS_ROOT = (Path(__file__).resolve().parents[2].parent / "shared" / "data"
                          / "HeidelbergDigits")


@pytest.fixture
def heidelberg_digits_root() -> Path:
    """Root of the real Heidelberg Digits recordings; skips the test when they are absent."""
    if not (HEIDELBERG_DIGITS_ROOT / "audio").is_dir():
        pytest.skip(f"real Heidelberg Digits audio not found at {HEIDELBERG_DIGITS_ROOT}")
    return HEIDELBERG_DIGITS_ROOT
