"""What every lava-stllr ProcessModel shares: its program, its clock, its port roles."""

from __future__ import annotations

from typing import Any, ClassVar

from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.process.process import AbstractProcess

from lava_stllr.onchip.clock import SampleClock

#: Directions of a port or Var in ``PORT_ROLES``.
IN, OUT, VAR = "in", "out", "var"
#: Roles shared by every base: the Process's sample clock.
CLOCK_ROLES = {"period": (VAR, "clock"), "delay": (VAR, "clock")}


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
