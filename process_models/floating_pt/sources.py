"""Models of the host-fed sources :class:`~lava_stllr.processes.EventSource` and
:class:`~lava_stllr.processes.LabelSource` (no arithmetic: tagged ``floating_pt``)."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import SampleClock, source_frame
from lava_stllr.processes.sources import LABEL_SIZE, EventSource, LabelSource


@implements(proc=EventSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyEventSourceModel(PyLoihiProcessModel):
    """Takes a sample from the host pipe at each sample start and plays it row by row,
    then zeros for the gap (:func:`~lava_stllr.core.process_steps.source_frame`)."""

    sample_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.float32)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._sample: np.ndarray | None = None

    def run_spk(self) -> None:
        """Send this step's input row."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        sample, step = clock.position(self.time_step)
        if sample >= 0 and step == 0:
            self._sample = self.sample_in.recv()
        self.s_out.send(source_frame(self._sample, sample, step, self.s_out.shape))


@implements(proc=LabelSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLabelSourceModel(PyLoihiProcessModel):
    """Takes a label message from the host pipe at each sample start and repeats it."""

    label_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    label_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._message = np.zeros(LABEL_SIZE)

    def run_spk(self) -> None:
        """Send the current sample's ``[label, learn, scored]``."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        sample, step = clock.position(self.time_step)
        if sample >= 0 and step == 0:
            self._message = self.label_in.recv()
        self.label_out.send(self._message)
