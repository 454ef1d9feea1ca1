"""Throughput and memory of the conv trainers on N-MNIST-shaped input.

Throughput: samples/s of ``ConvSTLLRTrainer.train_batch`` (BP and DFA) and
``ConvBPTTTrainer`` on random spikes of shape (2, 34, 34), net ``8c5s2-p2-64``, 10 classes,
against the *GEMM floor*: the time of only the im2col calls and matrix products an S-TLLR
BP step makes on the same shapes (forward, the S-TLLR kernel, dense and readout updates,
the BP signal), without the LIF, psi, traces, pooling or bookkeeping.

Memory: peak traced memory (``tracemalloc``, input batch excluded) of one batch vs the
number of steps T, S-TLLR vs BPTT: S-TLLR should be flat in T, BPTT linear.

Usage: ``python benchmarks/bench_conv.py [--batch 16] [--steps 25] [--repeats 3]
[--memory-steps 10 25 50 100] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np
from perf_rows import Row, add_rows_option, write_rows

from lava_stllr.core.conv import im2col
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_bptt import ConvBPTTTrainer
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

SPEC = ConvNetSpec.parse("8c5s2-p2-64", (2, 34, 34), 10, init_gain=2.0)
PARAMS = STLLRParams.preset("dvs_gesture", lr=1e-3)


def spikes(batch: int, n_steps: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random binary input (about 5 % density, like binned N-MNIST) and labels."""
    rng = np.random.default_rng(seed)
    x = (rng.random((batch, n_steps, SPEC.n_inputs)) < 0.05).astype(np.float64)
    return x, rng.integers(0, SPEC.n_classes, batch)


def best_seconds(calls: dict[str, object], repeats: int) -> dict[str, float]:
    """Fastest of ``repeats`` timings of each call, interleaved round-robin so that a
    change of the machine's load (shared cores) hits every call alike."""
    best = {name: float("inf") for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def gemm_floor(batch: int, n_steps: int) -> None:
    """The im2col calls and matrix products of ``n_steps`` S-TLLR BP steps, nothing else."""
    conv, dense, readout = (np.ones(s) for s in SPEC.weight_shapes)
    kernel = SPEC.layers[0]
    frame = np.ones((batch, *SPEC.input_shape))
    n_pos = SPEC.shapes[1][1] * SPEC.shapes[1][2]
    c_out = conv.shape[0]
    pooled = np.ones((batch, dense.shape[1]))
    hidden = np.ones((batch, dense.shape[0]))
    err = np.ones((batch, readout.shape[0]))
    post = np.ones((batch * n_pos, c_out))
    for _ in range(n_steps):
        cols = im2col(frame, kernel.kernel, kernel.stride, kernel.padding)
        trx_cols = im2col(frame, kernel.kernel, kernel.stride, kernel.padding)
        _ = cols @ conv.reshape(c_out, -1).T  # conv current
        _ = pooled @ dense.T  # dense current
        _ = hidden @ readout.T  # readout
        signal = err @ readout  # BP to the dense layer
        _ = signal @ dense  # BP to the pooled map
        _ = err.T @ hidden  # readout update
        _ = np.concatenate([hidden, hidden]).T @ np.concatenate([pooled, pooled])  # dense
        n_cols = cols.shape[-1]  # conv kernel update, causal + non-causal term
        _ = post.T @ trx_cols.reshape(-1, n_cols) + post.T @ cols.reshape(-1, n_cols)


def throughput(batch: int, n_steps: int, repeats: int) -> dict[str, float]:
    x, labels = spikes(batch, n_steps)
    trainers = {"stllr_bp": ConvSTLLRTrainer(SPEC, PARAMS, signal="bp"),
                "stllr_dfa": ConvSTLLRTrainer(SPEC, PARAMS, signal="dfa"),
                "bptt": ConvBPTTTrainer(SPEC, PARAMS)}
    calls = {name: (lambda t=t: t.train_batch(x, labels)) for name, t in trainers.items()}
    calls["gemm_floor"] = lambda: gemm_floor(batch, n_steps)
    return {name: batch / sec for name, sec in best_seconds(calls, repeats).items()}


def peak_memory(trainer, batch: int, n_steps: int) -> int:
    """Peak bytes traced during one ``train_batch``, the input batch not counted."""
    x, labels = spikes(batch, n_steps)
    tracemalloc.start()
    trainer.train_batch(x, labels)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=25)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-steps", type=int, nargs="+", default=[10, 25, 50, 100])
    parser.add_argument("--json", type=Path)
    add_rows_option(parser)
    args = parser.parse_args()

    print(f"net {SPEC} on {SPEC.input_shape}, shapes {SPEC.shapes[1:]}, batch {args.batch}, "
          f"T {args.steps}")
    rates = throughput(args.batch, args.steps, args.repeats)
    for name, rate in rates.items():
        print(f"  {name:>10}: {rate:8.1f} samples/s"
              + ("" if name == "gemm_floor" else f"  ({rates['gemm_floor'] / rate:.2f}x floor)"))
    memory = []
    print("peak traced memory of one batch (MiB):")
    for n_steps in args.memory_steps:
        row = {"T": n_steps,
               "stllr": peak_memory(ConvSTLLRTrainer(SPEC, PARAMS), args.batch, n_steps),
               "bptt": peak_memory(ConvBPTTTrainer(SPEC, PARAMS), args.batch, n_steps)}
        memory.append(row)
        print(f"  T={n_steps:4d}  S-TLLR {row['stllr'] / 2**20:7.2f}   "
              f"BPTT {row['bptt'] / 2**20:7.2f}   ratio {row['bptt'] / row['stllr']:.1f}")
    case = f"{SPEC.label}, batch {args.batch}, T = {args.steps}"
    rows = [Row("conv trainer", f"{case}, {name}", rate, rates["gemm_floor"], "samples/s",
                "higher", "GEMM floor") for name, rate in rates.items() if name != "gemm_floor"]
    rows += [Row("conv trainer", f"{SPEC.label}, batch {args.batch}, T = {r['T']}, peak",
                 r["stllr"] / 2**20, r["bptt"] / 2**20, "MiB", "lower", "conv BPTT")
             for r in (memory[0], memory[-1])]
    write_rows(args.rows, rows)
    if args.json:
        args.json.write_text(json.dumps({"spec": SPEC.to_dict(), "batch": args.batch,
                                         "steps": args.steps, "samples_per_s": rates,
                                         "peak_memory_bytes": memory}, indent=2))


if __name__ == "__main__":
    main()
