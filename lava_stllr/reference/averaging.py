"""Weight averaging over the last epochs of training (stochastic weight averaging,
Izmailov et al., *Averaging weights leads to wider optima and better generalization*,
UAI 2018): the weights a run ends with are the mean of its last epochs' weights, which
smooths the epoch-to-epoch swings of the held-out accuracy."""

from __future__ import annotations

import numpy as np

from lava_stllr.spec.network import Weights


class WeightAverage:
    """Mean of the weights at the end of every epoch from ``first_epoch`` (from 0) on,
    ``W = (1/N) sum_e W_e`` over those ``N`` epochs, summed in float64.

    Parameters
    ----------
    first_epoch : int
        The first epoch (from 0) whose end-of-epoch weights count.
    """

    def __init__(self, first_epoch: int) -> None:
        self.first_epoch = first_epoch
        self.count = 0
        self.sums: Weights | None = None

    def add(self, epoch: int, weights: Weights) -> None:
        """Count ``weights``, those at the end of epoch ``epoch`` (from 0), if that epoch
        is ``first_epoch`` or later."""
        if epoch < self.first_epoch:
            return
        self.count += 1
        if self.sums is None:
            self.sums = Weights([w.astype(np.float64) for w in weights.feedforward],
                                [w.astype(np.float64) for w in weights.recurrent])
            return
        for total, w in zip(self.sums.arrays(), weights.arrays(), strict=True):
            total += w

    def weights(self) -> Weights:
        """The mean so far (float64)."""
        if self.sums is None:
            raise ValueError("no epoch's weights were averaged yet")
        return Weights([w / self.count for w in self.sums.feedforward],
                       [w / self.count for w in self.sums.recurrent])
