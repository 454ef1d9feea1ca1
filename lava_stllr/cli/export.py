"""``lava-stllr export RUN``: write a netx HDF5 file and print its layer table; an output
ending in ``.nir`` writes a NIR graph instead (:mod:`lava_stllr.cli.export_nir`)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from lava_stllr.cli.common import recorded_held_out
from lava_stllr.cli.parser import add_command, positive_int, positive_real


def add_parser(sub: Any) -> None:
    """Add the ``export`` command to the subparsers ``sub``."""
    p = add_command(sub, "export", run, help="export a run to lava-dl's netx HDF5 format "
                                             "or to NIR (-o FILE.nir)",
                    description="Write a run's network as a netx HDF5 file for "
                                "lava.lib.dl.netx.hdf5.Network (inference only), or, when "
                                "the output ends in .nir, as a NIR graph with the S-TLLR "
                                "rule in its metadata.")
    p.add_argument("run", type=Path, help="run folder or weights .npz file")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="PATH",
                   help="output file (default: <run folder>/netx.h5); a .nir suffix "
                        "writes NIR")
    p.add_argument("--check", type=positive_int, default=None, metavar="N",
                   help="also run N held-out samples through a NumPy model of the exported "
                        "fixed-point network and compare predictions with the float one "
                        "(.nir: read the file back and compare the reference predictions)")
    p.add_argument("--json", action="store_true", help="print the layer table as JSON")
    p.add_argument("--dt", type=positive_real, default=None, metavar="SECONDS",
                   help="NIR only: the time one step stands for (default 0.001; 1e-4 "
                        "with --target snntorch); tau = dt/(1-beta)")
    p.add_argument("--target", choices=("nir", "snntorch", "norse"), default=None,
                   help="NIR only: plain NIR (default), or the form that snnTorch's or "
                        "Norse's NIR importer simulates exactly (readout as a LIF that "
                        "never fires; snnTorch: dt 1e-4; Norse: r = 1, the gain in the "
                        "weights); dense feed-forward networks")


def check_export(path: Path, loaded: Any, dataset: Any) -> dict[str, Any]:
    """Compare the float network with :func:`~lava_stllr.export.netx_sim.simulate_netx` of
    the exported file on ``dataset``: accuracy of both and prediction agreement."""
    from lava_stllr.export import netx_sim as netx
    from lava_stllr.reference.conv_network import conv_sample_activity
    from lava_stllr.runs.activity import sample_activity
    from lava_stllr.spec.conv import ConvNetSpec

    activity = conv_sample_activity if isinstance(loaded.spec, ConvNetSpec) else \
        sample_activity
    start = loaded.params.window_start(int(dataset.n_steps))
    same = right_float = right_netx = 0
    for i in range(len(dataset)):
        x, label = dataset[i]
        ours = activity(loaded.spec, loaded.params, loaded.weights, x)["prediction"]
        exported = netx.simulate_netx(path, x).prediction(start)
        same += ours == exported
        right_float += ours == label
        right_netx += exported == label
    n = len(dataset)
    return {"samples": n, "float_accuracy": right_float / n, "netx_accuracy": right_netx / n,
            "agreement": same / n}


def _print_table(out: Path, loaded: Any, table: list[dict[str, Any]]) -> None:
    shape = getattr(loaded.spec, "input_shape", None) or (loaded.spec.sizes[0],)
    print(f"wrote {out} (lava-dl netx HDF5, {len(table)} blocks + input "
          f"{'x'.join(map(str, shape))})")
    print(f"  {'layer':>5} {'type':<9} {'role':<7} {'neurons':>7} {'scale':>9} "
          f"{'iDecay':>6} {'vDecay':>6} {'vThMant':>7}")
    for row in table:
        print(f"  {row['layer']:>5} {row['type']:<9} {row['role']:<7} {row['neurons']:>7} "
              f"{row['weight_scale']:>9.3g} {row['iDecay']:>6} {row['vDecay']:>6} "
              f"{row['vThMant']:>7}")
    if loaded.params.reset == "soft":
        print("  note: hidden neurons are soft-reset LIF here and hard-reset CUBA in netx; "
              "see lava_stllr.export.netx_write for every difference")


def run(args: argparse.Namespace) -> int:
    """Export ``args.run``; print the layer table (and the check); return 0."""
    from lava_stllr.cli import export_nir
    from lava_stllr.export import netx_write as netx
    from lava_stllr.runs import record as runs

    loaded = runs.load_run(args.run)
    out = args.output or loaded.folder / "netx.h5"
    export_nir.refuse_nir_options(args, out)
    if export_nir.is_nir(out):
        return export_nir.run_nir(args, loaded, out)
    layers = netx.export_netx(out, loaded.spec, loaded.params, loaded.weights)
    table = [{"layer": i + 1, "type": lay.kind, "role": lay.role, "neurons": lay.size,
              "weight_scale": lay.scale, "iDecay": lay.i_decay, "vDecay": lay.v_decay,
              "vThMant": lay.v_th_mant} for i, lay in enumerate(layers)]
    check = None
    if args.check:
        val = recorded_held_out(loaded, args.check)
        check = check_export(out, loaded, val)
    if args.json:
        print(json.dumps({"file": str(out), "layers": table, "check": check}, indent=2))
        return 0
    _print_table(out, loaded, table)
    if check:
        print(f"  check on {check['samples']} held-out samples: float accuracy "
              f"{check['float_accuracy']:.3f}, exported (fixed-point model) accuracy "
              f"{check['netx_accuracy']:.3f}, same prediction {check['agreement']:.3f}")
    return 0
