"""The ``run_spk`` of :class:`~lava_stllr.processes.STLLRLIF`, for both tags."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.type import LavaPyType

from lava_stllr.core.messages import NeuronState
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.steps import neuron_process_step


class STLLRLIFModel(PyLoihiProcessModel):
    """S-TLLR LIF neuron: :func:`~lava_stllr.onchip.steps.neuron_process_step`.

    Receives on every InPort and sends on every OutPort at every step (spikes, bAP and
    ``y1..y3``), so it drives our ``STLLRDense`` and Lava's stock ``LearningDense``
    alike (the stock ``LearningLIF`` does not send its third factors, which hangs a
    learning synapse).
    """

    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    @staticmethod
    def make_program(proc_params: Any) -> Any:
        """The neuron program of this tag (tagged subclasses define it)."""
        raise NotImplementedError

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._program = self.make_program(proc_params)

    def run_spk(self) -> None:
        """One neuron step; sends spikes, ``y1``, ``y2``, ``y3`` and the bAP."""
        current = self.a_in.recv()
        raw_signal = self.sig_in.recv()
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        state, out = neuron_process_step(self._program, NeuronState(self.u, self.trpsi),
                                         current, raw_signal, clock.new_sample(self.time_step))
        self.u, self.trpsi = state.v, state.trace
        self.s_out.send(out.spikes)
        self.y1_out.send(out.y1)
        self.y2_out.send(out.y2)
        self.y3_out.send(out.y3)
        self.bap_out.send(out.bap)
