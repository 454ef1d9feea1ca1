"""Fixed-point models of :class:`~lava_stllr.processes.LeakyReadout` and
:class:`~lava_stllr.processes.OutputError`."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import ErrorStep, SampleClock
from lava_stllr.loihi.process_steps_fixed import (
    fixed_error_process_step,
    fixed_readout_factors,
    fixed_readout_step,
)
from lava_stllr.processes.readout import LeakyReadout, OutputError
from process_models.fixed_pt._checks import require_fixed
from process_models.floating_pt.readout import PyOutputErrorModelFloat


@implements(proc=LeakyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyLeakyReadoutModelFixed(PyLoihiProcessModel):
    """Integer leaky-integrator readout:
    ``z = trunc(z * (4096 - dv) / 4096) + (a_in << 6)`` (24-bit,
    :func:`~lava_stllr.loihi.process_steps_fixed.fixed_readout_step`), sent before the
    integer error ``e`` of the same step is received; then the third factors ``y1``
    (sign flag), ``y2``, ``y3`` of ``e``
    (:func:`~lava_stllr.loihi.process_steps_fixed.fixed_readout_factors`)."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=16)
    e_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    z_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    z: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    @staticmethod
    def check_process(proc: LeakyReadout) -> None:
        """Compile-time check: the Process carries its quantized readout layer."""
        require_fixed(proc, True)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._program = proc_params["fixed"].neuron

    def run_spk(self) -> None:
        """Integrate, send ``z``, receive ``e`` (same step), send ``y1``, ``y2``, ``y3``."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        self.z = fixed_readout_step(self._program, self.z, self.a_in.recv(),
                                    clock.new_sample(self.time_step))
        self.z_out.send(self.z)
        y = fixed_readout_factors(self._program, self.e_in.recv())
        self.y1_out.send(y[0])
        self.y2_out.send(y[1])
        self.y3_out.send(y[2])


@implements(proc=OutputError, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyOutputErrorModelFixed(PyOutputErrorModelFloat):
    """Output error of the integer readout: ``z`` is dequantized (``z * s_v``), the error
    ``softmax(z) - onehot`` is sent as the integer ``round(e / s_L)``
    (:func:`~lava_stllr.loihi.process_steps_fixed.fixed_error_process_step`); counters,
    results and the host pipe are the float model's."""

    z_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    @staticmethod
    def check_process(proc: OutputError) -> None:
        """Compile-time check: the Process carries the quantized readout layer."""
        require_fixed(proc, True)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._layer = proc_params["fixed"]

    def _error_step(self, z: np.ndarray, label: np.ndarray,
                    position: tuple[int, int]) -> ErrorStep:
        return fixed_error_process_step(z, label, self.z_sum, position, self._cfg, self._layer)
