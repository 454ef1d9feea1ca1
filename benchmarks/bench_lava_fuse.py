"""Training steps/s of the fused Lava network (``fuse=True``: one OS process per layer)
against the composed one (``fuse=False``: one per Process, as users wire them), in the
same process, with a check that both give the same scores and weights bit for bit.

Each network trains on seeded random spikes (5% input activity): a warm-up sample
starts the runtime, then ``--samples`` samples are timed; fused and composed alternate,
best of ``--repeats``. ``bench_lava_profile.py --baseline-dir`` compares against an older
checkout instead, and shows where a step goes.

Run: ``python benchmarks/bench_lava_fuse.py [--samples 10] [--repeats 2]
[--networks 512-64-4:float 2312-256-10:float ...]``
"""

from __future__ import annotations

import argparse
import time

from bench_lava_profile import random_dataset, run_digest
from perf_rows import Row, add_rows_option, write_rows

DEFAULT_NETWORKS = ("512-64-4:float", "512-64-4:fixed", "2312-256-10:float",
                    "2312-256-10:fixed")
#: Steps per sample of each network (the demo's 24, N-MNIST's 25).
STEPS = {512: 24, 2312: 25}


def time_once(sizes: tuple[int, ...], n_steps: int, precision: str, fuse: bool, samples: int
              ) -> tuple[float, str]:
    """Steps/s of one timed ``train`` call, and a digest of its scores and weights."""
    from lava_stllr.lavanet.network import STLLRNetwork
    from lava_stllr.params import STLLRParams

    data = random_dataset(samples, sizes, n_steps, 0.05)
    params = STLLRParams.preset("code_default", lr=1e-3)
    with STLLRNetwork(sizes, n_steps=n_steps, params=params, precision=precision, fuse=fuse,
                      timeout=300) as net:
        net.train(data, 1, progress=False)
        start = time.perf_counter()
        result = net.train(data, progress=False)
        wall = time.perf_counter() - start
        digest = run_digest(result, net)
        steps = (samples + 1) * net.layout.period  # the call also runs one flush period
    return steps / wall, digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--networks", nargs="+", default=list(DEFAULT_NETWORKS),
                        metavar="SIZES:PRECISION")
    add_rows_option(parser)
    args = parser.parse_args()
    print(f"{'network':>12} | {'precision':>11} | {'fused steps/s':>13} | "
          f"{'composed steps/s':>16} | {'ratio':>5} | same bits")
    rows = []
    for item in args.networks:
        text, precision = item.split(":")
        sizes = tuple(int(n) for n in text.split("-"))
        n_steps = STEPS.get(sizes[0], 24)
        best = {True: 0.0, False: 0.0}
        digests = set()
        for _ in range(args.repeats):
            for fuse in (True, False):
                rate, digest = time_once(sizes, n_steps, precision, fuse, args.samples)
                best[fuse] = max(best[fuse], rate)
                digests.add(digest)
        same = len(digests) == 1
        print(f"{text:>12} | {precision:>11} | {best[True]:13.1f} | {best[False]:16.1f} | "
              f"{best[True] / best[False]:5.2f} | {same}", flush=True)
        if not same:
            raise SystemExit(f"{text} {precision}: fused and composed networks differ")
        rows.append(Row("Lava training network", f"{text} {precision}, T = {n_steps}, "
                        "fused (same bits)", best[True], best[False], "steps/s", "higher",
                        "composed network"))
    write_rows(args.rows, rows)


if __name__ == "__main__":
    main()
