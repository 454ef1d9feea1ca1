"""N-MNIST 800/200: a small conv S-TLLR net (BP) beside conv BPTT and the dense 578-256-10.

Split and input as ``bench_nmnist_accuracy.py``: the first 1,000 training recordings of
``../shared/data/NMNIST``, stratified 800 train / 200 validation (no test split is read),
300 ms in 25 bins, binary spikes. The conv nets read the frames as (2, H, W) maps
(``--downsample 2``: 17x17, the dense net's input); the dense net reads the same frames
flattened. Adam, batch 16, the same epochs, data and order for every method; validation
accuracy after the last epoch (and the best epoch, for reference only: nothing is chosen
by it). Memory against T is ``bench_conv.py``'s table (a whole run's peak here would be
that of its evaluation batches).

Run: ``python benchmarks/bench_conv_nmnist.py [--layers 16c5-a2-256]
[--epochs 15] [--seeds 0 1 2] [--dtype float32] [--methods conv-stllr conv-bptt dense]
[--lava N] [--json PATH]``

``--lava N``: after training, the first seed's conv S-TLLR net also runs in Lava's CPU
simulator (frozen front-end, learning off; float, or Loihi 2 fixed point with
``--lava-precision fixed``) on the first N validation samples; printed: steps/s and how many
predictions agree with the trainer's forward pass.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.nmnist import load_nmnist_subset
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer
from lava_stllr.reference.conv_bptt import ConvBPTTTrainer
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "NMNIST"
CONFIG = BinningConfig(n_time_bins=25, t_end_us=300_000, downsample=2, max_count=1)
METHODS = ("conv-stllr", "conv-bptt", "dense")


def make_trainer(method: str, args: argparse.Namespace, input_shape: tuple[int, int, int],
                 n_classes: int, seed: int):
    """The trainer of ``method`` on the benchmark's settings."""
    params = STLLRParams.preset("code_default", lr=args.lr)
    if method == "dense":
        spec = NetworkSpec((int(np.prod(input_shape)), args.hidden, n_classes))
        return STLLRTrainer(spec, params, "bp", "adam", seed=seed, dtype=args.dtype)
    spec = ConvNetSpec.parse(args.layers, input_shape, n_classes, init_gain=args.init_gain)
    if method == "conv-bptt":
        return ConvBPTTTrainer(spec, params, "adam", seed=seed, dtype=args.dtype)
    return ConvSTLLRTrainer(spec, params, "bp", "adam", seed=seed, dtype=args.dtype)


def lava_agreement(trainer, val, n: int, precision: str = "float") -> dict:
    """Run ``trainer``'s conv net in Lava (``precision``, learning off) on ``n`` samples of
    ``val``; steps/s and agreement of predictions and scores with the trainer's forward
    pass in float64 (Lava's float models compute in float64)."""
    from lava_stllr.lavanet.conv import conv_network

    indices = list(range(min(n, len(val))))
    frozen = trainer.params.replace(lr=0.0)
    x = np.stack([val[i][0] for i in indices]).astype(np.float64)
    oracle = ConvSTLLRTrainer(trainer.spec, trainer.params, dtype="float64")
    oracle.weights = trainer.weights
    expected = oracle.predict_scores(x)
    with conv_network(trainer.spec, trainer.weights, val.n_steps, frozen,
                      precision=precision) as net:
        net.evaluate(val, indices=indices[:1], progress=False)  # starts the runtime
        start = time.perf_counter()
        result = net.evaluate(val, indices=indices, progress=False)
        seconds = time.perf_counter() - start
        steps = (len(indices) + 1) * net.layout.period  # the call also runs a flush period
    window = val.n_steps - trainer.params.window_start(val.n_steps)
    out = {"samples": len(indices), "steps_per_s": steps / seconds,
           "agree": float(np.mean(result.predictions == expected.argmax(axis=1))),
           "max_score_diff": float(np.abs(result.scores / window - expected).max()),
           "lava_acc": result.accuracy}
    print(f"Lava {precision}, {len(indices)} validation samples: {out['steps_per_s']:.0f} steps/s, "
          f"predictions agree {out['agree']:.1%}, max score difference "
          f"{out['max_score_diff']:.1e}, accuracy {out['lava_acc']:.3f}", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--layers", default="16c5-a2-256")
    parser.add_argument("--init-gain", type=float, default=1.0)
    parser.add_argument("--downsample", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=256, help="dense net's hidden layer")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS))
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float32")
    parser.add_argument("--lava", type=int, default=0, metavar="N",
                        help="run the first conv S-TLLR net in Lava on N validation samples")
    parser.add_argument("--lava-precision", choices=("float", "fixed"),
                        default="float")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    print("command: python " + shlex.join(sys.argv), flush=True)

    config = dataclasses.replace(CONFIG, downsample=args.downsample)
    train, val = load_nmnist_subset(args.data, 800, 200, config=config)
    train, val = materialize(train), materialize(val)
    c, h, w = config.frame_shape
    results: dict[str, list[dict]] = {}
    for method in args.methods:
        for seed in args.seeds:
            trainer = make_trainer(method, args, (c, h, w), train.n_classes, seed)
            start = time.perf_counter()
            history = trainer.fit(train, val, epochs=args.epochs, batch_size=16,
                                  progress=False)
            seconds = time.perf_counter() - start
            run = {"seed": seed, "net": trainer.spec.label, "val_acc": history.val_acc[-1],
                   "best_val_acc": max(history.val_acc), "seconds": seconds,
                   "val_curve": history.val_acc}
            if args.lava and method == "conv-stllr" and seed == args.seeds[0]:
                run["lava"] = lava_agreement(trainer, val, args.lava, args.lava_precision)
            results.setdefault(method, []).append(run)
            print(f"{method:<10} {run['net']} seed {seed}: val {run['val_acc']:.3f} "
                  f"(best {run['best_val_acc']:.3f}, {seconds:.0f} s)", flush=True)

    print(f"\nN-MNIST 800/200 (validation), input (2, {h}, {w}) binary x 25 bins, "
          f"{args.epochs} epochs, Adam lr {args.lr}, batch 16, seeds {args.seeds}, "
          f"{args.dtype}")
    print("| method | net | val acc % (mean +- std) | best epoch % | wall s / run |")
    print("|---|---|---|---|---|")
    for method, runs in results.items():
        acc = np.array([r["val_acc"] for r in runs]) * 100
        best = np.array([r["best_val_acc"] for r in runs]) * 100
        print(f"| {method} | {runs[0]['net']} | {acc.mean():.1f} +- {acc.std():.1f} | "
              f"{best.mean():.1f} | {np.mean([r['seconds'] for r in runs]):.0f} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
