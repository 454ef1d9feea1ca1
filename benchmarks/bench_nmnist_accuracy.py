"""Accuracy table on the 1,000 real N-MNIST samples: S-TLLR (BP), S-TLLR (DFA), BPTT.

Split: the first 1,000 training recordings (ids 00001-01000), stratified by class with
``stratified_split``: each class gives its earliest ~80% to training (800 samples) and its
latest ~20% to validation (200 samples). Input: 300 ms in 25 bins, 34x34 downsampled to
17x17, 2 polarities, clipped to binary spikes (578 inputs). Network 578-256-10 (LIF hidden
layer, leaky-integrator readout), Adam, batch 16, same epochs, data and order for all.
Peak memory is the tracemalloc peak of the whole training run above its start.

Run: ``python benchmarks/bench_nmnist_accuracy.py [--data ../shared/data/NMNIST]
[--epochs 15] [--seeds 0 1 2] [--dtype float32] [--json PATH] [--plot PNG]``
(``--plot``: the per-epoch validation curves, mean and range over the seeds).
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from pathlib import Path

import numpy as np

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.nmnist import load_nmnist_subset
from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "NMNIST"
CONFIG = BinningConfig(n_time_bins=25, t_end_us=300_000, downsample=2, max_count=1)
METHODS = {
    "S-TLLR (BP)": lambda spec, p, seed, dtype: STLLRTrainer(spec, p, "bp", "adam",
                                                             seed=seed, dtype=dtype),
    "S-TLLR (DFA)": lambda spec, p, seed, dtype: STLLRTrainer(spec, p, "dfa", "adam",
                                                              seed=seed, dtype=dtype),
    "BPTT": lambda spec, p, seed, dtype: BPTTTrainer(spec, p, "adam", seed=seed,
                                                     dtype=dtype),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--plot", type=Path, help="draw the validation curves to this PNG")
    args = parser.parse_args()

    train, val = load_nmnist_subset(args.data, 800, 200, config=CONFIG)
    train, val = materialize(train), materialize(val)
    spec = NetworkSpec((train.n_inputs, args.hidden, train.n_classes))
    params = STLLRParams.preset("code_default", lr=args.lr)
    results = {}
    for name, make in METHODS.items():
        runs = []
        for seed in args.seeds:
            trainer = make(spec, params, seed, args.dtype)
            tracemalloc.start()
            start = time.perf_counter()
            history = trainer.fit(train, val, epochs=args.epochs, batch_size=16,
                                  progress=False)
            seconds = time.perf_counter() - start
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            runs.append({"seed": seed, "val_acc": history.val_acc[-1],
                         "best_val_acc": max(history.val_acc), "seconds": seconds,
                         "peak_bytes": peak, "val_curve": history.val_acc})
            print(f"{name:<13} seed {seed}: val {history.val_acc[-1]:.3f} "
                  f"({seconds:.0f} s, peak {peak / 2**20:.1f} MiB)", flush=True)
        results[name] = runs

    print(f"\nN-MNIST 800/200, {spec.sizes}, {args.epochs} epochs, seeds {args.seeds}, "
          f"{args.dtype}")
    print("| method | val acc % (mean +- std) | wall s / run | peak MiB |")
    print("|---|---|---|---|")
    for name, runs in results.items():
        acc = np.array([r["val_acc"] for r in runs]) * 100
        print(f"| {name} | {acc.mean():.1f} +- {acc.std():.1f} | "
              f"{np.mean([r['seconds'] for r in runs]):.0f} | "
              f"{np.mean([r['peak_bytes'] for r in runs]) / 2**20:.1f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    if args.plot:
        from lava_stllr.runs.plots import plot_method_curves

        plot_method_curves(args.plot, {name: [r["val_curve"] for r in runs]
                                       for name, runs in results.items()},
                           title=f"N-MNIST 800/200, {'-'.join(map(str, spec.sizes))}, "
                                 f"Adam, {len(args.seeds)} seeds")
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
