"""The ``run_spk`` of the fused :class:`~lava_stllr.processes.OutputLayer`, every tag."""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.core.messages import ThirdFactors
from lava_stllr.onchip.steps import ErrorConfig, output_step
from lava_stllr.processes.output import OutputLayer
from lava_stllr.processes.sources import LABEL_SIZE
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel
from process_models.shared.readout import report_result


class OutputLayerModel(ProgramModel):
    """Readout, label source and output error of one step: the label message at a
    sample's start, then :func:`~lava_stllr.onchip.steps.output_step` (the order of the
    three separate models), each value handed from one stage to the next typed as the
    Lava port that would carry it. Its program is an
    :class:`~lava_stllr.onchip.steps.OutputProgram`."""

    PROCESS = OutputLayer
    PORT_ROLES = {
        "a_in": (IN, "current"), "e_out": (OUT, "error"), "y1_out": (OUT, "factor"),
        "y2_out": (OUT, "factor"), "y3_out": (OUT, "factor"), "bap_out": (OUT, "spikes"),
        "label_in": (IN, "label"),
        "result_out": (OUT, "host"), "z": (VAR, "membrane"), "z_sum": (VAR, "score"),
        "n_scored": (VAR, "count"), "n_correct": (VAR, "count"), "loss_sum": (VAR, "score"),
        **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._cfg = ErrorConfig(int(proc_params["n_steps"]), int(proc_params["window_start"]))
        self._label = np.zeros(LABEL_SIZE)

    def run_spk(self) -> None:
        """Integrate; error of this step; factors; on a scored sample's last window
        step, report it."""
        factors = self.output_step(self.a_in.recv())
        self.y1_out.send(factors.y1)
        self.y2_out.send(factors.y2)
        self.y3_out.send(factors.y3)
        self.bap_out.send(factors.bap)

    def output_step(self, current: np.ndarray) -> ThirdFactors:
        """The step from the received ``current`` (sends ``e``, reports a result);
        returns the readout's third factors."""
        clock = self.clock()
        if clock.starts_sample(self.time_step):
            self._label = self.label_in.recv()
        self.z, out, factors = output_step(self._program, self.z, current, self._label,
                                           self.z_sum, clock, self.time_step, self._cfg,
                                           self.proc_params["update"], self._wire)
        self.z_sum = out.z_sum
        self.e_out.send(out.error)
        report_result(self, out)
        return factors

    def _wire(self, value: np.ndarray, role: str) -> np.ndarray:
        """``value`` with the type of this tag's port of ``role``."""
        return np.asarray(value).astype(self.ROLE_DTYPES[role])
