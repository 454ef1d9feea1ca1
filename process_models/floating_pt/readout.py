"""Float models of :class:`~lava_stllr.processes.LeakyReadout` and
:class:`~lava_stllr.processes.OutputError`."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.onchip.programs_float import FloatErrorCodec, FloatReadout
from lava_stllr.processes.readout import LeakyReadout, OutputError
from process_models.shared.readout import LeakyReadoutModel, OutputErrorModel


@implements(proc=LeakyReadout, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLeakyReadoutModelFloat(LeakyReadoutModel):
    """Float leaky-integrator readout (:class:`~lava_stllr.onchip.programs_float.FloatReadout`)."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    e_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    z_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    z: np.ndarray = LavaPyType(np.ndarray, float)

    @staticmethod
    def make_program(proc_params: Any) -> FloatReadout:
        """Readout decay and learning rate from the Process."""
        return FloatReadout.from_params(proc_params["params"], proc_params["beta_out"])


@implements(proc=OutputError, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyOutputErrorModelFloat(OutputErrorModel):
    """Float output error ``softmax(z) - onehot``, sent as computed."""

    z_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    e_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    @staticmethod
    def make_program(proc_params: Any) -> FloatErrorCodec:
        """No encoding in float."""
        return FloatErrorCodec()
