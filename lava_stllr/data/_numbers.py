"""Integer settings of the data configs, which may arrive as integral floats (JSON, YAML)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.validate import integer


def whole(name: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """:func:`lava_stllr.validate.integer`, also accepting a float with an integral value.

    ``300000.0`` gives ``300000``; ``2.5``, NaN, infinities and bools are refused with
    ``ValueError: <name> must be an integer ..., got <value>``.
    """
    if isinstance(value, float | np.floating) and float(value).is_integer():
        value = int(value)
    return integer(name, value, lo, hi)
