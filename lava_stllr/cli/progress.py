"""What ``train`` and ``evaluate`` show while they run.

Three modes (:class:`Progress`):

``quiet`` (``--quiet``)
    nothing while running; the command prints its summary at the end.
``bars`` (stderr is a terminal)
    tqdm bars on stderr; each result line (an epoch's scores) is written above them
    with ``tqdm.write`` as soon as it is known, so it stays when the bar goes.
``lines`` (stderr is not a terminal: a pipe, a log file, CI)
    no bar and no carriage return at all: the result lines on stdout as they are
    known, and for a long pass (a Lava epoch) a progress line on stderr at every 10%
    of its samples, once at least :data:`MIN_INTERVAL` seconds passed since the last,
    with the elapsed time and an estimate of the time left.

The trainers take what to draw as their ``progress`` argument (:attr:`Progress.bars`):
tqdm bars, nothing, or :class:`LineBar` in ``lines`` mode.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

#: Fewest seconds between two progress lines of one pass (``lines`` mode).
MIN_INTERVAL = 20.0
#: A progress line at every this fraction of a pass (``lines`` mode).
STEP = 0.1


def duration(seconds: float) -> str:
    """``seconds`` for people: ``8.2 s``, ``42 s``, ``3 min 05 s``, ``1 h 02 min``."""
    seconds = max(0.0, float(seconds))
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def remaining(elapsed: float, done: float, total: float) -> str:
    """The time left when ``done`` of ``total`` took ``elapsed`` seconds, as ``~42 s``."""
    if done <= 0 or total <= done:
        return "~0 s"
    return "~" + duration(elapsed / done * (total - done))


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty and isatty())
    except (OSError, ValueError):  # a closed stream
        return False


class LineBar:
    """A stand-in for a tqdm bar where no terminal shows it: never a carriage return;
    at every ``step`` of ``total`` a line ``desc: n/total (p%), acc ..., elapsed, ~left``
    through ``write``, once ``min_interval`` seconds passed since the pass began or the
    last line. It takes the calls the trainers make on their bars (``update``,
    ``set_postfix``, ``set_description_str``, ``refresh``, ``close``).

    Parameters
    ----------
    total : int, optional
        Samples of the pass (None: no line is written).
    desc : str
        What the pass is, e.g. ``epoch 1/8 train``.
    write : callable
        Writes one line.
    disable : bool
        Write nothing (tqdm's ``disable``).
    min_interval, step : float
        See :data:`MIN_INTERVAL` and :data:`STEP`.
    """

    def __init__(self, total: int | None = None, desc: str | None = "", *,
                 write: Callable[[str], None], disable: bool = False,
                 min_interval: float = MIN_INTERVAL, step: float = STEP,
                 **ignored: Any) -> None:
        self.total, self.desc, self.n = total, desc or "", 0
        self.disable = disable or not total
        self._write, self._min_interval = write, float(min_interval)
        self._every = max(1, math.ceil(step * total)) if total else 1
        self._next = self._every
        self._start = self._last = time.perf_counter()
        self.postfix: dict[str, Any] = {}

    def update(self, n: int = 1) -> None:
        """``n`` more samples done; write a line if a step was crossed and it is time."""
        self.n += n
        if self.disable or self.n < self._next:
            return
        self._next = (self.n // self._every + 1) * self._every
        now = time.perf_counter()
        if self.n >= self.total or now - self._last < self._min_interval:
            return  # the end of a pass is the result line's to say
        self._last = now
        elapsed = now - self._start
        scores = "".join(f", {k} {v}" for k, v in self.postfix.items())
        self._write(f"  {self.desc}: {self.n}/{self.total} samples "
                    f"({100 * self.n / self.total:.0f}%){scores}, {duration(elapsed)} "
                    f"elapsed, {remaining(elapsed, self.n, self.total)} left")

    def set_postfix(self, ordered_dict: dict | None = None, refresh: bool = True,
                    **kwargs: Any) -> None:
        """Scores shown on the next line (e.g. ``acc=0.412``)."""
        self.postfix = {**(ordered_dict or {}), **kwargs}

    def set_description_str(self, desc: str | None = None, refresh: bool = True) -> None:
        """A new name of the pass."""
        self.desc = desc or ""

    set_description = set_description_str

    def refresh(self, *args: Any, **kwargs: Any) -> None:
        """Nothing to redraw."""

    def close(self) -> None:
        """Nothing to clear."""

    def __enter__(self) -> LineBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Progress:
    """Result lines and progress of a running command in the mode its output allows
    (see the module's docstring).

    Parameters
    ----------
    quiet : bool
        ``--quiet``: show nothing while running.
    min_interval, step : float
        Of the ``lines`` mode's progress lines (:class:`LineBar`).
    """

    def __init__(self, quiet: bool, *, min_interval: float = MIN_INTERVAL,
                 step: float = STEP) -> None:
        self.mode = "quiet" if quiet else "bars" if _is_terminal(sys.stderr) else "lines"
        self.min_interval, self.step = min_interval, step
        self._start = time.perf_counter()

    @property
    def live(self) -> bool:
        """Whether results are shown as they come (not ``quiet``)."""
        return self.mode != "quiet"

    def say(self, text: str, out: TextIO | None = None) -> None:
        """Print a result line now (on stdout, above the bars), unless ``quiet``."""
        if not self.live:
            return
        out = out or sys.stdout
        if self.mode == "bars":
            from tqdm.auto import tqdm

            tqdm.write(text, file=out)
        else:
            print(text, file=out)
        out.flush()

    def _progress_line(self, text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    def line_bar(self, *args: Any, **kwargs: Any) -> LineBar:
        """A :class:`LineBar` with tqdm's signature (``total``, ``desc``, ``disable``)."""
        names = ("iterable", "desc", "total", "leave")
        kwargs.update(zip(names, args, strict=False))
        return LineBar(kwargs.pop("total", None), kwargs.pop("desc", ""),
                       write=self._progress_line, disable=kwargs.pop("disable", False),
                       min_interval=self.min_interval, step=self.step)

    @property
    def bars(self) -> bool | Callable[..., Any]:
        """What the trainers take as ``progress``: tqdm bars (True) in a terminal, none
        (False) when ``quiet``, :meth:`line_bar` (plain lines) otherwise."""
        return self.line_bar if self.mode == "lines" else self.live


def epoch_line(epoch: int, epochs: int, history: Any, timing: str = "") -> str:
    """The result line of epoch ``epoch`` (from 1) of ``epochs``: its training accuracy
    and loss and its held-out accuracy from ``history`` (a
    :class:`~lava_stllr.reference.trainer.History`), then ``timing`` if given."""
    i = epoch - 1
    val = f", held-out acc {history.val_acc[i]:.3f}" if i < len(history.val_acc) else ""
    line = (f"  epoch {epoch}/{epochs}: train acc {history.train_acc[i]:.3f}, loss "
            f"{history.train_loss[i]:.3f}{val}")
    return f"{line}  [{timing}]" if timing else line
