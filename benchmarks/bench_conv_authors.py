"""Conv S-TLLR training samples/s: our batched trainer against the authors' PyTorch layers.

Same shapes as ``bench_conv.py``: input (2, 34, 34) at 5% activity, one conv layer of 8
kernels 5x5 stride 2, 2x2 max pooling, 64 LIF, a leaky readout of 10; batch 16, T = 25,
S-TLLR with the BP signal and Adam, every step in the learning window. The authors' side
is their ``Conv2dSTLLR`` and ``LinearSTLLR`` (``models/layers/STLLR_layers.py`` of
github.com/mapolinario94/S-TLLR) in their training pattern: per step a forward pass, the
cross-entropy of the readout and ``backward()``; one Adam step per batch. Their layers
also standardize the weights every step; PyTorch runs float32 on ``torch`` threads = 2.
PyTorch is not a dependency of this project: give an interpreter that has it
(``--torch-python``) and a checkout of the authors' code (``--authors-src``). The two
sides run as separate processes, alternated ``--rounds`` times, best of each.

Run: ``python benchmarks/bench_conv_authors.py --torch-python PY --authors-src DIR
[--rounds 3]``
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from authors_torch import CONV_PROGRAM, authors_rate

from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

BATCH, STEPS = 16, 25
def our_rates() -> dict[str, float]:
    """Samples/s of ConvSTLLRTrainer (BP, Adam) in float64 and float32, best of 3."""
    spec = ConvNetSpec.parse("8c5s2-p2-64", (2, 34, 34), 10, init_gain=2.0)
    params = STLLRParams.preset("code_default", lr=1e-3)
    rng = np.random.default_rng(0)
    x = (rng.random((BATCH, STEPS, spec.n_inputs)) < 0.05).astype(np.float64)
    labels = rng.integers(0, 10, BATCH)
    rates = {}
    for dtype in ("float64", "float32"):
        trainer = ConvSTLLRTrainer(spec, params, "bp", "adam", dtype=dtype)
        trainer.train_batch(x, labels)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            trainer.train_batch(x, labels)
            best = min(best, time.perf_counter() - start)
        rates[dtype] = BATCH / best
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch-python", required=True, help="an interpreter with torch")
    parser.add_argument("--authors-src", type=Path, required=True,
                        help="folder holding the authors' STLLR_layers.py")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not (args.authors_src / "STLLR_layers.py").is_file():
        parser.error(f"{args.authors_src} has no STLLR_layers.py")
    print("command: python " + shlex.join(sys.argv))
    best = {"authors": 0.0, "float64": 0.0, "float32": 0.0}
    for _ in range(args.rounds):
        rate = authors_rate(args.torch_python, args.authors_src,
                            CONV_PROGRAM.format(batch=BATCH, steps=STEPS))
        best["authors"] = max(best["authors"], rate)
        for dtype, rate in our_rates().items():
            best[dtype] = max(best[dtype], rate)
    print(f"8c5s2-p2-64 on 2x34x34, batch {BATCH}, T = {STEPS}, S-TLLR BP + Adam, best of "
          f"{args.rounds} alternated rounds")
    print("| trainer | samples/s | vs the authors' layers |")
    print("|---|---|---|")
    for name, rate in best.items():
        label = "authors' PyTorch layers (float32)" if name == "authors" else \
            f"ConvSTLLRTrainer ({name})"
        print(f"| {label} | {rate:.1f} | {rate / best['authors']:.2f}x |")


if __name__ == "__main__":
    main()
