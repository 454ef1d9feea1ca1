"""The ``run_spk`` of :class:`~lava_stllr.processes.LeakyReadout` and
:class:`~lava_stllr.processes.OutputError`, for both tags."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType

from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.steps import ErrorConfig, error_process_step, readout_process_step


class LeakyReadoutModel(PyLoihiProcessModel):
    """Leaky-integrator readout (:func:`~lava_stllr.onchip.steps.readout_process_step`),
    sent before the error of the same step is received; then the third factors of that
    error."""

    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    @staticmethod
    def make_program(proc_params: Any) -> Any:
        """The readout program of this tag (tagged subclasses define it)."""
        raise NotImplementedError

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._program = self.make_program(proc_params)

    def run_spk(self) -> None:
        """Integrate, send ``z``, receive ``e`` (same step), send ``y1``, ``y2``, ``y3``."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        self.z = readout_process_step(self._program, self.z, self.a_in.recv(),
                                      clock.new_sample(self.time_step))
        self.z_out.send(self.z)
        factors = self._program.factors(self.e_in.recv())
        self.y1_out.send(factors.y1)
        self.y2_out.send(factors.y2)
        self.y3_out.send(factors.y3)


class OutputErrorModel(PyLoihiProcessModel):
    """Output error and counters (:func:`~lava_stllr.onchip.steps.error_process_step`);
    each scored sample's summed readout goes to the host pipe ``result_out``."""

    label_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    result_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    z_sum: np.ndarray = LavaPyType(np.ndarray, float)
    n_scored: np.ndarray = LavaPyType(np.ndarray, int)
    n_correct: np.ndarray = LavaPyType(np.ndarray, int)
    loss_sum: np.ndarray = LavaPyType(np.ndarray, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    @staticmethod
    def make_program(proc_params: Any) -> Any:
        """The error codec of this tag (tagged subclasses define it)."""
        raise NotImplementedError

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._codec = self.make_program(proc_params)
        self._cfg = ErrorConfig(int(proc_params["n_steps"]), int(proc_params["window_start"]))

    def run_spk(self) -> None:
        """Error for this step; on a scored sample's last window step, report it."""
        z = self.z_in.recv()
        label = self.label_in.recv()
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        out = error_process_step(self._codec, z, label, self.z_sum,
                                 clock.position(self.time_step), self._cfg)
        self.z_sum = out.z_sum
        self.e_out.send(out.error)
        if out.result is not None:
            self.n_scored = self.n_scored + 1
            self.n_correct = self.n_correct + int(out.correct)
            self.loss_sum = self.loss_sum + out.loss
            port = self.result_out.csp_ports[0] if self.result_out.csp_ports else None
            if port is not None and port.probe():
                port.send(np.append(out.result, self.n_scored[0] - 1))
