"""snnTorch and Norse read lava-stllr's NIR exports (``make interop``, step 3).

Runs in torch's environment (``interop/.venv``). For each export that
``export_lava_stllr.py`` wrote, the framework's own importer (snnTorch's
``import_from_nir``, Norse's ``from_nir``) builds its module, which then runs the 48 inputs
of ``lava_stllr_inputs.npz`` step by step. Written next to each file,
``<stem>.<framework>.npz`` holds ``hidden_spikes`` (N, T, 16) uint8, ``output_membrane``
(N, T, 3) float32 (the readout node's membrane: snnTorch's ``mem``, Norse's state ``v``)
and ``meta`` (JSON: versions, dt, the importer's warnings); where the importer refuses the
graph or drops a node, ``error`` says what it did instead.

Usage: ``interop/.venv/bin/python interop/read_exports.py [--dir tests/nir/fixtures]``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import logging
from pathlib import Path

import nir
import norse
import norse.torch as norse_torch
import numpy as np
import snntorch as snn
import torch
from snntorch import utils as snn_utils
from snntorch.import_nir import import_from_nir

HERE = Path(__file__).resolve().parent
#: Export stem -> the frameworks that read it, and the time step (s) each is given.
READS = {"lava_stllr_dense": {"snntorch": None, "norse": 1e-3},
         "lava_stllr_dense_for_snntorch": {"snntorch": None},
         "lava_stllr_dense_for_norse": {"norse": 1e-3}}


def run_snntorch(graph: nir.NIRGraph, x: torch.Tensor) -> dict[str, object]:
    """snnTorch's import of ``graph`` stepped over ``x`` (N, T, 20)."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        module = import_from_nir(graph)
    hidden_module, readout = module.lif1, module.readout
    hidden: list[torch.Tensor] = []
    membrane: list[torch.Tensor] = []
    hook = hidden_module.register_forward_hook(
        lambda _m, _i, out: hidden.append(out[0] if isinstance(out, tuple) else out))
    snn_utils.reset(module)
    try:
        with torch.no_grad():
            for t in range(x.shape[1]):
                module(x[:, t])
                membrane.append(readout.mem.clone())
    finally:
        hook.remove()
    return {"hidden": torch.stack(hidden, 1), "membrane": torch.stack(membrane, 1),
            "warnings": printed.getvalue().strip()}


def run_norse(graph: nir.NIRGraph, x: torch.Tensor, dt: float) -> dict[str, object]:
    """Norse's import of ``graph`` (time step ``dt``) stepped over ``x`` (N, T, 20)."""
    logged = io.StringIO()
    handler = logging.StreamHandler(logged)
    logging.getLogger().addHandler(handler)
    try:
        module = norse_torch.from_nir(graph, dt=dt)
    finally:
        logging.getLogger().removeHandler(handler)
    names = dict(module.named_children())
    if "readout" not in names:
        return {"error": "Norse's from_nir dropped the node 'readout' "
                         f"({type(graph.nodes['readout']).__name__}: it has no importer for "
                         f"it); modules built: {sorted(names)}",
                "warnings": logged.getvalue().strip()}
    hidden: list[torch.Tensor] = []
    hook = names["lif1"].register_forward_hook(lambda _m, _i, out: hidden.append(out[0]))
    membrane, state = [], None
    try:
        with torch.no_grad():
            for t in range(x.shape[1]):
                _, state = module(x[:, t], state)
                membrane.append(state.state["readout"][0].v.clone())
    finally:
        hook.remove()
    return {"hidden": torch.stack(hidden, 1), "membrane": torch.stack(membrane, 1),
            "warnings": logged.getvalue().strip()}


def read(path: Path, framework: str, dt: float | None, x: torch.Tensor) -> Path:
    graph = nir.read(path)
    try:
        result = run_snntorch(graph, x) if framework == "snntorch" else run_norse(graph, x, dt)
    except Exception as err:  # the importer's refusal is the finding
        result = {"error": f"{type(err).__name__}: {err}", "warnings": ""}
    versions = {"snntorch": snn.__version__, "norse": norse.__version__}
    meta = {"framework": framework, "version": versions[framework], "torch": torch.__version__,
            "nir": nir.version, "graph": path.name, "dt": dt,
            "warnings": result["warnings"], "error": result.get("error")}
    out = path.with_name(f"{path.stem}.read_by_{framework}.npz")
    arrays = {"meta": np.array(json.dumps(meta))}
    if "error" not in result:
        arrays["hidden_spikes"] = result["hidden"].numpy().astype(np.uint8)
        arrays["output_membrane"] = result["membrane"].numpy().astype(np.float32)
    np.savez_compressed(out, **arrays)
    print(f"{framework} read {path.name}: " + (result.get("error") or
          f"hidden spikes {int(result['hidden'].sum())}") + f" -> {out.name}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=HERE.parent / "tests" / "nir" / "fixtures")
    args = parser.parse_args()
    with np.load(args.dir / "lava_stllr_inputs.npz") as data:
        x = torch.tensor(data["inputs"], dtype=torch.float32)
    for stem, frameworks in READS.items():
        for framework, dt in frameworks.items():
            read(args.dir / f"{stem}.nir", framework, dt, x)


if __name__ == "__main__":
    main()
