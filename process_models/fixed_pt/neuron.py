"""Fixed-point model of :class:`~lava_stllr.processes.STLLRLIF`."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import SampleClock
from lava_stllr.loihi.neuron_fixed import NeuronState
from lava_stllr.loihi.process_steps_fixed import fixed_lif_step, rescale_signal
from lava_stllr.processes.neuron import STLLRLIF
from process_models.fixed_pt._checks import require_fixed


@implements(proc=STLLRLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySTLLRLIFModelFixed(PyLoihiProcessModel):
    """Fixed S-TLLR LIF neuron: the integer program of
    :func:`~lava_stllr.loihi.process_steps_fixed.fixed_lif_step`.

    Per step: ``L = round(sig_in / 2**signal_shift)``; ``v`` (24-bit) and the 7-bit post
    trace restart at a sample boundary; then the membrane update, spikes, psi, post
    trace and the third factors ``y1`` (``64 +- F``, the sign of ``-L``), ``y2``, ``y3``
    (7-bit). Sends spikes, bAP (= spikes) and ``y1..y3`` on every port, every step, so it
    drives our ``STLLRDense`` and Lava's stock ``LearningDense`` alike.
    """

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=16)
    sig_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    bap_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    trpsi: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=7)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    @staticmethod
    def check_process(proc: STLLRLIF) -> None:
        """Compile-time check: the Process carries its quantized (spiking) layer."""
        require_fixed(proc, False)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._program = proc_params["fixed"].neuron
        self._signal_shift = int(proc_params["signal_shift"])

    def run_spk(self) -> None:
        """One integer neuron step; sends spikes, bAP and ``y1``, ``y2``, ``y3``."""
        current = self.a_in.recv()
        signal = rescale_signal(self.sig_in.recv(), self._signal_shift)
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        state, out = fixed_lif_step(self._program, NeuronState(self.u, self.trpsi), current,
                                    signal, clock.new_sample(self.time_step))
        self.u, self.trpsi = state.v, state.trace
        self.s_out.send(out.spikes)
        self.y1_out.send(out.y1)
        self.y2_out.send(out.y2)
        self.y3_out.send(out.y3)
        self.bap_out.send(out.bap)
