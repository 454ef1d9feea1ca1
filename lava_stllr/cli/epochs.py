"""The epochs of ``lava-stllr train`` with a result line as each ends: epoch 0 (the
held-out score before any learning) and the training epochs of both backends.

Both backends report their epochs through ``on_epoch(history)`` of their ``fit`` (the
reference trainers' :meth:`~lava_stllr.reference.trainer.ReferenceTrainer.fit`, the Lava
adapter's :meth:`~lava_stllr.cli.lava_adapter.LavaNetworkTrainer.fit`) and draw the bars
that :attr:`~lava_stllr.cli.progress.Progress.bars` chooses.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from lava_stllr.cli.progress import Progress, duration, epoch_line, remaining


def evaluate_before(trainer: Any, args: argparse.Namespace, val: Any,
                    progress: Progress) -> tuple[float, float]:
    """Loss and accuracy of ``val`` with the weights before any learning (epoch 0). The
    Lava network built here is the one training then uses: it starts once."""
    if args.backend == "lava":
        return trainer.evaluate(val, progress=progress.bars, desc="epoch 0 validate")
    return trainer.evaluate(val)


def fit(trainer: Any, args: argparse.Namespace, train: Any, val: Any,
        progress: Progress) -> Any:
    """Train ``args.epochs`` epochs and return the trainer's
    :class:`~lava_stllr.reference.trainer.History`; unless ``quiet``, each epoch's line
    is shown as the epoch ends, with the time elapsed and an estimate of the time left."""
    start = time.perf_counter()

    def report(history: Any) -> None:
        done = len(history.train_acc)
        elapsed = time.perf_counter() - start
        timing = f"elapsed {duration(elapsed)}"
        if done < args.epochs:
            timing += f", {remaining(elapsed, done, args.epochs)} left"
        progress.say(epoch_line(done, args.epochs, history, timing))

    on_epoch = report if progress.live else None
    if args.backend == "reference":
        return trainer.fit(train, val, epochs=args.epochs, batch_size=args.batch_size,
                           progress=progress.bars, on_epoch=on_epoch,
                           lr_decay=args.lr_decay, average_last=args.average_last)
    return trainer.fit(train, val, epochs=args.epochs, progress=progress.bars,
                       on_epoch=on_epoch)
