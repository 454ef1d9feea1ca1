"""What the on-chip Processes hold and send each step, in either arithmetic.

Float programs fill these with float64 arrays, the Loihi 2 programs with integers; the
step functions of :mod:`lava_stllr.onchip.steps` and the ProcessModels handle both alike.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class ThirdFactors(NamedTuple):
    """What a learning synapse receives from its post neuron each step.

    ``y1`` is the sign flag of the fixed-point rule (zeros in float), ``y2``/``y3`` the
    third factors of ``dw = u0*x1*y2 + x0*y3``, ``bap`` the post spikes (the readout has
    none: zeros).
    """

    y1: np.ndarray
    y2: np.ndarray
    y3: np.ndarray
    bap: np.ndarray

    @property
    def y(self) -> np.ndarray:
        """``(3, n)`` stack of y1, y2, y3, as the learning engine takes them."""
        return np.stack([self.y1, self.y2, self.y3])


class NeuronState(NamedTuple):
    """State of a population: membrane ``v`` after reset and post trace ``trace``."""

    v: np.ndarray
    trace: np.ndarray

    @classmethod
    def zeros(cls, shape: int | tuple[int, ...], dtype: type = np.int64) -> NeuronState:
        """All-zero state."""
        return cls(np.zeros(shape, dtype=dtype), np.zeros(shape, dtype=dtype))


class NeuronOutputs(NamedTuple):
    """What a population sends in one step: spikes, bAP, psi and the third factors."""

    spikes: np.ndarray
    bap: np.ndarray
    psi: np.ndarray
    y1: np.ndarray
    y2: np.ndarray
    y3: np.ndarray

    @property
    def factors(self) -> ThirdFactors:
        """The factors its incoming learning synapse receives."""
        return ThirdFactors(self.y1, self.y2, self.y3, self.bap)

    @property
    def y(self) -> np.ndarray:
        """``(3, ...)`` stack of y1, y2, y3."""
        return np.stack([self.y1, self.y2, self.y3])
