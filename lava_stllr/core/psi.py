"""The secondary activation psi(u) of S-TLLR (a surrogate derivative of the spike)."""

from __future__ import annotations

import numpy as np


def psi_rational(u: np.ndarray, theta: float) -> np.ndarray:
    """``psi(u) = 1 / (100*|u - theta| + 1)^2`` (dense and recurrent layers, SHD). Peak 1."""
    return 1.0 / (100.0 * np.abs(u - theta) + 1.0) ** 2


def psi_triangle(u: np.ndarray, theta: float) -> np.ndarray:
    """``psi(u) = 0.3 * max(0, 1 - |u - theta|)`` (conv layers, DVS Gesture). Peak 0.3."""
    return 0.3 * np.maximum(0.0, 1.0 - np.abs(u - theta))


def psi_sigmoid(u: np.ndarray, theta: float) -> np.ndarray:
    """``psi(u) = 4*sig(4(u-theta))*(1 - sig(4(u-theta)))``, the scaled sigmoid derivative.
    Peak 1."""
    s = 1.0 / (1.0 + np.exp(-4.0 * (u - theta)))
    return 4.0 * s * (1.0 - s)


_PSI = {"rational": psi_rational, "triangle": psi_triangle, "sigmoid": psi_sigmoid}


def psi(u: np.ndarray, theta: float, kind: str) -> np.ndarray:
    """Evaluate the secondary activation ``kind`` on the pre-reset membrane ``u``.

    Parameters
    ----------
    u : array
        Membrane potential before the reset (membrane units).
    theta : float
        Firing threshold.
    kind : {"rational", "triangle", "sigmoid"}
    """
    try:
        fn = _PSI[kind]
    except KeyError:
        raise ValueError(f"psi kind must be one of {tuple(_PSI)}, got {kind!r}") from None
    return fn(u, theta)
