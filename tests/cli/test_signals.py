"""A signal that reaches the command always ends it with 128 + its number, even when code
outside the CLI swallows or converts the exception its handler raised (in-process)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lava_stllr.cli import info, main, signals
from lava_stllr.runs import record as runs

TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "1",
        "--hidden", "8", "--quiet", "--no-plots"]


def _swallowed_ctrl_c() -> None:
    """A real SIGINT whose ``KeyboardInterrupt`` is dropped, as CPython does in a fork
    hook or a ``__del__``."""
    try:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1.0)  # the handler runs before this ends
    except KeyboardInterrupt:
        pass


def test_ctrl_c_turned_into_an_import_error_is_an_interruption(monkeypatch, capsys):
    # pybind11 modules (scipy, matplotlib) raise ImportError("initialization failed")
    # from a KeyboardInterrupt that comes while they load.
    def run(args):
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise ImportError("initialization failed") from exc

    monkeypatch.setattr(info, "run", run)
    assert main(["info"]) == 130
    assert capsys.readouterr().err.strip() == "lava-stllr: interrupted"


#: ``python -m`` this module: ``lava-stllr info`` whose command is interrupted inside code
#: run through ``PyRun_String``, as while NumPy's or SciPy's Cython modules initialise.
_NESTED_CTRL_C = textwrap.dedent("""
    import ctypes
    import sys

    from lava_stllr.cli import info, main, signals

    NESTED = b"import os, signal, time\\nos.kill(os.getpid(), signal.SIGINT)\\ntime.sleep(5)"

    def run(args):
        run_string = ctypes.pythonapi.PyRun_String
        run_string.restype = ctypes.py_object
        run_string.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object,
                               ctypes.py_object]
        run_string(NESTED, 257, {}, {})  # 257: Py_file_input
        return 0

    info.run = run
    sys.argv = ["lava-stllr", "info"]
    sys.exit(main())
""")


def test_ctrl_c_inside_nested_interpreter_code_exits_130(tmp_path):
    # CPython remembers a KeyboardInterrupt that escaped PyRun_String, even one handled
    # further up, and after ``python -m`` kills its own process with SIGINT (status -2).
    (tmp_path / "nested_ctrl_c.py").write_text(_NESTED_CTRL_C)
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    done = subprocess.run([sys.executable, "-m", "nested_ctrl_c"], env=env, timeout=60,
                          capture_output=True, text=True)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "lava-stllr: interrupted"


@pytest.mark.parametrize(("sig", "status", "message"), [
    ("SIGINT", 130, "interrupted"), ("SIGTERM", 143, "terminated")])
def test_a_swallowed_signal_still_ends_the_command(sig, status, message, monkeypatch,
                                                    capsys):
    def run(args):
        try:
            os.kill(os.getpid(), getattr(signal, sig))
            time.sleep(1.0)
        except BaseException:  # dropped, as in a fork hook
            pass
        return 0

    monkeypatch.setattr(info, "run", run)
    assert main(["info"]) == status
    assert capsys.readouterr().err.strip() == f"lava-stllr: {message}"
    monkeypatch.undo()
    assert main(["info", "--json"]) == 0  # the next command starts afresh


def test_a_swallowed_ctrl_c_leaves_the_training_run_incomplete(monkeypatch, tmp_path,
                                                                 capsys):
    save_run = runs.save_run

    def save_then_ctrl_c(*args, **kwargs):
        save_run(*args, **kwargs)
        _swallowed_ctrl_c()

    monkeypatch.setattr(runs, "save_run", save_then_ctrl_c)
    out = tmp_path / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "lava-stllr: interrupted"
    assert (out / "INCOMPLETE").exists()  # never marked complete


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGHUP"])
def test_recorded_during_holds_term_and_hup_until_the_block_ends(sig: str) -> None:
    signum = getattr(signal, sig)
    previous = signals.install()
    try:
        handler = signal.getsignal(signum)
        reached_end = False
        with pytest.raises(signals.Terminated) as caught:
            with signals.recorded_during():
                os.kill(os.getpid(), signum)
                time.sleep(0.2)  # the handler runs meanwhile and only records it
                reached_end = True
        assert reached_end and caught.value.signum == signum
        assert signal.getsignal(signum) is handler  # the command's handler is back
    finally:
        signals.restore(previous)


def test_ctrl_c_inside_a_weakref_callback_prints_no_traceback(capfd) -> None:
    # CPython prints and drops what a weakref callback raises ("Exception ignored in"):
    # Ctrl-C that lands in importlib's module-lock cleanup while a module loads did so.
    import weakref

    class Thing:
        pass

    def with_signal(ref) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(1.0)  # the handler raises here, inside the callback

    previous = signals.install()
    try:
        thing = Thing()
        ref = weakref.ref(thing, with_signal)
        del thing  # the callback runs now, and drops the KeyboardInterrupt
        assert ref() is None
        assert signals.received() == signal.SIGINT  # recorded: the command still ends
    finally:
        signals.restore(previous)
    err = capfd.readouterr().err
    assert "Exception ignored" not in err and "Traceback" not in err
    assert sys.unraisablehook is not signals._quiet_unraisable  # put back


def test_other_unraisable_exceptions_still_reach_the_previous_hook(capfd) -> None:
    import weakref

    seen = []
    original = sys.unraisablehook
    sys.unraisablehook = seen.append
    previous = signals.install()
    try:
        class Thing:
            pass

        def broken(ref) -> None:
            raise ValueError("a real bug")

        thing = Thing()
        ref = weakref.ref(thing, broken)
        del thing
        assert ref() is None
    finally:
        signals.restore(previous)
        sys.unraisablehook = original
    assert [type(u.exc_value) for u in seen] == [ValueError]


def test_held_lines_come_once_and_last(capfd) -> None:
    signals.hold_lines()
    try:
        signals.say("lava-stllr: interrupted")
        signals.say("lava-stllr: terminated")  # a second signal: the first line stands
        print("something else", file=sys.stderr, flush=True)
    finally:
        signals.release_lines()
    signals.say("not held")
    assert capfd.readouterr().err.splitlines() == ["something else",
                                                   "lava-stllr: interrupted", "not held"]
