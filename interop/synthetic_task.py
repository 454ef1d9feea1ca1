"""The small synthetic task every interop script uses, NumPy only (both environments).

3 classes, 20 input channels, 25 steps: class ``c`` fires its 6 channels at rate 0.4, the
others at 0.05. ``make_fixtures.py`` and ``norse_fixtures.py`` (torch's environment) and
``export_lava_stllr.py`` (lava-stllr's) import it, so the inputs are the same bits in both.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

N_IN, N_HIDDEN, N_OUT, STEPS = 20, 16, 3, 25
HERE = Path(__file__).resolve().parent


def make_inputs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` spike trains (n, STEPS, N_IN) of 0/1 and their labels, seeded."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % N_OUT
    rates = np.full((n, 1, N_IN), 0.05)
    for i, c in enumerate(labels):
        rates[i, 0, c * 6:(c + 1) * 6] = 0.4
    return (rng.random((n, STEPS, N_IN)) < rates).astype(np.uint8), labels


def output_folder(description: str) -> Path:
    """The ``--out`` folder of a fixture script (default tests/nir/fixtures), created."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--out", type=Path, default=HERE.parent / "tests" / "nir" / "fixtures")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    return out
