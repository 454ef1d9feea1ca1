"""DVS Gesture and SHD through tonic's dataset classes, with a no-download guarantee.

tonic's dataset classes download the archive whenever they judge the data missing (they
also want the downloaded archive to sit beside the extracted files). There is no network
here and a silent multi-gigabyte download is never wanted, so these wrappers check for the
extracted files themselves first and raise a ``FileNotFoundError`` naming the expected
folder and where to get the data; tonic's ``download`` is replaced by that same error, so no
code path reaches the network.

Expected layouts (``ROOT`` is the ``save_to`` folder given to tonic)::

    ROOT/DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy   (and ibmGestureTest)
    ROOT/SHD/shd_train.h5                                            (and shd_test.h5)

DVS Gesture: A. Amir et al., "A Low Power, Fully Event-Based Gesture Recognition System",
CVPR 2017. SHD: B. Cramer et al., "The Heidelberg Spiking Data Sets for the Systematic
Evaluation of Spiking Neural Networks", IEEE TNNLS 2020.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.data.binning import (
    DVSGESTURE_DEFAULT_CONFIG,
    SHD_DEFAULT_CONFIG,
    BinningConfig,
    config_for_sensor,
    import_tonic,
)
from lava_stllr.data.cache import BinnedEventDataset, FileEventDataset, file_version
from lava_stllr.data.folders import check_readable, list_folder
from lava_stllr.data.nmnist import CorruptEventFileError

DVSGESTURE_SENSOR_SIZE = (128, 128, 2)
SHD_SENSOR_SIZE = (700, 1, 1)
DVSGESTURE_URL = "https://research.ibm.com/interactive/dvsgesture/"
SHD_URL = "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/"
#: SHD classes: spoken digits 0-9 in English and in German.
SHD_CLASSES = tuple(f"{lang}-{d}" for lang in ("english", "german") for d in range(10))
#: The datasets of an SHD ``.h5`` file that tonic reads, and what each holds.
SHD_DATASETS = {"spikes/times": "spike times", "spikes/units": "spike channels",
                "labels": "class labels", "extra/keys": "class names",
                "extra/speaker": "speakers"}


class _NoDownload:
    """Mixin for tonic dataset classes: existence was checked by us, downloading is an error."""

    def _check_exists(self) -> bool:
        return True

    def download(self) -> None:
        raise FileNotFoundError(
            f"{type(self).__name__} data missing under {self.location_on_system}; "
            "lava-stllr never downloads datasets, place the extracted files there"
        )


@functools.cache
def _no_download_class(name: str) -> type:
    base = getattr(import_tonic().datasets, name)
    # tonic stores data under save_to/<class name>, so the subclass keeps the base's name.
    return type(name, (_NoDownload, base), {"__qualname__": name, "__module__": __name__})


def _save_to(root: Path, folder_name: str, inner: str) -> Path:
    """The tonic ``save_to`` folder: ``root`` itself, or its parent if ``root`` is the
    ``<folder_name>`` folder already."""
    if not (root / folder_name / inner).exists() and root.name == folder_name:
        if (root / inner).exists():
            return root.parent
    return root


_USER_FOLDER = re.compile(r"user(\d+)_(.+)")


def _check_gesture_layout(folder: Path, n_classes: int) -> None:
    """``ValueError`` showing the expected layout unless every entry of ``folder`` is a
    ``user<NN>_<lighting>`` folder of ``<label>.npy`` files (tonic would fail on anything
    else with ``not enough values to unpack`` or ``invalid literal for int()``), and
    :class:`~lava_stllr.data.folders.UnreadableDataError` for a folder or recording that
    cannot be read."""
    layout = (f"expected {folder}/user<NN>_<lighting>/<label>.npy (e.g. "
              f"{folder}/user01_fluorescent/0.npy, labels 0-{n_classes - 1})")
    recordings = []
    for sub in list_folder(folder, "DVS Gesture folder"):
        if not sub.is_dir():
            continue
        if not _USER_FOLDER.fullmatch(sub.name):
            raise ValueError(f"DVS Gesture folder {sub} is not named user<NN>_<lighting>: "
                             f"{layout}")
        # tonic lists with os.walk, which skips an unreadable folder without a word
        for item in list_folder(sub, "DVS Gesture user folder"):
            if item.is_dir():
                raise ValueError(f"DVS Gesture folder {item} is one level too deep: {layout}")
            if item.suffix == ".npy" and not (item.stem.isdigit()
                                              and int(item.stem) < n_classes):
                raise ValueError(f"DVS Gesture file {item} is not named <label>.npy with a "
                                 f"label in 0-{n_classes - 1}: {layout}")
            if item.suffix == ".npy":
                recordings.append(item)
    check_readable(recordings, "DVS Gesture file")


class _TonicReader(BinnedEventDataset):
    """Base of the wrappers: samples are read through the tonic dataset ``self._tonic``."""

    _tonic: Any

    def read_events(self, index: int) -> np.ndarray:
        """Events of sample ``index`` through tonic (``t`` in microseconds).

        Raises
        ------
        CorruptEventFileError
            If tonic cannot read the sample; the message names it (:meth:`describe`).
        """
        try:
            events, _ = self._tonic[index]
        except Exception as err:
            raise CorruptEventFileError(f"cannot read {self.describe(index)}: {err}") from err
        return events


class DVSGestureDataset(FileEventDataset, _TonicReader):
    """IBM DVS Gesture (tonic's preprocessed release, 11 classes), binned lazily.

    Parameters
    ----------
    root : str or Path
        tonic's ``save_to`` folder, holding ``DVSGesture/ibmGestureTrain`` and/or
        ``DVSGesture/ibmGestureTest`` (the ``DVSGesture`` folder itself is accepted too).
    train : bool
        Training part (``ibmGestureTrain``) or test part (``ibmGestureTest``).
    config : BinningConfig, optional
        Default :data:`~lava_stllr.data.binning.DVSGESTURE_DEFAULT_CONFIG`; its
        ``sensor_size`` must be ``(128, 128, 2)``.
    cache_dir : str or Path, optional
        Disk cache folder; ``None`` disables caching.

    Raises
    ------
    FileNotFoundError
        If the extracted folder (with ``.npy`` recordings) is missing; nothing is downloaded.
    ~lava_stllr.data.folders.UnreadableDataError
        If a folder or recording in it cannot be read (it names the path).
    """

    source_name = "DVS Gesture"

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        config: BinningConfig | None = None,
        cache_dir: str | os.PathLike | None = None,
    ):
        config = config_for_sensor(
            config, DVSGESTURE_DEFAULT_CONFIG, DVSGESTURE_SENSOR_SIZE, "DVS Gesture"
        )
        tonic = import_tonic()
        base = tonic.datasets.DVSGesture
        folder_name = "ibmGestureTrain" if train else "ibmGestureTest"
        archive_name = base.train_filename if train else base.test_filename
        root = Path(root).expanduser()
        save_to = _save_to(root, "DVSGesture", folder_name)
        location = save_to / "DVSGesture"
        folder = location / folder_name
        if folder.is_dir():  # first: an unreadable folder is not "data not found"
            _check_gesture_layout(folder, len(base.classes))
        if not (folder.is_dir() and any(folder.glob("*/*.npy"))):
            archive = location / archive_name
            how = (
                f"the archive {archive} is present but not extracted: extract it there "
                f"(tar -xzf {archive_name} -C {location})"
                if archive.is_file()
                else f"download {archive_name} ({base.train_url if train else base.test_url}, "
                f"see {DVSGESTURE_URL}) and extract it into {location}"
            )
            raise FileNotFoundError(
                "DVS Gesture data not found: expected "
                f"{folder}/user<NN>_<lighting>/<label>.npy; {how}. "
                "lava-stllr never downloads datasets."
            )
        import numpy.lib.recfunctions  # noqa: F401  (tonic's DVSGesture uses it unimported)

        self._tonic = _no_download_class("DVSGesture")(str(save_to), train=train)
        order = sorted(range(len(self._tonic.data)), key=lambda i: self._tonic.data[i])
        self._tonic.data = [self._tonic.data[i] for i in order]
        self._tonic.targets = [self._tonic.targets[i] for i in order]
        self._tonic.users = [self._tonic.users[i] for i in order]
        self._tonic.lighting = [self._tonic.lighting[i] for i in order]
        self.root = root
        self.folder = folder
        self.train = train
        self.files = [Path(p) for p in self._tonic.data]
        self.labels = np.asarray(self._tonic.targets, dtype=np.int64)
        self.users = np.asarray(self._tonic.users, dtype=np.int64)
        self.lighting = list(self._tonic.lighting)
        super().__init__(
            config,
            n_classes=len(base.classes),
            identity=f"dvsgesture:{folder.resolve()}",
            cache_dir=cache_dir,
        )


class SHDDataset(_TonicReader):
    """Spiking Heidelberg Digits (20 classes, 700 channels), binned lazily.

    tonic gives each spike an artificial polarity of 1; it is set to 0 here so that the
    single channel of ``sensor_size = (700, 1, 1)`` is valid with or without
    ``merge_polarities``. Spikes are sorted by time (stable) before binning.

    Parameters
    ----------
    root : str or Path
        tonic's ``save_to`` folder, holding ``SHD/shd_train.h5`` and/or ``SHD/shd_test.h5``
        (the ``SHD`` folder itself is accepted too).
    train : bool
        Training or test file.
    config : BinningConfig, optional
        Default :data:`~lava_stllr.data.binning.SHD_DEFAULT_CONFIG`; its ``sensor_size``
        must be ``(700, 1, 1)``.
    cache_dir : str or Path, optional
        Disk cache folder; ``None`` disables caching.

    Raises
    ------
    FileNotFoundError
        If the ``.h5`` file is missing; nothing is downloaded.
    ~lava_stllr.data.nmnist.CorruptEventFileError
        If it cannot be read or lacks a dataset of :data:`SHD_DATASETS` (it names both).
    """

    def __init__(
        self,
        root: str | os.PathLike,
        train: bool = True,
        config: BinningConfig | None = None,
        cache_dir: str | os.PathLike | None = None,
    ):
        config = config_for_sensor(config, SHD_DEFAULT_CONFIG, SHD_SENSOR_SIZE, "SHD")
        tonic = import_tonic()
        base = tonic.datasets.SHD
        zip_name = base.train_zip if train else base.test_zip
        h5_name = zip_name[: -len(".zip")]
        root = Path(root).expanduser()
        save_to = _save_to(root, "SHD", h5_name)
        location = save_to / "SHD"
        path = location / h5_name
        if not path.is_file():
            archives = [location / zip_name, location / f"{h5_name}.gz"]
            found = [a for a in archives if a.is_file()]
            how = (
                f"the archive {found[0]} is present but not extracted: extract {h5_name} "
                f"from it into {location}"
                if found
                else f"download {base.base_url}{zip_name} (or {h5_name}.gz, see {SHD_URL}) "
                f"and extract {h5_name} into {location}"
            )
            raise FileNotFoundError(
                f"SHD data not found: expected the file {path}; {how}. "
                "lava-stllr never downloads datasets."
            )
        import h5py

        try:
            with h5py.File(path, "r") as f:
                missing = [k for k in SHD_DATASETS if k not in f]
                labels = None if missing else np.asarray(f["labels"][()], dtype=np.int64)
        except Exception as err:
            raise CorruptEventFileError(f"cannot read SHD labels from {path}: {err}") from err
        if missing:  # else tonic fails with a KeyError of h5py
            raise CorruptEventFileError(
                f"SHD file {path} lacks the dataset {missing[0]!r}"
                + (f" (and {', '.join(map(repr, missing[1:]))})" if missing[1:] else "")
                + f" ({SHD_DATASETS[missing[0]]}, which tonic reads): not a complete copy "
                f"of the SHD release (see {SHD_URL})")
        self._tonic = _no_download_class("SHD")(str(save_to), train=train)
        self.root = root
        self.path = path
        self.train = train
        self.labels = labels
        self._file_version = file_version(path)
        super().__init__(
            config,
            n_classes=len(SHD_CLASSES),
            identity=f"shd:{path.resolve()}",
            cache_dir=cache_dir,
        )

    def read_events(self, index: int) -> np.ndarray:
        """Spikes of sample ``index`` through tonic: fields ``t`` (us), ``x`` (channel), ``p``."""
        events = super().read_events(index)
        events = events[np.argsort(events["t"], kind="stable")]
        events["p"] = 0
        return events

    def sample_key(self, index: int) -> str:
        """The sample index plus the ``.h5`` file's size and modification time."""
        return f"{index:06d}-{self._file_version}"

    def describe(self, index: int) -> str:
        """Sample ``index`` of the ``.h5`` file."""
        return f"sample {index} of SHD file {self.path}"
