"""Constructor argument checks shared by the Processes (clear ``ValueError`` messages)."""

from __future__ import annotations

import numpy as np

from lava_stllr.learning_rule import check_lava_params
from lava_stllr.params import STLLRParams


def check_int(name: str, value: object, minimum: int) -> int:
    """Return ``value`` as an int, or raise if it is not an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_period(period: int | None) -> int:
    """Steps per sample (``n_steps + gap``), >= 1; None means no sample boundaries (0)."""
    return 0 if period is None else check_int("period", period, 1)


def check_unit(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1]."""
    if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    return float(value)


def check_params(params: object) -> STLLRParams:
    """An :class:`STLLRParams` usable on the Lava path (``lam_pre > 0``)."""
    if not isinstance(params, STLLRParams):
        raise ValueError(f"params must be an STLLRParams, got {type(params).__name__}")
    check_lava_params(params)
    return params


def check_weights(weights: object) -> np.ndarray:
    """A finite 2-D float matrix of shape (post, pre)."""
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or 0 in w.shape:
        raise ValueError(f"weights must be a non-empty 2-D (post, pre) matrix, got shape "
                         f"{w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contain NaN or Inf")
    return w.copy()
