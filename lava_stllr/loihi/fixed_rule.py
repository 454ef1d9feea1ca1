"""The fixed-point S-TLLR learning rule: its products, constants and Lava rule string.

Rule (weights in mantissa units; ``f = y1 - 64`` is the sign flag of the learning signal)::

    dw = sA*mA*2^eA * u0 * x1 * y2 * (y1 - 64)     causal term
       + sB*mB*2^eB * x0 * y3 * (y1 - 64)          non-causal term
       + sC*mC*2^eC * x0 * y2 * (y1 - 64)          timing correction of the causal term

When ``alpha_post`` and ``alpha_pre`` have opposite signs (or one is 0), both parts of
``c * (alpha_post * trpsi - alpha_pre/lam_pre * psi)`` share one static sign, so y3
carries their sum and the third product is dropped ("merged" rule; all presets but SHD).
This matters: a separate correction needs ``mC*2^eC = mA*2^eA * x1_impulse / 128``
exactly, which forbids small causal exponents.

The post neuron sends ``y1 = 64 + F`` when ``c = -lr*L > 0`` and ``y1 = 64 - F`` otherwise
(``f = +-F``; the flag magnitude ``F`` in 1..63 is chosen per layer by the quantizer to
balance the resolution of the causal product, shifted right by 10, against the range the
``x0`` products leave to y2/y3), and the magnitudes ``y2 ~ |c| |alpha_pre/lam_pre| psi``,
``y3 ~ |c| |alpha_post| trpsi`` in ``[0, 127]``. All y are non-negative, so the clipping of
negative y on bAP steps never bites; the static signs ``sA = sign(alpha_pre)``,
``sB = sign(alpha_post)`` (``-sign(alpha_pre)`` for a merged rule with ``alpha_post = 0``),
``sC = -sign(alpha_pre)`` sit in the product constants. This is
DESIGN.md's exact mapping ``dw = u0*x1*y2 + x0*y3`` with ``y3`` split into its two parts.

Per sample (``update="sample"``), the same products accumulate in Loihi 2's synaptic tag
``tag_1`` (``dt``); the post neuron raises its bAP once per sample, at a step without a
learning signal, and the weights take the tag, which restarts from 0::

    dt = <the products above> - y0 * t        dw = y0 * t

The engine that applies the rule is replayed elsewhere: its random numbers and rounding in
:mod:`lava_stllr.loihi.bit_approx`, a fast step in :mod:`lava_stllr.loihi.engine_fast`,
and a literal (slow) replica, the test oracle, in :mod:`lava_stllr.loihi.engine_replica`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.widths import (
    ACCUMULATOR_BITS,
    FACTOR_WIDTHS,
    RULE_CONST_BITS,
    RULE_EXP_MAX,
    RULE_EXP_MIN,
    RULE_EXP_OFFSET,
    RULE_MANTISSA_BITS,
    RULE_MANTISSA_MAX,
    RULE_MANTISSA_MIN,
    TRACE_MAX,
    TRACE_TAU_MAX,
)

#: Sign flag of the learning signal, carried in y1: the factor ``(y1 - FLAG_OFFSET)``;
#: ``y1 = FLAG_OFFSET + F`` for ``c = -lr*L > 0`` and ``FLAG_OFFSET - F`` otherwise.
FLAG_OFFSET = 64
#: Largest flag magnitude ``F`` (``y1 = 127`` / ``1``).
FLAG_MAX = TRACE_MAX - FLAG_OFFSET

_DEPENDENCIES = ("x0", "y0", "u")
_SUPPORTED_FACTORS = ("x0", "y0", "x1", "y1", "y2", "y3", "t", "C")


@dataclass(frozen=True)
class FactorSpec:
    """One factor ``(state_var + const)`` of a product (``const`` None: no constant)."""

    state_var: str
    const: int | None = None

    def __post_init__(self) -> None:
        if self.state_var not in _SUPPORTED_FACTORS:
            raise ValueError(
                f"factor {self.state_var!r} not supported; use one of {_SUPPORTED_FACTORS}")
        if self.const is not None:
            object.__setattr__(self, "const", validate.integer(
                "factor constant", self.const, -(1 << RULE_CONST_BITS),
                (1 << RULE_CONST_BITS) - 1))

    @property
    def width(self) -> int:
        """Width the engine assigns to this factor (``FACTOR_TO_WIDTH_DICT``)."""
        return FACTOR_WIDTHS[self.state_var]

    def text(self) -> str:
        """The factor in Lava's rule syntax."""
        if self.const is None:
            return self.state_var
        sign = "-" if self.const < 0 else "+"
        return f"({self.state_var} {sign} {abs(self.const)})"


@dataclass(frozen=True)
class ProductSpec:
    """One product ``mantissa * 2^exponent * dependency * factors`` of a rule.

    ``exponent`` is the one written in the rule, in ``[-7, 8]``; Lava stores
    ``exponent + 7``. ``role`` names the S-TLLR term (``"causal"``, ``"noncausal"``,
    ``"correction"``) and ``meaning`` describes it; neither reaches Lava.
    """

    dependency: str
    factors: tuple[FactorSpec, ...]
    mantissa: int
    exponent: int
    meaning: str = ""
    role: str = ""

    def __post_init__(self) -> None:
        validate.choice("dependency", self.dependency, _DEPENDENCIES)
        mantissa = validate.integer("product mantissa", self.mantissa, RULE_MANTISSA_MIN,
                                    RULE_MANTISSA_MAX)
        if mantissa == 0:
            raise ValueError("product mantissa must be non-zero, got 0")
        object.__setattr__(self, "mantissa", mantissa)
        object.__setattr__(self, "exponent", validate.integer(
            "product exponent", self.exponent, RULE_EXP_MIN, RULE_EXP_MAX))

    @property
    def stored_exponent(self) -> int:
        """Exponent as Lava stores it, ``exponent + 7`` (the engine's left shift)."""
        return self.exponent + RULE_EXP_OFFSET

    @property
    def width_sum(self) -> int:
        """Sum of factor widths plus the 4 mantissa bits."""
        return sum(f.width for f in self.factors) + RULE_MANTISSA_BITS

    @property
    def shift(self) -> int:
        """Right shift the engine applies before the exponent: ``max(0, width_sum - 15)``."""
        return max(0, self.width_sum - ACCUMULATOR_BITS)

    @property
    def weight_units(self) -> float:
        """Weight change (mantissa units) per unit of ``dep * prod(factors)``, before flooring:
        ``mantissa * 2^(exponent - shift)``."""
        return self.mantissa * 2.0 ** (self.exponent - self.shift)

    def text(self, leading: bool) -> str:
        """The product in Lava's rule syntax (``leading``: first term, sign attached)."""
        body = " * ".join([f"{abs(self.mantissa)}*2^{self.exponent}", f"{self.dependency}0"
                           if self.dependency == "u" else self.dependency]
                          + [f.text() for f in self.factors])
        if leading:
            return ("-" if self.mantissa < 0 else "") + body
        return ("- " if self.mantissa < 0 else "+ ") + body

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable description."""
        return {
            "dependency": "u0" if self.dependency == "u" else self.dependency,
            "factors": [f.text() for f in self.factors],
            "factor_widths": [f.width for f in self.factors],
            "mantissa": self.mantissa, "exponent": self.exponent,
            "stored_exponent": self.stored_exponent, "shift": self.shift,
            "role": self.role, "meaning": self.meaning, "text": self.text(leading=True),
        }


def rule_string(products: Sequence[ProductSpec]) -> str:
    """Lava rule string of a product series."""
    if not products:
        raise ValueError("a rule needs at least one product")
    return " ".join(p.text(leading=i == 0) for i, p in enumerate(products))


#: The flag factor ``(y1 - 64)`` of every S-TLLR product.
FLAG_FACTOR = FactorSpec("y1", -FLAG_OFFSET)
#: Per sample, the gate is the post neuron's bAP (dependency ``y0``), sent once per sample:
#: the weights take the tag (``t << 7`` in the accumulator: mantissa 1, exponent 0, no
#: shift for 9 + 4 bits) ...
TRANSFER = ProductSpec("y0", (FactorSpec("t"),), 1, 0, meaning="w += t at the gate",
                       role="transfer")
#: ... and the tag gives it up (exact for ``-256 <= t <= 255``).
RESET = ProductSpec("y0", (FactorSpec("t"),), -1, 0, meaning="t -= t at the gate",
                    role="reset")


def stllr_products(causal: tuple[int, int] | None, noncausal: tuple[int, int] | None,
                   correction: tuple[int, int] | None = None,
                   merged: bool = False) -> tuple[ProductSpec, ...]:
    """The S-TLLR products from signed ``(mantissa, exponent)`` constants (None: omitted).

    ``merged``: y3 carries ``|c| (|alpha_post| trpsi + |alpha_pre/lam_pre| psi)`` (both
    parts of ``c * (alpha_post trpsi - alpha_pre/lam_pre psi)`` have one static sign), so
    the timing correction needs no product of its own.
    """
    products = []
    if causal is not None:
        products.append(ProductSpec("u", (FactorSpec("x1"), FactorSpec("y2"), FLAG_FACTOR),
                                    *causal, meaning="c*(alpha_pre/lam_pre)*psi*x1",
                                    role="causal"))
    if noncausal is not None:
        meaning = ("c*(alpha_post*trpsi - (alpha_pre/lam_pre)*psi)*x0 (incl. timing)"
                   if merged else "c*alpha_post*trpsi*x0")
        products.append(ProductSpec("x0", (FactorSpec("y3"), FLAG_FACTOR), *noncausal,
                                    meaning=meaning, role="noncausal"))
    if correction is not None:
        if merged:
            raise ValueError("a merged rule has no separate correction product")
        products.append(ProductSpec("x0", (FactorSpec("y2"), FLAG_FACTOR), *correction,
                                    meaning="-c*(alpha_pre/lam_pre)*psi*x0 (timing)",
                                    role="correction"))
    if not products:
        raise ValueError("alpha_pre and alpha_post are both 0: the rule has no products")
    return tuple(products)


@dataclass(frozen=True)
class FixedRule:
    """The fixed-point S-TLLR rule of one connection: products and pre-trace registers.

    Attributes
    ----------
    products : tuple of ProductSpec
    x1_impulse : int
        Integer pre-trace impulse, 1..127.
    x1_tau : int
        Pre-trace time constant, 0..255 (0: the trace is cleared every step).
    flag : int
        Flag magnitude ``F`` (1..63): the post neuron sends ``y1 = 64 +- F``.
    """

    products: tuple[ProductSpec, ...]
    x1_impulse: int
    x1_tau: int
    flag: int = FLAG_MAX

    def __post_init__(self) -> None:
        # x1_impulse also fits its TRACE_IMPULSE_BITS register: TRACE_MAX < 2**8.
        object.__setattr__(self, "x1_impulse",
                           validate.integer("x1_impulse", self.x1_impulse, 1, TRACE_MAX))
        object.__setattr__(self, "x1_tau",
                           validate.integer("x1_tau", self.x1_tau, 0, TRACE_TAU_MAX))
        object.__setattr__(self, "flag", validate.integer("flag", self.flag, 1, FLAG_MAX))

    def y1(self, signal: np.ndarray) -> np.ndarray:
        """The flag ``y1`` for learning signals ``L`` (``64 + F`` where ``L < 0``)."""
        return np.where(np.asarray(signal) < 0, FLAG_OFFSET + self.flag,
                        FLAG_OFFSET - self.flag).astype(np.int64)

    @property
    def dw(self) -> str:
        """The rule string for ``Loihi3FLearningRule(dw=...)``."""
        return rule_string(self.products)

    @property
    def x1_decay(self) -> float:
        """Expected per-step decay of x1, ``exp(-1/x1_tau)`` (0 for ``x1_tau = 0``)."""
        return 0.0 if self.x1_tau == 0 else float(np.exp(-1.0 / self.x1_tau))

    @property
    def sample_dt(self) -> tuple[ProductSpec, ...]:
        """Per sample, the tag's products: the step rule's, and the reset at the gate."""
        return (*self.products, RESET)

    @property
    def sample_dw(self) -> tuple[ProductSpec, ...]:
        """Per sample, the weights' products: the tag's transfer at the gate."""
        return (TRANSFER,)

    def rule_strings(self, update: str = "step") -> dict[str, str]:
        """``{"dw": ...}`` per step, ``{"dw": ..., "dt": ...}`` per sample (the tag)."""
        validate.choice("update", update, ("step", "sample"))
        if update == "step":
            return {"dw": self.dw}
        return {"dw": rule_string(self.sample_dw), "dt": rule_string(self.sample_dt)}

    def learning_rule(self, rng_seed: int = 0, update: str = "step") -> Any:
        """A Lava ``Loihi3FLearningRule`` with ``t_epoch = 1`` (imports Lava); per sample
        with the tag rule (:meth:`rule_strings`)."""
        from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

        validate.integer("rng_seed", rng_seed, lo=0)
        return Loihi3FLearningRule(**self.rule_strings(update), x1_impulse=self.x1_impulse,
                                   x1_tau=self.x1_tau, t_epoch=1, rng_seed=rng_seed)


def products_from_lava(rule: Any) -> tuple[ProductSpec, ...]:
    """Read the ``dw`` product series of a Lava learning rule back as :class:`ProductSpec`."""
    specs = []
    for p in rule.dw.products:
        factors = tuple(FactorSpec(f.state_var, f.const if f.has_const() else None)
                        for f in p.factors)
        specs.append(ProductSpec(p.dependency, factors, p.s_mantissa,
                                 p.s_exp - RULE_EXP_OFFSET))
    return tuple(specs)
