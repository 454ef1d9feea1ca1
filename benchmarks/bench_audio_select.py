"""Choosing the spoken-digit defaults on a validation split of the training speakers.

Trains on the shared Heidelberg Digits recordings of speakers 00-03, 06 and 07 and scores
speakers 08 and 09 after every epoch; speakers 10 and 11 (the default held-out set of
``lava-stllr train --dataset heidelberg-digits``) are never read. ``--backend reference``
runs the batched trainer (``--signal bp|dfa``, Adam or SGD, batch 32); ``--backend
onchip`` runs :class:`~lava_stllr.onchip.OnChipReference`, bit for bit the Lava network
(DFA, batch 1, plain SGD, ``lr_scale = lr_decay**epoch``). The front-end's spikes are
cached in ``--cache-dir``.

``--val-speakers 0,6`` validates on another pair (training on the other six of 00-03,
06-09); ``--augment`` adds the warped copies of every training recording
(:mod:`lava_stllr.data.audio_augment`), ``--random-warps`` four random ones drawn anew
every epoch (:mod:`lava_stllr.data.audio_epochs`); the score is also given as the mean of the last
five epochs, steadier than one epoch's. ``--average-last N`` (reference backend) also
scores the mean of the last N epochs' weights
(:class:`~lava_stllr.reference.averaging.WeightAverage`, what ``train --average-last``
ends with). ``--val-speakers 2,6`` is the hard fold: the two training speakers a linear
read-out of the levels finds hardest.

Run: ``python benchmarks/bench_audio_select.py --backend reference --channels 32
--hidden 128 --epochs 30 --augment --lr-decay 0.92`` or ``... --backend onchip
--time-bins 50 --lr 3e-4 --lr-decay 0.85 --epochs 12 --psi triangle --reset hard``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lava_stllr.data.audio import AudioFrontEnd
from lava_stllr.data.cache import materialize
from lava_stllr.data.dataset import epoch_data
from lava_stllr.data.heidelberg_digits import (
    HeidelbergDigitsFolder,
    audio_binning,
    augmented,
)
from lava_stllr.params import STLLRParams

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "HeidelbergDigits"
#: Speakers a validation split is drawn from (10 and 11 are the default held-out ones).
CHOICE_SPEAKERS = (0, 1, 2, 3, 6, 7, 8, 9)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--cache-dir", type=Path, default=Path("cache"))
    parser.add_argument("--backend", choices=("reference", "onchip"), default="reference")
    parser.add_argument("--channels", type=int, default=32)
    parser.add_argument("--time-bins", type=int, default=100)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--no-recurrent", action="store_true")
    parser.add_argument("--preset", default="code_default")
    parser.add_argument("--psi", default=None)
    parser.add_argument("--reset", default=None)
    parser.add_argument("--signal", choices=("bp", "dfa"), default="bp")
    parser.add_argument("--optimizer", choices=("sgd", "adam"), default="adam")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--lr-decay", type=float, default=1.0)
    parser.add_argument("--average-last", type=int, default=1)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--update", choices=("step", "sample"), default="step",
                        help="onchip: weights move every step or once per sample")
    parser.add_argument("--precision", choices=("float", "fixed"), default="float",
                        help="onchip: float, or the Loihi 2 fixed-point arithmetic")
    parser.add_argument("--val-speakers", default="8,9",
                        help="validation speakers (of 00-03, 06-09; the rest train)")
    parser.add_argument("--augment", action="store_true",
                        help="train on the warped copies of every recording too")
    parser.add_argument("--random-warps", action="store_true",
                        help="instead of --augment: 4 random warps of every recording, "
                             "drawn anew every epoch (lava_stllr.data.audio_epochs)")
    parser.add_argument("--integrator", action="store_true",
                        help="the front-end's leak-free population too (2 inputs/channel)")
    args = parser.parse_args()
    val_speakers = tuple(int(s) for s in args.val_speakers.split(","))
    train_speakers = tuple(s for s in CHOICE_SPEAKERS if s not in val_speakers)

    front_end = AudioFrontEnd(integrator=args.integrator)
    binning = audio_binning(args.channels, n_time_bins=args.time_bins,
                            populations=front_end.populations)

    def folder(speakers: tuple[int, ...]) -> HeidelbergDigitsFolder:
        return HeidelbergDigitsFolder(args.data, "train", config=binning, front_end=front_end,
                                      cache_dir=args.cache_dir, speakers=speakers)

    train = folder(train_speakers)
    if args.random_warps:
        from lava_stllr.data.audio_epochs import FreshWarps, WarpRanges

        train = FreshWarps(train, WarpRanges(), seed=args.seed)
    else:
        train = materialize(augmented(train) if args.augment else train)
    val = materialize(folder(val_speakers))
    changes = {k: v for k, v in (("psi", args.psi), ("reset", args.reset)) if v is not None}
    params = STLLRParams.preset(args.preset, lr=args.lr, **changes)
    sizes = (binning.n_inputs, args.hidden, 20)
    recurrent = not args.no_recurrent
    start, curve = time.perf_counter(), []
    if args.backend == "reference":
        from lava_stllr.reference.stllr import STLLRTrainer
        from lava_stllr.spec.network import NetworkSpec

        trainer = STLLRTrainer(NetworkSpec(sizes, recurrent=recurrent), params,
                               signal=args.signal, optimizer=args.optimizer, seed=args.seed,
                               dtype="float32")
        from lava_stllr.reference.averaging import WeightAverage

        averaged = WeightAverage(args.epochs - args.average_last)
        for epoch in range(args.epochs):
            trainer.seed = args.seed + epoch  # a new shuffle every epoch
            trainer.optimizer.lr = args.lr * args.lr_decay ** epoch
            curve.append(trainer.fit(epoch_data(train, epoch), val, epochs=1,
                                     progress=False).val_acc[0])
            averaged.add(epoch, trainer.weights)
            print(f"epoch {epoch + 1}: val {curve[-1]:.3f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        if args.average_last > 1:
            trainer.weights = averaged.weights()
            print(f"the mean of the last {args.average_last} epochs' weights: val "
                  f"{trainer.evaluate(val)[1]:.3f}")
    else:
        from lava_stllr.onchip import OnChipLayout, OnChipReference

        layout = OnChipLayout(sizes, args.time_bins, params, seed=args.seed,
                              recurrent=recurrent, update=args.update)
        net = OnChipReference(layout, precision=args.precision)
        order = np.random.default_rng(args.seed)
        for epoch in range(args.epochs):
            net.train(epoch_data(train, epoch), indices=order.permutation(len(train)),
                      lr_scale=args.lr_decay ** epoch)
            curve.append(net.evaluate(val).accuracy)
            print(f"epoch {epoch + 1}: val {curve[-1]:.3f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
    print(f"speakers {train_speakers} -> {val_speakers}: {len(train)}/{len(val)} samples"
          f"{' (augmented)' if args.augment else ''}, {args.backend} ({args.precision}), "
          f"{sizes}{' recurrent' if recurrent else ''}, {args.time_bins} bins: last "
          f"{curve[-1]:.3f}, best {max(curve):.3f}, last 5 {np.mean(curve[-5:]):.3f}")


if __name__ == "__main__":
    main()
