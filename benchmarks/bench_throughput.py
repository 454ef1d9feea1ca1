"""Throughput of the batched S-TLLR trainer vs the matrix products it cannot avoid.

Network 2312-256-10, batch 32, T = 30, random input spikes (rate 0.05). The floor is
the same matrix products the trainer needs per step, timed bare in the same process:
the forward products ``x @ W1^T``, ``h @ W2^T`` and the weight-update products
``[a; b]^T @ [trx; x]`` (hidden, causal + non-causal terms) and ``e^T @ trh`` (readout).

Run: ``python benchmarks/bench_throughput.py [--repeats 5]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer

SIZES = (2312, 256, 10)


def best_time(fn, repeats: int) -> float:
    """Best wall time of ``fn()`` over ``repeats`` runs (seconds)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    b, n_steps = args.batch, args.steps
    n_in, n_hid, n_out = SIZES
    rng = np.random.default_rng(0)
    x = (rng.random((b, n_steps, n_in)) < 0.05).astype(np.float64)
    labels = rng.integers(0, n_out, b)

    rows = []
    for signal in ("dfa", "bp"):
        trainer = STLLRTrainer(NetworkSpec(SIZES), STLLRParams(lr=1e-3), signal=signal)
        seconds = best_time(lambda t=trainer: t.train_batch(x, labels), args.repeats)
        rows.append((f"S-TLLR trainer ({signal})", seconds))

    w1, w2 = rng.normal(size=(n_hid, n_in)), rng.normal(size=(n_out, n_hid))
    h = rng.normal(size=(b, n_hid))
    post2 = rng.normal(size=(2 * b, n_hid))
    e = rng.normal(size=(b, n_out))

    def floor() -> None:
        for t in range(n_steps):
            xt = x[:, t]
            xt @ w1.T
            h @ w2.T
            post2.T @ np.concatenate([xt, xt], axis=0)
            e.T @ h

    rows.append(("bare matmul floor", best_time(floor, args.repeats)))
    floor_s = rows[-1][1]
    print(f"network {SIZES}, batch {b}, T = {n_steps}, best of {args.repeats}")
    print(f"{'what':<26} {'s/batch':>8} {'samples/s':>10} {'x floor':>8}")
    for name, seconds in rows:
        print(f"{name:<26} {seconds:>8.4f} {b / seconds:>10.1f} {seconds / floor_s:>8.2f}")


if __name__ == "__main__":
    main()
