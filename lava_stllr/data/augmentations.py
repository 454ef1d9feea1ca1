"""What ``train --augment`` does to a dataset's training samples.

Held-out samples are never augmented (:func:`~lava_stllr.data.registry.load_train_val`).
"""

from __future__ import annotations

from typing import Any

#: The largest random shift of a frame sample, in pixels of the binned frame. Chosen with
#: ``train --tune`` on the N-MNIST conv network at full resolution (34x34): up to 1 pixel
#: validated at 0.938, 2 pixels at 0.906, none at 0.925-0.931 (docs/results.md, "Random
#: shifts and weight averaging").
DEFAULT_MAX_SHIFT = 1


def audio_copies(train: Any, request: Any, binning: Any) -> Any:
    """Heidelberg Digits: every recording and four warped copies of it
    (:func:`~lava_stllr.data.heidelberg_digits.augmented`)."""
    from lava_stllr.data.heidelberg_digits import augmented

    return augmented(train)


def frame_shifts(train: Any, request: Any, binning: Any) -> Any:
    """Event frames binned with ``binning``: every sample moved by a random shift of at
    most ``request.max_shift`` pixels per axis, drawn anew every epoch from
    ``request.seed`` (:class:`~lava_stllr.data.frame_shifts.RandomShifts`)."""
    from lava_stllr.data.frame_shifts import RandomShifts

    max_shift = DEFAULT_MAX_SHIFT if request.max_shift is None else request.max_shift
    return RandomShifts(train, binning.frame_shape, max_shift, seed=request.seed)
