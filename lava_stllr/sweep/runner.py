"""Run a sweep's unfinished trials on Ray: each trial is a ``lava-stllr train``
subprocess that writes an ordinary run folder (a fresh process per trial: Lava forks one
OS process per ProcessModel, and a failing or diverging trial cannot touch the others).

A plain grid runs each trial as a Ray task (its CPUs as the task's resources, on this
machine or on any node of a cluster); ``--asha`` runs them as Ray Tune trials, since
early stopping needs Tune's scheduler. Tune's own bookkeeping (an experiment folder,
trial actors, result polling) cost several seconds per sweep that a plain grid does not
need, and on a 2-core machine those seconds are a large part of a sweep.

Ray is the optional extra ``sweep`` (``pip install 'lava-stllr[sweep]'``) and imported
here only.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lava_stllr.cli import signals
from lava_stllr.cli.parser import CLIError
from lava_stllr.sweep import folder as sweep_folder
from lava_stllr.sweep.grid import Trial

#: CPUs a trial of each backend takes (Lava runs an OS process per ProcessModel).
CPUS_PER_TRIAL = {"reference": 1, "lava": 2}


def import_ray(tune: bool = False) -> Any:
    """``ray`` (and, with ``tune``, ``ray.tune``), or a one-line error naming the extra to
    install."""
    try:
        import ray
        if tune:
            import ray.tune  # noqa: F401
    except ImportError:
        raise CLIError("lava-stllr sweep needs Ray Tune: pip install 'lava-stllr[sweep]' "
                       "(or 'ray[tune]>=2.9,<3')") from None
    return ray


def local_cpus() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_address(address: str, timeout: float = 5.0) -> None:
    """Refuse, before any trial, a ``--address HOST:PORT`` that does not answer."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return
    except ValueError:
        raise CLIError(f"--address {address}: expected HOST:PORT of a Ray head node "
                       "(e.g. 10.0.0.5:6379) or auto") from None
    except OSError as err:
        raise CLIError(f"--address {address}: cannot reach the Ray cluster "
                       f"({err.strerror or err})") from None


def start_ray(address: str | None, cpus: int | None) -> bool:
    """Start Ray on this machine with ``cpus`` CPUs (default: all cores), or join the
    cluster at ``address``; False when Ray was already started in this process (it is
    used as it is, and left running)."""
    ray = import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    os.environ.setdefault("TUNE_DISABLE_AUTO_CALLBACK_LOGGERS", "1")
    os.environ.setdefault("RAY_AIR_NEW_OUTPUT", "0")
    # Ctrl-C stops the sweep as it stops train (KeyboardInterrupt, exit 130), not Tune's
    # graceful stop that would return as if the sweep had ended.
    os.environ["TUNE_DISABLE_SIGINT_HANDLER"] = "1"
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "logging_level": "ERROR"}
    # ray.init replaces the SIGTERM handler with sys.exit(15) (in the main thread only):
    # the sweep would end with status 15 and no word. Keep the command's (exit 143,
    # "terminated").
    sigterm = signal.getsignal(signal.SIGTERM)
    try:
        if address is None:
            ray.init(num_cpus=cpus or local_cpus(), **kwargs)
        else:
            ray.init(address=address, **kwargs)
    except Exception as exc:  # Ray raises plain Exception, e.g. a start-up time-out
        first = str(exc).strip().split("\n")[0]
        raise CLIError(f"cannot start Ray{'' if address is None else ' at ' + address}: "
                       f"{first}") from None
    finally:
        if signal.getsignal(signal.SIGTERM) is not sigterm:
            signal.signal(signal.SIGTERM, sigterm)
    return True


def stop_ray() -> None:
    """Shut down the Ray that :func:`start_ray` started."""
    import ray

    ray.shutdown()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the trial ends when the worker thread that waits for it dies."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def run_trial(trial: Trial, out: Path, cwd: str,
              on_epoch: Callable[[int, float], None] | None = None) -> dict[str, Any]:
    """Run one trial as ``python -m lava_stllr.cli train ... --out DIR --quiet`` in
    ``cwd``; its output goes to ``logs/NAME.log``. With ``on_epoch`` it runs without
    ``--quiet`` and ``on_epoch(epoch, held-out acc)`` is called after each epoch. Return
    ``{"trial", "status" ("finished" or "failed"), "reason"}``; a failure also writes
    ``logs/NAME.failed`` (the last line of its stderr)."""
    from lava_stllr.sweep.asha import parse_epoch

    run_dir = sweep_folder.trial_dir(out, trial)
    run_dir.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "lava_stllr.cli", "train", *trial.argv,
               "--out", str(run_dir), *([] if on_epoch else ["--quiet"])]
    sweep_folder.log(out, f"start {trial.name}")
    log_path = out / sweep_folder.LOGS / f"{trial.name}.log"
    with open(log_path, "wb") as log, tempfile.TemporaryFile() as err_file:
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=err_file,
                                preexec_fn=_die_with_parent if os.name == "posix" else None)
        try:
            assert proc.stdout is not None
            for raw in proc.stdout:
                log.write(raw)
                epoch = parse_epoch(raw.decode(errors="replace")) if on_epoch else None
                if epoch is not None and on_epoch is not None:
                    log.flush()
                    on_epoch(*epoch)
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        err_file.seek(0)
        err = err_file.read()
        log.write(err)
    lines = [x for x in err.decode(errors="replace").splitlines() if x.strip()]
    if proc.returncode == 0 and sweep_folder.is_finished(out, trial):
        sweep_folder.log(out, f"finished {trial.name}")
        return {"trial": trial.name, "status": "finished", "reason": ""}
    return record_failure(out, trial, lines[-1].strip() if lines
                          else f"exit status {proc.returncode}")


def record_failure(out: Path, trial: Trial, reason: str) -> dict[str, Any]:
    """Mark ``trial`` failed with its one-line ``reason`` (``logs/NAME.failed``, the
    sweep log); the result :func:`run_trial` returns for it."""
    reason = " ".join(reason.split())
    sweep_folder.write_text(out / sweep_folder.LOGS / f"{trial.name}.failed", reason + "\n")
    sweep_folder.log(out, f"failed {trial.name}: {reason}")
    return {"trial": trial.name, "status": "failed", "reason": reason}


def _trial_fn(config: dict[str, Any], table: dict[str, Trial], out: str, cwd: str) -> None:
    """The Tune function trainable: run the trial ``config["trial"]``, report each
    epoch's held-out accuracy and its status."""
    from ray import tune

    last: dict[str, Any] = {}

    def on_epoch(epoch: int, acc: float) -> None:
        last.update(epoch=epoch, val_acc=acc)
        tune.report(dict(last))

    result = run_trial(table[config["trial"]], Path(out), cwd, on_epoch)
    tune.report({"epoch": 0, "val_acc": 0.0, **last, **result, "done": 1})


def run_trials(trials: list[Trial], out: Path, cpus_per_trial: int,
               asha_grace: int | None = None) -> None:
    """Run ``trials`` on the started Ray, as many at once as its CPUs allow (each takes
    ``cpus_per_trial``). A failed trial is recorded and does not stop the others. With
    ``asha_grace`` (epochs), ASHA stops the trials whose held-out accuracy lags
    (:mod:`~lava_stllr.sweep.asha`)."""
    if not trials:
        return
    if asha_grace is None:
        _run_as_tasks(trials, out, cpus_per_trial)
    else:
        _run_on_tune(trials, out, cpus_per_trial, asha_grace)


def _run_as_tasks(trials: list[Trial], out: Path, cpus_per_trial: int, *,
                  run: Callable[[Trial, Path, str], Any] = run_trial) -> None:
    """Every trial as a Ray task ``run(trial, out, cwd)`` of ``cpus_per_trial`` CPUs. A
    task that raised, or whose worker or node died, is recorded as failed (its trial runs
    again when the sweep is resumed); the tasks still pending when the wait is
    interrupted (a signal) are cancelled, their workers and trials killed."""
    import ray

    task = ray.remote(num_cpus=cpus_per_trial, max_retries=0)(run)
    out = out.resolve()
    pending = {task.remote(trial, out, os.getcwd()): trial for trial in trials}
    try:
        while pending:
            # Short waits with SIGTERM and SIGHUP only recorded: Ray's wait raises a
            # handler's KeyboardInterrupt but prints and drops any other exception.
            with signals.recorded_during():
                done, _ = ray.wait(list(pending), num_returns=1, timeout=1.0)
            for ref in done:
                trial = pending.pop(ref)
                try:
                    ray.get(ref)
                except ray.exceptions.RayTaskError as err:  # run itself raised
                    record_failure(out, trial, f"{type(err.cause).__name__}: {err.cause}")
                except ray.exceptions.RayError as err:  # its worker or node died
                    record_failure(out, trial, f"Ray lost the trial ({type(err).__name__})")
    finally:
        for ref in pending:
            ray.cancel(ref, force=True)


def _run_on_tune(trials: list[Trial], out: Path, cpus_per_trial: int,
                 asha_grace: int) -> None:
    """The trials on Ray Tune with its ASHA scheduler (:mod:`~lava_stllr.sweep.asha`)."""
    from ray import tune

    from lava_stllr.sweep import asha

    table = {t.name: t for t in trials}
    trainable = tune.with_resources(
        tune.with_parameters(_trial_fn, table=table, out=str(out.resolve()), cwd=os.getcwd()),
        {"cpu": cpus_per_trial})
    storage = tempfile.mkdtemp(prefix="lava-stllr-tune-")
    try:
        tuner = tune.Tuner(
            trainable, param_space={"trial": tune.grid_search(list(table))},
            tune_config=tune.TuneConfig(scheduler=asha.scheduler(asha_grace)),
            run_config=tune.RunConfig(storage_path=storage, name="sweep", verbose=0,
                                      failure_config=tune.FailureConfig(max_failures=0)))
        grid = tuner.fit()
        last = {r.config["trial"]: r.metrics for r in grid if r.config}
        asha.mark_stopped(out, trials, last)
    finally:
        shutil.rmtree(storage, ignore_errors=True)
