"""Common base of the lava-stllr Processes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var

if TYPE_CHECKING:
    from lava_stllr.params import STLLRParams


class STLLRProcess(AbstractProcess):
    """An ``AbstractProcess`` whose constructor may reject its arguments cleanly.

    Lava sets ``_runtime`` in ``AbstractProcess.__init__`` and reads it in ``__del__``; the
    class default keeps ``__del__`` quiet when a constructor raises ``ValueError`` before
    calling ``super().__init__``.
    """

    _runtime = None

    def programs(self) -> tuple:
        """The programs the Process's models run (:mod:`lava_stllr.onchip.protocols`): the
        run config checks their precision against the tag it selects."""
        program = self.proc_params.get("program")
        return () if program is None else (program,)

    @property
    def precision(self) -> str | None:
        """``"float"`` or ``"fixed"``: the arithmetic of its programs (None: it has none)."""
        found = {p.precision for p in self.programs()}
        if len(found) > 1:
            raise ValueError(f"{type(self).__name__} ({self.name}) mixes {sorted(found)} "
                             "programs")
        return found.pop() if found else None

    def _declare_clock(self, period: int, delay: int) -> None:
        """Vars ``period`` (steps per sample, 0 for none) and ``delay`` (Lava step offset of
        sample 0): where the Process is in the sample stream."""
        self.period = Var(shape=(1,), init=period)
        self.delay = Var(shape=(1,), init=delay)

    def _declare_factor_outputs(self, n: int) -> None:
        """OutPorts ``y1_out``, ``y2_out``, ``y3_out``, ``bap_out`` (n,): the third factors
        and the bAP a learning neuron sends to its incoming synapse (``y1`` is the
        fixed-point rule's sign flag or the float per-sample gate, the bAP the spikes or
        the fixed per-sample gate)."""
        self.y1_out = OutPort(shape=(n,))
        self.y2_out = OutPort(shape=(n,))
        self.y3_out = OutPort(shape=(n,))
        self.bap_out = OutPort(shape=(n,))


class STLLRLayerProcess(STLLRProcess):
    """A Process of one S-TLLR layer (connection, neurons or readout), built from its
    :class:`~lava_stllr.params.STLLRParams`."""

    @property
    def params(self) -> STLLRParams:
        """The S-TLLR parameters the Process was built with."""
        return self.proc_params["params"]
