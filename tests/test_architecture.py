"""The layout of docs/architecture.md holds: no import cycles, the pure layers import no
Lava, the Lava product does not depend on the trainers, files stay small."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("lava_stllr", "process_models")
MAX_LINES = 400
#: Modules directly in lava_stllr/ (besides __init__): the rest lives in folders by layer.
MAX_LOOSE_MODULES = 8


def _modules() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for path in (ROOT / pkg).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            mods[name.removesuffix(".__init__")] = path
    return mods


def _imports(path: Path, lazy: bool = True) -> set[str]:
    """Modules named by the file's imports: all of them (lazy and ``TYPE_CHECKING`` ones
    too), or with ``lazy=False`` only those that run when the module is imported."""
    tree = ast.parse(path.read_text())
    names = set()
    for node in (ast.walk(tree) if lazy else tree.body):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # "from pkg import name": pkg.name if that is a module, else pkg (resolved
            # in _graph by stripping to the longest known module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    graph = {}
    for name, path in mods.items():
        targets = set()
        for imported in _imports(path):
            while imported and imported not in mods:
                imported = imported.rpartition(".")[0]
            if imported and imported != name:
                targets.add(imported)
        graph[name] = targets
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle, or None (depth-first search with colours)."""
    colour: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in colour and (found := visit(nxt)):
                return found
        colour[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in colour and (found := visit(node)):
            return found
    return None


def test_the_package_has_no_import_cycles() -> None:
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()))


def test_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize("layer", ["lava_stllr.core", "lava_stllr.loihi", "lava_stllr.onchip",
                                   "lava_stllr.reference", "lava_stllr.data"])
def test_pure_layers_import_no_lava(layer: str) -> None:
    for name, path in _modules().items():
        if name.startswith(layer) and ".lava_testing" not in name:
            lava = {m for m in _imports(path, lazy=False)
                    if m == "lava" or m.startswith("lava.")}
            assert not lava, f"{name} imports {sorted(lava)}"


def test_the_lava_network_does_not_depend_on_the_trainers() -> None:
    graph = _graph()
    seen, todo = set(), ["lava_stllr.lavanet.network"]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    assert not {m for m in seen if m.startswith("lava_stllr.reference")}


def test_no_source_file_is_over_the_size_limit() -> None:
    big = {str(p.relative_to(ROOT)): n for pkg in (*PACKAGES, "tutorials")
           for p in (ROOT / pkg).rglob("*.py")
           if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert not big, f"files over {MAX_LINES} lines: {big}"


def test_the_top_level_holds_few_loose_modules() -> None:
    loose = sorted(p.name for p in (ROOT / "lava_stllr").glob("*.py") if p.name != "__init__.py")
    assert len(loose) <= MAX_LOOSE_MODULES, loose


def test_every_package_folder_has_a_row_in_the_architecture_doc() -> None:
    doc = (ROOT / "docs" / "architecture.md").read_text()
    folders = sorted({str(p.parent.relative_to(ROOT)) for pkg in PACKAGES
                      for p in (ROOT / pkg).rglob("__init__.py")} - {"lava_stllr"})
    missing = [f for f in folders if f"`{f}/`" not in doc and "lava_testing" not in f
               and not f.startswith("process_models/")]
    assert not missing, f"folders without a row in docs/architecture.md: {missing}"


def test_the_numpy_oracle_runs_without_loading_lava() -> None:
    """The on-chip reference (float and fixed) and the trainers never import Lava."""
    code = (
        "import sys, numpy as np\n"
        "from lava_stllr.data.dataset import ArrayDataset\n"
        "from lava_stllr.onchip import OnChipLayout, OnChipReference\n"
        "from lava_stllr.reference import NetworkSpec, STLLRTrainer\n"
        "from lava_stllr.params import STLLRParams\n"
        "data = ArrayDataset((np.arange(4 * 6 * 8).reshape(4, 6, 8) % 3 == 0)"
        ".astype(np.float32), np.arange(4) % 2, 2)\n"
        "for precision in ('float', 'fixed'):\n"
        "    OnChipReference(OnChipLayout((8, 5, 2), 6), precision=precision).train(data)\n"
        "STLLRTrainer(NetworkSpec((8, 5, 2)), STLLRParams()).fit(data, data, epochs=1,"
        " progress=False)\n"
        "print(sorted(m for m in sys.modules if m == 'lava' or m.startswith('lava.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
