"""The ``run_spk`` of the host-fed :class:`~lava_stllr.processes.EventSource` and
:class:`~lava_stllr.processes.LabelSource`, for every tag."""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.onchip.steps import source_frame
from lava_stllr.processes.sources import LABEL_SIZE, EventSource, LabelSource
from process_models.shared.base import CLOCK_ROLES, IN, OUT, ProgramModel


class EventSourceModel(ProgramModel):
    """Takes a sample from the host pipe at each sample start and plays it row by row,
    then zeros for the gap (:func:`~lava_stllr.onchip.steps.source_frame`). Its
    program encodes a frame for the wire (as is, or binary spikes ``x != 0``)."""

    PROCESS = EventSource
    PORT_ROLES = {"sample_in": (IN, "sample"), "s_out": (OUT, "spikes"), **CLOCK_ROLES}

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._sample: np.ndarray | None = None

    def run_spk(self) -> None:
        """Send this step's input row."""
        clock = self.clock()
        sample, step = clock.position(self.time_step)
        if clock.starts_sample(self.time_step):
            self._sample = self.sample_in.recv()
        self.s_out.send(self._program(source_frame(self._sample, sample, step,
                                                   self.s_out.shape)))


class LabelSourceModel(ProgramModel):
    """Takes a label message from the host pipe at each sample start and repeats it."""

    PROCESS = LabelSource
    PORT_ROLES = {"label_in": (IN, "label"), "label_out": (OUT, "label"), **CLOCK_ROLES}

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._message = np.zeros(LABEL_SIZE)

    def run_spk(self) -> None:
        """Send the current sample's ``[label, learn, scored]``."""
        if self.clock().starts_sample(self.time_step):
            self._message = self.label_in.recv()
        self.label_out.send(self._message)
