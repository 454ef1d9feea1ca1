"""Run folders: trained weights plus a JSON run record, written atomically.

A run folder holds::

    weights.npz   the weights, network spec and parameters (lava_stllr.files format)
    run.json      the run record: command line, parameters, seed, versions,
                  accuracy, history and timings
    *.png         plots (optional, see lava_stllr.runs.plots)
    netx.h5       a lava-dl netx export (optional, ``lava-stllr export``)

``weights.npz`` uses the same layout as :meth:`ReferenceTrainer.save
<lava_stllr.reference.trainer.ReferenceTrainer.save>` (arrays ``ff0, ff1, ...`` and
``rec0, ...``; meta ``spec``, ``params``, ``seed``, ``trainer``), so a reference trainer's
``load`` reads it too.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.files import load_arrays, save_arrays, save_json
from lava_stllr.params import STLLRParams
from lava_stllr.runs.environment import peak_memory, versions
from lava_stllr.runs.folder import INCOMPLETE_FILE, RECORD_FILE
from lava_stllr.spec.kinds import AnySpec, check_spec_weights, spec_from_meta
from lava_stllr.spec.network import NetworkSpec, Weights

WEIGHTS_FILE = "weights.npz"

#: Fields every run record has (``format_version`` is added by
#: :func:`lava_stllr.files.save_json`).
RECORD_FIELDS = (
    "name",
    "created",
    "command",
    "backend",
    "trainer",
    "dataset",
    "seed",
    "params",
    "spec",
    "versions",
    "accuracy",
    "timings",
)


#: ``run.json`` fields: name -> (allowed JSON types, required). Fields not listed are kept
#: unchecked (records may carry extras); ``None`` is allowed where ``type(None)`` is listed.
RECORD_SCHEMA: dict[str, tuple[tuple[type, ...], bool]] = {
    "format_version": ((int,), True),
    "name": ((str,), True), "created": ((str,), True), "command": ((list,), True),
    "backend": ((str,), True), "trainer": ((str,), True), "dataset": ((dict,), True),
    "seed": ((int,), True), "params": ((dict,), True), "spec": ((dict,), True),
    "versions": ((dict,), True), "accuracy": ((dict,), True), "timings": ((dict,), True),
    "signal": ((str, type(None)), False), "precision": ((str,), False),
    "optimizer": ((str, type(None)), False), "epochs": ((int,), False),
    "batch_size": ((int, type(None)), False), "dtype": ((str, type(None)), False),
    "history": ((dict,), False), "plots": ((list,), False), "platform": ((dict,), False),
    "network": ((dict,), False), "update": ((str,), False),
    "lr_decay": ((int, float), False), "train_eval": ((int,), False),
    "average_last": ((int,), False),
    "train_accuracy": ((str,), False), "weights_sha256": ((str,), False),
    "weight_standardization": ((bool, type(None)), False),
    "resources": ((dict,), False),
}
#: ``run.json`` ``dataset`` fields (all optional: older records have fewer).
DATASET_SCHEMA: dict[str, tuple[type, ...]] = {
    "name": (str,), "data_dir": (str, type(None)), "n_train": (int,), "n_val": (int,),
    "n_steps": (int,), "n_inputs": (int,), "n_classes": (int,),
    "data_hash": (str, type(None)), "data_hash_of": (str,), "data_files": (int,),
    "val_hash": (str, type(None)),
}
#: Smallest value of the integer fields (``dataset.`` ones of its ``dataset``): a count
#: out of range is a corrupt record, named as such, not an error deep in the data code.
RECORD_MINIMUM = {"seed": 0, "epochs": 1, "batch_size": 1, "train_eval": 0,
                  "dataset.n_train": 1, "dataset.n_val": 0, "dataset.n_steps": 1,
                  "dataset.n_inputs": 1, "dataset.n_classes": 1, "dataset.data_files": 0}


def _type_names(kinds: tuple[type, ...]) -> str:
    names = {dict: "an object", list: "a list", str: "a string", int: "an integer",
             float: "a number", bool: "a boolean", type(None): "null"}
    return " or ".join(names.get(k, k.__name__) for k in kinds)


def _json_type(value: Any) -> str:
    return _type_names((type(value),)) if type(value) in (dict, list, str, int, float,
                                                          type(None)) else "a boolean"


def _check_field(path: Path, name: str, value: Any, kinds: tuple[type, ...]) -> None:
    # bool is an int in Python, not in JSON: only a field that lists bool takes one
    if (isinstance(value, bool) and bool not in kinds) or not isinstance(value, kinds):
        raise ValueError(f"{path} is not a valid run record (field {name!r} must be "
                         f"{_type_names(kinds)}, got {_json_type(value)})")


def check_record(record: Any, path: Path) -> dict[str, Any]:
    """``record`` (read from ``path``) if it fits :data:`RECORD_SCHEMA` and has this
    lava-stllr's format version; ``ValueError`` naming the file and the field otherwise."""
    from lava_stllr.files import FORMAT_VERSION

    if not isinstance(record, dict):
        raise ValueError(f"{path} is not a valid run record (it must hold a JSON object, "
                         f"got {_json_type(record)})")
    version = record.get("format_version")
    if "format_version" in record and not isinstance(version, bool) \
            and isinstance(version, int) and version > FORMAT_VERSION:
        raise ValueError(f"{path} has format_version {version}, newer than this lava-stllr "
                         f"reads ({FORMAT_VERSION}): upgrade lava-stllr to read it")
    for name, (kinds, required) in RECORD_SCHEMA.items():
        if name not in record:
            if required:
                raise ValueError(f"{path} is not a valid run record (field {name!r} is "
                                 "missing)")
            continue
        _check_field(path, name, record[name], kinds)
    if version != FORMAT_VERSION:
        raise ValueError(f"{path} has format_version {version}, this lava-stllr reads "
                         f"version {FORMAT_VERSION}")
    if not all(isinstance(c, str) for c in record["command"]):
        raise ValueError(f"{path} is not a valid run record (field 'command' must be a "
                         "list of strings)")
    for name, kinds in DATASET_SCHEMA.items():
        if name in record["dataset"]:
            _check_field(path, f"dataset.{name}", record["dataset"][name], kinds)
    for name, least in RECORD_MINIMUM.items():
        where, _, key = name.rpartition(".")
        value = (record[where] if where else record).get(key)
        if isinstance(value, int) and value < least:
            raise ValueError(f"{path} is not a valid run record (field {name!r} must be "
                             f">= {least}, got {value})")
    return record


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of the file at ``path``, as 64 hexadecimal digits."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _check_weights_file(record: dict[str, Any], record_path: Path, weights_path: Path) -> None:
    """``ValueError`` naming both files unless ``weights_path`` is the file whose SHA-256
    ``record`` holds (records written before the hash was recorded are not checked)."""
    expected = record.get("weights_sha256")
    if expected is not None and file_sha256(weights_path) != expected:
        raise ValueError(f"{weights_path} is not the weights file that {record_path} "
                         "records (its SHA-256 differs: it comes from another run or was "
                         "changed); put this run's weights.npz back or train again")


def weight_arrays(weights: Weights) -> dict[str, np.ndarray]:
    """The named arrays of ``weights``: ``ff<i>`` feedforward, ``rec<i>`` recurrent."""
    arrays = {f"ff{i}": np.asarray(w) for i, w in enumerate(weights.feedforward)}
    arrays.update({f"rec{i}": np.asarray(w) for i, w in enumerate(weights.recurrent)})
    return arrays


def save_weights(
    path: str | Path,
    spec: AnySpec,
    params: STLLRParams,
    weights: Weights,
    seed: int,
    trainer: str,
) -> Path:
    """Write weights with their spec and parameters (atomic, versioned ``.npz``); NaN or
    Inf weights are refused (:class:`~lava_stllr.validate.DivergenceError`), never saved."""
    validate.finite("the weights to save", *weights.arrays())
    meta = {"network": spec.kind, "spec": spec.to_dict(), "params": params.to_dict(),
            "seed": int(seed), "trainer": trainer}
    return save_arrays(path, weight_arrays(weights), meta)


@dataclass
class LoadedRun:
    """A network read back from a run folder or a weights file.

    Attributes
    ----------
    spec, params, weights, seed, trainer
        As saved by :func:`save_weights`.
    weights_path : Path
        The ``.npz`` file read.
    record : dict
        The run record (``run.json``) when there is one beside the weights, else ``{}``.
    """

    spec: AnySpec
    params: STLLRParams
    weights: Weights
    seed: int
    trainer: str
    weights_path: Path
    record: dict[str, Any] = field(default_factory=dict)

    @property
    def folder(self) -> Path:
        """The folder holding the weights file."""
        return self.weights_path.parent


def _spec_from_meta(meta: dict[str, Any], path: Path) -> AnySpec:
    try:
        return spec_from_meta(meta["spec"], meta.get("network"))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path} has no valid network spec ({exc})") from None


def _weights_from_arrays(arrays: dict[str, np.ndarray], spec: AnySpec,
                         path: Path) -> Weights:
    if isinstance(spec, NetworkSpec):
        n_ff = len(spec.sizes) - 1
        n_rec = spec.n_hidden_layers if spec.recurrent else 0
    else:
        n_ff, n_rec = len(spec.weight_shapes), 0
    try:
        ff = [np.asarray(arrays[f"ff{i}"], dtype=np.float64) for i in range(n_ff)]
        rec = [np.asarray(arrays[f"rec{i}"], dtype=np.float64) for i in range(n_rec)]
    except KeyError as exc:
        raise ValueError(f"{path} lacks weight array {exc}") from None
    weights = Weights(ff, rec)
    try:
        check_spec_weights(spec, weights, str(path))
    except ValueError as exc:
        raise ValueError(str(exc).replace("holds NaN, Inf or non-numbers",
                                          "holds NaN or Inf weights")) from None
    return weights


def resolve_weights_path(path: str | Path) -> Path:
    """``path`` itself if it is a file, else ``path/weights.npz``.

    Raises
    ------
    FileNotFoundError
        If neither exists.
    """
    path = Path(path)
    if path.is_dir():
        candidate = path / WEIGHTS_FILE
        if not candidate.is_file():
            raise FileNotFoundError(f"run folder {path} has no {WEIGHTS_FILE}")
        return candidate
    if not path.exists():
        raise FileNotFoundError(f"no run folder or weights file at {path}")
    return path


def load_run(path: str | Path) -> LoadedRun:
    """Read a run folder (or a weights ``.npz`` file) written by :func:`save_run`.

    Raises
    ------
    FileNotFoundError
        If nothing is there.
    ValueError
        If the file is not a valid lava-stllr weights file, its run did not finish, or the
        ``run.json`` beside it records another weights file (its SHA-256 differs).
    """
    weights_path = resolve_weights_path(path)
    if (weights_path.parent / INCOMPLETE_FILE).exists():
        raise ValueError(f"{weights_path.parent} holds a run that did not finish "
                         f"({INCOMPLETE_FILE}); train it again")
    arrays, meta = load_arrays(weights_path)
    spec = _spec_from_meta(meta, weights_path)
    try:
        params = STLLRParams.from_dict(meta["params"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{weights_path} has no valid parameters ({exc})") from None
    weights = _weights_from_arrays(arrays, spec, weights_path)
    record = {}
    record_path = weights_path.parent / RECORD_FILE
    if record_path.is_file():
        import json

        try:
            record = json.loads(record_path.read_text())
        except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{record_path} is not a valid run record ({exc})") from None
        record = check_record(record, record_path)
        _check_weights_file(record, record_path, weights_path)
    return LoadedRun(spec, params, weights, int(meta.get("seed", 0)),
                     str(meta.get("trainer", "")), weights_path, record)


def build_record(
    *,
    name: str,
    command: list[str],
    backend: str,
    trainer: str,
    dataset: dict[str, Any],
    seed: int,
    params: STLLRParams,
    spec: AnySpec,
    accuracy: dict[str, float | None],
    timings: dict[str, float],
    **extra: Any,
) -> dict[str, Any]:
    """Assemble a run record with every field of :data:`RECORD_FIELDS` (plus ``extra``)."""
    record = {
        "name": name,
        "created": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": list(command),
        "backend": backend,
        "trainer": trainer,
        "dataset": dataset,
        "seed": int(seed),
        "params": params.to_dict(),
        "spec": spec.to_dict(),
        "versions": versions(),
        "accuracy": accuracy,
        "timings": {k: round(float(v), 4) for k, v in timings.items()},
        "platform": {"machine": platform.machine(), "system": platform.system(),
                     "executable": sys.executable},
        "resources": peak_memory(),
    }
    record.update(extra)
    return record


def save_run(
    folder: str | Path,
    spec: AnySpec,
    params: STLLRParams,
    weights: Weights,
    record: dict[str, Any],
) -> tuple[Path, Path]:
    """Write ``weights.npz`` and ``run.json`` into ``folder`` (each atomically).

    The weights are written first, so a record never points at missing weights; the
    record holds their SHA-256 (``weights_sha256``), which :func:`load_run` checks.

    Returns
    -------
    weights_path, record_path : Path
    """
    folder = Path(folder)
    missing = [k for k in RECORD_FIELDS if k not in record]
    if missing:
        raise ValueError(f"run record lacks fields {missing}")
    weights_path = save_weights(folder / WEIGHTS_FILE, spec, params, weights,
                                record["seed"], record["trainer"])
    # load_run checks it: weights copied in from another run are not scored as this one's
    record = {**record, "weights_sha256": file_sha256(weights_path)}
    record_path = save_json(folder / RECORD_FILE, record)
    return weights_path, record_path


def update_record(folder: str | Path, **changes: Any) -> Path:
    """Merge ``changes`` into an existing ``run.json`` (rewritten atomically)."""
    import json

    path = Path(folder) / RECORD_FILE
    record = json.loads(path.read_text())
    record.pop("format_version", None)
    record.update(changes)
    return save_json(path, record)
