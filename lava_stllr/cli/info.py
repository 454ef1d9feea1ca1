"""``lava-stllr info``: versions, presets, datasets, backends, optional packages."""

from __future__ import annotations

import argparse
import json
from importlib.util import find_spec
from typing import Any

from lava_stllr.cli.parser import AUDIO_DATASETS, add_command

#: ``train --layers`` in one line (:mod:`lava_stllr.spec.layers`).
LAYER_SYNTAX = ("tokens joined by '-': <C>c<k>[s<stride>][p<pad>] conv layer (C channels, "
                "k x k), p<k> / a<k> max / avg pool k x k, <n> dense layer; conv and pool "
                "before dense, e.g. 8c5-p2-16c3-p2-128; a conv or dense token may end in "
                ":<psi>, its own secondary activation, e.g. 16c5:triangle-128:rational "
                "(conv layers learn with --backend reference, weight-standardized unless "
                "--no-ws; in Lava a trained conv run is a frozen front-end: evaluate RUN "
                "--backend lava, train --backend lava --init RUN; dense only, e.g. 256-128, "
                "is --hidden 256,128)")


def add_parser(sub: Any) -> None:
    """Add the ``info`` command to the subparsers ``sub``."""
    p = add_command(sub, "info", run, help="versions, presets, datasets and backends",
                    description="Show versions, parameter presets, datasets, backends "
                                "and optional packages.")
    p.add_argument("--json", action="store_true", help="print as JSON")


def _lava_dl(version: str | None) -> str:
    """lava-dl's version and what it adds here, or that it is not needed for the export,
    how to install it and what that pulls in."""
    adds = ("running an exported file in Lava with lava.lib.dl.netx.hdf5.Network")
    if version:
        return f"{version} (adds {adds}; the export itself needs no lava-dl)"
    return ("not installed, and not needed to export: 'lava-stllr export' writes the netx "
            "HDF5 file and 'export --check' simulates it without lava-dl. lava-dl only "
            f"adds {adds}: pip install 'lava-stllr[dl]', which also installs torch with "
            "its CUDA wheels (several GB)")


def collect_info() -> dict[str, Any]:
    """Versions, presets, datasets, backends and optional packages (imports nothing heavy)."""
    from lava_stllr.cli.defaults import train_defaults
    from lava_stllr.data.registry import DATASETS, binning_for
    from lava_stllr.params import PRESETS
    from lava_stllr.runs.environment import versions

    vers = versions()
    tonic = find_spec("tonic") is not None  # find_spec: without importing it
    datasets = {name: "needs --data-dir" + ("" if tonic or not entry.needs_tonic
                                             else " and tonic")
                if entry.needs_data_dir else "embedded (generated in code)"
                for name, entry in DATASETS.items()}
    return {
        "versions": vers,
        "presets": PRESETS,
        "datasets": datasets,
        "backends": {"reference": "available", "lava": "available"},
        "train_defaults": {name: {backend: train_defaults(name, backend).to_dict()
                                  for backend in ("lava", "reference")}
                           for name in DATASETS},
        "binning": {name: binning_for(name, {}).to_dict()
                    for name, entry in DATASETS.items() if entry.default_binning},
        "layers": LAYER_SYNTAX,
        "held_out_split": {name: entry.val_split for name, entry in DATASETS.items()},
        "held_out_by": {name: entry.hold_out_by for name, entry in DATASETS.items()
                        if entry.hold_out_by},
        "fixed_point": "available",
        "lava_dl": _lava_dl(vers.get("lava-dl")),
    }


def run(args: argparse.Namespace) -> int:
    """Print :func:`collect_info` as text or JSON; return 0."""
    info = collect_info()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print("versions: " + ", ".join(f"{k} {v or 'not installed'}"
                                   for k, v in info["versions"].items()))
    print("presets (lam_post, lam_pre, alpha_post, alpha_pre, psi):")
    for name, p in info["presets"].items():
        print(f"  {name:<13} {p['lam_post']:<5} {p['lam_pre']:<5} {p['alpha_post']:<5} "
              f"{p['alpha_pre']:<5} {p['psi']}")
    print("datasets: " + "; ".join(f"{k}: {v}" for k, v in info["datasets"].items()))
    print("backends: " + "; ".join(f"{k}: {v}" for k, v in info["backends"].items()))
    print("train defaults (samples, epochs, hidden [r: recurrent], lr, psi, reset, "
          "optimizer; on chip: update; lr decay per epoch; augmentation):")
    for name, per_backend in info["train_defaults"].items():
        for backend, d in per_backend.items():
            chip = (f"sgd (on chip), per {d['update']}, lr x{d['lr_decay']:g}/epoch"
                    if backend == "lava" else d["optimizer"] or "sgd")
            hidden = ",".join(map(str, d["hidden"])) + ("r" if d["recurrent"] else "")
            if backend != "lava" and d["lr_decay"] != 1:
                chip += f", lr x{d['lr_decay']:g}/epoch"
            if d["time_bins"]:
                chip += f", {d['time_bins']} time bins"
            if d["augment"]:
                chip += ", augmented"
            if d["average_last"] > 1:
                chip += f", weights averaged over the last {d['average_last']} epochs"
            print(f"  {name:<17} {backend:<9} {d['samples']:<5} {d['epochs']:<3} "
                  f"{hidden:<5} {d['lr']:<7g} {d['psi'] or 'preset'}, "
                  f"{d['reset'] or 'preset'} reset, {chip}")
            if d["conv"]:
                print(f"  {'':<17} {'':<9} with conv layers: " + _conv_words(d["conv"]))
    print("binning (time bins, window ms, downsample, input; --time-bins, --window-ms, "
          "--downsample, --input; audio: --channels):")
    for name, b in info["binning"].items():
        window = "whole recording" if b["t_end_us"] is None else \
            f"{(b['t_end_us'] - b['t_start_us']) / 1000:g}"
        kind = "binary" if b["max_count"] == 1 else "counts" if b["max_count"] is None \
            else f"counts <= {b['max_count']}"
        channels = (f", {b['sensor_size'][0]} inputs ({_audio_front_end()})"
                    if name in AUDIO_DATASETS else "")
        print(f"  {name:<17} {b['n_time_bins']:<4} {window:<6} {b['downsample']:<3} "
              f"{kind}{channels}")
    print(f"layers (train --layers): {info['layers']}")
    print("held-out samples come from (--val-split): " + ", ".join(
        f"{k} {'the split of the training samples' if v is None else 'the test split'}"
        for k, v in info["held_out_split"].items()))
    for name, attr in info["held_out_by"].items():
        print(f"  {name} holds out whole {attr} (the highest-numbered), never heard in "
              "training")
    print(f"fixed point: {info['fixed_point']}")
    print(f"lava-dl: {info['lava_dl']}")
    return 0


def _audio_front_end() -> str:
    """The audio datasets' front-end in words: channels and neurons per channel."""
    from lava_stllr.data.heidelberg_digits import DATASET_FRONT_END

    return (f"{DATASET_FRONT_END.n_channels} channels x {DATASET_FRONT_END.populations} "
            "neurons")


def _conv_words(changes: dict) -> str:
    """What a dataset's defaults change for a network with conv layers, in words."""
    words = [f"{k} {v}" for k, v in changes.items() if k not in ("augment", "average_last",
                                                                  "average_fraction")]
    if changes.get("augment"):
        words.append("augmented")
    if changes.get("average_last", 1) > 1:
        words.append(f"weights averaged over the last {changes['average_last']} epochs")
    return ", ".join(words)
