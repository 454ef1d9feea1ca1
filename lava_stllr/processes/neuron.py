"""The S-TLLR LIF neuron Process."""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr import validate
from lava_stllr.onchip.protocols import NeuronProgram, check_program, check_update
from lava_stllr.params import STLLRParams
from lava_stllr.processes._base import STLLRLayerProcess
from lava_stllr.processes._checks import (
    check_params,
    check_period,
    check_weights,
)


class STLLRLIF(STLLRLayerProcess):
    """Leaky integrate-and-fire neurons that compute S-TLLR's post factors.

    Per step (membrane units; ``I`` on ``a_in``, learning signal ``L`` on ``sig_in``)::

        v = beta*u + I ;  s = H(v - theta) ;  u = v - theta*s (soft) or v*(1-s) (hard)
        psi = psi(v) ;    trpsi = lam_post*trpsi + psi
        y2 = -lr*L*(alpha_pre/lam_pre)*psi*Y_GAIN
        y3 = -lr*L*(alpha_post*trpsi - (alpha_pre/lam_pre)*psi)*Y_GAIN

    ``u`` and ``trpsi`` restart from 0 at every sample boundary. Every step it receives
    on all InPorts and sends on all OutPorts (``s_out`` spikes, ``y2_out``/``y3_out`` to
    the incoming ``STLLRDense`` or ``LearningDense``'s ``s_in_y2``/``s_in_y3``;
    ``y1_out`` and ``bap_out`` to ``s_in_y1``/``s_in_bap``: the sign flag of the fixed-point
    rule and the spikes as bAP; the float model sends zeros on ``y1_out``).

    With a fixed-point ``program`` the models run the integer program of
    :mod:`lava_stllr.loihi.neuron_fixed` (``u`` is then the 24-bit membrane, ``trpsi`` the
    7-bit post trace, ``a_in`` the integer current and ``sig_in`` the integer signal,
    ``L_int = round(sig_in / 2**signal_shift)``).

    Parameters
    ----------
    n : int
        Number of neurons.
    params : STLLRParams
        Neuron and rule parameters (``lam_pre > 0``).
    period : int or None
        Steps per sample, or None for no sample boundaries.
    delay : int
        Lava step offset of sample 0 for this layer (its depth in the pipeline).
    program : NeuronProgram, optional
        The arithmetic (:mod:`lava_stllr.onchip.protocols`), built by
        :func:`lava_stllr.onchip.program.neuron_program`: float of ``params`` (the
        default), or the integer neuron of a quantized layer (with the rounding shift of
        its feedback current). The run config selects the models of its precision.
    update : {"step", "sample"}
        ``"sample"``: raise the per-sample gate on ``y1_out``
        (:func:`lava_stllr.onchip.steps.tag_gate`); a fixed-point program must be built
        for the same update (per sample its bAP carries the gate).
    feedback : (n, n_classes) array, optional
        A DFA feedback matrix ``B`` computed inside the neuron's model: the output error
        ``e`` arrives on ``e_in`` (n_classes,) and ``B e`` is added to ``sig_in`` one step
        later, exactly as a graded Lava ``Dense`` ``e -> sig_in`` would deliver it (float,
        or bit-accurate with a fixed-point program: integer mantissas), without that ``Dense``'s OS
        process. None: ``e_in`` (1,) is unused and the signal comes only on ``sig_in``.

    Vars
    ----
    u (n,) membrane after reset, trpsi (n,) post trace, period (1,), delay (1,);
    feedback (n, n_classes) and fb_buff (n,), the buffered ``B e`` (zeros without
    ``feedback``).
    """

    def __init__(self, *, n: int, params: STLLRParams, program: NeuronProgram | None = None,
                 period: int | None = None, delay: int = 0, update: str = "step",
                 feedback: object = None, name: str | None = None) -> None:
        n = validate.integer("n", n, 1)
        params = check_params(params)
        if program is None:
            from lava_stllr.onchip.program import neuron_program

            program = neuron_program(params)
        program = check_program("program", program, NeuronProgram)
        period_value = check_period(period)
        delay = validate.integer("delay", delay, 0)
        update = check_update(update, program)
        fb = None if feedback is None else check_weights(feedback)
        if fb is not None and fb.shape[0] != n:
            raise ValueError(f"feedback must have shape ({n}, n_classes), got {fb.shape}")
        super().__init__(shape=(n,), params=params, program=program, update=update,
                         fused_feedback=fb is not None, name=name)
        self.a_in = InPort(shape=(n,))
        self.sig_in = InPort(shape=(n,))
        self.s_out = OutPort(shape=(n,))
        self._declare_factor_outputs(n)
        self.u = Var(shape=(n,), init=0.0)
        self.trpsi = Var(shape=(n,), init=0.0)
        fb = np.zeros((n, 1)) if fb is None else fb
        self.e_in = InPort(shape=(fb.shape[1],))
        self.feedback = Var(shape=fb.shape, init=fb)
        self.fb_buff = Var(shape=(n,), init=0.0)
        self._declare_clock(period_value, delay)
