"""The secondary activation psi(u) of S-TLLR (a surrogate derivative of the spike).

Every kind lives in one registry, :data:`PSI_KINDS`: its float function of
``x = u - theta``, its value at threshold (``peak``), how Loihi 2 evaluates it in
integers (:mod:`lava_stllr.loihi.psi_fixed`: ``"linear"``, an exact shifted triangle of
half-width ``half_width``, or ``"table"``, an interpolated table of an even function that
decreases in ``|x|``) and the stated error bound of that integer program. A new kind is
one :class:`PsiKind` entry (and its test); parameters, the reference trainer, the Lava
models and the fixed-point quantizer all read the registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class PsiKind:
    """One secondary activation.

    Attributes
    ----------
    name : str
    fn : callable
        ``psi(x)`` of the membrane offset ``x = u - theta`` (membrane units), even in
        ``x`` and non-increasing in ``|x|``.
    peak : float
        ``psi(0)``, the value at threshold.
    integer_form : {"linear", "table"}
        How the integer program evaluates it (see :mod:`lava_stllr.loihi.psi_fixed`).
    error_bound_lsb : float
        Stated ``max |psi_fixed - psi|`` in output LSBs (``peak / 127`` for 7 bits).
    half_width : float
        ``"linear"`` only: ``|x|`` at which psi reaches 0.
    """

    name: str
    fn: Callable[[np.ndarray], np.ndarray]
    peak: float
    integer_form: str
    error_bound_lsb: float
    half_width: float = 0.0

    def __post_init__(self) -> None:
        if self.integer_form not in ("linear", "table"):
            raise ValueError(f"integer_form must be 'linear' or 'table', got "
                             f"{self.integer_form!r}")
        if self.integer_form == "linear" and not self.half_width > 0:
            raise ValueError(f"a linear psi needs half_width > 0, got {self.half_width!r}")


def _rational(x: np.ndarray) -> np.ndarray:
    return 1.0 / (100.0 * np.abs(x) + 1.0) ** 2


def _triangle(x: np.ndarray) -> np.ndarray:
    return 0.3 * np.maximum(0.0, 1.0 - np.abs(x))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    s = 1.0 / (1.0 + np.exp(-4.0 * x))
    return 4.0 * s * (1.0 - s)


#: The registered kinds, by name.
PSI_KINDS: dict[str, PsiKind] = {
    # 1 / (100|x| + 1)^2: dense and recurrent layers (SHD); its cusp is the hardest to table.
    "rational": PsiKind("rational", _rational, 1.0, "table", 1.25),
    # 0.3 max(0, 1 - |x|): conv layers (DVS Gesture).
    "triangle": PsiKind("triangle", _triangle, 0.3, "linear", 0.75, half_width=1.0),
    # 4 sig(4x) (1 - sig(4x)), the scaled sigmoid derivative.
    "sigmoid": PsiKind("sigmoid", _sigmoid, 1.0, "table", 0.75),
}


def psi_kind(name: str) -> PsiKind:
    """The registered kind ``name``; ``ValueError`` naming the registered ones."""
    try:
        return PSI_KINDS[name]
    except (KeyError, TypeError):
        raise ValueError(f"psi must be one of {tuple(PSI_KINDS)}, got {name!r}") from None


def psi(u: np.ndarray, theta: float, kind: str) -> np.ndarray:
    """Secondary activation ``kind`` of the pre-reset membrane ``u``: ``fn(u - theta)``.

    Parameters
    ----------
    u : array
        Membrane potential before the reset (membrane units).
    theta : float
        Firing threshold.
    kind : str
        A name in :data:`PSI_KINDS`.
    """
    return psi_kind(kind).fn(u - theta)
