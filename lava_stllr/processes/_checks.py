"""Constructor argument checks shared by the Processes (clear ``ValueError`` messages)."""

from __future__ import annotations

import numpy as np

from lava_stllr import validate
from lava_stllr.learning_rule import check_lava_params
from lava_stllr.params import STLLRParams


def check_period(period: int | None) -> int:
    """Steps per sample (``n_steps + gap``), >= 1; None means no sample boundaries (0)."""
    return 0 if period is None else validate.integer("period", period, 1)


def check_unit(name: str, value: object) -> float:
    """Return ``value`` as a float in [0, 1]."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating) \
            or not 0.0 <= float(value) <= 1.0:
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
    try:
        w = np.asarray(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"weights must be a numeric 2-D (post, pre) matrix ({exc})") from None
    if w.ndim != 2 or 0 in w.shape:
        raise ValueError(f"weights must be a non-empty 2-D (post, pre) matrix, got shape "
                         f"{w.shape}")
    if not np.all(np.isfinite(w)):
        raise ValueError("weights contain NaN or Inf")
    return w.copy()


def check_window(n_steps: object, gap: object, window_start: object, delay: object
                 ) -> tuple[int, int, int, int]:
    """``(n_steps, gap, window_start, delay)`` of an output Process, checked:
    ``n_steps >= 1``, ``gap, delay >= 0`` and ``0 <= window_start < n_steps``."""
    n_steps = validate.integer("n_steps", n_steps, 1)
    gap = validate.integer("gap", gap, 0)
    window_start = validate.integer("window_start", window_start, 0)
    if window_start >= n_steps:
        raise ValueError(f"window_start must be < n_steps={n_steps}, got {window_start}")
    return n_steps, gap, window_start, validate.integer("delay", delay, 0)
