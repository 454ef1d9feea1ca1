"""Float models of :class:`~lava_stllr.processes.LeakyReadout` and
:class:`~lava_stllr.processes.OutputError`."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import (
    ErrorConfig,
    ErrorStep,
    SampleClock,
    ThirdFactorGains,
    error_process_step,
    readout_step,
    third_factors,
)
from lava_stllr.processes.readout import LeakyReadout, OutputError


@implements(proc=LeakyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLeakyReadoutModelFloat(PyLoihiProcessModel):
    """Leaky-integrator readout: :func:`~lava_stllr.core.process_steps.readout_step`,
    then the readout third factors for the error received in the same step."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    e_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    z_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    z: np.ndarray = LavaPyType(np.ndarray, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        params = proc_params["params"]
        self._beta_out = float(proc_params["beta_out"])
        self._gains = ThirdFactorGains.readout(params.lr, params.lam_pre)

    def run_spk(self) -> None:
        """Integrate, send ``z``, receive ``e`` (same step), send ``y2``, ``y3``."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        self.z = readout_step(self.z, self.a_in.recv(), self._beta_out,
                              clock.new_sample(self.time_step))
        self.z_out.send(self.z)
        y2, y3 = third_factors(self.e_in.recv(), 1.0, 0.0, self._gains)
        self.y2_out.send(y2)
        self.y3_out.send(y3)
        self.y1_out.send(np.zeros_like(y2))


@implements(proc=OutputError, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyOutputErrorModelFloat(PyLoihiProcessModel):
    """Output error and counters: :func:`~lava_stllr.core.process_steps.error_process_step`."""

    z_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    label_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    result_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    z_sum: np.ndarray = LavaPyType(np.ndarray, float)
    n_scored: np.ndarray = LavaPyType(np.ndarray, int)
    n_correct: np.ndarray = LavaPyType(np.ndarray, int)
    loss_sum: np.ndarray = LavaPyType(np.ndarray, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._cfg = ErrorConfig(int(proc_params["n_steps"]), int(proc_params["window_start"]))

    def run_spk(self) -> None:
        """Error for this step; on a scored sample's last window step, report it."""
        z = self.z_in.recv()
        label = self.label_in.recv()
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        out = self._error_step(z, label, clock.position(self.time_step))
        self.z_sum = out.z_sum
        self.e_out.send(out.error)
        if out.result is not None:
            self.n_scored = self.n_scored + 1
            self.n_correct = self.n_correct + int(out.correct)
            self.loss_sum = self.loss_sum + out.loss
            port = self.result_out.csp_ports[0] if self.result_out.csp_ports else None
            if port is not None and port.probe():
                port.send(np.append(out.result, self.n_scored[0] - 1))

    def _error_step(self, z: np.ndarray, label: np.ndarray,
                    position: tuple[int, int]) -> ErrorStep:
        """The error and counter update of this step (the fixed model overrides it)."""
        return error_process_step(z, label, self.z_sum, position, self._cfg)
