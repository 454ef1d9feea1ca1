"""docs/loihi2.md cannot silently miss a Process, and its quoted command output is real.

Every fenced block that starts with ``$ lava-stllr ...`` quotes lines of that command's
output (possibly a selection, in order of the listing or not): each quoted line must be a
line of what the command prints now.
"""

from __future__ import annotations

import inspect
import re
import shlex
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "loihi2.md"


def quoted_commands(text: str) -> list[tuple[list[str], list[str]]]:
    """``(argv, quoted lines)`` of every fenced block whose first line is ``$ lava-stllr``."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.S | re.M)
    out = []
    for block in blocks:
        lines = block.splitlines()
        if lines and lines[0].startswith("$ lava-stllr "):
            out.append((shlex.split(lines[0][2:])[1:], [ln.rstrip() for ln in lines[1:]
                                                        if ln.strip()]))
    return out


def test_every_process_of_the_plugin_is_in_the_guide() -> None:
    from lava.magma.core.process.process import AbstractProcess

    import lava_stllr.processes as processes

    text = DOC.read_text()
    exported = {name for name in processes.__all__
                if inspect.isclass(obj := getattr(processes, name))
                and issubclass(obj, AbstractProcess)}
    assert {cls.__name__ for cls in processes.PROCESSES} <= exported
    missing = sorted(name for name in exported if f"`{name}`" not in text)
    assert not missing, f"docs/loihi2.md does not name {missing}"


def test_the_guide_says_nothing_ran_on_hardware() -> None:
    text = DOC.read_text()
    assert "Nothing in this project has run on Loihi 2 hardware" in text
    assert "public secondary sources" in text


@pytest.mark.parametrize("argv, quoted", [
    pytest.param(argv, quoted, id=" ".join(argv))
    for argv, quoted in quoted_commands(DOC.read_text())
    if argv[0] == "microcode"])
def test_quoted_microcode_listings_are_what_the_command_prints(argv, quoted, capsys) -> None:
    from lava_stllr.cli import main

    assert main(argv) == 0
    printed = {line.rstrip() for line in capsys.readouterr().out.splitlines()}
    stale = [line for line in quoted if line not in printed]
    assert not stale, f"lines of 'lava-stllr {' '.join(argv)}' no longer printed: {stale}"


def test_the_quoted_resource_table_is_what_the_estimate_prints() -> None:
    from lava_stllr.cli.resources import estimate, format_estimate
    from lava_stllr.spec.network import NetworkSpec

    (argv, quoted), = [q for q in quoted_commands(DOC.read_text()) if q[0][0] == "resources"]
    printed = format_estimate(estimate(NetworkSpec((578, 256, 10))), argv[1]).splitlines()
    stale = [line for line in quoted if line not in {p.rstrip() for p in printed}]
    assert not stale, f"resource lines no longer printed: {stale}"


def test_quoted_blocks_are_found() -> None:
    text = "x\n```text\n$ lava-stllr microcode --update sample\n  a\n\nb  \n```\n```\nno\n```\n"
    assert quoted_commands(text) == [(["microcode", "--update", "sample"], ["  a", "b"])]
    assert len(quoted_commands(DOC.read_text())) >= 4
