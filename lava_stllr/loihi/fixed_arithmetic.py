"""Integer arithmetic for the fixed-point (Loihi 2) path: shifts, width checks, rounding.

:class:`FixedArithmetic` implements the :class:`~lava_stllr.core.arithmetic.Arithmetic`
protocol with integers, so the shared step functions (``lif_step``, ``trace_step``) run
unchanged on integer states. Factors are integer numerators over ``2**frac_bits``::

    decay(v, f) = round(v * f / 2**frac_bits),   0 <= f <= 2**frac_bits
    scale(v, c) = round(v * c / 2**frac_bits),   any integer c

with ``round`` one of

- ``"trunc"``: towards zero, ``sign(p) * (|p| >> frac_bits)``. This is Loihi's decay,
  e.g. ``(v * (4096 - dv)) >> 12`` on the magnitude (``PyLifModelBitAcc``); error in (-1, 1)
  and never grows a magnitude.
- ``"floor"``: arithmetic shift ``p >> frac_bits``; error in (-1, 0].
- ``"nearest"``: round half away from zero, ``sign(p) * ((|p| + 2**(frac_bits-1)) >> frac_bits)``;
  error in [-1/2, 1/2].

Nothing here wraps around: :func:`check_fits` raises a ``ValueError`` naming the value
when it does not fit a width, and :func:`saturate` clips only where that is the intended
hardware behaviour.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from lava_stllr.loihi.widths import DECAY_BITS, int_range

Rounding = Literal["trunc", "floor", "nearest"]
ROUNDINGS: tuple[str, ...] = ("trunc", "floor", "nearest")


def _as_int(values: np.ndarray | int, name: str = "value") -> np.ndarray:
    """``values`` as an int64 array; floats must hold integers exactly."""
    arr = np.asarray(values)
    kind = arr.dtype.kind  # cheaper than np.issubdtype on this hot path
    if kind in "biu":
        return arr.astype(np.int64)
    if kind == "f":
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must hold finite integers, got NaN or Inf")
        if np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold integers, got non-integral values")
        if np.any(np.abs(arr) >= 2.0**63):  # astype would wrap silently
            raise ValueError(f"{name} = {float(np.abs(arr).max()):g} does not fit 64-bit "
                             f"integers")
        return arr.astype(np.int64)
    if arr.dtype == object:
        raise ValueError(f"{name} must be an integer array, got dtype object (integers "
                         f"beyond 64 bits or non-numbers)")
    raise ValueError(f"{name} must be an integer array, got dtype {arr.dtype}")


def shift_round(values: np.ndarray | int, shift: int,
                rounding: Rounding = "trunc") -> np.ndarray:
    """Divide integers by ``2**shift`` with the given rounding (see the module docstring).

    Parameters
    ----------
    values : int array
    shift : int, >= 0
    rounding : {"trunc", "floor", "nearest"}
    """
    if not isinstance(shift, int | np.integer) or shift < 0:
        raise ValueError(f"shift must be an integer >= 0, got {shift!r}")
    p = _as_int(values)
    if shift == 0:
        return p
    if rounding == "floor":
        return p >> shift
    mag = np.abs(p)
    if rounding == "trunc":
        return np.sign(p) * (mag >> shift)
    if rounding == "nearest":
        return np.sign(p) * ((mag + (1 << (shift - 1))) >> shift)
    raise ValueError(f"rounding must be one of {ROUNDINGS}, got {rounding!r}")


class FixedArithmetic:
    """Integer arithmetic with explicit shifts (the fixed-point ``arith`` of the step functions).

    Parameters
    ----------
    frac_bits : int
        Factors are numerators over ``2**frac_bits`` (12 for Loihi's decays).
    rounding : {"trunc", "floor", "nearest"}
        How the shift rounds; ``"trunc"`` is Loihi's LIF decay.

    Examples
    --------
    Loihi LIF voltage decay with ``dv = 410`` (``beta = 3686/4096``)::

        FixedArithmetic(12, "trunc").decay(v, 4096 - 410)
    """

    name = "fixed"

    def __init__(self, frac_bits: int = DECAY_BITS, rounding: Rounding = "trunc") -> None:
        if not isinstance(frac_bits, int) or isinstance(frac_bits, bool) or frac_bits < 0:
            raise ValueError(f"frac_bits must be an integer >= 0, got {frac_bits!r}")
        if rounding not in ROUNDINGS:
            raise ValueError(f"rounding must be one of {ROUNDINGS}, got {rounding!r}")
        self.frac_bits = frac_bits
        self.rounding: Rounding = rounding
        self.unity = 1 << frac_bits

    def __repr__(self) -> str:
        return f"FixedArithmetic(frac_bits={self.frac_bits}, rounding={self.rounding!r})"

    def decay(self, value: np.ndarray, factor: int) -> np.ndarray:
        """``round(value * factor / 2**frac_bits)`` for ``0 <= factor <= 2**frac_bits``."""
        factor = _check_factor("decay factor", factor)
        if not 0 <= factor <= self.unity:
            raise ValueError(
                f"decay factor must be in [0, {self.unity}] (numerator over 2**{self.frac_bits}),"
                f" got {factor}")
        return shift_round(_as_int(value, "value") * factor, self.frac_bits, self.rounding)

    def scale(self, value: np.ndarray, factor: int) -> np.ndarray:
        """``round(value * factor / 2**frac_bits)`` for any integer ``factor``."""
        factor = _check_factor("scale factor", factor)
        return shift_round(_as_int(value, "value") * factor, self.frac_bits, self.rounding)

    def to_factor(self, x: float, name: str = "factor") -> int:
        """Nearest numerator of ``x``: ``round(x * 2**frac_bits)`` (finite ``x``)."""
        if not np.isfinite(x):
            raise ValueError(f"{name} must be finite, got {x!r}")
        return int(np.round(x * self.unity))

    def error_bound(self) -> float:
        """Largest ``|result - exact|`` of one ``decay``/``scale`` (in output LSBs)."""
        return 0.5 if self.rounding == "nearest" else 1.0


def _check_factor(name: str, factor: int) -> int:
    if isinstance(factor, bool) or not isinstance(factor, int | np.integer):
        raise ValueError(f"{name} must be an integer numerator, got {factor!r}")
    return int(factor)


def check_fits(name: str, values: np.ndarray | int, bits: int, signed: bool) -> np.ndarray:
    """Return ``values`` as int64 if every element fits the width; raise otherwise.

    Parameters
    ----------
    name : str
        What the values are (used in the error message).
    values : int array or int
    bits : int
        Width in bits, including the sign bit when ``signed``.
    signed : bool
        Two's-complement range ``[-2**(bits-1), 2**(bits-1) - 1]`` if True, else
        ``[0, 2**bits - 1]``.

    Raises
    ------
    ValueError
        Naming ``name``, the width, the offending value and its index. Nothing is
        wrapped or clipped.
    """
    arr = _as_int(values, name)
    lo, hi = int_range(bits, signed)
    if arr.size == 0 or (arr.min() >= lo and arr.max() <= hi):
        return arr
    bad = (arr < lo) | (arr > hi)
    if np.any(bad):
        idx = tuple(int(i) for i in np.argwhere(bad)[0]) if arr.ndim else ()
        value = int(arr[idx]) if arr.ndim else int(arr)
        kind = "signed" if signed else "unsigned"
        where = f" at index {idx}" if arr.ndim else ""
        raise ValueError(
            f"{name} = {value}{where} does not fit {bits}-bit {kind} range [{lo}, {hi}]"
            f" ({int(bad.sum())} value(s) out of range)")
    return arr


def saturate(values: np.ndarray | int, bits: int, signed: bool) -> np.ndarray:
    """Clip integers to a width: for places where the hardware saturates by design.

    Use :func:`check_fits` wherever a value out of range is a mistake.
    """
    lo, hi = int_range(bits, signed)
    return np.clip(_as_int(values), lo, hi)


def stochastic_shift(values: np.ndarray | int, shift: int, rng: np.random.Generator,
                     shared: bool = False) -> np.ndarray:
    """Divide integers by ``2**shift`` with unbiased stochastic rounding.

    ``floor(v / 2**shift) + [r < (v mod 2**shift)]`` with ``r`` uniform on
    ``{0, ..., 2**shift - 1}``, so ``E[result] = v / 2**shift`` exactly.

    Parameters
    ----------
    values : int array
    shift : int, >= 0
    rng : numpy.random.Generator
        Seeded generator (deterministic for a given seed).
    shared : bool
        Draw one random number for all elements (as Loihi's learning engine does) instead
        of one per element.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (e.g. np.random.default_rng(0))")
    if not isinstance(shift, int | np.integer) or shift < 0:
        raise ValueError(f"shift must be an integer >= 0, got {shift!r}")
    p = _as_int(values)
    if shift == 0:
        return p
    frac = p & ((1 << shift) - 1)
    size = None if shared else p.shape
    r = rng.integers(0, 1 << shift, size=size)
    return (p >> shift) + (r < frac).astype(np.int64)


def stochastic_round(values: np.ndarray, rng: np.random.Generator,
                     shared: bool = False) -> np.ndarray:
    """Round floats to integers stochastically: ``floor(v) + [u < frac(v)]``, ``u ~ U[0, 1)``.

    Unbiased (``E[result] = v``); ``shared`` uses one ``u`` for all elements.
    """
    if not isinstance(rng, np.random.Generator):
        raise ValueError("rng must be a numpy.random.Generator (e.g. np.random.default_rng(0))")
    v = np.asarray(values, dtype=np.float64)
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite")
    base = np.floor(v)
    u = rng.random() if shared else rng.random(v.shape)
    return (base + (u < (v - base))).astype(np.int64)
