"""The fork side of :mod:`lava_stllr.runtime.guard`: Lava's child processes and signals.

Children forked while :func:`lava_children_guard` is active ignore SIGINT and SIGHUP (the
host handles Ctrl-C and a closed terminal and shuts them down), take the default SIGTERM
action and, on Linux, die with the host (``PR_SET_PDEATHSIG``). The three signals are
blocked across the fork, so one sent to the process group while a child is still in its
fork hooks waits for the child's own dispositions instead of printing a traceback there.

In the host, a signal whose Python handler would run inside the fork hooks (it arrived
during the ``fork`` system call, or while blocked across it) is held and delivered when
the guarded block ends: CPython prints and then drops whatever a fork hook raises, so a
``KeyboardInterrupt`` raised there would be lost and the run would go on.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["lava_children_guard"]

_PR_SET_PDEATHSIG = 1
_guard_state = {"active": False, "pdeathsig": False, "parent": 0}
#: Signals blocked across a guarded fork, so that one sent to the group while the child
#: is still in its fork hooks waits for the child's own dispositions (no traceback).
_FORK_SIGNALS = {getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP")
                 if hasattr(signal, n)}
#: ``forking``: the host is between lava-stllr's before-fork hook and the end of its
#: after-fork hook (registered last, so they enclose every other hook); ``held``: the
#: signals whose handler ran then, delivered when the guard ends; ``registered``: hooks.
_fork_state: dict = {"forking": False, "held": [], "registered": False}


def _before_fork() -> None:
    if _guard_state["active"]:
        _fork_state["forking"] = True
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_BLOCK, _FORK_SIGNALS)


def _parent_after_fork() -> None:
    if _guard_state["active"]:
        if hasattr(signal, "pthread_sigmask"):
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _FORK_SIGNALS)
        _fork_state["forking"] = False


def _child_after_fork() -> None:
    _fork_state.update(forking=False, held=[])
    try:
        _set_child_signals()
    finally:
        _parent_after_fork()  # unblock: a pending SIGINT/SIGHUP is now ignored


#: Code of the hooks: a handler that runs on their first or last instruction is held too.
_HOOK_CODES = frozenset(f.__code__ for f in (_before_fork, _parent_after_fork))


def _register_hooks() -> None:
    """Register the fork hooks once, at the first guard: after the hooks of the modules
    Lava imports, so that ours run first before a fork and last after it."""
    if not _fork_state["registered"] and hasattr(os, "register_at_fork"):
        os.register_at_fork(before=_before_fork, after_in_parent=_parent_after_fork,
                            after_in_child=_child_after_fork)
    _fork_state["registered"] = True


def _holding(handler: Callable[[int, Any], Any]) -> Callable[[int, Any], Any]:
    """``handler``, except that a signal arriving in the fork hooks is held (see
    :func:`lava_children_guard`)."""

    def hold_in_fork_hooks(signum: int, frame: Any) -> Any:
        if _fork_state["forking"] or (frame is not None and frame.f_code in _HOOK_CODES):
            _fork_state["held"].append(signum)
            return None
        return handler(signum, frame)

    return hold_in_fork_hooks


def _hold_signals() -> dict:
    """Wrap the host's Python handlers of SIGINT, SIGTERM and SIGHUP with
    :func:`_holding` (main thread only); return the handlers replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    replaced = {}
    for signum in _FORK_SIGNALS:
        handler = signal.getsignal(signum)
        if callable(handler):
            replaced[signum] = signal.signal(signum, _holding(handler))
    return replaced


def _release_signals(replaced: dict) -> None:
    """Put back the handlers :func:`_hold_signals` replaced, then run the handler of the
    first signal held meanwhile (``KeyboardInterrupt`` for SIGINT): it raises here."""
    for signum, handler in replaced.items():
        signal.signal(signum, handler)
    held, _fork_state["held"] = _fork_state["held"], []
    if held and held[0] in replaced:
        replaced[held[0]](held[0], None)


def _set_child_signals() -> None:
    """In a child forked under :func:`lava_children_guard`: ignore SIGINT and SIGHUP
    (sent to the whole group by Ctrl-C or a closed terminal: the host handles them and
    shuts the children down), die on SIGTERM (whatever handler the host installed) and
    die with the parent (Linux)."""
    if not _guard_state["active"]:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if _guard_state["pdeathsig"]:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - not Linux/glibc
            return
        if os.getppid() != _guard_state["parent"]:  # the parent died before prctl
            os._exit(1)


def _start_resource_tracker() -> None:
    """Start multiprocessing's resource tracker (Lava's shared memory registers with it)
    with SIGHUP ignored: it is exec'd, not forked under the guard, and would otherwise die
    of a closed terminal's SIGHUP and be relaunched with a warning."""
    if not hasattr(signal, "SIGHUP") or threading.current_thread() is not \
            threading.main_thread():
        return
    from multiprocessing import resource_tracker

    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited across exec
    try:
        resource_tracker.ensure_running()
    finally:
        signal.signal(signal.SIGHUP, previous)


@contextlib.contextmanager
def lava_children_guard() -> Iterator[None]:
    """Wrap the call that starts a Lava runtime (the first ``process.run``).

    Child processes forked inside the block ignore SIGINT and SIGHUP, so Ctrl-C or a
    closed terminal reaches only the main process, which can then shut the runtime down
    cleanly (:func:`~lava_stllr.runtime.guard.shutdown_runtime`),
    and get the default SIGTERM action (die), whatever handler the main process has.
    When the block is entered from the main thread on Linux, the children also get
    ``PR_SET_PDEATHSIG = SIGKILL``: they die with the main process even if it is killed
    with SIGKILL. (A child's "parent" is the forking thread, hence the main-thread
    condition.)

    The main process's handlers of SIGINT, SIGTERM and SIGHUP still run at once, except
    inside the fork hooks, where CPython would print and drop what they raise (a lost
    ``KeyboardInterrupt``: the run would go on). Such a signal is held and its handler
    runs when the block ends, so Ctrl-C at any moment of the start-up interrupts it.
    """
    _start_resource_tracker()
    _register_hooks()
    previous = dict(_guard_state)
    outermost = not previous["active"]
    _guard_state.update(
        active=True,
        pdeathsig=sys.platform.startswith("linux")
        and threading.current_thread() is threading.main_thread(),
        parent=os.getpid(),
    )
    replaced = _hold_signals() if outermost else {}
    try:
        yield
    finally:
        _guard_state.update(previous)
        if outermost:
            _release_signals(replaced)
