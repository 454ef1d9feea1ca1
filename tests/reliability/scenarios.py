"""Failure scenarios run in a child Python process by ``test_no_hangs.py``.

Usage: ``python scenarios.py NAME [ARG]``. Each scenario prints ``READY`` when the Lava
runtime is about to run, and exits with status 3 and one line ``ERROR: ...`` on stderr
when the library raised the error it should (status 0 means no error was raised).
Running in a child process means a hang cannot take the test runner down.
"""

from __future__ import annotations

import sys

import numpy as np

from lava_stllr.params import STLLRParams

P = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)
FAIL_AT_STEP = 40


def _fail_in_lif_model() -> None:
    """Make the registered float models of the hidden layers (``STLLRLIF``, and
    ``FusedLayer`` of the fused network) raise at Lava step ``FAIL_AT_STEP``.

    Patched on the classes before the runtime forks its model processes, so the child
    that runs the model inherits it.
    """
    from lava_stllr.processes import STLLRLIF, FusedLayer
    from process_models.registry import model_for

    for proc in (STLLRLIF, FusedLayer):
        model = model_for(proc, "floating_pt")
        original = model.run_spk

        def run_spk(self, original=original) -> None:
            if self.time_step == FAIL_AT_STEP:
                raise FloatingPointError(f"injected failure at step {self.time_step}")
            original(self)

        model.run_spk = run_spk


def _dataset(n: int = 20):
    from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset

    config = SyntheticConfig(side=4, n_steps=12, n_classes=3, speed_range=(0.5, 1.0),
                             bar_length_range=(2, 4))
    return synthetic_dataset(n, seed=1, config=config)


def model_error() -> None:
    """An exception inside a ProcessModel during STLLRNetwork.train."""
    from lava_stllr.lavanet.network import STLLRNetwork

    _fail_in_lif_model()
    data = _dataset()
    with STLLRNetwork((32, 8, 3), n_steps=data.n_steps, params=P, timeout=60) as net:
        print("READY", flush=True)
        net.train(data, progress=False)


def _raw_network(wiring: str):
    """RingBuffer -> STLLRDense -> STLLRLIF, learning ports wired as ``wiring`` says."""
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LearningLIF

    from lava_stllr.processes import STLLRLIF, STLLRDense

    rng = np.random.default_rng(0)
    src = RingBuffer(data=(rng.random((6, 20)) < 0.3).astype(float))
    dense = STLLRDense(weights=rng.normal(size=(4, 6)), params=P, name="dense0")
    lif = STLLRLIF(n=4, params=P, name="lif0")
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    if wiring == "ok":
        lif.y2_out.connect(dense.s_in_y2)
        lif.y3_out.connect(dense.s_in_y3)
    elif wiring == "swapped":
        lif.y3_out.connect(dense.s_in_y2)
        lif.y2_out.connect(dense.s_in_y3)
    elif wiring == "stock_neuron":
        stock = LearningLIF(shape=(4,), name="stock_lif")
        stock.s_out_y2.connect(dense.s_in_y2)
        stock.s_out_y3.connect(dense.s_in_y3)
    elif wiring == "one_port":
        lif.y2_out.connect(dense.s_in_y2)
    return src


def raw_model_error() -> None:
    """An exception inside a ProcessModel of a hand-built network run with run_guarded."""
    from lava_stllr.lavanet.run_config import STLLRSimCfg
    from lava_stllr.runtime.guard import run_guarded

    _fail_in_lif_model()
    src = _raw_network("ok")
    print("READY", flush=True)
    run_guarded(src, 2 * FAIL_AT_STEP, STLLRSimCfg(), timeout=60)


def _wiring(kind: str) -> None:
    from lava.magma.core.run_conditions import RunSteps

    from lava_stllr.lavanet.run_config import STLLRSimCfg

    src = _raw_network(kind)
    print("READY", flush=True)
    try:
        src.run(condition=RunSteps(num_steps=5), run_cfg=STLLRSimCfg())
    finally:
        src.stop()


def unconnected() -> None:
    """STLLRDense with unconnected learning ports (would silently never learn)."""
    _wiring("unconnected")


def one_port() -> None:
    """Only s_in_y2 connected."""
    _wiring("one_port")


def swapped() -> None:
    """y2 and y3 swapped."""
    _wiring("swapped")


def stock_neuron() -> None:
    """Lava's LearningLIF drives the learning ports (it never sends: a hang)."""
    _wiring("stock_neuron")


def raw_ok() -> None:
    """The correctly wired hand-built network runs (the control case)."""
    from lava_stllr.lavanet.run_config import STLLRSimCfg
    from lava_stllr.runtime.guard import run_guarded

    src = _raw_network("ok")
    print("READY", flush=True)
    run_guarded(src, 30, STLLRSimCfg(), timeout=60)
    run_guarded(src, 10, timeout=60)
    src.stop()


def cli_model_error() -> int:
    """The CLI's Lava training with a failing model: returns the CLI's exit status."""
    from lava_stllr.cli import main as cli_main

    _fail_in_lif_model()
    print("READY", flush=True)
    return cli_main(["train", "--backend", "lava", "--samples", "16", "--val-samples", "4",
                     "--epochs", "1", "--hidden", "4", "--no-plots", "--quiet", "--out",
                     sys.argv[2]])


#: Lava start-up steps a signal can hit: (class path, method), in the order they run.
STARTUP_STEPS = {
    "compile": ("lava.magma.compiler.compiler.Compiler", "compile"),  # no child yet
    "channels": ("lava.magma.runtime.runtime.Runtime", "_build_channels"),  # manager up
    "services": ("lava.magma.runtime.runtime.Runtime", "_build_runtime_services"),
    "start": ("lava.magma.runtime.runtime.Runtime", "start"),  # every actor forked
}


def _signal_at_startup(step: str, sig: str, target: str) -> None:
    """Make the host send itself (or its process group: Ctrl-C) a real ``sig`` when
    Lava's start-up reaches ``step``; the handler runs inside Lava's code."""
    import importlib
    import os
    import signal

    module_name, cls_name = STARTUP_STEPS[step][0].rsplit(".", 1)
    cls = getattr(importlib.import_module(module_name), cls_name)
    original = getattr(cls, STARTUP_STEPS[step][1])
    signum = getattr(signal, sig)

    def patched(self, *args, **kwargs):
        if target == "group":
            os.killpg(os.getpgid(0), signum)
        else:
            os.kill(os.getpid(), signum)
        return original(self, *args, **kwargs)

    setattr(cls, STARTUP_STEPS[step][1], patched)


def cli_signal_at_startup() -> int:
    """``cli_signal_at_startup OUT STEP SIG TARGET``: a CLI Lava training that gets
    ``SIG`` at start-up ``STEP``; returns the CLI's exit status."""
    from lava_stllr.cli import main as cli_main

    out, step, sig, target = sys.argv[2:6]
    _signal_at_startup(step, sig, target)
    print("READY", flush=True)
    return cli_main(["train", "--backend", "lava", "--samples", "16", "--val-samples", "4",
                     "--epochs", "1", "--hidden", "4", "--no-plots", "--quiet", "--out", out])


def cli_signal_in_fork() -> int:
    """``cli_signal_in_fork OUT N``: a CLI Lava training that gets Ctrl-C (SIGINT to its
    process group) while the host forks its ``N``-th child process, held until the fork
    ends, like a signal that arrives during the ``fork`` system call (the Python handler
    then runs in the fork hooks, where CPython prints and drops what it raises)."""
    import os
    import signal

    out, nth = sys.argv[2], int(sys.argv[3])
    forks = {"n": 0}

    def during_fork() -> None:
        forks["n"] += 1
        if forks["n"] == nth:
            os.killpg(os.getpgid(0), signal.SIGINT)

    # Registered before lava-stllr's fork hooks: before-fork hooks run last-registered
    # first, so lava-stllr's has blocked the signal when this one sends it.
    os.register_at_fork(before=during_fork)
    from lava_stllr.cli import main as cli_main

    print("READY", flush=True)
    return cli_main(["train", "--backend", "lava", "--samples", "16", "--val-samples", "4",
                     "--epochs", "1", "--hidden", "4", "--no-plots", "--quiet", "--out", out])


def cli_signal_at_exit() -> int:
    """``cli_signal_at_exit``: ``lava-stllr info`` as the program (``main()`` with no
    arguments) that gets Ctrl-C in an ``atexit`` hook, after the command returned."""
    import atexit
    import os
    import signal
    import time

    from lava_stllr.cli import main as cli_main

    def late_ctrl_c() -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(2.0)  # the handler runs before this ends

    atexit.register(late_ctrl_c)
    sys.argv = ["lava-stllr", "info"]
    print("READY", flush=True)
    return cli_main()


def cli_signal_with_leaked_semaphore() -> int:
    """``cli_signal_with_leaked_semaphore``: ``lava-stllr info`` as the program, after a
    child process was killed holding a semaphore (as a Lava process killed by Ctrl-C
    can be: the resource tracker reports it when the last process holding its pipe
    ends), gets Ctrl-C during the command."""
    import multiprocessing
    import os
    import signal
    import time
    from multiprocessing import resource_tracker

    from lava_stllr.cli import info
    from lava_stllr.cli import main as cli_main

    def leak() -> None:
        # A spawn-context semaphore is named and registered with the tracker, unlike a
        # fork-context one; SIGKILL never unregisters it.
        held = multiprocessing.get_context("spawn").Semaphore(1)  # freed, it unregisters
        os.kill(os.getpid(), signal.SIGKILL)
        del held

    resource_tracker.ensure_running()  # ours, which the child then shares (as Lava's do)
    child = multiprocessing.get_context("fork").Process(target=leak)
    child.start()
    child.join()

    def ctrl_c(args) -> int:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(2.0)  # the handler runs before this ends
        return 0

    info.run = ctrl_c
    sys.argv = ["lava-stllr", "info"]
    print("READY", flush=True)
    return cli_main()


_KEPT: list = []


def never_closed() -> None:
    """``never_closed local|global``: train an STLLRNetwork and exit without ``with`` or
    ``close()``, the network dropped (a local) or still referenced (a global)."""
    from lava_stllr.lavanet.network import STLLRNetwork

    data = _dataset(8)
    net = STLLRNetwork((32, 8, 3), n_steps=data.n_steps, params=P, timeout=60)
    if sys.argv[2] == "global":
        _KEPT.append(net)
    print("READY", flush=True)
    net.train(data, progress=False)
    print("TRAINED", flush=True)


SCENARIOS = {f.__name__: f for f in (model_error, raw_model_error, unconnected, one_port,
                                     swapped, stock_neuron, raw_ok, cli_model_error,
                                     cli_signal_at_startup, cli_signal_in_fork,
                                     cli_signal_at_exit, cli_signal_with_leaked_semaphore,
                                     never_closed)}


def main(name: str) -> int:
    """Run scenario ``name``; 3 with ``ERROR: <message>`` on stderr if it raised, else
    the status it returned (0 if none)."""
    try:
        status = SCENARIOS[name]()
    except Exception as exc:  # the error the library reports is what the test checks
        message = " ".join(str(exc).split("\n")[0].split())
        print(f"ERROR: {type(exc).__name__}: {message}", file=sys.stderr, flush=True)
        return 3
    return status or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
