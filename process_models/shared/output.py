"""The ``run_spk`` of the fused :class:`~lava_stllr.processes.OutputLayer`, every tag."""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.core.messages import ThirdFactors
from lava_stllr.onchip.steps import (
    ErrorConfig,
    error_process_step,
    readout_process_step,
    tag_gate,
)
from lava_stllr.processes.output import OutputLayer
from lava_stllr.processes.sources import LABEL_SIZE
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel
from process_models.shared.readout import report_result


class OutputLayerModel(ProgramModel):
    """Readout, label source and output error of one step, in the order of the three
    separate models (readout sends ``z``; the error receives it and the label, sends
    ``e``; the readout receives ``e`` and sends its factors). Each value handed from one
    stage to the next takes the type of the Lava port that would carry it. Its program
    is ``(readout program, error codec)`` of the tag."""

    PROCESS = OutputLayer
    PORT_ROLES = {
        "a_in": (IN, "current"), "e_out": (OUT, "error"), "y1_out": (OUT, "factor"),
        "y2_out": (OUT, "factor"), "y3_out": (OUT, "factor"), "label_in": (IN, "label"),
        "result_out": (OUT, "host"), "z": (VAR, "membrane"), "z_sum": (VAR, "score"),
        "n_scored": (VAR, "count"), "n_correct": (VAR, "count"), "loss_sum": (VAR, "score"),
        **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._readout, self._codec = self._program[:2]
        self._cfg = ErrorConfig(int(proc_params["n_steps"]), int(proc_params["window_start"]))
        self._label = np.zeros(LABEL_SIZE)
        # The Lava types of the readout's z_out (membrane) and e_in (error) ports.
        self._z_type = type(self).z.d_type
        self._e_type = type(self).e_out.d_type

    def run_spk(self) -> None:
        """Integrate; error of this step; factors; on a scored sample's last window
        step, report it."""
        factors = self.output_step(self.a_in.recv())
        self.y1_out.send(factors.y1)
        self.y2_out.send(factors.y2)
        self.y3_out.send(factors.y3)

    def output_step(self, current: np.ndarray) -> ThirdFactors:
        """The step from the received ``current`` (sends ``e``, reports a result);
        returns the readout's third factors."""
        clock = self.clock()
        self.z = readout_process_step(self._readout, self.z, current,
                                      clock.new_sample(self.time_step))
        position = clock.position(self.time_step)
        if position[0] >= 0 and position[1] == 0:
            self._label = self.label_in.recv()
        z_wire = np.asarray(self.z).astype(self._z_type)
        out = error_process_step(self._codec, z_wire, self._label, self.z_sum, position,
                                 self._cfg)
        self.z_sum = out.z_sum
        self.e_out.send(out.error)
        error = np.asarray(out.error).astype(self._e_type)
        factors = self._readout.factors(
            error, tag_gate(clock, self.time_step, self.proc_params["update"]))
        report_result(self, out)
        return factors
