"""The README's Python blocks run as written, at a small size.

Every ```python block of README.md is executed, in order, in one namespace (later blocks
use the names earlier ones define), in a fresh interpreter in an empty folder. Sizes
shrink through :data:`SHRINK` (sample counts and epochs only); each rule must match the
README, so an edited block cannot silently escape the shrinking or the test. The shell
lines are run by ``tests/cli/test_readme_commands.py``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"

#: (pattern, replacement): the README's sizes and the test's.
SHRINK = (
    (r"n_train=600, n_val=200", "n_train=60, n_val=30"),
    (r"epochs=3\)", "epochs=1)"),
    (r"epochs=5\)", "epochs=1)"),
    (r"n_train=300, n_val=1", "n_train=20, n_val=1"),
)


def fenced_blocks(text: str) -> list[tuple[str, str, int]]:
    """``(language, body, first line number)`` of every fenced block of Markdown ``text``."""
    blocks, lines = [], text.splitlines()
    i = 0
    while i < len(lines):
        match = re.match(r"^```(\S*)\s*$", lines[i])
        if not match:
            i += 1
            continue
        start, body = i + 1, []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        blocks.append((match.group(1), "\n".join(body) + "\n", start + 1))
        i += 1
    return blocks


def shrunk_python(text: str) -> str:
    """The README's Python blocks joined, with :data:`SHRINK` applied (each rule must
    match at least once)."""
    source = "".join(f"# README.md line {line}\n{body}"
                     for lang, body, line in fenced_blocks(text) if lang == "python")
    for pattern, replacement in SHRINK:
        source, count = re.subn(pattern, replacement, source)
        assert count, f"README no longer contains {pattern!r}: update SHRINK"
    return source


def test_fenced_blocks_are_found_with_their_lines():
    text = "intro\n```python\nx = 1\n```\n\n```\nlava-stllr info\n```\n"
    assert fenced_blocks(text) == [("python", "x = 1\n", 3), ("", "lava-stllr info\n", 7)]


def test_readme_has_python_blocks():
    langs = [lang for lang, _, _ in fenced_blocks(README.read_text(encoding="utf-8"))]
    assert langs.count("python") >= 3


@pytest.mark.timeout(600)
def test_readme_python_blocks_run(tmp_path):
    source = shrunk_python(README.read_text(encoding="utf-8"))
    # the blocks close their networks; this closes one they only build, whatever happens
    source += ("\nfor _v in list(globals().values()):\n"
               "    if type(_v).__name__ == 'STLLRNetwork':\n        _v.close()\n")
    script = tmp_path / "readme_blocks.py"
    script.write_text(source, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=540)
    assert done.returncode == 0, done.stderr[-3000:]
    accuracies = [float(v) for v in re.findall(r"^(0\.\d+|1\.0)$", done.stdout, re.M)]
    assert len(accuracies) == 2, done.stdout  # the two blocks that print an accuracy
    assert (tmp_path / "runs" / "weights.npz").is_file()
