"""Where a training step of an ``STLLRNetwork`` goes, per OS process of Lava's runtime.

Lava runs every ProcessModel (and its runtime service) in a forked child process. This
benchmark installs a profiling wrapper *in the host before the runtime forks* (nothing
in the package changes; no cost when the benchmark is not running): it times, in every
child,

- compute: the phase handlers (``_spike``, ``_pre_mgmt``, ``_lrn``, ``_post_mgmt``,
  i.e. ``run_spk`` etc. and Lava's own bookkeeping around them) minus the channel time
  spent inside them;
- channel wait: ``recv``/``peek``/``send`` of every CSP port (data ports, and the
  management channel on which a model waits for the next phase command);
- other: the rest of the child's run loop (Lava's selector and command dispatch);

and, in the host, the time in ``send_sample``, ``send_label``, reading results and
weights (its channel wait is the polling of the pipes). The counters start at the
first step of the timed call (after a warm-up call that compiles and starts the
runtime) and each child writes its totals to a temporary folder when it stops.

With ``--baseline-dir DIR`` (a checkout of another commit) the same networks are also
timed with that checkout's package, in a fresh interpreter, and the steps/s of both and
their ratio are printed.

Usage: ``python benchmarks/bench_lava_profile.py [--samples N] [--baseline-dir DIR]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

#: ``(name, sizes, n_steps, precision)`` of the profiled networks.
NETWORKS = [
    ("demo 512-64-4 T=24 float", (512, 64, 4), 24, "float"),
    ("2312-256-10 T=25 float", (2312, 256, 10), 25, "float"),
    ("2312-256-10 T=25 fixed", (2312, 256, 10), 25, "fixed"),
    ("demo 512-64-4 T=24 fixed", (512, 64, 4), 24, "fixed"),
]
_PHASES = ("_spike", "_pre_mgmt", "_lrn", "_post_mgmt")


class _Counters:
    """Per-process cumulative times (``perf_counter`` seconds)."""

    def __init__(self) -> None:
        self.handler = 0.0
        self.channel = 0.0
        self.channel_in_handler = 0.0
        self.select = 0.0
        self.depth = 0  # > 0 while inside a phase handler
        self.start = 0.0
        self.cpu_start = 0.0
        self.snapshot: dict | None = None
        self.end: dict | None = None

    def totals(self) -> dict:
        return {"handler": self.handler, "channel": self.channel,
                "channel_in_handler": self.channel_in_handler, "select": self.select,
                "wall": time.perf_counter(), "cpu": time.process_time()}


def install_profiler(out_dir: str, start_step: int, end_step: int) -> None:
    """Wrap Lava's model and channel classes (inherited by the forked children)."""
    from lava.magma.compiler.channels import pypychannel as ch
    from lava.magma.core.model.py.model import AbstractPyProcessModel, PyLoihiProcessModel

    counters = _Counters()

    def timed_channel(fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.perf_counter() - t0
                counters.channel += dt
                if counters.depth:
                    counters.channel_in_handler += dt
        return wrapper

    for cls, names in [(ch.CspRecvPort, ("recv", "peek")), (ch.CspSendPort, ("send",))]:
        for name in names:
            setattr(cls, name, timed_channel(getattr(cls, name)))

    select = ch.CspSelector.select

    def timed_select(self, *args):
        t0 = time.perf_counter()
        try:
            return select(self, *args)
        finally:
            counters.select += time.perf_counter() - t0

    ch.CspSelector.select = timed_select

    def timed_phase(fn):
        def wrapper(self):
            if fn.__name__ == "_spike" and self.time_step + 1 == start_step:
                counters.snapshot = counters.totals()
            t0 = time.perf_counter()
            counters.depth += 1
            try:
                return fn(self)
            finally:
                counters.depth -= 1
                counters.handler += time.perf_counter() - t0
                if fn.__name__ == "_spike" and self.time_step == end_step:
                    counters.end = counters.totals()
        wrapper.__name__ = fn.__name__
        return wrapper

    for name in _PHASES:
        setattr(PyLoihiProcessModel, name, timed_phase(getattr(PyLoihiProcessModel, name)))

    def dump(label: str) -> None:
        end, begin = counters.end, counters.snapshot
        if begin is None or end is None:
            return
        data = {k: end[k] - begin[k] for k in end}
        data["label"] = label
        Path(out_dir, f"{os.getpid()}.json").write_text(json.dumps(data))

    def timed_run(fn, name_of):
        def wrapper(self):
            try:
                return fn(self)
            finally:
                dump(name_of(self))
        return wrapper

    AbstractPyProcessModel.run = timed_run(
        AbstractPyProcessModel.run, lambda m: f"{type(m).__name__}#{m.model_id}")


def _host_hooks(net) -> dict[str, float]:
    """Time the host's calls on ``net`` (and its pipe polling) from now on."""
    from lava_stllr.processes import host_io

    times = {"send_sample": 0.0, "send_label": 0.0, "results": 0.0, "weights": 0.0,
             "pipe_wait": 0.0}

    def timed(key, fn):
        def wrapper(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                times[key] += time.perf_counter() - t0
        return wrapper

    net.source.send_sample = timed("send_sample", net.source.send_sample)
    net.labels.send_label = timed("send_label", net.labels.send_label)
    net.error.receive_result = timed("results", net.error.receive_result)
    for dense in (*net.dense, *net.recurrent):
        dense.receive_weights = timed("weights", dense.receive_weights)
    host_io._wait = timed("pipe_wait", host_io._wait)
    return times


def random_dataset(n: int, sizes, n_steps: int, rate: float, seed: int = 0):
    from lava_stllr.data.dataset import ArrayDataset

    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, sizes[0])) < rate).astype(np.float32)
    return ArrayDataset(spikes, rng.integers(0, sizes[-1], n), sizes[-1])


def run_digest(result, net) -> str:
    """SHA-256 of a call's scores and the network's weights after it (float64 bytes):
    equal digests mean the same results bit for bit."""
    digest = hashlib.sha256(np.asarray(result.scores, dtype=np.float64).tobytes())
    for w in net.weights():
        digest.update(np.asarray(w, dtype=np.float64).tobytes())
    return digest.hexdigest()


def _network(sizes, n_steps, params, precision: str):
    """An ``STLLRNetwork`` of the checkout on ``sys.path``: today's (``lavanet``,
    ``precision=``) or one from before the assembly moved (``network``, ``tag=``), so a
    baseline checkout can be timed with this script."""
    try:
        from lava_stllr.lavanet.network import STLLRNetwork
    except ImportError:
        from lava_stllr.network import STLLRNetwork  # before lavanet/
        tag = {"float": "floating_pt", "fixed": "fixed_pt"}[precision]
        return STLLRNetwork(sizes, n_steps=n_steps, params=params, tag=tag, timeout=300)
    return STLLRNetwork(sizes, n_steps=n_steps, params=params, precision=precision,
                        timeout=300)


def time_network(sizes, n_steps, precision, samples, rate, profile_dir: str | None) -> dict:
    """Train once (warm-up, 1 sample), then time a call on ``samples`` samples."""
    from lava_stllr.params import STLLRParams

    data = random_dataset(samples, sizes, n_steps, rate)
    params = STLLRParams.preset("code_default", lr=1e-3)
    net = _network(sizes, n_steps, params, precision)
    period = net.layout.period
    if profile_dir is not None:
        install_profiler(profile_dir, start_step=2 * period + 1,
                         end_step=(samples + 3) * period)
    try:
        net.train(data, 1, progress=False)
        host = _host_hooks(net) if profile_dir is not None else None
        start = time.perf_counter()
        result = net.train(data, progress=False)
        wall = time.perf_counter() - start
        digest = run_digest(result, net)
    finally:
        net.close()
    steps = (samples + 1) * period
    return {"steps": steps, "wall": wall, "steps_per_s": steps / wall, "host": host,
            "accuracy": result.accuracy, "digest": digest}


def print_profile(out: dict, profile_dir: str) -> None:
    wall = out["wall"]
    rows = []
    for path in sorted(Path(profile_dir).glob("*.json")):
        d = json.loads(path.read_text())
        compute = d["handler"] - d["channel_in_handler"]
        wait = d["channel"] + d["select"]
        rows.append((d["label"], compute, wait, d["wall"] - compute - wait, d["cpu"]))
    host = out["host"]
    busy = sum(v for k, v in host.items() if k != "pipe_wait")
    rows.append(("host", busy - host["pipe_wait"], host["pipe_wait"], wall - busy,
                 float("nan")))
    print(f"{'process':>28} | {'compute s':>9} | {'chan wait s':>11} | {'other s':>7} | "
          f"{'cpu s':>6} | {'compute/wall':>12}")
    for name, compute, chan, other, cpu in sorted(rows, key=lambda r: -r[1]):
        print(f"{name:>28} | {compute:9.3f} | {chan:11.3f} | {other:7.3f} | {cpu:6.2f} | "
              f"{compute / wall:12.1%}")
    print("host calls (s, incl. their pipe polling): "
          + ", ".join(f"{k} {v:.3f}" for k, v in host.items() if k != "pipe_wait")
          + "; host other = the rest of the call (stream_items, drain loop, wait)")


def run_one(index: int, samples: int, rate: float, profile: bool) -> dict:
    name, sizes, n_steps, precision = NETWORKS[index]
    with tempfile.TemporaryDirectory(prefix="stllr-profile-") as tmp:
        out = time_network(sizes, n_steps, precision, samples, rate, tmp if profile else None)
        if profile:
            print(f"\n== {name}: {out['steps']} steps in {out['wall']:.2f} s = "
                  f"{out['steps_per_s']:.1f} steps/s")
            time.sleep(0.5)  # let the children finish writing
            print_profile(out, tmp)
    return out


def _in_checkout(checkout: str, index: int, samples: int, rate: float,
                 profile: bool = False) -> dict:
    """Time network ``index`` with a checkout's package in a fresh interpreter (so the
    profiling wrapper never outlives one network); print its profile if ``profile``."""
    code = (f"import json, sys; sys.path.insert(0, {checkout!r}); "
            f"sys.path.insert(0, {str(Path(__file__).resolve().parent)!r}); "
            f"import bench_lava_profile as b; "
            f"out = b.run_one({index}, {samples}, {rate}, {profile}); "
            f"print('RESULT', json.dumps(out))")
    env = {**os.environ, "PYTHONPATH": checkout}
    proc = subprocess.run([sys.executable, "-c", code], cwd=checkout, env=env,
                          capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"timing in {checkout} failed:\n{proc.stderr[-3000:]}")
    lines = proc.stdout.splitlines()
    for line in lines:
        if not line.startswith("RESULT "):
            print(line)
    return json.loads([x for x in lines if x.startswith("RESULT ")][-1][len("RESULT "):])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=10)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--networks", default="0,1,2",
                        help="indices into NETWORKS (comma separated)")
    parser.add_argument("--baseline-dir", default=None,
                        help="checkout of the commit to compare with")
    parser.add_argument("--repeat", type=int, default=1,
                        help="timed runs per checkout, interleaved; the best is kept")
    parser.add_argument("--no-profile", action="store_true",
                        help="only steps/s (no profiling wrapper)")
    args = parser.parse_args()
    print("command:", shlex.join([sys.executable, *sys.argv]))
    indices = [int(i) for i in args.networks.split(",")]
    here = str(Path(__file__).resolve().parents[1])
    table = []
    for i in indices:
        if not args.no_profile:
            _in_checkout(here, i, args.samples, args.rate, profile=True)
        news, bases = [], []
        for _ in range(args.repeat):  # interleaved: the machine's load hits both alike
            news.append(_in_checkout(here, i, args.samples, args.rate))  # no wrapper
            if args.baseline_dir:
                bases.append(_in_checkout(args.baseline_dir, i, args.samples, args.rate))
        best = max(news, key=lambda r: r["steps_per_s"])
        base = max(bases, key=lambda r: r["steps_per_s"]) if bases else None
        # Each new run is paired with the baseline run right after it: the median of the
        # pair ratios is less sensitive to a load spike than the ratio of the bests.
        pairs = [n["steps_per_s"] / b["steps_per_s"] for n, b in zip(news, bases,
                                                                   strict=False)]
        same = all(r["digest"] == (bases or news)[0]["digest"] for r in news + bases)
        table.append((NETWORKS[i][0], best, base, pairs, same, os.getloadavg()[0]))
    print(f"\n{args.samples} samples per network, input rate {args.rate}, best of "
          f"{args.repeat} interleaved runs each; same result: every run's scores and "
          f"weights hash the same; load: the 1-minute load average after the network's runs")
    print(f"{'network':>26} | {'steps/s':>8} | {'baseline':>8} | {'ratio':>5} | "
          f"{'median pair ratio (min-max)':>27} | same result | load")
    for name, new, base, pairs, same, load in table:
        if base is None:
            print(f"{name:>26} | {new['steps_per_s']:8.1f} |")
            continue
        spread = f"{np.median(pairs):.2f} ({min(pairs):.2f}-{max(pairs):.2f})"
        print(f"{name:>26} | {new['steps_per_s']:8.1f} | {base['steps_per_s']:8.1f} | "
              f"{new['steps_per_s'] / base['steps_per_s']:5.2f} | {spread:>27} | "
              f"{str(same):>11} | {load:.1f}")


if __name__ == "__main__":
    main()
