"""From float S-TLLR (params + weights) to Loihi 2's fixed-point representation, and back.

``quantize(params, weights, options=QuantizeOptions(...))`` returns a
:class:`~lava_stllr.loihi.layer_fixed.FixedSTLLR`; ``dequantize`` gives its float view. The
options live in :mod:`lava_stllr.loihi.quantize_options`, the register and weight/signal
conversions in :mod:`lava_stllr.loihi.conversions`.

Per layer ``l`` (float quantities on the left, integers on the right)::

    w        = W_int * s_w                   W_int even in [-254, 254] (8-bit mixed-sign, x2)
    u        = v_int * s_v,  s_v = s_w * 2^-(weight_exp + 6)      (a_in = W_int.x << weight_exp)
    theta    = (vth << 6) * s_v              exactly: s_w is set from the integer vth
    beta     = (4096 - dv) / 4096
    psi      = psi_int * peak / 127          see loihi.psi_fixed
    trpsi    = tr_int * trace_unit           tr_int in [0, 127]
    trx      = x1 / x1_impulse               x1 in [0, 127], decay exp(-1/x1_tau)
    L        = L_int * s_L                   L_int signed ``signal_bits``
    dw       = W_int change * s_w            rule constants chosen so the product equals
                                             -lr * L * (alpha_pre/lam_pre_eff * psi * trx_syn
                                             + alpha_post * trpsi * x - ...)  (fixed_rule)

Scales are chosen so that nothing saturates silently: the largest weight (times
``weight_headroom``) fits 8 bits, the membrane keeps ``membrane_headroom * theta`` within
24 bits, the traces and the third factors reach at most 127 for the stated maxima
(``pre_trace_max``, ``post_trace_max``, ``signal_max``). A value that cannot be encoded
raises ``ValueError`` naming it. The pre-trace time constant is an 8-bit integer, so
``lam_pre`` is replaced by the nearest ``exp(-1/tau)`` (``lam_pre = 1`` by ``tau = 255``);
the timing correction uses that effective decay, so the rule stays self-consistent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lava_stllr import validate
from lava_stllr.core.psi import psi_kind
from lava_stllr.loihi.conversions import decay_numerator, dv_from_beta, even_weights, tau_from_lam
from lava_stllr.loihi.fixed_rule import FixedRule, stllr_products
from lava_stllr.loihi.layer_fixed import Dequantized, FixedSTLLR, LayerFixed
from lava_stllr.loihi.neuron_fixed import NeuronRegisters, ReadoutRegisters
from lava_stllr.loihi.psi_fixed import PsiFixed, make_psi_fixed
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.loihi.rule_constants import RuleInputs, choose_rule_constants
from lava_stllr.loihi.widths import (
    ACTIVATION_SHIFT,
    DECAY_UNITY,
    TRACE_MAX,
    WEIGHT_EVEN_MAX,
    WEIGHT_EXP_MAX,
    WEIGHT_EXP_MIN,
)
from lava_stllr.params import STLLRParams

# --------------------------------------------------------------------------------------
# Layer quantization
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Network:
    """Registers shared by every layer, and the options of one :func:`quantize` call."""

    params: STLLRParams
    options: QuantizeOptions
    x1_tau: int
    lam_pre_eff: float
    impulse_exp: int
    x1_top: int
    pre_trace_max: float
    lam_post_num: int
    dv: int

    @property
    def lam_post_eff(self) -> float:
        return self.lam_post_num / DECAY_UNITY


def _choose_weight_exp(theta: float, s_w0: float, vth_min: int, vth_max: int,
                       layer: int) -> tuple[int, int]:
    """Smallest weight exponent >= 0 giving ``vth >= vth_min`` (negative only if needed)."""
    def vth_of(we: int) -> int:
        return int(math.floor(theta * 2.0 ** we / s_w0))

    we = 0
    while vth_of(we) > vth_max and we > WEIGHT_EXP_MIN - 1:
        we -= 1
    while vth_of(we) < vth_min and vth_of(we + 1) <= vth_max and we < WEIGHT_EXP_MAX:
        we += 1
    vth = vth_of(we)
    if not WEIGHT_EXP_MIN <= we <= WEIGHT_EXP_MAX or not 1 <= vth <= vth_max:
        raise ValueError(
            f"layer {layer}: theta = {theta!r} cannot be encoded against a weight scale of"
            f" {s_w0:.4g} per mantissa unit: it needs weight_exp = {we} (Loihi range"
            f" [{WEIGHT_EXP_MIN}, {WEIGHT_EXP_MAX}]) and vth = {vth} (range [1, {vth_max}])")
    return we, vth


def _pre_trace(params: STLLRParams, pre_trace_max: float | None,
               notes: list[str]) -> tuple[int, float, int, int, float]:
    """``x1_tau``, its decay, the impulse exponent, the largest x1 and the trace bound.

    ``x1 <= ceil(lam * x1) + impulse``, so the impulse is the largest power of two (at most
    64) with ``(impulse + 1) * pre_trace_max <= 127``.
    """
    x1_tau = tau_from_lam(params.lam_pre)
    lam_eff = math.exp(-1.0 / x1_tau)
    if params.lam_pre >= 1.0:
        notes.append(f"lam_pre = 1 encoded as the largest x1_tau = {x1_tau}"
                     f" (decay {lam_eff:.5f} per step); reset traces between samples")
    elif abs(lam_eff - params.lam_pre) > 1e-12:
        notes.append(f"lam_pre = {params.lam_pre:g} encoded as integer x1_tau = {x1_tau}:"
                     f" effective decay {lam_eff:.5f}")
    trx_max = pre_trace_max if pre_trace_max is not None else 1.0 / (1.0 - lam_eff)
    imp_exp = 0
    while ((1 << (imp_exp + 1)) + 1) * trx_max <= TRACE_MAX and imp_exp + 1 <= 6:
        imp_exp += 1
    impulse = 1 << imp_exp
    if (impulse + 1) * trx_max > TRACE_MAX:
        notes.append(f"x1 saturates at 127 = {TRACE_MAX / impulse:g} spikes"
                     f" (pre trace bound {trx_max:.3g} spikes with impulse {impulse})")
    return x1_tau, lam_eff, imp_exp, min(TRACE_MAX, int(impulse * trx_max)), float(trx_max)


def _post_trace_gain(net: _Network, psi: PsiFixed, layer: int) -> tuple[int, float]:
    """Post-trace gain (numerator over 4096) and float trace per integer unit.

    127 covers ``post_trace_max`` plus the rounding drift ``1/(1 - lam_post)``.
    """
    lam = net.lam_post_eff
    if net.options.post_trace_max is not None:
        tr_max = net.options.post_trace_max
    elif lam < 1.0:
        tr_max = psi.peak / (1.0 - lam)
    else:
        raise ValueError("lam_post = 1 needs post_trace_max (the post trace never decays, so"
                         " its range is not bounded by lam_post)")
    margin = 1.0 / (1.0 - lam) if lam < 1.0 else 1.0
    usable = TRACE_MAX - margin
    if usable < 8:
        raise ValueError(
            f"lam_post = {net.params.lam_post!r} cannot be encoded in the 7-bit post trace:"
            f" rounding drift 1/(1 - lam_post) = {margin:.1f} leaves {usable:.1f} of"
            f" {TRACE_MAX} levels")
    gain = int(math.floor(DECAY_UNITY * psi.lsb * usable / tr_max))
    if not 1 <= gain <= DECAY_UNITY:
        raise ValueError(f"layer {layer}: post-trace gain {gain} outside [1, 4096]"
                         f" (post_trace_max = {tr_max:.4g})")
    return gain, psi.lsb * DECAY_UNITY / gain


def _layer(net: _Network, index: int, absmax: float, signal_max: float, readout: bool,
           weights: np.ndarray | None, notes: list[str]) -> LayerFixed:
    """Quantize one layer: weight and membrane scales, neuron program, rule constants."""
    params = net.params
    opts = net.options
    s_w0 = absmax * opts.weight_headroom / WEIGHT_EVEN_MAX
    a_eff = (1.0 if readout else params.alpha_pre) / net.lam_pre_eff
    common = dict(layer=index, impulse_exp=net.impulse_exp, x1_top=net.x1_top, lr=params.lr,
                  signal_max=signal_max, signal_bits=opts.signal_bits, a_eff=a_eff)
    if readout:
        we, vth, s_w = 0, 0, s_w0
        lc = choose_rule_constants(RuleInputs(
            weight_scale=s_w, alpha_post=0.0, psi_lsb=1.0, psi_out_max=1, psi_peak=1.0,
            trace_unit=0.0, **common))
        dv_out = dv_from_beta(params.beta if opts.beta_out is None else opts.beta_out, "beta_out")
        neuron: NeuronRegisters | ReadoutRegisters = ReadoutRegisters(
            dv_out, *lc.y2_gain, lc.y3_gain[1], lc.y3_gain[2], opts.signal_bits, flag=lc.flag)
        trace_unit, alpha_post = 0.0, 0.0
    else:
        we, vth = _choose_weight_exp(params.theta, s_w0, opts.vth_min, opts.vth_max, index)
        s_w = params.theta * 2.0 ** we / vth  # theta exact, weights still fit
        if we < 0:
            notes.append(f"layer {index}: weight_exp = {we} drops {-we} LSB(s) of the"
                         " dendritic sum")
        try:
            psi = make_psi_fixed(params.psi, s_w * 2.0 ** -(we + ACTIVATION_SHIFT),
                                 opts.psi_bits, opts.psi_entries)
        except ValueError as err:
            raise ValueError(f"layer {index}: psi cannot be encoded: {err}") from err
        trace_gain, trace_unit = _post_trace_gain(net, psi, index)
        alpha_post = params.alpha_post
        lc = choose_rule_constants(RuleInputs(
            weight_scale=s_w, alpha_post=alpha_post, psi_lsb=psi.lsb, psi_out_max=psi.out_max,
            psi_peak=psi_kind(params.psi).peak, trace_unit=trace_unit, **common))
        neuron = NeuronRegisters(
            net.dv, vth, params.reset, psi, net.lam_post_num, trace_gain, *lc.y2_gain,
            lc.y3_gain[0], lc.y3_gain[2], opts.signal_bits, causal=lc.causal is not None,
            noncausal=lc.noncausal is not None, flag=lc.flag, y3_psi_mult=lc.y3_gain[1])
    w_int = None if weights is None else even_weights(weights / s_w,
                                                      f"layer {index} weight mantissas")
    products = stllr_products(lc.causal, lc.noncausal, lc.correction, merged=lc.merged)
    sig_int_max = (1 << (opts.signal_bits - 1)) - 1
    return LayerFixed(
        index=index, readout=readout, weights=w_int, weight_absmax=absmax, weight_scale=s_w,
        weight_exp=we, membrane_scale=s_w * 2.0 ** -(we + ACTIVATION_SHIFT), vth=vth,
        signal_max=signal_max, signal_scale=signal_max / sig_int_max,
        rule=FixedRule(products, 1 << net.impulse_exp, net.x1_tau, flag=lc.flag),
        learning=lc, neuron=neuron, trace_unit=trace_unit,
        effective={"lr_alpha_pre": lc.lr_alpha_pre, "lr_alpha_pre_x0": lc.lr_alpha_pre_x0,
                   "lr_alpha_pre_target": params.lr * abs(a_eff),
                   "lr_alpha_post": lc.lr_alpha_post,
                   "lr_alpha_post_target": params.lr * abs(alpha_post)})


def _layer_sizes(weights: Sequence[np.ndarray] | None, options: QuantizeOptions
                 ) -> tuple[list[np.ndarray] | None, list[float]]:
    """Validated float weights and the largest magnitude per layer."""
    if weights is None and options.weight_absmax is None:
        raise ValueError("give weights or weight_absmax")
    if weights is not None:
        n_layers = len(weights)
    else:
        n_layers = len(options.weight_absmax) if isinstance(options.weight_absmax, tuple) else 1
    if n_layers < 1:
        raise ValueError("need at least one layer")
    absmax = options.per_layer("weight_absmax", n_layers)
    if weights is None:
        assert absmax is not None
        return None, absmax
    arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    for i, w in enumerate(arrays):
        if w.ndim != 2 or not np.all(np.isfinite(w)):
            raise ValueError(f"weights[{i}] must be a finite 2-D (post, pre) array")
    if absmax is None:
        absmax = [float(np.max(np.abs(w))) if w.size else 0.0 for w in arrays]
        for i, a in enumerate(absmax):
            if a == 0.0:
                raise ValueError(f"weights[{i}] are all zero: give weight_absmax")
    return arrays, absmax


def quantize(params: STLLRParams, weights: Sequence[np.ndarray] | None = None,
             options: QuantizeOptions | None = None) -> FixedSTLLR:
    """Choose the fixed-point representation of S-TLLR for a network.

    Parameters
    ----------
    params : STLLRParams
    weights : sequence of (post, pre) float arrays, optional
        Float weights per layer; their largest magnitude sets each layer's weight scale.
        Without them, ``options.weight_absmax`` must be given.
    options : QuantizeOptions, optional
        Headrooms, signal width, trace bounds, the readout (default ``QuantizeOptions()``).

    Returns
    -------
    FixedSTLLR

    Raises
    ------
    ValueError
        Naming the value that cannot be encoded.
    """
    validate.instance("params", params, STLLRParams)
    opts = QuantizeOptions() if options is None else validate.instance(
        "options", options, QuantizeOptions)
    arrays, absmax = _layer_sizes(weights, opts)
    n_layers = len(absmax)
    signals = opts.per_layer("signal_max", n_layers)
    assert signals is not None

    notes: list[str] = []
    x1_tau, lam_pre_eff, imp_exp, x1_top, trx_max = _pre_trace(params, opts.pre_trace_max,
                                                                notes)
    net = _Network(
        params=params, options=opts, x1_tau=x1_tau, lam_pre_eff=lam_pre_eff,
        impulse_exp=imp_exp, x1_top=x1_top, pre_trace_max=trx_max,
        lam_post_num=decay_numerator("lam_post", params.lam_post), dv=dv_from_beta(params.beta))
    layers = tuple(
        _layer(net, i, absmax[i], signals[i], opts.readout_last and i == n_layers - 1,
               None if arrays is None else arrays[i], notes)
        for i in range(n_layers))
    return FixedSTLLR(params=params, layers=layers, x1_impulse=1 << imp_exp, x1_tau=x1_tau,
                      lam_pre_eff=lam_pre_eff, pre_trace_max=trx_max,
                      lam_post_eff=net.lam_post_eff,
                      beta_eff=(DECAY_UNITY - net.dv) / DECAY_UNITY, notes=tuple(notes))



def dequantize(fixed: FixedSTLLR, weights: Sequence[np.ndarray] | None = None) -> Dequantized:
    """Float view of a fixed-point network, for comparison with the float reference.

    Parameters
    ----------
    fixed : FixedSTLLR
    weights : sequence of int arrays, optional
        Weight mantissas per layer (default: those stored in ``fixed``).

    Returns
    -------
    Dequantized
        ``weights``: float weights ``W_int * s_w`` per layer (None where unknown);
        ``params``: per layer, the :class:`STLLRParams` the integers implement (effective
        ``lam_pre``, ``lam_post``, ``beta``, ``alpha_pre``, ``alpha_post``; ``lr`` kept).
    """
    if weights is not None and len(weights) != len(fixed.layers):
        raise ValueError(f"weights must have one entry per layer ({len(fixed.layers)})")
    out_w: list[np.ndarray | None] = []
    out_p: list[STLLRParams] = []
    p = fixed.params
    for k, layer in enumerate(fixed.layers):
        w = weights[k] if weights is not None else layer.weights
        out_w.append(None if w is None else np.asarray(w, dtype=np.float64) * layer.weight_scale)
        eff = layer.effective
        sign_pre = 1.0 if layer.readout else p.alpha_pre
        alpha_pre = (math.copysign(eff["lr_alpha_pre"] * fixed.lam_pre_eff / p.lr, sign_pre)
                     if sign_pre != 0 else 0.0)
        alpha_post = (math.copysign(eff["lr_alpha_post"] / p.lr, p.alpha_post)
                      if p.alpha_post != 0 and not layer.readout else 0.0)
        beta = (DECAY_UNITY - layer.neuron.dv) / DECAY_UNITY
        out_p.append(p.replace(lam_pre=fixed.lam_pre_eff, lam_post=fixed.lam_post_eff,
                               beta=beta, alpha_pre=alpha_pre, alpha_post=alpha_post))
    return Dequantized(out_w, out_p)
