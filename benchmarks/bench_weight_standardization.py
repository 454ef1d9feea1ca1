"""What weight standardization costs the conv trainer: samples/s with and without it.

The issue's N-MNIST network at full resolution, ``32c3p1-p2-64c3p1-p2-256`` on 2x34x34
frames (5% activity), 10 classes, batch 32, T = 25, S-TLLR with the BP signal and Adam,
one optimizer step per batch (the CLI's) and, as the worst case, one per window step
(``update="step"``: the standardization and its gradient run at every step). Each
setting trains ``--batches`` batches after one warm-up batch, ``--rounds`` times
alternated; the best round counts. Prints a table with the ratio WS / plain.

Run: ``python benchmarks/bench_weight_standardization.py [--batches 3 --rounds 3
--dtype float32]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

LAYERS, SHAPE, CLASSES, BATCH, STEPS = "32c3p1-p2-64c3p1-p2-256", (2, 34, 34), 10, 32, 25


def rate(trainer: ConvSTLLRTrainer, x: np.ndarray, y: np.ndarray, batches: int) -> float:
    """Samples per second of ``batches`` training batches (after one warm-up batch)."""
    trainer.train_batch(x, y)
    start = time.perf_counter()
    for _ in range(batches):
        trainer.train_batch(x, y)
    return batches * len(x) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dtype", default="float32", choices=("float32", "float64"))
    args = parser.parse_args()
    spec = ConvNetSpec.parse(LAYERS, SHAPE, CLASSES)
    rng = np.random.default_rng(0)
    x = (rng.random((BATCH, STEPS, spec.n_inputs)) < 0.05).astype(np.float32)
    y = np.arange(BATCH) % CLASSES
    params = STLLRParams.preset("dvs_gesture", lr=1e-3)
    print(f"{spec.label}, batch {BATCH}, T = {STEPS}, {args.dtype}, S-TLLR BP, Adam")
    print("| optimizer steps | plain samples/s | WS samples/s | WS / plain |")
    print("|---|---|---|---|")
    for update in ("batch", "step"):
        best = {False: 0.0, True: 0.0}
        for _ in range(args.rounds):
            for ws in (False, True):
                trainer = ConvSTLLRTrainer(spec, params, optimizer="adam", update=update,
                                           dtype=args.dtype, standardize=ws)
                best[ws] = max(best[ws], rate(trainer, x, y, args.batches))
        print(f"| once per {update} | {best[False]:.1f} | {best[True]:.1f} | "
              f"{best[True] / best[False]:.3f} |")


if __name__ == "__main__":
    main()
