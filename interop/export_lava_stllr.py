"""Write lava-stllr's own NIR exports for the frameworks to read (``make interop``, step 1).

Runs in lava-stllr's environment (no torch). Trains a small dense network with S-TLLR on
the same synthetic task as ``make_fixtures.py`` (3 classes, 20 inputs, 25 steps), hard
reset (the reset NIR's LIF has), and writes it to ``tests/nir/fixtures/``:

- ``lava_stllr_dense.nir``: plain NIR (``--target nir``, dt 1 ms);
- ``lava_stllr_dense_for_snntorch.nir``: ``--target snntorch`` (dt 1e-4 s, readout as a LIF
  that never fires);
- ``lava_stllr_dense_for_norse.nir``: ``--target norse`` (``r = 1``, the input gain in the
  weights, readout as a LIF that never fires);
- ``lava_stllr_inputs.npz``: the 48 test inputs (N, T, 20) and labels.

``read_exports.py`` (torch's environment) then simulates each file in snnTorch and Norse;
``tests/nir/test_interop_export.py`` compares their spikes with lava-stllr's.

Usage: ``.venv/bin/python interop/export_lava_stllr.py [--out tests/nir/fixtures]``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.nir import to_nir, write_nir
from lava_stllr.params import STLLRParams
from lava_stllr.reference import STLLRTrainer
from lava_stllr.spec.network import NetworkSpec

N_IN, N_HIDDEN, N_OUT, STEPS = 20, 16, 3, 25
HERE = Path(__file__).resolve().parent
PARAMS = STLLRParams(beta=0.9, theta=0.5, reset="hard", lr=0.05)


def make_inputs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` spike trains (n, STEPS, N_IN) of 0/1 and labels: class ``c`` fires its 6
    channels at rate 0.4, the others at 0.05 (seeded)."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % N_OUT
    rates = np.full((n, 1, N_IN), 0.05)
    for i, c in enumerate(labels):
        rates[i, 0, c * 6:(c + 1) * 6] = 0.4
    return (rng.random((n, STEPS, N_IN)) < rates).astype(np.uint8), labels


def trained(spec: NetworkSpec, seed: int = 0):
    """``spec`` trained for 10 epochs with S-TLLR (BP signal) on 96 samples."""
    x, y = make_inputs(96, seed=1)
    trainer = STLLRTrainer(spec, PARAMS, seed=seed)
    trainer.fit(ArrayDataset(x, y, N_OUT), epochs=10, batch_size=16, progress=False)
    return trainer.weights


def exports() -> dict[str, tuple[NetworkSpec, str, float]]:
    """File stem -> (network, target, dt) of every export this script writes."""
    dense = NetworkSpec((N_IN, N_HIDDEN, N_OUT), beta_out=0.9)
    return {"lava_stllr_dense": (dense, "nir", 1e-3),
            "lava_stllr_dense_for_snntorch": (dense, "snntorch", 1e-4),
            "lava_stllr_dense_for_norse": (dense, "norse", 1e-3)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE.parent / "tests" / "nir" / "fixtures")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    weights = None
    for stem, (spec, target, dt) in exports().items():
        if weights is None:
            weights = trained(spec)
        write_nir(args.out / f"{stem}.nir", to_nir(spec, PARAMS, weights, dt=dt,
                                                   target=target))
        print(f"wrote {args.out / stem}.nir ({target}, dt {dt:g} s)")
    x, labels = make_inputs(48, seed=2)
    np.savez_compressed(args.out / "lava_stllr_inputs.npz", inputs=x, labels=labels)


if __name__ == "__main__":
    main()
