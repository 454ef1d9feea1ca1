"""Float model of :class:`~lava_stllr.processes.STLLRDense`."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.onchip.programs_float import FloatSynapse
from lava_stllr.processes.dense import STLLRDense
from process_models.shared.dense import STLLRDenseModel


@implements(proc=STLLRDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySTLLRDenseModelFloat(STLLRDenseModel):
    """Float S-TLLR synapse (:class:`~lava_stllr.onchip.programs_float.FloatSynapse`):
    the same weights as Lava's float ``LearningDense`` with
    :func:`lava_stllr.learning_rule.stllr_learning_rule`, computing one pre trace and
    the outer products over the columns with a non-zero trace or input only. The sign
    flag and bAP ports are received and unused."""

    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_y1: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_y2: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_y3: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_bap: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    weights: np.ndarray = LavaPyType(np.ndarray, float)
    x1: np.ndarray = LavaPyType(np.ndarray, float)
    a_buff: np.ndarray = LavaPyType(np.ndarray, float)

    @staticmethod
    def make_program(proc_params: Any) -> FloatSynapse:
        """``lam_pre`` and the input mode of the Process."""
        return FloatSynapse(float(proc_params["params"].lam_pre), bool(proc_params["graded"]))
