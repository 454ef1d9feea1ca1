"""Datasets by name: one :class:`DatasetEntry` per dataset says how to load it.

Adding a dataset is one entry in :data:`DATASETS` (plus its loader, if it is a new kind);
the command line's ``--dataset`` choices and ``lava-stllr info`` come from here. Loaders
import their readers lazily, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: ``load(root, n_train, n_val, seed, cache_dir) -> (train, val)``.
Loader = Callable[[Path | None, int, int, int, Path | None], tuple[Any, Any]]


@dataclass(frozen=True)
class DatasetEntry:
    """How to load one dataset.

    Attributes
    ----------
    name : str
        The ``--dataset`` name.
    load : Loader
        ``(root, n_train, n_val, seed, cache_dir) -> (train, val)``.
    needs_data_dir : bool
        False for a dataset generated in code (``root`` is ignored).
    needs_tonic : bool
        Whether reading the files needs the optional ``tonic`` package.
    val_depends_on_n_train : bool
        Whether the held-out set changes with ``n_train`` (so re-evaluating a run must
        ask for the run's ``n_train`` to get the same held-out samples).
    """

    name: str
    load: Loader
    needs_data_dir: bool = True
    needs_tonic: bool = True
    val_depends_on_n_train: bool = False


def take(dataset: Any, n: int, seed: int, what: str) -> Any:
    """A seeded random subset of ``n`` samples (in ascending order), or all of them."""
    import numpy as np

    if n > len(dataset):
        raise ValueError(f"{what}: asked for {n} samples, the dataset has {len(dataset)}")
    if n == len(dataset):
        return dataset
    idx = np.sort(np.random.default_rng(seed).choice(len(dataset), size=n, replace=False))
    return dataset.subset(idx)


def _synthetic(root: Path | None, n_train: int, n_val: int, seed: int,
               cache_dir: Path | None) -> tuple[Any, Any]:
    from lava_stllr.data.synthetic import synthetic_train_val

    return synthetic_train_val(n_train, n_val, seed)


def _nmnist(root: Path | None, n_train: int, n_val: int, seed: int,
            cache_dir: Path | None) -> tuple[Any, Any]:
    from lava_stllr.data.nmnist import load_nmnist_subset

    return load_nmnist_subset(root, n_train=n_train, n_val=n_val, cache_dir=cache_dir)


def _train_test_files(name: str, class_name: str) -> Loader:
    """A loader of seeded subsets of a tonic dataset's train and test files."""

    def load(root: Path | None, n_train: int, n_val: int, seed: int,
             cache_dir: Path | None) -> tuple[Any, Any]:
        from lava_stllr.data import tonic_datasets

        cls = getattr(tonic_datasets, class_name)
        train = cls(root, train=True, cache_dir=cache_dir)
        test = cls(root, train=False, cache_dir=cache_dir)
        return (take(train, n_train, seed, f"{name} train"),
                take(test, n_val, seed + 1, f"{name} test"))

    return load


DATASETS: dict[str, DatasetEntry] = {entry.name: entry for entry in (
    DatasetEntry("synthetic", _synthetic, needs_data_dir=False, needs_tonic=False),
    # Held-out samples are the tail of the first n_train + n_val files.
    DatasetEntry("nmnist", _nmnist, val_depends_on_n_train=True),
    DatasetEntry("dvsgesture", _train_test_files("dvsgesture", "DVSGestureDataset")),
    DatasetEntry("shd", _train_test_files("shd", "SHDDataset")),
)}


def get(name: str) -> DatasetEntry:
    """The entry of dataset ``name``."""
    from lava_stllr import validate

    return DATASETS[validate.choice("dataset", name, DATASETS)]


def load_train_val(name: str, root: Path | None, n_train: int, n_val: int, seed: int,
                   cache_dir: Path | None = None) -> tuple[Any, Any]:
    """Training and held-out datasets ``(train, val)`` of ``name``.

    Raises
    ------
    ValueError
        Unknown ``name``, or no ``root`` for a dataset read from files.
    FileNotFoundError
        ``root`` is not a folder.
    """
    entry = get(name)
    if entry.needs_data_dir:
        if root is None:
            raise ValueError(f"dataset {name!r} needs a data folder")
        if not Path(root).is_dir():
            raise FileNotFoundError(f"data folder not found: {root}")
    return entry.load(root, n_train, n_val, seed, cache_dir)
