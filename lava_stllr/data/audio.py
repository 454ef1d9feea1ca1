"""An audio front-end: a sound file in, spike trains out (one spiking neuron per channel).

The chain, for a recording ``x`` at any sample rate (all steps deterministic):

1. **Resampling** to ``sample_rate_hz`` (polyphase FIR, :func:`scipy.signal.resample_poly`).
2. **Filterbank on an auditory scale**: the short-time power spectrum
   ``P[f, k] = |STFT(x)[f, k]|^2`` (Hann window of ``window_ms``, hop ``hop_ms``) pooled by
   ``n_channels`` triangular filters spaced evenly on the mel scale between ``f_min_hz`` and
   ``f_max_hz`` (:func:`librosa.filters.mel`, Slaney normalisation):
   ``E[c, k] = sum_f M[c, f] P[f, k]``.
3. **Compression** to a level in [0, 1] relative to the recording's loudest bin, over a
   ``dynamic_range_db`` range (the cochlea's log-like compression, and level invariance):
   ``a[c, k] = clip(1 + (10 log10 E[c, k] - max_ck 10 log10 E) / dynamic_range_db, 0, 1)``.
   **Onset alignment**: frames before the first one whose loudest channel comes within
   ``onset_db`` of the recording's peak are dropped, so time 0 is the start of the word
   whatever silence the recording began with (``onset_db = None`` keeps every frame).
4. **Spiking**: one leaky integrate-and-fire neuron per channel (a "bushy cell"), step
   ``dt = hop_ms``, driven by the level:
   ``v[k] = exp(-dt / tau_ms) v[k-1] + gain a[c, k]``; a spike when ``v[k] >= 1``, then
   ``v[k] -= 1``, with ``lam = exp(-dt / tau_ms)`` and
   ``gain = (1 - lam) / (1 - lam ** n)``, ``n = 1000 / (max_rate_hz dt)``: a channel held at
   full level reaches threshold in ``n`` steps from rest, so it fires at about
   ``max_rate_hz``; one held below ``(1 - lam) / gain`` never fires (the leak silences
   faint channels).

5. **A second population** (``integrator=True``): one integrate-and-fire neuron per
   channel without leak, ``v[k] = v[k-1] + a[c, k] / n``, same threshold and reset, as
   input ``n_channels + c``. It fires in proportion to every level above silence, where
   the leaky population stays silent below ``(1 - lam) / gain`` (about -25 dB with the
   defaults) and marks onsets and loud parts instead.

Events come out in SHD's form: ``x`` = channel, ``t`` = time in microseconds, ``p`` = 0,
so they bin with :func:`~lava_stllr.data.binning.bin_events` and write to SHD's HDF5
layout (:func:`write_shd_h5`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import warnings
from dataclasses import dataclass
from math import gcd
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.data.audio_augment import LevelWarp, warp_levels

#: Bumped whenever the front-end's output for the same settings changes.
AUDIO_FORMAT_VERSION = 2
#: Sample rates a recording may have (Hz); anything else is refused as unknown.
KNOWN_SAMPLE_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000, 88200, 96000)
#: Recordings longer than this are refused (a spoken digit lasts about one second).
MAX_DURATION_S = 30.0
#: Recordings shorter than this are refused (shorter than one filterbank window).
MIN_DURATION_S = 0.05
#: A recording whose peak stays below this (full scale 1) is refused as silent.
SILENCE_PEAK = 1e-4
EVENT_DTYPE = np.dtype([("t", np.int64), ("x", np.int64), ("p", np.int64)])


class AudioFileError(ValueError):
    """A sound file that cannot be used: unreadable, silent, too long, odd sample rate."""


@dataclass(frozen=True)
class AudioFrontEnd:
    """Settings of the audio front-end (see the module docstring for the equations).

    Parameters
    ----------
    n_channels : int
        Filterbank channels = spiking neurons (700 gives SHD's shape).
    sample_rate_hz : int
        Rate the recording is resampled to before filtering.
    f_min_hz, f_max_hz : float
        Band of the filterbank (``f_max_hz <= sample_rate_hz / 2``).
    window_ms, hop_ms : float
        STFT window length and hop; the hop is the spiking neurons' time step.
    dynamic_range_db : float
        Levels more than this below the recording's loudest bin count as silence.
    tau_ms : float
        Membrane time constant of the spiking neurons.
    max_rate_hz : float
        Firing rate of a channel held at full level.
    onset_db : float or None
        Time 0 is the first frame within this many dB of the peak (None: the file's start).
    integrator : bool
        Add the leak-free population (step 5): ``2 n_channels`` inputs.
    """

    n_channels: int = 32
    sample_rate_hz: int = 16000
    f_min_hz: float = 50.0
    f_max_hz: float = 8000.0
    window_ms: float = 25.0
    hop_ms: float = 1.0
    dynamic_range_db: float = 50.0
    tau_ms: float = 10.0
    max_rate_hz: float = 150.0
    onset_db: float | None = 30.0
    integrator: bool = False

    def __post_init__(self) -> None:
        validate.whole("n_channels", self.n_channels, 1)
        validate.whole("sample_rate_hz", self.sample_rate_hz, 1000)
        validate.real("f_min_hz", self.f_min_hz, 0.0)
        validate.real("f_max_hz", self.f_max_hz, self.f_min_hz, lo_open=True)
        if self.f_max_hz > self.sample_rate_hz / 2:
            raise ValueError(f"f_max_hz must be <= sample_rate_hz / 2 = "
                             f"{self.sample_rate_hz / 2}, got {self.f_max_hz}")
        validate.real("hop_ms", self.hop_ms, 0.0, lo_open=True)
        validate.real("window_ms", self.window_ms, self.hop_ms)
        validate.real("dynamic_range_db", self.dynamic_range_db, 0.0, lo_open=True)
        validate.real("tau_ms", self.tau_ms, 0.0, lo_open=True)
        validate.real("max_rate_hz", self.max_rate_hz, 0.0, lo_open=True)
        if self.onset_db is not None:
            validate.real("onset_db", self.onset_db, 0.0, lo_open=True)
        if self.max_rate_hz * self.hop_ms > 1000.0:
            raise ValueError(f"max_rate_hz must be <= 1000 / hop_ms = {1000 / self.hop_ms} "
                             f"(at most one spike per step), got {self.max_rate_hz}")

    @property
    def populations(self) -> int:
        """Spiking neurons per channel: 2 with the leak-free population, else 1."""
        return 2 if self.integrator else 1

    @property
    def n_inputs(self) -> int:
        """Spiking neurons in all: ``n_channels * populations``."""
        return self.n_channels * self.populations

    @property
    def hop_samples(self) -> int:
        """STFT hop in samples at ``sample_rate_hz``."""
        return max(1, round(self.hop_ms * self.sample_rate_hz / 1000))

    @property
    def window_samples(self) -> int:
        """STFT window length in samples at ``sample_rate_hz``."""
        return max(self.hop_samples, round(self.window_ms * self.sample_rate_hz / 1000))

    @property
    def fft_size(self) -> int:
        """FFT length: the window zero-padded to a power of two of at least
        ``2 n_channels`` samples (``n_channels`` frequency bins), so that many channels do
        not all share the same few bins."""
        return 1 << (max(self.window_samples, 2 * self.n_channels) - 1).bit_length()

    @property
    def neuron_decay(self) -> float:
        """``lam = exp(-hop_ms / tau_ms)``, the spiking neurons' leak per step."""
        return float(np.exp(-self.hop_ms / self.tau_ms))

    @property
    def steps_to_full_rate(self) -> float:
        """``n = 1000 / (max_rate_hz hop_ms)``: steps between spikes at full level."""
        return 1000.0 / (self.max_rate_hz * self.hop_ms)

    @property
    def neuron_gain(self) -> float:
        """``gain = (1 - lam) / (1 - lam ** n)``, ``n`` = :attr:`steps_to_full_rate`."""
        lam = self.neuron_decay
        return (1.0 - lam) / (1.0 - lam ** self.steps_to_full_rate)

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-serialisable dictionary."""
        return dataclasses.asdict(self)

    def cache_key(self) -> str:
        """A stable string naming these settings and the front-end's format version."""
        payload = json.dumps({"format": AUDIO_FORMAT_VERSION, "config": self.to_dict()},
                             sort_keys=True)
        return f"audio-v{AUDIO_FORMAT_VERSION}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}"


def read_audio(path: str | os.PathLike) -> tuple[np.ndarray, int]:
    """Samples (float64, mono: channels averaged, full scale 1) and sample rate of a sound file.

    Raises
    ------
    AudioFileError
        :func:`check_audio_header` refuses it, or it is empty, holds NaN or Inf, or is
        silent (peak below :data:`SILENCE_PEAK`). The message names the file.
    """
    import soundfile

    path = Path(path)
    check_audio_header(path)
    try:
        samples, rate = soundfile.read(str(path), dtype="float64", always_2d=True)
    except Exception as err:
        raise AudioFileError(f"cannot decode {path}: {err}") from None
    samples = samples.mean(axis=1)
    if samples.size == 0:
        raise AudioFileError(f"{path} holds no samples")
    if not np.all(np.isfinite(samples)):
        raise AudioFileError(f"{path} holds NaN or infinite samples")
    peak = float(np.max(np.abs(samples)))
    if peak < SILENCE_PEAK:
        raise AudioFileError(f"{path} is silent (peak {peak:.2g} of full scale)")
    return samples, int(rate)


def check_audio_header(path: str | os.PathLike) -> None:
    """What :func:`read_audio` can tell from the file's header alone (cheap: no decoding):
    readable, a known sample rate, at least :data:`MIN_DURATION_S` and at most
    :data:`MAX_DURATION_S` long.

    Raises
    ------
    AudioFileError
        Naming the file and the reason.
    """
    import soundfile

    try:
        info = soundfile.info(str(path))
    except Exception as err:
        raise AudioFileError(f"{path} is not a readable sound file: {err}") from None
    if info.samplerate not in KNOWN_SAMPLE_RATES:
        raise AudioFileError(f"{path} has an unknown sample rate {info.samplerate} Hz "
                             f"(known: {', '.join(map(str, KNOWN_SAMPLE_RATES))})")
    seconds = info.frames / info.samplerate
    if seconds > MAX_DURATION_S:
        raise AudioFileError(f"{path} lasts {seconds:.1f} s; recordings longer than "
                             f"{MAX_DURATION_S:g} s are refused")
    if seconds < MIN_DURATION_S:
        raise AudioFileError(f"{path} lasts {1000 * seconds:.0f} ms; recordings shorter than "
                             f"{1000 * MIN_DURATION_S:.0f} ms are refused")


def channel_levels(samples: np.ndarray, rate: int, config: AudioFrontEnd) -> np.ndarray:
    """Compressed filterbank levels ``a[c, k]`` in [0, 1], shape ``(n_channels, n_frames)``
    (steps 1-3 of the module docstring); frame ``k`` is centred on ``k * hop_ms`` after the
    onset (or the file's start)."""
    import librosa
    from scipy.signal import resample_poly

    samples = np.asarray(samples, dtype=np.float64)
    if rate != config.sample_rate_hz:
        g = gcd(int(rate), config.sample_rate_hz)
        samples = resample_poly(samples, config.sample_rate_hz // g, int(rate) // g)
    n_fft = config.fft_size
    with warnings.catch_warnings():
        # A recording shorter than the FFT is zero-padded (the window is centred).
        warnings.filterwarnings("ignore", message="n_fft=.* is too large")
        stft = librosa.stft(samples.astype(np.float32), n_fft=n_fft,
                            win_length=config.window_samples, hop_length=config.hop_samples,
                            window="hann", center=True, pad_mode="constant")
    power = np.abs(stft) ** 2
    bank = _mel_bank(config.sample_rate_hz, n_fft, config.n_channels, config.f_min_hz,
                     config.f_max_hz)
    energy = np.asarray(bank @ power.astype(np.float64))
    level_db = 10.0 * np.log10(np.maximum(energy, 1e-30))
    level_db -= level_db.max()
    if config.onset_db is not None:
        level_db = level_db[:, np.argmax(level_db.max(axis=0) >= -config.onset_db):]
    level = 1.0 + level_db / config.dynamic_range_db
    return np.clip(level, 0.0, 1.0)


_BANKS: dict[tuple, Any] = {}


def _mel_bank(rate: int, n_fft: int, n_mels: int, fmin: float, fmax: float) -> Any:
    """librosa's mel filterbank (float64) as a sparse matrix (each filter spans a few
    frequency bins), built once per setting in a process."""
    import librosa
    from scipy.sparse import csr_matrix

    key = (rate, n_fft, n_mels, fmin, fmax)
    if key not in _BANKS:
        with warnings.catch_warnings():
            # Many narrow low filters may hold no FFT bin: those channels stay silent.
            warnings.filterwarnings("ignore", message="Empty filters detected")
            _BANKS[key] = csr_matrix(librosa.filters.mel(sr=rate, n_fft=n_fft, n_mels=n_mels,
                                                         fmin=fmin, fmax=fmax,
                                                         dtype=np.float64))
    return _BANKS[key]


def spike_trains(levels: np.ndarray, config: AudioFrontEnd) -> np.ndarray:
    """Spikes ``(n_frames, n_inputs)`` of bool from levels ``(n_channels, n_frames)``
    (steps 4 and 5 of the module docstring: leaky integrate-and-fire, subtractive reset;
    the leak-free population in the columns after the first ``n_channels``)."""
    spikes = _integrate_and_fire(levels, config.neuron_decay, config.neuron_gain)
    if not config.integrator:
        return spikes
    leak_free = _integrate_and_fire(levels, 1.0, 1.0 / config.steps_to_full_rate)
    return np.concatenate([spikes, leak_free], axis=1)


def _integrate_and_fire(levels: np.ndarray, decay: float, gain: float) -> np.ndarray:
    """``v[k] = decay v[k-1] + gain a[k]``, a spike and ``v -= 1`` when ``v >= 1``."""
    drive = gain * np.ascontiguousarray(levels.T)
    spikes = np.zeros(drive.shape, dtype=bool)
    v = np.zeros(drive.shape[1])
    for k, d in enumerate(drive):
        v *= decay
        v += d
        fired = v >= 1.0
        v[fired] -= 1.0
        spikes[k] = fired
    return spikes


def encode(samples: np.ndarray, rate: int, config: AudioFrontEnd,
           warp: LevelWarp | None = None) -> np.ndarray:
    """Events (fields ``t`` in microseconds, ``x`` channel, ``p`` = 0), sorted by time, of a
    recording: :func:`channel_levels`, the levels warped when ``warp`` is given
    (:func:`~lava_stllr.data.audio_augment.warp_levels`, an augmented copy), then
    :func:`spike_trains`."""
    levels = channel_levels(samples, rate, config)
    if warp is not None:
        levels = warp_levels(levels, warp, config.dynamic_range_db)
    return spike_events(spike_trains(levels, config), config)


def spike_events(spikes: np.ndarray, config: AudioFrontEnd) -> np.ndarray:
    """Events (``t`` in microseconds, ``x`` input, ``p`` = 0) of spikes ``(n_frames,
    n_inputs)``: frame ``k`` is at ``k * hop_ms``."""
    frame, channel = np.nonzero(spikes)
    events = np.zeros(frame.shape[0], dtype=EVENT_DTYPE)
    events["t"] = np.round(frame * config.hop_ms * 1000.0).astype(np.int64)
    events["x"] = channel
    return events


def encode_file(path: str | os.PathLike, config: AudioFrontEnd,
                warp: LevelWarp | None = None) -> np.ndarray:
    """:func:`encode` of the sound file at ``path`` (checked by :func:`read_audio`)."""
    samples, rate = read_audio(path)
    return encode(samples, rate, config, warp)


def write_shd_h5(path: str | os.PathLike, events: list[np.ndarray], labels: np.ndarray,
                 speakers: np.ndarray) -> None:
    """Write recordings in SHD's HDF5 layout, so that SHD readers read them.

    Datasets: ``spikes/times`` (per recording, float32 seconds), ``spikes/units``
    (uint16 channel), ``labels`` (uint16), ``extra/speaker`` (uint16), ``extra/keys``
    (the 20 class names). Written atomically (:func:`lava_stllr.files.atomic_write`), so
    an interrupted write leaves no file.
    """
    import h5py

    from lava_stllr.data.tonic_datasets import SHD_CLASSES
    from lava_stllr.files import atomic_write

    labels = np.asarray(labels)
    speakers = np.asarray(speakers)
    if not len(events) == labels.shape[0] == speakers.shape[0]:
        raise ValueError(f"events, labels and speakers must have one entry per recording, "
                         f"got {len(events)}, {labels.shape[0]}, {speakers.shape[0]}")

    def write(fh: Any) -> None:
        with h5py.File(fh, "w") as f:
            times = f.create_dataset("spikes/times", (len(events),),
                                     dtype=h5py.vlen_dtype(np.float32))
            units = f.create_dataset("spikes/units", (len(events),),
                                     dtype=h5py.vlen_dtype(np.uint16))
            for i, ev in enumerate(events):
                times[i] = (ev["t"] / 1e6).astype(np.float32)
                units[i] = ev["x"].astype(np.uint16)
            f.create_dataset("labels", data=labels.astype(np.uint16))
            f.create_dataset("extra/speaker", data=speakers.astype(np.uint16))
            f.create_dataset("extra/keys", data=np.array(SHD_CLASSES, dtype="S"))

    # The spikes (float32 time, uint16 unit), HDF5's per-recording and file headers:
    # checked against the free space before h5py writes.
    size = 6 * sum(int(ev.size) for ev in events) + 64 * len(events) + 65_536
    atomic_write(path, write, mode="w+b", size=size)
