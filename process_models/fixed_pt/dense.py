"""Fixed-point model of :class:`~lava_stllr.processes.STLLRDense`: Lava's bit-approximate
learning engine, bit for bit, computing only what the S-TLLR rule needs."""

from __future__ import annotations

from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.onchip.programs_fixed import FixedSynapse
from lava_stllr.processes.dense import STLLRDense
from process_models.fixed_pt._checks import require_fixed, require_flag_wiring
from process_models.shared.dense import STLLRDenseModel


@implements(proc=STLLRDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySTLLRDenseModelFixed(STLLRDenseModel):
    """Fixed S-TLLR synapse (:class:`~lava_stllr.onchip.programs_fixed.FixedSynapse`):
    integer weights (9-bit mantissas, lowest bit cleared on the first step as Lava's
    mixed-sign ``LearningDense`` does), 7-bit pre trace ``x1``, current
    ``(W s) << weight_exp``, one engine random draw per step. Same weights as a stock
    bit-approximate ``LearningDense`` with ``layer.rule.learning_rule(rng_seed)``
    (within one sample stream)."""

    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    s_in_y1: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)
    s_in_y2: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)
    s_in_y3: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)
    s_in_bap: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=16)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=9)
    x1: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=7)
    a_buff: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=16)

    @staticmethod
    def check_process(proc: STLLRDense) -> None:
        """Compile-time check: the Process carries its quantized layer and receives the
        sign flag ``y1`` from its post neuron."""
        require_fixed(proc, None)
        require_flag_wiring(proc)

    @staticmethod
    def make_program(proc_params: Any) -> FixedSynapse:
        """Weight exponent and rule of the quantized layer."""
        return FixedSynapse.from_layer(proc_params["fixed"])
