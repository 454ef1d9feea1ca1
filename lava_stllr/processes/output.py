"""The fused output stage: readout, label source and output error in one Process."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr import validate
from lava_stllr.onchip.protocols import check_update
from lava_stllr.params import STLLRParams
from lava_stllr.processes._base import STLLRLayerProcess
from lava_stllr.processes._checks import (
    check_params,
    check_unit,
    check_window,
)
from lava_stllr.processes.host_io import AliveCheck, recv_result, send_label_message
from lava_stllr.processes.sources import LABEL_SIZE

if TYPE_CHECKING:
    from lava_stllr.onchip.steps import OutputProgram


class OutputLayer(STLLRLayerProcess):
    """:class:`~lava_stllr.processes.LeakyReadout`, :class:`~lava_stllr.processes.LabelSource`
    and :class:`~lava_stllr.processes.OutputError` in one Process (one OS process in
    Lava's simulator instead of three, the same numbers bit for bit).

    Per step: the readout integrates ``a_in`` into ``z``; at a sample's first step the
    label message ``[label, learn, scored]`` is taken from the host pipe ``label_in``;
    the output error ``e`` of ``z`` is sent on ``e_out`` (to the neurons' ``e_in``, or
    to DFA ``Dense`` connections), then the readout's third factors on ``y1_out``..
    ``y3_out``; each scored sample's summed readout goes to the host pipe
    ``result_out``, as the three separate Processes do. The values pass between the
    three stages with the types their Lava ports would give them.

    Parameters
    ----------
    n, beta_out, params, update
        As :class:`~lava_stllr.processes.LeakyReadout`.
    program : OutputProgram, optional
        The readout's program and the error codec, built by
        :func:`lava_stllr.onchip.program.output_program` (float of ``params`` and
        ``beta_out`` by default).
    n_steps, gap, window_start, result_buffer
        As :class:`~lava_stllr.processes.OutputError` (period ``n_steps + gap``).
    delay : int
        Lava step offset of sample 0 (the readout's).
    label_buffer : int
        Labels the host may queue ahead.

    Vars
    ----
    z (n,); z_sum (n,); n_scored, n_correct (1,); loss_sum (1,); period, delay (1,).
    """

    def __init__(self, *, n: int, beta_out: float, params: STLLRParams, n_steps: int,
                 gap: int = 0, window_start: int = 0, delay: int = 0,
                 program: OutputProgram | None = None, update: str = "step",
                 result_buffer: int = 1024, label_buffer: int = 4,
                 name: str | None = None) -> None:
        n = validate.integer("n", n, 2)
        beta_out = check_unit("beta_out", beta_out)
        params = check_params(params)
        n_steps, gap, window_start, delay = check_window(n_steps, gap, window_start, delay)
        from lava_stllr.onchip.program import output_program
        from lava_stllr.onchip.steps import OutputProgram

        if program is None:
            program = output_program(params, beta_out)
        if not isinstance(program, OutputProgram):
            raise ValueError(f"program must be an OutputProgram (lava_stllr.onchip.program."
                             f"output_program), got {type(program).__name__}")
        update = check_update(update, program.readout)
        result_buffer = validate.integer("result_buffer", result_buffer, 1)
        label_buffer = validate.integer("label_buffer", label_buffer, 1)
        super().__init__(shape=(n,), beta_out=beta_out, params=params, program=program,
                         update=update, n_steps=n_steps, gap=gap, window_start=window_start,
                         n_classes=n, name=name)
        self.a_in = InPort(shape=(n,))
        self.e_out = OutPort(shape=(n,))
        self._declare_factor_outputs(n)
        self.label_in = InPort(shape=(LABEL_SIZE,))
        self.label_in.flag_external_pipe(buffer_size=label_buffer)
        self.result_out = OutPort(shape=(n + 1,))
        self.result_out.flag_external_pipe(buffer_size=result_buffer)
        self.z = Var(shape=(n,), init=0.0)
        self.z_sum = Var(shape=(n,), init=0.0)
        self.n_scored = Var(shape=(1,), init=0)
        self.n_correct = Var(shape=(1,), init=0)
        self.loss_sum = Var(shape=(1,), init=0.0)
        self._declare_clock(n_steps + gap, delay)

    def send_label(self, label: int, learn: float, scored: bool, timeout: float = 60.0,
                   alive: AliveCheck | None = None) -> None:
        """Host side: queue the label message of the next sample (as
        :meth:`LabelSource.send_label`)."""
        send_label_message(self.label_in, self.proc_params["n_classes"], label, learn,
                           scored, timeout, alive)

    def receive_result(self, timeout: float = 60.0,
                       alive: AliveCheck | None = None) -> tuple[np.ndarray, int]:
        """Host side: the next ``(sum_z (n,), sample_counter)`` (as
        :meth:`OutputError.receive_result`)."""
        return recv_result(self.result_out, timeout, alive)
