"""Float <-> Loihi 2 register conversions: trace time constants, decays, weights, signals.

The one place each conversion is written; the quantizer (:mod:`lava_stllr.loihi.quantize`),
the fixed-point models and the netx export (:mod:`lava_stllr.export.netx_write`) call these.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.fixed_arithmetic import check_fits
from lava_stllr.loihi.widths import (
    DECAY_MAX,
    DECAY_UNITY,
    TRACE_TAU_MAX,
    WEIGHT_EVEN_MAX,
    WEIGHT_INIT_STEP_MIXED,
    WEIGHT_MIN,
    WEIGHT_SIGNED_BITS,
)

if TYPE_CHECKING:
    from lava_stllr.loihi.layer_fixed import LayerFixed

# --------------------------------------------------------------------------------------
# Registers
# --------------------------------------------------------------------------------------


def tau_from_lam(lam: float) -> int:
    """Integer trace time constant whose decay ``exp(-1/tau)`` is nearest to ``lam``.

    ``lam = 1`` maps to the largest tau, 255 (decay 0.99609); ``lam = 0`` is rejected
    (the timing correction divides by ``lam_pre``).
    """
    lam = validate.real("lam_pre", lam, 0.0, 1.0)
    if lam == 0.0:
        raise ValueError("lam_pre = 0 cannot be encoded: the Lava mapping divides by lam_pre"
                         " (y2 = c * alpha_pre / lam_pre * psi)")
    if lam >= 1.0:
        return TRACE_TAU_MAX
    tau = -1.0 / math.log(lam)
    candidates = {min(max(int(math.floor(tau)), 1), TRACE_TAU_MAX),
                  min(max(int(math.ceil(tau)), 1), TRACE_TAU_MAX)}
    return min(sorted(candidates), key=lambda t: abs(math.exp(-1.0 / t) - lam))


def decay_numerator(name: str, lam: float) -> int:
    """``round(lam * 4096)`` for a decay in [0, 1] (numerator over 4096)."""
    return int(round(validate.real(name, lam, 0.0, 1.0) * DECAY_UNITY))


def dv_from_beta(beta: float, name: str = "beta") -> int:
    """Loihi voltage decay register ``dv = round(4096 * (1 - beta))`` (12-bit, 0..4095).

    Computed as ``4096 - round(4096 * beta)`` (``round(4096 * (1 - beta))`` gives the same
    integer except for a ``beta < 0.5`` within one ulp of an odd multiple of 1/8192, where
    ``1 - beta`` rounds).
    """
    dv = DECAY_UNITY - decay_numerator(name, beta)
    if dv > DECAY_MAX:
        raise ValueError(
            f"{name} = {beta!r} cannot be encoded: dv = {dv} exceeds the 12-bit decay register"
            f" (max {DECAY_MAX}, i.e. {name} >= 1/4096)")
    return dv


# --------------------------------------------------------------------------------------
# Weights and signals
# --------------------------------------------------------------------------------------


def even_weights(units: np.ndarray, name: str = "weight mantissas",
                 saturate: bool = False) -> np.ndarray:
    """Weights in mantissa units to the nearest even mantissas, ``2 * round(units / 2)``.

    Mixed-sign weights are even (``WEIGHT_INIT_STEP_MIXED``), in
    ``[WEIGHT_MIN, WEIGHT_EVEN_MAX] = [-256, 254]``.

    Parameters
    ----------
    units : float array
        Weights divided by the float weight per mantissa unit (or times its inverse).
    name : str
        What the values are, for the error message.
    saturate : bool
        Clip to the range (slayer's and the netx export's convention) instead of raising.

    Raises
    ------
    ValueError
        Without ``saturate``: naming ``name``, if a mantissa does not fit 9-bit signed or
        a value is not finite.
    """
    step = WEIGHT_INIT_STEP_MIXED
    mantissas = step * np.round(np.asarray(units, dtype=np.float64) / step)
    if saturate:
        return np.clip(mantissas, WEIGHT_MIN, WEIGHT_EVEN_MAX).astype(np.int64)
    return check_fits(name, mantissas, WEIGHT_SIGNED_BITS, signed=True)


def quantize_weights(w: np.ndarray, layer: LayerFixed) -> np.ndarray:
    """Float weights to even mantissas of ``layer`` (raises if they do not fit 9 bits)."""
    return even_weights(np.asarray(w, dtype=np.float64) / layer.weight_scale,
                        f"layer {layer.index} weight mantissas")


def quantize_signal(signal: np.ndarray, layer: LayerFixed) -> np.ndarray:
    """Float learning signal to the integer ``L_int = round(L / s_L)`` (raises if too big)."""
    bits = layer.neuron.signal_bits
    return check_fits(f"layer {layer.index} learning signal",
                      np.round(np.asarray(signal, dtype=np.float64) / layer.signal_scale),
                      bits, signed=True)


def dequantize_membrane(v: np.ndarray, layer: LayerFixed) -> np.ndarray:
    """Integer membrane to float: ``v * s_v``."""
    return np.asarray(v, dtype=np.float64) * layer.membrane_scale
