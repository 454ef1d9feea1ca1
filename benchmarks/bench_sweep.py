"""Cost of ``lava-stllr sweep`` on Ray against the same runs one after another.

Times, on this machine: Ray's start-up and shut-down (``ray.init`` with the sweep's
settings); then, ``--repeats`` times alternating, the same 4 train runs (2 learning rates
x 2 seeds) as 4 ``lava-stllr train`` commands one after another, and as one 4-trial
``lava-stllr sweep`` command (Ray's start included), each a fresh process as a user
would start it. Prints a table with the sweep's time as a fraction of the runs one after
another (the sweep issue asks for at most 0.6 on the 2-core machine). Every run writes a
fresh folder under a temporary directory.

Run: ``python benchmarks/bench_sweep.py [--epochs 3 --samples 256 --hidden 64]`` (the
synthetic set), or on real N-MNIST with its defaults: ``python benchmarks/bench_sweep.py
--dataset nmnist --data-dir ../shared/data/NMNIST [--epochs 6] [--repeats 2]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lava_stllr.sweep import runner

LRS, SEEDS = ("0.001", "0.002"), ("0", "1")


def _command(args: list[str]) -> float:
    """Seconds ``python -m lava_stllr.cli args...`` took (it must succeed)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lava_stllr.cli", *args], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="synthetic")
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=None,
                        help="train's --epochs (default: the dataset's)")
    parser.add_argument("--samples", type=int, default=None,
                        help="synthetic only: --samples (default 256)")
    parser.add_argument("--hidden", type=int, default=None,
                        help="synthetic only: --hidden (default 64)")
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    train = ["train", "--dataset", args.dataset, "--backend", "reference"]
    if args.data_dir is not None:
        train += ["--data-dir", args.data_dir]
    if args.epochs is not None:
        train += ["--epochs", str(args.epochs)]
    if args.dataset == "synthetic":
        samples = args.samples or 256
        train += ["--samples", str(samples), "--val-samples", str(samples // 4),
                  "--hidden", str(args.hidden or 64)]
    cpus = runner.local_cpus()

    start = time.perf_counter()
    runner.start_ray(None, None)
    started = time.perf_counter() - start
    start = time.perf_counter()
    runner.stop_ray()
    stopped = time.perf_counter() - start

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for repeat in range(1, args.repeats + 1):
            one_by_one = sum(_command([*train, "--lr", lr, "--seed", seed, "--quiet",
                                       "--out", str(root / f"seq{repeat}" / f"{lr},{seed}")])
                             for lr in LRS for seed in SEEDS)
            sweep = _command(["sweep", "--grid", f"lr={','.join(LRS)}", "--seeds",
                              ",".join(SEEDS), "--out", str(root / f"sweep{repeat}"), "--",
                              *train])
            rows.append((repeat, one_by_one, sweep))
    print(f"{' '.join(train)}; {cpus} cores (os.sched_getaffinity), pid {os.getpid()}")
    print(f"Ray start-up (ray.init) {started:.1f} s, shut-down {stopped:.1f} s")
    print("| repeat | 4 train commands one after another | 4-trial sweep | ratio |")
    print("|---|---|---|---|")
    for repeat, one_by_one, sweep in rows:
        print(f"| {repeat} | {one_by_one:.1f} s | {sweep:.1f} s | {sweep / one_by_one:.2f} |")


if __name__ == "__main__":
    main()
