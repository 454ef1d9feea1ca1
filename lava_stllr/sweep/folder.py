"""The sweep folder: claimed by one sweep at a time, the same command resumes it, and a
trial is finished when its run folder is complete.

Layout::

    SWEEP/sweep.json      the sweep's definition (grid, seeds, train command, trials)
    SWEEP/command.sh      the command that reproduces (or resumes) it
    SWEEP/LOCK            the running sweep's pid (removed when it ends)
    SWEEP/sweep.log       one line per trial started, finished or failed
    SWEEP/trials/NAME/    each trial's ordinary run folder
    SWEEP/logs/NAME.log   each trial's output; NAME.failed its one-line reason;
                          NAME.stopped where --asha stopped it
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shlex
import shutil
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import CLIError
from lava_stllr.runs.folder import INCOMPLETE_FILE, RECORD_FILE, _owner_alive
from lava_stllr.sweep.grid import Trial

SPEC_FILE = "sweep.json"
COMMAND_FILE = "command.sh"
LOCK_FILE = "LOCK"
LOG_FILE = "sweep.log"
TRIALS = "trials"
LOGS = "logs"


def trial_dir(sweep: Path, trial: Trial) -> Path:
    """The run folder of ``trial``."""
    return sweep / TRIALS / trial.name


def is_finished(sweep: Path, trial: Trial) -> bool:
    """True when the trial's run folder is complete (``run.json``, no ``INCOMPLETE``)."""
    folder = trial_dir(sweep, trial)
    return (folder / RECORD_FILE).is_file() and not (folder / INCOMPLETE_FILE).exists()


def failure(sweep: Path, trial: Trial) -> str | None:
    """The one-line reason of the trial's last failure, or None."""
    try:
        return (sweep / LOGS / f"{trial.name}.failed").read_text().strip() or "failed"
    except OSError:
        return None


def check_out(out: Path, spec: dict[str, Any]) -> None:
    """Refuse an ``--out`` that is a file, or a folder that holds another sweep or other
    files (checked before anything is created)."""
    if not str(out).strip():
        raise CLIError("--out is empty (an unset shell variable?); give a folder")
    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a folder")
    if not out.is_dir():
        return
    _check_lock(out)
    try:
        old = json.loads((out / SPEC_FILE).read_text())
    except FileNotFoundError:
        if any(p.name != LOCK_FILE for p in out.iterdir()):
            raise CLIError(f"--out {out} is not empty and holds no sweep; choose another "
                           "--out") from None
        return
    except (OSError, ValueError) as exc:
        raise CLIError(f"--out {out}: cannot read its {SPEC_FILE}: {exc}") from None
    if old.get("trials") != spec["trials"]:
        raise CLIError(f"--out {out} holds another sweep (other grid, seeds or train "
                       f"command; see {out / COMMAND_FILE}); choose another --out")


def _check_lock(out: Path) -> None:
    """Refuse a folder whose ``LOCK`` is held by another live process."""
    lock = out / LOCK_FILE
    if lock.exists():
        pid, alive = _owner_alive(lock)
        if alive and pid != os.getpid():
            raise CLIError(f"{out} is in use by another sweep (pid {pid}); wait for it "
                           "or choose another --out")


def claim(out: Path) -> None:
    """Create ``out`` and its ``LOCK`` (this process's pid); a lock whose owner is alive
    refuses the sweep, one left by a sweep that is gone is taken over (resumption)."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CLIError(f"cannot create the sweep folder {out}: {err.strerror or err}") from None
    lock = out / LOCK_FILE
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            _check_lock(out)
            lock.unlink(missing_ok=True)
            continue
        except OSError as err:
            raise CLIError(f"cannot write to the sweep folder {out}: "
                           f"{err.strerror or err}") from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()} started {_now()}\n")
        return
    raise CLIError(f"{out} is in use by another sweep; choose another --out")


def release(out: Path) -> None:
    """Remove the sweep's ``LOCK``."""
    (out / LOCK_FILE).unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`lava_stllr.files.atomic_write`)."""
    from lava_stllr.files import atomic_write

    atomic_write(path, lambda f: f.write(text.encode()))


def write_spec(out: Path, spec: dict[str, Any], command: list[str]) -> None:
    """Write ``sweep.json`` and ``command.sh``: the command that reproduces the sweep
    (or resumes it), run in the folder it was started from."""
    write_text(out / SPEC_FILE, json.dumps(spec, indent=1) + "\n")
    write_text(out / COMMAND_FILE,
               "#!/bin/sh\n# Runs (or resumes: only unfinished trials run) this sweep.\n"
               f"cd {shlex.quote(os.getcwd())} || exit 2\n"
               + " ".join(shlex.quote(c) for c in command) + "\n")


def prepare(out: Path, trials: list[Trial]) -> list[Trial]:
    """The trials that did not finish (nor were stopped early by ``--asha``); the run
    folders they left (interrupted ones) and their old failure marks are removed, so that
    they start afresh."""
    todo = []
    (out / LOGS).mkdir(exist_ok=True)
    for trial in trials:
        if is_finished(out, trial) or (out / LOGS / f"{trial.name}.stopped").exists():
            continue
        folder = trial_dir(out, trial)
        if folder.exists():
            pid, alive = _owner_alive(folder / INCOMPLETE_FILE)
            if alive:
                raise CLIError(f"trial {trial.name} is still running (pid {pid}), left by "
                               "a sweep that is gone; stop it, then run the sweep again")
            shutil.rmtree(folder)
        (out / LOGS / f"{trial.name}.failed").unlink(missing_ok=True)
        todo.append(trial)
    return todo


def log(out: Path, line: str) -> None:
    """Append ``line`` with a timestamp to ``sweep.log``."""
    with open(out / LOG_FILE, "a") as f:
        f.write(f"{_now()} {line}\n")


def _now() -> str:
    return _dt.datetime.now().isoformat(timespec="seconds")
