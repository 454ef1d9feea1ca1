"""Bounded-time waits and shutdowns of a Lava runtime: runs that end, never hang.

Lava 0.10 runs every ProcessModel (and every runtime service) in a forked child
process, its *actors*. Three of its failure modes hang the caller forever:

- an exception inside a ProcessModel: the failing actor exits, but its neighbours stay
  blocked on their channels, so the runtime service never answers and
  ``Runtime.wait``/``Runtime.stop`` (also called by every Process's ``__del__``) block
  in ``recv`` for ever;
- ``Runtime.stop`` while a step is blocked (e.g. a source waiting for host data);
- Ctrl-C (SIGINT to the whole foreground process group): every actor receives it too,
  dies with a ``KeyboardInterrupt`` traceback, and the main process then blocks in
  ``Runtime.stop``.

This module gives the host side what Lava lacks:

- :func:`lava_children_guard` (in :mod:`lava_stllr.runtime.fork`): children forked
  while it is active ignore SIGINT and SIGHUP (the main process handles Ctrl-C and a
  closed terminal and shuts them down) and, on Linux, are killed when the main process
  dies (``PR_SET_PDEATHSIG``), so a killed host leaves no orphans;
- :func:`close_at_exit`: networks and runtimes never closed are ended at interpreter
  exit (else multiprocessing's exit hook waits for Lava's processes for ever);
- :func:`runtime_alive`, :func:`wait_runtime`: liveness and a polling wait with a
  timeout that notices dead actors;
- :func:`shutdown_runtime`: a graceful ``stop`` if it completes within a grace period,
  else SIGTERM then SIGKILL of the actors, then the shared-memory manager; returns what
  the failed actors raised;
- :func:`run_guarded`: ``process.run(RunSteps(n), run_cfg)`` for a hand-built network
  that raises :class:`LavaRuntimeError` naming the model's exception, or
  ``TimeoutError``, instead of hanging.
- stale shared memory (:mod:`lava_stllr.runtime.shm`): each started runtime records
  its ``/dev/shm`` segments and every shutdown drops them from the record, so the
  segments of a run killed with SIGKILL (which Lava never unlinks) are reclaimed when
  the next network or :func:`run_guarded` run starts.

Only Lava's private runtime attributes (``_messaging_infrastructure``, ``actors``,
``service_to_runtime``, ``_is_started``) are used, all present in lava-nc 0.10.0 (the
final release).
"""

from __future__ import annotations

import atexit
import contextlib
import multiprocessing as mp
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from lava.magma.core.run_conditions import RunSteps

from lava_stllr.runtime.fork import lava_children_guard
from lava_stllr.runtime.shm import forget_runtime, reclaim_stale_segments, record_runtime

__all__ = [
    "LavaRuntimeError",
    "close_at_exit",
    "failure_message",
    "lava_children_guard",
    "run_guarded",
    "runtime_alive",
    "shutdown_runtime",
    "wait_runtime",
]

_POLL_S = 0.001
#: Started networks (objects with an idempotent ``close()``) and Lava runtimes to end at
#: interpreter exit if they are still alive then (weak references only).
_open_at_exit: dict[str, weakref.WeakSet] = {"objects": weakref.WeakSet(),
                                             "runtimes": weakref.WeakSet()}
_exit_hook = {"registered": False}
#: Seconds Lava's own stop may take at exit before the processes are terminated.
EXIT_GRACE_S = 5.0


def close_at_exit(obj: Any = None, runtime: Any = None) -> None:
    """At interpreter exit, ``obj.close()`` and :func:`shutdown_runtime` of ``runtime``
    if they are still alive and open then (weak references; idempotent with close).

    Without it a script that never closes its network never exits: multiprocessing's
    exit hook joins Lava's model processes, which wait for the runtime for ever. The
    runtime is registered as well as the network because a network dropped without
    ``close()`` (a local variable) can be collected while its runtime still runs. The
    ``atexit`` hook is registered on the first call, after multiprocessing's (imported
    here first if need be), so it runs before it (``atexit`` runs hooks last-in first).
    """
    if not _exit_hook["registered"]:
        import multiprocessing.util  # noqa: F401  (registers its exit hook first)

        atexit.register(_close_all)
        _exit_hook["registered"] = True
    if obj is not None:
        _open_at_exit["objects"].add(obj)
    if runtime is not None:
        _open_at_exit["runtimes"].add(runtime)


def _close_all() -> None:
    for obj in list(_open_at_exit["objects"]):
        with contextlib.suppress(Exception):
            obj.close()
    for runtime in list(_open_at_exit["runtimes"]):
        with contextlib.suppress(Exception):
            shutdown_runtime(runtime, grace=EXIT_GRACE_S)


class LavaRuntimeError(RuntimeError):
    """A Lava model process failed or the runtime stopped; the message names the cause."""



def _actors(runtime: Any) -> list:
    infrastructure = getattr(runtime, "_messaging_infrastructure", None)
    return list(getattr(infrastructure, "actors", None) or [])


def _actor_alive(actor: Any) -> bool:
    if getattr(actor, "_is_done", False):
        return False
    try:
        return actor.is_alive()
    except ValueError:  # the process object was closed
        return False


def runtime_alive(runtime: Any) -> bool:
    """True if ``runtime`` was started and every one of its actor processes is alive."""
    actors = _actors(runtime)
    return bool(actors) and all(_actor_alive(a) for a in actors)


def wait_runtime(runtime: Any, timeout: float,
                 alive: Callable[[], bool] | None = None) -> None:
    """Wait, at most ``timeout`` seconds, for a non-blocking run to finish.

    Equivalent to ``runtime.wait()`` when the run ends normally, but polls: it raises
    :class:`LavaRuntimeError` as soon as an actor process has died (``alive()``
    false; default :func:`runtime_alive`) or a runtime service reports an error, and
    ``TimeoutError`` after ``timeout`` seconds. The runtime must then be shut down
    with :func:`shutdown_runtime`.
    """
    alive = alive or (lambda: runtime_alive(runtime))
    ports = list(getattr(runtime, "service_to_runtime", []))
    deadline = time.monotonic() + timeout
    while not all(port.probe() for port in ports):
        if not alive():
            raise LavaRuntimeError("the Lava runtime stopped before the run finished")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the Lava run did not finish within {timeout} s")
        time.sleep(_POLL_S)
    from lava.magma.runtime.mgmt_token_enums import MGMT_RESPONSE, enum_equal

    for port in ports:
        if not enum_equal(port.peek(), MGMT_RESPONSE.DONE):
            raise LavaRuntimeError(f"a Lava runtime service answered {port.peek()} instead "
                                   f"of DONE (a model failed)")
    runtime.wait()


def _describe(failure: Any) -> str | None:
    if not failure:
        return None
    exc, trace = failure if isinstance(failure, tuple) else (failure, "")
    summary = f"{type(exc).__name__}: {exc}"
    return f"{summary}\n{trace}".rstrip() if trace else summary


def _terminate(actors: list, grace: float) -> None:
    """SIGTERM every live actor, then SIGKILL those still alive after ``grace`` s."""
    for actor in actors:
        if _actor_alive(actor):
            with contextlib.suppress(OSError, ValueError):
                actor.terminate()
    deadline = time.monotonic() + grace
    for actor in actors:
        if _actor_alive(actor):
            with contextlib.suppress(OSError, ValueError, AssertionError):
                mp.Process.join(actor, max(0.0, deadline - time.monotonic()))
    for actor in actors:
        if _actor_alive(actor):
            with contextlib.suppress(OSError, ValueError, AssertionError):
                actor.kill()
                mp.Process.join(actor, 5.0)


def _collect_failures(actors: list) -> list[str]:
    """Join the (dead) actors and return what each failed one raised."""
    failures = []
    for actor in actors:
        if _actor_alive(actor):  # pragma: no cover - survived SIGKILL
            continue
        with contextlib.suppress(OSError, ValueError, EOFError, AssertionError):
            actor.join()  # SystemProcess.join: reads the exception, closes the process
        text = _describe(getattr(actor, "_exception", None))
        if text:
            failures.append(text)
    return failures


def shutdown_runtime(runtime: Any, grace: float = 10.0) -> list[str]:
    """Stop ``runtime`` and end all its processes, in bounded time.

    If every actor is alive and ``grace > 0``, Lava's own ``Runtime.stop`` is tried (in
    a helper thread) for up to ``grace`` seconds. Otherwise, or if it does not finish,
    the actors get SIGTERM and, 2 s later, SIGKILL; then the runtime is marked stopped
    (so Lava's ``__del__`` hooks do not block on it) and its shared-memory manager is
    shut down. Idempotent; never raises for a broken runtime.

    Returns
    -------
    list of str
        ``"ExceptionType: message"`` plus traceback of every actor process that failed
        (empty when none did).
    """
    try:
        return _shutdown(runtime, grace)
    finally:  # its shared-memory segments are gone (else they stay recorded)
        forget_runtime(runtime)


def _shutdown(runtime: Any, grace: float) -> list[str]:
    if runtime is None:
        return []
    actors = _actors(runtime)
    if not getattr(runtime, "_is_started", False) and not any(map(_actor_alive, actors)):
        return _collect_failures(actors)
    if grace > 0 and actors and runtime_alive(runtime):
        result: dict[str, BaseException | None] = {}

        def stop() -> None:
            try:
                runtime.stop()
                result["error"] = None
            except BaseException as exc:
                result["error"] = exc

        thread = threading.Thread(target=stop, name="lava-stllr-stop", daemon=True)
        thread.start()
        thread.join(grace)
        if result.get("error", 1) is None and not any(map(_actor_alive, actors)):
            return _collect_failures(actors)
    _terminate(actors, grace=2.0)
    failures = _collect_failures(actors)
    runtime._is_running = False
    runtime._is_started = False
    with contextlib.suppress(Exception):
        runtime.join()
    infrastructure = getattr(runtime, "_messaging_infrastructure", None)
    if infrastructure is not None:
        with contextlib.suppress(Exception):
            infrastructure.stop()
    watchdog = getattr(runtime, "_watchdog_manager", None)
    if watchdog is not None:
        with contextlib.suppress(Exception):
            watchdog.stop()
    return failures


def failure_message(what: str, failures: list[str]) -> str:
    """``what`` plus the first model failure (if any), for a :class:`LavaRuntimeError`."""
    if not failures:
        return what
    extra = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
    return f"{what}: a Lava model process failed with {failures[0]}{extra}"


def run_guarded(process: Any, num_steps: int, run_cfg: Any = None,
                timeout: float = 600.0) -> None:
    """Run the network of ``process`` for ``num_steps`` steps; never hang.

    Like ``process.run(RunSteps(num_steps), run_cfg)`` (blocking), for hand-built
    networks of lava-stllr and Lava Processes. On any error (an exception inside a
    ProcessModel, ``timeout`` seconds exceeded, Ctrl-C) the runtime is shut down with
    :func:`shutdown_runtime` before the error propagates, and the network cannot be run
    again.

    Raises
    ------
    LavaRuntimeError
        If a model process failed; the message holds its exception and traceback.
    TimeoutError
        If the run did not finish within ``timeout`` seconds.
    """
    condition = RunSteps(num_steps=num_steps, blocking=False)
    started = process.runtime is not None
    try:
        with lava_children_guard():
            if started:
                process.run(condition=condition)
            else:
                reclaim_stale_segments()  # what killed runs of ours left in /dev/shm
                process.run(condition=condition, run_cfg=run_cfg)
                close_at_exit(runtime=process.runtime)
                record_runtime(process.runtime)
        wait_runtime(process.runtime, timeout)
    except BaseException as exc:
        failures = shutdown_runtime(process.runtime, grace=0)
        if isinstance(exc, LavaRuntimeError | TimeoutError) and failures:
            raise LavaRuntimeError(failure_message(str(exc), failures)) from exc
        raise
