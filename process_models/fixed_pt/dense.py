"""Fixed-point model of :class:`~lava_stllr.processes.STLLRDense`: Lava's bit-approximate
learning engine, bit for bit, computing only what the S-TLLR rule needs."""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import SampleClock
from lava_stllr.loihi.bit_approx import EngineRandomStream
from lava_stllr.loihi.process_steps_fixed import (
    FixedDenseConfig,
    fixed_dense_step,
    fixed_synaptic_current,
    truncate_mixed_weights,
)
from lava_stllr.processes.dense import STLLRDense
from process_models.fixed_pt._checks import require_fixed, require_flag_wiring
from process_models.floating_pt.dense import PySTLLRDenseModelFloat


@implements(proc=STLLRDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySTLLRDenseModelFixed(PySTLLRDenseModelFloat):
    """Fixed S-TLLR synapse: integer weights (9-bit mantissas), 7-bit pre trace ``x1``.

    Per step, in Lava's ``PyLearningDenseModelBitApproximate`` order: (first step only:
    clear the lowest bit of the mantissas, mixed-sign truncation), send the buffered
    ``a = (W s[t-1]) << weight_exp``, receive ``s[t]``, ``y1..y3`` and the bAP, compute
    ``a`` for the next step with the pre-update weights, then one learning-engine step
    (:func:`~lava_stllr.loihi.process_steps_fixed.fixed_dense_step`, one
    :class:`~lava_stllr.loihi.fixed_rule.EngineRandomStream` draw per step). With
    ``period`` set, the pre trace restarts at every sample boundary. Same weights as a
    stock bit-approximate ``LearningDense`` with ``layer.rule.learning_rule(rng_seed)``
    (within one sample stream); no learning phase is requested from the runtime. The
    host weight read-back (``snapshot_in``/``weights_out``) is the float model's.
    """

    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    s_in_y1: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)
    s_in_y2: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)
    s_in_y3: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)
    s_in_bap: PyInPort = LavaPyType(PyInPort.VEC_DENSE, bool, precision=1)
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=16)
    snapshot_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    weights_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    weights: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=9)
    x1: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=7)
    a_buff: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=16)
    period: np.ndarray = LavaPyType(np.ndarray, int)
    delay: np.ndarray = LavaPyType(np.ndarray, int)

    @staticmethod
    def check_process(proc: STLLRDense) -> None:
        """Compile-time check: the Process carries its quantized layer and receives the
        sign flag ``y1`` from its post neuron."""
        require_fixed(proc, None)
        require_flag_wiring(proc)

    def __init__(self, proc_params) -> None:
        super().__init__(proc_params)
        self._cfg = FixedDenseConfig.from_layer(proc_params["fixed"])
        self._stream = EngineRandomStream(int(proc_params["rng_seed"]))
        self._truncated = False

    def run_spk(self) -> None:
        """Send ``a[t-1]``; compute ``a[t]``; learn from ``s[t]`` and ``y1..y3``."""
        if not self._truncated:
            self.weights = truncate_mixed_weights(self.weights).astype(np.int32)
            self._truncated = True
        self.a_out.send(self.a_buff)
        spikes = self.s_in.recv().astype(bool)
        y = np.stack([self.s_in_y1.recv(), self.s_in_y2.recv(), self.s_in_y3.recv()])
        bap = self.s_in_bap.recv().astype(bool)
        self.a_buff = fixed_synaptic_current(self.weights, spikes, self._cfg)
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        self.x1 = fixed_dense_step(self.weights, self.x1, spikes, y, bap, self._cfg,
                                   self._stream.next(), clock.new_sample(self.time_step))
        self._serve_snapshots()
