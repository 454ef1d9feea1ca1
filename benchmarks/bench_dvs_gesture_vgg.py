"""DVS Gesture at the paper's shape, end to end on synthetic 128x128 clips.

A scaled-down VGG of the S-TLLR paper's form (3x3 convs, 2x2 max pooling, weight
standardization, the ``dvs_gesture`` factors with the triangle psi in the conv layers and
the rational psi in the dense layer, as the authors' layers do) goes through every stage a
Loihi 2 user would take, each (after the clips) a ``lava-stllr`` command:

1. ``write_synthetic_gesture`` (``python -m lava_stllr.data.gesture_synthetic``):
   synthetic clips in tonic's layout;
2. ``train --backend reference``: offline S-TLLR (BP signal, Adam) on the training part,
   held-out = the test part (binary input, so that the fixed-point front-end sees what
   the trainer saw);
3. ``evaluate --backend lava`` in float and in fixed point: the conv layers as the frozen
   front-end (Lava's ``Conv``, max pools as spike ORs) under the dense head and readout,
   predictions compared with the trainer's;
4. ``train --backend lava --init RUN --epochs 1``: the head and readout go on learning on
   chip (DFA, batch 1) from the offline weights; held-out before and after;
5. ``export --check``: the netx file's integer model against the float network (lava-dl's
   own netx runs such a file in ``make netx-check``).

Usage: ``python benchmarks/bench_dvs_gesture_vgg.py --out DIR [--per-class 12]
[--test-per-class 4] [--epochs 10] [--seed 0]``. Prints one table (markdown).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import time
from pathlib import Path

import numpy as np

from lava_stllr.cli import main
from lava_stllr.data.gesture_synthetic import write_synthetic_gesture

#: 2x32x32 input (128x128 binned by 4), conv blocks of 16, 32 and 64 3x3 kernels each
#: closed by a 2x2 max pool, a dense layer of 128 and the readout (11 gestures).
VGG = "16c3p1-p2-32c3p1-p2-64c3p1-p2-128:rational"


def _cli(*argv: str) -> str:
    """Run ``lava-stllr argv`` in this process; return what it printed; raise on failure."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        status = main(list(argv))
    if status != 0:
        raise SystemExit(f"lava-stllr {' '.join(argv)} exited {status}")
    return printed.getvalue()


def _evaluate(run: Path, predictions: Path, *options: str) -> tuple[dict, np.ndarray]:
    result = json.loads(_cli("evaluate", str(run), "--json", "--predictions",
                             str(predictions), *options))
    table = np.loadtxt(predictions, delimiter=",", skiprows=1, dtype=np.int64).reshape(-1, 3)
    return result, table[:, 2]


def run_pipeline(out: Path, per_class: int, test_per_class: int, epochs: int,
                 seed: int, init_lr: float) -> list[tuple[str, str, str]]:
    """Every stage on fresh clips under ``out``; rows ``(stage, result, seconds)``."""
    data = out / "data"
    write_synthetic_gesture(data, per_class, seed=seed, split="train")
    write_synthetic_gesture(data, test_per_class, seed=seed, split="test")
    n_test = 11 * test_per_class
    run, onchip = out / "vgg", out / "vgg_onchip"
    t0 = time.perf_counter()
    _cli("train", "--backend", "reference", "--dataset", "dvsgesture", "--data-dir",
         str(data), "--layers", VGG, "--preset", "dvs_gesture", "--input", "binary",
         "--optimizer", "adam", "--lr", "1e-3", "--epochs", str(epochs), "--samples", "all",
         "--val-samples", str(n_test), "--seed", str(seed), "--quiet", "--no-plots",
         "--out", str(run))
    record = json.loads((run / "run.json").read_text())
    rows = [("offline S-TLLR, reference (WS on)",
             f"held-out {record['accuracy']['val']:.3f}, train {record['accuracy']['train']:.3f}",
             f"{time.perf_counter() - t0:.0f}")]
    _, ref_pred = _evaluate(run, out / "reference.csv")
    for precision in ("float", "fixed"):
        t0 = time.perf_counter()
        lava, pred = _evaluate(run, out / f"lava_{precision}.csv", "--backend", "lava",
                               "--precision", precision)
        rows.append((f"Lava, {precision}, frozen conv front-end",
                     f"held-out {lava['accuracy']:.3f}, same prediction as the reference "
                     f"{np.mean(pred == ref_pred):.3f} ({len(pred)} clips)",
                     f"{time.perf_counter() - t0:.0f}"))
    t0 = time.perf_counter()
    _cli("train", "--backend", "lava", "--init", str(run), "--epochs", "1", "--lr",
         str(init_lr), "--quiet", "--no-plots", "--out", str(onchip))
    after = json.loads((onchip / "run.json").read_text())
    rows.append((f"Lava, head learning on chip, 1 epoch (lr {init_lr:g})",
                 f"held-out {after['init_run']['val_acc']:.3f} -> "
                 f"{after['accuracy']['val']:.3f}", f"{time.perf_counter() - t0:.0f}"))
    t0 = time.perf_counter()
    check = json.loads(_cli("export", str(run), "-o", str(out / "vgg.h5"), "--check",
                            str(n_test), "--json"))["check"]
    rows.append(("netx export, integer model", f"accuracy {check['netx_accuracy']:.3f} "
                 f"(float {check['float_accuracy']:.3f}), same prediction "
                 f"{check['agreement']:.3f}", f"{time.perf_counter() - t0:.0f}"))
    return rows


def main_(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True,
                        help="a new or empty folder for the clips and runs")
    parser.add_argument("--per-class", type=int, default=12)
    parser.add_argument("--test-per-class", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init-lr", type=float, default=3e-4,
                        help="on-chip step size from the trained network")
    args = parser.parse_args(argv)
    if args.out.exists() and any(args.out.iterdir()):
        parser.error(f"--out {args.out} is not empty")
    rows = run_pipeline(args.out, args.per_class, args.test_per_class, args.epochs,
                        args.seed, args.init_lr)
    print(f"\nDVS Gesture VGG {VGG} on synthetic clips ({11 * args.per_class} training, "
          f"{11 * args.test_per_class} held-out), seed {args.seed}:\n")
    print("| stage | result | s |\n|---|---|---|")
    for stage, result, seconds in rows:
        print(f"| {stage} | {result} | {seconds} |")
    return 0


if __name__ == "__main__":
    sys.exit(main_())
