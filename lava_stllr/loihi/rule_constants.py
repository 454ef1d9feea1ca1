"""Choosing the learning-rule constants and the neuron's third-factor gains of one layer.

For the products of :mod:`lava_stllr.loihi.fixed_rule` the engine adds, per step and in
weight-mantissa units (``F`` the flag magnitude, ``x1 = x1_impulse * trx``)::

    causal      floor(x1 * y2 * F * mA / 2^10) * 2^eA
    noncausal   floor(y3 * F * mB / 2^3) * 2^eB          (x0 steps)
    correction  floor(y2 * F * mC / 2^3) * 2^eC          (x0 steps; separate rules only)

and the neuron sends ``y2 = round(|L| psi G2 / 2^s2)``,
``y3 = round(|L| (tr Gt + psi Gp) / 2^s3)``. Given a learning-rule constant ``m * 2^e``, the
third-factor scale follows (``K2 = 2^10 / (s_w * x1_impulse * F * mA * 2^eA)`` maps the float
``|c| |alpha_pre/lam_pre| psi`` to y2), so the search picks, for each flag ``F``, the
smallest encodable constant that keeps ``y2``/``y3`` within 7 bits at the stated maxima,
then the gains as the largest integers whose products fit the 24-bit neuron register. It
keeps the flag whose coarsest quantity (``levels``) is finest. A separate correction
product must satisfy ``mC * 2^eC = mA * 2^eA * x1_impulse / 2^7`` exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lava_stllr import validate
from lava_stllr.loihi.fixed_rule import FLAG_MAX, stllr_products
from lava_stllr.loihi.widths import (
    NEURON_REGISTER_BITS,
    RULE_EXP_MAX,
    RULE_EXP_MIN,
    RULE_MANTISSA_MAX,
    THIRD_FACTOR_MAX,
    TRACE_MAX,
)

#: The engine's right shifts of the causal (three 7-bit factors) and x0 (two) products.
SHIFT_CAUSAL = stllr_products((1, 0), None)[0].shift
SHIFT_X0 = stllr_products(None, (1, 0))[0].shift
REGISTER_MAX = (1 << (NEURON_REGISTER_BITS - 1)) - 1


@dataclass(frozen=True)
class RuleInputs:
    """What the constant search needs to know about one layer.

    Attributes
    ----------
    layer : int
        Index (for error messages).
    weight_scale : float
        ``s_w``, float weight per mantissa unit.
    impulse_exp : int
        ``x1_impulse = 2**impulse_exp``.
    x1_top : int
        Largest x1 expected (for the resolution levels).
    lr, signal_max : float
        Learning rate and the largest ``|L|``.
    signal_bits : int
        Width of the signed integer learning signal.
    a_eff : float
        ``alpha_pre / lam_pre_eff`` (signed; 0 without a causal term).
    alpha_post : float
    psi_lsb, psi_peak : float
        Float psi per integer unit and at threshold (1 and 1 for the readout, psi = 1).
    psi_out_max : int
        Largest integer psi (1 for the readout).
    trace_unit : float
        Float post trace per integer unit (0 for the readout).
    """

    layer: int
    weight_scale: float
    impulse_exp: int
    x1_top: int
    lr: float
    signal_max: float
    signal_bits: int
    a_eff: float
    alpha_post: float
    psi_lsb: float
    psi_out_max: int
    psi_peak: float
    trace_unit: float

    @property
    def signal_int_max(self) -> int:
        """Largest integer ``|L|``: ``2**(signal_bits - 1) - 1``."""
        return (1 << (self.signal_bits - 1)) - 1

    @property
    def signal_scale(self) -> float:
        """``s_L``, float learning signal per integer unit."""
        return self.signal_max / self.signal_int_max

    @property
    def merged(self) -> bool:
        """Whether y3 carries the timing correction (``alpha_post`` and ``alpha_pre`` do not
        share a sign)."""
        return self.a_eff == 0 or self.alpha_post == 0 or (self.a_eff > 0) != (self.alpha_post > 0)


@dataclass(frozen=True)
class LearningConstants:
    """Rule constants and third-factor gains of one layer for one flag magnitude.

    ``y2_gain = (mult, shift)``: ``y2 = round(|L| psi mult / 2**shift)``;
    ``y3_gain = (trace_mult, psi_mult, shift)``:
    ``y3 = round(|L| (tr trace_mult + psi psi_mult) / 2**shift)``. ``levels`` holds the
    largest integer each quantity reaches for the stated maxima: ``y2``/``y3`` (third
    factors) and ``causal``/``noncausal``/``correction`` (product values after the engine's
    right shift, before the exponent): the resolution of the rule. ``lr_alpha_pre``,
    ``lr_alpha_pre_x0`` and ``lr_alpha_post`` are the float coefficients the integers
    implement (update per ``|L| psi trx``, per ``|L| psi x`` and per ``|L| trpsi x``).
    """

    flag: int
    merged: bool
    causal: tuple[int, int] | None
    noncausal: tuple[int, int] | None
    correction: tuple[int, int] | None
    y2_gain: tuple[int, int]
    y3_gain: tuple[int, int, int]
    levels: dict[str, int]
    lr_alpha_pre: float
    lr_alpha_post: float
    lr_alpha_pre_x0: float

    @property
    def score(self) -> int:
        """Smallest of the levels (the resolution the flag search maximises)."""
        return min(self.levels.values())


def rule_constant_candidates() -> list[tuple[float, int, int]]:
    """All positive learning-rule constants ``m * 2^e`` (m in 1..7, e in -7..8), ascending."""
    return sorted((m * 2.0 ** e, m, e) for m in range(1, RULE_MANTISSA_MAX + 1)
                  for e in range(RULE_EXP_MIN, RULE_EXP_MAX + 1))


def smallest_constant_at_least(needed: float, ok=lambda m, e: True) -> tuple[int, int] | None:
    """Smallest encodable ``(m, e)`` with ``m * 2^e >= needed`` and ``ok(m, e)``, or None."""
    for v, m, e in rule_constant_candidates():
        if ok(m, e) and v >= needed:
            return m, e
    return None


def neuron_gain(ratio: float, max_operand: int) -> tuple[int, int]:
    """Integer gain ``(mult, shift)`` with ``mult / 2**shift <= ratio`` as close as possible
    while ``max_operand * mult`` stays within the 24-bit neuron register."""
    ratio = validate.real("gain ratio", ratio, 0.0, lo_open=True)
    mult, _, shift = pair_gain(ratio, 0.0, max_operand, 0)
    return mult, shift


def pair_gain(ratio_a: float, ratio_b: float, max_a: int, max_b: int) -> tuple[int, int, int]:
    """Gains ``(mult_a, mult_b, shift)`` sharing one shift, ``mult / 2**shift <= ratio``,
    with ``max_a * mult_a + max_b * mult_b`` within the 24-bit register."""
    best = (0, 0, 0)
    for shift in range(0, 2 * NEURON_REGISTER_BITS + 1):
        ma = int(math.floor(ratio_a * (1 << shift)))
        mb = int(math.floor(ratio_b * (1 << shift)))
        if max_a * ma + max_b * mb > REGISTER_MAX:
            break
        best = (ma, mb, shift)
    return best


def rounded_gain(operand: int, mult: int, shift: int) -> int:
    """``round(operand * mult / 2**shift)`` (half up), as the neuron computes it."""
    return (operand * mult + ((1 << shift) >> 1)) >> shift


def _too_small(name: str, layer: int, top: int) -> ValueError:
    return ValueError(
        f"layer {layer}: third factor {name} cannot be encoded: its largest value rounds to"
        f" {top}; lr * signal_max is too small for the weight resolution (lower"
        " weight_headroom or raise lr)")


def _third_factor_headroom(name: str, layer: int, largest: float) -> float:
    """``THIRD_FACTOR_MAX / largest``: the scale that maps the largest float factor onto
    7 bits. A product so small that it underflows to 0 (e.g. ``alpha_post = 5e-324``)
    has no such scale, and is refused like any factor that rounds to 0."""
    headroom = THIRD_FACTOR_MAX / largest if largest > 0 else math.inf
    if not math.isfinite(headroom):
        raise _too_small(name, layer, 0)
    return headroom


def _causal(inp: RuleInputs, flag: int) -> dict:
    """Causal (and, for separate rules, correction) constants and the y2 gain."""
    imp = 1 << inp.impulse_exp
    corr_offset = inp.impulse_exp + SHIFT_X0 - SHIFT_CAUSAL
    k2_max = _third_factor_headroom(
        "y2", inp.layer, inp.lr * inp.signal_max * abs(inp.a_eff) * inp.psi_peak)
    needed = 2.0 ** SHIFT_CAUSAL / (inp.weight_scale * imp * flag * k2_max)
    choice = smallest_constant_at_least(
        needed, (lambda m, e: True) if inp.merged
        else (lambda m, e: RULE_EXP_MIN <= e + corr_offset <= RULE_EXP_MAX))
    if choice is None:
        raise ValueError(
            f"layer {inp.layer}: the causal term needs a learning-rule constant >= {needed:.4g}"
            f" (lr * signal_max * |alpha_pre/lam_pre| ="
            f" {inp.lr * inp.signal_max * abs(inp.a_eff):.4g} against a weight step of"
            f" {inp.weight_scale:.4g}), above the largest encodable 7*2^8; lower lr or"
            " signal_max, or raise weight_headroom")
    m, e = choice
    k2 = 2.0 ** SHIFT_CAUSAL / (inp.weight_scale * imp * flag * m * 2.0 ** e)
    operand = inp.signal_int_max * inp.psi_out_max
    ratio = inp.lr * inp.signal_scale * abs(inp.a_eff) * inp.psi_lsb * k2
    gain = neuron_gain(ratio, operand)
    y2_top = rounded_gain(operand, *gain)
    if y2_top < 1:
        raise _too_small("y2", inp.layer, y2_top)
    sgn = 1 if inp.a_eff > 0 else -1
    eff = (inp.weight_scale * imp * flag * m * 2.0 ** (e - SHIFT_CAUSAL)
           * gain[0] / (2.0 ** gain[1] * inp.signal_scale * inp.psi_lsb))
    out = {"causal": (sgn * m, e), "y2_gain": gain, "lr_alpha_pre": eff,
           "levels": {"y2": y2_top,
                      "causal": (inp.x1_top * y2_top * flag * m) >> SHIFT_CAUSAL}}
    if not inp.merged:
        out["correction"] = (-sgn * m, e + corr_offset)
        out["levels"]["correction"] = (y2_top * flag * m) >> SHIFT_X0
        out["lr_alpha_pre_x0"] = eff
    return out


def _x0_term(inp: RuleInputs, flag: int) -> dict:
    """The ``x0 * y3`` constant (non-causal term, plus the correction when merged)."""
    post_part = abs(inp.alpha_post) * TRACE_MAX * inp.trace_unit
    psi_part = abs(inp.a_eff) * inp.psi_peak if inp.merged else 0.0
    k3_max = _third_factor_headroom(
        "y3", inp.layer, inp.lr * inp.signal_max * (post_part + psi_part))
    needed = 2.0 ** SHIFT_X0 / (inp.weight_scale * flag * k3_max)
    choice = smallest_constant_at_least(needed)
    if choice is None:
        raise ValueError(
            f"layer {inp.layer}: the x0 * y3 term needs a learning-rule constant >="
            f" {needed:.4g} (lr * signal_max * (|alpha_post| trpsi_max"
            f"{' + |alpha_pre/lam_pre| psi_max' if inp.merged else ''}) ="
            f" {inp.lr * inp.signal_max * (post_part + psi_part):.4g}), above the largest"
            " encodable 7*2^8; lower lr or signal_max")
    m, e = choice
    k3 = 2.0 ** SHIFT_X0 / (inp.weight_scale * flag * m * 2.0 ** e)
    base = inp.lr * inp.signal_scale * k3
    ratio_t = base * abs(inp.alpha_post) * inp.trace_unit
    ratio_p = base * abs(inp.a_eff) * inp.psi_lsb if inp.merged else 0.0
    mt, mp, shift = pair_gain(ratio_t, ratio_p, inp.signal_int_max * TRACE_MAX,
                              inp.signal_int_max * inp.psi_out_max)
    top = rounded_gain(inp.signal_int_max, TRACE_MAX * mt + inp.psi_out_max * mp, shift)
    if top < 1:
        raise _too_small("y3", inp.layer, top)
    if inp.alpha_post != 0:
        sgn = 1 if inp.alpha_post > 0 else -1
    else:
        sgn = -1 if inp.a_eff > 0 else 1
    unit = inp.weight_scale * flag * m * 2.0 ** (e - SHIFT_X0) / (2.0 ** shift
                                                                   * inp.signal_scale)
    out = {"noncausal": (sgn * m, e), "y3_gain": (mt, mp, shift),
           "lr_alpha_post": unit * mt / inp.trace_unit if inp.trace_unit > 0 else 0.0,
           "levels": {"y3": top, "noncausal": (top * flag * m) >> SHIFT_X0}}
    if inp.merged and inp.a_eff != 0:
        out["lr_alpha_pre_x0"] = unit * mp / inp.psi_lsb
    return out


def constants_for_flag(inp: RuleInputs, flag: int) -> LearningConstants:
    """Constants for flag magnitude ``flag``; raises ValueError when they do not exist."""
    parts = []
    if inp.a_eff != 0:
        parts.append(_causal(inp, flag))
    if inp.alpha_post != 0 or (inp.merged and inp.a_eff != 0):
        parts.append(_x0_term(inp, flag))
    if not parts:
        raise ValueError(f"layer {inp.layer}: alpha_pre and alpha_post are both 0")
    merged: dict = {"levels": {}}
    for part in parts:
        levels = part.pop("levels")
        merged.update(part)
        merged["levels"].update(levels)
    return LearningConstants(
        flag=flag, merged=inp.merged, causal=merged.get("causal"),
        noncausal=merged.get("noncausal"), correction=merged.get("correction"),
        y2_gain=merged.get("y2_gain", (0, 0)), y3_gain=merged.get("y3_gain", (0, 0, 0)),
        levels=merged["levels"], lr_alpha_pre=merged.get("lr_alpha_pre", 0.0),
        lr_alpha_post=merged.get("lr_alpha_post", 0.0),
        lr_alpha_pre_x0=merged.get("lr_alpha_pre_x0", 0.0))


def choose_rule_constants(inp: RuleInputs) -> LearningConstants:
    """Best :class:`LearningConstants` over the flag magnitudes 1..63.

    Picks the flag that maximises the smallest level (ties: the larger flag, which the
    engine's rare stochastic decay of y1 disturbs least). Raises the ValueError of
    ``flag = 63`` (the smallest constants needed) if no flag works.
    """
    best: LearningConstants | None = None
    failure: ValueError | None = None
    for flag in range(1, FLAG_MAX + 1):
        try:
            cand = constants_for_flag(inp, flag)
        except ValueError as err:
            failure = err
            continue
        if best is None or cand.score >= best.score:
            best = cand
    if best is None:
        assert failure is not None
        raise failure
    return best
