"""The ``lava-stllr`` command: train, evaluate, export, microcode, info.

One module per command (``add_parser(sub)`` and ``run(args) -> int``), the parser and
its shared option groups in :mod:`~lava_stllr.cli.parser`, the Lava backend adapter in
:mod:`~lava_stllr.cli.lava_adapter`. Heavy modules (Lava, the trainers, plotting) are
imported inside the commands, so ``lava-stllr --help`` stays fast.

Errors a user can cause (bad options, bad parameter values, missing data folders) print
one line, ``lava-stllr: error: ...``, on stderr and exit with status 2; ``--debug`` shows
the traceback instead.

Signals end a run cleanly (the Lava runtime and its child processes are shut down, the
run folder is abandoned, one line on stderr, no traceback), also during Lava's start-up:
SIGINT (Ctrl-C) exits with 130, SIGTERM with 143 and SIGHUP (the terminal was closed)
with 129, the shell convention 128 + signal number, whenever the signal comes: also when
code outside the CLI swallowed or converted its exception, and after the command
returned (:mod:`~lava_stllr.cli.signals`). Output into a pipe whose reader has gone
(``lava-stllr microcode | head``) ends quietly with 141 (128 + SIGPIPE); characters the
terminal cannot encode are printed as backslash escapes.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

# Only light modules here: the commands (and NumPy with them) are imported by
# build_parser, after main() has installed its signal handlers, so that Ctrl-C during
# those imports is handled like Ctrl-C during a run.
from lava_stllr.cli import signals
from lava_stllr.cli.parser import BACKENDS, DATASETS, PROG, CLIError, Parser, add_common

__all__ = ["BACKENDS", "DATASETS", "PROG", "CLIError", "build_parser", "main"]


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return status


def _signalled(signum: int) -> int:
    """Say that signal ``signum`` ended the run; its exit status, 128 + ``signum``."""
    name = signal.Signals(signum).name
    signals.say(f"{PROG}: {signals.MESSAGES.get(name, name)}")
    return 128 + signum


def _safe_output() -> None:
    """Print characters the terminal's encoding cannot show as escapes (``\\xe9``)
    instead of failing at the first one: an ASCII-only terminal and a non-ASCII
    ``--out`` must not turn a finished run into an error at its last print."""
    import contextlib
    import io

    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(AttributeError, ValueError, io.UnsupportedOperation):
                stream.reconfigure(errors="backslashreplace")


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not fail again on
    the closed pipe (and print ``Exception ignored ... BrokenPipeError``)."""
    import os

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # a replaced stdout (tests): nothing to do
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def build_parser() -> argparse.ArgumentParser:
    """The ``lava-stllr`` argument parser (one-line errors)."""
    from lava_stllr import __version__
    from lava_stllr.cli import (
        convert_audio,
        evaluate,
        export,
        import_nir,
        info,
        microcode,
        resources,
        sweep,
        train,
    )

    parser = Parser(prog=PROG, description="S-TLLR online learning for Lava.",
                     epilog="Run 'lava-stllr COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=Parser)
    for command in (train, evaluate, export, import_nir, microcode, resources, info,
                    convert_audio, sweep):
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lava-stllr`` command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``). Without it the
        process is the command: after a signal this ends it (``os._exit`` with 128 + the
        signal's number, see :func:`~lava_stllr.cli.signals.end_process`) and does not
        return.
    """
    program = argv is None  # the process ends when this returns
    argv = list(sys.argv[1:] if argv is None else argv)
    _safe_output()
    previous = signals.install()
    if program:  # the line a signal ends the run with comes last (signals.end_process)
        signals.hold_lines()
    try:
        status = _run(argv)
    except (KeyboardInterrupt, signals.Terminated) as exc:
        # During the command, or while _run was already handling an error (printing it).
        status = _signalled(signals.received(exc) or int(signal.SIGINT))
    finally:
        if program:
            signals.exit_on_signal(PROG)
        else:
            signals.restore(previous)
        if sys.exc_info()[0] is not None:  # an exception leaves: say what is held now
            signals.release_lines()
    if program and signals.received() is not None:
        signals.end_process(status)
    signals.release_lines()
    return status


def _run(argv: list[str]) -> int:
    """Parse ``argv`` and run its command; the exit status (errors included; a signal's
    ``KeyboardInterrupt`` or :class:`~lava_stllr.cli.signals.Terminated` propagates to
    :func:`main`)."""
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        status = args.handler(args)
        # A signal whose exception something swallowed on the way still ends the run.
        return status if signals.received() is None else _signalled(signals.received())
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0
    except BrokenPipeError:
        # The reader of our output went away (``lava-stllr info | head -1``): stop quietly
        # with the status of a process killed by SIGPIPE, the shell convention.
        _silence_stdout()
        return 128 + signal.SIGPIPE
    except (CLIError, ValueError, OSError, ImportError) as exc:
        # e.g. ImportError("initialization failed"): Ctrl-C while scipy was loading
        if signals.received(exc) is not None:
            return _signalled(signals.received(exc))
        if debug:
            raise
        return _fail(str(exc) or type(exc).__name__)
    except RuntimeError as exc:
        # Not imported before the try (Ctrl-C during that import must end as above) nor
        # here: a LavaRuntimeError exists only once its module is loaded.
        guard = sys.modules.get("lava_stllr.runtime.guard")
        if guard is None or not isinstance(exc, guard.LavaRuntimeError):
            raise
        # A model process failed: not a user error.
        if signals.received(exc) is not None:
            return _signalled(signals.received(exc))
        if debug:
            raise
        first = str(exc).split("\n")[0]
        return _fail(f"{first} (run with --debug for the model's traceback)", status=1)
