"""Write lava-stllr's own NIR exports for the frameworks to read (``make interop``, step 1).

Runs in lava-stllr's environment (no torch). Trains a small dense network with S-TLLR on
the synthetic task of ``synthetic_task.py`` (3 classes, 20 inputs, 25 steps), hard
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

import numpy as np
from synthetic_task import N_HIDDEN, N_IN, N_OUT, make_inputs, output_folder

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.nir import to_nir, write_nir
from lava_stllr.params import STLLRParams
from lava_stllr.reference import STLLRTrainer
from lava_stllr.spec.network import NetworkSpec

PARAMS = STLLRParams(beta=0.9, theta=0.5, reset="hard", lr=0.05)


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
    out = output_folder(__doc__.splitlines()[0])
    weights = None
    for stem, (spec, target, dt) in exports().items():
        if weights is None:
            weights = trained(spec)
        write_nir(out / f"{stem}.nir", to_nir(spec, PARAMS, weights, dt=dt,
                                                   target=target))
        print(f"wrote {out / stem}.nir ({target}, dt {dt:g} s)")
    x, labels = make_inputs(48, seed=2)
    np.savez_compressed(out / "lava_stllr_inputs.npz", inputs=x, labels=labels)


if __name__ == "__main__":
    main()
