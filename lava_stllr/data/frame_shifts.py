"""Random shifts of event frames, drawn anew every epoch: translation augmentation.

An event camera's digit or gesture may sit a few pixels off where the training recordings
put it; a network trained on few recordings learns their positions too (the conv network
on 800 N-MNIST recordings fits them to 0.99 and scores 0.92 on others). Every epoch ``e``
moves each training sample ``i`` by a whole-pixel shift ``(dy, dx)``, each uniform in
``{-max_shift, ..., max_shift}``, drawn from ``np.random.default_rng([seed, e])``:

    x'[t, c, y, x] = x[t, c, y - dy, x - dx]   (0 where ``(y - dy, x - dx)`` is off the frame)

Events shifted off the frame are dropped, and nothing enters from outside. Every step of a
sample moves by the same shift (a sensor that sits elsewhere, not a moving target). The
samples are shifted when they are read, so an epoch costs no memory of its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr import validate


def shift_frames(spikes: np.ndarray, frame_shape: tuple[int, int, int], dy: int,
                 dx: int) -> np.ndarray:
    """``spikes`` ``(T, C*H*W)`` (frames flattened in C order) moved ``dy`` pixels down and
    ``dx`` right, zero where the shift leaves no event: ``x'[t, c, y, x] = x[t, c, y - dy,
    x - dx]``."""
    c, h, w = frame_shape
    frames = spikes.reshape(spikes.shape[0], c, h, w)
    out = np.zeros_like(frames)
    if abs(dy) < h and abs(dx) < w:
        out[:, :, max(dy, 0):h + min(dy, 0), max(dx, 0):w + min(dx, 0)] = \
            frames[:, :, max(-dy, 0):h - max(dy, 0), max(-dx, 0):w - max(dx, 0)]
    return out.reshape(spikes.shape)


class _SamplesOf:
    """The samples of ``dataset`` as another view reads them: labels and sizes are the
    dataset's (``dataset`` is also what fingerprints and groups look through)."""

    def __init__(self, dataset: Any):
        self.dataset = dataset
        self.n_classes, self.n_steps = dataset.n_classes, dataset.n_steps
        self.n_inputs = dataset.n_inputs

    @property
    def labels(self) -> np.ndarray:
        """Label of every sample (the dataset's)."""
        return np.asarray(self.dataset.labels)

    def __len__(self) -> int:
        return len(self.dataset)


class ShiftedSamples(_SamplesOf):
    """``dataset`` with sample ``i`` moved by ``shifts[i] = (dy, dx)`` pixels
    (:func:`shift_frames`) when it is read; labels and sizes are the dataset's."""

    def __init__(self, dataset: Any, frame_shape: tuple[int, int, int], shifts: np.ndarray):
        super().__init__(dataset)
        self.frame_shape = frame_shape
        self.shifts = shifts

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        spikes, label = self.dataset[index]
        dy, dx = (int(v) for v in self.shifts[index])
        return shift_frames(np.asarray(spikes), self.frame_shape, dy, dx), label


class RandomShifts(_SamplesOf):
    """A training set whose samples move by a random whole-pixel shift of at most
    ``max_shift`` pixels per axis, drawn anew for every epoch (:meth:`for_epoch`; the
    module docstring says how).

    Parameters
    ----------
    dataset : SpikeDataset
        Samples whose inputs are ``(C, H, W)`` frames flattened in C order.
    frame_shape : tuple of int
        ``(C, H, W)`` of a frame; ``C * H * W`` must be the dataset's ``n_inputs``.
    max_shift : int
        Largest shift per axis, in pixels of the frame (>= 1, below the frame's height
        and width).
    seed : int
        Seeds the draws: epoch ``e`` uses ``np.random.default_rng([seed, e])``.

    Indexing the set itself gives epoch 0's samples.
    """

    def __init__(self, dataset: Any, frame_shape: tuple[int, int, int], max_shift: int,
                 seed: int):
        if len(frame_shape) != 3:
            raise ValueError(f"frame_shape must be (C, H, W), got {frame_shape!r}")
        c, h, w = (validate.whole(f"frame_shape[{k}]", v, 1) for k, v in
                   enumerate(frame_shape))
        if c * h * w != dataset.n_inputs:
            raise ValueError(f"frame_shape {(c, h, w)} holds {c * h * w} inputs, the dataset "
                             f"has {dataset.n_inputs}")
        super().__init__(dataset)
        self.max_shift = validate.whole("max_shift", max_shift, 1, min(h, w) - 1)
        self.seed = validate.whole("seed", seed, 0)
        self.frame_shape = (c, h, w)
        self._epoch: tuple[int, ShiftedSamples] | None = None

    def __getitem__(self, index: int) -> tuple[np.ndarray, int]:
        return self.for_epoch(0)[index]

    def shifts(self, epoch: int) -> np.ndarray:
        """Epoch ``epoch``'s ``(dy, dx)`` of every sample, shape ``(n, 2)``."""
        rng = np.random.default_rng([self.seed, validate.whole("epoch", epoch, 0)])
        return rng.integers(-self.max_shift, self.max_shift + 1, size=(len(self), 2))

    def for_epoch(self, epoch: int) -> ShiftedSamples:
        """The samples as epoch ``epoch`` sees them (the last epoch's view is kept)."""
        if self._epoch is None or self._epoch[0] != epoch:
            view = ShiftedSamples(self.dataset, self.frame_shape, self.shifts(epoch))
            self._epoch = (epoch, view)
        return self._epoch[1]
