"""Arithmetic backends for the step functions.

Every step function takes an ``arith`` argument. Float and fixed point differ only
here: :class:`FloatArithmetic` computes in float64; a fixed-point arithmetic with the
same methods works on integers with explicit shifts (see ``lava_stllr.loihi.fixed_arithmetic``).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Arithmetic(Protocol):
    """The operations the step functions need.

    ``decay(value, factor)`` multiplies a state by a decay factor given in the
    arithmetic's own representation (a float in [0, 1], or an integer numerator).
    ``scale(value, factor)`` multiplies by a signed constant in the same representation.
    """

    name: str

    def decay(self, value: np.ndarray, factor: float | int) -> np.ndarray: ...

    def scale(self, value: np.ndarray, factor: float | int) -> np.ndarray: ...


class FloatArithmetic:
    """Exact float64 arithmetic: ``decay(v, f) = f * v``, ``scale(v, c) = c * v``."""

    name = "float"

    def decay(self, value: np.ndarray, factor: float) -> np.ndarray:
        """Return ``factor * value``."""
        return factor * value

    def scale(self, value: np.ndarray, factor: float) -> np.ndarray:
        """Return ``factor * value``."""
        return factor * value


FLOAT = FloatArithmetic()
