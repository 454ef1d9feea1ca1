"""Shared memory of a run killed with SIGKILL is reclaimed when the next run starts.

Real Lava runs in child processes (``shm_job.py``), each in its own session and with a
hard timeout: run A is killed with SIGKILL (its whole process group, so that nothing of
Lava's can unlink its segments), a run C is left running, then a run B starts. B must
remove A's segments and record, and leave C's alone. All three use a private
``TMPDIR``, so their records are apart from those of other runs on the machine.
"""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
JOB = HERE / "shm_job.py"
SHM = Path("/dev/shm")
#: Hard limit for one run of the job (a tiny network starts and trains in ~1 s).
HARD_TIMEOUT_S = 60.0

pytestmark = [
    pytest.mark.timeout(4 * HARD_TIMEOUT_S),
    pytest.mark.skipif(not sys.platform.startswith("linux") or not SHM.is_dir(),
                       reason="POSIX shared memory in /dev/shm (Linux)"),
]


class Job:
    """``python shm_job.py MODE`` in a new session; ``ready()`` waits for its segments."""

    def __init__(self, mode: str, tmpdir: Path) -> None:
        env = dict(os.environ, TMPDIR=str(tmpdir))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        self.stderr = (tmpdir / f"{mode}-{time.monotonic_ns()}.err").open("w+")
        self.proc = subprocess.Popen([sys.executable, str(JOB), mode], cwd=ROOT, env=env,
                                     text=True, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.stderr,
                                     start_new_session=True)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line)

    def ready(self) -> list[str]:
        """The job's segment names, once it has trained (fails after the timeout)."""
        self.segments: list[str] = []
        deadline = time.monotonic() + HARD_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                words = self.lines.get(timeout=0.1).split()
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            if words[:1] == ["READY"]:
                assert int(words[1]) == self.proc.pid
                self.segments = words[2:]
                return self.segments
        self.kill()
        pytest.fail(f"the job did not start: {self.err()}")

    def end(self) -> int:
        """Let a ``hold`` job close its network; its exit status."""
        with_line = self.proc.poll() is None
        if with_line:
            self.proc.stdin.write("\n")
            self.proc.stdin.flush()
        try:
            return self.proc.wait(HARD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"the job did not end: {self.err()}")

    def kill(self) -> None:
        """SIGKILL the job's whole process group and wait for the job."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(HARD_TIMEOUT_S)

    def err(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-2000:]


def _group_gone(pgid: int, within: float = 10.0) -> bool:
    """True once ``killpg(pgid, 0)`` finds no process of the group (zombies aside)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        if all(_zombie(pid) for pid in _members(pgid)):
            return True
        time.sleep(0.05)
    return False


def _members(pgid: int) -> list[int]:
    pids = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            pids.append(int(entry))
    return pids


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] in "ZX"
    except OSError:
        return True


def _present(names: list[str]) -> list[str]:
    return [name for name in names if (SHM / name).exists()]


def test_the_segments_of_a_killed_run_are_reclaimed_by_the_next_one_only():
    tmpdir = Path(tempfile.mkdtemp(prefix="stllr-shm-"))  # short: Lava's socket paths
    records = tmpdir / f"lava-stllr-{os.getuid()}" / "shm"
    jobs: list[Job] = []
    try:
        a = Job("hold", tmpdir)
        jobs.append(a)
        killed = a.ready()
        assert len(killed) > 10 and _present(killed) == killed
        assert (records / f"{a.proc.pid}.json").exists()
        a.kill()  # host, Lava's actors, its manager and resource tracker: no cleanup
        assert _group_gone(a.proc.pid), "processes of the killed run survived"
        assert _present(killed) == killed, "the killed run's segments should be stale"

        c = Job("hold", tmpdir)
        jobs.append(c)
        live = c.ready()
        assert _present(live) == live and not set(live) & set(killed)

        b = Job("once", tmpdir)
        jobs.append(b)
        b.ready()
        assert b.end() == 0, b.err()
        assert _present(killed) == [], "the next run left the killed run's segments"
        assert not (records / f"{a.proc.pid}.json").exists()
        assert _present(live) == live, "the next run removed a live run's segments"
        assert (records / f"{c.proc.pid}.json").exists()

        assert c.end() == 0, c.err()
        assert _present(live) == []
        assert sorted(p.name for p in records.iterdir()) == []
    finally:
        for job in jobs:
            job.kill()
            job.stderr.close()
            for name in _present(getattr(job, "segments", [])):  # a failed test's
                (SHM / name).unlink(missing_ok=True)
        shutil.rmtree(tmpdir, ignore_errors=True)
