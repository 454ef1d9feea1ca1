"""Argument checks with one wording for the whole package.

Every check returns the value converted (``int``/``float``/the option) or raises
``ValueError`` naming the argument, what it must be, and what it got, e.g.
``ValueError: lam_pre must be in (0, 1], got 1.5``.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np

_INTEGERS = (int, np.integer)
_REALS = (int, float, np.integer, np.floating)


def _interval(lo: float | None, hi: float | None, lo_open: bool, hi_open: bool) -> str:
    left = "(" if lo_open or lo is None else "["
    right = ")" if hi_open or hi is None else "]"
    return (f"{left}{'-inf' if lo is None else _fmt(lo)}, "
            f"{'inf' if hi is None else _fmt(hi)}{right}")


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def integer(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an ``int`` in ``[lo, hi]`` (either bound may be None); bools refused."""
    ok = isinstance(value, _INTEGERS) and not isinstance(value, bool | np.bool_)
    if ok and (lo is None or value >= lo) and (hi is None or value <= hi):
        return int(value)
    if lo is not None and hi is None:
        what = f"an integer >= {lo}"
    elif lo is None and hi is not None:
        what = f"an integer <= {hi}"
    elif lo is None:
        what = "an integer"
    else:
        what = f"an integer in [{lo}, {hi}]"
    raise ValueError(f"{name} must be {what}, got {value!r}")


def whole(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """:func:`integer`, also accepting a float with an integral value (settings read from
    JSON or YAML): ``300000.0`` gives ``300000``; ``2.5``, NaN, infinities and bools are
    refused."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    return integer(name, value, lo, hi)


def real(name: str, value: Any, lo: float | None = None, hi: float | None = None, *,
         lo_open: bool = False, hi_open: bool = False) -> float:
    """``value`` as a finite ``float`` in the interval given (open ends on request)."""
    interval = _interval(lo, hi, lo_open, hi_open)
    if isinstance(value, bool | np.bool_) or not isinstance(value, _REALS) \
            or not math.isfinite(float(value)):
        raise ValueError(f"{name} must be a finite number in {interval}, got {value!r}")
    x = float(value)
    below = lo is not None and (x <= lo if lo_open else x < lo)
    above = hi is not None and (x >= hi if hi_open else x > hi)
    if below or above:
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return x


def choice(name: str, value: Any, options: Collection[Any]) -> Any:
    """``value`` if it is one of ``options``."""
    if value not in options:
        raise ValueError(f"{name} must be one of {tuple(options)}, got {value!r}")
    return value


def instance(name: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    """``value`` if it is an instance of ``kind``."""
    if not isinstance(value, kind):
        names = (kind.__name__ if isinstance(kind, type)
                 else " or ".join(k.__name__ for k in kind))
        article = "an" if names[0].lower() in "aeiou" else "a"
        raise ValueError(f"{name} must be {article} {names}, got {type(value).__name__}")
    return value


class DivergenceError(ValueError):
    """A training run produced NaN or Inf: it is stopped instead of saving garbage."""


def finite(what: str, *arrays: Any) -> None:
    """``DivergenceError`` naming ``what`` unless every value of ``arrays`` is finite."""
    for a in arrays:
        if not np.all(np.isfinite(a)):
            raise DivergenceError(f"{what} became NaN or Inf: the run diverged (lower the "
                                  "learning rate); nothing was saved")
