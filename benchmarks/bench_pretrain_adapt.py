"""Pre-train offline, adapt online: digits 0-4 learned by the batched trainer, then
digits 5-9 learned on chip (batch 1, DFA), starting from the offline weights.

Uses the shared N-MNIST recordings (800/200 stratified split, 25 bins, 17x17x2 binary
input), network 578-H-10. Phase 1: :class:`~lava_stllr.reference.STLLRTrainer` (S-TLLR
BP, Adam) on the training samples of classes 0-4. Phase 2: the on-chip network built
with ``weights=`` the phase-1 weights learns the training samples of classes 5-9
online (``--backend reference``: :class:`~lava_stllr.onchip.OnChipReference`, bit-exact
with the Lava network; ``--backend lava``: :class:`~lava_stllr.lavanet.network.STLLRNetwork`).
Prints validation accuracy on the old (0-4) and new (5-9) classes after each phase.
Adapting on new classes alone forgets the old ones (the readout learns to answer 5-9);
``--replay F`` mixes a random fraction ``F`` of the old classes' training samples into
every online epoch (rehearsal), and the table shows adaptation with no replay and with it.

Run: ``python benchmarks/bench_pretrain_adapt.py [--data ../shared/data/NMNIST]
[--offline-epochs 8] [--online-epochs 3] [--lr 3e-4] [--replay 0.5]
[--precision float|fixed] [--backend reference|lava]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.nmnist import load_nmnist_subset
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "NMNIST"
CONFIG = BinningConfig(sensor_size=(34, 34, 2), n_time_bins=25, t_end_us=300_000,
                       downsample=2, max_count=1)
OLD, NEW = tuple(range(5)), tuple(range(5, 10))


def _labels(dataset) -> np.ndarray:
    return np.array([dataset[i][1] for i in range(len(dataset))])


def _split_accuracy(predictions: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Accuracy on the old and on the new classes."""
    old = np.isin(labels, OLD)
    return (float((predictions[old] == labels[old]).mean()),
            float((predictions[~old] == labels[~old]).mean()))


def _adapt(args: argparse.Namespace, layout: OnChipLayout, train, val, new_idx: np.ndarray,
           old_idx: np.ndarray, replay: float) -> list[tuple]:
    """Online epochs on the new classes (plus a ``replay`` fraction of old samples) from
    the offline weights; one row per epoch."""
    if args.backend == "lava":
        from lava_stllr.lavanet.network import STLLRNetwork

        net = STLLRNetwork(layout.sizes, layout.n_steps, params=layout.params,
                           seed=layout.seed, weights=layout.weights,
                           precision=args.precision)
    else:
        net = OnChipReference(layout, precision=args.precision)
    rng = np.random.default_rng(args.seed)
    rows, start = [], time.perf_counter()
    try:
        if replay == 0:
            before = net.evaluate(val)
            rows.append((f"on chip ({args.precision}), before adapting",
                         *_split_accuracy(before.predictions, before.labels), 0.0))
        for epoch in range(args.online_epochs):
            old = rng.choice(old_idx, size=int(round(replay * len(old_idx))), replace=False)
            played = np.concatenate([new_idx, old])
            net.train(train, indices=played[rng.permutation(len(played))])
            result = net.evaluate(val)
            rows.append((f"on chip, 5-9 + {replay:.0%} replay of 0-4, epoch {epoch + 1}",
                         *_split_accuracy(result.predictions, result.labels),
                         time.perf_counter() - start))
    finally:
        getattr(net, "close", lambda: None)()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--offline-epochs", type=int, default=8)
    parser.add_argument("--offline-lr", type=float, default=1e-3)
    parser.add_argument("--online-epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--precision", choices=("float", "fixed"), default="float")
    parser.add_argument("--backend", choices=("reference", "lava"), default="reference")
    parser.add_argument("--replay", type=float, default=0.5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    train, val = load_nmnist_subset(args.data, 800, 200, config=CONFIG)
    train, val = materialize(train), materialize(val)
    train_labels, val_labels = _labels(train), _labels(val)
    old_idx = np.flatnonzero(np.isin(train_labels, OLD))
    old_train = train.subset(old_idx)
    new_idx = np.flatnonzero(np.isin(train_labels, NEW))
    spec = NetworkSpec((train.n_inputs, args.hidden, train.n_classes))
    params = STLLRParams.preset("code_default", psi="triangle", lr=args.offline_lr)

    start = time.perf_counter()
    trainer = STLLRTrainer(spec, params, "bp", "adam", seed=args.seed)
    trainer.fit(old_train, epochs=args.offline_epochs, batch_size=16, progress=False)
    offline_s = time.perf_counter() - start
    x_val = np.stack([val[i][0] for i in range(len(val))]).astype(float)
    rows = [("offline, classes 0-4", *_split_accuracy(
        trainer.predict_scores(x_val).argmax(1), val_labels), offline_s)]

    layout = OnChipLayout(spec.sizes, train.n_steps, params.replace(lr=args.lr),
                          seed=args.seed, weights=trainer.weights)
    for replay in sorted({0.0, args.replay}):
        rows += _adapt(args, layout, train, val, new_idx, old_idx, replay)

    print(f"\nN-MNIST 800/200, {spec.sizes}, offline S-TLLR BP + Adam lr {args.offline_lr} "
          f"x{args.offline_epochs} on 0-4; online DFA batch 1 lr {args.lr}, psi triangle, "
          f"{args.backend} backend")
    print("| phase | val acc, classes 0-4 | val acc, classes 5-9 | wall s |")
    print("|---|---|---|---|")
    for name, old, new, seconds in rows:
        print(f"| {name} | {old:.3f} | {new:.3f} | {seconds:.0f} |")


if __name__ == "__main__":
    main()
