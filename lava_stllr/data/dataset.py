"""The dataset interface shared by the trainer, the Lava sources and the readers.

A spike dataset is any object with ``__len__``, ``__getitem__(i) -> (spikes, label)``
where ``spikes`` has shape ``(T, D)`` (time steps x flattened inputs, event counts or
binary spikes), plus the attributes ``n_steps``, ``n_inputs`` and ``n_classes``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from lava_stllr.validate import integer, whole


@runtime_checkable
class SpikeDataset(Protocol):
    """Samples of shape ``(n_steps, n_inputs)`` with integer labels in ``[0, n_classes)``."""

    n_steps: int
    n_inputs: int
    n_classes: int

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]: ...


class ArrayDataset:
    """An in-memory spike dataset backed by one ``(N, T, D)`` array.

    Parameters
    ----------
    spikes : array of shape (N, T, D)
        Spike counts per sample, step and input.
    labels : integer array of shape (N,)
        Class of each sample, in ``[0, n_classes)``.
    n_classes : int, optional
        Number of classes; defaults to ``labels.max() + 1``.
    """

    def __init__(self, spikes: np.ndarray, labels: np.ndarray, n_classes: int | None = None):
        spikes = np.asarray(spikes)
        labels = np.asarray(labels)
        if spikes.ndim != 3:
            raise ValueError(f"spikes must have shape (N, T, D), got shape {spikes.shape}")
        if labels.shape != (spikes.shape[0],):
            raise ValueError(
                f"labels must have shape ({spikes.shape[0]},) to match spikes, got {labels.shape}"
            )
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
        if spikes.shape[0] == 0:
            raise ValueError("dataset is empty: spikes has 0 samples")
        if spikes.shape[1] == 0 or spikes.shape[2] == 0:
            raise ValueError(f"samples are empty: spikes has shape {spikes.shape} (N, T, D), "
                             f"need T >= 1 time steps and D >= 1 inputs")
        if spikes.dtype.kind not in "biuf":
            raise ValueError(f"spikes must be numeric (bool, int or float), got dtype "
                             f"{spikes.dtype}")
        nonfinite = ~np.isfinite(spikes).all(axis=(1, 2))
        if nonfinite.any():
            raise ValueError(f"spikes contain NaN or Inf (sample "
                             f"{int(np.flatnonzero(nonfinite)[0])})")
        negative = (spikes < 0).any(axis=(1, 2))
        if negative.any():
            i = int(np.flatnonzero(negative)[0])
            raise ValueError(f"sample {i}: spike counts must be >= 0, got min "
                             f"{spikes[i].min()}")
        self.n_classes = int(labels.max()) + 1 if n_classes is None else int(n_classes)
        out = (labels < 0) | (labels >= self.n_classes)
        if out.any():
            i = int(np.flatnonzero(out)[0])
            raise ValueError(f"labels must be in [0, {self.n_classes}), got {labels[i]} at "
                             f"sample {i} (labels range [{labels.min()}, {labels.max()}])")
        self.spikes = spikes
        self.labels = labels.astype(np.int64)
        self.n_steps = int(spikes.shape[1])
        self.n_inputs = int(spikes.shape[2])

    def __len__(self) -> int:
        return int(self.spikes.shape[0])

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return self.spikes[index], int(self.labels[index])

    def subset(self, indices: Sequence[int]) -> ArrayDataset:
        """Return the samples at ``indices`` as a new dataset (same class count)."""
        idx = np.asarray(indices, dtype=np.int64)
        return ArrayDataset(self.spikes[idx], self.labels[idx], self.n_classes)


def _describe(dataset: Any, index: int) -> str:
    describe = getattr(dataset, "describe", None)
    name = describe(index) if callable(describe) else None
    return f"sample {index}" + (f" ({name})" if name else f" of {type(dataset).__name__}")


def check_dataset(dataset: Any, what: str = "dataset") -> Any:
    """``dataset`` if it has at least one sample and integer ``n_steps``, ``n_inputs``,
    ``n_classes`` >= 1; ``ValueError`` otherwise."""
    for name in ("n_steps", "n_inputs", "n_classes"):
        whole(f"{what}.{name}", getattr(dataset, name, None), 1)
    if len(dataset) == 0:
        raise ValueError(f"{what} is empty (0 samples): nothing to train or evaluate on")
    return dataset


def check_sample(dataset: Any, index: int, spikes: Any, label: Any) -> tuple[np.ndarray, int]:
    """Sample ``index`` of ``dataset`` as ``(spikes, int label)`` after checking it: spikes
    of shape ``(n_steps, n_inputs)``, numeric, finite and >= 0; an integer label in
    ``[0, n_classes)``. The ``ValueError`` names the sample (and its file, if known)."""
    where = _describe(dataset, index)
    x = np.asarray(spikes)
    shape = (int(dataset.n_steps), int(dataset.n_inputs))
    if x.shape != shape:
        raise ValueError(f"{where}: spikes must have shape {shape} (n_steps, n_inputs), "
                         f"got {x.shape}")
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{where}: spikes must be numeric, got dtype {x.dtype}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise ValueError(f"{where}: spike counts contain {int(np.isnan(x).sum())} NaN and "
                         f"{int(np.isinf(x).sum())} Inf values")
    if x.dtype.kind in "if" and x.size and x.min() < 0:
        raise ValueError(f"{where}: spike counts must be >= 0, got min {x.min()}")
    if isinstance(label, np.ndarray) and label.ndim == 0:
        label = label[()]
    try:
        lab = whole("label", label, 0, int(dataset.n_classes) - 1)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None
    return x, lab


class CheckedDataset:
    """A view of a spike dataset whose samples are checked on access
    (:func:`check_sample`); everything else is the dataset's own."""

    def __init__(self, dataset: Any, what: str = "dataset"):
        self.dataset = check_dataset(dataset, what)

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        n = len(self)
        i = int(index) + n if -n <= index < 0 else index
        return check_sample(self.dataset, i, *self.dataset[i])

    def for_epoch(self, epoch: int) -> Any:
        """Epoch ``epoch``'s samples of a training set that changes per epoch
        (:func:`epoch_data`), checked on access like the others."""
        return CheckedDataset(epoch_data(self.dataset, epoch))

    def __getattr__(self, name: str) -> Any:
        if name == "dataset":
            raise AttributeError(name)
        return getattr(self.dataset, name)


def epoch_data(dataset: Any, epoch: int) -> Any:
    """The samples epoch ``epoch`` trains on: ``dataset.for_epoch(epoch)`` for a training
    set that changes from epoch to epoch (e.g.
    :class:`~lava_stllr.data.audio_epochs.FreshWarps`), else ``dataset`` itself."""
    for_epoch = getattr(dataset, "for_epoch", None)
    return dataset if for_epoch is None else for_epoch(epoch)


def iter_batches(
    dataset: SpikeDataset,
    batch_size: int,
    shuffle: bool = False,
    seed: int | None = None,
    dtype: type = np.float64,
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(spikes (B, T, D), labels (B,))`` mini-batches, loading samples lazily.

    Parameters
    ----------
    dataset : SpikeDataset
        Any object following the spike dataset interface.
    batch_size : int
        Samples per batch; the last batch may be smaller.
    shuffle : bool
        Visit samples in a random order drawn from ``seed``.
    seed : int, optional
        Seed of the shuffling order; required when ``shuffle`` is true.
    dtype : numpy dtype
        Dtype of the returned spike array.
    """
    batch_size = integer("batch_size", batch_size, 1)
    n = len(dataset)
    if n == 0:
        raise ValueError("dataset is empty (0 samples): nothing to train or evaluate on")
    order = np.arange(n)
    if isinstance(dataset, CheckedDataset) and isinstance(dataset.dataset, ArrayDataset):
        dataset = dataset.dataset  # checked when it was built
    if shuffle:
        if seed is None:
            raise ValueError("shuffle=True needs a seed, for determinism")
        order = np.random.default_rng(seed).permutation(n)
    if isinstance(dataset, ArrayDataset):
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            yield dataset.spikes[idx].astype(dtype, copy=False), dataset.labels[idx]
        return
    for start in range(0, n, batch_size):
        idx = order[start : start + batch_size]
        items = [check_sample(dataset, int(i), *dataset[int(i)]) for i in idx]
        yield (
            np.stack([s for s, _ in items]).astype(dtype, copy=False),
            np.array([lab for _, lab in items], dtype=np.int64),
        )


def stratified_split(
    labels: np.ndarray, n_first: int
) -> tuple[np.ndarray, np.ndarray]:
    """Split sample indices in order into a first part of ``n_first`` and the rest.

    Class proportions are kept: each class contributes to the first part in
    proportion to its frequency (largest-remainder rounding), taking its earliest
    samples, so the split is deterministic and needs no seed.

    Returns
    -------
    first, rest : integer arrays of sample indices, each sorted ascending.
    """
    labels = np.asarray(labels)
    n = labels.shape[0]
    n_first = integer("n_first", n_first, 1, n - 1)
    classes, counts = np.unique(labels, return_counts=True)
    exact = counts * n_first / n
    take = np.floor(exact).astype(int)
    remainder_order = np.argsort(-(exact - take), kind="stable")
    take[remainder_order[: n_first - take.sum()]] += 1
    first = np.concatenate(
        [np.flatnonzero(labels == c)[:k] for c, k in zip(classes, take, strict=True)]
    )
    first.sort()
    rest = np.setdiff1d(np.arange(n), first)
    return first, rest


def group_split(groups: np.ndarray, labels: np.ndarray, n_val: int,
                what: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices ``(train, val)`` holding out whole groups: the highest-numbered groups, as
    few as give at least ``n_val`` samples, of which ``n_val`` are kept (class proportions
    kept, :func:`stratified_split`).

    Raises
    ------
    ValueError
        ``n_val`` asks for every group (none would be left for training).
    """
    groups = np.asarray(groups)
    names = np.unique(groups)[::-1]
    counts = np.array([(groups == g).sum() for g in names])
    k = int(np.searchsorted(np.cumsum(counts), n_val)) + 1
    if k >= names.size:
        if names.size == 1:
            raise ValueError(f"{what}: its samples all come from one group (e.g. one "
                             "speaker), so none can be held out unheard")
        raise ValueError(f"{what}: {n_val} held-out samples would take every one of its "
                         f"{names.size} groups (e.g. speakers); ask for at most "
                         f"{int(counts[:-1].sum())}")
    held = np.isin(groups, names[:k])
    val = np.flatnonzero(held)
    if val.size > n_val:
        val = val[stratified_split(np.asarray(labels)[val], n_val)[0]]
    return np.flatnonzero(~held), val



def tune_split(train: Any, hold_out_by: str | None, what: str) -> tuple[Any, Any]:
    """``train`` split again to choose settings on: a fifth of it held out, whole groups
    (the attribute ``hold_out_by`` of the dataset under it, e.g. speakers:
    :func:`group_split`) or, without groups, the per-class tail (:func:`stratified_split`).

    Raises
    ------
    ValueError
        Fewer than 5 samples, or a fifth would take every group.
    """
    n_val = len(train) // 5
    if n_val < 1:
        raise ValueError(f"{what}: {len(train)} are too few to hold a fifth of them out")
    if hold_out_by is None:
        first, rest = stratified_split(train.labels, len(train) - n_val)
    else:
        first, rest = group_split(sample_groups(train, hold_out_by), train.labels, n_val,
                                  what)
    return train.subset(first), train.subset(rest)


def sample_groups(dataset: Any, attr: str) -> np.ndarray | None:
    """The group (attribute ``attr`` of the dataset under checked views and subsets, e.g.
    ``"speakers"``) of every sample of ``dataset``; None when that dataset has none."""
    from lava_stllr.data.fingerprint import underlying

    source, indices = underlying(dataset)
    groups = getattr(source, attr, None)
    if groups is None:
        return None
    groups = np.asarray(groups)
    return groups if indices is None else groups[indices]


def take_samples(dataset: Any, n: int | None, seed: int, what: str,
                 pick: str = "random") -> Any:
    """``n`` samples of ``dataset`` (all of them when ``n`` is None or the size): the
    first ``n``, or a seeded random subset in ascending order (``pick``)."""
    if n is None or n == len(dataset):
        return dataset
    if n > len(dataset):
        raise ValueError(f"{what}: asked for {n} samples, the dataset has {len(dataset)}")
    if pick == "first":
        return dataset.subset(np.arange(n))
    idx = np.sort(np.random.default_rng(seed).choice(len(dataset), size=n, replace=False))
    return dataset.subset(idx)
