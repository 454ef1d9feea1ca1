"""Random shifts of event frames: the shift itself, the per-epoch draws, bad input."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset, CheckedDataset, epoch_data, iter_batches
from lava_stllr.data.frame_shifts import RandomShifts, shift_frames

SHAPE = (2, 5, 7)  # wider than high: swapping the axes cannot go unnoticed


def _naive_shift(spikes, shape, dy, dx):
    """x'[t, c, y, x] = x[t, c, y - dy, x - dx], element by element."""
    c, h, w = shape
    frames = spikes.reshape(-1, c, h, w)
    out = np.zeros_like(frames)
    for t, k, y, x in np.ndindex(*out.shape):
        if 0 <= y - dy < h and 0 <= x - dx < w:
            out[t, k, y, x] = frames[t, k, y - dy, x - dx]
    return out.reshape(spikes.shape)


def _dataset(n=12, seed=0):
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, 3, int(np.prod(SHAPE)))) < 0.3).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % 4, n_classes=4)


@pytest.mark.parametrize("dy, dx", [(0, 0), (1, -2), (-3, 4), (4, 6), (-5, 0), (0, -7)])
def test_a_shift_moves_every_event_and_drops_those_off_the_frame(dy, dx):
    x = _dataset()[0][0]
    assert np.array_equal(shift_frames(x, SHAPE, dy, dx), _naive_shift(x, SHAPE, dy, dx))


def test_the_same_seed_draws_the_same_shifts_and_each_epoch_its_own():
    data = _dataset(200)
    a, b = RandomShifts(data, SHAPE, 2, seed=3), RandomShifts(data, SHAPE, 2, seed=3)
    assert np.array_equal(a.shifts(1), b.shifts(1))
    assert not np.array_equal(a.shifts(0), a.shifts(1))
    assert not np.array_equal(a.shifts(1), RandomShifts(data, SHAPE, 2, seed=4).shifts(1))
    # every shift in {-2, ..., 2} per axis, each drawn
    assert set(np.unique(a.shifts(0))) == {-2, -1, 0, 1, 2}


def test_an_epoch_reads_each_sample_shifted_by_its_draw():
    data = _dataset()
    shifted = RandomShifts(data, SHAPE, 3, seed=0)
    epoch = epoch_data(shifted, 2)
    for i, (dy, dx) in enumerate(shifted.shifts(2)):
        x, label = epoch[i]
        assert label == data[i][1]
        assert np.array_equal(x, _naive_shift(data[i][0], SHAPE, dy, dx))
    assert np.array_equal(shifted[5][0], epoch_data(shifted, 0)[5][0])  # the set: epoch 0
    x, labels = next(iter_batches(epoch, 4, shuffle=True, seed=0))
    assert x.shape == (4, 3, int(np.prod(SHAPE))) and x.sum() > 0
    assert np.array_equal(shifted.labels, data.labels) and len(shifted) == len(data)


@pytest.mark.parametrize("shape, max_shift, message", [
    ((2, 5, 6), 1, "holds 60 inputs, the dataset has 70"),
    ((2, 5), 1, "frame_shape must be (C, H, W)"),
    (SHAPE, 0, "max_shift"),
    (SHAPE, 5, "max_shift"),  # the whole height
])
def test_bad_shapes_and_shifts_are_refused(shape, max_shift, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        RandomShifts(_dataset(), shape, max_shift, seed=0)


def test_a_checked_view_checks_every_epochs_samples():
    class Broken(RandomShifts):
        def for_epoch(self, epoch):
            view = super().for_epoch(epoch)
            view.n_inputs += 1  # samples no longer of the declared shape
            return view

    checked = CheckedDataset(Broken(_dataset(), SHAPE, 1, seed=0))
    with pytest.raises(ValueError, match="spikes must have shape"):
        epoch_data(checked, 1)[0]
