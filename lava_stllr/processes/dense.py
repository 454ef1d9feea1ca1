"""The S-TLLR learning dense connection Process."""

from __future__ import annotations

import numpy as np
from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr import validate
from lava_stllr.learning_rule import stllr_learning_rule
from lava_stllr.onchip.protocols import SynapseProgram, check_program, check_update
from lava_stllr.params import STLLRParams
from lava_stllr.processes._base import STLLRLayerProcess
from lava_stllr.processes._checks import (
    check_params,
    check_period,
    check_weights,
)
from lava_stllr.processes.host_io import AliveCheck, pipe_recv, pipe_send


class STLLRDense(STLLRLayerProcess):
    """Dense connection ``W`` (post, pre) that learns with S-TLLR.

    Each step it sends the buffered current ``W x[t-1]`` (one step of synaptic delay),
    receives the pre spikes ``x[t]`` and the post neuron's third factors ``y2, y3`` and
    applies the learning-engine rule :data:`lava_stllr.learning_rule.STLLR_DW`::

        x1[t] = lam_pre * x1[t-1] + x[t]                  (pre trace, spikes)
        W    += Y_DECAY * (y2 (x) x1[t] + y3 (x) x[t])    (weight units)

    At the first step of each sample (every ``period`` steps after ``delay``) the pre
    trace restarts and no product crosses the boundary
    (:func:`lava_stllr.core.engine.stllr_dense_step`).

    Parameters
    ----------
    weights : array (post, pre)
        Initial weights.
    params : STLLRParams
        The rule's parameters (``lam_pre > 0``; the neuron holds the rest); they give
        :attr:`learning_rule` and, without ``program``, the float program (a given
        ``program`` carries its own constants: build it from the same parameters).
    program : SynapseProgram, optional
        The arithmetic (:mod:`lava_stllr.onchip.protocols`), built by
        :func:`lava_stllr.onchip.program.synapse_program`: float S-TLLR of ``params``
        (the default; ``graded=True`` there feeds the payload itself as ``x``), or Loihi
        2's learning engine of a quantized layer, whose ``weights`` are then integer
        mantissas (9-bit signed) and whose input is binary spikes. The run config selects
        the models of its precision.
    period : int or None
        Steps per sample, or None for no sample boundaries.
    delay : int
        Lava step offset of sample 0 for this connection (its pre layer's depth).
    rng_seed : int
        Seed of the learning engine's random streams (fixed point only).
    update : {"step", "sample"}
        ``"sample"``: the products accumulate in the synaptic tag ``tag`` and move into the
        weights on the step at which the post neuron's gate arrives, once per sample
        (float: on ``y1``, :data:`lava_stllr.learning_rule.STLLR_SAMPLE_DW`; fixed point:
        the bAP, Loihi 2's ``tag_1``,
        :attr:`lava_stllr.loihi.fixed_rule.FixedRule.sample_dt`).
    recurrent : bool
        A recurrent connection (pre = post layer): the spikes received at each sample's
        first step (the layer's previous sample) count as zeros
        (:func:`lava_stllr.onchip.steps.dense_step`).

    Ports
    -----
    s_in (pre,), s_in_y2 (post,), s_in_y3 (post,) ; a_out (post,); s_in_y1 (post,) and
    s_in_bap (post,) carry the sign flag and the bAP of the fixed-point rule (the float
    model receives and ignores them). Names match Lava's ``LearningDense`` so the same
    neuron drives both.
    Host pipes ``snapshot_in`` (1,) and ``weights_out`` (post, pre): a fast weight
    read-back (:meth:`request_weights`, :meth:`receive_weights`); ``Var.get`` moves
    one element per message (about half a minute for 2312 x 256 weights).

    Vars
    ----
    weights (post, pre), tag (post, pre) with ``update="sample"`` (else (1, 1)), x1 (pre,)
    pre trace, a_buff (post,), period (1,), delay (1,).
    """

    def __init__(self, *, weights: np.ndarray, params: STLLRParams,
                 program: SynapseProgram | None = None, period: int | None = None,
                 delay: int = 0, rng_seed: int = 0, update: str = "step",
                 recurrent: bool = False, name: str | None = None) -> None:
        w = check_weights(weights)
        params = check_params(params)
        if program is None:
            from lava_stllr.onchip.program import synapse_program

            program = synapse_program(params)
        program = check_program("program", program, SynapseProgram)
        update = check_update(update, program)
        w = program.check_weights(w)
        rng_seed = validate.integer("rng_seed", rng_seed, 0)
        period_value = check_period(period)
        delay = validate.integer("delay", delay, 0)
        if not isinstance(recurrent, bool):
            raise ValueError(f"recurrent must be a bool, got {recurrent!r}")
        if recurrent and w.shape[0] != w.shape[1]:
            raise ValueError(f"a recurrent STLLRDense needs square weights, got {w.shape}")
        super().__init__(shape=w.shape, params=params, program=program, rng_seed=rng_seed,
                         update=update, recurrent=recurrent, name=name)
        n_post, n_pre = w.shape
        self.s_in = InPort(shape=(n_pre,))
        self.s_in_y2 = InPort(shape=(n_post,))
        self.s_in_y3 = InPort(shape=(n_post,))
        self.s_in_y1 = InPort(shape=(n_post,))
        self.s_in_bap = InPort(shape=(n_post,))
        self.a_out = OutPort(shape=(n_post,))
        self.snapshot_in = InPort(shape=(1,))
        self.snapshot_in.flag_external_pipe(buffer_size=4)
        self.weights_out = OutPort(shape=w.shape)
        self.weights_out.flag_external_pipe(buffer_size=1)
        self.weights = Var(shape=w.shape, init=w)
        self.tag = Var(shape=w.shape if update == "sample" else (1, 1), init=0.0)
        self.x1 = Var(shape=(n_pre,), init=0.0)
        self.a_buff = Var(shape=(n_post,), init=0.0)
        self._declare_clock(period_value, delay)

    @property
    def learning_rule(self) -> Loihi3FLearningRule:
        """The equivalent Lava learning-engine rule (for stock ``LearningDense``/Loihi 2)."""
        return stllr_learning_rule(self.params, update=self.proc_params["update"])

    def request_weights(self, time_step: int, timeout: float = 60.0,
                        alive: AliveCheck | None = None) -> None:
        """Host side: ask the model to send its weights at the end of Lava step
        ``time_step`` (counted from 1 over all runs); send it before that step runs."""
        pipe_send(self.snapshot_in, np.array([float(time_step)]), timeout, alive)

    def receive_weights(self, timeout: float = 60.0, alive: AliveCheck | None = None) -> np.ndarray:
        """Host side: the weights (post, pre) sent for the oldest pending request."""
        return pipe_recv(self.weights_out, timeout, alive)
