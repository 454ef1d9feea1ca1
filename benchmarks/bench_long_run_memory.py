"""Memory of a long Lava training run: flat, in the host and in every model process.

Builds one :class:`~lava_stllr.lavanet.network.STLLRNetwork` (synthetic 512-32-4, 24 steps per
sample, DFA, float models) and trains it online on ``--samples`` samples (default 2,400)
in calls of ``--chunk`` samples, the way a long run streams data through one runtime.
Before the first call and after every call it reads the resident set size (``VmRSS`` in
``/proc/<pid>/status``) of the main process and of every one of its descendants: the
Lava model processes (one per Process), the runtime service, the shared-memory manager
and multiprocessing's resource tracker. It prints a table (samples done vs RSS MiB per
process and in total) and, per process, the least-squares slope of RSS over samples,
in MiB per 1,000 samples, fitted after the first call (warm-up: compile, first
allocations, caches).

The samples cycle through ``--distinct`` generated samples (default 600) so that the
dataset itself (allocated before the first reading) does not dominate the host's memory.

Usage: ``python benchmarks/bench_long_run_memory.py [--samples N] [--chunk N]``.
"""

from __future__ import annotations

import argparse
import os
import time

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


def main() -> None:
    """Train, measure, print the table and the slopes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=2400)
    parser.add_argument("--chunk", type=int, default=200)
    parser.add_argument("--distinct", type=int, default=600)
    args = parser.parse_args()

    config = SyntheticConfig()  # 16 x 16 x 2 = 512 inputs, 24 steps, 4 classes
    data = synthetic_dataset(args.distinct, seed=0, config=config)
    assert (data.n_inputs, data.n_classes) == (SIZES[0], SIZES[-1])
    net = STLLRNetwork(SIZES, n_steps=config.n_steps, params=PARAMS, seed=0)
    main_pid = os.getpid()
    rows: list[tuple[int, float, float, dict[int, float], float]] = []
    names: dict[int, str] = {}

    def measure(done: int, accuracy: float) -> None:
        readings = {pid: memory_mib(pid) for pid in [main_pid, *descendants(main_pid)]}
        readings = {p: r for p, r in readings.items() if r is not None}
        rows.append((done, accuracy, time.perf_counter(),
                     {p: r[0] for p, r in readings.items()},
                     sum(r[1] for r in readings.values())))

    try:
        # The first (1-sample) call compiles and starts the runtime; measure after it so
        # that every process exists at every reading.
        net.train(data, indices=[0], progress=False)
        names = process_names(net)
        measure(1, float("nan"))
        done = 1
        while done < args.samples:
            n = min(args.chunk, args.samples - done)
            idx = np.arange(done, done + n) % len(data)
            result = net.train(data, indices=idx, progress=False)
            done += n
            measure(done, result.accuracy)
    finally:
        net.close()

    pids = sorted({p for row in rows for p in row[3]},
                  key=lambda p: (p != main_pid, label(p, names)))
    cols = ["main" if p == main_pid else label(p, names) for p in pids]
    width = max(9, *(len(c) for c in cols))
    steps_per_sample = net.layout.period
    print(f"STLLRNetwork {'-'.join(map(str, SIZES))}, {config.n_steps} steps + "
          f"{net.layout.gap} gap per sample, {len(pids) - 1} child processes; "
          f"RSS per process and total RSS / PSS, MiB, after each call")
    header = f"{'samples':>8} {'acc':>6} {'s':>6} " + " ".join(f"{c:>{width}}" for c in cols)
    print(header + f" {'total RSS':>9} {'total PSS':>9}")
    start = rows[0][2]
    for done, acc, t, readings, pss in rows:
        values = [readings.get(p, float("nan")) for p in pids]
        print(f"{done:>8} {acc:>6.3f} {t - start:>6.0f} "
              + " ".join(f"{v:>{width}.1f}" for v in values)
              + f" {np.nansum(values):>9.1f} {pss:>9.1f}")
    fit = rows[1:] if len(rows) > 2 else rows
    xs = [r[0] / 1000.0 for r in fit]
    print(f"\nslope, MiB per 1,000 samples (least squares over samples {fit[0][0]}.."
          f"{fit[-1][0]}, after the first call):")
    series = [(col, [r[3].get(pid, float("nan")) for r in fit])
              for pid, col in zip(pids, cols, strict=True)]
    series += [("total RSS", [sum(r[3].get(p, 0.0) for p in pids) for r in fit]),
               ("total PSS", [r[4] for r in fit])]
    for col, ys in series:
        if not any(np.isnan(ys)):
            print(f"  {col:<{width}} {slope(xs, ys):+8.3f}  ({ys[0]:.1f} -> {ys[-1]:.1f})")
    seconds = rows[-1][2] - rows[0][2]
    print(f"\n{rows[-1][0] - rows[0][0]} samples in {seconds:.0f} s "
          f"({seconds / max(1, (rows[-1][0] - rows[0][0]) * steps_per_sample) * 1e3:.2f} ms "
          f"per Lava step)")


if __name__ == "__main__":
    main()
