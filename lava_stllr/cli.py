"""The ``lava-stllr`` command: train, evaluate, export, microcode, info.

``lava-stllr train`` with no arguments is the demo job (``make demo``): it trains a small
network online with S-TLLR in Lava's CPU simulator on the embedded synthetic dataset,
evaluates it on held-out samples, and writes weights, a run record and plots to
``runs/<timestamp>``.

Errors a user can cause (bad options, bad parameter values, missing data folders) print
one line, ``lava-stllr: error: ...``, on stderr and exit with status 2; ``--debug`` shows
the traceback instead.

Seams to modules written elsewhere (all imported lazily, inside the subcommands):

- Lava backend: ``lava_stllr.network.LavaTrainer(spec, params, *, signal, precision,
  seed)`` if the module defines it, with ``.weights`` (a
  :class:`~lava_stllr.reference.network.Weights`, readable and assignable),
  ``.fit(train, val, epochs=..., progress=...) -> History``,
  ``.evaluate(dataset) -> (loss, accuracy)`` and optionally ``.close()`` — the protocol of
  the reference trainers. Otherwise :class:`LavaNetworkTrainer` adapts
  ``lava_stllr.network.STLLRNetwork(sizes, n_steps, params=..., signal=..., beta_out=...,
  init_gain=..., seed=..., graded_input=..., tag=...)`` with ``train``/``evaluate``
  (returning ``RunResult``), ``weights()`` and ``close()``. See
  :func:`lava_trainer_class`.
- Fixed-point microcode: ``lava_stllr.loihi.microcode.microcode_listing(params) -> dict``
  and ``format_microcode(listing) -> str``. See :func:`cmd_microcode`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any, NoReturn

PROG = "lava-stllr"
DATASETS = ("synthetic", "nmnist", "dvsgesture", "shd")
BACKENDS = ("lava", "reference")
#: Training samples and epochs when --samples / --epochs are not given. The Lava
#: simulator costs about 1-4 ms per step, so its defaults keep ``make demo`` short
#: (measured on 2 cores: about 2 minutes, held-out accuracy about 0.79 on the synthetic
#: set; 1 epoch: 0.68, 3 epochs: 0.77).
DEFAULT_SAMPLES = {"lava": 400, "reference": 800}
DEFAULT_EPOCHS = {"lava": 2, "reference": 10}
#: Learning rate when neither --lr nor --set lr=... is given. The reference trainers
#: average the error over a mini-batch; the Lava network updates per sample (lava, 1
#: epoch, held-out accuracy: lr 0.001 -> 0.46, 0.002 -> 0.54, 0.005 -> 0.68,
#: 0.01 -> 0.51, 0.02 -> 0.40).
DEFAULT_LR = {"lava": 0.005, "reference": 0.2}
DEFAULT_SIGNAL = {"lava": "dfa", "reference": "bp"}
DEFAULT_PRESET = "code_default"


class CLIError(Exception):
    """A user error reported as one line with exit status 2."""


class BackendUnavailableError(CLIError):
    """A backend or model that another part of the project has not provided yet."""


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are one line: ``lava-stllr: error: ...``."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        raise CLIError(message.replace("\n", " ") + hint)


# ----------------------------------------------------------------------------- parsing


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {value}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {value}")
    return value


def _hidden_sizes(text: str) -> tuple[int, ...]:
    parts = [p for p in text.replace(" ", "").split(",") if p]
    if not parts:
        raise argparse.ArgumentTypeError("expected layer sizes such as 64 or 128,64")
    return tuple(_positive_int(p) for p in parts)


def _key_value(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    return key.strip(), value.strip()


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show full tracebacks instead of one-line errors")


def _add_params_options(parser: argparse.ArgumentParser) -> None:
    from lava_stllr.params import PRESETS

    group = parser.add_argument_group("S-TLLR parameters")
    group.add_argument("--preset", choices=sorted(PRESETS), default=None,
                       help=f"published parameter preset (default {DEFAULT_PRESET})")
    group.add_argument("--lr", type=float, default=None, help="learning rate")
    group.add_argument("--lam-pre", type=float, default=None, help="pre-trace decay lam_pre")
    group.add_argument("--lam-post", type=float, default=None,
                       help="post-trace decay lam_post")
    group.add_argument("--alpha-pre", type=float, default=None,
                       help="weight of the causal term alpha_pre")
    group.add_argument("--alpha-post", type=float, default=None,
                       help="weight of the non-causal term alpha_post")
    group.add_argument("--set", dest="overrides", action="append", type=_key_value,
                       default=[], metavar="KEY=VALUE",
                       help="any STLLRParams field, e.g. --set window=10 --set reset=hard "
                            "(repeatable)")


def _add_data_options(parser: argparse.ArgumentParser, default_dataset: str | None) -> None:
    group = parser.add_argument_group("data")
    group.add_argument("--dataset", choices=DATASETS, default=default_dataset,
                       help="dataset (default: %(default)s)" if default_dataset else
                       "dataset (default: the run's)")
    group.add_argument("--data-dir", type=Path, default=None, metavar="PATH",
                       help="folder of a real dataset (tonic's layout); required for "
                            "nmnist, dvsgesture and shd")
    group.add_argument("--cache-dir", type=Path, default=None, metavar="PATH",
                       help="disk cache for binned event tensors (real datasets)")


def _per_backend(values: dict[str, Any]) -> str:
    return ", ".join(f"{v} with {k}" for k, v in values.items())


def _train_parser(sub: Any) -> None:
    p = sub.add_parser("train", help="train a network and write a run folder",
                       description="Train a spiking network online with S-TLLR and write "
                                   "weights, a run record and plots to a run folder.")
    _add_common(p)
    _add_data_options(p, "synthetic")
    p.add_argument("--samples", type=_positive_int, default=None, metavar="N",
                   help=f"training samples (default: {_per_backend(DEFAULT_SAMPLES)})")
    p.add_argument("--val-samples", type=_positive_int, default=None, metavar="N",
                   help="held-out samples (default: samples/4)")
    p.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                   help=f"passes over the training set (default: "
                        f"{_per_backend(DEFAULT_EPOCHS)})")
    p.add_argument("--hidden", type=_hidden_sizes, default=(64,), metavar="N[,N...]",
                   help="hidden layer sizes (default: 64)")
    p.add_argument("--recurrent", action="store_true",
                   help="all-to-all recurrent weights in every hidden layer")
    p.add_argument("--backend", choices=BACKENDS, default="lava",
                   help="lava: online in Lava's CPU simulator (default); reference: the "
                        "batched NumPy trainer")
    p.add_argument("--trainer", choices=("stllr", "bptt"), default="stllr",
                   help="learning rule of the reference backend (default: stllr)")
    p.add_argument("--signal", choices=("bp", "dfa"), default=None,
                   help="hidden-layer learning signal (default: dfa with lava, bp with "
                        "reference)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                   help="reference backend optimizer (default: sgd, the on-chip rule)")
    p.add_argument("--batch-size", type=_positive_int, default=32, metavar="N",
                   help="reference backend mini-batch (default: 32)")
    p.add_argument("--precision", choices=("float", "fixed"), default="float",
                   help="float, or fixed = the bit-approximate Loihi 2 models (lava)")
    p.add_argument("--seed", type=_non_negative_int, default=0,
                   help="seed of data, weights, order (>= 0)")
    p.add_argument("--out", type=Path, default=None, metavar="PATH",
                   help="run folder (default: runs/<timestamp>)")
    p.add_argument("--no-plots", action="store_true", help="do not draw PNG plots")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_params_options(p)


def _evaluate_parser(sub: Any) -> None:
    p = sub.add_parser("evaluate", help="evaluate a run's weights on a dataset",
                       description="Load a run folder's weights and report loss and "
                                   "accuracy on held-out samples.")
    _add_common(p)
    p.add_argument("run", type=Path, help="run folder or weights .npz file")
    _add_data_options(p, None)
    p.add_argument("--samples", type=_positive_int, default=None, metavar="N",
                   help="held-out samples to evaluate (default: the run's)")
    p.add_argument("--backend", choices=BACKENDS, default="reference",
                   help="reference (default, fast) or lava (Lava's CPU simulator)")
    p.add_argument("--precision", choices=("float", "fixed"), default="float")
    p.add_argument("--seed", type=_non_negative_int, default=None,
                   help="data seed (default: the run's)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")


def _export_parser(sub: Any) -> None:
    p = sub.add_parser("export", help="export a run to lava-dl's netx HDF5 format",
                       description="Write a run's network as a netx HDF5 file for "
                                   "lava.lib.dl.netx.hdf5.Network (inference only).")
    _add_common(p)
    p.add_argument("run", type=Path, help="run folder or weights .npz file")
    p.add_argument("-o", "--output", type=Path, default=None, metavar="PATH",
                   help="output file (default: <run folder>/netx.h5)")
    p.add_argument("--check", type=_positive_int, default=None, metavar="N",
                   help="also run N held-out samples through a NumPy model of the exported "
                        "fixed-point network and compare predictions with the float one")
    p.add_argument("--json", action="store_true", help="print the layer table as JSON")


def _microcode_parser(sub: Any) -> None:
    p = sub.add_parser("microcode", help="print the learning-engine microcode listing",
                       description="Print the Loihi 2 learning-rule microcode and "
                                   "register-level parameters of S-TLLR.")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the listing as JSON")
    _add_params_options(p)


def _info_parser(sub: Any) -> None:
    p = sub.add_parser("info", help="versions, presets, datasets and backends",
                       description="Show versions, parameter presets, datasets, backends "
                                   "and optional packages.")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print as JSON")


def build_parser() -> argparse.ArgumentParser:
    """The ``lava-stllr`` argument parser (one-line errors)."""
    from lava_stllr import __version__

    parser = _Parser(prog=PROG, description="S-TLLR online learning for Lava.",
                     epilog="Run 'lava-stllr COMMAND --help' for a command's options.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=_Parser)
    for add in (_train_parser, _evaluate_parser, _export_parser, _microcode_parser,
                _info_parser):
        add(sub)
    return parser


# ---------------------------------------------------------------------------- building


def _convert_field(name: str, value: str) -> Any:
    from lava_stllr.params import STLLRParams

    kinds = {f.name: f.type for f in fields(STLLRParams)}
    if name not in kinds:
        raise CLIError(f"unknown parameter {name!r} in --set (known: {', '.join(kinds)})")
    if name in ("psi", "reset"):
        return value
    if name == "window":
        if value.lower() in ("none", "all", ""):
            return None
        try:
            return int(value)
        except ValueError:
            raise CLIError(f"window must be an integer or 'none', got {value!r}") from None
    try:
        return float(value)
    except ValueError:
        raise CLIError(f"{name} must be a number, got {value!r}") from None


def build_params(args: argparse.Namespace, default_lr: float | None = None) -> Any:
    """STLLRParams from --preset, the dedicated flags and --set (validated).

    Raises
    ------
    ValueError
        From :class:`~lava_stllr.params.STLLRParams` on an out-of-range value.
    """
    from lava_stllr.params import STLLRParams

    changes: dict[str, Any] = {}
    if default_lr is not None:
        changes["lr"] = default_lr
    for key, value in args.overrides:
        changes[key] = _convert_field(key, value)
    for name in ("lr", "lam_pre", "lam_post", "alpha_pre", "alpha_post"):
        value = getattr(args, name)
        if value is not None:
            changes[name] = value
    return STLLRParams.preset(args.preset or DEFAULT_PRESET, **changes)


def _take(dataset: Any, n: int, seed: int, what: str) -> Any:
    """A seeded random subset of ``n`` samples (in ascending order), or all of them."""
    import numpy as np

    if n > len(dataset):
        raise ValueError(f"{what}: asked for {n} samples, the dataset has {len(dataset)}")
    if n == len(dataset):
        return dataset
    idx = np.sort(np.random.default_rng(seed).choice(len(dataset), size=n, replace=False))
    return dataset.subset(idx)


def _require_data_dir(name: str, data_dir: Path | None) -> Path:
    if data_dir is None:
        raise CLIError(f"--dataset {name} needs --data-dir PATH (the dataset's folder)")
    if not data_dir.is_dir():
        raise FileNotFoundError(f"data folder not found: {data_dir}")
    return data_dir


def load_data(name: str, data_dir: Path | None, n_train: int, n_val: int, seed: int,
              cache_dir: Path | None = None) -> tuple[Any, Any]:
    """Training and held-out datasets ``(train, val)`` of ``name``.

    synthetic: generated in code (seeded); nmnist: the first ``n_train + n_val`` samples
    of ``Train`` split by class; dvsgesture and shd: seeded subsets of the train and test
    files.
    """
    if name == "synthetic":
        from lava_stllr.data.synthetic import synthetic_train_val

        return synthetic_train_val(n_train, n_val, seed)
    root = _require_data_dir(name, data_dir)
    if name == "nmnist":
        from lava_stllr.data.nmnist import load_nmnist_subset

        return load_nmnist_subset(root, n_train=n_train, n_val=n_val, cache_dir=cache_dir)
    from lava_stllr.data import tonic_datasets

    cls = {"dvsgesture": tonic_datasets.DVSGestureDataset,
           "shd": tonic_datasets.SHDDataset}[name]
    train = cls(root, train=True, cache_dir=cache_dir)
    test = cls(root, train=False, cache_dir=cache_dir)
    return (_take(train, n_train, seed, f"{name} train"),
            _take(test, n_val, seed + 1, f"{name} test"))


def _lava_network_module() -> Any:
    try:
        return importlib.import_module("lava_stllr.network")
    except ModuleNotFoundError as exc:
        if exc.name != "lava_stllr.network":
            raise
        raise BackendUnavailableError(
            "the lava backend is not available yet: lava_stllr.network is missing "
            "(use --backend reference)"
        ) from None


def lava_trainer_class() -> Any:
    """The Lava backend's trainer class (the seam to ``lava_stllr.network``).

    ``lava_stllr.network.LavaTrainer`` when the module defines one (it must follow the
    trainer protocol described in this module's docstring), else :class:`LavaNetworkTrainer`
    around ``lava_stllr.network.STLLRNetwork``.

    Raises
    ------
    BackendUnavailableError
        While ``lava_stllr.network`` (or both names) does not exist.
    """
    network = _lava_network_module()
    if hasattr(network, "LavaTrainer"):
        return network.LavaTrainer
    if hasattr(network, "STLLRNetwork"):
        return LavaNetworkTrainer
    raise BackendUnavailableError(
        "the lava backend is not available yet: lava_stllr.network has neither LavaTrainer "
        "nor STLLRNetwork (use --backend reference)"
    )


class LavaNetworkTrainer:
    """Adapter from ``lava_stllr.network.STLLRNetwork`` to the trainer protocol
    (``weights``, ``fit``, ``evaluate``, ``close``) the CLI uses.

    The Lava network is built once, on the first ``fit``/``evaluate`` (it needs the
    number of steps per sample), and streams every epoch through the same runtime;
    input counts are sent as graded spikes, as the reference trainers see them (float),
    or as binary spikes ``count != 0`` (fixed point: Loihi 2 spikes carry no payload).

    Parameters
    ----------
    spec, params, signal, seed
        As for the reference trainers (the Lava network has DFA only, no recurrence).
    precision : {"float", "fixed"}
        Model tag ``floating_pt`` or ``fixed_pt``.
    """

    TAGS = {"float": "floating_pt", "fixed": "fixed_pt"}

    def __init__(self, spec: Any, params: Any, *, signal: str, precision: str,
                 seed: int) -> None:
        from lava_stllr.spec import init_weights

        if spec.recurrent:
            raise CLIError("the lava backend has no recurrent layers: drop --recurrent or "
                           "use --backend reference")
        from lava_stllr.learning_rule import check_lava_params

        check_lava_params(params)  # fail before any data is loaded or folder created
        self.spec, self.params, self.signal, self.seed = spec, params, signal, seed
        self.tag = self.TAGS[precision]
        self._net: Any = None
        self._weights = init_weights(spec, seed)

    def _network(self, n_steps: int) -> Any:
        if self._net is None:
            network = _lava_network_module()
            self._net = network.STLLRNetwork(
                self.spec.sizes, int(n_steps), params=self.params, signal=self.signal,
                beta_out=self.spec.beta_out, init_gain=self.spec.init_gain, seed=self.seed,
                graded_input=self.tag == "floating_pt", tag=self.tag)
        return self._net

    @property
    def weights(self) -> Any:
        """The current weights (read back from the runtime after training)."""
        return self._weights

    @weights.setter
    def weights(self, value: Any) -> None:
        raise CLIError("the lava backend cannot load saved weights yet "
                       "(STLLRNetwork has no weight setter); use --backend reference")

    def fit(self, train: Any, val: Any = None, epochs: int = 1, progress: bool = True) -> Any:
        """Stream ``epochs`` seeded shuffles of ``train`` with learning (validating on
        ``val`` after each epoch); return a :class:`~lava_stllr.reference.History`."""
        import numpy as np

        from lava_stllr.reference import History, Weights

        net = self._network(train.n_steps)
        history = History()
        for epoch in range(epochs):
            start = time.perf_counter()
            order = np.random.default_rng(self.seed * 100_003 + epoch).permutation(len(train))
            result = net.train(train, indices=order, progress=progress)
            history.train_loss.append(result.loss)
            history.train_acc.append(result.accuracy)
            if val is not None:
                loss, acc = self.evaluate(val)
                history.val_loss.append(loss)
                history.val_acc.append(acc)
            history.epoch_seconds.append(time.perf_counter() - start)
        self._weights = Weights([np.asarray(w, dtype=np.float64) for w in net.weights()])
        return history

    def evaluate(self, dataset: Any) -> tuple[float, float]:
        """Mean loss and accuracy on ``dataset`` (no learning)."""
        result = self._network(dataset.n_steps).evaluate(dataset)
        return result.loss, result.accuracy

    def close(self) -> None:
        """Stop the Lava runtime."""
        if self._net is not None:
            self._net.close()


def make_lava_trainer(spec: Any, params: Any, signal: str, precision: str, seed: int) -> Any:
    """``LavaTrainer(spec, params, signal=..., precision=..., seed=...)``; see
    :func:`lava_trainer_class`."""
    return lava_trainer_class()(spec, params, signal=signal, precision=precision, seed=seed)


def check_backend(args: argparse.Namespace) -> None:
    """Fail fast, before any data is loaded, on a backend/option combination that
    cannot run."""
    if args.backend == "lava":
        if getattr(args, "trainer", "stllr") != "stllr":
            raise CLIError("--trainer bptt needs --backend reference")
        lava_trainer_class()
    elif args.precision == "fixed":
        raise BackendUnavailableError(
            "--precision fixed runs the bit-approximate Loihi 2 models: use --backend lava "
            "(the reference backend is float only)"
        )


def make_trainer(args: argparse.Namespace, spec: Any, params: Any) -> Any:
    """The trainer of ``args.backend``: reference STLLRTrainer/BPTTTrainer or Lava."""
    check_backend(args)
    if args.backend == "lava":
        return make_lava_trainer(spec, params, args.signal, args.precision, args.seed)
    from lava_stllr.reference import BPTTTrainer, STLLRTrainer

    if args.trainer == "bptt":
        return BPTTTrainer(spec, params, optimizer=args.optimizer, seed=args.seed)
    return STLLRTrainer(spec, params, signal=args.signal, optimizer=args.optimizer,
                        seed=args.seed)


# ------------------------------------------------------------------------------- train


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


def _close(trainer: Any) -> None:
    """Stop a trainer's runtime, if it has one (the Lava backend)."""
    close = getattr(trainer, "close", None)
    if close is not None:
        close()


def _fit(trainer: Any, args: argparse.Namespace, train: Any, val: Any) -> Any:
    progress = not args.quiet
    if args.backend == "reference":
        return trainer.fit(train, val, epochs=args.epochs, batch_size=args.batch_size,
                           progress=progress)
    return trainer.fit(train, val, epochs=args.epochs, progress=progress)


def _resolve_train_defaults(args: argparse.Namespace) -> None:
    if args.samples is None:
        args.samples = DEFAULT_SAMPLES[args.backend]
    if args.val_samples is None:
        args.val_samples = max(1, args.samples // 4)
    if args.epochs is None:
        args.epochs = DEFAULT_EPOCHS[args.backend]
    if args.signal is None:
        args.signal = DEFAULT_SIGNAL[args.backend]
    if args.trainer == "bptt" and args.backend == "reference":
        args.signal = "bptt"


def _dataset_record(args: argparse.Namespace, train: Any, val: Any) -> dict[str, Any]:
    return {"name": args.dataset, "data_dir": str(args.data_dir) if args.data_dir else None,
            "n_train": len(train), "n_val": len(val), "n_steps": int(train.n_steps),
            "n_inputs": int(train.n_inputs), "n_classes": int(train.n_classes)}


def _draw_plots(folder: Path, spec: Any, params: Any, before: Any, after: Any,
                history: Any, val: Any) -> list[str]:
    from lava_stllr import plots

    written = [plots.plot_learning_curve(history, folder / "learning_curve.png",
                                         title=f"S-TLLR {'-'.join(map(str, spec.sizes))}")]
    x, label = val[0]
    act = plots.sample_activity(spec, params, after, x)
    written.append(plots.plot_spike_raster(folder / "spike_raster.png", act["inputs"],
                                           act["hidden"], act["readout"], label=label,
                                           prediction=act["prediction"]))
    names = [f"W{i + 1}" for i in range(len(after.feedforward) - 1)] + ["W_out"]
    names += [f"V{i + 1}" for i in range(len(after.recurrent))]
    written.append(plots.plot_weight_changes(folder / "weight_change.png", before.arrays(),
                                             after.arrays(), names))
    return [p.name for p in written]


def _print_summary(args: argparse.Namespace, spec: Any, history: Any, accuracy: dict,
                   timings: dict, folder: Path, files: list[str]) -> None:
    sizes = "-".join(map(str, spec.sizes))
    rule = "BPTT" if args.trainer == "bptt" else f"S-TLLR ({args.signal} signal)"
    print(f"trained {sizes} with {rule} on {args.dataset} ({args.backend} backend, "
          f"{args.precision}), {args.samples} training / {args.val_samples} held-out "
          f"samples, {args.epochs} epoch(s)")
    for i, acc in enumerate(history.train_acc):
        val = f", held-out acc {history.val_acc[i]:.3f}" if i < len(history.val_acc) else ""
        print(f"  epoch {i + 1}: train acc {acc:.3f}, loss {history.train_loss[i]:.3f}{val}")
    held = accuracy.get("val")
    print(f"held-out accuracy: {held:.3f}" if held is not None else "held-out accuracy: n/a")
    print("time: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    print(f"run folder: {folder}  ({', '.join(files)})")


def cmd_train(args: argparse.Namespace) -> int:
    """``lava-stllr train``: train, evaluate, save weights + record + plots, summarize."""
    from lava_stllr import runs
    from lava_stllr.reference import NetworkSpec

    _resolve_train_defaults(args)
    lr_given = args.lr is not None or any(k == "lr" for k, _ in args.overrides)
    params = build_params(args, None if lr_given else DEFAULT_LR[args.backend])
    check_backend(args)
    timer = _Timer()
    with timer.measure("data"):
        train, val = load_data(args.dataset, args.data_dir, args.samples, args.val_samples,
                               args.seed, args.cache_dir)
    spec = NetworkSpec((int(train.n_inputs), *args.hidden, int(train.n_classes)),
                       recurrent=args.recurrent)
    trainer = make_trainer(args, spec, params)
    try:
        folder = runs.make_run_dir(args.out)
        before = trainer.weights.copy()
        with timer.measure("train"):
            history = _fit(trainer, args, train, val)
        if history.val_acc:
            accuracy = {"val": history.val_acc[-1], "val_loss": history.val_loss[-1]}
        else:
            with timer.measure("evaluate"):
                loss, acc = trainer.evaluate(val)
            accuracy = {"val": acc, "val_loss": loss}
    finally:
        _close(trainer)
    accuracy.update(train=history.train_acc[-1], train_loss=history.train_loss[-1])
    record = runs.build_record(
        name=folder.name, command=[PROG, *args.argv], backend=args.backend,
        trainer=args.trainer, signal=args.signal, precision=args.precision,
        dataset=_dataset_record(args, train, val), seed=args.seed, params=params, spec=spec,
        accuracy=accuracy, timings=timer.seconds, history=history.to_dict(),
        epochs=args.epochs, optimizer=args.optimizer, batch_size=args.batch_size)
    runs.save_run(folder, spec, params, trainer.weights, record)
    files = [runs.WEIGHTS_FILE, runs.RECORD_FILE]
    if not args.no_plots:
        with timer.measure("plots"):
            plot_files = _draw_plots(folder, spec, params, before, trainer.weights, history,
                                     val)
        files += plot_files
        runs.update_record(folder, plots=plot_files,
                           timings={k: round(v, 4) for k, v in timer.seconds.items()})
    _print_summary(args, spec, history, accuracy, timer.seconds, folder, files)
    return 0


# ---------------------------------------------------------------------------- evaluate


def _evaluate_data(args: argparse.Namespace, loaded: Any) -> Any:
    ds = loaded.record.get("dataset", {})
    name = args.dataset or ds.get("name") or "synthetic"
    data_dir = args.data_dir or (Path(ds["data_dir"]) if ds.get("data_dir") else None)
    n_val = args.samples or int(ds.get("n_val") or 200)
    seed = args.seed if args.seed is not None else int(loaded.record.get("seed",
                                                                          loaded.seed))
    n_train = 1 if name == "synthetic" else int(ds.get("n_train") or 1)
    _, val = load_data(name, data_dir, n_train, n_val, seed, args.cache_dir)
    if val.n_inputs != loaded.spec.sizes[0] or val.n_classes != loaded.spec.sizes[-1]:
        raise CLIError(
            f"{name} has {val.n_inputs} inputs and {val.n_classes} classes, the network "
            f"{'-'.join(map(str, loaded.spec.sizes))} does not fit it"
        )
    return name, val


def cmd_evaluate(args: argparse.Namespace) -> int:
    """``lava-stllr evaluate RUN``: loss and accuracy of saved weights on held-out data."""
    from lava_stllr import runs

    check_backend(args)
    loaded = runs.load_run(args.run)
    name, val = _evaluate_data(args, loaded)
    start = time.perf_counter()
    if args.backend == "lava":
        signal = loaded.record.get("signal") or DEFAULT_SIGNAL["lava"]
        trainer = make_lava_trainer(loaded.spec, loaded.params, signal, args.precision,
                                    loaded.seed)
    else:
        from lava_stllr.reference import STLLRTrainer

        trainer = STLLRTrainer(loaded.spec, loaded.params, seed=loaded.seed)
    try:
        trainer.weights = loaded.weights
        loss, acc = trainer.evaluate(val)
    finally:
        _close(trainer)
    result = {"run": str(loaded.folder), "dataset": name, "samples": len(val),
              "backend": args.backend, "loss": loss, "accuracy": acc,
              "seconds": round(time.perf_counter() - start, 3)}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{loaded.weights_path}: accuracy {acc:.3f}, loss {loss:.3f} on {len(val)} "
              f"held-out {name} samples ({args.backend} backend, {result['seconds']:.1f} s)")
    return 0


# ------------------------------------------------------------------------------ export


def check_export(path: Path, loaded: Any, dataset: Any) -> dict[str, Any]:
    """Compare the float network with :func:`~lava_stllr.export.netx_sim.simulate_netx` of
    the exported file on ``dataset``: accuracy of both and prediction agreement."""
    from lava_stllr.export import netx_sim as netx
    from lava_stllr.plots import sample_activity

    start = loaded.params.window_start(int(dataset.n_steps))
    same = right_float = right_netx = 0
    for i in range(len(dataset)):
        x, label = dataset[i]
        ours = sample_activity(loaded.spec, loaded.params, loaded.weights, x)["prediction"]
        exported = netx.simulate_netx(path, x).prediction(start)
        same += ours == exported
        right_float += ours == label
        right_netx += exported == label
    n = len(dataset)
    return {"samples": n, "float_accuracy": right_float / n, "netx_accuracy": right_netx / n,
            "agreement": same / n}


def _print_export_table(out: Path, loaded: Any, table: list[dict[str, Any]]) -> None:
    print(f"wrote {out} (lava-dl netx HDF5, {len(table)} dense blocks + input "
          f"{loaded.spec.sizes[0]})")
    print(f"  {'layer':>5} {'type':<9} {'role':<7} {'neurons':>7} {'scale':>9} "
          f"{'iDecay':>6} {'vDecay':>6} {'vThMant':>7}")
    for row in table:
        print(f"  {row['layer']:>5} {row['type']:<9} {row['role']:<7} {row['neurons']:>7} "
              f"{row['weight_scale']:>9.3g} {row['iDecay']:>6} {row['vDecay']:>6} "
              f"{row['vThMant']:>7}")
    if loaded.params.reset == "soft":
        print("  note: hidden neurons are soft-reset LIF here and hard-reset CUBA in netx; "
              "see lava_stllr.export.netx_write for every difference")


def cmd_export(args: argparse.Namespace) -> int:
    """``lava-stllr export RUN``: write a netx HDF5 file and print its layer table."""
    from lava_stllr import runs
    from lava_stllr.export import netx_write as netx

    loaded = runs.load_run(args.run)
    out = args.output or loaded.folder / "netx.h5"
    layers = netx.export_netx(out, loaded.spec, loaded.params, loaded.weights)
    table = [{"layer": i + 1, "type": lay.kind, "role": lay.role, "neurons": lay.size,
              "weight_scale": lay.scale, "iDecay": lay.i_decay, "vDecay": lay.v_decay,
              "vThMant": lay.v_th_mant} for i, lay in enumerate(layers)]
    check = None
    if args.check:
        data_args = argparse.Namespace(dataset=None, data_dir=None, samples=args.check,
                                       seed=None, cache_dir=None)
        _, val = _evaluate_data(data_args, loaded)
        check = check_export(out, loaded, val)
    if args.json:
        print(json.dumps({"file": str(out), "layers": table, "check": check}, indent=2))
        return 0
    _print_export_table(out, loaded, table)
    if check:
        print(f"  check on {check['samples']} held-out samples: float accuracy "
              f"{check['float_accuracy']:.3f}, exported (fixed-point model) accuracy "
              f"{check['netx_accuracy']:.3f}, same prediction {check['agreement']:.3f}")
    return 0


# --------------------------------------------------------------------------- microcode


def cmd_microcode(args: argparse.Namespace) -> int:
    """``lava-stllr microcode``: the learning-engine listing (seam: lava_stllr.loihi)."""
    params = build_params(args)
    try:
        microcode = importlib.import_module("lava_stllr.loihi.microcode")
    except ModuleNotFoundError as exc:
        if exc.name not in ("lava_stllr.loihi", "lava_stllr.loihi.microcode"):
            raise
        raise BackendUnavailableError(
            "the fixed-point microcode is not available yet: lava_stllr.loihi.microcode "
            "is missing"
        ) from None
    listing = microcode.microcode_listing(params)
    if args.json:
        print(json.dumps(listing, indent=2, default=str))
    else:
        print(microcode.format_microcode(listing))
    return 0


# -------------------------------------------------------------------------------- info


def _module_present(name: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def collect_info() -> dict[str, Any]:
    """Versions, presets, datasets, backends and optional packages (imports nothing heavy)."""
    from lava_stllr.params import PRESETS
    from lava_stllr.runs import versions

    vers = versions()
    tonic = _module_present("tonic")
    return {
        "versions": vers,
        "presets": PRESETS,
        "datasets": {
            "synthetic": "embedded (generated in code)",
            "nmnist": "needs --data-dir" + ("" if tonic else " and tonic"),
            "dvsgesture": "needs --data-dir" + ("" if tonic else " and tonic"),
            "shd": "needs --data-dir" + ("" if tonic else " and tonic"),
        },
        "backends": {
            "reference": "available",
            "lava": "available" if _module_present("lava_stllr.network")
            else "not available yet (lava_stllr.network missing)",
        },
        "fixed_point": "available" if _module_present("lava_stllr.loihi")
        else "not available yet (lava_stllr.loihi missing)",
        "lava_dl": vers.get("lava-dl") or "not installed (netx export works without it; "
                                          "pip install 'lava-stllr[dl]' to run the export)",
    }


def cmd_info(args: argparse.Namespace) -> int:
    """``lava-stllr info``."""
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
    print(f"fixed point: {info['fixed_point']}")
    print(f"lava-dl: {info['lava_dl']}")
    return 0


# -------------------------------------------------------------------------------- main

COMMANDS = {"train": cmd_train, "evaluate": cmd_evaluate, "export": cmd_export,
            "microcode": cmd_microcode, "info": cmd_info}


def _fail(message: str, status: int = 2) -> int:
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return status


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread (like ``KeyboardInterrupt``) so that the
    Lava runtime is shut down and no child process is left behind."""


def _raise_terminated(signum: int, frame: Any) -> NoReturn:
    raise _Terminated


def _install_sigterm() -> Any:
    """Turn SIGTERM into :class:`_Terminated` (main thread only); return the old
    handler, or None if not installed."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _raise_terminated)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lava-stllr`` command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default ``sys.argv[1:]``).
    """
    import signal

    from lava_stllr.runtime_guard import LavaRuntimeError

    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    previous = _install_sigterm()
    try:
        args = build_parser().parse_args(argv)
        args.argv = argv
        return COMMANDS[args.command](args)
    except SystemExit as exc:  # --help / --version
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except _Terminated:
        print(f"{PROG}: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except LavaRuntimeError as exc:  # a model process failed: not a user error
        if debug:
            raise
        first = str(exc).split("\n")[0]
        return _fail(f"{first} (run with --debug for the model's traceback)", status=1)
    except (CLIError, ValueError, OSError, ImportError) as exc:
        if debug:
            raise
        return _fail(str(exc) or type(exc).__name__)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
