"""The S-TLLR parameter object: validated, immutable, with the published presets."""

from __future__ import annotations

import math
import numbers
from dataclasses import asdict, dataclass, replace
from typing import Any

from lava_stllr.core.psi import psi_kind

RESET_MODES = ("soft", "hard")

# (lam_post, lam_pre, alpha_post, alpha_pre) in the authors' order, from the S-TLLR paper/code.
PRESETS: dict[str, dict[str, Any]] = {
    "dvs_gesture": dict(lam_post=0.2, lam_pre=0.75, alpha_post=-1.0, alpha_pre=1.0,
                        psi="triangle"),
    "cifar10_dvs": dict(lam_post=0.2, lam_pre=0.5, alpha_post=-1.0, alpha_pre=1.0,
                        psi="triangle"),
    "ncaltech101": dict(lam_post=0.2, lam_pre=0.5, alpha_post=-1.0, alpha_pre=1.0,
                        psi="triangle"),
    "shd": dict(lam_post=0.5, lam_pre=1.0, alpha_post=1.0, alpha_pre=1.0, psi="rational"),
    "code_default": dict(lam_post=0.5, lam_pre=0.8, alpha_post=-0.2, alpha_pre=1.0,
                         psi="rational"),
}


def _is_number(value: Any) -> bool:
    """A real number (Python or NumPy scalar), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _check_range(name: str, value: Any, lo: float, hi: float, lo_open: bool,
                 hi_open: bool) -> float:
    """Return ``value`` as a float, or raise naming the parameter, interval and value."""
    interval = f"{'(' if lo_open else '['}{lo}, {hi}{')' if hi_open else ']'}"
    if not _is_number(value):
        raise ValueError(f"{name} must be a number in {interval}, got {value!r}")
    value = float(value)
    ok = (lo < value if lo_open else lo <= value) and (value < hi if hi_open else value <= hi)
    if not (math.isfinite(value) and ok):
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return value


@dataclass(frozen=True)
class STLLRParams:
    """Parameters of S-TLLR and of the LIF neurons it trains.

    Eligibility (per post neuron i, pre neuron j, step t)::

        trx_j[t]   = lam_pre  * trx_j[t-1]   + x_j[t]
        trpsi_i[t] = lam_post * trpsi_i[t-1] + psi_i[t]
        e_ij[t]    = alpha_pre * psi_i[t] * trx_j[t] + alpha_post * trpsi_i[t-1] * x_j[t]
        dW_ij      = -lr * sum_{t in window} L_i[t] * e_ij[t]

    Attributes
    ----------
    lam_pre, lam_post : float
        Trace decays per step, in [0, 1].
    alpha_pre, alpha_post : float
        Weights of the causal and non-causal terms (any finite value).
    lr : float
        Learning rate, >= 0 (0: learning frozen, for inference).
    window : int or None
        Learn on the last ``window`` steps of each sample; None means every step.
    psi : str
        A registered kind of :data:`lava_stllr.core.psi.PSI_KINDS` ("rational", "triangle",
        "sigmoid").
        Secondary activation: ``1/(100|u-theta|+1)^2``, ``0.3*max(0, 1-|u-theta|)`` or
        ``4*sig(4(u-theta))*(1-sig(4(u-theta)))``.
    theta : float
        Firing threshold, > 0 (membrane units).
    beta : float
        Membrane decay per step, in [0, 1] (the authors use ``sigmoid(leak)``).
    reset : {"soft", "hard"}
        Soft reset subtracts theta on a spike; hard reset sets the membrane to 0.
    """

    lam_pre: float = 0.8
    lam_post: float = 0.5
    alpha_pre: float = 1.0
    alpha_post: float = -0.2
    lr: float = 1e-3
    window: int | None = None
    psi: str = "rational"
    theta: float = 0.6
    beta: float = 0.9
    reset: str = "soft"

    def __post_init__(self) -> None:
        # Numbers are stored as Python floats (ints for window), so that to_dict() is
        # JSON-serialisable and round-trips exactly even from NumPy scalars.
        checked = {
            "lam_pre": _check_range("lam_pre", self.lam_pre, 0.0, 1.0, False, False),
            "lam_post": _check_range("lam_post", self.lam_post, 0.0, 1.0, False, False),
            "beta": _check_range("beta", self.beta, 0.0, 1.0, False, False),
            "lr": _check_range("lr", self.lr, 0.0, math.inf, False, True),
            "theta": _check_range("theta", self.theta, 0.0, math.inf, True, True),
        }
        for name in ("alpha_pre", "alpha_post"):
            value = getattr(self, name)
            if not (_is_number(value) and math.isfinite(value)):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            checked[name] = float(value)
        if self.window is not None:
            if not (isinstance(self.window, numbers.Integral) and not isinstance(
                    self.window, bool) and self.window >= 1):
                raise ValueError(f"window must be None or an integer >= 1, got {self.window!r}")
            checked["window"] = int(self.window)
        for name, value in checked.items():
            object.__setattr__(self, name, value)
        psi_kind(self.psi)  # a registered kind, or ValueError naming them
        if self.reset not in RESET_MODES:
            raise ValueError(f"reset must be one of {RESET_MODES}, got {self.reset!r}")

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> STLLRParams:
        """Return a published preset (``dvs_gesture``, ``cifar10_dvs``, ``ncaltech101``,
        ``shd``, ``code_default``), with optional field overrides."""
        if name not in PRESETS:
            raise ValueError(f"preset must be one of {tuple(PRESETS)}, got {name!r}")
        return cls(**{**PRESETS[name], **overrides})

    def replace(self, **changes: Any) -> STLLRParams:
        """Return a copy with ``changes`` applied (validated again)."""
        return replace(self, **changes)

    def window_start(self, n_steps: int) -> int:
        """First step (0-based) of the learning window in a sample of ``n_steps`` steps."""
        if self.window is None:
            return 0
        return max(0, n_steps - self.window)

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a plain dict (JSON-serialisable)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> STLLRParams:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown STLLRParams fields: {sorted(unknown)}")
        return cls(**data)
