"""On-chip training recipe on real N-MNIST: learning curve and wall time, batch 1, DFA.

Plays the shared N-MNIST recordings (800/200 stratified split, 25 bins of 12 ms,
17x17x2 binary input) through the on-chip network 578-H-10, one sample at a time, and
prints validation accuracy after every epoch for each precision / update mode asked.
``--backend reference`` (default) runs :class:`~lava_stllr.onchip.OnChipReference`, the
NumPy pipeline that equals the Lava network bit for bit (fast); ``--backend lava`` runs
:class:`~lava_stllr.lavanet.network.STLLRNetwork` itself. ``--lr-decay`` multiplies the step
size by that factor after every epoch (``lr_scale``, carried by the label messages).

``--select`` chooses settings without touching the 200 held-out recordings: it splits the
800 training recordings again, 640 to train and the per-class tail of 160 to validate on
(:func:`~lava_stllr.data.dataset.stratified_split`, what ``train --tune`` holds out); without
it the 800 train and the 200 are scored. (Before 2026-12-08 it took the first 800 recordings
instead, 16 of which are among the 200 held out.) ``--seeds`` runs each mode for several seeds;
``--json PATH`` appends one line per run.

Run: ``python benchmarks/bench_onchip_recipe.py [--data ../shared/data/NMNIST]
[--epochs 6] [--lr 3e-4] [--psi triangle] [--modes float:step float:sample fixed:step
batched:step]
[--backend reference|lava] [--n-train 800 --n-val 200] [--select] [--seeds 0 1 2]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.dataset import epoch_data, stratified_split
from lava_stllr.data.frame_shifts import RandomShifts
from lava_stllr.data.nmnist import load_nmnist_subset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "NMNIST"
CONFIG = BinningConfig(sensor_size=(34, 34, 2), n_time_bins=25, t_end_us=300_000,
                       downsample=2, max_count=1)


class _BatchedOnChipSettings:
    """The batched trainer with the on-chip settings (DFA, plain SGD, batch 1, weights
    moving every step, no pipeline delays), behind the on-chip network's train/evaluate."""

    def __init__(self, layout: OnChipLayout, update: str) -> None:
        from lava_stllr.reference import STLLRTrainer

        self.trainer = STLLRTrainer(layout.spec, layout.params, "dfa", "sgd",
                                    update="step" if update == "step" else "batch",
                                    seed=layout.seed)

    def train(self, dataset, indices, lr_scale: float = 1.0) -> None:
        self.trainer.optimizer.lr = self.trainer.params.lr * lr_scale
        self.trainer.fit(dataset.subset(indices), epochs=1, batch_size=1, progress=False)

    def evaluate(self, dataset):
        from types import SimpleNamespace

        return SimpleNamespace(accuracy=self.trainer.evaluate(dataset)[1])


def _network(args: argparse.Namespace, layout: OnChipLayout, precision: str):
    if precision == "batched":
        return _BatchedOnChipSettings(layout, layout.update)
    if args.backend == "reference":
        return OnChipReference(layout, precision=precision)
    from lava_stllr.lavanet.network import STLLRNetwork

    return STLLRNetwork(layout.sizes, layout.n_steps, params=layout.params, seed=layout.seed,
                        precision=precision, update=layout.update)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n-train", type=int, default=800)
    parser.add_argument("--n-val", type=int, default=200)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--lr-decay", type=float, default=1.0)
    parser.add_argument("--lr-floor", type=float, default=0.0,
                        help="smallest lr_scale of the decay")
    parser.add_argument("--psi", default="triangle")
    parser.add_argument("--window", type=int, default=None,
                        help="learning window: the last N steps of a sample (default: all)")
    # batched:step / batched:sample: the batched trainer with the same settings
    parser.add_argument("--modes", nargs="+", default=["float:step", "float:sample",
                                                        "fixed:step", "batched:step"])
    parser.add_argument("--backend", choices=("reference", "lava"), default="reference")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--select", action="store_true",
                        help="train on 640 of the 800 training recordings, validate on "
                             "the other 160")
    parser.add_argument("--max-shift", type=int, default=0,
                        help="train on samples shifted at random by up to this many pixels "
                             "of the 17x17 frame, drawn anew every epoch (0: none)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="any other STLLRParams field (float), e.g. --set lam_pre=0.9")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    if args.select:
        train, _ = load_nmnist_subset(args.data, 800, 200, config=CONFIG)
        first, rest = stratified_split(train.labels, len(train) - len(train) // 5)
        train, val = train.subset(first), train.subset(rest)
    else:
        train, val = load_nmnist_subset(args.data, args.n_train, args.n_val, config=CONFIG)
    train, val = materialize(train), materialize(val)
    fields = {k: float(v) for k, v in (item.split("=", 1) for item in args.set)}
    params = STLLRParams.preset("code_default", psi=args.psi, lr=args.lr, window=args.window,
                                **fields)
    shifts = None
    if args.max_shift:
        def shifts(seed: int) -> RandomShifts:
            return RandomShifts(train, CONFIG.frame_shape, args.max_shift, seed=seed)
    rows = []
    for mode, seed in ((m, s) for m in args.modes for s in args.seeds):
        precision, update = mode.split(":")
        layout = OnChipLayout((train.n_inputs, args.hidden, train.n_classes), train.n_steps,
                              params, seed=seed, update=update)
        net = _network(args, layout, precision)
        order = np.random.default_rng(seed)
        curve, start = [], time.perf_counter()
        try:
            for epoch in range(args.epochs):
                scale = min(1.0, max(args.lr_floor, args.lr_decay ** epoch))
                shown = train if shifts is None else epoch_data(shifts(seed), epoch)
                net.train(shown, indices=order.permutation(len(train)), lr_scale=scale)
                curve.append(net.evaluate(val).accuracy)
                print(f"{mode:<13} seed {seed} epoch {epoch + 1}: val {curve[-1]:.3f} "
                      f"({time.perf_counter() - start:.0f} s)", flush=True)
        finally:
            close = getattr(net, "close", None)
            if close is not None:
                close()
        rows.append((f"{mode} seed {seed}", curve, time.perf_counter() - start))
        if args.json is not None:
            with open(args.json, "a") as fh:
                fh.write(json.dumps({"mode": mode, "seed": seed, "select": args.select,
                                     "lr": args.lr, "lr_decay": args.lr_decay,
                                     "lr_floor": args.lr_floor,
                                     "psi": args.psi, "hidden": args.hidden,
                                     "window": args.window,
                                     "max_shift": args.max_shift, "set": fields,
                                     "curve": curve, "seconds": rows[-1][2]}) + "\n")

    print(f"\nN-MNIST {len(train)}/{len(val)}{' (select)' if args.select else ''}, "
          f"{layout.sizes}, {args.backend} backend, "
          f"psi {args.psi}, lr {args.lr}, decay {args.lr_decay}/epoch, batch 1, DFA")
    print("| precision:update | val acc per epoch | last | best | wall s |")
    print("|---|---|---|---|---|")
    for mode, curve, seconds in rows:
        print(f"| {mode} | {' '.join(f'{a:.3f}' for a in curve)} | {curve[-1]:.3f} | "
              f"{max(curve):.3f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
