"""``lava-stllr train --init RUN``: keep training a finished run's weights.

The transfer pattern of on-chip learning: a network trained offline (a run folder of
either backend) goes on learning online. With ``--backend lava`` a dense network keeps
learning everywhere (``STLLRNetwork(weights=...)``); a conv network's conv and pool
layers become the frozen front-end of :func:`~lava_stllr.lavanet.conv.conv_network` and
only its dense layers and readout learn. With ``--backend reference`` every layer is
fine-tuned in the batched trainer.

The network (layers, recurrence, readout) is the init run's; its dataset and binning must
be the ones the init run recorded (defaults: its data folder, splits, sample counts and
seed, so the held-out set is the init run's own). Parameters are the init run's, with the
learning rate of the new backend unless ``--lr``/``--set lr=`` gives one.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import CLIError, binning_changes

#: The binning option that sets each BinningConfig field (for error messages).
_OPTION_OF_FIELD = {"n_time_bins": "--time-bins", "t_end_us": "--window-ms",
                    "downsample": "--downsample", "max_count": "--input"}


def add_init_option(parser: argparse.ArgumentParser) -> None:
    """``--init RUN``."""
    parser.add_argument("--init", type=Path, default=None, metavar="RUN",
                        help="start from a finished run folder's weights and network (its "
                             "dataset and binning); lava: a conv run's conv layers become a "
                             "frozen front-end and its dense layers learn on chip")


def layer_string(spec: Any) -> str:
    """The ``--layers`` string of a saved network (dense: the hidden sizes)."""
    if spec.kind == "conv":
        return str(spec)
    return "-".join(str(n) for n in spec.sizes[1:-1])


def apply_init(args: argparse.Namespace) -> Any:
    """Load ``args.init`` and fill ``args`` from it: layers, dataset, data folder, splits,
    sample counts and seed where not given. Returns the
    :class:`~lava_stllr.runs.record.LoadedRun` (None without ``--init``).

    Raises
    ------
    CLIError
        Options that contradict the init run (another network, dataset or binning), or
        an init run without a record of its data.
    """
    if args.init is None:
        if args.seed is None:
            args.seed = 0
        return None
    from lava_stllr.runs import record as runs

    loaded = runs.load_run(args.init)
    if not loaded.record:
        raise CLIError(f"--init {args.init}: {loaded.weights_path} has no run.json beside it "
                       "(the record of its dataset); give a run folder written by "
                       "'lava-stllr train'")
    if args.out is not None and Path(args.out).resolve() == Path(loaded.folder).resolve():
        raise CLIError(f"--out {args.out} is the init run's own folder: give another --out "
                       "(a run never replaces the one it starts from)")
    _check_network(args, loaded)
    ds = loaded.record.get("dataset") or {}
    name = ds.get("name")
    if not name:
        raise CLIError(f"--init {args.init}: its run.json records no dataset name")
    if ds.get("tune") or getattr(args, "tune", False):
        # Its held-out samples are training samples of an ordinary run, and the reverse.
        raise CLIError(f"--init {args.init}: a --tune run only chooses settings; start from "
                       "a run trained without --tune, and without --tune"
                       if ds.get("tune") else "--tune does not apply with --init (drop "
                       "--tune)")
    if args.dataset is not None and args.dataset != name:
        raise CLIError(f"--dataset {args.dataset}: the init run {loaded.folder} was trained "
                       f"on {name} (drop --dataset, or train a new run)")
    args.dataset = name
    if args.data_dir is None and ds.get("data_dir"):
        args.data_dir = Path(ds["data_dir"])
    recorded = {"split": ds.get("split"), "val_split": ds.get("val_split"),
                "samples": int(ds["n_train"]) if ds.get("n_train") else None,
                "val_samples": int(ds["n_val"] or 0) if "n_val" in ds else None,
                "seed": int(loaded.record.get("seed", loaded.seed))}
    for field, value in recorded.items():
        _keep_recorded(args, field, value, loaded.folder)
    if args.backend == "lava" and args.precision == "fixed":
        import sys

        from lava_stllr.cli.lava_adapter import fixed_input_note
        from lava_stllr.cli.parser import PROG

        note = fixed_input_note(ds)
        if note:
            print(f"{PROG}: note: {note}", file=sys.stderr)
    return loaded


def _keep_recorded(args: argparse.Namespace, field: str, value: Any, folder: Any) -> None:
    """Fill ``args.<field>`` with the init run's ``value``; refuse another given value:
    the split options and the seed fix which samples are held out, and with other ones
    the new run could train on the init run's held-out samples (or score on its
    training samples)."""
    given = getattr(args, field)
    if given is None or value is None:
        if given is None:
            setattr(args, field, value)
        return
    if given != value:
        option = "--" + field.replace("_", "-")
        raise CLIError(f"{option} {given}: the init run {folder} used {value}; the held-out "
                       f"samples must stay the init run's own, so drop {option}")


def _check_network(args: argparse.Namespace, loaded: Any) -> None:
    spec, layers = loaded.spec, layer_string(loaded.spec)
    if args.layers and args.hidden:
        raise CLIError("give --layers or --hidden, not both")
    given = args.layers or ("-".join(map(str, args.hidden)) if args.hidden else None)
    if given is not None and given != layers:
        option = "--layers" if args.layers else "--hidden"
        raise CLIError(f"{option} {args.layers or ','.join(map(str, args.hidden))}: the init "
                       f"run {loaded.folder} holds the network {spec.label} (layers "
                       f"{layers}); drop {option}")
    recurrent = bool(getattr(spec, "recurrent", False))
    if args.recurrent and not recurrent:
        raise CLIError(f"--recurrent: the init run's network {spec.label} has no recurrent "
                       "weights (drop --recurrent)")
    if args.recurrent is False and recurrent:
        raise CLIError(f"--no-recurrent: the init run's network {spec.label} has recurrent "
                       "weights (drop --no-recurrent)")
    if args.preset is not None:
        raise CLIError(f"--preset {args.preset}: the parameters come from the init run "
                       f"{loaded.folder} (change single ones with --lr or --set)")
    if args.trainer != "stllr":
        raise CLIError("--init fine-tunes with S-TLLR (drop --trainer)")
    args.hidden, args.layers, args.recurrent = None, layers, recurrent


def init_binning(args: argparse.Namespace, loaded: Any) -> dict[str, Any]:
    """The init run's binning (as recorded) for the new data request; a binning option
    that asks for another value is refused."""
    ds = loaded.record.get("dataset") or {}
    recorded = dict(ds.get("binning") or {})
    if "sensor_size" in recorded:
        recorded["sensor_size"] = tuple(recorded["sensor_size"])
    if not recorded and args.dataset == "nmnist" and "binning" not in ds:
        recorded = {"max_count": None}  # recorded before binning was an option
    from lava_stllr.data import registry

    try:
        want = registry.binning_for(args.dataset, recorded)
        asked = registry.binning_for(args.dataset, {**recorded, **binning_changes(args)})
    except ValueError as exc:
        raise CLIError(f"--init {args.init}: {exc}") from None
    if want != asked:
        differ = [f"{_OPTION_OF_FIELD.get(k, k)} ({k} {getattr(asked, k)!r}, init run "
                  f"{getattr(want, k)!r})" for k in binning_changes(args)
                  if getattr(asked, k) != getattr(want, k)]
        raise CLIError(f"the init run {loaded.folder} was trained on {args.dataset} binned "
                       f"otherwise: {', '.join(differ)}; drop the binning options")
    return recorded


def init_params(args: argparse.Namespace, loaded: Any, lr: float) -> Any:
    """The init run's parameters with the dedicated flags and ``--set`` applied; ``lr``
    when neither ``--lr`` nor ``--set lr=`` is given."""
    from lava_stllr.cli.common import build_params

    base = loaded.params.to_dict()
    given = {k for k, _ in args.overrides} | ({"lr"} if args.lr is not None else set())
    defaults = {**base, **({} if "lr" in given else {"lr": lr})}
    return build_params(args, defaults)


def check_fits(spec: Any, data: Any, name: str, request: Any) -> None:
    """Refuse data whose inputs, classes or frames differ from the init run's network."""
    from lava_stllr.cli.common import check_fits as fits

    fits(spec, data, name, request, network="the init run's network")


def init_record(loaded: Any, val_loss: float | None, val_acc: float | None) -> dict[str, Any]:
    """``run.json``'s ``init_run``: where the weights came from (absolute folder, its
    run name, the SHA-256 of its weights file) and their held-out score before training
    (epoch 0)."""
    digest = hashlib.sha256(Path(loaded.weights_path).read_bytes()).hexdigest()
    return {"path": str(Path(loaded.folder).expanduser().resolve()),
            "name": loaded.record.get("name"), "created": loaded.record.get("created"),
            "backend": loaded.record.get("backend"), "weights_sha256": digest,
            "val_acc": val_acc, "val_loss": val_loss}


def replace_binning(request: Any, binning: dict[str, Any]) -> Any:
    """``request`` with the init run's binning."""
    return dataclasses.replace(request, binning=binning)
