"""Accuracy table on the 1,000 real N-MNIST samples: S-TLLR (BP), S-TLLR (DFA), BPTT.

The runs are two ``lava-stllr sweep`` commands (Ray; as many trials at a time as there
are cores), so every run is an ordinary run folder and an interrupted benchmark resumes
with the same command, running only the trials that did not finish:

- ``OUT/stllr``: ``--grid signal=bp,dfa`` (S-TLLR with the BP and the DFA signal);
- ``OUT/bptt``: ``--grid trainer=bptt``;

each over ``--seeds``, of ``lava-stllr train --dataset nmnist --data-dir DATA --backend
reference --batch-size 16`` and the options below. That is the command line's N-MNIST
split: the first 1,000 training recordings (ids 00001-01000), stratified by class, 800 to
training and the last ~20% of each class (200) held out. Input: 300 ms in 25 bins, 34x34
downsampled to 17x17, 2 polarities, binary spikes (578 inputs). Network 578-256-10 (LIF
hidden layer, leaky-integrator readout), Adam, the same epochs, data and order for all.
Peak memory is each run's peak resident set (``run.json`` ``resources``), the whole
process's: the Python interpreter and the imported libraries included.

Run: ``python benchmarks/bench_nmnist_accuracy.py --out sweeps/nmnist_rules
[--data ../shared/data/NMNIST] [--epochs 15] [--seeds 0,1,2] [--dtype float32]
[--plot PNG]`` (``--plot``: the per-epoch held-out curves, mean and range over the seeds).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from sweep_tables import read_csv, run_sweep, setting_cells

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "NMNIST"
#: Sub-sweep folder -> its ``--grid``; and each setting's name in the table.
SWEEPS = {"stllr": ["--grid", "signal=bp,dfa"], "bptt": ["--grid", "trainer=bptt"]}
METHODS = {"signal=bp": "S-TLLR (BP)", "signal=dfa": "S-TLLR (DFA)",
           "trainer=bptt": "BPTT"}


def sweep_command(sub: str, args: argparse.Namespace) -> list[str]:
    """The ``lava-stllr sweep`` command line of sub-sweep ``sub``."""
    train = ["train", "--dataset", "nmnist", "--data-dir", str(args.data), "--backend",
             "reference", "--epochs", str(args.epochs), "--hidden", str(args.hidden),
             "--lr", str(args.lr), "--batch-size", "16", "--dtype", args.dtype]
    if args.cache_dir is not None:
        train += ["--cache-dir", str(args.cache_dir)]
    return [sys.executable, "-m", "lava_stllr.cli", "sweep", *SWEEPS[sub], "--seeds",
            args.seeds, "--out", str(args.out / sub), "--", *train]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="benchmark folder (two sweep folders go in it)")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    parser.add_argument("--plot", type=Path, help="draw the held-out curves to this PNG")
    args = parser.parse_args()

    summary, curves = {}, {}
    for sub in SWEEPS:
        command = sweep_command(sub, args)
        print("$ " + " ".join(command[1:]).replace("-m lava_stllr.cli", "lava-stllr"),
              flush=True)
        run_sweep(command, args.out / sub)
        for row in read_csv(args.out / sub / "results.csv"):
            summary[METHODS[row["setting"]]] = row
        for row in read_csv(args.out / sub / "trials.csv"):
            if row["status"] == "finished":
                record = json.loads((args.out / sub / "trials" / row["trial"]
                                     / "run.json").read_text())
                curves.setdefault(METHODS[row["setting"]], []).append(
                    record["history"]["val_acc"])

    print(f"\nN-MNIST 800/200, 578-{args.hidden}-10, {args.epochs} epochs, seeds "
          f"{args.seeds}, {args.dtype}")
    print("| method | held-out acc % (mean +- std) | best epoch % | train s / run | "
          "peak RSS MiB |")
    print("|---|---|---|---|---|")
    for name, row in summary.items():
        print(f"| {name} | {' | '.join(setting_cells(row))} |")
    if args.plot and curves:
        from lava_stllr.runs.plots import plot_method_curves

        plot_method_curves(args.plot, curves,
                           title=f"N-MNIST 800/200, 578-{args.hidden}-10, Adam, "
                                 f"{len(args.seeds.split(','))} seeds")
        print(f"plot: {args.plot}")


if __name__ == "__main__":
    main()
