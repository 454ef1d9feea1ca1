"""Build the tutorial notebooks from their percent-format Python sources.

Each tutorial is kept as a plain script, ``tutorials/NN_name.py``, so that it can be read,
linted and reviewed as ordinary Python; the ``.ipynb`` beside it is generated from it::

    .venv/bin/python tutorials/build_notebooks.py           # rewrite every notebook
    .venv/bin/python tutorials/build_notebooks.py --check   # exit 1 if one is stale

The source format is the jupytext "percent" format, restricted to what the tutorials use:
a line ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose lines are
``# ``-prefixed, and ``# %% tags=["parameters"]`` a code cell with tags. Blank lines
around a cell are not part of it. The output has no outputs and fixed cell ids, so the
same source always gives the same bytes.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
#: Tutorial sources are the numbered scripts; this builder itself is not one.
SOURCE_GLOB = "[0-9][0-9]_*.py"
HEADER = re.compile(r"# %%(?: \[(?P<markdown>markdown)\])?(?: tags=(?P<tags>\[.*\]))?")
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def _strip_blank(lines: list[str]) -> str:
    """Join ``lines`` without the blank lines that separate cells in the source."""
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return "\n".join(lines)


def _uncomment(line: str, where: str) -> str:
    """A markdown line without its ``# `` prefix (a bare ``#`` is a blank line)."""
    if line == "#":
        return ""
    if not line.startswith("# "):
        raise ValueError(f"{where}: markdown line does not start with '# ': {line!r}")
    return line[2:]


def parse_cells(text: str, name: str = "<source>") -> list[nbformat.NotebookNode]:
    """The cells of a percent-format ``text`` (``name`` only labels error messages)."""
    cells: list[nbformat.NotebookNode] = []
    header: re.Match[str] | None = None
    body: list[str] = []
    start = 0

    def close() -> None:
        if header is None:  # text before the first marker would be silently lost
            if _strip_blank(body):
                raise ValueError(f"{name}:1: text before the first '# %%' line")
            return
        where = f"{name}:{start}"
        source = _strip_blank(body)
        if header["markdown"]:
            lines = [_uncomment(line, where) for line in source.split("\n")]
            cell = nbformat.v4.new_markdown_cell("\n".join(lines))
        else:
            cell = nbformat.v4.new_code_cell(source)
        if not cell.source:
            raise ValueError(f"{where}: empty cell")
        if header["tags"]:
            cell.metadata["tags"] = json.loads(header["tags"])
        cell["id"] = f"cell-{len(cells):02d}"  # stable ids keep rebuilt files diff-free
        cells.append(cell)

    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("# %%"):
            close()
            header = HEADER.fullmatch(line.rstrip())
            if header is None:  # a typo such as '[markdwon]' must not become code
                raise ValueError(f"{name}:{number}: unknown cell header {line!r}")
            body, start = [], number
        else:
            body.append(line)
    close()
    return cells


def render(source: Path) -> bytes:
    """The notebook file (UTF-8, trailing newline) that ``source`` builds."""
    nb = nbformat.v4.new_notebook(metadata=METADATA)
    nb.cells = parse_cells(source.read_text(encoding="utf-8"), source.name)
    nbformat.validate(nb)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def main(argv: list[str] | None = None) -> int:
    """Build (or with ``--check`` verify) the notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook differs from its source")
    parser.add_argument("sources", nargs="*", type=Path,
                        help=f"percent sources (default: tutorials/{SOURCE_GLOB})")
    args = parser.parse_args(argv)
    sources = args.sources or sorted(HERE.glob(SOURCE_GLOB))
    stale: list[Path] = []
    for source in sources:
        target = source.with_suffix(".ipynb")
        data = render(source)
        if args.check:
            if not target.is_file() or target.read_bytes() != data:
                stale.append(target)
        elif not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
            print(f"wrote {target}")
    for target in stale:
        print(f"stale: {target} (run python tutorials/build_notebooks.py)", file=sys.stderr)
    orphans: list[Path] = []
    if not args.sources:  # a notebook without a source could never be rebuilt
        built = {source.with_suffix(".ipynb") for source in sources}
        orphans = sorted(set(HERE.glob("[0-9][0-9]_*.ipynb")) - built)
    for target in orphans:
        print(f"no source: {target} (add {target.stem}.py or delete it)", file=sys.stderr)
    return 1 if stale or orphans else 0


if __name__ == "__main__":
    sys.exit(main())
