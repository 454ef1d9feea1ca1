"""Fixed-point models of :class:`~lava_stllr.processes.LeakyReadout` and
:class:`~lava_stllr.processes.OutputError`."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.onchip.programs_fixed import FixedErrorCodec, FixedReadout
from lava_stllr.processes.readout import LeakyReadout, OutputError
from process_models.fixed_pt._checks import require_fixed
from process_models.shared.readout import LeakyReadoutModel, OutputErrorModel


@implements(proc=LeakyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyLeakyReadoutModelFixed(LeakyReadoutModel):
    """Integer leaky-integrator readout
    (:class:`~lava_stllr.onchip.programs_fixed.FixedReadout`), 24-bit ``z``."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=16)
    e_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    z_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    z: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)

    @staticmethod
    def check_process(proc: LeakyReadout) -> None:
        """Compile-time check: the Process carries its quantized readout layer."""
        require_fixed(proc, True)

    @staticmethod
    def make_program(proc_params: Any) -> FixedReadout:
        """The readout layer's integer program."""
        return FixedReadout(proc_params["fixed"].neuron)


@implements(proc=OutputError, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyOutputErrorModelFixed(OutputErrorModel):
    """Output error of the integer readout: ``z`` is dequantized (``z * s_v``) and the
    error sent as the integer ``round(e / s_L)``
    (:class:`~lava_stllr.onchip.programs_fixed.FixedErrorCodec`)."""

    z_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    @staticmethod
    def check_process(proc: OutputError) -> None:
        """Compile-time check: the Process carries the quantized readout layer."""
        require_fixed(proc, True)

    @staticmethod
    def make_program(proc_params: Any) -> FixedErrorCodec:
        """The readout layer's scales."""
        return FixedErrorCodec(proc_params["fixed"])
