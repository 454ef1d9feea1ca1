"""Peak memory of one training step (one mini-batch) of S-TLLR vs BPTT, vs time steps.

Network 2312-256-10, batch 32, random input spikes (rate 0.05). Peak memory is the
tracemalloc peak (NumPy reports its buffers to tracemalloc) above the memory held
before the step (weights, optimizer state and the input batch are excluded).

Run: ``python benchmarks/bench_memory.py [--steps 25 50 100 200 400] [--json PATH]
[--plot PNG]``
"""

from __future__ import annotations

import argparse
import json
import tracemalloc

import numpy as np
from perf_rows import Row, add_rows_option, write_rows

from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer


def peak_step_memory(trainer, x: np.ndarray, labels: np.ndarray) -> int:
    """Bytes allocated at peak during ``trainer.train_batch(x, labels)``."""
    trainer.train_batch(x[:, :2], labels)  # warm up lazily created optimizer state
    tracemalloc.start()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    trainer.train_batch(x, labels)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[25, 50, 100, 200, 400])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--json", help="also write the table as JSON to this path")
    parser.add_argument("--plot", help="also draw memory vs time steps to this PNG")
    add_rows_option(parser)
    args = parser.parse_args()

    spec = NetworkSpec((2312, 256, 10))
    params = STLLRParams(lr=1e-3)
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, args.batch)
    rows = []
    print(f"{'T':>5} {'S-TLLR MiB':>11} {'BPTT MiB':>9} {'BPTT/S-TLLR':>12}")
    for n_steps in args.steps:
        x = (rng.random((args.batch, n_steps, 2312)) < 0.05).astype(np.float64)
        stllr = peak_step_memory(STLLRTrainer(spec, params, signal="dfa"), x, labels)
        bptt = peak_step_memory(BPTTTrainer(spec, params), x, labels)
        rows.append({"T": n_steps, "stllr_bytes": stllr, "bptt_bytes": bptt})
        print(f"{n_steps:>5} {stllr / 2**20:>11.1f} {bptt / 2**20:>9.1f} {bptt / stllr:>12.1f}",
              flush=True)
    write_rows(args.rows, [Row("memory of a step", f"2312-256-10, batch {args.batch}, "
                               f"T = {r['T']}, S-TLLR", r["stllr_bytes"] / 2**20,
                               r["bptt_bytes"] / 2**20, "MiB", "lower", "BPTT")
                           for r in (rows[0], rows[-1])])
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    if args.plot:
        from lava_stllr.runs.plots import plot_memory_vs_steps

        plot_memory_vs_steps(args.plot, [(r["T"], r["stllr_bytes"], r["bptt_bytes"])
                                         for r in rows])


if __name__ == "__main__":
    main()
