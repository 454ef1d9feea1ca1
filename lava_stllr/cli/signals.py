"""Signals during a command: every one received ends the run with 128 + its number.

SIGINT (Ctrl-C) raises ``KeyboardInterrupt``, SIGTERM and SIGHUP raise :class:`Terminated`,
in the main thread, so that the Lava runtime is shut down and no child process is left
behind. Each signal is also recorded as it arrives, because code outside the CLI can
swallow the exception: pybind11 extension modules (scipy, matplotlib) turn one raised
while they load into ``ImportError: initialization failed``, and CPython prints and drops
one raised in a fork hook or a ``__del__``. :func:`received` then still names it, and
:func:`raise_if_received` stops a run before it is marked complete.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

__all__ = ["MESSAGES", "Terminated", "end_process", "exit_on_signal", "hold_lines",
           "install", "raise_if_received", "received", "recorded_during", "release_lines",
           "restore", "say"]

#: The message of each handled signal.
MESSAGES = {"SIGINT": "interrupted", "SIGTERM": "terminated", "SIGHUP": "hangup"}
#: Signal numbers received since :func:`install`, in order.
_received: list[int] = []
#: Lines :func:`say` holds back until the process ends (:func:`hold_lines` turns it on).
_held: list[str] = []
_holding: list[bool] = []
#: The ``sys.unraisablehook`` that :func:`install` replaced by :func:`_quiet_unraisable`.
_replaced_hook: list[Callable[[Any], None]] = []


class Terminated(BaseException):
    """SIGTERM or SIGHUP, raised in the main thread like ``KeyboardInterrupt``."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise(signum: int, frame: Any) -> NoReturn:
    _received.append(signum)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def _quiet_unraisable(unraisable: Any) -> None:
    """``sys.unraisablehook`` while :func:`install`'s handlers are in place.

    Where CPython can only print and drop an exception (a weakref callback such as
    importlib's module-lock cleanup, a ``__del__``), the ``KeyboardInterrupt`` or
    :class:`Terminated` our handler raised there would print "Exception ignored in" with
    a traceback. The signal is recorded already and ends the command all the same, so
    it is not printed; anything else goes to the hook this one replaced."""
    if isinstance(unraisable.exc_value, KeyboardInterrupt | Terminated) and _received \
            and signal.getsignal(signal.SIGINT) is _raise:
        return
    _replaced_hook[0](unraisable)



def install() -> dict:
    """Handle SIGINT, SIGTERM and SIGHUP as above (main thread only); forget the signals
    received before; return the handlers replaced (empty if none was installed)."""
    import sys

    _received.clear()
    if threading.current_thread() is not threading.main_thread():
        return {}
    if sys.unraisablehook is not _quiet_unraisable:
        _replaced_hook[:] = [sys.unraisablehook]
        sys.unraisablehook = _quiet_unraisable
    return {sig: signal.signal(sig, _raise)
            for sig in (getattr(signal, name, None) for name in MESSAGES) if sig}


def restore(previous: dict) -> None:
    """Put back the handlers (and the unraisable-exception hook) :func:`install`
    replaced."""
    import sys

    for sig, handler in previous.items():
        signal.signal(sig, handler)
    if previous and sys.unraisablehook is _quiet_unraisable:
        sys.unraisablehook = _replaced_hook[0]


@contextlib.contextmanager
def recorded_during() -> Iterator[None]:
    """Inside the block SIGTERM and SIGHUP are only recorded; when it ends, the first one
    received in it is raised (:class:`Terminated`). SIGINT keeps raising
    ``KeyboardInterrupt``.

    For a blocking call into C code that drops a handler's exception other than
    ``KeyboardInterrupt``: Ray's ``ray.wait`` prints and ignores it, so the signal would
    be lost. Outside the main thread the block runs as it is.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    names = ("SIGTERM", "SIGHUP")
    first = len(_received)
    previous = {sig: signal.signal(sig, lambda signum, frame: _received.append(signum))
                for sig in (getattr(signal, n, None) for n in names) if sig}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if len(_received) > first:
        raise Terminated(_received[first])


def exit_on_signal(prog: str) -> None:
    """After the command, in a process that ends with it: a signal during the rest of
    the exit (``atexit`` hooks, where Python would print the ``KeyboardInterrupt`` and
    exit 0) ends the process at once with 128 + its number and one line."""
    import os
    import sys

    def exit_now(signum: int, frame: Any) -> NoReturn:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # a closed pipe: nothing more to say there
                pass
        _finish_resource_tracker(timeout_s=0.5)  # a second signal: end soon
        name = signal.Signals(signum).name
        _held[:], _holding[:] = [], []  # this line says it all
        os.write(2, f"{prog}: {MESSAGES.get(name, name)}\n".encode("ascii", "replace"))
        os._exit(128 + signum)

    if threading.current_thread() is threading.main_thread():
        for name in MESSAGES:
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), exit_now)


def hold_lines() -> None:
    """In a process that ends with the command: :func:`say` keeps its lines until
    :func:`end_process` (or :func:`release_lines`) writes them last."""
    _holding[:] = [True]


def say(line: str) -> None:
    """Write ``line`` to stderr now, or hold it back (:func:`hold_lines`; the first line
    held is the one written: one signal ends a command once)."""
    import sys

    if _holding:
        _held[:] = _held[:1] or [line]
    else:
        print(line, file=sys.stderr)


def release_lines() -> None:
    """Write the lines :func:`say` held back, and stop holding."""
    import os

    lines, _held[:], _holding[:] = list(_held), [], []
    for line in lines:
        os.write(2, f"{line}\n".encode("ascii", "replace"))


def _finish_resource_tracker(timeout_s: float = 2.0) -> None:
    """Let multiprocessing's resource tracker end now, before our last line.

    A Lava process killed by the signal while it held a semaphore leaves it to the
    tracker, which unlinks it and says so ("leaked semaphore objects") when the last
    process holding its pipe ends: after this one, so after "interrupted". Closing our
    end here, once the ``atexit`` hooks (the last unregisters) have run, lets it finish
    first; it is our child, so it is waited for, at most ``timeout_s`` (a model process
    still alive keeps it running; its words then come after ours, as before).
    """
    import os
    import sys
    import time

    module = sys.modules.get("multiprocessing.resource_tracker")
    tracker = getattr(module, "_resource_tracker", None)
    fd, pid = getattr(tracker, "_fd", None), getattr(tracker, "_pid", None)
    if fd is None or pid is None:
        return
    tracker._fd = tracker._pid = None
    try:
        os.close(fd)
        deadline = time.monotonic() + timeout_s
        while os.waitpid(pid, os.WNOHANG) == (0, 0) and time.monotonic() < deadline:
            time.sleep(0.01)
    except OSError:  # already gone, or not our child
        pass


def end_process(status: int) -> NoReturn:
    """End the process now with exit status ``status``, after a signal ended the command:
    run the ``atexit`` hooks, flush stdout and stderr, then ``os._exit(status)``.

    Returning the status to the interpreter is not enough. CPython remembers a
    ``KeyboardInterrupt`` that escaped code run through ``PyRun_String`` (the module
    initialisation of some Cython extensions, in NumPy and SciPy), even one caught further
    up, and after finalisation kills its own process with SIGINT instead of exiting with
    the status given: Ctrl-C during such an import would end in "killed by SIGINT", not 130.
    Call it after :func:`exit_on_signal`, so that a second signal during the hooks also
    ends the process at once.
    """
    import atexit
    import os
    import sys

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # a closed pipe: nothing more to say there
            pass
    _finish_resource_tracker()
    release_lines()
    os._exit(status)


def received(exc: BaseException | None = None) -> int | None:
    """The first signal that reached the command (None if none did): recorded by the
    handlers, or ``KeyboardInterrupt``/:class:`Terminated` among the causes of ``exc``
    (an error raised while such an exception was handled or from it)."""
    if _received:
        return _received[0]
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt):
            return int(signal.SIGINT)
        if isinstance(exc, Terminated):
            return exc.signum
        exc = exc.__cause__ or exc.__context__
    return None


def raise_if_received() -> None:
    """Raise again the first signal received if its exception was swallowed on the way
    (a run must not be marked complete after Ctrl-C)."""
    if _received:
        if _received[0] == signal.SIGINT:
            raise KeyboardInterrupt
        raise Terminated(_received[0])
