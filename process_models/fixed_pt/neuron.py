"""Fixed-point model of :class:`~lava_stllr.processes.STLLRLIF`."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.onchip.programs_fixed import FixedNeuron
from lava_stllr.processes.neuron import STLLRLIF
from process_models.fixed_pt._checks import require_fixed
from process_models.shared.neuron import STLLRLIFModel


@implements(proc=STLLRLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySTLLRLIFModelFixed(STLLRLIFModel):
    """Fixed S-TLLR LIF neuron (:class:`~lava_stllr.onchip.programs_fixed.FixedNeuron`):
    ``L = round(sig_in / 2**signal_shift)``, the 24-bit membrane, 7-bit post trace and
    the third factors ``y1`` (``64 +- F``, the sign of ``-L``), ``y2``, ``y3``."""

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=16)
    sig_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    bap_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    trpsi: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=7)

    @staticmethod
    def check_process(proc: STLLRLIF) -> None:
        """Compile-time check: the Process carries its quantized (spiking) layer."""
        require_fixed(proc, False)

    @staticmethod
    def make_program(proc_params: Any) -> FixedNeuron:
        """The layer's integer program and its feedback rounding shift."""
        return FixedNeuron(proc_params["fixed"].neuron, int(proc_params["signal_shift"]))
