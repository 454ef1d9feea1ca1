"""Speed of the S-TLLR reference trainer in float32 vs float64, against its matmul floor.

Network 2312-256-10 (N-MNIST sized), batch 32, T = 30 steps, S-TLLR with the BP signal
and Adam, seeded random binary input at ~5% activity. For each dtype the "GEMM floor"
is the time of the matrix products the trainer has to do per step, alone, on operands
of the same shapes and dtype, timed in the same process:

* forward: ``x[t] @ W1^T`` (B, 2312)@(2312, 256) and ``h[t] @ W2^T`` (B, 256)@(256, 10);
* BP signal: ``e[t] @ W2`` (B, 10)@(10, 256);
* gradients: ``[a; b]^T @ [trx; x]`` (256, 2B)@(2B, 2312) for the hidden layer (causal
  and non-causal terms stacked) and ``e^T @ trh`` (10, B)@(B, 256) for the readout
  (its non-causal term is zero, so the trainer does only the causal half).

``trainer/floor`` is how much the trainer spends beyond those products (elementwise
state, traces, psi, Adam); the float32/float64 speed-up is read off the same run.
The trainer and the floor are timed interleaved, best of ``--repeats``, each repeat
running ``--batches`` batches, so a busy shared machine slows all of them alike.

With ``--torch-python PY --authors-src DIR`` the authors' PyTorch layers
(``authors_torch.py``) are timed once per repeat, interleaved with ours.

Run: ``python benchmarks/bench_float32.py [--repeats 5] [--batches 3] [--torch-python PY
--authors-src DIR]``
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from authors_torch import DENSE_PROGRAM, authors_rate
from perf_rows import Row, add_rows_option, write_rows

from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer

SIZES = (2312, 256, 10)
DTYPES = ("float64", "float32")
#: Samples/s of the authors' PyTorch S-TLLR layers on this CPU for these shapes
#: (95-116 measured earlier; the middle of that range), used without ``--torch-python``.
AUTHORS_PYTORCH = 105.0


def seconds(fn: Callable[[], object]) -> float:
    """Wall time of one call of ``fn`` (seconds)."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def floor_fn(dtype: str, batch: int, n_steps: int, rng: np.random.Generator,
             x: np.ndarray) -> Callable[[], None]:
    """The per-step matrix products of one training batch, on preallocated operands."""
    n_in, n_hid, n_out = SIZES
    w1 = rng.normal(size=(n_hid, n_in)).astype(dtype)
    w2 = rng.normal(size=(n_out, n_hid)).astype(dtype)
    h = (rng.random((batch, n_hid)) < 0.1).astype(dtype)
    e = rng.normal(size=(batch, n_out)).astype(dtype)
    post = rng.normal(size=(2 * batch, n_hid)).astype(dtype)
    pre = [np.concatenate([x[:, t], x[:, t]], axis=0) for t in range(n_steps)]

    def run() -> None:
        for t in range(n_steps):
            x[:, t] @ w1.T
            h @ w2.T
            e @ w2
            post.T @ pre[t]
            e.T @ h

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="best of this many (5)")
    parser.add_argument("--batches", type=int, default=3, help="batches per repeat (3)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--torch-python", help="an interpreter with torch: measure the "
                        "authors' layers in this run (benchmarks/authors_torch.py)")
    parser.add_argument("--authors-src", type=Path,
                        help="folder holding the authors' STLLR_layers.py")
    add_rows_option(parser)
    args = parser.parse_args()
    if bool(args.torch_python) != bool(args.authors_src):
        parser.error("--torch-python and --authors-src go together")
    print("command: python " + shlex.join(sys.argv))
    b, n_steps, n_batches = args.batch, args.steps, args.batches
    n_in, _, n_out = SIZES
    rng = np.random.default_rng(0)
    x64 = (rng.random((b, n_steps, n_in)) < 0.05).astype(np.float64)
    labels = rng.integers(0, n_out, b)

    trainers, floors, inputs = {}, {}, {}
    for dtype in DTYPES:
        trainers[dtype] = STLLRTrainer(NetworkSpec(SIZES), STLLRParams(lr=1e-3), signal="bp",
                                       optimizer="adam", seed=0, dtype=dtype)
        # The trainer casts its input once per batch; the floor gets it already cast.
        inputs[dtype] = np.ascontiguousarray(x64.astype(dtype))
        floors[dtype] = floor_fn(dtype, b, n_steps, rng, inputs[dtype])
        trainers[dtype].train_batch(x64, labels)  # warm-up: Adam's moments, BLAS threads
        floors[dtype]()

    best = {(kind, d): float("inf") for kind in ("trainer", "floor") for d in DTYPES}
    authors = 0.0
    program = DENSE_PROGRAM.format(batch=b, steps=n_steps)
    for _ in range(args.repeats):
        if args.torch_python:
            authors = max(authors, authors_rate(args.torch_python, args.authors_src, program))
        for dtype in DTYPES:
            t = trainers[dtype]
            trainer_s = seconds(lambda t=t: [t.train_batch(x64, labels)
                                             for _ in range(n_batches)])
            floor_s = seconds(lambda f=floors[dtype]: [f() for _ in range(n_batches)])
            best["trainer", dtype] = min(best["trainer", dtype], trainer_s / n_batches)
            best["floor", dtype] = min(best["floor", dtype], floor_s / n_batches)
    for dtype in DTYPES:
        assert all(w.dtype == np.dtype(dtype) for w in trainers[dtype].weights.arrays())

    print(f"network {'-'.join(map(str, SIZES))}, batch {b}, T = {n_steps}, S-TLLR BP + Adam, "
          f"input activity 5%, best of {args.repeats} x {n_batches} batches, "
          f"{os.cpu_count()} CPUs, numpy {np.__version__}")
    print(f"{'dtype':<8} {'trainer s/batch':>15} {'samples/s':>10} {'floor s/batch':>14} "
          f"{'samples/s':>10} {'trainer/floor':>14}")
    for dtype in DTYPES:
        tr, fl = best["trainer", dtype], best["floor", dtype]
        print(f"{dtype:<8} {tr:>15.4f} {b / tr:>10.1f} {fl:>14.4f} {b / fl:>10.1f} "
              f"{tr / fl:>14.2f}")
    speedup = best["trainer", "float64"] / best["trainer", "float32"]
    floor_speedup = best["floor", "float64"] / best["floor", "float32"]
    f32_rate = b / best["trainer", "float32"]
    print(f"float32/float64 speed-up: trainer {speedup:.2f}x, floor {floor_speedup:.2f}x")
    when = "in this run" if authors else "measured earlier"
    authors = authors or AUTHORS_PYTORCH
    print(f"vs the authors' PyTorch layers ({when}, {authors:.0f} samples/s): float32 "
          f"trainer {f32_rate / authors:.2f}x, float64 "
          f"{b / best['trainer', 'float64'] / authors:.2f}x")
    case = f"{'-'.join(map(str, SIZES))}, batch {b}, T = {n_steps}, BP + Adam"
    rate = {key: b / sec for key, sec in best.items()}
    write_rows(args.rows, [
        *(Row("reference trainer", f"{case}, {d}", rate["trainer", d], rate["floor", d],
              "samples/s", "higher", f"{d} GEMM floor") for d in DTYPES),
        Row("reference trainer", f"{case}, float32", rate["trainer", "float32"],
            rate["trainer", "float64"], "samples/s", "higher", "float64 trainer"),
    ])


if __name__ == "__main__":
    main()
