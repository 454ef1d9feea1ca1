"""The ``run_spk`` of :class:`~lava_stllr.processes.STLLRLIF`, for every tag."""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.core.messages import NeuronState
from lava_stllr.onchip.steps import neuron_process_step, tag_gate
from lava_stllr.processes.neuron import STLLRLIF
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel


class STLLRLIFModel(ProgramModel):
    """S-TLLR LIF neuron: :func:`~lava_stllr.onchip.steps.neuron_process_step`.

    Receives on every InPort and sends on every OutPort at every step (spikes, bAP and
    ``y1..y3``), so it drives our ``STLLRDense`` and Lava's stock ``LearningDense``
    alike (the stock ``LearningLIF`` does not send its third factors, which hangs a
    learning synapse).
    """

    PROCESS = STLLRLIF
    PORT_ROLES = {
        "a_in": (IN, "current"), "sig_in": (IN, "signal"), "s_out": (OUT, "spikes"),
        "y1_out": (OUT, "factor"), "y2_out": (OUT, "factor"), "y3_out": (OUT, "factor"),
        "bap_out": (OUT, "spikes"), "u": (VAR, "membrane"), "trpsi": (VAR, "trace"),
        "e_in": (IN, "error"), "feedback": (VAR, "weights"), "fb_buff": (VAR, "signal"),
        **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._fused = bool(proc_params["fused_feedback"])

    def run_spk(self) -> None:
        """One neuron step; sends spikes, ``y1``, ``y2``, ``y3`` and the bAP."""
        current = self.a_in.recv()
        raw_signal = self.sig_in.recv()
        if self._fused:  # an InPort sums its inputs: sig_in's and the buffered B e
            raw_signal = raw_signal + self.fb_buff
        clock = self.clock()
        state, out = neuron_process_step(
            self._program, NeuronState(self.u, self.trpsi), current, raw_signal,
            clock.new_sample(self.time_step),
            tag_gate(clock, self.time_step, self.proc_params["update"]))
        self.u, self.trpsi = state.v, state.trace
        self.s_out.send(out.spikes)
        self.y1_out.send(out.y1)
        self.y2_out.send(out.y2)
        self.y3_out.send(out.y3)
        self.bap_out.send(out.bap)
        if self._fused:  # B e[t], delivered next step as a Dense would
            current = self._program.feedback_current(self.feedback, self.e_in.recv())
            self.fb_buff = np.asarray(current).astype(self.fb_buff.dtype)
