"""``lava-stllr train``: train, evaluate, save weights + record + plots, summarize.

With no arguments it is the demo job (``make demo``): a small network trained online
with S-TLLR in Lava's CPU simulator on the embedded synthetic dataset. ``--init RUN``
goes on training a finished run (:mod:`~lava_stllr.cli.init_run`).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

from lava_stllr.cli import epochs, signals
from lava_stllr.cli.augment_options import add_augment_options, augment_request, resolve_augment
from lava_stllr.cli.common import (
    DEFAULT_SIGNAL,
    build_params,
    check_backend,
    check_data_memory,
    check_run_memory,
    check_unused_options,
    check_val_hash,
    close_trainer,
    load_data,
)
from lava_stllr.cli.defaults import TrainDefaults, reference_optimizers, train_defaults
from lava_stllr.cli.init_run import (
    add_init_option,
    apply_init,
    check_fits,
    init_binning,
    init_params,
    init_record,
    replace_binning,
)
from lava_stllr.cli.layers_option import (
    LAVA_CONV,
    check_layers,
    check_layers_fit,
    has_conv,
    network_spec,
)
from lava_stllr.cli.parser import (
    ALL,
    BACKENDS,
    BINNING_OPTIONS,
    PROG,
    CLIError,
    add_binning_options,
    add_command,
    add_data_options,
    add_params_options,
    binning_changes,
    count_or_all,
    hidden_sizes,
    layer_string,
    non_negative_int,
    out_path,
    positive_int,
    resolve_dataset,
)
from lava_stllr.cli.progress import Progress
from lava_stllr.cli.schedule import add_schedule_options, resolve_schedule, schedule_record
from lava_stllr.cli.train_report import (
    dataset_record,
    draw_plots,
    epoch0_line,
    print_summary,
    record_plots,
    run_header,
    train_accuracy_kind,
)
from lava_stllr.data.registry import SPLITS

DEFAULT_DATASET = "synthetic"
#: ``--dtype`` choices: those of lava_stllr.reference.trainer.DTYPES (not imported here,
#: so that parsing the command line does not load the trainers).
REFERENCE_DTYPES = ("float32", "float64")


def add_parser(sub: Any) -> None:
    """Add the ``train`` command to the subparsers ``sub``."""
    p = add_command(sub, "train", run, help="train a network and write a run folder",
                    description="Train a spiking network online with S-TLLR and write "
                                "weights, a run record and plots to a run folder.")
    add_data_options(p, DEFAULT_DATASET)
    p.add_argument("--val-split", choices=SPLITS, default=None,
                   help="split the held-out samples come from (default: nmnist and "
                        "heidelberg-digits the training samples' split, heidelberg-digits "
                        "holding out whole speakers; the others test)")
    p.add_argument("--samples", type=count_or_all, default=None, metavar="N|all",
                   help="training samples (default: the dataset's, see 'lava-stllr info'); "
                        "all: every file of the split not held out")
    p.add_argument("--val-samples", type=non_negative_int, default=None, metavar="N",
                   help="held-out samples (default: samples/4; 0: none)")
    p.add_argument("--epochs", type=positive_int, default=None, metavar="N",
                   help="passes over the training set (default: the dataset's)")
    p.add_argument("--hidden", type=hidden_sizes, default=None, metavar="N[,N...]",
                   help="hidden layer sizes (default: the dataset's, e.g. 64)")
    p.add_argument("--layers", type=layer_string, default=None, metavar="SPEC",
                   help="the layers as one string instead of --hidden: dense sizes "
                        "(256-128 is --hidden 256,128) or conv and pool layers before dense "
                        "ones, e.g. 8c5-p2-16c3-p2-128 (8c5: 8 channels 5x5 [s2 stride, "
                        "p1 padding]; p2/a2: max/avg pool 2x2; 128: dense); conv layers "
                        "train with --backend reference (see 'lava-stllr info')")
    p.add_argument("--recurrent", action=argparse.BooleanOptionalAction, default=None,
                   help="all-to-all recurrent weights in every hidden layer (default: the "
                        "dataset's, e.g. on for heidelberg-digits)")
    p.add_argument("--backend", choices=BACKENDS, default="lava",
                   help="lava: online in Lava's CPU simulator (default); reference: the "
                        "batched NumPy trainer")
    p.add_argument("--trainer", choices=("stllr", "bptt"), default="stllr",
                   help="learning rule of the reference backend (default: stllr)")
    p.add_argument("--signal", choices=("bp", "dfa"), default=None,
                   help="hidden-layer learning signal (default: dfa with lava, bp with "
                        "reference)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default=None,
                   help="reference backend optimizer (default per dataset, see "
                        f"'lava-stllr info': {reference_optimizers()}; sgd is the on-chip "
                        "rule)")
    p.add_argument("--batch-size", type=positive_int, default=None, metavar="N",
                   help="reference backend mini-batch (default: 32)")
    p.add_argument("--dtype", choices=REFERENCE_DTYPES, default=None,
                   help="float type of the reference backend (default: float64; float32 "
                        "is about twice as fast)")
    p.add_argument("--ws", action=argparse.BooleanOptionalAction, default=None,
                   help="reference backend: weight standardization of every hidden layer, "
                        "as the S-TLLR authors train (default: on for conv networks)")
    add_augment_options(p)
    p.add_argument("--precision", choices=("float", "fixed"), default="float",
                   help="float (default), or fixed: fixed point in the bit-approximate "
                        "Loihi 2 integer models (--backend lava)")
    add_schedule_options(p)
    p.add_argument("--seed", type=non_negative_int, default=None,
                   help="seed of data, weights, order (>= 0; default 0, with --init the "
                        "init run's)")
    p.add_argument("--overwrite", action="store_true",
                   help="allow an --out folder that already holds files (never one that "
                        "another running training holds)")
    p.add_argument("--out", type=out_path, default=None, metavar="PATH",
                   help="run folder (default: runs/<timestamp>)")
    p.add_argument("--no-plots", action="store_true", help="do not draw PNG plots")
    p.add_argument("--quiet", action="store_true",
                   help="only the summary when the run ends: no progress bar, no line per "
                        "epoch while it runs (without --quiet, output that is not a "
                        "terminal gets plain lines, no bar)")
    add_init_option(p)
    add_binning_options(p)
    add_params_options(p)


class _Timer:
    """Collects named wall-clock durations in seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def measure(self, name: str) -> _Timer:
        self._name, self._start = name, time.perf_counter()
        return self

    def __enter__(self) -> _Timer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds[self._name] = time.perf_counter() - self._start


def make_trainer(args: argparse.Namespace, spec: Any, params: Any,
                 init: Any = None) -> Any:
    """The trainer of ``args.backend``: reference STLLRTrainer/BPTTTrainer (their conv
    versions for a :class:`~lava_stllr.spec.conv.ConvNetSpec`) or Lava; starting from
    the weights of ``init`` (a :class:`~lava_stllr.runs.record.LoadedRun`) when given (Lava: a
    conv network's conv layers are then its frozen front-end)."""
    trainer = _new_trainer(args, spec, params, init is not None)
    if init is not None:
        trainer.weights = init.weights
    return trainer


def _new_trainer(args: argparse.Namespace, spec: Any, params: Any, init: bool) -> Any:
    check_backend(args)
    if spec.kind == "conv" and args.backend == "lava" and not init:
        raise CLIError(LAVA_CONV)
    if args.backend == "lava":
        from lava_stllr.cli import lava_adapter

        return lava_adapter.make_lava_trainer(
            spec, params, args.signal, args.precision, args.seed, update=args.update,
            lr_decay=args.lr_decay, train_eval=args.train_eval)
    from lava_stllr import reference

    conv = spec.kind == "conv"
    args.ws = conv if args.ws is None else args.ws
    if args.trainer == "bptt":
        bptt = reference.ConvBPTTTrainer if conv else reference.BPTTTrainer
        return bptt(spec, params, optimizer=args.optimizer, seed=args.seed, dtype=args.dtype,
                    standardize=args.ws)
    stllr = reference.ConvSTLLRTrainer if conv else reference.STLLRTrainer
    return stllr(spec, params, signal=args.signal, optimizer=args.optimizer, seed=args.seed,
                 dtype=args.dtype, standardize=args.ws)


def _resolve_defaults(args: argparse.Namespace) -> TrainDefaults:
    """Fill what the user did not give from the dataset's :mod:`defaults` entry."""
    defaults = train_defaults(args.dataset, args.backend, conv=has_conv(args.layers))
    if args.samples is None:
        args.samples = defaults.samples
    if args.val_samples is None:
        if args.samples == ALL:
            raise CLIError("--samples all needs --val-samples N (0: no held-out set)")
        args.val_samples = max(1, args.samples // 4)
    if args.epochs is None:
        args.epochs = defaults.epochs
    if args.recurrent is None:
        args.recurrent = defaults.recurrent
    resolve_augment(args, defaults.augment)
    if args.time_bins is None and defaults.time_bins is not None and args.init is None:
        args.time_bins = defaults.time_bins
    if args.layers is None:
        args.hidden = args.hidden or defaults.hidden
        args.layers = "-".join(map(str, args.hidden))
    if args.signal is None:
        args.signal = DEFAULT_SIGNAL[args.backend]
    if args.trainer == "bptt" and args.backend == "reference":
        args.signal = "bptt"
    if args.backend == "reference":
        args.optimizer = args.optimizer or defaults.optimizer
        args.batch_size = args.batch_size or 32
        args.dtype = args.dtype or "float64"
    else:  # what the network does on chip (the options themselves were refused)
        args.optimizer, args.batch_size = "sgd", 1
    resolve_schedule(args, defaults)
    return defaults


def data_request(args: argparse.Namespace) -> Any:
    """The :class:`~lava_stllr.data.registry.DataRequest` of the options; a bad binning
    option fails here, before a run folder exists."""
    from lava_stllr.data import registry

    changes = binning_changes(args)
    if changes and registry.get(args.dataset).default_binning is None:
        options = sorted(BINNING_OPTIONS.get(k, k) for k in changes)
        raise CLIError(f"dataset {args.dataset!r} is generated in code, not binned from "
                       f"events: {', '.join(options)} {'does' if len(options) == 1 else 'do'}"
                       " not apply (drop the binning options)")
    try:
        registry.binning_for(args.dataset, changes)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    return registry.DataRequest(root=args.data_dir,
                                n_train=None if args.samples == ALL else args.samples,
                                n_val=args.val_samples, seed=args.seed,
                                split=args.split or "train", val_split=args.val_split,
                                binning=changes, cache_dir=args.cache_dir,
                                **augment_request(args))


def run(args: argparse.Namespace) -> int:
    """Train, evaluate, write the run folder and print a summary; return 0."""
    from lava_stllr.runs import folder as run_folder

    init = apply_init(args)  # the network and data of --init RUN, before any default
    resolve_dataset(args, DEFAULT_DATASET)
    check_unused_options(args)  # before defaults fill in what the user did not give
    if init is None:
        check_layers(args)
    defaults = _resolve_defaults(args)
    given = {k for k, _ in args.overrides} | ({"lr"} if args.lr is not None else set())
    if init is not None:
        params = init_params(args, init, defaults.init_lr or defaults.lr)
        if args.backend == "lava" and init.spec.kind == "conv":  # before any data is read
            from lava_stllr.cli.lava_adapter import check_conv_front_end
            check_conv_front_end(init.spec, init.weights, params, args.precision)
    else:
        changes = {} if "lr" in given else {"lr": defaults.lr}
        if defaults.psi is not None and "psi" not in given and args.preset is None:
            changes["psi"] = defaults.psi
        if defaults.reset is not None and "reset" not in given and args.preset is None:
            changes["reset"] = defaults.reset
        params = build_params(args, changes)
    check_backend(args)
    request = data_request(args)
    if init is not None:
        request = replace_binning(request, init_binning(args, init))
    check_layers_fit(args, request)
    check_data_memory(args, request)  # before a sample is generated or read
    # Claimed before any work: an unusable or busy folder fails at once, not after training.
    folder = run_folder.make_run_dir(args.out, overwrite=args.overwrite)
    try:
        return _train_into(folder, args, params, request, init)
    except BaseException:
        run_folder.abandon_run(folder)
        raise


def _train_into(folder: Any, args: argparse.Namespace, params: Any, request: Any,
                init: Any = None) -> int:
    """Load, train and write the claimed run folder; it is marked complete last."""
    from lava_stllr.runs import folder as run_folder
    from lava_stllr.runs import record as runs

    timer = _Timer()
    with timer.measure("data"):
        train, val = load_data(args.dataset, request)
    if args.tune:  # a fifth of the training samples, not --val-samples
        args.val_samples = len(val)
    if init is None:
        spec = network_spec(args, request, train)
    else:
        spec = init.spec
        check_fits(spec, train, args.dataset, request)
        # The held-out set is the init run's own (same splits and seed): its files too?
        check_val_hash(init.record.get("dataset", {}), val, request.root, same=True,
                       run=f"the init run {init.folder}")
    check_run_memory(args, spec, train, val)  # before any weight is allocated
    trainer = make_trainer(args, spec, params, init)
    progress = Progress(args.quiet)
    progress.say(run_header(args, spec, len(train), done=False))
    extra: dict[str, Any] = {}
    loss0 = acc0 = None
    try:
        before = trainer.weights.copy()
        # Epoch 0: the held-out score before any learning here (fresh weights or the init
        # run's); on Lava the network built for it is the one that trains.
        if val is not None:
            with timer.measure("evaluate before"), \
                    np.errstate(over="ignore", invalid="ignore"):
                loss0, acc0 = epochs.evaluate_before(trainer, args, val, progress)
        if init is not None:
            extra["init_run"] = init_record(init, loss0, acc0)
        epoch0 = epoch0_line(acc0, extra.get("init_run"))
        if epoch0 is not None:
            progress.say(epoch0)
        # Overflow is caught as divergence (validate.finite), one line instead of warnings.
        with timer.measure("train"), np.errstate(over="ignore", invalid="ignore"):
            history = epochs.fit(trainer, args, train, val, progress)
        if history.val_acc:  # the weights the run ends with: averaged, or the last epoch's
            accuracy = dict(zip(("val_loss", "val"), history.final_val, strict=True))
        elif val is None:
            accuracy = {"val": None, "val_loss": None}
        else:
            with timer.measure("evaluate"):
                loss, acc = trainer.evaluate(val)
            accuracy = {"val": acc, "val_loss": loss}
    finally:
        close_trainer(trainer)
    accuracy.update(train=history.train_acc[-1], train_loss=history.train_loss[-1])
    curve = history.to_dict()
    if acc0 is not None:
        curve["epoch0"] = {"val_loss": loss0, "val_acc": acc0}
    record = runs.build_record(
        name=folder.name, command=[PROG, *args.argv], backend=args.backend,
        trainer=args.trainer, signal=args.signal, precision=args.precision,
        dataset=dataset_record(args, request, train, val), seed=args.seed, params=params,
        spec=spec, accuracy=accuracy, timings=timer.seconds, history=curve,
        epochs=args.epochs, optimizer=args.optimizer, batch_size=args.batch_size,
        dtype=args.dtype, network={"kind": spec.kind, "layers": args.layers},
        weight_standardization=args.ws,
        train_accuracy=train_accuracy_kind(args), **schedule_record(args), **extra)
    runs.save_run(folder, spec, params, trainer.weights, record)
    files = [runs.WEIGHTS_FILE, run_folder.RECORD_FILE]
    if not args.no_plots:
        with timer.measure("plots"):
            plot_files = draw_plots(folder, args, spec, params, before, trainer.weights,
                                    curve, train if val is None else val)
        files += plot_files
        record_plots(folder, plot_files, timer.seconds)
    # A signal whose exception was swallowed on the way: the run stays INCOMPLETE.
    signals.raise_if_received()
    run_folder.finish_run(folder)
    print_summary(args, spec, len(train), curve, accuracy, timer.seconds, folder, files,
                  extra.get("init_run"), live=progress.live)
    return 0
