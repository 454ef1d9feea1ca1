"""The readout and output-error Processes of the learning-signal path."""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr import validate
from lava_stllr.onchip.protocols import ErrorCodec, ReadoutProgram, check_program, check_update
from lava_stllr.params import STLLRParams
from lava_stllr.processes._base import STLLRLayerProcess, STLLRProcess
from lava_stllr.processes._checks import (
    check_params,
    check_period,
    check_unit,
    check_window,
)
from lava_stllr.processes.host_io import AliveCheck, recv_result
from lava_stllr.processes.sources import LABEL_SIZE


class LeakyReadout(STLLRLayerProcess):
    """Non-spiking leaky-integrator readout that drives its input synapse's learning.

    Per step (``I`` on ``a_in``, output error ``e`` on ``e_in``, same step)::

        z[t] = beta_out*z[t-1] + I[t]           (z restarts from 0 at each sample)
        y2 = -lr*e[t]/lam_pre*Y_GAIN ;  y3 = -y2

    so that its ``STLLRDense`` input learns ``dW = -lr * e[t] (x) trx[t]`` (S-TLLR with
    ``psi = 1``, ``alpha_pre = 1``, ``alpha_post = 0``). It sends ``z`` on ``z_out`` before
    it receives ``e`` on ``e_in``, so an :class:`OutputError` in the same step closes the
    loop without a delay. ``y1_out`` carries the sign flag of the fixed-point rule (zeros
    in float). With a fixed-point ``program`` the models integrate the integer current into
    a 24-bit ``z`` and send the third factors of :mod:`lava_stllr.loihi.neuron_fixed` for
    the integer error on ``e_in``.

    Parameters
    ----------
    n : int
        Number of outputs (classes).
    beta_out : float
        Readout decay per step, in [0, 1].
    params : STLLRParams
        ``lr`` and ``lam_pre`` (> 0) are used.
    period : int or None
        Steps per sample, or None for no boundaries.
    delay : int
        Lava step offset of sample 0 for the readout.
    program : ReadoutProgram, optional
        Built by :func:`lava_stllr.onchip.program.readout_program`: float of ``params``
        and ``beta_out`` (the default), or the integer readout of a quantized layer.
    update : {"step", "sample"}
        ``"sample"``: the per-sample gate (:func:`lava_stllr.onchip.steps.tag_gate`) on
        ``y1`` (float) or ``bap_out`` (a fixed-point program built for it).

    Vars
    ----
    z (n,), period (1,), delay (1,).
    """

    def __init__(self, *, n: int, beta_out: float, params: STLLRParams,
                 program: ReadoutProgram | None = None, period: int | None = None,
                 delay: int = 0, update: str = "step", name: str | None = None) -> None:
        n = validate.integer("n", n, 1)
        beta_out = check_unit("beta_out", beta_out)
        params = check_params(params)
        if program is None:
            from lava_stllr.onchip.program import readout_program

            program = readout_program(params, beta_out)
        program = check_program("program", program, ReadoutProgram)
        period_value = check_period(period)
        delay = validate.integer("delay", delay, 0)
        update = check_update(update, program)
        super().__init__(shape=(n,), beta_out=beta_out, params=params, program=program,
                         update=update, name=name)
        self.a_in = InPort(shape=(n,))
        self.e_in = InPort(shape=(n,))
        self.z_out = OutPort(shape=(n,))
        self._declare_factor_outputs(n)
        self.z = Var(shape=(n,), init=0.0)
        self._declare_clock(period_value, delay)


class OutputError(STLLRProcess):
    """Cross-entropy output error of the readout, and the classification counters.

    Each step it receives the readout ``z`` (``z_in``) and the label message
    ``[label, learn, scored]`` (``label_in``), and sends::

        e[t] = softmax(z[t]) - onehot(label)   if learn and t in the learning window
        e[t] = 0                               otherwise

    on ``e_out`` (to the readout and to the DFA feedback connections). The learning
    window is steps ``[window_start, n_steps)`` of each sample (the ``gap`` steps after a
    sample never learn). For scored samples it sums ``z`` over the window and, at the
    window's last step, updates the counters and sends ``[sum_z..., sample]`` on the
    host pipe ``result_out`` (dropped if the host does not read it; the counters stay
    exact). Prediction: ``argmax sum_z``; loss: cross-entropy of ``sum_z`` (nats).

    Parameters
    ----------
    n : int
        Number of classes.
    n_steps, gap : int
        Steps of a sample and blank steps after it; ``period = n_steps + gap``.
    window_start : int
        First learning step of a sample, in ``[0, n_steps)``.
    delay : int
        Lava step offset of sample 0 (same as the readout's).
    result_buffer : int
        Capacity of the host result pipe, in samples.
    program : ErrorCodec, optional
        Built by :func:`lava_stllr.onchip.program.error_codec`: float (the default), or
        the codec of a quantized readout layer, which receives the integer ``z`` (float
        ``z * s_v``) and sends the integer error ``round(e / s_L)``; the counters and
        results stay float.

    Vars
    ----
    n_scored, n_correct (1,) counts; loss_sum (1,) nats; z_sum (n,).
    """

    def __init__(self, *, n: int, n_steps: int, gap: int = 0, window_start: int = 0,
                 delay: int = 0, result_buffer: int = 1024, program: ErrorCodec | None = None,
                 name: str | None = None) -> None:
        n = validate.integer("n", n, 2)
        n_steps, gap, window_start, delay = check_window(n_steps, gap, window_start, delay)
        result_buffer = validate.integer("result_buffer", result_buffer, 1)
        if program is None:
            from lava_stllr.onchip.program import error_codec

            program = error_codec()
        program = check_program("program", program, ErrorCodec)
        super().__init__(shape=(n,), n_steps=n_steps, gap=gap, window_start=window_start,
                         program=program, name=name)
        self.z_in = InPort(shape=(n,))
        self.label_in = InPort(shape=(LABEL_SIZE,))
        self.e_out = OutPort(shape=(n,))
        self.result_out = OutPort(shape=(n + 1,))
        self.result_out.flag_external_pipe(buffer_size=result_buffer)
        self.z_sum = Var(shape=(n,), init=0.0)
        self.n_scored = Var(shape=(1,), init=0)
        self.n_correct = Var(shape=(1,), init=0)
        self.loss_sum = Var(shape=(1,), init=0.0)
        self._declare_clock(n_steps + gap, delay)

    def receive_result(self, timeout: float = 60.0,
                       alive: AliveCheck | None = None) -> tuple[np.ndarray, int]:
        """Host side: the next ``(sum_z (n,), sample_counter)`` from ``result_out``.

        Blocks up to ``timeout`` seconds; ``alive()`` (optional) is polled and a
        ``RuntimeError`` raised when it returns False.
        """
        return recv_result(self.result_out, timeout, alive)
