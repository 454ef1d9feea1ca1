"""Write a conv netx export for lava-dl's own netx to run (``make netx-check``, step 1).

Runs in lava-stllr's environment (no torch, no lava-dl). Trains a small VGG of the
paper's form (3x3 convs, max pooling, weight standardization, the ``dvs_gesture``
factors with the triangle psi) on synthetic DVS Gesture clips, exports it with
``lava-stllr export``, and writes to ``tests/export/fixtures/netx_vgg/``:

- ``net.h5``: the netx file (conv, max-pool, dense and readout blocks);
- ``input.npz``: ``x`` (N, T, 2, 32, 32) input frames of N held-out clips (event counts,
  what ``export --check`` feeds; netx passes them with ``input_message_bits=8``) and
  their labels ``y``.

``netx_lava_dl.py`` (lava-dl's environment) then runs the file in
``lava.lib.dl.netx.hdf5.Network`` and records every step of the readout's current;
``tests/export/test_netx_lava_dl.py`` compares that with
:func:`lava_stllr.export.simulate_netx`.

Usage: ``.venv/bin/python interop/export_netx_fixture.py [--out DIR]``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from lava_stllr.cli import main
from lava_stllr.cli.common import recorded_held_out
from lava_stllr.data.gesture_synthetic import write_synthetic_gesture
from lava_stllr.runs import record as runs

#: The fixture's network: 2x32x32 input, two 3x3 conv blocks each closed by a 2x2 max
#: pool, a dense layer and the readout (11 gestures).
LAYERS = "4c3p1:triangle-p2-8c3p1:triangle-p2-16"
TIME_BINS = 12
N_SAMPLES = 3
FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "export" / "fixtures" / "netx_vgg"


def write_fixture(out: Path) -> None:
    """Train, export and write the inputs into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        data, run = Path(scratch) / "gesture", Path(scratch) / "run"
        write_synthetic_gesture(data, 2, seed=0, split="train")
        write_synthetic_gesture(data, 1, seed=0, split="test")
        common = ["--dataset", "dvsgesture", "--data-dir", str(data), "--time-bins",
                  str(TIME_BINS)]
        if main(["train", "--backend", "reference", *common, "--layers", LAYERS,
                 "--preset", "dvs_gesture", "--samples", "22", "--val-samples", "11",
                 "--epochs", "3", "--optimizer", "adam", "--lr", "0.01", "--seed", "0",
                 "--quiet", "--no-plots", "--out", str(run)]) != 0:
            raise SystemExit("training the fixture's network failed")
        if main(["export", str(run), "-o", str(out / "net.h5")]) != 0:
            raise SystemExit("exporting the fixture's network failed")
        val = recorded_held_out(runs.load_run(run), N_SAMPLES)
        x = np.stack([val[i][0] for i in range(N_SAMPLES)])
        y = np.array([val[i][1] for i in range(N_SAMPLES)])
    if x.min() < 0 or x.max() >= 1 << 7 or np.any(x != np.round(x)):
        raise SystemExit("input counts must be integers in [0, 127] for 8-bit messages")
    x = x.astype(np.uint8)
    np.savez_compressed(out / "input.npz", x=x.reshape(N_SAMPLES, TIME_BINS, 2, 32, 32),
                        y=y)
    print(f"wrote {out / 'net.h5'} and {out / 'input.npz'} ({N_SAMPLES} clips)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=FIXTURES)
    write_fixture(parser.parse_args().out)
