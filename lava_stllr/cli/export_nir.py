"""``lava-stllr export RUN -o net.nir``: write a run's network as a NIR graph.

The format follows the output's suffix: ``.nir`` here (:mod:`lava_stllr.nir`), anything
else lava-dl's netx HDF5 (:mod:`lava_stllr.cli.export`). ``--check N`` reads the written
file back with :func:`~lava_stllr.nir.from_nir` and compares the reference predictions of
both networks on N held-out samples (they must all agree: the round trip is exact).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import CLIError

#: The output suffix that selects NIR.
NIR_SUFFIX = ".nir"


def is_nir(path: Path) -> bool:
    """Whether ``path`` asks for a NIR file (its suffix is ``.nir``, any case)."""
    return path.suffix.lower() == NIR_SUFFIX


def check_round_trip(path: Path, loaded: Any, dataset: Any) -> dict[str, Any]:
    """Predictions of the run and of the network read back from ``path`` on ``dataset``:
    accuracy of both, their agreement, and whether the weights came back bit for bit."""
    import numpy as np

    from lava_stllr.nir import from_nir, read_nir
    from lava_stllr.runs.activity import sample_activity

    back = from_nir(read_nir(path))
    same_weights = len(back.weights.arrays()) == len(loaded.weights.arrays()) and all(
        np.array_equal(a, b) for a, b in zip(loaded.weights.arrays(), back.weights.arrays(),
                                             strict=True))
    same = right = right_back = 0
    for i in range(len(dataset)):
        x, label = dataset[i]
        ours = sample_activity(loaded.spec, loaded.params, loaded.weights, x)["prediction"]
        theirs = sample_activity(back.spec, back.params, back.weights, x)["prediction"]
        same += ours == theirs
        right += ours == label
        right_back += theirs == label
    n = len(dataset)
    return {"samples": n, "accuracy": right / n, "nir_accuracy": right_back / n,
            "agreement": same / n, "same_weights": bool(same_weights)}


def _nodes_table(graph: Any) -> list[dict[str, Any]]:
    """Name, NIR type and output size of each node of ``graph`` in chain order."""
    import numpy as np

    order = [graph.edges[0][0]] + [b for _, b in graph.edges] if graph.edges else []
    rows = []
    for name in dict.fromkeys(order):
        node = graph.nodes[name]
        shape = (node.output_type or {}).get("output") if isinstance(
            node.output_type, dict) else None
        kind = type(node).__name__
        if kind == "NIRGraph":
            kind = "NIRGraph (" + ", ".join(type(n).__name__ for k, n in node.nodes.items()
                                            if k not in ("input", "output")) + ")"
        rows.append({"node": name, "type": kind,
                     "shape": None if shape is None else [int(n) for n in np.atleast_1d(shape)]})
    return rows


def run_nir(args: argparse.Namespace, loaded: Any, out: Path) -> int:
    """Write ``loaded`` (a :class:`~lava_stllr.runs.record.LoadedRun`) to ``out`` as NIR;
    print its nodes (and the ``--check``); return 0."""
    from lava_stllr.cli.common import recorded_held_out
    from lava_stllr.nir import NETWORK_KEY, RULE_KEY, run_to_nir, write_nir
    from lava_stllr.nir.dynamics import DEFAULT_DT
    from lava_stllr.nir.targets import target_of

    target = target_of(args.target or "nir")
    dt = args.dt if args.dt is not None else target.dt or DEFAULT_DT
    graph = run_to_nir(loaded, dt=dt, target=target.name)
    write_nir(out, graph)
    table = _nodes_table(graph)
    check = None
    if args.check:
        val = recorded_held_out(loaded, args.check)
        check = check_round_trip(out, loaded, val)
    if args.json:
        print(json.dumps({"file": str(out), "format": "nir", "target": target.name,
                          "dt": dt, "nodes": table,
                          "metadata_keys": [RULE_KEY, NETWORK_KEY], "check": check},
                         indent=2))
        return 0
    form = "NIR" if target.name == "nir" else f"NIR for {target.name}'s importer"
    print(f"wrote {out} ({form}, {len(table)} nodes, dt {dt:g} s per step: tau = "
          f"dt/(1-beta), forward Euler; S-TLLR rule in metadata '{RULE_KEY}')")
    for row in table:
        shape = "" if row["shape"] is None else "x".join(map(str, row["shape"]))
        print(f"  {row['node']:<10} {row['type']:<28} {shape}")
    if loaded.params.reset == "soft":
        print("  note: lava-stllr's soft reset has no NIR field: it is in each LIF node's "
              "metadata (lava_stllr.reset); other simulators reset to v_reset = 0")
    if check:
        print(f"  check on {check['samples']} held-out samples: accuracy "
              f"{check['accuracy']:.3f}, read back from {out.name} {check['nir_accuracy']:.3f},"
              f" same prediction {check['agreement']:.3f}, weights bit for bit: "
              f"{'yes' if check['same_weights'] else 'NO'}")
    return 0


def refuse_nir_options(args: argparse.Namespace, out: Path) -> None:
    """``--dt`` and ``--target`` apply to NIR output only."""
    for option in ("dt", "target"):
        if getattr(args, option, None) is not None and not is_nir(out):
            raise CLIError(f"--{option} applies to NIR output (-o FILE{NIR_SUFFIX}), not "
                           f"{out.name}")
