"""What several commands share: parameters, data, backend checks."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path
from typing import Any

from lava_stllr.cli import memory
from lava_stllr.cli.parser import ALL, DEFAULT_PRESET, PROG, CLIError

#: Hidden-layer learning signal when --signal is not given (the Lava network has DFA only).
DEFAULT_SIGNAL = {"lava": "dfa", "reference": "bp"}


def _field_value(name: str, text: str) -> Any:
    """``--set NAME=TEXT`` as the field's type (STLLRParams checks the range)."""
    from lava_stllr import validate
    from lava_stllr.params import STLLRParams

    names = [f.name for f in fields(STLLRParams)]
    if name not in names:
        raise CLIError(f"unknown parameter {name!r} in --set (known: {', '.join(names)})")
    if name in ("psi", "reset"):
        return text
    if name == "window":
        if text.lower() in ("none", "all", ""):
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            validate.integer("window", text)  # refuses the text, in the package's wording
        except ValueError as exc:
            raise CLIError(f"{exc} (or 'none': every step)") from None
    try:
        return float(text)
    except ValueError:
        return validate.real(name, text)  # raises: not a number


def build_params(args: argparse.Namespace, defaults: dict[str, Any] | None = None) -> Any:
    """STLLRParams from --preset, ``defaults`` (fields the user did not give), the
    dedicated flags and --set (validated; each later source wins).

    Raises
    ------
    ValueError
        From :class:`~lava_stllr.params.STLLRParams` on an out-of-range value.
    """
    from lava_stllr.params import STLLRParams

    changes: dict[str, Any] = dict(defaults or {})
    for key, value in args.overrides:
        changes[key] = _field_value(key, value)
    for name in ("lr", "lam_pre", "lam_post", "alpha_pre", "alpha_post"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    return STLLRParams.preset(args.preset or DEFAULT_PRESET, **changes)


def load_data(name: str, request: Any) -> tuple[Any, Any]:
    """Training and held-out datasets ``(train, val)`` of ``name`` for a
    :class:`~lava_stllr.data.registry.DataRequest` (``val`` None when ``n_val`` is 0)."""
    from lava_stllr.data import registry
    from lava_stllr.data.dataset import CheckedDataset

    check_data_dir(name, request.root)
    train, val = registry.load_train_val(name, request)
    # Every sample is checked where it is read, whichever backend reads it.
    return (CheckedDataset(train, f"{name} training set"),
            None if val is None else CheckedDataset(val, f"{name} held-out set"))


def check_data_dir(name: str, data_dir: Path | None) -> None:
    """A dataset read from files needs ``--data-dir``."""
    from lava_stllr.data import registry

    if registry.get(name).needs_data_dir and data_dir is None:
        raise CLIError(f"--dataset {name} needs --data-dir PATH (the dataset's folder)")


def recorded_request(args: argparse.Namespace, loaded: Any) -> tuple[str, Any]:
    """``(dataset name, DataRequest)`` of a saved run's data, with what ``args``
    (dataset, data_dir, seed, cache_dir) change."""
    from lava_stllr.data.registry import DataRequest

    ds = loaded.record.get("dataset", {})
    name = args.dataset or ds.get("name") or "synthetic"
    recorded = Path(ds["data_dir"]) if ds.get("data_dir") else None
    if args.data_dir is None and recorded is not None and not recorded.is_absolute() \
            and not recorded.is_dir():
        raise CLIError(f"the run records the relative data folder {recorded}, which is not "
                       f"found from {Path.cwd()}: give --data-dir PATH")
    seed = args.seed if args.seed is not None else int(loaded.record.get("seed",
                                                                          loaded.seed))
    same_data = name == ds.get("name")
    if same_data and "binning" in ds:
        binning = dict(ds["binning"] or {})
        if "sensor_size" in binning:
            binning["sensor_size"] = tuple(binning["sensor_size"])
    elif same_data and name == "nmnist":
        # Runs recorded before binning was an option binned N-MNIST as counts.
        binning = {"max_count": None}
    else:
        binning = {}
    # A --tune run's held-out samples are a fifth of the training samples it was given.
    tune = same_data and bool(ds.get("tune"))
    sizes = ds.get("tune_of") if tune else {"n_train": ds.get("n_train"),
                                             "n_val": ds.get("n_val")}
    if sizes is None:
        raise CLIError("the run was trained with --tune before run.json recorded the sizes "
                       "its split was made from (tune_of): its validation samples cannot be "
                       "read again; give --split and --samples to score other samples")
    request = DataRequest(root=args.data_dir or recorded, n_train=sizes["n_train"],
                          n_val=int(sizes["n_val"] or 0), seed=seed, tune=tune,
                          split=ds.get("split", "train") if same_data else "train",
                          val_split=ds.get("val_split") if same_data else None,
                          binning=binning, cache_dir=args.cache_dir)
    return name, request


def recorded_held_out(loaded: Any, samples: int) -> Any:
    """The first ``samples`` of ``loaded``'s recorded held-out set, read from the run's own
    data folder (what ``export --check`` scores)."""
    data_args = argparse.Namespace(dataset=None, data_dir=None, samples=samples, seed=None,
                                   cache_dir=None)
    return held_out_data(data_args, loaded)[2]


def held_out_data(args: argparse.Namespace, loaded: Any) -> tuple[str, str, Any]:
    """``(dataset name, what was read, dataset)`` to evaluate a saved run on: with
    ``args.split``, ``args.samples`` (None: all) samples of that split; otherwise the
    run's own held-out set (``args.samples`` of it, if given)."""
    import dataclasses

    from lava_stllr.data import registry
    from lava_stllr.data.dataset import CheckedDataset

    name, request = recorded_request(args, loaded)
    check_data_dir(name, request.root)
    ds = loaded.record.get("dataset", {})
    split = getattr(args, "split", None)
    if split is not None:
        request = dataclasses.replace(request, split=split, n_train=args.samples)
        data = CheckedDataset(registry.load_split(name, request), f"{name} {split} split")
        what = f"{split} split"
    else:
        if "n_val" in ds and not ds["n_val"]:
            raise CLIError("the run has no held-out set (it was trained with --val-samples "
                           "0): give --split test (or --split train) to choose the samples")
        # The recorded held-out set, then its first --samples: asking the registry for
        # another n_val would re-split the files and could hand back training samples.
        if not registry.val_depends_on_n_train(name, request):
            request = dataclasses.replace(request, n_train=1)  # the cheapest request
        request = dataclasses.replace(request, n_val=request.n_val or 200)
        _, data = load_data(name, request)
        check_val_hash(ds, data, request.root, same=name == ds.get("name")
                       and request.seed == loaded.record.get("seed"))
        if args.samples is not None and args.samples != ALL:
            if args.samples > len(data):
                raise CLIError(f"--samples {args.samples}: the run's held-out set has "
                               f"{len(data)} samples")
            data = CheckedDataset(data.subset(range(args.samples)), f"{name} held-out set")
        what = "held-out"
    check_fits(loaded.spec, data, name, request)
    return name, what, data


def check_fits(spec: Any, data: Any, name: str, request: Any,
               network: str = "the network") -> None:
    """Refuse data whose inputs, classes or (conv) frames differ from ``spec``'s;
    ``network`` names the network in the message."""
    if data.n_inputs != spec.n_inputs or data.n_classes != spec.n_classes:
        raise CLIError(f"{name} has {data.n_inputs} inputs and {data.n_classes} classes, "
                       f"{network} {spec.label} does not fit it")
    if spec.kind == "conv":
        from lava_stllr.cli.layers_option import input_shape

        shape = input_shape(name, request, data.n_inputs)
        if tuple(shape) != tuple(spec.input_shape):
            raise CLIError(f"{name} gives {'x'.join(map(str, shape))} frames, {network} "
                           f"{spec.label} reads {'x'.join(map(str, spec.input_shape))} ones")


def check_val_hash(ds: dict, val: Any, data_dir: Path | None, same: bool,
                   run: str = "the run") -> None:
    """Warn on stderr when ``run``'s own held-out files changed since it was trained
    (``ds``: its record's ``dataset``; ``same``: ``val`` is that held-out set, read from
    ``data_dir`` now); ``evaluate`` and ``train --init``."""
    import sys

    from lava_stllr.data.fingerprint import dataset_fingerprint

    if not same or val is None or not ds.get("val_hash"):
        return
    now = dataset_fingerprint([val], data_dir.expanduser().resolve() if data_dir else None)
    if now["data_hash"] != ds["val_hash"]:
        print(f"{PROG}: warning: the held-out files under {data_dir} differ from those "
              f"{run} was trained with (hash {now['data_hash']}, recorded {ds['val_hash']})",
              file=sys.stderr)


def check_backend(args: argparse.Namespace) -> None:
    """Fail fast, before any data is loaded, on a backend/option combination that
    cannot run."""
    if args.backend == "lava":
        if getattr(args, "trainer", "stllr") != "stllr":
            raise CLIError("--trainer bptt needs --backend reference")
    elif args.precision == "fixed":
        raise CLIError("--precision fixed runs the bit-approximate Loihi 2 models: use "
                       "--backend lava (the reference backend is float only)")


def check_unused_options(args: argparse.Namespace) -> None:
    """Refuse options the user gave that the chosen backend or trainer does not use
    (options left out are ``None`` here, so defaults always pass)."""
    given = {name: getattr(args, name, None) for name in ("signal", "optimizer",
                                                          "batch_size", "dtype", "update",
                                                          "train_eval", "lr_decay")}
    if args.backend == "lava":
        if getattr(args, "trainer", "stllr") != "stllr":
            raise CLIError("--trainer bptt needs --backend reference")
        if given["signal"] not in (None, "dfa"):
            raise CLIError(f"--signal {given['signal']} needs --backend reference: the lava "
                           "network learns with the DFA signal only (drop --signal)")
        if given["optimizer"] is not None:
            raise CLIError(f"--optimizer {given['optimizer']} applies to --backend reference "
                           "only: the lava network applies plain SGD on chip (drop "
                           "--optimizer)")
        if given["batch_size"] is not None:
            raise CLIError("--batch-size applies to --backend reference only: the lava "
                           "network learns online, one sample at a time (drop --batch-size)")
        if given["dtype"] is not None:
            raise CLIError(f"--dtype {given['dtype']} applies to --backend reference only: "
                           "the lava models have their own arithmetic, float or --precision "
                           "fixed (drop --dtype)")
        if getattr(args, "average_last", None) is not None:
            raise CLIError("--average-last applies to --backend reference only: the lava "
                           "network learns online and keeps the weights it ends with (drop "
                           "--average-last)")
        if getattr(args, "ws", None) is not None:
            raise CLIError("--ws/--no-ws applies to --backend reference only: weight "
                           "standardization has no on-chip form (a standardized run's "
                           "weights run and learn in Lava as the plain weights they fold to)")
    elif any(given[k] is not None for k in ("update", "train_eval")):
        option = next(f"--{k.replace('_', '-')}" for k in ("update", "train_eval")
                      if given[k] is not None)
        raise CLIError(f"{option} applies to --backend lava only: the reference trainers "
                       "update once per mini-batch and score training while learning "
                       f"(drop {option})")
    elif getattr(args, "trainer", "stllr") == "bptt" and given["signal"] is not None:
        raise CLIError(f"--signal {given['signal']} does not apply to --trainer bptt (BPTT "
                       "back-propagates exact gradients through time; drop --signal)")


#: Copies of the weights a training run holds at once (see :mod:`~lava_stllr.cli.memory`).
WEIGHT_COPIES = memory.WEIGHT_COPIES


def available_memory() -> int | None:
    """Bytes this process can still allocate (:func:`lava_stllr.cli.memory.available_memory`:
    physical memory, a cgroup limit or ``ulimit -v``, less what is in use), or None."""
    return memory.available_memory()


def check_memory(spec: Any, optimizer: str | None = None, dtype: str | None = None,
                 run: memory.RunShape | None = None) -> None:
    """Refuse, before allocating, a network whose weights (``dtype``, float64 when None,
    times :data:`WEIGHT_COPIES`, +2 with Adam) and, with ``run``, whose activations,
    traces, input batches and in-memory data do not fit in :func:`available_memory`."""
    memory.refuse_over(memory.estimate(spec, optimizer, dtype, run),
                       f"the network {spec.label}", available_memory())


def check_run_memory(args: argparse.Namespace, spec: Any, train: Any, val: Any) -> None:
    """:func:`check_memory` of ``train``'s run of ``spec`` on the datasets ``train`` and
    ``val`` (read lazily or already in memory: their samples are not counted again)."""
    run = memory.run_shape(args, int(train.n_steps), int(train.n_inputs), len(train),
                           0 if val is None else len(val))
    check_memory(spec, args.optimizer, args.dtype, run)


def check_data_memory(args: argparse.Namespace, request: Any) -> None:
    """Refuse, before any sample is read or generated, data whose input batches and
    in-memory samples alone do not fit in :func:`available_memory` (``--time-bins``,
    ``--samples``, ``--batch-size`` too large)."""
    n_steps, n_inputs, binned = memory.data_shape(args.dataset, request)
    n_train = request.n_train
    run = memory.run_shape(args, n_steps, n_inputs, n_train, request.n_val,
                           0 if binned else (n_train or 0) + request.n_val, binned)
    memory.refuse_over(memory.estimate(None, dtype=getattr(args, "dtype", None), run=run),
                       f"the data of {args.dataset}", available_memory())


def close_trainer(trainer: Any) -> None:
    """Stop a trainer's runtime, if it has one (the Lava backend)."""
    close = getattr(trainer, "close", None)
    if close is not None:
        close()
