"""The notebook builder (``tutorials/build_notebooks.py``) and the notebooks it built.

The committed ``.ipynb`` files are generated; these tests fail when one was edited by
hand or its percent source changed without a rebuild, and pin the source format on a
tiny synthetic tutorial.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")

BUILDER = Path(__file__).resolve().parents[2] / "tutorials" / "build_notebooks.py"

#: One cell of each kind, with the blank lines and indentation that must survive.
SOURCE = """\
# %% [markdown]
# # A title
#
# - a list item that wraps onto
#   an indented line

# %% tags=["parameters"]
N = 3  # a size knob

# %%
def double(x):
    return 2 * x


print(double(N))
"""


@pytest.fixture(scope="module")
def builder(load_module):
    """The builder module."""
    return load_module(BUILDER)


def test_committed_notebooks_match_their_sources() -> None:
    # Run as a script, as a developer or CI would, so the exit status is what is tested.
    result = subprocess.run([sys.executable, str(BUILDER), "--check"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_synthetic_source_builds_every_cell_kind(builder, tmp_path: Path) -> None:
    source = tmp_path / "00_tiny.py"
    source.write_text(SOURCE)
    nb = nbformat.reads(builder.render(source).decode("utf-8"), as_version=4)
    nbformat.validate(nb)
    assert [cell.cell_type for cell in nb.cells] == ["markdown", "code", "code"]
    markdown, parameters, code = nb.cells
    assert markdown.source == "# A title\n\n- a list item that wraps onto\n  an indented line"
    assert parameters.source == "N = 3  # a size knob"
    assert parameters.metadata == {"tags": ["parameters"]}
    assert code.source == "def double(x):\n    return 2 * x\n\n\nprint(double(N))"
    assert code.metadata == {}
    assert [cell.id for cell in nb.cells] == ["cell-00", "cell-01", "cell-02"]
    assert all(c.outputs == [] and c.execution_count is None for c in (parameters, code))
    assert nb.metadata.kernelspec.name == "python3"


def test_build_is_deterministic_and_check_detects_a_stale_notebook(
        builder, tmp_path: Path) -> None:
    pytest.importorskip("nbclient")
    source = tmp_path / "00_tiny.py"
    target = tmp_path / "00_tiny.ipynb"
    source.write_text(SOURCE)
    assert builder.main(["--check", str(source)]) == 1  # not built yet
    assert builder.main([str(source)]) == 0
    assert builder.main(["--check", str(source)]) == 1  # built, but not executed
    assert builder.main(["--execute", str(source)]) == 0
    first = target.read_bytes()
    assert builder.main(["--check", str(source)]) == 0
    nb = nbformat.reads(first.decode(), as_version=4)
    assert nb.cells[2].outputs[0]["text"] == "6\n" and nb.cells[2].execution_count == 2
    assert builder.main(["--execute", str(source)]) == 0
    assert target.read_bytes() == first  # same source, same outputs: same bytes
    source.write_text(SOURCE.replace("N = 3", "N = 4"))
    assert builder.main(["--check", str(source)]) == 1
    assert target.read_bytes() == first  # --check writes nothing


def test_check_refuses_a_notebook_executed_out_of_order(builder, tmp_path: Path) -> None:
    pytest.importorskip("nbclient")
    source = tmp_path / "00_tiny.py"
    source.write_text(SOURCE)
    assert builder.main(["--execute", str(source)]) == 0
    target = tmp_path / "00_tiny.ipynb"
    nb = nbformat.reads(target.read_text(), as_version=4)
    nb.cells[2].execution_count = 5  # a cell re-run by hand
    nbformat.write(nb, str(target))
    assert builder.main(["--check", str(source)]) == 1


@pytest.mark.parametrize("text, message", [
    ("print(1)\n# %%\nx = 1\n", "before the first"),
    ("# %% [markdwon]\n# typo\n", "unknown cell header"),
    ("# %% [markdown]\nnot a comment\n", "does not start with"),
    ("# %%\n\n# %%\nx = 1\n", "empty cell"),
])
def test_malformed_sources_are_rejected(builder, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        builder.parse_cells(text)
