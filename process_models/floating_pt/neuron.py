"""Float model of :class:`~lava_stllr.processes.STLLRLIF`."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.onchip.programs_float import FloatNeuron
from lava_stllr.processes.neuron import STLLRLIF
from process_models.shared.neuron import STLLRLIFModel


@implements(proc=STLLRLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySTLLRLIFModelFloat(STLLRLIFModel):
    """Float S-TLLR LIF neuron (:class:`~lava_stllr.onchip.programs_float.FloatNeuron`);
    sends ``y1 = 0`` (no sign flag in float) and the spikes as bAP."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    sig_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    bap_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    trpsi: np.ndarray = LavaPyType(np.ndarray, float)

    @staticmethod
    def make_program(proc_params: Any) -> FloatNeuron:
        """The layer's constants from its parameters."""
        return FloatNeuron.from_params(proc_params["params"])
