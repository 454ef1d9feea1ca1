"""N-MNIST from its original folder layout, read lazily with tonic and binned on access.

Layout (as released, and as ``tonic.datasets.NMNIST`` extracts it)::

    ROOT/Train/<digit>/<id>.bin      ROOT/Test/<digit>/<id>.bin

A full copy or any subset of the files works. Each ``.bin`` holds 5 bytes per event
(x, y, polarity bit and a 23-bit microsecond timestamp), 34 x 34 pixels, 2 polarities.

N-MNIST: G. Orchard, A. Jayawant, G. Cohen, N. Thakor, "Converting Static Image Datasets to
Spiking Neuromorphic Datasets Using Saccades", Frontiers in Neuroscience, 2015 (CC BY-SA 4.0).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from lava_stllr.data.binning import (
    NMNIST_DEFAULT_CONFIG,
    BinningConfig,
    config_for_sensor,
    import_tonic,
)
from lava_stllr.data.cache import FileEventDataset, SubsetDataset
from lava_stllr.data.dataset import stratified_split
from lava_stllr.data.folders import check_readable, list_folder
from lava_stllr.validate import choice, integer

NMNIST_SENSOR_SIZE = (34, 34, 2)
NMNIST_URL = "https://www.garrickorchard.com/datasets/n-mnist"
_SPLITS = ("Train", "Test")
_BYTES_PER_EVENT = 5


class CorruptEventFileError(ValueError):
    """An event file that cannot be decoded (empty, truncated, or out-of-range events)."""


def read_nmnist_events(path: str | os.PathLike) -> np.ndarray:
    """Read one N-MNIST ``.bin`` file with ``tonic.io.read_mnist_file``.

    Returns
    -------
    Structured array with integer fields ``x``, ``y``, ``t`` (microseconds), ``p``
    (tonic's ``NMNIST.dtype``).

    Raises
    ------
    CorruptEventFileError
        If the file is empty, its length is not a multiple of 5 bytes, or it holds no
        events (a subclass of ``ValueError``; the message names the file).
    FileNotFoundError
        If the file does not exist.
    """
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise CorruptEventFileError(f"N-MNIST file {path} is empty (0 bytes)")
    if size % _BYTES_PER_EVENT:
        raise CorruptEventFileError(
            f"N-MNIST file {path} is truncated or corrupt: {size} bytes is not a multiple of "
            f"{_BYTES_PER_EVENT} (5 bytes per event)"
        )
    tonic = import_tonic()
    try:
        events = tonic.io.read_mnist_file(str(path), dtype=tonic.datasets.NMNIST.dtype)
    except Exception as err:
        raise CorruptEventFileError(f"cannot decode N-MNIST file {path}: {err}") from err
    if events.shape[0] == 0:
        raise CorruptEventFileError(f"N-MNIST file {path} holds no events")
    check_recording(events, path)
    return events


def check_recording(events: np.ndarray, path: Path) -> None:
    """``CorruptEventFileError`` naming ``path`` unless ``events`` look like a recording:
    coordinates on the 34 x 34 sensor, non-decreasing timestamps, and more than one
    distinct timestamp when there is more than one event (a zero-filled file decodes to
    events all at x = y = t = 0)."""
    n = events.shape[0]
    t = events["t"]
    for name, size in (("x", NMNIST_SENSOR_SIZE[0]), ("y", NMNIST_SENSOR_SIZE[1])):
        v = events[name]
        if v.min() < 0 or v.max() >= size:
            raise CorruptEventFileError(
                f"N-MNIST file {path} is corrupt: event {name} must be in [0, {size}) (the "
                f"34 x 34 sensor), got range [{v.min()}, {v.max()}]")
    if n > 1:
        back = np.flatnonzero(np.diff(t) < 0)
        if back.size:
            i = int(back[0])
            raise CorruptEventFileError(
                f"N-MNIST file {path} is corrupt: timestamps must be non-decreasing, got "
                f"t[{i}] = {t[i]} > t[{i + 1}] = {t[i + 1]}")
        if t[0] == t[-1]:
            where = (f" at x = y = {events['x'][0]}" if np.all(events["x"] == events["x"][0])
                     and np.all(events["y"] == events["x"][0]) else "")
            raise CorruptEventFileError(
                f"N-MNIST file {path} is not a recording: all {n} events{where} have the "
                f"timestamp t = {t[0]} us (a zero-filled or blank file; a real N-MNIST "
                "recording spans about 300 ms)")


def _sort_key(path: Path, label: int) -> tuple[int, int, str, int]:
    return (int(path.stem), label, path.stem, 0)


def _layout(root: Path, split: str) -> str:
    return (f"expected {root}/{split}/<digit>/<id>.bin (digit folders 0-9 holding "
            "numbered files such as 00001.bin, as the original N-MNIST release has them)")


def _resolve_split_folder(root: Path, split: str) -> Path:
    candidates = [root / split, root / "NMNIST" / split]
    if root.name == split:
        candidates.append(root)  # the split folder itself
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    hint = ""
    for up, what in ((root.parent, "a digit folder"), (root.parent.parent, "a file's folder")):
        if up.name in _SPLITS:
            hint = (f" {root} looks like {what} inside {up}: give --data-dir "
                    f"{up.parent} (the folder holding {up.name}/) instead.")
            break
    if root.is_file():
        hint = f" {root} is a file, not a folder."
    raise FileNotFoundError(
        f"N-MNIST folder {root / split} not found: {_layout(root, split)}.{hint} Download "
        f"{'Train.zip' if split == 'Train' else 'Test.zip'} from {NMNIST_URL} (or let "
        "tonic.datasets.NMNIST download it on a machine with internet access) and extract it "
        f"under {root}."
    )


def _list_files(folder: Path, root: Path, split: str) -> list[tuple[Path, int]]:
    """``(file, digit)`` of ``folder/<digit>/<id>.bin``; a ``.bin`` file elsewhere or with a
    name that is not a number is refused, showing the expected layout, and a digit folder
    or file that cannot be read is an :class:`~lava_stllr.data.folders.UnreadableDataError`."""
    entries: list[tuple[Path, int]] = []
    folders = {p.name: p for p in list_folder(folder, f"N-MNIST {split} folder")
               if p.is_dir()}
    for digit in range(10):
        if str(digit) in folders:  # an unreadable digit folder is an error, not skipped
            entries.extend((p, digit) for p in list_folder(folders[str(digit)],
                                                           "N-MNIST digit folder")
                           if p.name.endswith(".bin") and p.is_file())
    badly_named = [p for p, _ in entries if not p.stem.isdigit()]
    if badly_named:
        raise ValueError(
            f"N-MNIST file {badly_named[0]} is not named <id>.bin with a numeric id "
            f"({len(badly_named)} such file(s)): {_layout(root, split)}")
    stray = sorted(p for p in folder.rglob("*.bin")
                   if p.parent.parent != folder or p.parent.name not in
                   [str(d) for d in range(10)])
    if stray:
        raise ValueError(
            f"N-MNIST file {stray[0]} is outside a digit folder ({len(stray)} such file(s)): "
            f"{_layout(root, split)}")
    if not entries:
        raise FileNotFoundError(
            f"no N-MNIST files found in {folder}: {_layout(root, split)} (see {NMNIST_URL})")
    check_readable((p for p, _ in entries), "N-MNIST file")
    return entries


class NMNISTFolder(FileEventDataset):
    """N-MNIST samples from ``root/split/<digit>/<id>.bin``, binned lazily.

    The constructor only lists files: samples are sorted by their numeric id (MNIST order)
    and labelled by their digit folder. ``__getitem__`` reads one file with tonic, bins it
    with ``config`` and, when ``cache_dir`` is given, caches the result on disk.

    Parameters
    ----------
    root : str or Path
        Folder holding ``Train`` and/or ``Test`` (or holding ``NMNIST/Train`` as tonic's
        ``save_to`` folder does).
    split : {"Train", "Test"}
        Which part of the dataset.
    config : BinningConfig, optional
        Binning settings; default :data:`~lava_stllr.data.binning.NMNIST_DEFAULT_CONFIG`
        (first 300 ms, 25 bins, 17 x 17 x 2 = 578 inputs). Its ``sensor_size`` must be
        ``(34, 34, 2)``.
    cache_dir : str or Path, optional
        Disk cache folder for the binned tensors; ``None`` disables caching.

    Raises
    ------
    FileNotFoundError
        If the split folder is missing or holds no ``<digit>/*.bin`` file.
    ~lava_stllr.data.folders.UnreadableDataError
        If the split folder, a digit folder or a file cannot be read (it names the path).
    ValueError
        If ``split``, ``config`` or ``config.sensor_size`` is wrong.
    """

    source_name = "N-MNIST"

    def __init__(
        self,
        root: str | os.PathLike,
        split: str = "Train",
        config: BinningConfig | None = None,
        cache_dir: str | os.PathLike | None = None,
    ):
        split = choice("split", split, _SPLITS)
        config = config_for_sensor(config, NMNIST_DEFAULT_CONFIG, NMNIST_SENSOR_SIZE, "N-MNIST")
        root = Path(root).expanduser()
        folder = _resolve_split_folder(root, split)
        entries = _list_files(folder, root, split)
        entries.sort(key=lambda e: _sort_key(*e))
        self.root = root
        self.split = split
        self.folder = folder
        self.files: list[Path] = [p for p, _ in entries]
        self.labels = np.array([lab for _, lab in entries], dtype=np.int64)
        super().__init__(
            config,
            n_classes=10,
            identity=f"nmnist:{folder.resolve()}",
            cache_dir=cache_dir,
        )

    def read_events(self, index: int) -> np.ndarray:
        """The raw events of sample ``index`` (see :func:`read_nmnist_events`)."""
        return read_nmnist_events(self.files[index])

    @property
    def sample_ids(self) -> list[str]:
        """The file stems (N-MNIST sample ids, e.g. ``"00042"``) in dataset order."""
        return [p.stem for p in self.files]


def load_nmnist_subset(
    root: str | os.PathLike,
    n_train: int = 800,
    n_val: int = 200,
    config: BinningConfig | None = None,
    split: str = "Train",
    cache_dir: str | os.PathLike | None = None,
) -> tuple[SubsetDataset, SubsetDataset]:
    """Train/validation views of the first ``n_train + n_val`` N-MNIST samples.

    The first ``n = n_train + n_val`` samples of ``split`` in MNIST order (ascending file
    id) are split by :func:`~lava_stllr.data.dataset.stratified_split` on their labels
    (read from the folder names, no file is opened): each class gives its earliest samples
    to training, in proportion to its frequency (largest-remainder rounding, ``n_train`` in
    all), and the rest to validation. So validation is, per class, the last ``~n_val / n``
    of that class's samples among the first ``n``; it is close to, but not exactly, "the
    last ``n_val`` samples". With the shared 1,000-sample subset (ids 00001-01000) and the
    defaults this is 800 training and 200 validation samples with class proportions kept.

    Parameters
    ----------
    root, split, config, cache_dir
        As for :class:`NMNISTFolder`.
    n_train, n_val : int
        Sizes of the two parts (both >= 1, ``n_train + n_val`` <= number of samples).

    Returns
    -------
    train, val : SubsetDataset
        Lazy views of one :class:`NMNISTFolder`, in ascending sample order.
    """
    n_train = integer("n_train", n_train, 1)
    n_val = integer("n_val", n_val, 1)
    full = NMNISTFolder(root, split=split, config=config, cache_dir=cache_dir)
    n = n_train + n_val
    if n > len(full):
        raise ValueError(
            f"n_train + n_val = {n} exceeds the {len(full)} samples found in {full.folder}"
        )
    first, rest = stratified_split(full.labels[:n], n_train)
    return full.subset(first), full.subset(rest)
