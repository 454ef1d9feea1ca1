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
    """A model that runs the program its Process carries (float or Loihi 2) and knows
    where its Process is in the sample stream.

    Class attributes
    ----------------
    PROCESS : type
        The Process it implements.
    PORT_ROLES : dict
        ``{port or Var name: (direction, role)}``; a tag maps each role to a Lava type.
    PRECISION : str
        The precision of the programs the tag's models run (set by the tag).
    ROLE_DTYPES : dict
        ``{role: NumPy dtype}`` of the tag: what a port of that role carries.
    """

    PROCESS: ClassVar[type[AbstractProcess]]
    PORT_ROLES: ClassVar[dict[str, tuple[str, str]]]
    PRECISION: ClassVar[str]
    ROLE_DTYPES: ClassVar[dict[str, np.dtype]]

    @classmethod
    def check_process(cls, proc: Any) -> None:
        """Raise ``ValueError`` unless every program ``proc`` carries is of this tag's
        precision; the run config calls it when it selects the model, so a mismatch
        surfaces at compile time in the host process."""
        for program in proc.programs():
            if program.precision != cls.PRECISION:
                raise ValueError(
                    f"{type(proc).__name__} ({proc.name}) carries a {program.precision} "
                    f"program ({type(program).__name__}); the {cls.PRECISION} models "
                    f"cannot run it: build the network in one precision")

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._program = proc_params.get("program")

    def clock(self) -> SampleClock:
        """The sample clock of the Process (its ``period`` and ``delay`` Vars)."""
        return SampleClock(int(self.period[0]), int(self.delay[0]))
