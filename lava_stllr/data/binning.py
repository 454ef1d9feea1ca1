"""Event-to-tensor binning with tonic transforms, and the settings that define it.

An event recording (a structured array with fields ``x``, ``y``, ``t``, ``p``; ``t`` in
microseconds) becomes a float32 array of shape ``(T, D)``: ``T = n_time_bins`` equal time
bins, ``D = C * H * W`` event counts per bin, flattened in C order from tonic's
``(T, P, H, W)`` frames (so input ``d = (c * H + y) * W + x``).

The pipeline, all tonic transforms (tonic is imported only when events are binned):

1. ``CropTime(min=t_start_us, max=t_end_us)`` keeps the time window; events at exactly
   ``t_end_us`` are then dropped too, so the window is half-open ``[t_start_us, t_end_us)``.
2. ``Denoise(filter_time=denoise_filter_us)`` (optional), at the native resolution.
3. ``Downsample(spatial_factor=1 / downsample)``: pixel ``x`` goes to ``x // downsample``.
4. ``MergePolarities()`` (optional): all events in one channel.
5. ``ToFrame(time_window=(t_end - t_start) / n_time_bins, start_time=t_start, ...)``:
   fixed bins in absolute time, identical for every sample (``ToFrame(n_time_bins=...)``
   would stretch the bins over each sample's own duration and drop its last events).

Without ``t_end_us`` the window of a sample is ``[t_start_us, last event + 1 us)``, so the
bins stretch with the recording's length.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.validate import instance, real

#: Bumped whenever the binning output for the same settings changes; part of ``cache_key``.
BINNING_FORMAT_VERSION = 1

_TONIC_HINT = "install the optional data dependencies: pip install 'lava-stllr[data]'"


def import_tonic() -> Any:
    """Import and return the ``tonic`` module, with an install hint when it is missing."""
    try:
        import tonic
    except ImportError as err:  # pragma: no cover - tonic is installed in the dev setup
        raise ImportError(f"reading event data needs tonic (>=1.7,<1.8): {_TONIC_HINT}") from err
    return tonic


@dataclass(frozen=True)
class BinningConfig:
    """Settings that turn an event recording into a ``(T, D)`` count tensor.

    Parameters
    ----------
    sensor_size : tuple of 3 ints
        Native sensor size ``(W, H, P)`` in tonic's order (N-MNIST ``(34, 34, 2)``,
        DVS Gesture ``(128, 128, 2)``, SHD ``(700, 1, 1)``).
    n_time_bins : int
        Number of time bins ``T`` (>= 1).
    t_start_us : int
        Start of the time window in microseconds (>= 0); earlier events are dropped.
    t_end_us : int, optional
        End of the (half-open) time window in microseconds (> ``t_start_us``); later
        events are dropped. ``None``: each sample's window ends just after its last event.
    downsample : int
        Spatial downsampling factor (>= 1): pixel ``(x, y)`` goes to
        ``(x // downsample, y // downsample)``, the frame to ``ceil(W / downsample)`` by
        ``ceil(H / downsample)``.
    denoise_filter_us : float, optional
        If set (> 0), tonic's ``Denoise`` drops events with no event in a neighbouring pixel
        within this many microseconds (applied at native resolution). Slow: a Python loop.
    merge_polarities : bool
        Count both polarities in a single channel (``C = 1``) instead of ``C = P``.
    max_count : int, optional
        If set (>= 1), counts per bin and input are clipped to it; ``1`` gives binary
        spikes (what a spiking source or a Lava ``Dense`` without graded messages sends).
    """

    sensor_size: tuple[int, int, int] = (34, 34, 2)
    n_time_bins: int = 25
    t_start_us: int = 0
    t_end_us: int | None = 300_000
    downsample: int = 2
    denoise_filter_us: float | None = None
    merge_polarities: bool = False
    max_count: int | None = None

    def __post_init__(self) -> None:
        size = self.sensor_size
        if not isinstance(size, (tuple, list)) or len(size) != 3:
            raise ValueError(f"sensor_size must be a tuple (W, H, P) of 3 ints >= 1, got {size!r}")
        size = tuple(
            validate.whole(f"sensor_size[{i}] ({axis})", v, 1)
            for i, (axis, v) in enumerate(zip("WHP", size, strict=True))
        )
        object.__setattr__(self, "sensor_size", size)
        object.__setattr__(self, "n_time_bins", validate.whole("n_time_bins", self.n_time_bins, 1))
        object.__setattr__(self, "t_start_us", validate.whole("t_start_us", self.t_start_us, 0))
        if self.t_end_us is not None:
            t_end = validate.whole("t_end_us", self.t_end_us, self.t_start_us + 1)
            object.__setattr__(self, "t_end_us", t_end)
        object.__setattr__(self, "downsample", validate.whole("downsample", self.downsample, 1))
        if self.denoise_filter_us is not None:
            f = real("denoise_filter_us", self.denoise_filter_us, 0.0, lo_open=True)
            object.__setattr__(self, "denoise_filter_us", f)
        merge = instance("merge_polarities", self.merge_polarities, (bool, np.bool_))
        object.__setattr__(self, "merge_polarities", bool(merge))
        if self.max_count is not None:
            object.__setattr__(self, "max_count", validate.whole("max_count", self.max_count, 1))

    @property
    def frame_shape(self) -> tuple[int, int, int]:
        """Output frame shape ``(C, H, W)`` after downsampling and polarity merging."""
        w, h, p = self.sensor_size
        d = self.downsample
        return (1 if self.merge_polarities else p, -(-h // d), -(-w // d))

    @property
    def n_inputs(self) -> int:
        """Flattened input size ``D = C * H * W``."""
        c, h, w = self.frame_shape
        return c * h * w

    @property
    def n_steps(self) -> int:
        """Number of time steps ``T`` (same as ``n_time_bins``)."""
        return self.n_time_bins

    def to_dict(self) -> dict[str, Any]:
        """The settings as a JSON-serialisable dictionary."""
        d = dataclasses.asdict(self)
        d["sensor_size"] = list(self.sensor_size)
        return d

    def cache_key(self) -> str:
        """A stable string identifying these settings and the binning format version.

        Equal configurations give equal keys across processes and machines; any change
        of a setting (or of ``BINNING_FORMAT_VERSION``) gives a different key.
        """
        payload = json.dumps(
            {"format": BINNING_FORMAT_VERSION, "config": self.to_dict()},
            sort_keys=True,
            separators=(",", ":"),
        )
        digest = hashlib.sha256(payload.encode()).hexdigest()[:16]
        return f"bin-v{BINNING_FORMAT_VERSION}-{digest}"


#: Default for N-MNIST: the first 300 ms (one recording is ~300-315 ms, three saccades)
#: in 25 bins of 12 ms, 34x34 downsampled by 2 to 17x17, 2 polarity channels:
#: ``(T, D) = (25, 578)``. No denoising (N-MNIST is clean and ``Denoise`` is slow).
NMNIST_DEFAULT_CONFIG = BinningConfig(
    sensor_size=(34, 34, 2), n_time_bins=25, t_start_us=0, t_end_us=300_000, downsample=2
)

#: Default for DVS Gesture: the first 1.5 s in 30 bins of 50 ms, 128x128 downsampled by 4
#: to 32x32, 2 polarities: ``(T, D) = (30, 2048)``. Not tuned.
DVSGESTURE_DEFAULT_CONFIG = BinningConfig(
    sensor_size=(128, 128, 2), n_time_bins=30, t_start_us=0, t_end_us=1_500_000, downsample=4
)

#: Default for SHD: the first 1 s in 100 bins of 10 ms, all 700 channels, one polarity:
#: ``(T, D) = (100, 700)``. Not tuned.
SHD_DEFAULT_CONFIG = BinningConfig(
    sensor_size=(700, 1, 1),
    n_time_bins=100,
    t_start_us=0,
    t_end_us=1_000_000,
    downsample=1,
    merge_polarities=True,
)


def config_for_sensor(
    config: BinningConfig | None,
    default: BinningConfig,
    sensor_size: tuple[int, int, int],
    dataset: str,
) -> BinningConfig:
    """``config`` (``default`` when ``None``), checked against a dataset's sensor.

    Parameters
    ----------
    config : BinningConfig or None
        The settings asked for.
    default : BinningConfig
        Used when ``config`` is ``None``.
    sensor_size : tuple of 3 ints
        The dataset's native sensor ``(W, H, P)`` (pixels, pixels, polarities).
    dataset : str
        Name of the dataset, for the message.

    Raises
    ------
    ValueError
        If ``config`` is not a ``BinningConfig`` or its ``sensor_size`` differs.
    """
    config = instance("config", default if config is None else config, BinningConfig)
    if config.sensor_size != tuple(sensor_size):
        raise ValueError(
            f"config.sensor_size must be {tuple(sensor_size)} for {dataset}, "
            f"got {config.sensor_size}"
        )
    return config


def validate_events(events: np.ndarray, config: BinningConfig) -> None:
    """Check that ``events`` can be binned with ``config``; raise ``ValueError`` otherwise.

    Checks: a structured array with integer fields ``x``, ``p`` (or bool ``p``), a numeric
    field ``t`` (and an integer ``y`` unless the sensor height is 1), at least one event,
    non-decreasing finite non-negative timestamps,
    ``0 <= x < W``, ``0 <= y < H`` and, without ``merge_polarities``, ``0 <= p < P``.
    """
    if not isinstance(events, np.ndarray) or events.dtype.names is None:
        raise ValueError(
            "events must be a structured numpy array with fields x, y, t, p; got "
            f"{type(events).__name__} with dtype {getattr(events, 'dtype', None)}"
        )
    if events.ndim != 1:
        raise ValueError(f"events must be a 1-D structured array, got shape {events.shape}")
    w, h, p = config.sensor_size
    needed = ("x", "y", "t", "p") if h > 1 else ("x", "t", "p")
    missing = [f for f in needed if f not in events.dtype.names]
    if missing:
        raise ValueError(
            f"events lack field(s) {missing}; need {list(needed)}, got {list(events.dtype.names)}"
        )
    if "y" in events.dtype.names and "y" not in needed:
        needed = ("x", "y", "t", "p")
    for name in needed:
        kind = events.dtype[name].kind
        allowed = "iuf" if name == "t" else ("biu" if name == "p" else "iu")
        if kind not in allowed:
            what = "a numeric" if name == "t" else "an integer"
            raise ValueError(
                f"events field {name!r} must have {what} dtype, got {events.dtype[name]}"
            )
    if events.shape[0] == 0:
        raise ValueError("events are empty: a recording needs at least one event")
    t = events["t"]
    if not np.all(np.isfinite(t)):
        raise ValueError("event timestamps contain NaN or Inf")
    if t.min() < 0:
        raise ValueError(f"event timestamps must be >= 0 (microseconds), got min {t.min()}")
    if events.shape[0] > 1:
        dt = np.diff(t)
        if np.any(dt < 0):
            i = int(np.flatnonzero(dt < 0)[0])
            raise ValueError(
                "event timestamps must be non-decreasing; "
                f"t[{i}] = {t[i]} > t[{i + 1}] = {t[i + 1]}"
            )
    axes = [("x", w, "W")] + ([("y", h, "H")] if "y" in needed else [])
    if not config.merge_polarities:
        axes.append(("p", p, "P"))
    for name, size, label in axes:
        v = events[name]
        if v.dtype.kind == "b":
            v = v.astype(np.int64)
        lo, hi = v.min(), v.max()
        if lo < 0 or hi >= size:
            raise ValueError(
                f"event {name} must be in [0, {size}) for sensor_size {config.sensor_size} "
                f"({label} = {size}), got range [{lo}, {hi}]"
            )


def bin_events(events: np.ndarray, config: BinningConfig) -> np.ndarray:
    """Bin one event recording into a float32 count tensor of shape ``(T, D)``.

    Parameters
    ----------
    events : structured array
        Fields ``x``, ``y``, ``t`` (microseconds), ``p`` (``y`` may be absent for a
        sensor of height 1, as in SHD), sorted by time. Not modified.
    config : BinningConfig
        The binning settings.

    Returns
    -------
    np.ndarray of float32, shape ``(config.n_time_bins, config.n_inputs)``
        Event counts per bin and input, in C order of ``(C, H, W)`` frames. Its sum is
        the number of events in ``[t_start_us, t_end_us)`` that survive denoising (unless
        ``max_count`` clips them).

    Raises
    ------
    ValueError
        If the events fail :func:`validate_events`.
    """
    validate_events(events, config)
    transforms = import_tonic().transforms
    n_bins = config.n_time_bins
    t_start = config.t_start_us
    t_end = config.t_end_us if config.t_end_us is not None else float(events["t"][-1]) + 1
    out = np.zeros((n_bins, config.n_inputs), dtype=np.float32)
    if t_end <= t_start:  # only possible without t_end_us: every event precedes the window
        return out

    events = transforms.CropTime(min=t_start, max=t_end)(events)
    events = events[events["t"] < t_end]  # CropTime keeps t == max; the window is half-open
    if config.denoise_filter_us is not None and events.shape[0] > 0:
        events = transforms.Denoise(filter_time=config.denoise_filter_us)(events)
    if events.shape[0] == 0:
        return out
    if config.downsample > 1:
        events = transforms.Downsample(spatial_factor=1.0 / config.downsample)(events)
    if config.merge_polarities:
        events = transforms.MergePolarities()(events)
    c, h_out, w_out = config.frame_shape
    bin_width = (t_end - t_start) / n_bins
    to_frame = transforms.ToFrame(
        sensor_size=(w_out, h_out, c),
        time_window=bin_width,
        start_time=t_start,
        # Half a bin of slack so that float rounding cannot lose the last bin; the bins
        # themselves still end at t_start + n_bins * bin_width = t_end.
        end_time=t_start + (n_bins + 0.5) * bin_width,
    )
    frames = to_frame(events)
    # Every kept event lies in exactly one bin, so the counts must add up; a mismatch would
    # mean a tonic behaviour change (or overflow of ToFrame's int16 counts).
    if (
        frames.shape[0] != n_bins
        or int(np.prod(frames.shape[1:])) != config.n_inputs
        or int(frames.sum(dtype=np.int64)) != events.shape[0]
    ):
        raise RuntimeError(  # pragma: no cover - guards against a tonic behaviour change
            f"tonic ToFrame returned frames of shape {frames.shape} holding "
            f"{int(frames.sum(dtype=np.int64))} events, expected ({n_bins}, {c}, {h_out}, "
            f"{w_out}) holding {events.shape[0]}"
        )
    out[:] = frames.reshape(n_bins, -1)
    if config.max_count is not None:
        np.minimum(out, config.max_count, out=out)
    return out
