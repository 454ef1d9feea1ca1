"""A per-sample disk cache of binned tensors, and the lazy dataset base class that uses it.

Layout: ``CACHE_DIR/<config.cache_key()>-<identity hash>/<sample key>.npy``, one ``.npy``
per sample, plus ``meta.json`` describing the folder. The identity names the source (e.g.
dataset name, resolved root folder and split), so two datasets never share entries and any
change of the binning settings reads and writes a different folder. Files are written
atomically (temporary file in the same folder + ``os.replace``), so an interrupted run leaves
no partial entry; an unreadable entry or one of the wrong shape or dtype is recomputed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.data.binning import BinningConfig, bin_events
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.files import atomic_write
from lava_stllr.validate import instance, integer

logger = logging.getLogger(__name__)

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _short_hash(text: str, n: int = 12) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:n]


class BinnedCache:
    """Binned ``(T, D)`` float32 tensors on disk, one ``.npy`` file per sample.

    Parameters
    ----------
    cache_dir : str or Path
        Parent folder of all caches (created on first write).
    config : BinningConfig
        Binning settings; its ``cache_key()`` names the folder.
    identity : str
        What is binned (e.g. ``"nmnist:/abs/root:Train"``); hashed into the folder name.
    """

    def __init__(self, cache_dir: str | os.PathLike, config: BinningConfig, identity: str):
        self.config = config
        self.identity = identity
        self.shape = (config.n_steps, config.n_inputs)
        self.folder = Path(cache_dir) / f"{config.cache_key()}-{_short_hash(identity)}"

    def path_for(self, sample_key: str) -> Path:
        """The cache file of ``sample_key`` (sanitised name plus a hash against collisions)."""
        safe = _SAFE.sub("_", sample_key).strip("._")[:80] or "sample"
        return self.folder / f"{safe}-{_short_hash(sample_key, 10)}.npy"

    def load(self, sample_key: str) -> np.ndarray | None:
        """The cached tensor of ``sample_key``, or ``None`` when absent or unusable."""
        path = self.path_for(sample_key)
        try:
            arr = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            return None
        except Exception as err:  # truncated / garbage file: numpy raises various errors
            logger.warning("ignoring unreadable cache entry %s (%s); recomputing", path, err)
            return None
        if arr.shape != self.shape or arr.dtype != np.float32 or not np.all(np.isfinite(arr)):
            logger.warning(
                "ignoring cache entry %s with shape %s dtype %s (expected %s float32); recomputing",
                path,
                arr.shape,
                arr.dtype,
                self.shape,
            )
            return None
        return arr

    def store(self, sample_key: str, array: np.ndarray) -> None:
        """Write ``array`` for ``sample_key`` atomically (temporary file + ``os.replace``)."""
        array = np.asarray(array)
        if array.shape != self.shape or array.dtype != np.float32:
            raise ValueError(
                f"cache entries must be float32 of shape {self.shape}, got {array.dtype} "
                f"{array.shape}"
            )
        if not self.folder.is_dir():
            self.folder.mkdir(parents=True, exist_ok=True)
            meta = {
                "identity": self.identity,
                "config": self.config.to_dict(),
                "cache_key": self.config.cache_key(),
            }
            text = json.dumps(meta, indent=1, sort_keys=True).encode()
            atomic_write(self.folder / "meta.json", lambda fh: fh.write(text))
        atomic_write(self.path_for(sample_key), lambda fh: np.save(fh, array))

    def get_or_compute(self, sample_key: str, compute: Callable[[], np.ndarray]) -> np.ndarray:
        """Return the cached tensor, or compute, store and return it.

        Nothing is written when ``compute`` raises.
        """
        arr = self.load(sample_key)
        if arr is None:
            arr = compute()
            self.store(sample_key, arr)
        return arr


class BinnedEventDataset:
    """Base class of the lazy event datasets: read events and bin them on access.

    Subclasses set ``labels`` (int64 array, one per sample, known without reading events)
    and implement :meth:`read_events`, :meth:`sample_key` and :meth:`describe`; reading,
    binning and caching happen only in ``__getitem__``.

    Parameters
    ----------
    config : BinningConfig
        Binning settings; fix ``n_steps`` and ``n_inputs``.
    n_classes : int
        Number of classes.
    identity : str
        Names the source for the cache (dataset, resolved root folder, split).
    cache_dir : str or Path, optional
        Folder of the disk cache; ``None`` disables caching.
    """

    labels: np.ndarray

    def __init__(
        self,
        config: BinningConfig,
        n_classes: int,
        identity: str,
        cache_dir: str | os.PathLike | None = None,
    ):
        self.config = instance("config", config, BinningConfig)
        self.n_steps = config.n_steps
        self.n_inputs = config.n_inputs
        self.n_classes = integer("n_classes", n_classes, 1)
        self.identity = identity
        self.cache = None if cache_dir is None else BinnedCache(cache_dir, config, identity)

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def read_events(self, index: int) -> np.ndarray:
        """The raw events of sample ``index`` (structured array)."""
        raise NotImplementedError

    def sample_key(self, index: int) -> str:
        """A string identifying sample ``index`` and its source version, for the cache."""
        raise NotImplementedError

    def describe(self, index: int) -> str:
        """Human-readable name of sample ``index`` (e.g. its file), used in error messages."""
        return f"{type(self).__name__} sample {index}"

    def binned(self, index: int) -> np.ndarray:
        """Read and bin sample ``index``, bypassing the cache; errors name the sample."""
        events = self.read_events(index)
        try:
            return bin_events(events, self.config)
        except ValueError as err:
            raise ValueError(f"invalid events in {self.describe(index)}: {err}") from err

    def _check_index(self, index: int) -> int:
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, (int, np.integer)):
            raise TypeError(f"index must be an integer, got {type(index).__name__}")
        n = len(self)
        i = int(index) + n if index < 0 else int(index)
        if not 0 <= i < n:
            raise IndexError(f"index {index} out of range for a dataset of {n} samples")
        return i

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        i = self._check_index(index)
        if self.cache is None:
            spikes = self.binned(i)
        else:
            spikes = self.cache.get_or_compute(self.sample_key(i), lambda: self.binned(i))
        return spikes, int(self.labels[i])

    def subset(self, indices: Sequence[int]) -> SubsetDataset:
        """A lazy view of the samples at ``indices`` (in that order)."""
        return SubsetDataset(self, indices)


def file_version(path: Path) -> str:
    """``<size in bytes>-<modification time in ns>`` of ``path``: changes with the file."""
    st = path.stat()
    return f"{st.st_size}-{st.st_mtime_ns}"


class FileEventDataset(BinnedEventDataset):
    """A lazy event dataset with one file per sample.

    Subclasses set ``files`` (one path per sample, in dataset order), ``labels`` and the
    class attribute ``source_name`` (e.g. ``"N-MNIST"``), and implement
    :meth:`read_events`; the cache key and the name in messages come from the file.
    """

    files: list[Path]
    source_name: str = "event"

    def sample_key(self, index: int) -> str:
        """``<parent folder>/<file stem>`` plus the file's size and modification time."""
        path = self.files[index]
        return f"{path.parent.name}/{path.stem}-{file_version(path)}"

    def describe(self, index: int) -> str:
        """``"<source_name> file <path>"`` of sample ``index``."""
        return f"{self.source_name} file {self.files[index]}"


class SubsetDataset:
    """A lazy view of some samples of a spike dataset (keeps its class count).

    Parameters
    ----------
    parent : dataset
        Any spike dataset with a ``labels`` array attribute.
    indices : sequence of int
        Indices into ``parent``, in the order of the view.
    """

    def __init__(self, parent: Any, indices: Sequence[int]):
        idx = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(parent)
        if idx.size and (idx.min() < 0 or idx.max() >= n):
            raise IndexError(f"subset indices must be in [0, {n}), got [{idx.min()}, {idx.max()}]")
        self.parent = parent
        self.indices = idx
        self.labels = np.asarray(parent.labels, dtype=np.int64)[idx]
        self.n_steps = parent.n_steps
        self.n_inputs = parent.n_inputs
        self.n_classes = parent.n_classes

    def __len__(self) -> int:
        return int(self.indices.shape[0])

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        n = len(self)
        if not -n <= index < n:
            raise IndexError(f"index {index} out of range for a subset of {n} samples")
        return self.parent[int(self.indices[index])]

    def subset(self, indices: Sequence[int]) -> SubsetDataset:
        """A lazy view of the samples at ``indices`` of this view."""
        return SubsetDataset(self.parent, self.indices[np.asarray(indices, dtype=np.int64)])


def materialize(dataset: Any, indices: Sequence[int] | None = None) -> ArrayDataset:
    """Load samples of a lazy dataset into an in-memory :class:`ArrayDataset` (float32).

    Parameters
    ----------
    dataset : SpikeDataset
        Any spike dataset.
    indices : sequence of int, optional
        Samples to load, in order; all by default.
    """
    idx = np.arange(len(dataset)) if indices is None else np.asarray(indices, dtype=np.int64)
    spikes = np.empty((idx.shape[0], dataset.n_steps, dataset.n_inputs), dtype=np.float32)
    labels = np.empty(idx.shape[0], dtype=np.int64)
    for k, i in enumerate(idx):
        spikes[k], labels[k] = dataset[int(i)]
    return ArrayDataset(spikes, labels, dataset.n_classes)
