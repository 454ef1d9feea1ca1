"""Datasets by name: one :class:`DatasetEntry` per dataset says how to read it.

Adding a dataset is one entry in :data:`DATASETS` (plus its reader, if it is a new kind);
the command line's ``--dataset`` choices and ``lava-stllr info`` come from here. Readers
are imported lazily, so importing this module costs nothing.

Every dataset has a ``train`` and a ``test`` split (some also ``all``). A
:class:`DataRequest` asks for training samples from one split and held-out samples from the
same split (disjoint from the training samples: class proportions kept, or whole speakers
for a dataset that holds out by speaker) or from another one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SPLITS = ("train", "test", "all")

#: ``open_split(root, split, binning, cache_dir) -> dataset`` (every sample of a split).
SplitOpener = Callable[[Path | None, str, Any, Path | None], Any]


@dataclass(frozen=True)
class DatasetEntry:
    """How to read one dataset.

    Attributes
    ----------
    name : str
        The ``--dataset`` name.
    open_split : SplitOpener, optional
        ``(root, split, binning, cache_dir) -> dataset`` holding every sample of
        ``split``; None for a dataset generated in code (see ``generate``).
    generate : callable, optional
        ``(split, n, seed) -> dataset`` of ``n`` generated samples (each split its own
        random stream), for a dataset without files.
    default_binning : callable, optional
        ``() -> BinningConfig`` used when a request names no binning (what the command
        line trains with); None for a dataset that is not binned from events.
    val_split : {"train", "test", "all"} or None
        Where held-out samples come from unless a request says otherwise (None: the
        training samples' split).
    pick : {"first", "random"}
        How ``n`` samples are taken from a split: its first ``n`` in file order, or a
        seeded random subset.
    needs_tonic : bool
        Whether reading the files needs the optional ``tonic`` package.
    frame_shape : callable, optional
        ``() -> (C, H, W)`` of a generated dataset's input frame (a binned dataset's is
        its binning's ``frame_shape``).
    splits : tuple of str
        The splits it has.
    hold_out_by : str, optional
        Attribute of an opened split naming each sample's group (e.g. ``"speakers"``):
        held-out samples from the training split are then whole groups, never seen in
        training (:func:`~lava_stllr.data.dataset.group_split`).
    augment : callable, optional
        ``(training set, request) -> augmented training set``
        (:mod:`~lava_stllr.data.augmentations`); None for a dataset without one.
    """

    name: str
    open_split: SplitOpener | None = None
    generate: Callable[[str, int, int], Any] | None = None
    default_binning: Callable[[], Any] | None = None
    val_split: str | None = "test"
    pick: str = "random"
    needs_tonic: bool = True
    frame_shape: Callable[[], tuple[int, int, int]] | None = None
    splits: tuple[str, ...] = ("train", "test")
    hold_out_by: str | None = None
    augment: Callable[[Any, Any], Any] | None = None

    @property
    def needs_data_dir(self) -> bool:
        """False for a dataset generated in code."""
        return self.open_split is not None


@dataclass(frozen=True)
class DataRequest:
    """Which samples to read, and how to bin them.

    Attributes
    ----------
    root : Path, optional
        The dataset's folder (ignored by a generated dataset).
    n_train : int or None
        Training samples; None takes every sample of ``split`` not held out.
    n_val : int
        Held-out samples; 0 gives no held-out set.
    seed : int
        Seeds a random pick (``pick="random"``) and generated data.
    split, val_split : {"train", "test", "all"}
        The splits of the training and the held-out samples (``all`` for a dataset whose
        :attr:`DatasetEntry.splits` has it) (``val_split=None``: the
        dataset's :attr:`DatasetEntry.val_split`).
    binning : mapping
        Fields of the dataset's :class:`~lava_stllr.data.binning.BinningConfig` to change
        from its default (e.g. ``{"n_time_bins": 50, "max_count": 1}``).
    cache_dir : Path, optional
        Disk cache of binned tensors.
    augment : bool
        Augment the training samples (:attr:`DatasetEntry.augment`), never held-out ones.
    max_shift : int, optional
        Frame augmentation's largest shift in frame pixels (None: the default, 1).
    tune : bool
        Hold out a fifth of the training samples instead
        (:func:`~lava_stllr.data.dataset.tune_split`).
    """

    root: Path | None = None
    n_train: int | None = None
    n_val: int = 0
    seed: int = 0
    split: str = "train"
    val_split: str | None = None
    binning: Mapping[str, Any] = field(default_factory=dict)
    cache_dir: Path | None = None
    augment: bool = False
    max_shift: int | None = None
    tune: bool = False


def _synthetic(split: str, n: int, seed: int) -> Any:
    from lava_stllr.data.synthetic import synthetic_split

    return synthetic_split(split, n, seed)


def _synthetic_frame_shape() -> tuple[int, int, int]:
    from lava_stllr.data.synthetic import SyntheticConfig

    # bin_synthetic flattens the (P, H, W) frame in C order, like tonic's ToFrame.
    width, height, polarities = SyntheticConfig().sensor_size
    return (polarities, height, width)


def _nmnist(root: Path | None, split: str, binning: Any, cache_dir: Path | None) -> Any:
    from lava_stllr.data.nmnist import NMNISTFolder

    return NMNISTFolder(root, split=split.capitalize(), config=binning, cache_dir=cache_dir)


def _nmnist_binning() -> Any:
    from lava_stllr.data.binning import NMNIST_DEFAULT_CONFIG

    # Binary spikes: what every measured N-MNIST figure of this project used (counts,
    # the library default, are a graded input that the binary Lava source cannot send).
    return dataclasses.replace(NMNIST_DEFAULT_CONFIG, max_count=1)


def _tonic_split(class_name: str) -> SplitOpener:
    def open_split(root: Path | None, split: str, binning: Any,
                   cache_dir: Path | None) -> Any:
        from lava_stllr.data import tonic_datasets

        cls = getattr(tonic_datasets, class_name)
        return cls(root, train=split == "train", config=binning, cache_dir=cache_dir)

    return open_split


def _heidelberg_digits(root: Path | None, split: str, binning: Any,
                       cache_dir: Path | None) -> Any:
    from lava_stllr.data.heidelberg_digits import DATASET_FRONT_END, HeidelbergDigitsFolder

    return HeidelbergDigitsFolder(root, split=split, config=binning, cache_dir=cache_dir,
                                  front_end=DATASET_FRONT_END)


def _audio_binning() -> Any:
    from lava_stllr.data.heidelberg_digits import DATASET_FRONT_END, audio_binning

    return audio_binning(32, populations=DATASET_FRONT_END.populations)


def _augmentation(kind: str, dataset: str) -> Callable[[Any, Any], Any]:
    def augment(train: Any, request: DataRequest) -> Any:
        from lava_stllr.data import augmentations

        return getattr(augmentations, kind)(train, request, binning_for(dataset,
                                                                        request.binning))

    return augment


def _binning_config(name: str) -> Callable[[], Any]:
    def default() -> Any:
        from lava_stllr.data import binning

        return getattr(binning, name)

    return default


DATASETS: dict[str, DatasetEntry] = {entry.name: entry for entry in (
    DatasetEntry("synthetic", generate=_synthetic, needs_tonic=False,
                 frame_shape=_synthetic_frame_shape),
    # Held-out samples are the tail of the first n_train + n_val files of the split.
    DatasetEntry("nmnist", _nmnist, default_binning=_nmnist_binning, val_split=None,
                 pick="first", augment=_augmentation("frame_shifts", "nmnist")),
    DatasetEntry("dvsgesture", _tonic_split("DVSGestureDataset"),
                 default_binning=_binning_config("DVSGESTURE_DEFAULT_CONFIG")),
    DatasetEntry("shd", _tonic_split("SHDDataset"),
                 default_binning=_binning_config("SHD_DEFAULT_CONFIG")),
    # Held-out recordings come from speakers the training set never heard.
    DatasetEntry("heidelberg-digits", _heidelberg_digits, default_binning=_audio_binning,
                 val_split=None, needs_tonic=True, splits=SPLITS, hold_out_by="speakers",
                 augment=_augmentation("audio_copies", "heidelberg-digits")),
)}


def get(name: str) -> DatasetEntry:
    """The entry of dataset ``name``."""
    from lava_stllr import validate

    return DATASETS[validate.choice("dataset", name, DATASETS)]


def binning_for(name: str, changes: Mapping[str, Any]) -> Any:
    """The :class:`~lava_stllr.data.binning.BinningConfig` of dataset ``name`` with
    ``changes`` applied (None for a dataset that is not binned from events).

    Raises
    ------
    ValueError
        A change to a dataset that is not binned, an unknown field or a bad value.
    """
    entry = get(name)
    if entry.default_binning is None:
        if changes:
            raise ValueError(f"dataset {name!r} is generated in code, not binned from "
                             f"events: binning settings {sorted(changes)} do not apply")
        return None
    config = entry.default_binning()
    known = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(changes) - known)
    if unknown:
        raise ValueError(f"unknown binning settings {unknown} (known: {sorted(known)})")
    return dataclasses.replace(config, **changes)


def frame_shape_for(name: str, changes: Mapping[str, Any]) -> tuple[int, int, int] | None:
    """Shape ``(C, H, W)`` of one input frame of dataset ``name`` binned with ``changes``
    (samples are these frames flattened in C order); None when the dataset has none."""
    entry = get(name)
    binning = binning_for(name, changes)
    if binning is not None:
        return tuple(binning.frame_shape)
    return None if entry.frame_shape is None else tuple(entry.frame_shape())


def val_depends_on_n_train(name: str, request: DataRequest) -> bool:
    """Whether the held-out set of ``request`` changes with ``n_train`` (it is carved
    from the training split)."""
    return resolved_val_split(name, request) == request.split


def resolved_val_split(name: str, request: DataRequest) -> str:
    """The split the held-out samples of ``request`` come from."""
    return request.val_split or get(name).val_split or request.split


def _check_root(entry: DatasetEntry, root: Path | None) -> None:
    if root is None:
        raise ValueError(f"dataset {entry.name!r} needs a data folder")
    if not Path(root).is_dir():
        raise FileNotFoundError(f"data folder not found: {root}")


def _split_reader(entry: DatasetEntry, request: DataRequest) -> Callable[[str, int | None,
                                                                          int], Any]:
    """``read(split, n, seed)``: ``n`` samples (None: all) of a split of ``entry``."""
    from lava_stllr import validate

    if entry.generate is not None:
        def generated(split: str, n: int | None, seed: int) -> Any:
            if n is None:
                raise ValueError(f"dataset {entry.name!r} is generated in code and has no "
                                 "fixed size: ask for a number of samples")
            # Each split is its own random stream: the request's seed serves both.
            return entry.generate(split, n, request.seed)

        return generated
    _check_root(entry, request.root)
    binning = binning_for(entry.name, request.binning)
    opened: dict[str, Any] = {}

    def from_files(split: str, n: int | None, seed: int) -> Any:
        from lava_stllr.data.dataset import take_samples

        split = validate.choice(f"{entry.name} split", split, entry.splits)
        if split not in opened:
            opened[split] = entry.open_split(request.root, split, binning, request.cache_dir)
        return take_samples(opened[split], n, seed, f"{entry.name} {split} split", entry.pick)

    return from_files


def load_split(name: str, request: DataRequest) -> Any:
    """``request.n_train`` samples (None: all) of ``request.split`` of dataset ``name``:
    what ``evaluate --split`` reads."""
    return _split_reader(get(name), request)(request.split, request.n_train, request.seed)


def load_train_val(name: str, request: DataRequest) -> tuple[Any, Any | None]:
    """Training and held-out datasets ``(train, val)`` of ``name``; ``val`` is None when
    ``request.n_val`` is 0. With ``request.augment`` the training set also holds the
    dataset's augmented copies of its samples.

    Held-out samples from the training split are the per-class tail of the first
    ``n_train + n_val`` samples picked (:func:`~lava_stllr.data.dataset.stratified_split`);
    from the other split they are picked with ``seed + 1``.

    Raises
    ------
    ValueError
        Unknown ``name`` or split, too few samples, or no ``root`` for a dataset read
        from files.
    FileNotFoundError
        ``root`` is not a folder.
    """
    entry = get(name)
    if request.augment and entry.augment is None:
        raise ValueError(f"dataset {name!r} has no augmentation")
    train, val = _train_val(entry, request)
    if request.tune:
        from lava_stllr.data.dataset import tune_split

        train, val = tune_split(train, entry.hold_out_by, f"{name} training samples")
    return (entry.augment(train, request) if request.augment else train), val


def _train_val(entry: DatasetEntry, request: DataRequest) -> tuple[Any, Any | None]:
    from lava_stllr import validate
    from lava_stllr.data.dataset import stratified_split, take_samples

    name = entry.name
    split = validate.choice(f"{name} split", request.split, entry.splits)
    val_split = validate.choice(f"{name} val_split", resolved_val_split(name, request),
                                entry.splits)
    read = _split_reader(entry, request)
    n_train, n_val, seed = request.n_train, request.n_val, request.seed
    if val_split != split:
        train = read(split, n_train, seed)
        return train, (read(val_split, n_val, seed + 1) if n_val else None)
    if not n_val:
        return read(split, n_train, seed), None
    if entry.hold_out_by is not None:
        pool = read(split, None, seed)
        from lava_stllr.data.dataset import group_split

        train_idx, val_idx = group_split(getattr(pool, entry.hold_out_by), pool.labels,
                                         n_val, f"{name} {split} split")
        train = take_samples(pool.subset(train_idx), n_train, seed,
                     f"{name} {split} split without its held-out {entry.hold_out_by}",
                     entry.pick)
        return train, pool.subset(val_idx)
    pool = read(split, None if n_train is None else n_train + n_val, seed)
    n_first = len(pool) - n_val if n_train is None else n_train
    if n_first < 1:
        raise ValueError(f"{name} {split} split: {len(pool)} samples leave none for "
                         f"training after {n_val} held-out ones")
    first, rest = stratified_split(pool.labels, n_first)
    return pool.subset(first), pool.subset(rest)


def groups_in(name: str, dataset: Any) -> list[int] | None:
    """The groups (e.g. speakers) whose samples ``dataset`` holds, for a dataset that holds
    out by group (None otherwise, or when the samples do not say)."""
    from lava_stllr.data.dataset import sample_groups

    attr = get(name).hold_out_by
    groups = None if attr is None else sample_groups(dataset, attr)
    return None if groups is None else sorted({int(g) for g in groups})
