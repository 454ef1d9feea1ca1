"""The ``run_spk`` of the host-fed :class:`~lava_stllr.processes.EventSource` and
:class:`~lava_stllr.processes.LabelSource`, for both tags."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType

from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.steps import source_frame
from lava_stllr.processes.sources import LABEL_SIZE


class EventSourceModel(PyLoihiProcessModel):
    """Takes a sample from the host pipe at each sample start and plays it row by row,
    then zeros for the gap (:func:`~lava_stllr.onchip.steps.source_frame`); binary
    models send spikes ``x != 0`` (Loihi spikes carry no payload here)."""

    sample_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.float32)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    #: Send ``frame != 0`` instead of the frame's values.
    binary: bool = False

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._sample: np.ndarray | None = None

    def run_spk(self) -> None:
        """Send this step's input row."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        sample, step = clock.position(self.time_step)
        if sample >= 0 and step == 0:
            self._sample = self.sample_in.recv()
        frame = source_frame(self._sample, sample, step, self.s_out.shape)
        self.s_out.send(frame != 0 if self.binary else frame)


class LabelSourceModel(PyLoihiProcessModel):
    """Takes a label message from the host pipe at each sample start and repeats it."""

    label_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    label_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._message = np.zeros(LABEL_SIZE)

    def run_spk(self) -> None:
        """Send the current sample's ``[label, learn, scored]``."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        sample, step = clock.position(self.time_step)
        if sample >= 0 and step == 0:
            self._message = self.label_in.recv()
        self.label_out.send(self._message)
