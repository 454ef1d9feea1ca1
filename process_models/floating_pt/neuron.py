"""Float model of :class:`~lava_stllr.processes.STLLRLIF`."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import LIFConfig, SampleClock, stllr_lif_step
from lava_stllr.processes.neuron import STLLRLIF


@implements(proc=STLLRLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySTLLRLIFModelFloat(PyLoihiProcessModel):
    """S-TLLR LIF neuron: :func:`~lava_stllr.core.process_steps.stllr_lif_step`.

    Receives on every InPort and sends on every OutPort at every step (the stock
    ``LearningLIF`` does not send its third factors, which hangs a learning synapse).
    """

    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    sig_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y2_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y3_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    y1_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    bap_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    u: np.ndarray = LavaPyType(np.ndarray, float)
    trpsi: np.ndarray = LavaPyType(np.ndarray, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._cfg = LIFConfig.from_params(proc_params["params"])

    def run_spk(self) -> None:
        """One neuron step; sends spikes, the third factors ``y2``, ``y3``, the spikes as
        bAP and ``y1 = 0`` (no sign flag in float)."""
        current = self.a_in.recv()
        signal = self.sig_in.recv()
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        step = stllr_lif_step(self.u, self.trpsi, current, signal, self._cfg,
                              clock.new_sample(self.time_step))
        self.u, self.trpsi = step.u, step.trpsi
        self.s_out.send(step.spikes)
        self.y2_out.send(step.y2)
        self.y3_out.send(step.y3)
        self.y1_out.send(np.zeros_like(step.y2))
        self.bap_out.send(step.spikes)
