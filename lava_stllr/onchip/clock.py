"""Where each Process of the on-chip pipeline is in its stream of samples."""

from __future__ import annotations

from dataclasses import dataclass

from lava_stllr import validate


@dataclass(frozen=True)
class SampleClock:
    """Sample boundaries of one Process in a stream of back-to-back samples.

    A Process that first sees step 0 of sample 0 at Lava time step ``delay + 1``
    (time steps count from 1) is at ``local = time_step - 1 - delay``; sample
    ``local // period``, step ``local % period`` of it. ``period = 0`` means a single
    endless sample without boundaries; ``local < 0`` is before the first sample.

    Attributes
    ----------
    period : int
        Steps per sample (``n_steps + gap``), or 0 for no boundaries.
    delay : int
        Pipeline depth of the Process in Lava steps (>= 0).
    """

    period: int
    delay: int

    def __post_init__(self) -> None:
        validate.integer("period", self.period, 0)
        validate.integer("delay", self.delay, 0)

    def position(self, time_step: int) -> tuple[int, int]:
        """``(sample, step)`` at Lava ``time_step``; ``(-1, local)`` before sample 0."""
        local = int(time_step) - 1 - int(self.delay)
        if local < 0:
            return -1, local
        if self.period == 0:
            return 0, local
        return local // self.period, local % self.period

    def new_sample(self, time_step: int) -> bool:
        """True at the first step of every sample (where state is reset); never when
        ``period = 0`` (the initial state is the reset state)."""
        if self.period == 0:
            return False
        sample, step = self.position(time_step)
        return sample >= 0 and step == 0

    def starts_sample(self, time_step: int) -> bool:
        """True at step 0 of every sample, the first included with ``period = 0``: where a
        host-fed Process takes the sample's message from its pipe."""
        sample, step = self.position(time_step)
        return sample >= 0 and step == 0
