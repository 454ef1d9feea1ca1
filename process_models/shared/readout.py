"""The ``run_spk`` of :class:`~lava_stllr.processes.LeakyReadout` and
:class:`~lava_stllr.processes.OutputError`, for every tag."""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.onchip.steps import (
    ErrorConfig,
    error_process_step,
    readout_process_step,
    tag_gate,
)
from lava_stllr.processes.readout import LeakyReadout, OutputError
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel


def report_result(model: Any, out: Any) -> None:
    """Count a scored sample's result in ``model``'s ``n_scored``, ``n_correct`` and
    ``loss_sum`` Vars and send it to the host through ``result_out`` (if connected and
    ready); ``out`` is an :func:`~lava_stllr.onchip.steps.error_process_step` result."""
    if out.result is None:
        return
    model.n_scored = model.n_scored + 1
    model.n_correct = model.n_correct + int(out.correct)
    model.loss_sum = model.loss_sum + out.loss
    port = model.result_out.csp_ports[0] if model.result_out.csp_ports else None
    if port is not None and port.probe():
        port.send(np.append(out.result, model.n_scored[0] - 1))


class LeakyReadoutModel(ProgramModel):
    """Leaky-integrator readout (:func:`~lava_stllr.onchip.steps.readout_process_step`),
    sent before the error of the same step is received; then the third factors of that
    error."""

    PROCESS = LeakyReadout
    PORT_ROLES = {
        "a_in": (IN, "current"), "e_in": (IN, "error"), "z_out": (OUT, "membrane"),
        "y1_out": (OUT, "factor"), "y2_out": (OUT, "factor"), "y3_out": (OUT, "factor"),
        "bap_out": (OUT, "spikes"), "z": (VAR, "membrane"), **CLOCK_ROLES,
    }

    def run_spk(self) -> None:
        """Integrate, send ``z``, receive ``e`` (same step), send ``y1``, ``y2``, ``y3`` and
        the bAP (the per-sample gate of a fixed rule, else zeros)."""
        clock = self.clock()
        self.z = readout_process_step(self._program, self.z, self.a_in.recv(),
                                      clock.new_sample(self.time_step))
        self.z_out.send(self.z)
        factors = self._program.factors(
            self.e_in.recv(), tag_gate(clock, self.time_step, self.proc_params["update"]))
        self.y1_out.send(factors.y1)
        self.y2_out.send(factors.y2)
        self.y3_out.send(factors.y3)
        self.bap_out.send(factors.bap)


class OutputErrorModel(ProgramModel):
    """Output error and counters (:func:`~lava_stllr.onchip.steps.error_process_step`);
    each scored sample's summed readout goes to the host pipe ``result_out``. Its
    program is the error codec its Process carries."""

    PROCESS = OutputError
    PORT_ROLES = {
        "z_in": (IN, "membrane"), "label_in": (IN, "label"), "e_out": (OUT, "error"),
        "result_out": (OUT, "host"), "z_sum": (VAR, "score"), "n_scored": (VAR, "count"),
        "n_correct": (VAR, "count"), "loss_sum": (VAR, "score"), **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._cfg = ErrorConfig(int(proc_params["n_steps"]), int(proc_params["window_start"]))

    def run_spk(self) -> None:
        """Error for this step; on a scored sample's last window step, report it."""
        z = self.z_in.recv()
        label = self.label_in.recv()
        out = error_process_step(self._program, z, label, self.z_sum,
                                 self.clock().position(self.time_step), self._cfg)
        self.z_sum = out.z_sum
        self.e_out.send(out.error)
        report_result(self, out)
