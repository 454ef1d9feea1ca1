"""Heidelberg Digits: real spoken digits (the audio behind SHD), spiking through the audio
front-end (:mod:`lava_stllr.data.audio`) and binned lazily, with the binned tensors cached.

Layout: ``ROOT/audio/lang-<english|german>_speaker-<NN>_trial-<K>_digit-<D>.flac`` (``ROOT``
may be the ``audio`` folder itself). Label ``D`` for English, ``10 + D`` for German (SHD's
classes). Speaker-disjoint splits: ``test`` = speakers 04 and 05 (the speakers SHD's test
set holds and its training set does not), ``train`` = every other speaker; ``all`` =
every recording in the folder. Every file's header is checked when the folder is opened,
so a broken file stops a run before it starts.

Heidelberg Digits: B. Cramer, Y. Stradmann, J. Schemmel, F. Zenke, "The Heidelberg Spiking
Data Sets for the Systematic Evaluation of Spiking Neural Networks", IEEE TNNLS 2020
(CC BY 4.0).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.data.audio import AudioFrontEnd, check_audio_header, encode_file
from lava_stllr.data.audio_augment import DEFAULT_WARPS, LevelWarp
from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import FileEventDataset
from lava_stllr.data.folders import list_folder
from lava_stllr.validate import choice, instance

HEIDELBERG_DIGITS_URL = "https://zenkelab.org/resources/spiking-heidelberg-datasets-shd/"
#: Speakers of SHD's test split; every other speaker is in its training split.
TEST_SPEAKERS = (4, 5)
SPLITS = ("train", "test", "all")
_NAME = re.compile(r"lang-(english|german)_speaker-(\d+)_trial-(\d+)_digit-(\d)\.flac")


def parse_name(path: Path) -> tuple[int, int]:
    """``(label, speaker)`` from a file name of the corpus.

    Raises
    ------
    ValueError
        The name does not follow ``lang-<english|german>_speaker-<NN>_trial-<K>_digit-<D>.flac``.
    """
    match = _NAME.fullmatch(path.name)
    if match is None:
        raise ValueError(f"{path} is not named lang-<english|german>_speaker-<NN>_trial-<K>_"
                         "digit-<D>.flac, as Heidelberg Digits recordings are")
    lang, speaker, _, digit = match.groups()
    return int(digit) + (10 if lang == "german" else 0), int(speaker)


def audio_folder(root: str | os.PathLike) -> Path:
    """The folder of ``.flac`` files: ``root/audio``, or ``root`` itself when it holds them.

    Raises
    ------
    FileNotFoundError
        Neither holds a ``.flac`` file.
    ~lava_stllr.data.folders.UnreadableDataError
        One of them cannot be read (not "no recordings found").
    """
    root = Path(root).expanduser()
    for folder in (root / "audio", root):
        if folder.is_dir() and any(p.suffix == ".flac"
                                   for p in list_folder(folder, "Heidelberg Digits folder")):
            return folder
    raise FileNotFoundError(f"no Heidelberg Digits recordings found: expected "
                            f"{root}/audio/lang-<english|german>_speaker-<NN>_trial-<K>_digit-"
                            f"<D>.flac (see {HEIDELBERG_DIGITS_URL})")


#: The front-end ``--dataset heidelberg-digits`` reads with: both populations (leaky and
#: leak-free) per channel, chosen on validation speakers (docs/results.md, "Two
#: populations"); a folder opened in code defaults to the leaky one alone.
DATASET_FRONT_END = AudioFrontEnd(integrator=True)


def audio_binning(n_channels: int, n_time_bins: int = 100, window_ms: int = 1000,
                  max_count: int | None = 1, populations: int = 1) -> BinningConfig:
    """Binning of front-end spikes: ``n_channels * populations`` inputs (the front-end's
    :attr:`~lava_stllr.data.audio.AudioFrontEnd.n_inputs`), the first ``window_ms`` in
    ``n_time_bins`` bins (binary by default)."""
    return BinningConfig(sensor_size=(n_channels * populations, 1, 1),
                         n_time_bins=n_time_bins,
                         t_start_us=0, t_end_us=window_ms * 1000, downsample=1,
                         merge_polarities=True, max_count=max_count)


class HeidelbergDigitsFolder(FileEventDataset):
    """Heidelberg Digits recordings of one split, spiking and binned on access.

    Parameters
    ----------
    root : str or Path
        Folder holding ``audio/*.flac`` (or the ``audio`` folder).
    split : {"train", "test", "all"}
        Every speaker but 04 and 05, speakers 04 and 05, or every recording.
    config : BinningConfig, optional
        Default :func:`audio_binning` of 32 channels; its ``sensor_size[0]`` is the
        front-end's input count (channels times populations).
    front_end : AudioFrontEnd, optional
        Front-end settings besides the channel count (default :class:`AudioFrontEnd`;
        ``--dataset heidelberg-digits`` reads with :data:`DATASET_FRONT_END`).
    cache_dir : str or Path, optional
        Disk cache of binned tensors; ``None`` disables it.
    speakers : iterable of int, optional
        Keep only these speakers' recordings (after the split).
    warps : sequence of LevelWarp, optional
        Augmented copies (:mod:`~lava_stllr.data.audio_augment`): sample ``k`` is
        recording ``k % n`` of the ``n`` kept, warped by ``warps[k // n - 1]`` (the
        recording itself for ``k < n``); see :func:`augmented`.

    Raises
    ------
    FileNotFoundError
        No ``.flac`` files under ``root``.
    ValueError
        A file name that does not follow the corpus's pattern, a file that is not usable
        audio (:func:`~lava_stllr.data.audio.check_audio_header`; both name the file), a
        split with no recordings, or a binning that is not one channel row.
    """

    source_name = "Heidelberg Digits"

    def __init__(self, root: str | os.PathLike, split: str = "train",
                 config: BinningConfig | None = None,
                 front_end: AudioFrontEnd | None = None,
                 cache_dir: str | os.PathLike | None = None,
                 speakers: Iterable[int] | None = None,
                 warps: Sequence[LevelWarp] = ()):
        split = choice("split", split, SPLITS)
        config = instance("config", audio_binning(32) if config is None else config,
                          BinningConfig)
        n_inputs, height, polarities = config.sensor_size
        if height != 1 or polarities != 1 or config.downsample != 1:
            raise ValueError(f"audio spikes bin as sensor_size (n_inputs, 1, 1) with "
                             f"downsample 1, got {config.sensor_size}, {config.downsample}")
        front_end = AudioFrontEnd() if front_end is None else front_end
        if n_inputs % front_end.populations:
            raise ValueError(f"a front-end with {front_end.populations} populations needs "
                             f"a multiple of {front_end.populations} inputs, got {n_inputs}")
        self.front_end = AudioFrontEnd(**{**front_end.to_dict(),
                                          "n_channels": n_inputs // front_end.populations})
        self.folder = audio_folder(root)
        files = [p for p in list_folder(self.folder, "Heidelberg Digits folder")
                 if p.suffix == ".flac"]
        parsed = [parse_name(f) for f in files]
        keep = [i for i, (_, speaker) in enumerate(parsed)
                if split == "all" or (speaker in TEST_SPEAKERS) == (split == "test")]
        if speakers is not None:
            wanted = {int(s) for s in speakers}
            keep = [i for i in keep if parsed[i][1] in wanted]
        if not keep:
            raise ValueError(f"Heidelberg Digits folder {self.folder} holds no recordings of "
                             f"the {split} split" + ("" if speakers is None else
                                                     f" by speakers {sorted(wanted)}"))
        self.root = Path(root)
        self.split = split
        recordings = [files[i] for i in keep]
        for path in recordings:
            check_audio_header(path)
        self.n_recordings = len(recordings)
        self.warps: tuple[LevelWarp | None, ...] = (None, *(
            instance("warp", w, LevelWarp) for w in warps))
        copies = len(self.warps)
        self.files = recordings * copies
        self.labels = np.tile(np.array([parsed[i][0] for i in keep], dtype=np.int64), copies)
        self.speakers = np.tile(np.array([parsed[i][1] for i in keep], dtype=np.int64), copies)
        # What a warped twin of this folder (augmented) is opened with besides its state.
        self._cache_dir = cache_dir
        self._speakers = None if speakers is None else sorted(wanted)
        super().__init__(config, n_classes=20,
                         identity=f"heidelberg-digits:{self.folder.resolve()}:"
                                  f"{self.front_end.cache_key()}",
                         cache_dir=cache_dir)

    def warp_of(self, index: int) -> LevelWarp | None:
        """The warp of sample ``index`` (None: the recording itself)."""
        return self.warps[index // self.n_recordings]

    def read_events(self, index: int) -> np.ndarray:
        """Front-end spikes of sample ``index`` (``t`` in microseconds, ``x`` channel)."""
        return encode_file(self.files[index], self.front_end, self.warp_of(index))

    def sample_key(self, index: int) -> str:
        """The file's key (:meth:`FileEventDataset.sample_key`), plus ``~<warp>`` for a
        warped copy."""
        warp = self.warp_of(index)
        key = super().sample_key(index)
        return key if warp is None else f"{key}~{warp.key}"

    def describe(self, index: int) -> str:
        """The file, and the warp of a warped copy."""
        warp = self.warp_of(index)
        text = super().describe(index)
        return text if warp is None else f"{text} (warped {warp.key})"


def augmented(dataset: Any, warps: Sequence[LevelWarp] = DEFAULT_WARPS) -> Any:
    """``dataset``'s recordings and a copy of each per warp (a view of a
    :class:`HeidelbergDigitsFolder` with those ``warps``): a training set of
    ``(1 + len(warps)) * len(dataset)`` samples.

    Raises
    ------
    ValueError
        ``dataset`` is not (a view of) a Heidelberg Digits folder without warps.
    """
    from lava_stllr.data.fingerprint import underlying

    source, indices = underlying(dataset)
    if not isinstance(source, HeidelbergDigitsFolder) or len(source.warps) > 1:
        raise ValueError("augmentation warps recordings of a Heidelberg Digits folder, "
                         f"got {type(source).__name__}")
    warped = HeidelbergDigitsFolder(source.root, source.split, source.config,
                                    source.front_end, cache_dir=source._cache_dir,
                                    speakers=source._speakers, warps=warps)
    n = source.n_recordings
    picked = range(n) if indices is None else indices
    return warped.subset([i + copy * n for copy in range(len(warped.warps)) for i in picked])
