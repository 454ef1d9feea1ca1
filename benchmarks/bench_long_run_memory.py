"""Soak of a long Lava training run: memory, file descriptors, threads and shared memory
stay flat, in the host and in every model process.

Builds one :class:`~lava_stllr.lavanet.network.STLLRNetwork` (synthetic 512-32-4, 24 steps per
sample, DFA; ``--precision float`` or ``fixed``) and trains it online on ``--samples``
samples (default 2,400; the soak of issue 29: ``--samples 20000``) in calls of ``--chunk``
samples, the way a long run streams data through one runtime. Before the first call and
after every call it reads, for the main process and every one of its descendants (the
Lava model processes, the runtime service, the shared-memory manager, multiprocessing's
resource tracker): the resident set size (``Rss``/``Pss`` of ``/proc/<pid>/smaps_rollup``),
the open file descriptors (``/proc/<pid>/fd``) and the threads (``/proc/<pid>/status``);
and the shared-memory segments of its runtime in ``/dev/shm`` (Lava's ``psm_*``). It
prints a table and, per series, the least-squares slope over samples, per 1,000 samples,
fitted after the first call (warm-up: compile, first allocations, caches).

The samples cycle through ``--distinct`` generated samples (default 600) so that the
dataset itself (allocated before the first reading) does not dominate the host's memory.

Usage: ``python benchmarks/bench_long_run_memory.py [--samples N] [--chunk N]
[--precision float|fixed]``; :func:`soak` is what ``tests/benchmarks/test_soak.py`` runs
at a small size.
"""

from __future__ import annotations

import argparse
import os
import time
from typing import NamedTuple

import numpy as np

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.params import STLLRParams

SIZES = (512, 32, 4)
PARAMS = STLLRParams.preset("code_default", lr=0.005)


def memory_mib(pid: int) -> tuple[float, float] | None:
    """``(RSS, PSS)`` of ``pid`` in MiB from ``/proc/<pid>/smaps_rollup``, or None if it
    is gone. RSS counts every resident page, including the copy-on-write pages a forked
    child shares with its parent; PSS divides shared pages among their sharers, so the
    PSS of all processes adds up to the memory actually used."""
    values = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in ("Rss", "Pss"):
                    values[key] = int(rest.split()[0]) / 1024.0
    except OSError:
        return None
    return values.get("Rss", 0.0), values.get("Pss", 0.0)


def open_fds(pid: int) -> int | None:
    """Open file descriptors of ``pid`` (None if it is gone)."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return None


def threads(pid: int) -> int | None:
    """Threads of ``pid`` (None if it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("Threads:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def shm_segments(net: STLLRNetwork) -> int:
    """Shared-memory segments of ``net``'s runtime that exist in ``/dev/shm`` (Lava's
    ``psm_*``; another run's segments are not counted)."""
    from lava_stllr.runtime.shm import segment_names

    return sum(os.path.exists(f"/dev/shm/{name}")
               for name in segment_names(net.source.runtime))


def descendants(pid: int) -> list[int]:
    """All live descendants of ``pid`` (from ``/proc/*/stat``), in pid order."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] not in ("Z", "X"):
                parent[int(entry)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        children = [c for c, p in parent.items() if p in frontier]
        found += children
        frontier = children
    return sorted(found)


def process_names(net: STLLRNetwork) -> dict[int, str]:
    """Pid -> Process name of the Lava actor processes (the runtime forks one actor per
    Python ProcessModel, in the executable's order, then the runtime services)."""
    from lava.magma.compiler.builders.py_builder import PyProcessBuilder

    runtime = net.source.runtime
    if runtime is None:
        return {}
    exe = runtime._executable
    labels = [type(proc).__name__ if proc.name.startswith("Process_") else proc.name
              for proc, builder in exe.proc_builders.items()
              if isinstance(builder, PyProcessBuilder)]
    labels += ["RuntimeService"] * len(exe.runtime_service_builders or {})
    infrastructure = runtime._messaging_infrastructure
    names = {actor.pid: name for actor, name in zip(infrastructure.actors, labels,
                                                    strict=False)}
    manager = getattr(getattr(infrastructure.smm, "_manager", None), "_process", None)
    if manager is not None:
        names[manager.pid] = "SharedMemoryMgr"
    return names


def label(pid: int, names: dict[int, str]) -> str:
    """A short column name for ``pid``."""
    if pid in names:
        return names[pid]
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        cmd = ""
    if "resource_tracker" in cmd:
        return "ResourceTracker"
    return f"child{pid}"


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``ys`` over ``xs``."""
    return float(np.polyfit(np.asarray(xs, float), np.asarray(ys, float), 1)[0])


class Reading(NamedTuple):
    """One reading after ``done`` samples: RSS per process, total PSS, and the totals of
    open file descriptors and threads over the processes, and the ``/dev/shm`` segments."""

    done: int
    accuracy: float
    seconds: float
    rss: dict[int, float]
    pss: float
    fds: int
    threads: int
    shm: int


def soak(samples: int, chunk: int = 200, distinct: int = 600,
         precision: str = "float") -> tuple[list[Reading], dict[int, str], STLLRNetwork]:
    """Train one network on ``samples`` samples in calls of ``chunk``; a :class:`Reading`
    after the first (1-sample) call, which compiles and starts the runtime, and after
    every call; the pid names; the (closed) network."""
    config = SyntheticConfig()  # 16 x 16 x 2 = 512 inputs, 24 steps, 4 classes
    data = synthetic_dataset(distinct, seed=0, config=config)
    assert (data.n_inputs, data.n_classes) == (SIZES[0], SIZES[-1])
    net = STLLRNetwork(SIZES, n_steps=config.n_steps, params=PARAMS, seed=0,
                       precision=precision)
    main_pid = os.getpid()
    rows: list[Reading] = []
    names: dict[int, str] = {}

    def measure(done: int, accuracy: float) -> None:
        pids = [main_pid, *descendants(main_pid)]
        memory = {p: memory_mib(p) for p in pids}
        memory = {p: m for p, m in memory.items() if m is not None}
        rows.append(Reading(done, accuracy, time.perf_counter(),
                            {p: m[0] for p, m in memory.items()},
                            sum(m[1] for m in memory.values()),
                            sum(open_fds(p) or 0 for p in memory),
                            sum(threads(p) or 0 for p in memory), shm_segments(net)))

    try:
        net.train(data, indices=[0], progress=False)
        names = process_names(net)
        measure(1, float("nan"))
        done = 1
        while done < samples:
            n = min(chunk, samples - done)
            idx = np.arange(done, done + n) % len(data)
            result = net.train(data, indices=idx, progress=False)
            done += n
            measure(done, result.accuracy)
    finally:
        net.close()
    return rows, names, net


def main() -> None:
    """Train, measure, print the table and the slopes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2400)
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=600)
    parser.add_argument("--precision", choices=("float", "fixed"), default="float")
    args = parser.parse_args()
    rows, names, net = soak(args.samples, args.chunk, args.distinct, args.precision)
    main_pid = os.getpid()
    pids = sorted({p for row in rows for p in row.rss},
                  key=lambda p: (p != main_pid, label(p, names)))
    cols = ["main" if p == main_pid else label(p, names) for p in pids]
    width = max(9, *(len(c) for c in cols))
    print(f"STLLRNetwork {'-'.join(map(str, SIZES))} ({args.precision}), "
          f"{net.layout.n_steps} steps + {net.layout.gap} gap per sample, "
          f"{len(pids) - 1} child processes; RSS per process and total RSS / PSS (MiB), "
          f"open fds, threads and /dev/shm segments, after each call")
    header = f"{'samples':>8} {'acc':>6} {'s':>6} " + " ".join(f"{c:>{width}}" for c in cols)
    print(header + f" {'total RSS':>9} {'total PSS':>9} {'fds':>5} {'threads':>7} {'shm':>5}")
    start = rows[0].seconds
    for r in rows:
        values = [r.rss.get(p, float("nan")) for p in pids]
        print(f"{r.done:>8} {r.accuracy:>6.3f} {r.seconds - start:>6.0f} "
              + " ".join(f"{v:>{width}.1f}" for v in values)
              + f" {np.nansum(values):>9.1f} {r.pss:>9.1f} {r.fds:>5} {r.threads:>7}"
              f" {r.shm:>5}")
    fit = rows[1:] if len(rows) > 2 else rows
    xs = [r.done / 1000.0 for r in fit]
    print(f"\nslope per 1,000 samples (least squares over samples {fit[0].done}.."
          f"{fit[-1].done}, after the first call):")
    series = [(col, [r.rss.get(pid, float("nan")) for r in fit])
              for pid, col in zip(pids, cols, strict=True)]
    series += [("total RSS", [sum(r.rss.get(p, 0.0) for p in pids) for r in fit]),
               ("total PSS", [r.pss for r in fit]), ("open fds", [r.fds for r in fit]),
               ("threads", [r.threads for r in fit]), ("shm segments", [r.shm for r in fit])]
    for col, ys in series:
        if not any(np.isnan(ys)):
            print(f"  {col:<{width}} {slope(xs, ys):+8.3f}  ({ys[0]:.1f} -> {ys[-1]:.1f})")
    seconds = rows[-1].seconds - rows[0].seconds
    steps = (rows[-1].done - rows[0].done) * net.layout.period
    print(f"\n{rows[-1].done - rows[0].done} samples in {seconds:.0f} s "
          f"({seconds / max(1, steps) * 1e3:.2f} ms per Lava step)")


if __name__ == "__main__":
    main()
