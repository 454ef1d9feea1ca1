"""The embedded default dataset: synthetic moving-bar events, generated in code.

Each sample is one bar sweeping across a small square event sensor, written as a
tonic-style structured event array (fields ``x, y, t, p``; ``t`` in microseconds)
and binned to a spike-count tensor of shape ``(n_steps, 2 * side * side)``.

The classes are the motion directions of the bar:

====  ====================  ==========================
 id   bar                   motion
====  ====================  ==========================
 0    vertical              right (``x`` increasing)
 1    vertical              left (``x`` decreasing)
 2    horizontal            down (``y`` increasing)
 3    horizontal            up (``y`` decreasing)
====  ====================  ==========================

(``n_classes`` = 2 or 3 keeps the first classes.) The bar always crosses the whole
sensor, its placement along its own length is drawn independently of the direction,
and every event gets a random polarity, so the map of total event counts per pixel
(time collapsed) has the same distribution for opposite directions: direction is
carried only by the temporal order of the events. A linear classifier on those count
maps can tell at most the orientation (about 50 % accuracy with 4 classes, see
:func:`lava_stllr.data.diagnostics.count_classifier_accuracy`), whereas the same
classifier on the time-resolved counts reaches high accuracy
(:func:`lava_stllr.data.diagnostics.time_resolved_classifier_accuracy`).

Everything is drawn from ``np.random.default_rng(seed)``: the same seed gives the same
bits, with no files and no network.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lava_stllr import validate
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.validate import real

__all__ = [
    "CLASS_NAMES",
    "EVENT_DTYPE",
    "SyntheticConfig",
    "bin_synthetic",
    "make_synthetic_events",
    "synthetic_dataset",
    "synthetic_train_val",
]

#: Structured dtype of one event: pixel column ``x``, pixel row ``y``, time ``t`` in
#: microseconds, polarity ``p`` (0 = OFF, 1 = ON); the field names of tonic's datasets.
EVENT_DTYPE = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", np.int8)])

#: Names of the classes, indexed by label.
CLASS_NAMES: tuple[str, ...] = ("right", "left", "down", "up")

_N_POLARITIES = 2
# Stream indices mixed with the user seed for the train and validation splits.
_TRAIN_STREAM = 0
_VAL_STREAM = 1


@dataclass(frozen=True)
class SyntheticConfig:
    """Parameters of the synthetic moving-bar event dataset (validated on construction).

    Parameters
    ----------
    n_classes : int
        Number of motion classes, in ``[2, 4]`` (see :data:`CLASS_NAMES`).
    side : int
        Sensor width and height in pixels, in ``[4, 128]``. The sensor has two
        polarities, so a sample has ``2 * side**2`` inputs.
    n_steps : int
        Number of time steps (bins) ``T`` of a sample, in ``[2, 10000]``.
    step_us : int
        Duration of one time step in microseconds, in ``[1, 10**7]``; a sample lasts
        ``n_steps * step_us`` microseconds.
    speed_range : tuple of float
        ``(low, high)`` bounds of the uniform per-sample bar speed, in pixels per time
        step, with ``0 < low <= high <= side``. The bar must cross the sensor within
        the sample, so ``side / low <= n_steps`` is required.
    bar_length_range : tuple of int
        ``(low, high)`` bounds (inclusive) of the uniform per-sample bar length in
        pixels, with ``1 <= low <= high <= side``. The bar's offset along its own
        axis is uniform over the positions that keep it inside the sensor.
    events_per_pixel : float
        Mean number of events (Poisson) emitted by each bar pixel as the bar passes
        over one sensor pixel, in ``(0, 100]``.
    position_jitter : float
        Probability in ``[0, 1]`` that a bar event is moved by one pixel (either way,
        with equal chance) along the motion axis; moved events falling off the sensor
        are clamped to its edge.
    noise_rate_hz : float
        Rate of uniformly distributed background events, in events per pixel per
        second (both polarities together), in ``[0, 10**6]``.
    """

    n_classes: int = 4
    side: int = 16
    n_steps: int = 24
    step_us: int = 1000
    speed_range: tuple[float, float] = (0.8, 1.6)
    bar_length_range: tuple[int, int] = (8, 16)
    events_per_pixel: float = 1.5
    position_jitter: float = 0.2
    noise_rate_hz: float = 20.0

    def __post_init__(self) -> None:
        for name, lo, hi in (("n_classes", 2, len(CLASS_NAMES)), ("side", 4, 128),
                             ("n_steps", 2, 10_000), ("step_us", 1, 10**7)):
            object.__setattr__(self, name, validate.whole(name, getattr(self, name), lo, hi))
        side = self.side
        if len(self.speed_range) != 2:
            raise ValueError(f"speed_range must be a (low, high) pair, got {self.speed_range!r}")
        low = real("speed_range low", self.speed_range[0], 0.0, side, lo_open=True)
        real("speed_range high", self.speed_range[1], low, side)
        if side / low > self.n_steps:
            raise ValueError(
                f"speed_range low must be >= side / n_steps = {side / self.n_steps:g} "
                f"pixels per step so that the bar crosses the sensor within the sample, "
                f"got {low!r}"
            )
        if len(self.bar_length_range) != 2:
            raise ValueError(
                f"bar_length_range must be a (low, high) pair, got {self.bar_length_range!r}"
            )
        lo_len = validate.whole("bar_length_range low", self.bar_length_range[0], 1, side)
        validate.whole("bar_length_range high", self.bar_length_range[1], lo_len, side)
        real("events_per_pixel", self.events_per_pixel, 0.0, 100.0, lo_open=True)
        real("position_jitter", self.position_jitter, 0.0, 1.0)
        real("noise_rate_hz", self.noise_rate_hz, 0.0, 1e6)

    @property
    def n_inputs(self) -> int:
        """Number of inputs ``D = 2 * side * side`` of a binned sample."""
        return _N_POLARITIES * self.side * self.side

    @property
    def sensor_size(self) -> tuple[int, int, int]:
        """Tonic-style sensor size ``(width, height, polarities)``."""
        return (self.side, self.side, _N_POLARITIES)

    @property
    def duration_us(self) -> int:
        """Duration of one sample in microseconds, ``n_steps * step_us``."""
        return self.n_steps * self.step_us


def _one_sample(label: int, rng: np.random.Generator, config: SyntheticConfig) -> np.ndarray:
    """Events of one moving-bar sample of class ``label``, sorted by time."""
    side = config.side
    speed = rng.uniform(*config.speed_range)  # pixels per step
    crossing_steps = side / speed
    onset = rng.uniform(0.0, max(config.n_steps - crossing_steps, 0.0))  # steps
    length = int(rng.integers(config.bar_length_range[0], config.bar_length_range[1] + 1))
    offset = int(rng.integers(0, side - length + 1))

    # Poisson events per (position along the motion, pixel along the bar).
    counts = rng.poisson(config.events_per_pixel, size=(side, length))
    n_bar = int(counts.sum())
    along, across = np.nonzero(counts)
    reps = counts[along, across]
    along = np.repeat(along, reps)  # order in which the bar reaches the position
    across = np.repeat(across, reps) + offset
    # The bar covers motion position k during [onset + k/v, onset + (k+1)/v) steps.
    t_steps = onset + (along + rng.random(n_bar)) / speed
    if label % 2 == 1:  # left / up: the bar starts at the far edge
        along = side - 1 - along
    if config.position_jitter > 0:
        moved = rng.random(n_bar) < config.position_jitter
        shift = np.where(rng.random(n_bar) < 0.5, -1, 1) * moved
        along = np.clip(along + shift, 0, side - 1)
    if label < 2:  # vertical bar moving along x
        bar_x, bar_y = along, across
    else:  # horizontal bar moving along y
        bar_x, bar_y = across, along
    bar_p = rng.integers(0, _N_POLARITIES, size=n_bar)

    duration = config.duration_us
    n_noise = int(rng.poisson(config.noise_rate_hz * side * side * duration * 1e-6))
    noise_x = rng.integers(0, side, size=n_noise)
    noise_y = rng.integers(0, side, size=n_noise)
    noise_t = rng.integers(0, duration, size=n_noise)
    noise_p = rng.integers(0, _N_POLARITIES, size=n_noise)

    events = np.empty(n_bar + n_noise, dtype=EVENT_DTYPE)
    events["x"] = np.concatenate([bar_x, noise_x])
    events["y"] = np.concatenate([bar_y, noise_y])
    bar_t = np.clip(np.floor(t_steps * config.step_us), 0, duration - 1).astype(np.int64)
    events["t"] = np.concatenate([bar_t, noise_t])
    events["p"] = np.concatenate([bar_p, noise_p])
    return events[np.argsort(events["t"], kind="stable")]


def make_synthetic_events(
    n_samples: int, seed: int, config: SyntheticConfig | None = None
) -> tuple[list[np.ndarray], np.ndarray]:
    """Generate moving-bar event recordings.

    Parameters
    ----------
    n_samples : int
        Number of samples, ``>= 1``.
    seed : int
        Seed of ``np.random.default_rng``; the same seed (and config) gives the same
        bits.
    config : SyntheticConfig, optional
        Dataset parameters; defaults to ``SyntheticConfig()``.

    Returns
    -------
    events : list of structured arrays
        One array per sample with dtype :data:`EVENT_DTYPE` (``x``, ``y`` pixel
        coordinates in ``[0, side)``, ``t`` in microseconds in
        ``[0, n_steps * step_us)``, polarity ``p`` in ``{0, 1}``), sorted by ``t``.
    labels : int64 array of shape (n_samples,)
        Class of each sample. Every class gets ``n_samples // n_classes`` or one more
        samples (round-robin), in a seeded random order.
    """
    config = SyntheticConfig() if config is None else config
    n_samples = validate.whole("n_samples", n_samples, 1)
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n_samples, dtype=np.int64) % config.n_classes)
    events = [_one_sample(int(label), rng, config) for label in labels]
    return events, labels


def bin_synthetic(
    events_list: Sequence[np.ndarray], config: SyntheticConfig | None = None
) -> np.ndarray:
    """Bin event arrays into spike-count tensors on the config's time grid.

    Event ``e`` is counted in step ``e.t // step_us`` and input
    ``(e.p * side + e.y) * side + e.x``, i.e. the inputs are the ``(P, H, W)`` frame of
    tonic's ``ToFrame`` flattened in C order.

    Parameters
    ----------
    events_list : sequence of structured arrays
        Events with fields ``x``, ``y``, ``t`` (microseconds), ``p``.
    config : SyntheticConfig, optional
        Gives ``side``, ``n_steps`` and ``step_us``; defaults to ``SyntheticConfig()``.

    Returns
    -------
    float32 array of shape (N, n_steps, 2 * side * side)
        Number of events per sample, step and input.

    Raises
    ------
    ValueError
        If an event lies outside the sensor, has a polarity other than 0 or 1, or a
        time outside ``[0, n_steps * step_us)``.
    """
    config = SyntheticConfig() if config is None else config
    side, n_steps, n_inputs = config.side, config.n_steps, config.n_inputs
    out = np.zeros((len(events_list), n_steps, n_inputs), dtype=np.float32)
    for i, ev in enumerate(events_list):
        x = np.asarray(ev["x"], dtype=np.int64)
        y = np.asarray(ev["y"], dtype=np.int64)
        t = np.asarray(ev["t"], dtype=np.int64)
        p = np.asarray(ev["p"], dtype=np.int64)
        if x.size == 0:
            continue
        for name, values, high in (
            ("x", x, side),
            ("y", y, side),
            ("p", p, _N_POLARITIES),
            ("t", t, config.duration_us),
        ):
            if values.min() < 0 or values.max() >= high:
                raise ValueError(
                    f"sample {i}: event field {name} must be in [0, {high}), got range "
                    f"[{values.min()}, {values.max()}]"
                )
        flat = (t // config.step_us) * n_inputs + (p * side + y) * side + x
        out[i] = np.bincount(flat, minlength=n_steps * n_inputs).reshape(n_steps, n_inputs)
    return out


def synthetic_dataset(
    n_samples: int, seed: int, config: SyntheticConfig | None = None
) -> ArrayDataset:
    """Generate and bin ``n_samples`` moving-bar samples into an :class:`ArrayDataset`.

    Parameters
    ----------
    n_samples : int
        Number of samples.
    seed : int
        Seed of the generator (see :func:`make_synthetic_events`).
    config : SyntheticConfig, optional
        Dataset parameters; defaults to ``SyntheticConfig()``.

    Returns
    -------
    ArrayDataset
        Float32 event counts of shape ``(n_samples, n_steps, 2 * side * side)`` with
        ``n_classes = config.n_classes``.
    """
    config = SyntheticConfig() if config is None else config
    events, labels = make_synthetic_events(n_samples, seed, config)
    return ArrayDataset(bin_synthetic(events, config), labels, config.n_classes)


def _stream_seed(seed: int, stream: int) -> int:
    """An integer seed for sub-stream ``stream`` of ``seed``, independent of the others."""
    return int(np.random.SeedSequence([int(seed), stream]).generate_state(1, np.uint64)[0])


def synthetic_train_val(
    n_train: int = 600,
    n_val: int = 200,
    seed: int = 0,
    config: SyntheticConfig | None = None,
) -> tuple[ArrayDataset, ArrayDataset]:
    """Generate a training and a held-out validation set from independent streams.

    The two sets are drawn with the seeds ``SeedSequence([seed, 0])`` and
    ``SeedSequence([seed, 1])``, so they share no samples and changing ``n_train``
    does not change the validation set.

    Parameters
    ----------
    n_train, n_val : int
        Number of training and validation samples.
    seed : int
        Base seed.
    config : SyntheticConfig, optional
        Dataset parameters; defaults to ``SyntheticConfig()``.

    Returns
    -------
    train, val : ArrayDataset
    """
    config = SyntheticConfig() if config is None else config
    train = synthetic_dataset(n_train, _stream_seed(seed, _TRAIN_STREAM), config)
    val = synthetic_dataset(n_val, _stream_seed(seed, _VAL_STREAM), config)
    return train, val


def synthetic_split(split: str, n_samples: int, seed: int,
                    config: SyntheticConfig | None = None) -> ArrayDataset:
    """``n_samples`` of the ``"train"`` or ``"test"`` split: the training or the
    validation stream of :func:`synthetic_train_val` (so both give the same samples)."""
    from lava_stllr.validate import choice

    stream = {"train": _TRAIN_STREAM, "test": _VAL_STREAM}[choice("split", split,
                                                                  ("train", "test"))]
    return synthetic_dataset(n_samples, _stream_seed(seed, stream), config)
