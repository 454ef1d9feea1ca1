"""N-MNIST 800/200: a small conv S-TLLR net (BP) beside conv BPTT and the dense 578-256-10.

The runs are one ``lava-stllr sweep`` (Ray; as many trials at a time as there are cores):
``--grid layers=LAYERS,HIDDEN --grid trainer=stllr,bptt`` over ``--seeds``, of
``lava-stllr train --dataset nmnist --data-dir DATA --backend reference --batch-size 16``,
so every run is an ordinary run folder under ``OUT/trials`` and an interrupted benchmark
resumes with the same command. The conv and the dense net with each of S-TLLR (BP signal)
and BPTT: four settings.

Split and input are the command line's N-MNIST defaults, as ``bench_nmnist_accuracy.py``:
the first 1,000 training recordings of ``../shared/data/NMNIST``, stratified 800 train /
200 held out (no test split is read), 300 ms in 25 bins, binary spikes. The conv nets read
the frames as (2, H, W) maps (``--downsample 2``: 17x17, the dense net's input; weight
standardization as ``train`` does it by default: on for conv nets, off for dense ones;
``--no-ws`` turns it off for both); the dense net reads the
same frames flattened. Adam, batch 16, the same epochs, data and order for every method;
held-out accuracy after the last epoch (and the best epoch, for reference only: nothing
is chosen by it). Memory against T is ``bench_conv.py``'s table.

Run: ``python benchmarks/bench_conv_nmnist.py --out sweeps/conv_nmnist
[--layers 16c5-a2-256] [--epochs 15] [--seeds 0,1,2] [--dtype float32] [--no-ws]
[--lava N]``

``--lava N``: after the sweep, the first seed's conv S-TLLR net (read back from its run
folder) also runs in Lava's CPU simulator (frozen front-end, learning off; float, or
Loihi 2 fixed point with ``--lava-precision fixed``) on the first N held-out samples;
printed: steps/s and how many predictions agree with the trainer's forward pass.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np
from sweep_tables import read_csv, run_sweep, setting_cells

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.nmnist import load_nmnist_subset
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "NMNIST"


def sweep_command(args: argparse.Namespace) -> list[str]:
    """The ``lava-stllr sweep`` command line of the benchmark."""
    train = ["train", "--dataset", "nmnist", "--data-dir", str(args.data), "--backend",
             "reference", "--epochs", str(args.epochs), "--lr", str(args.lr),
             "--downsample", str(args.downsample), "--batch-size", "16", "--dtype",
             args.dtype,
             # The same samples and weights for every method: conv networks would
             # otherwise train on shifted samples and average their last epochs.
             "--no-augment", "--average-last", "1"]
    if not args.ws:
        train.append("--no-ws")
    if args.cache_dir is not None:
        train += ["--cache-dir", str(args.cache_dir)]
    return [sys.executable, "-m", "lava_stllr.cli", "sweep", "--grid",
            f"layers={args.layers},{args.hidden}", "--grid", "trainer=stllr,bptt",
            "--seeds", args.seeds, "--out", str(args.out), "--", *train]


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
    parser.add_argument("--out", type=Path, required=True, help="the sweep folder")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--layers", default="16c5-a2-256")
    parser.add_argument("--downsample", type=int, default=2)
    parser.add_argument("--hidden", type=int, default=256, help="dense net's hidden layer")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--dtype", choices=("float64", "float32"), default="float32")
    parser.add_argument("--ws", action=argparse.BooleanOptionalAction, default=True,
                        help="--no-ws: no weight standardization of the conv nets")
    parser.add_argument("--lava", type=int, default=0, metavar="N",
                        help="run the first conv S-TLLR net in Lava on N held-out samples")
    parser.add_argument("--lava-precision", choices=("float", "fixed"),
                        default="float")
    args = parser.parse_args()
    print("command: python " + shlex.join(sys.argv), flush=True)
    run_sweep(sweep_command(args), args.out)

    print(f"\nN-MNIST 800/200 (held out), {args.downsample}x downsampled binary x 25 bins, "
          f"{args.epochs} epochs, Adam lr {args.lr}, batch 16, seeds {args.seeds}, "
          f"{args.dtype}, conv WS {'on' if args.ws else 'off'}")
    print("| setting | held-out acc % (mean +- std) | best epoch % | train s / run | "
          "peak RSS MiB |")
    print("|---|---|---|---|---|")
    for row in read_csv(args.out / "results.csv"):
        print(f"| {row['setting']} | {' | '.join(setting_cells(row))} |")
    if args.lava:
        from lava_stllr.runs.record import load_run

        # The trial's folder as the sweep named it (trials.csv), not named again here.
        first = next(row for row in read_csv(args.out / "trials.csv")
                     if row["setting"] == f"layers={args.layers},trainer=stllr"
                     and row["seed"] == args.seeds.split(",")[0])
        run = load_run(args.out / "trials" / first["trial"])
        trainer = ConvSTLLRTrainer(run.spec, run.params, dtype="float64")
        trainer.weights = run.weights
        config = BinningConfig(n_time_bins=25, t_end_us=300_000,
                               downsample=args.downsample, max_count=1)
        _, val = load_nmnist_subset(args.data, 800, 200, config=config,
                                    cache_dir=args.cache_dir)
        lava_agreement(trainer, materialize(val), args.lava, args.lava_precision)


if __name__ == "__main__":
    main()
