"""The epochs of ``lava-stllr train`` with a result line as each ends: epoch 0 (the
held-out score before any learning) and the training epochs of both backends.

The Lava backend's adapter reports its epochs (``on_epoch`` of
:meth:`~lava_stllr.cli.lava_adapter.LavaNetworkTrainer.fit`). The reference trainers'
``fit`` has no such hook: while it runs, :func:`_reference_epochs` watches the trainer's
``train_batch`` (an epoch ends when its samples are all seen) and ``evaluate`` (the
held-out score that follows) and reports each epoch from what they returned, the very
numbers ``fit`` puts in its history.
"""

from __future__ import annotations

import argparse
import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from lava_stllr.cli.progress import Progress, duration, epoch_line, remaining

#: The modules whose tqdm bars become line bars where no terminal shows them.
BAR_MODULES = ("lava_stllr.reference.trainer", "lava_stllr.lavanet.network")


def evaluate_before(trainer: Any, args: argparse.Namespace, val: Any,
                    progress: Progress) -> tuple[float, float]:
    """Loss and accuracy of ``val`` with the weights before any learning (epoch 0). The
    Lava network built here is the one training then uses: it starts once."""
    with progress.lines_in(*BAR_MODULES):
        if args.backend == "lava":
            return trainer.evaluate(val, progress=progress.live, desc="epoch 0 validate")
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
    with progress.lines_in(*BAR_MODULES):
        if args.backend == "reference":
            with _reference_epochs(trainer, len(train), val is not None, on_epoch):
                return trainer.fit(train, val, epochs=args.epochs, batch_size=args.batch_size,
                                   progress=progress.live)
        options = {} if on_epoch is None else {"on_epoch": on_epoch}
        return trainer.fit(train, val, epochs=args.epochs, progress=progress.live, **options)


@contextlib.contextmanager
def _reference_epochs(trainer: Any, n_train: int, has_val: bool,
                      on_epoch: Callable[[Any], None] | None) -> Iterator[None]:
    """While the block runs ``trainer.fit``, call ``on_epoch(history so far)`` as each
    epoch ends: after its held-out evaluation (``has_val``), else when the next epoch
    begins or the block ends (so that ``fit`` has checked the last batch first)."""
    if on_epoch is None:
        yield
        return
    from lava_stllr.reference import History

    seen = History()
    epoch = {"n": 0, "loss": 0.0, "correct": 0, "start": time.perf_counter()}
    state = {"ended": False, "reported": True}
    own = {name: vars(trainer)[name] for name in ("train_batch", "evaluate")
           if name in vars(trainer)}
    train_batch, evaluate = trainer.train_batch, trainer.evaluate

    def flush() -> None:
        if not state["reported"]:
            state["reported"] = True
            on_epoch(seen)

    def watched_batch(x: Any, labels: Any) -> tuple[float, int]:
        flush()
        loss, correct = train_batch(x, labels)
        epoch["n"] += len(labels)
        epoch["loss"] += loss
        epoch["correct"] += correct
        if epoch["n"] >= n_train:
            seen.train_loss.append(epoch["loss"] / epoch["n"])
            seen.train_acc.append(epoch["correct"] / epoch["n"])
            seen.epoch_seconds.append(time.perf_counter() - epoch["start"])
            epoch.update(n=0, loss=0.0, correct=0, start=time.perf_counter())
            state.update(ended=True, reported=has_val)
        return loss, correct

    def watched_evaluate(*args: Any, **kwargs: Any) -> tuple[float, float]:
        loss, acc = evaluate(*args, **kwargs)
        if state["ended"] and has_val:
            seen.val_loss.append(loss)
            seen.val_acc.append(acc)
            state.update(ended=False, reported=False)
            flush()
        return loss, acc

    trainer.train_batch, trainer.evaluate = watched_batch, watched_evaluate
    try:
        yield
        flush()
    finally:
        for name in ("train_batch", "evaluate"):
            if name in own:
                setattr(trainer, name, own[name])
            else:
                delattr(trainer, name)
