"""Fast float model of :class:`~lava_stllr.processes.STLLRDense`."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import (
    SampleClock,
    presynaptic_input,
    stllr_dense_step,
    synaptic_current,
)
from lava_stllr.processes.dense import STLLRDense


@implements(proc=STLLRDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySTLLRDenseModelFloat(PyLoihiProcessModel):
    """S-TLLR dense synapse computing only what the rule needs.

    Same per-step rule as Lava's ``LearningDense`` with
    :func:`lava_stllr.learning_rule.stllr_learning_rule` (one pre trace, vectorized
    outer products over the columns with a non-zero trace or input, no trace
    histories), plus the pre-trace restart at sample boundaries. The weight update
    runs at the end of the spiking phase, after the current for the next step was
    computed with the old weights, exactly as the learning phase would: no extra
    learning phase is requested from the runtime.
    """

    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_y2: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_y3: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_y1: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_bap: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    snapshot_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    weights_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    weights: np.ndarray = LavaPyType(np.ndarray, float)
    x1: np.ndarray = LavaPyType(np.ndarray, float)
    a_buff: np.ndarray = LavaPyType(np.ndarray, float)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._lam_pre = float(proc_params["params"].lam_pre)
        self._graded = bool(proc_params["graded"])
        self._snapshot_steps: list[int] = []

    def run_spk(self) -> None:
        """Send ``W x[t-1]``; compute ``W x[t]``; learn from ``x[t]``, ``y2``, ``y3``."""
        self.a_out.send(self.a_buff)
        x = presynaptic_input(self.s_in.recv(), self._graded)
        y2 = self.s_in_y2.recv()
        y3 = self.s_in_y3.recv()
        self.s_in_y1.recv()  # the fixed-point rule's sign flag and bAP: unused in float
        self.s_in_bap.recv()
        self.a_buff = synaptic_current(self.weights, x, self._graded)
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        self.x1 = stllr_dense_step(self.weights, self.x1, x, y2, y3, self._lam_pre,
                                   clock.new_sample(self.time_step))
        self._serve_snapshots()

    def _serve_snapshots(self) -> None:
        """Send the weights to the host pipe at the requested steps (never blocks)."""
        requests = self.snapshot_in.csp_ports
        while requests and requests[0].probe():
            self._snapshot_steps.append(int(requests[0].recv()[0]))
        if self.time_step in self._snapshot_steps:
            self._snapshot_steps.remove(self.time_step)
            out = self.weights_out.csp_ports
            if out and out[0].probe():
                out[0].send(self.weights)
