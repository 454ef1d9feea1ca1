"""Every command line of the README runs, in order, at a small size.

The lines of the README's shell blocks are run as written, in one empty folder, except:

- placeholders and data folders are mapped to small fixtures (:data:`PLACES`): fake
  N-MNIST recordings, tone "spoken digits", the converted SHD files of those tones; the
  DVS Gesture folder is the one the README's own ``gesture_synthetic`` line writes;
- sizes shrink: ``train`` lines without ``--epochs`` get ``--epochs 1``, and those that
  read the synthetic set or a data folder standing in for a large dataset get small
  ``--samples``/``--val-samples`` (:data:`SHRINK_SAMPLES`) unless the line sets them
  (DVS Gesture lines are left alone: the README's folder is the small one it writes);
- ``[--opt]`` runs with the option; ``make`` lines are CI's own commands and skipped.

A line of any other kind fails the test, so a new README line cannot go untested.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"

def _load(path: Path) -> ModuleType:
    """Import a test file by path (``tests/`` is not a package); at import, since the
    README's lines parametrize the tests."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_README_TEST = _load(README.parent / "tests" / "test_readme.py")
REPO = README.parent

#: Training and held-out samples for lines that do not choose them, per dataset.
SHRINK_SAMPLES = {"synthetic": ("24", "12"), "nmnist": ("12", "6"),
                  "heidelberg-digits": ("8", "4"), "shd": ("8", "4")}
#: Stand-ins for the README's placeholders and data folders (relative to the work folder).
PLACES = {"../shared/data/NMNIST": "nmnist", "NMNIST": "nmnist", "DIR": "nmnist",
          "../shared/data/HeidelbergDigits": "digits", "SHD_ROOT": "shd_root",
          "runs/<run>": "runs/demo", "net.h5": "net.h5"}


def _fenced_shell_lines(text: str) -> list[tuple[int, str]]:
    """``(line number, line)`` of the non-blank lines of the README's shell blocks (fenced
    blocks tagged bash/sh or untagged, found by ``tests/test_readme.py``'s
    ``fenced_blocks``), comments removed."""
    out = []
    for lang, body, first in _README_TEST.fenced_blocks(text):
        if lang not in ("", "bash", "sh"):
            continue
        for number, line in enumerate(body.splitlines(), start=first):
            code = line.split(" #", 1)[0].strip()
            if code and not code.startswith("#"):
                out.append((number, code))
    return out


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def runnable(line: str) -> list[str] | None:
    """The argv the test runs for a README line (None: skipped, a ``make`` line)."""
    words = shlex.split(re.sub(r"\[(--[^\]]+)\]", r"\1", line))
    if words[0] == "make":
        return None
    if words[0] == "lava-stllr":
        argv = [sys.executable, "-m", "lava_stllr.cli", *words[1:]]
    elif words[:3] == ["python", "-m", "lava_stllr.data.gesture_synthetic"]:
        argv = [sys.executable, *words[1:]]
    else:
        raise AssertionError(f"README line of an unknown kind (teach this test): {line}")
    argv = [PLACES.get(w, w) for w in argv]
    if len(words) > 1 and words[1] == "sweep":  # one seed; its train command shrinks below
        argv = [("0" if prev == "--seeds" else w) for prev, w in zip(["", *argv[:-1]], argv,
                                                                    strict=True)]
        cut = argv.index("--") + 1
        return argv[:cut] + shrunk_train(argv[cut:], line)
    if len(words) > 1 and words[1] == "train":
        argv = argv[:3] + shrunk_train(argv[3:], line)
    return argv


def shrunk_train(words: list[str], line: str) -> list[str]:
    """A ``train ...`` argv with ``--epochs 1`` and small sample counts where it leaves
    them, and an ``--out`` of its own unless it has one (or is a sweep's)."""
    argv = list(words)
    if "--epochs" not in argv:
        argv += ["--epochs", "1"]
    dataset = _option(argv, "--dataset") or "synthetic"
    if dataset in SHRINK_SAMPLES and "--samples" not in argv and "--init" not in argv:
        n, n_val = SHRINK_SAMPLES[dataset]
        argv += ["--samples", n, "--val-samples", n_val]
    if "--out" not in argv and "--init" not in argv and " sweep " not in f" {line} ":
        argv += ["--out", f"runs/line-{abs(hash(line)) % 10**8}"]
    return argv


def readme_commands() -> list[tuple[int, str]]:
    return _fenced_shell_lines(README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def workdir(tmp_path_factory, load_module):
    """The folder the lines run in, with the data stand-ins and the demo run."""
    root = tmp_path_factory.mktemp("readme")
    nmnist = load_module(Path(__file__).with_name("conftest.py")).write_nmnist_files
    digits = load_module(Path(__file__).parents[1] / "conftest.py").write_digit_files
    nmnist(root / "nmnist", n=24, split="Train")
    nmnist(root / "nmnist", n=10, split="Test", seed=1)
    digits(root / "digits", speakers=(0, 1, 4, 6))
    _run([sys.executable, "-m", "lava_stllr.cli", "convert-audio", "digits", "shd_root"],
         root)
    # runs/<run>: the demo's run folder, which the README's first line makes
    _run([sys.executable, "-m", "lava_stllr.cli", "train", "--epochs", "1", "--samples",
          "24", "--val-samples", "12", "--out", "runs/demo", "--quiet"], root)
    return root


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, f"{' '.join(argv)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
    return done


def test_shell_lines_are_found():
    lines = [code for _, code in readme_commands()]
    assert "lava-stllr info" in lines and "make test" in lines
    assert sum(code.startswith("lava-stllr train") for code in lines) >= 8


def test_runnable_maps_and_shrinks():
    argv = runnable("lava-stllr evaluate runs/<run> --backend lava --precision fixed")
    assert argv[3:] == ["evaluate", "runs/demo", "--backend", "lava", "--precision", "fixed"]
    argv = runnable("lava-stllr train --dataset nmnist --data-dir DIR --backend reference")
    assert argv[3:9] == ["train", "--dataset", "nmnist", "--data-dir", "nmnist", "--backend"]
    assert ["--epochs", "1"] == argv[10:12] and "--samples" in argv
    assert runnable("make demo") is None
    assert "--json" in runnable("lava-stllr microcode --preset dvs_gesture [--json]")
    with pytest.raises(AssertionError, match="unknown kind"):
        runnable("rm -rf /")


@pytest.mark.timeout(900)
@pytest.mark.parametrize("number,line", readme_commands(), ids=lambda v: str(v)[:60])
def test_readme_line_runs(workdir, number, line):
    argv = runnable(line)
    if argv is None:
        pytest.skip("make lines are what CI itself runs")
    _run(argv, workdir)
