"""A Lava test helper: replays pre spikes and a post neuron's learning outputs step by step.

``ScriptedLearningDriver`` stands in for both neighbours of a learning connection: it
sends binary pre spikes on ``s_out`` and, for the post side, a bAP and the third factors
y1, y2, y3 on every step (a learning connection blocks until every connected learning
port has received). Used to check
:func:`lava_stllr.loihi.engine_replica.bit_approx_learning_step` bit for bit against Lava's
stock bit-approximate ``LearningDense``.

Importing this module imports Lava.
"""

from __future__ import annotations

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol


class ScriptedLearningDriver(AbstractProcess):
    """Replays ``pre_spikes[t]``, ``bap[t]`` and ``y[t]`` at step ``t + 1`` (cyclically).

    Parameters
    ----------
    pre_spikes : (T, n_pre) bool
        Pre spikes, sent on ``s_out``.
    bap : (T, n_post) bool
        Back-propagating action potentials, sent on ``s_out_bap``.
    y : (T, 3, n_post) int
        Third factors y1, y2, y3, sent on ``s_out_y1``, ``s_out_y2``, ``s_out_y3``
        (7-bit: 0..127).
    """

    def __init__(self, *, pre_spikes: np.ndarray, bap: np.ndarray, y: np.ndarray,
                 name: str | None = None) -> None:
        pre_spikes = np.asarray(pre_spikes).astype(bool)
        bap = np.asarray(bap).astype(bool)
        y = np.asarray(y)
        if pre_spikes.ndim != 2 or bap.ndim != 2 or y.ndim != 3 or y.shape[1] != 3:
            raise ValueError("expected pre_spikes (T, n_pre), bap (T, n_post), y (T, 3, n_post)")
        n_steps, n_pre = pre_spikes.shape
        if bap.shape[0] != n_steps or y.shape[0] != n_steps or y.shape[2] != bap.shape[1]:
            raise ValueError("pre_spikes, bap and y must agree on T and n_post")
        if np.any(y < 0) or np.any(y > 127) or np.any(y != np.round(y)):
            raise ValueError("y must hold integers in [0, 127]")
        n_post = bap.shape[1]
        super().__init__(pre_spikes=pre_spikes, bap=bap, y=y, name=name)
        self.s_out = OutPort(shape=(n_pre,))
        self.s_out_bap = OutPort(shape=(n_post,))
        self.s_out_y1 = OutPort(shape=(n_post,))
        self.s_out_y2 = OutPort(shape=(n_post,))
        self.s_out_y3 = OutPort(shape=(n_post,))
        self.pre_spikes = Var(shape=pre_spikes.shape, init=pre_spikes)
        self.bap = Var(shape=bap.shape, init=bap)
        self.y = Var(shape=y.shape, init=y.astype(np.int32))


@implements(proc=ScriptedLearningDriver, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt", "fixed_pt")
class PyScriptedLearningDriverModel(PyLoihiProcessModel):
    """Sends the scripted row of the current step on every port."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    s_out_bap: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    s_out_y1: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    s_out_y2: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    s_out_y3: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=7)
    pre_spikes: np.ndarray = LavaPyType(np.ndarray, bool)
    bap: np.ndarray = LavaPyType(np.ndarray, bool)
    y: np.ndarray = LavaPyType(np.ndarray, np.int32)

    def run_spk(self) -> None:
        t = (self.time_step - 1) % self.pre_spikes.shape[0]
        self.s_out.send(self.pre_spikes[t])
        self.s_out_bap.send(self.bap[t])
        self.s_out_y1.send(self.y[t, 0])
        self.s_out_y2.send(self.y[t, 1])
        self.s_out_y3.send(self.y[t, 2])
