"""What every lava-stllr ProcessModel shares: its program, its clock, its port roles."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.process.process import AbstractProcess

from lava_stllr.onchip.clock import SampleClock

#: Directions of a port or Var in ``PORT_ROLES``.
IN, OUT, VAR = "in", "out", "var"
#: Roles shared by every base: the Process's sample clock.
CLOCK_ROLES = {"period": (VAR, "clock"), "delay": (VAR, "clock")}
#: Lava types of the roles that do not depend on the arithmetic: host pipes, labels,
#: scores (float64), clocks and counters (int), samples from the host (float32).
HOST_ROLE_TYPES: dict[str, tuple[type, int | None]] = {
    "host": (float, None), "label": (float, None), "score": (float, None),
    "clock": (int, None), "count": (int, None), "sample": (np.float32, None),
}


class ProgramModel(PyLoihiProcessModel):
    """A model that runs one program (float or Loihi 2) and knows where its Process is
    in the sample stream.

    Class attributes
    ----------------
    PROCESS : type
        The Process it implements.
    PORT_ROLES : dict
        ``{port or Var name: (direction, role)}``; a tag maps each role to a Lava type.
    """

    PROCESS: ClassVar[type[AbstractProcess]]
    PORT_ROLES: ClassVar[dict[str, tuple[str, str]]]

    @staticmethod
    def make_program(proc_params: Any) -> Any:
        """The program of this tag, from the Process's parameters (set per tag)."""
        return None

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._program = self.make_program(proc_params)

    def clock(self) -> SampleClock:
        """The sample clock of the Process (its ``period`` and ``delay`` Vars)."""
        return SampleClock(int(self.period[0]), int(self.delay[0]))
