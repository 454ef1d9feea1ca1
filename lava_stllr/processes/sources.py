"""Input Processes fed by the host: spike samples and their labels."""

from __future__ import annotations

import numpy as np
from lava.magma.core.process.ports.ports import InPort, OutPort

from lava_stllr import validate
from lava_stllr.onchip.protocols import FrameEncoder, check_program
from lava_stllr.processes._base import STLLRProcess
from lava_stllr.processes.host_io import AliveCheck, pipe_send, send_label_message

#: Size of a label message ``[label, learn, scored]``.
LABEL_SIZE = 3


class EventSource(STLLRProcess):
    """Plays spike samples sample after sample, each followed by ``gap`` blank steps.

    At the first step of every sample it takes the next ``(n_steps, n_inputs)`` tensor
    from its host pipe ``sample_in`` (waiting for it), then sends row ``t`` on ``s_out``
    at step ``t`` of the sample and zeros during the gap. Before the first sample
    (``delay`` steps) it sends zeros.

    Parameters
    ----------
    n_inputs, n_steps : int
        Size of a sample.
    gap : int
        Blank steps after each sample.
    delay : int
        Lava step offset of sample 0 (0 for the network input).
    buffer_size : int
        Samples the host may queue ahead.
    program : FrameEncoder, optional
        How a row goes on the wire (:func:`lava_stllr.onchip.program.frame_encoder`): as
        it is (float, the default; graded payloads allowed) or as binary spikes
        ``x != 0`` (fixed).

    Vars
    ----
    period (1,), delay (1,).
    """

    def __init__(self, *, n_inputs: int, n_steps: int, gap: int = 0, delay: int = 0,
                 buffer_size: int = 4, program: FrameEncoder | None = None,
                 name: str | None = None) -> None:
        n_inputs = validate.integer("n_inputs", n_inputs, 1)
        n_steps = validate.integer("n_steps", n_steps, 1)
        gap = validate.integer("gap", gap, 0)
        delay = validate.integer("delay", delay, 0)
        buffer_size = validate.integer("buffer_size", buffer_size, 1)
        if program is None:
            from lava_stllr.onchip.program import frame_encoder

            program = frame_encoder()
        program = check_program("program", program, FrameEncoder)
        super().__init__(shape=(n_inputs,), n_steps=n_steps, program=program, name=name)
        self.sample_in = InPort(shape=(n_steps, n_inputs))
        self.sample_in.flag_external_pipe(buffer_size=buffer_size)
        self.s_out = OutPort(shape=(n_inputs,))
        self._declare_clock(n_steps + gap, delay)

    def send_sample(self, spikes: np.ndarray, timeout: float = 60.0,
                    alive: AliveCheck | None = None) -> None:
        """Host side: queue one sample ``(n_steps, n_inputs)`` (finite values)."""
        spikes = np.asarray(spikes, dtype=np.float32)
        if spikes.shape != self.sample_in.shape:
            raise ValueError(f"sample must have shape {self.sample_in.shape}, got "
                             f"{spikes.shape}")
        if not np.all(np.isfinite(spikes)):
            raise ValueError("sample contains NaN or Inf")
        pipe_send(self.sample_in, spikes, timeout, alive)


class LabelSource(STLLRProcess):
    """Plays one label message ``[label, learn, scored]`` per sample.

    At the first step of every sample it takes the next message from its host pipe
    ``label_in`` (waiting for it) and sends it on ``label_out`` at every step of the
    sample (period ``n_steps + gap``); before the first sample it sends ``[0, 0, 0]``.
    ``learn`` in [0, 1] scales the output error (0: no learning, 1: the full step size);
    ``scored`` (0/1) counts the sample.

    Parameters
    ----------
    n_classes : int
        Labels must be in ``[0, n_classes)``.
    period : int
        Steps per sample.
    delay : int
        Lava step offset of sample 0 (the output error's delay).
    buffer_size : int
        Labels the host may queue ahead.

    Vars
    ----
    period (1,), delay (1,).
    """

    def __init__(self, *, n_classes: int, period: int, delay: int = 0, buffer_size: int = 4,
                 name: str | None = None) -> None:
        n_classes = validate.integer("n_classes", n_classes, 2)
        period = validate.integer("period", period, 1)
        delay = validate.integer("delay", delay, 0)
        buffer_size = validate.integer("buffer_size", buffer_size, 1)
        super().__init__(shape=(LABEL_SIZE,), n_classes=n_classes, name=name)
        self.label_in = InPort(shape=(LABEL_SIZE,))
        self.label_in.flag_external_pipe(buffer_size=buffer_size)
        self.label_out = OutPort(shape=(LABEL_SIZE,))
        self._declare_clock(period, delay)

    def send_label(self, label: int, learn: float, scored: bool, timeout: float = 60.0,
                   alive: AliveCheck | None = None) -> None:
        """Host side: queue the label message of the next sample (``learn``: its
        step-size scale in [0, 1], or a bool)."""
        send_label_message(self.label_in, self.proc_params["n_classes"], label, learn,
                           scored, timeout, alive)
