"""The S-TLLR learning dense connection Process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr import validate
from lava_stllr.learning_rule import stllr_learning_rule
from lava_stllr.params import STLLRParams
from lava_stllr.processes._base import STLLRLayerProcess
from lava_stllr.processes._checks import (
    check_fixed,
    check_mantissas,
    check_params,
    check_period,
    check_update,
    check_weights,
)
from lava_stllr.processes.host_io import AliveCheck, pipe_recv, pipe_send

if TYPE_CHECKING:
    from lava_stllr.loihi.layer_fixed import LayerFixed


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
        Only ``lam_pre`` (> 0) is used here; the neuron holds the rest.
    period : int or None
        Steps per sample, or None for no sample boundaries.
    delay : int
        Lava step offset of sample 0 for this connection (its pre layer's depth).
    graded : bool
        Treat the input payload as graded (``x`` = payload: ``W x`` and
        ``x1 += payload``) instead of binary spikes (``x = s_in != 0``). The binary mode
        is the one that matches the microcode on a stock ``LearningDense``.
    fixed : LayerFixed, optional
        The quantized layer (:func:`lava_stllr.loihi.quantize.quantize`) that the
        ``fixed_pt`` model needs: weight exponent and learning-engine rule. ``weights``
        are then integer mantissas (9-bit signed) and the model is the bit-approximate
        learning engine (:mod:`lava_stllr.loihi.synapse`); binary spikes only.
    rng_seed : int
        Seed of the learning engine's random streams (``fixed_pt`` only).
    update : {"step", "sample"}
        ``"sample"`` (float only): the products accumulate in the synaptic tag ``tag``
        and move into the weights on the step at which the post neuron's gate ``y1``
        arrives (:data:`lava_stllr.learning_rule.STLLR_SAMPLE_DW`), once per sample.
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

    def __init__(self, *, weights: np.ndarray, params: STLLRParams, period: int | None = None,
                 delay: int = 0, graded: bool = False, fixed: LayerFixed | None = None,
                 rng_seed: int = 0, update: str = "step", recurrent: bool = False,
                 name: str | None = None) -> None:
        w = check_weights(weights)
        fixed = check_fixed(fixed, None, "STLLRDense")
        update = check_update(update, fixed)
        if fixed is not None:
            check_mantissas(w)
            if graded:
                raise ValueError("the fixed-point STLLRDense takes binary spikes: graded=True"
                                 " is float only")
        rng_seed = validate.integer("rng_seed", rng_seed, 0)
        params = check_params(params)
        period_value = check_period(period)
        delay = validate.integer("delay", delay, 0)
        if not isinstance(graded, bool):
            raise ValueError(f"graded must be a bool, got {graded!r}")
        if not isinstance(recurrent, bool):
            raise ValueError(f"recurrent must be a bool, got {recurrent!r}")
        if recurrent and w.shape[0] != w.shape[1]:
            raise ValueError(f"a recurrent STLLRDense needs square weights, got {w.shape}")
        super().__init__(shape=w.shape, params=params, graded=graded, fixed=fixed,
                         rng_seed=rng_seed, update=update, recurrent=recurrent, name=name)
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
