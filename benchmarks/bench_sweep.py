"""Cost of ``lava-stllr sweep`` on Ray against the same runs one after another.

Times, on this machine: Ray's start-up and shut-down (``ray.init`` with the sweep's
settings); a 4-trial reference sweep (2 learning rates x 2 seeds) from the command,
Ray's start included; the same sweep on a Ray already started; and the same 4 train runs
one after another in this process (``lava_stllr.cli.main``). Prints a table. Each sweep
writes a fresh folder under a temporary directory.

Run: ``python benchmarks/bench_sweep.py [--epochs 3 --samples 256 --hidden 64]``
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import tempfile
import time
from pathlib import Path

from lava_stllr.cli import main as cli
from lava_stllr.sweep import runner


def _quiet(argv: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return cli(argv)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--hidden", type=int, default=64)
    args = parser.parse_args()
    train = ["--backend", "reference", "--epochs", str(args.epochs), "--samples",
             str(args.samples), "--val-samples", str(args.samples // 4), "--hidden",
             str(args.hidden)]
    lrs, seeds = ("0.01", "0.05"), ("0", "1")
    sweep = ["--grid", f"lr={','.join(lrs)}", "--seeds", ",".join(seeds)]
    rows = []
    cpus = runner.local_cpus()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        runner.start_ray(None, None)
        started = time.perf_counter() - start
        start = time.perf_counter()
        runner.stop_ray()
        rows.append(("Ray start-up (ray.init)", started))
        rows.append(("Ray shut-down", time.perf_counter() - start))

        start = time.perf_counter()
        assert _quiet(["sweep", *sweep, "--out", str(root / "a"), "--", "train", *train]) == 0
        rows.append((f"sweep of 4 trials, Ray start included ({cpus} CPUs)",
                     time.perf_counter() - start))

        runner.start_ray(None, None)
        start = time.perf_counter()
        assert _quiet(["sweep", *sweep, "--out", str(root / "b"), "--", "train", *train]) == 0
        rows.append(("sweep of 4 trials on a started Ray", time.perf_counter() - start))
        runner.stop_ray()

        start = time.perf_counter()
        for lr in lrs:
            for seed in seeds:
                out = root / "seq" / f"lr={lr},seed={seed}"
                assert _quiet(["train", *train, "--lr", lr, "--seed", seed, "--out",
                               str(out), "--quiet"]) == 0
        rows.append(("the 4 runs one after another, in this process",
                     time.perf_counter() - start))
    print(f"reference backend, {args.epochs} epochs, {args.samples} samples, hidden "
          f"{args.hidden}; {cpus} cores (os.sched_getaffinity), pid {os.getpid()}")
    print("| what | seconds |")
    print("|---|---|")
    for name, seconds in rows:
        print(f"| {name} | {seconds:.1f} |")


if __name__ == "__main__":
    main()
