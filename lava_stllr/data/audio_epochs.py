"""Random warps drawn anew every epoch: a training set that changes from epoch to epoch.

A fixed set of warped copies (:func:`~lava_stllr.data.heidelberg_digits.augmented`) shows
the network the same few variants of every recording for the whole run. Here every epoch
``e`` draws, for each recording and each of ``copies`` copies, a fresh
:class:`~lava_stllr.data.audio_augment.LevelWarp` with every factor uniform in its range
(:class:`WarpRanges`), from ``np.random.default_rng([seed, e])``: the same seed gives the
same bits, epoch by epoch.

Fast enough to redraw every epoch: the recordings' filterbank levels (steps 1-3 of
:mod:`lava_stllr.data.audio`) are computed once; an epoch warps them and runs the spiking
stage on all copies at once (each neuron is independent of the others, so stacking every
copy's channels into one array changes no spike), then bins each copy's events as the
dataset bins a recording (:func:`~lava_stllr.data.binning.bin_events`). The recordings
themselves come from the dataset (and its cache) unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.data.audio import channel_levels, read_audio, spike_events, spike_trains
from lava_stllr.data.audio_augment import LevelWarp, warp_levels
from lava_stllr.data.binning import BinningConfig, bin_events
from lava_stllr.data.dataset import ArrayDataset

#: Copies spiked together (the batch's float64 frames: about 280 kB per copy).
CHUNK = 512


@dataclass(frozen=True)
class WarpRanges:
    """How many random copies of each recording an epoch adds, and the range of each
    factor of their warps (:class:`~lava_stllr.data.audio_augment.LevelWarp`), drawn
    uniformly: ``time_stretch`` in ``1 +- stretch``, ``channel_shift`` in ``+- shift``
    channels, ``gain_db`` in ``+- gain_db``, ``tilt_db`` in ``+- tilt_db``.

    The defaults are the widest ranges tried on validation folds of the training speakers
    (docs/results.md, "Random warps").
    """

    copies: int = 4
    stretch: float = 0.25
    shift: float = 3.0
    gain_db: float = 7.5
    tilt_db: float = 15.0

    def __post_init__(self) -> None:
        validate.whole("copies", self.copies, 1)
        validate.real("stretch", self.stretch, 0.0, 0.5)
        validate.real("shift", self.shift, 0.0, 8.0)
        validate.real("gain_db", self.gain_db, 0.0, 30.0)
        validate.real("tilt_db", self.tilt_db, 0.0, 30.0)

    def draw(self, rng: np.random.Generator, n: int) -> list[LevelWarp]:
        """``n`` warps, every factor uniform in its range."""
        stretch, shift, gain, tilt = (rng.uniform(-r, r, n) for r in
                                      (self.stretch, self.shift, self.gain_db, self.tilt_db))
        return [LevelWarp(1.0 + s, f, g, k) for s, f, g, k in
                zip(stretch, shift, gain, tilt, strict=True)]


def batched_spike_trains(levels: list[np.ndarray], config: Any) -> list[np.ndarray]:
    """:func:`~lava_stllr.data.audio.spike_trains` of every ``(n_channels, n_frames_i)``
    array in ``levels`` in one pass: the arrays are stacked channel-wise, zero-padded to
    the longest (a neuron with no input after the end never reaches threshold, so padding
    adds no spike), and each result cut back to its own frames."""
    n_channels = levels[0].shape[0]
    frames = [lev.shape[1] for lev in levels]
    # Filled frame-major: spike_trains steps through frames, and a transpose of this
    # size costs more than the spiking itself.
    by_frame = np.zeros((max(frames), len(levels) * n_channels))
    for i, lev in enumerate(levels):
        by_frame[:lev.shape[1], i * n_channels:(i + 1) * n_channels] = lev.T
    spikes = spike_trains(by_frame.T, config)  # (frames, populations * copies * channels)
    per_population = spikes.reshape(spikes.shape[0], config.populations, len(levels),
                                    n_channels)
    return [per_population[:n, :, i, :].reshape(n, -1) for i, n in enumerate(frames)]


def bin_spike_frames(spikes: np.ndarray, front_end: Any, config: BinningConfig) -> np.ndarray:
    """:func:`~lava_stllr.data.binning.bin_events` of
    :func:`~lava_stllr.data.audio.spike_events` of ``spikes`` (frames, inputs), computed
    from the frames directly: frame ``k`` lies at ``t = round(k * hop_ms * 1000)`` us and
    falls in bin ``floor((t - t_start) / width)`` of the window ``[t_start, t_end)``.
    For the audio binnings (one row, no downsampling or denoising); anything else goes
    through :func:`~lava_stllr.data.binning.bin_events`."""
    if config.downsample != 1 or config.denoise_filter_us is not None or \
            config.t_end_us is None or config.n_inputs != spikes.shape[1]:
        return bin_events(spike_events(spikes, front_end), config)
    t = np.round(np.arange(spikes.shape[0]) * front_end.hop_ms * 1000.0)
    width = (config.t_end_us - config.t_start_us) / config.n_time_bins
    inside = (t >= config.t_start_us) & (t < config.t_end_us)
    bins = ((t[inside] - config.t_start_us) // width).astype(np.int64)  # ascending
    running = np.zeros((bins.shape[0] + 1, config.n_inputs), dtype=np.int64)
    np.cumsum(spikes[inside], axis=0, out=running[1:])
    edges = np.searchsorted(bins, np.arange(config.n_time_bins + 1))
    out = (running[edges[1:]] - running[edges[:-1]]).astype(np.float32)
    if config.max_count is not None:
        np.minimum(out, config.max_count, out=out)
    return out


class FreshWarps:
    """A training set of recordings and ``ranges.copies`` random warps of each, drawn anew
    for every epoch (:meth:`for_epoch`; the module docstring says how).

    Parameters
    ----------
    dataset : SpikeDataset
        A Heidelberg Digits folder without warps, or a view of one (its samples come first
        in every epoch, as they are).
    ranges : WarpRanges
        Copies per recording and the range of each warp factor.
    seed : int
        Seeds the draws: epoch ``e`` uses ``np.random.default_rng([seed, e])``.

    Indexing the set itself gives epoch 0's samples.
    """

    def __init__(self, dataset: Any, ranges: WarpRanges, seed: int):
        from lava_stllr.data.fingerprint import underlying
        from lava_stllr.data.heidelberg_digits import HeidelbergDigitsFolder

        source, indices = underlying(dataset)
        if getattr(dataset, "warp_ranges", None) is not None:  # warps of warps
            source = dataset
        if not isinstance(source, HeidelbergDigitsFolder) or len(source.warps) > 1:
            raise ValueError("random warps warp recordings of a Heidelberg Digits folder, "
                             f"got {type(source).__name__}")
        self.warp_ranges = validate.instance("ranges", ranges, WarpRanges)
        self.seed = validate.whole("seed", seed, 0)
        self.source = source
        self.recordings = list(range(len(source)) if indices is None else indices)
        self.dataset = dataset  # the recordings (what fingerprints and groups look through)
        self.n_classes, self.n_steps = source.n_classes, source.n_steps
        self.n_inputs = source.n_inputs
        self._levels: list[np.ndarray] | None = None
        self._originals: np.ndarray | None = None
        self._epoch: tuple[int, ArrayDataset] | None = None

    @property
    def labels(self) -> np.ndarray:
        """Label of every sample (the recordings', once per copy)."""
        return np.tile(np.asarray(self.source.labels)[self.recordings],
                       1 + self.warp_ranges.copies)

    def __len__(self) -> int:
        return len(self.recordings) * (1 + self.warp_ranges.copies)

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        if 0 <= index < len(self.recordings):  # a recording as it is: no epoch to build
            return self.originals()[index], int(self.source.labels[self.recordings[index]])
        return self.for_epoch(0)[index]

    def levels(self) -> list[np.ndarray]:
        """The filterbank levels of every recording, float32 (computed on the first call:
        about 20 ms and 128 kB per second of audio)."""
        if self._levels is None:
            front_end = self.source.front_end
            self._levels = [channel_levels(*read_audio(self.source.files[i]), front_end)
                            .astype(np.float32) for i in self.recordings]
        return self._levels

    def originals(self) -> np.ndarray:
        """The recordings' own binned samples (read once)."""
        if self._originals is None:
            self._originals = np.stack([self.dataset[i][0] for i in range(len(self.dataset))]
                                       ).astype(np.float32)
        return self._originals

    def warped(self, epoch: int) -> tuple[np.ndarray, list[LevelWarp]]:
        """Epoch ``epoch``'s binned copies ``(copies * n, n_steps, n_inputs)`` (copy ``j``
        of recording ``i`` at ``j * n + i``) and their warps."""
        rng = np.random.default_rng([self.seed, validate.whole("epoch", epoch, 0)])
        levels, front_end = self.levels(), self.source.front_end
        warps = self.warp_ranges.draw(rng, self.warp_ranges.copies * len(levels))
        binned = np.empty((len(warps), self.n_steps, self.n_inputs), dtype=np.float32)
        # In chunks: the spiking stage holds a float64 array of every copy's frames.
        for start in range(0, len(warps), CHUNK):
            chunk = range(start, min(start + CHUNK, len(warps)))
            copies = [warp_levels(levels[k % len(levels)], warps[k],
                                  front_end.dynamic_range_db) for k in chunk]
            for k, spikes in zip(chunk, batched_spike_trains(copies, front_end), strict=True):
                binned[k] = bin_spike_frames(spikes, front_end, self.source.config)
        return binned, warps

    def for_epoch(self, epoch: int) -> ArrayDataset:
        """The recordings, then epoch ``epoch``'s copies (the last epoch's is kept)."""
        if self._epoch is None or self._epoch[0] != epoch:
            self._epoch = None  # the last epoch's samples go before the next are made
            spikes = np.concatenate([self.originals(), self.warped(epoch)[0]])
            self._epoch = (epoch, ArrayDataset(spikes, self.labels, self.n_classes))
        return self._epoch[1]
