"""Speaker-style augmentation of the audio front-end: warped copies of a recording.

A new speaker says the same word faster or slower, and with a longer or shorter vocal
tract, which moves its formants up or down the auditory scale. A warp makes such a copy
from the compressed filterbank levels ``a[c, k]`` (step 3 of :mod:`lava_stllr.data.audio`,
after onset alignment), before the spiking stage:

``a'[c, k] = clip(a(c - shift, k / stretch) + (gain + tilt (c / (C - 1) - 1/2)) / R, 0, 1)``

read by linear interpolation, the first and last channel held beyond the edges and the
word's last frame held past its end. ``stretch > 1`` makes the word longer; ``shift > 0``
moves every formant ``shift`` channels up the mel axis (on the mel scale a fixed shift is
close to a fixed frequency ratio above about 1 kHz, as a vocal-tract-length warp is);
``gain`` (dB) makes the whole word louder against the front-end's floor, ``tilt`` (dB)
raises the top channel by half of it and lowers the bottom one by half (a brighter or
duller voice or microphone); ``R`` is the front-end's ``dynamic_range_db`` (levels are
dB / R above the floor) and ``C`` its channel count.

The default set (:data:`DEFAULT_WARPS`) is what the spoken-digit settings were chosen
with on a validation split of the training speakers (docs/results.md, "Augmentation");
:mod:`lava_stllr.data.audio_epochs` draws random warps anew every epoch instead
(docs/results.md, "Random warps": not better on validation, so not the default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lava_stllr import validate

_TEXT = re.compile(r"(?:t(?P<stretch>[0-9.]+))?(?:f(?P<shift>[+-]?[0-9.]+))?")


@dataclass(frozen=True)
class LevelWarp:
    """One warped copy: ``a'[c, k] = a(c - channel_shift, k / time_stretch)``, then a gain
    and a tilt (module docstring).

    Parameters
    ----------
    time_stretch : float
        Duration factor of the word, in [0.5, 2] (1: unchanged).
    channel_shift : float
        Channels (of the front-end's filterbank) every level moves up, in [-8, 8].
    gain_db : float
        Level added to every channel, dB, in [-30, 30].
    tilt_db : float
        Level difference added between the top and the bottom channel, dB, in [-30, 30].
    """

    time_stretch: float = 1.0
    channel_shift: float = 0.0
    gain_db: float = 0.0
    tilt_db: float = 0.0

    def __post_init__(self) -> None:
        validate.real("time_stretch", self.time_stretch, 0.5, 2.0)
        validate.real("channel_shift", self.channel_shift, -8.0, 8.0)
        validate.real("gain_db", self.gain_db, -30.0, 30.0)
        validate.real("tilt_db", self.tilt_db, -30.0, 30.0)

    @property
    def is_identity(self) -> bool:
        """True when the copy equals the recording."""
        return (self.time_stretch == 1.0 and self.channel_shift == 0.0
                and self.gain_db == 0.0 and self.tilt_db == 0.0)

    @property
    def key(self) -> str:
        """Short name, e.g. ``t1.1`` or ``f-1`` or ``t0.9f1`` (what :meth:`parse` reads;
        ``g<dB>`` and ``s<dB>`` follow for a gain and a tilt)."""
        parts = ([f"t{self.time_stretch:g}"] if self.time_stretch != 1.0 else []) + \
            ([f"f{self.channel_shift:g}"] if self.channel_shift != 0.0 else []) + \
            ([f"g{self.gain_db:g}"] if self.gain_db != 0.0 else []) + \
            ([f"s{self.tilt_db:g}"] if self.tilt_db != 0.0 else [])
        return "".join(parts) or "t1"

    @classmethod
    def parse(cls, text: str) -> LevelWarp:
        """``t<stretch>``, ``f<shift>`` or both (``t0.9f-1``).

        Raises
        ------
        ValueError
            Not of that form, or a value out of range.
        """
        match = _TEXT.fullmatch(text.strip())
        if match is None or not text.strip():
            raise ValueError(f"a warp is t<stretch>, f<shift> or both (t0.9f-1), got {text!r}")
        try:
            stretch = float(match["stretch"]) if match["stretch"] else 1.0
            shift = float(match["shift"]) if match["shift"] else 0.0
        except ValueError:
            raise ValueError(f"a warp is t<stretch>, f<shift> or both (t0.9f-1), "
                             f"got {text!r}") from None
        return cls(stretch, shift)


#: Word 10% shorter and longer, formants one channel down and up (4 copies per recording).
DEFAULT_WARPS = (LevelWarp(time_stretch=0.9), LevelWarp(time_stretch=1.1),
                 LevelWarp(channel_shift=-1.0), LevelWarp(channel_shift=1.0))


def _interpolation(n: int, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower index, upper index and upper weight reading positions in ``[0, n - 1]``."""
    positions = np.clip(positions, 0.0, n - 1)
    lower = np.floor(positions).astype(np.int64)
    upper = np.minimum(lower + 1, n - 1)
    return lower, upper, positions - lower


def warp_levels(levels: np.ndarray, warp: LevelWarp,
                dynamic_range_db: float = 50.0) -> np.ndarray:
    """The levels ``(n_channels, n_frames)`` of the warped copy (module docstring);
    ``round(n_frames * time_stretch)`` frames, values stay in [0, 1]. ``dynamic_range_db``
    is the front-end's (:class:`~lava_stllr.data.audio.AudioFrontEnd`): what a gain or a
    tilt of 1 dB moves a level by is ``1 / dynamic_range_db``."""
    levels = np.asarray(levels, dtype=np.float64)
    if warp.is_identity:
        return levels
    n_channels, n_frames = levels.shape
    if warp.channel_shift != 0.0:
        lo, hi, w = _interpolation(n_channels, np.arange(n_channels) - warp.channel_shift)
        levels = (1.0 - w)[:, None] * levels[lo] + w[:, None] * levels[hi]
    if warp.time_stretch != 1.0:
        n_out = max(1, round(n_frames * warp.time_stretch))
        lo, hi, w = _interpolation(n_frames, np.arange(n_out) / warp.time_stretch)
        levels = (1.0 - w) * levels[:, lo] + w * levels[:, hi]
    if warp.gain_db != 0.0 or warp.tilt_db != 0.0:
        ramp = np.linspace(-0.5, 0.5, n_channels) if n_channels > 1 else np.zeros(1)
        offset = (warp.gain_db + warp.tilt_db * ramp) / dynamic_range_db
        levels = np.clip(levels + offset[:, None], 0.0, 1.0)
    return levels
