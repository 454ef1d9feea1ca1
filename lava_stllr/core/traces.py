"""Exponential traces of S-TLLR."""

from __future__ import annotations

import numpy as np

from lava_stllr.core.arithmetic import FLOAT, Arithmetic


def trace_step(
    trace: np.ndarray,
    value: np.ndarray,
    lam: float | int,
    impulse: float | int = 1,
    arith: Arithmetic = FLOAT,
) -> np.ndarray:
    """``tr[t] = lam*tr[t-1] + impulse*value[t]`` (the trace includes the current value).

    Used for the pre trace (``value = x``, ``lam = lam_pre``) and the post trace
    (``value = psi``, ``lam = lam_post``).
    """
    return arith.decay(trace, lam) + impulse * value
