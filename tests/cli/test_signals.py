"""A signal that reaches the command always ends it with 128 + its number, even when code
outside the CLI swallows or converts the exception its handler raised (in-process)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from lava_stllr.cli import info, main
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
