"""Build the tutorial notebooks from their percent-format Python sources.

Each tutorial is kept as a plain script, ``tutorials/NN_name.py``, so that it can be read,
linted and reviewed as ordinary Python; the ``.ipynb`` beside it is generated from it::

    .venv/bin/python tutorials/build_notebooks.py --execute  # rebuild and run (make notebooks)
    .venv/bin/python tutorials/build_notebooks.py --check    # exit 1 if one is stale

The source format is the jupytext "percent" format, restricted to what the tutorials use:
a line ``# %%`` starts a code cell, ``# %% [markdown]`` a markdown cell whose lines are
``# ``-prefixed, and ``# %% tags=["parameters"]`` a code cell with tags. Blank lines
around a cell are not part of it. Cells get fixed ids, so the same source always gives
the same cells.

The committed notebooks are executed at their default size (``--execute``), so that a
reader on a code host sees every figure; ``--check`` verifies that a notebook's cells are
exactly those of its source and that every code cell was executed, in order, in one run.
Without ``--execute`` the notebooks are written with cleared outputs.
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


def cleared(data: bytes) -> bytes:
    """``data`` (a notebook file) without outputs, execution counts and the metadata that
    executing adds: the bytes :func:`render` gives for its source."""
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    nb.metadata = nbformat.from_dict(METADATA)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def executed_in_order(data: bytes) -> bool:
    """Whether every code cell of notebook ``data`` ran, top to bottom, in one kernel."""
    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    counts = [cell.execution_count for cell in nb.cells if cell.cell_type == "code"]
    return counts == list(range(1, len(counts) + 1))


def execute(data: bytes, timeout_s: int = 1800) -> bytes:
    """Run notebook ``data`` top to bottom in a kernel of this interpreter, from the
    tutorials folder; return it with its outputs (per-cell timings dropped)."""
    import nbclient

    nb = nbformat.reads(data.decode("utf-8"), as_version=4)
    nbclient.NotebookClient(nb, timeout=timeout_s, kernel_name="python3",
                            resources={"metadata": {"path": str(HERE)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timestamps would change every run
    nb.metadata = nbformat.from_dict(METADATA)
    return (nbformat.writes(nb) + "\n").encode("utf-8")


def is_current(target: Path, data: bytes) -> bool:
    """Whether the notebook file ``target`` has the cells of ``data`` (the rendered
    source) and was executed in order."""
    if not target.is_file():
        return False
    committed = target.read_bytes()
    return cleared(committed) == data and executed_in_order(committed)


def main(argv: list[str] | None = None) -> int:
    """Build (or with ``--check`` verify) the notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a notebook differs from its source "
                             "or was not executed")
    parser.add_argument("--execute", action="store_true",
                        help="run every notebook at its default size and commit the outputs")
    parser.add_argument("sources", nargs="*", type=Path,
                        help=f"percent sources (default: tutorials/{SOURCE_GLOB})")
    args = parser.parse_args(argv)
    sources = args.sources or sorted(HERE.glob(SOURCE_GLOB))
    stale: list[Path] = []
    for source in sources:
        target = source.with_suffix(".ipynb")
        data = render(source)
        if args.check:
            if not is_current(target, data):
                stale.append(target)
        elif args.execute:
            print(f"executing {source.name} ...", flush=True)
            target.write_bytes(execute(data))
            print(f"wrote {target}")
        elif not target.is_file() or cleared(target.read_bytes()) != data:
            target.write_bytes(data)
            print(f"wrote {target} (cleared: run with --execute to add the outputs)")
    for target in stale:
        print(f"stale: {target} (run python tutorials/build_notebooks.py --execute)",
              file=sys.stderr)
    orphans: list[Path] = []
    if not args.sources:  # a notebook without a source could never be rebuilt
        built = {source.with_suffix(".ipynb") for source in sources}
        orphans = sorted(set(HERE.glob("[0-9][0-9]_*.ipynb")) - built)
    for target in orphans:
        print(f"no source: {target} (add {target.stem}.py or delete it)", file=sys.stderr)
    return 1 if stale or orphans else 0


if __name__ == "__main__":
    sys.exit(main())
