"""Sphinx extension of the lava-stllr docs: everything the site generates from the repository.

- ``builder-inited``: writes one API page per public module of :data:`PACKAGES` under
  ``docs/api/generated/`` (``automodule`` with the members set in ``conf.py``), found by
  walking the packages, so a new module is documented without touching the docs; copies
  the committed, executed tutorial notebooks (and their README and sources) to
  ``docs/_generated/tutorials/`` for myst-nb, which renders them without running them.
- ``stllr-process-table`` directive: the ports and Vars of every Process in
  :data:`lava_stllr.processes.PROCESSES`, read from a small instance of each (see
  :data:`EXAMPLES`); a Process without an example fails the build.
- ``missing-reference``: a cross-reference to a re-exported name
  (``lava_stllr.processes.OutputLayer``) resolves to where the object is documented
  (``lava_stllr.processes.output.OutputLayer``).
- ``autodoc-process-signature``: a Process's signature is its ``__init__``'s.
- ``source-read``: the ``loihi2`` toctree entry of the index is dropped while
  ``docs/loihi2.md`` does not exist.

Module pages skip private modules (``_name``) and never import ``__main__`` modules.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer
from sphinx.util.docutils import SphinxDirective

#: The packages whose public modules the API reference documents.
PACKAGES = ("lava_stllr", "process_models")
#: Where the generated module pages go (relative to the docs source folder).
API_DIR = Path("api") / "generated"
#: Where the tutorials are copied to (relative to the docs source folder).
TUTORIALS_DIR = Path("_generated") / "tutorials"
#: Optional pages of the index toctree, kept only while their file exists.
OPTIONAL_PAGES = ("loihi2",)


# --- API pages --------------------------------------------------------------------------


def public_modules(package: str) -> list[tuple[str, bool]]:
    """``(name, is_package)`` of ``package`` and its public modules, depth first.

    Only packages are imported (to find their sub-modules); a module is found by name
    through :func:`pkgutil.iter_modules`, so ``__main__`` modules are never run.
    """
    found = [(package, True)]
    module = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(module.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        name = f"{package}.{info.name}"
        if info.ispkg:
            found.extend(public_modules(name))
        else:
            found.append((name, False))
    return found


def _children(name: str, modules: list[tuple[str, bool]]) -> list[str]:
    depth = name.count(".") + 1
    return [m for m, _ in modules if m.startswith(name + ".") and m.count(".") == depth]


def _has_page(package: str, name: str) -> bool:
    """Whether autodoc documents ``package.name`` somewhere: a public class, function or
    module, or data with a ``#:`` doc comment in a module of ``package`` that holds it."""
    if name.startswith("_"):
        return False
    obj = getattr(importlib.import_module(package), name)
    if inspect.isclass(obj) or inspect.isroutine(obj) or inspect.ismodule(obj):
        return True
    for modname, module in list(sys.modules.items()):
        if (modname == package or modname.startswith(package + ".")) and \
                getattr(module, name, None) is obj:
            try:
                if ("", name) in ModuleAnalyzer.for_module(modname).find_attr_docs():
                    return True
            except PycodeError:
                continue
    return False


def module_page(name: str, children: list[str]) -> str:
    """The reST page of one module (``automodule``). A package also lists the names it
    re-exports (its ``__all__``, documented where they are defined) and its modules."""
    title = f"``{name}``"
    lines = [title, "=" * len(title), "", f".. automodule:: {name}", ""]
    exported = [n for n in getattr(importlib.import_module(name), "__all__", ())
                if _has_page(name, n)] if children else []
    if exported:
        lines += [".. rubric:: Exported names", "", ".. autosummary::", ""]
        lines += [f"   {n}" for n in exported]
        lines.append("")
    if children:
        lines += [".. rubric:: Modules", "", ".. autosummary::", ""]
        lines += [f"   {c.rsplit('.', 1)[1]}" for c in children]
        lines += ["", ".. toctree::", "   :hidden:", ""]
        lines += [f"   {c}" for c in children]
        lines.append("")
    return "\n".join(lines)


def _write_if_changed(path: Path, text: str) -> None:
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def generate_api_pages(app: Sphinx) -> None:
    """Write ``api/generated/<module>.rst`` for every public module; drop stale pages."""
    out = Path(app.srcdir) / API_DIR
    wanted = set()
    for package in PACKAGES:
        modules = public_modules(package)
        for name, is_package in modules:
            children = _children(name, modules) if is_package else []
            path = out / f"{name}.rst"
            _write_if_changed(path, module_page(name, children))
            wanted.add(path)
    for stale in out.glob("*.rst"):
        if stale not in wanted:
            stale.unlink()


# --- tutorials --------------------------------------------------------------------------


def copy_tutorials(app: Sphinx) -> None:
    """Copy ``tutorials/`` (notebooks; the README as the section's index, with a toctree of
    the notebooks added; the notebooks' ``.py`` sources, which the README links) into the
    docs source. Only changed files are rewritten, so incremental builds stay incremental."""
    src = Path(app.srcdir).parent / "tutorials"
    out = Path(app.srcdir) / TUTORIALS_DIR
    notebooks = sorted(p.stem for p in src.glob("*.ipynb"))
    files: dict[Path, bytes] = {}
    for path in sorted(src.iterdir()):
        if path.suffix in (".ipynb", ".py"):
            files[out / path.name] = path.read_bytes()
    readme = (src / "README.md").read_text(encoding="utf-8")
    toctree = "\n".join(["", "```{toctree}", ":hidden:", "", *notebooks, "```", ""])
    files[out / "index.md"] = (readme + toctree).encode("utf-8")
    for target, data in files.items():
        if not target.exists() or target.read_bytes() != data:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    for stale in out.iterdir():
        if stale.is_file() and stale not in files:
            stale.unlink()


# --- Processes: ports and Vars ----------------------------------------------------------


def _params() -> Any:
    from lava_stllr.params import STLLRParams

    return STLLRParams.preset("code_default")


def _dense(post: int, pre: int) -> Any:
    import numpy as np

    from lava_stllr.processes import STLLRDense

    return STLLRDense(weights=np.zeros((post, pre)), params=_params())


def _neuron(n: int, n_classes: int) -> Any:
    import numpy as np

    from lava_stllr.processes import STLLRLIF

    return STLLRLIF(n=n, params=_params(), feedback=np.zeros((n, n_classes)))


def _output(n: int, n_steps: int) -> Any:
    from lava_stllr.processes import OutputLayer

    return OutputLayer(n=n, beta_out=0.9, params=_params(), n_steps=n_steps)


def _fused_layer() -> Any:
    from lava_stllr.processes import EventSource, FusedLayer

    source = EventSource(n_inputs=7, n_steps=10)
    return FusedLayer(dense=_dense(5, 7), neuron=_neuron(5, 4), source=source)


def _fused_output() -> Any:
    from lava_stllr.processes import FusedOutput

    return FusedOutput(dense=_dense(4, 6), output=_output(4, 10))


def _simple(cls_name: str, **kwargs: Any) -> Callable[[], Any]:
    def build() -> Any:
        import lava_stllr.processes as processes

        if "params" in kwargs:
            kwargs["params"] = _params()
        return getattr(processes, cls_name)(**kwargs)

    return build


#: For each Process: how to build a small instance, the arguments to show, and the name
#: of each size in it (every size of an example is distinct, so a shape reads back as
#: names). A shape entry with no name (1, LABEL_SIZE = 3) is shown as a number.
EXAMPLES: dict[str, tuple[Callable[[], Any], str, dict[int, str]]] = {
    "STLLRDense": (lambda: _dense(5, 7), "weights=(post, pre), update='step'",
                   {5: "post", 7: "pre"}),
    "STLLRLIF": (lambda: _neuron(5, 4), "n, feedback=(n, n_classes)",
                 {5: "n", 4: "n_classes"}),
    "LeakyReadout": (_simple("LeakyReadout", n=4, beta_out=0.9, params=True), "n",
                     {4: "n"}),
    "OutputError": (_simple("OutputError", n=4, n_steps=10), "n, n_steps",
                    {4: "n", 5: "n + 1"}),
    "EventSource": (_simple("EventSource", n_inputs=7, n_steps=10), "n_inputs, n_steps",
                    {7: "n_inputs", 10: "n_steps"}),
    "LabelSource": (_simple("LabelSource", n_classes=4, period=10), "n_classes, period",
                    {}),
    "OutputLayer": (lambda: _output(4, 10), "n, n_steps", {4: "n", 5: "n + 1"}),
    "FrontEndLIF": (_simple("FrontEndLIF", shape=(8, 6, 5), params=True, period=12,
                            delay=1, n_steps=10),
                    "shape=(W, H, C), period, delay, n_steps", {8: "W", 6: "H", 5: "C"}),
    "SpikePool": (_simple("SpikePool", shape=(8, 6, 5), kind="max", kernel=2),
                  "shape=(W, H, C), kind, kernel",
                  {8: "W", 6: "H", 5: "C", 4: "W // kernel", 3: "H // kernel"}),
    "FusedLayer": (_fused_layer,
                   "dense (post, pre), neuron with feedback (post, n_classes), "
                   "source (n_steps, pre)",
                   {5: "post", 7: "pre", 4: "n_classes", 10: "n_steps"}),
    "FusedOutput": (_fused_output, "dense (n, pre), output n",
                    {4: "n", 6: "pre", 5: "n + 1"}),
}


def _shape(shape: tuple[int, ...], names: dict[int, str]) -> str:
    parts = [names.get(int(n), str(int(n))) for n in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def process_rows(proc: Any, names: dict[int, str]) -> list[tuple[str, str, str, str]]:
    """``(name, kind, shape, note)`` of every port and Var of a Process instance."""
    rows = []
    for collection in ("in_ports", "out_ports", "ref_ports", "var_ports", "vars"):
        for member in getattr(proc, collection).members:
            kind = type(member).__name__
            note = ""
            if getattr(member, "external_pipe_flag", False):
                note = f"host pipe (buffer {member.external_pipe_buffer_size})"
            rows.append((member.name, kind, _shape(member.shape, names), note))
    return rows


def _table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 20 12 28 40", "",
             "   * - name", "     - kind", "     - shape", "     - note"]
    for name, kind, shape, note in rows:
        lines += [f"   * - ``{name}``", f"     - {kind}", f"     - ``{shape}``",
                  f"     - {note}" if note else "     -"]
    return lines


class ProcessTable(SphinxDirective):
    """``.. stllr-process-table::``: a section per Process with its ports and Vars (its
    output is parsed as reST: use it in a reST page or a MyST ``{eval-rst}`` block)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from lava_stllr.processes import PROCESSES

        missing = [p.__name__ for p in PROCESSES if p.__name__ not in EXAMPLES]
        if missing:
            raise self.error(f"no example for the Process(es) {missing}: add them to "
                             "EXAMPLES in docs/_ext/stllr_docs.py")
        lines: list[str] = []
        for proc_cls in PROCESSES:
            build, args, names = EXAMPLES[proc_cls.__name__]
            target = f"{proc_cls.__module__}.{proc_cls.__qualname__}"
            title = proc_cls.__name__
            lines += [title, "-" * len(title), "",
                      f":class:`{target}`, shapes in terms of: {args}.", ""]
            lines += _table(process_rows(build(), names))
            lines.append("")
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=self.get_source_info()[0]),
                                self.content_offset, container, match_titles=True)
        return container.children


# --- cross-references to re-exported names ----------------------------------------------


def _canonical(target: str) -> str | None:
    """``module.Object`` where the object named ``target`` is defined, or None."""
    parts = target.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        module = getattr(obj, "__module__", None)
        qualname = getattr(obj, "__qualname__", None)
        if not isinstance(module, str) or not isinstance(qualname, str):
            return None
        canonical = f"{module}.{qualname}"
        return canonical if canonical != target else None
    return None


def _documented_under(env: Any, target: str) -> str | None:
    """The one documented object ``<package>.<module...>.<name>`` for ``<package>.<name>``
    (a re-exported constant has no ``__module__`` to find it by), or None."""
    package, _, name = target.rpartition(".")
    found = [full for full in env.get_domain("py").objects
             if full.startswith(package + ".") and full.endswith("." + name)
             and full.count(".") == target.count(".") + 1]
    return found[0] if len(found) == 1 else None


def resolve_reexport(app: Sphinx, env: Any, node: Any, contnode: nodes.Node) -> Any:
    """Resolve a Python cross-reference to a re-exported name at its definition."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target.startswith(tuple(p + "." for p in PACKAGES)):
        return None
    canonical = _canonical(target) or _documented_under(env, target)
    if canonical is None or canonical == target:
        return None
    domain = env.get_domain("py")
    node = node.deepcopy()
    node["reftarget"] = canonical
    return domain.resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                               canonical, node, contnode)


# --- class signatures -------------------------------------------------------------------


def init_signature(app: Sphinx, what: str, name: str, obj: Any, options: Any,
                   signature: str | None, return_annotation: str | None) -> Any:
    """A Process's signature from its ``__init__``: Lava's metaclass ``__call__``
    (``*args, **kwargs``) hides it from autodoc."""
    if what != "class" or signature != "(*args, **kwargs)" or "__init__" not in vars(obj):
        return None
    from sphinx.util.inspect import signature as sphinx_signature
    from sphinx.util.inspect import stringify_signature

    sig = sphinx_signature(obj.__init__, bound_method=True,
                           type_aliases=app.config.autodoc_type_aliases)
    return stringify_signature(sig, show_return_annotation=False), return_annotation


# --- optional toctree entries -----------------------------------------------------------


def drop_missing_pages(app: Sphinx, docname: str, source: list[str]) -> None:
    """Remove the index toctree lines of :data:`OPTIONAL_PAGES` whose file is missing."""
    if docname != "index":
        return
    srcdir = Path(app.srcdir)
    for page in OPTIONAL_PAGES:
        if not any((srcdir / f"{page}{suffix}").exists() for suffix in app.config.source_suffix):
            lines = source[0].split("\n")
            source[0] = "\n".join(line for line in lines if line.strip() != page)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", generate_api_pages)
    app.connect("builder-inited", copy_tutorials)
    app.connect("missing-reference", resolve_reexport)
    app.connect("source-read", drop_missing_pages)
    app.connect("autodoc-process-signature", init_signature)
    app.add_directive("stllr-process-table", ProcessTable)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
