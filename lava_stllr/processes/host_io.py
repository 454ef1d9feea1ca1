"""Host-side access to the Processes' external pipes, with timeouts (never hangs)."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from lava_stllr.runtime.guard import LavaRuntimeError

#: Polling interval of a host wait: it starts short (a message often arrives within a
#: step) and doubles up to the longest, so a long wait does not take a CPU core's time
#: from the model processes.
_POLL_S = 0.0001
_POLL_MAX_S = 0.002

#: A callable telling whether the runtime's model processes are still alive.
AliveCheck = Callable[[], bool]


def _wait(ready: Callable[[], bool], what: str, timeout: float,
          alive: AliveCheck | None) -> None:
    deadline = time.monotonic() + timeout
    pause = _POLL_S
    while not ready():
        if alive is not None and not alive():
            raise LavaRuntimeError(f"the Lava runtime stopped while waiting to {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout} s waiting to {what}")
        time.sleep(pause)
        pause = min(2 * pause, _POLL_MAX_S)


def pipe_send(port, data: np.ndarray, timeout: float,
              alive: AliveCheck | None = None) -> None:
    """Send ``data`` into an external-pipe InPort once it has room (runtime must exist)."""
    csp = getattr(port, "external_pipe_csp_send_port", None)
    if csp is None:
        raise RuntimeError("the runtime is not started: run the network (blocking=False) "
                           "before sending data into it")
    _wait(csp.probe, f"send on {port.name}", timeout, alive)
    csp.send(data)


def pipe_recv(port, timeout: float, alive: AliveCheck | None = None) -> np.ndarray:
    """Receive the next message of an external-pipe OutPort (runtime must exist)."""
    csp = getattr(port, "external_pipe_csp_recv_port", None)
    if csp is None:
        raise RuntimeError("the runtime is not started: nothing to receive yet")
    _wait(csp.probe, f"receive on {port.name}", timeout, alive)
    return csp.recv()


def pipe_pending(port) -> int:
    """Messages waiting in an external-pipe OutPort (0 before the runtime starts)."""
    csp = getattr(port, "external_pipe_csp_recv_port", None)
    return 0 if csp is None else csp._queue.qsize()


def send_label_message(port, n_classes: int, label: int, learn: float, scored: bool,
                       timeout: float, alive: AliveCheck | None = None) -> None:
    """Send a label message ``[label, learn, scored]`` into ``port`` (a ``label_in``
    external pipe); ``learn`` is the sample's step-size scale in [0, 1] (or a bool).

    Raises
    ------
    ValueError
        ``label`` is not an integer in ``[0, n_classes)``, or ``learn`` out of range.
    """
    if isinstance(label, bool) or not isinstance(label, int | np.integer) or not (
            0 <= label < n_classes):
        raise ValueError(f"label must be an integer in [0, {n_classes}), got {label!r}")
    from lava_stllr.onchip.layout import check_rate

    pipe_send(port, np.array([label, check_rate(learn), bool(scored)], dtype=float),
              timeout, alive)


def recv_result(port, timeout: float, alive: AliveCheck | None = None
                ) -> tuple[np.ndarray, int]:
    """The next ``(sum_z (n,), sample_counter)`` of a ``result_out`` external pipe."""
    data = pipe_recv(port, timeout, alive)
    return data[:-1].copy(), int(data[-1])
