"""``lava-stllr import FILE.nir --out RUN``: a NIR graph as a run folder.

The graph (lava-stllr's own export, or another framework's: snnTorch's ``export_to_nir``,
Norse, ...) is mapped exactly by :func:`lava_stllr.nir.from_nir` or refused with one line
naming the node; the run folder (``weights.npz`` + ``run.json``, written by
:func:`lava_stllr.runs.record.save_run`) then evaluates (``evaluate RUN``, ``--backend
lava``) and keeps learning (``train --init RUN``) as any run does. Its parameters are the
graph's (neurons from its nodes, the S-TLLR rule from its metadata, else the defaults).

The dataset a run evaluates on is not in a foreign graph: ``--dataset`` (with
``--data-dir`` and the binning options) records it; lava-stllr's own export carries its
run's dataset and seed, which the import keeps.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import (
    DATASETS,
    PROG,
    CLIError,
    add_binning_options,
    add_command,
    binning_changes,
    non_negative_int,
    out_path,
    positive_real,
)


def add_parser(sub: Any) -> None:
    """Add the ``import`` command to the subparsers ``sub``."""
    p = add_command(sub, "import", run, help="import a NIR graph as a run folder",
                    description="Read a NIR file (lava-stllr's export, snnTorch's "
                                "export_to_nir, ...) into a run folder that evaluate and "
                                "train --init use; a graph lava-stllr cannot hold exactly "
                                "is refused with one line naming the node.")
    p.add_argument("file", type=Path, help="the .nir file")
    p.add_argument("--out", type=out_path, default=None, metavar="RUN",
                   help="run folder to write (default: runs/<timestamp>)")
    p.add_argument("--overwrite", action="store_true",
                   help="allow an --out folder that already holds files")
    p.add_argument("--dt", type=positive_real, default=None, metavar="SECONDS",
                   help="the time one step stands for, beta = 1 - dt/tau (default: the "
                        "graph's, recorded by lava-stllr's export; snnTorch exports with "
                        "1e-4 but does not record it)")
    p.add_argument("--drop-bias", action="store_true",
                   help="drop nonzero biases instead of refusing them (changes the "
                        "network: lava-stllr's layers have no bias)")
    group = p.add_argument_group("data the run is evaluated and trained on")
    group.add_argument("--dataset", choices=DATASETS, default=None,
                       help="record this dataset (default: the one lava-stllr's export "
                            "recorded, else none: give --dataset to evaluate)")
    group.add_argument("--data-dir", type=Path, default=None, metavar="PATH",
                       help="folder of a real dataset")
    group.add_argument("--seed", type=non_negative_int, default=None,
                       help="the run's seed, which picks its held-out set (default: the "
                            "exported run's, else 0)")
    add_binning_options(p)
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _dataset(args: argparse.Namespace, imported: Any) -> dict[str, Any]:
    """The ``dataset`` record: the options', else the exported run's, else empty."""
    if not args.dataset:
        if args.data_dir is not None or any(
                getattr(args, k, None) is not None for k in ("time_bins", "window_ms",
                                                             "downsample", "input",
                                                             "channels")):
            raise CLIError("--data-dir and the binning options need --dataset")
        return dict(imported.source.get("dataset") or {})
    changes = binning_changes(args)
    from lava_stllr.data import registry

    try:
        binning = registry.binning_for(args.dataset, changes)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    root = args.data_dir.expanduser().resolve() if args.data_dir else None
    return {"name": args.dataset, "data_dir": str(root) if root else None,
            "binning": None if binning is None else binning.to_dict(),
            "n_inputs": int(imported.spec.n_inputs),
            "n_classes": int(imported.spec.n_classes)}


def _record(args: argparse.Namespace, imported: Any, folder: Path, seconds: float,
            dataset: dict[str, Any]) -> dict[str, Any]:
    from lava_stllr.cli.init_run import layer_string
    from lava_stllr.runs import record as runs

    seed = args.seed if args.seed is not None else int(imported.source.get("seed", 0))
    source = {"file": str(args.file.expanduser().resolve()),
              "sha256": hashlib.sha256(args.file.read_bytes()).hexdigest(),
              "dt": imported.dt, "drop_bias": bool(args.drop_bias),
              "notes": list(imported.notes), "exported_run": imported.source.get("run")}
    return runs.build_record(
        name=folder.name, command=[PROG, *args.argv], backend="nir", trainer="nir-import",
        dataset=dataset, seed=seed, params=imported.params, spec=imported.spec,
        accuracy={"val": None, "val_loss": None}, timings={"import": seconds},
        signal=imported.signal, network={"kind": imported.spec.kind,
                                         "layers": layer_string(imported.spec)},
        nir=source)


def _summary(args: argparse.Namespace, imported: Any, folder: Path,
             dataset: dict[str, Any]) -> str:
    p, spec = imported.params, imported.spec
    lines = [f"imported {args.file} (NIR, dt {imported.dt:g} s per step) into {folder}",
             f"  network {spec.label}: hidden LIF beta {p.beta:.6g}, theta {p.theta:.6g}, "
             f"{p.reset} reset; leaky readout beta_out {spec.beta_out:.6g}",
             f"  S-TLLR: lam_pre {p.lam_pre:g}, lam_post {p.lam_post:g}, alpha_pre "
             f"{p.alpha_pre:g}, alpha_post {p.alpha_post:g}, psi {p.psi}, lr {p.lr:g}"
             + ("" if imported.has_rule else " (defaults: the graph has no S-TLLR metadata)")]
    lines += [f"  note: {note}" for note in imported.notes]
    if dataset.get("name"):
        lines.append(f"  dataset {dataset['name']}: lava-stllr evaluate {folder}")
    else:
        lines.append(f"  no dataset recorded: lava-stllr evaluate {folder} --dataset NAME "
                     "(or import again with --dataset)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Import ``args.file`` into a run folder; print what it holds; return 0."""
    from lava_stllr.nir import from_nir, read_nir
    from lava_stllr.runs import folder as run_folder
    from lava_stllr.runs import record as runs

    start = time.perf_counter()
    imported = from_nir(read_nir(args.file), dt=args.dt, drop_bias=args.drop_bias)
    dataset = _dataset(args, imported)
    # Claimed only once the graph maps: a refused graph leaves no folder behind.
    folder = run_folder.make_run_dir(args.out, overwrite=args.overwrite)
    try:
        record = _record(args, imported, folder, time.perf_counter() - start, dataset)
        runs.save_run(folder, imported.spec, imported.params, imported.weights, record)
        run_folder.finish_run(folder)
    except BaseException:
        run_folder.abandon_run(folder)
        raise
    if args.json:
        print(json.dumps({"run": str(folder), "network": imported.spec.label,
                          "params": imported.params.to_dict(), "dt": imported.dt,
                          "notes": imported.notes, "dataset": dataset.get("name")}, indent=2))
    else:
        print(_summary(args, imported, folder, dataset))
    return 0
