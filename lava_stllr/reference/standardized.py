"""The raw weights and gains behind a trainer's weight-standardized layers.

With weight standardization (:mod:`lava_stllr.core.standardize`) the trainer's
``weights`` are the *folded* ones, ``w_hat = standardize(raw, gain)``: the forward pass,
evaluation, saving, Lava, netx and NIR all see plain weights. This object keeps ``raw``
and ``gain`` of the standardized layers and turns an update with respect to ``w_hat``
into one of ``raw`` and ``gain`` (the optimizer steps those), then folds again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lava_stllr.core.standardize import gain_of_folded, standardize, standardize_grad


class Standardization:
    """Raw weights and gains of layers ``layers`` of a weight list.

    Parameters
    ----------
    weights : list of arrays
        The trainer's weights (``Weights.arrays()``); the standardized ones are
        overwritten in place with their fold.
    layers : sequence of int
        Indices into ``weights`` of the standardized layers (axis 0 of each: outputs).
    folded : bool
        False: ``weights`` are raw weights (a new network), every gain 1. True: they are
        folded weights taken up again (``--init``, loading): ``raw = w`` and ``gain`` the
        row norm of the centred ``w``, so the fold gives ``w`` back (its rows centred).
    """

    def __init__(self, weights: list[np.ndarray], layers: Sequence[int], folded: bool):
        self.layers = tuple(int(i) for i in layers)
        self.raw = {i: weights[i].copy() for i in self.layers}
        self.gain = {i: (gain_of_folded(w) if folded else np.ones(w.shape[0])).astype(
            w.dtype) for i, w in ((i, weights[i]) for i in self.layers)}
        self.fold_into(weights)

    def fold_into(self, weights: list[np.ndarray]) -> None:
        """Write ``standardize(raw, gain)`` into the standardized entries of ``weights``."""
        for i in self.layers:
            weights[i][...] = standardize(self.raw[i], self.gain[i])

    def step(self, optimizer: Any, weights: list[np.ndarray],
             grads: list[np.ndarray]) -> None:
        """One optimizer step from ``grads`` (with respect to the folded ``weights``): the
        standardized layers' updates go through :func:`standardize_grad` to their raw
        weights and gains, the others to ``weights`` directly; then fold again."""
        params, updates = list(weights), list(grads)
        for i in self.layers:
            grad_w, grad_gain = standardize_grad(grads[i], self.raw[i], self.gain[i])
            params[i], updates[i] = self.raw[i], grad_w
            params.append(self.gain[i])
            updates.append(grad_gain)
        optimizer.step(params, updates)
        self.fold_into(weights)


__all__ = ["Standardization"]
