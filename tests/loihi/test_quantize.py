"""Quantization of S-TLLR to Loihi 2 widths: consistency, round trips, clear failures."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lava_stllr.core.psi import PSI_KINDS
from lava_stllr.loihi.conversions import (
    dequantize_membrane,
    dv_from_beta,
    quantize_signal,
    quantize_weights,
    tau_from_lam,
)
from lava_stllr.loihi.microcode import constraint_checks
from lava_stllr.loihi.neuron_fixed import NeuronRegisters, ReadoutRegisters
from lava_stllr.loihi.quantize import dequantize, quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.params import PRESETS, STLLRParams


def _weights(seed: int = 0, scale: float = 0.3) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-scale, scale, (16, 24)), rng.uniform(-2 * scale, 2 * scale, (4, 16))]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_presets_quantize_consistently(preset: str) -> None:
    params = STLLRParams.preset(preset)
    weights = _weights()
    fx = quantize(params, weights, QuantizeOptions(readout_last=True))
    assert len(fx.layers) == 2 and fx.layers[1].readout and not fx.layers[0].readout
    for layer, w in zip(fx.layers, weights, strict=True):
        w_int = layer.weights
        assert np.all(w_int % 2 == 0) and np.abs(w_int).max() <= 254
        # largest weight x headroom 2 uses the 8-bit range (about half of it initially)
        assert 100 <= np.abs(w_int).max() <= 128
        assert np.max(np.abs(w_int * layer.weight_scale - w)) <= layer.weight_scale + 1e-12
        assert np.array_equal(quantize_weights(w, layer), w_int)
        for name in ("y2", "y3"):
            if name in layer.learning.levels:
                assert 1 <= layer.learning.levels[name] <= 127
        eff, regs = layer.effective, layer.neuron
        # each gain is its multiplier over 2**shift, the multiplier rounded down: within
        # one part in the multiplier (which the 24-bit register bounds)
        for name, target, mult in (
                ("lr_alpha_pre", "lr_alpha_pre_target", regs.y2_mult),
                ("lr_alpha_pre_x0", "lr_alpha_pre_target",
                 getattr(regs, "y3_psi_mult", 0) or regs.y3_mult),
                ("lr_alpha_post", "lr_alpha_post_target", regs.y3_mult)):
            if eff[target]:
                assert mult >= 32
                assert eff[name] == pytest.approx(eff[target], rel=1 / mult), name
    hidden = fx.layers[0]
    assert isinstance(hidden.neuron, NeuronRegisters)
    # theta is exact: vth << 6 integer units of membrane_scale
    assert (hidden.vth << 6) * hidden.membrane_scale == pytest.approx(params.theta, rel=1e-12)
    assert hidden.membrane_scale == pytest.approx(
        hidden.weight_scale * 2.0 ** -(hidden.weight_exp + 6), rel=1e-12)
    assert dequantize_membrane(np.array([hidden.vth << 6]), hidden)[0] == \
        pytest.approx(params.theta)
    assert isinstance(fx.layers[1].neuron, ReadoutRegisters) and fx.layers[1].vth == 0
    assert len(fx.layers[1].rule.products) == 2  # readout: causal + merged correction
    # the float parameters the integers implement
    deq = dequantize(fx)
    assert np.allclose(deq.weights[0], hidden.weights * hidden.weight_scale)
    hid_p, out_p = deq.params
    assert hid_p.lam_pre == pytest.approx(math.exp(-1 / fx.x1_tau))
    assert abs(hid_p.lam_post - params.lam_post) <= 0.5 / 4096
    assert abs(hid_p.beta - params.beta) <= 0.5 / 4096
    hid_n, out_n = hidden.neuron, fx.layers[1].neuron  # within one part in the multiplier
    assert hid_p.alpha_pre == pytest.approx(params.alpha_pre, rel=1 / hid_n.y2_mult)
    assert hid_p.alpha_post == pytest.approx(params.alpha_post, rel=1 / hid_n.y3_mult)
    assert out_p.alpha_pre == pytest.approx(1.0, rel=1 / out_n.y2_mult)
    assert out_p.alpha_post == 0.0


def test_register_encoders() -> None:
    assert tau_from_lam(math.exp(-1 / 4)) == 4
    assert tau_from_lam(0.5) == 2 and tau_from_lam(0.8) == 5 and tau_from_lam(1.0) == 255
    assert tau_from_lam(0.01) == 1
    with pytest.raises(ValueError, match="lam_pre = 0 cannot be encoded"):
        tau_from_lam(0.0)
    assert dv_from_beta(0.9) == 410 and dv_from_beta(1.0) == 0
    with pytest.raises(ValueError, match=r"beta = 0.0 cannot be encoded: dv = 4096"):
        dv_from_beta(0.0)


def test_lam_pre_one_and_x1_impulse() -> None:
    fx = quantize(STLLRParams.preset("shd"), options=QuantizeOptions(weight_absmax=0.5))
    assert fx.x1_tau == 255 and fx.x1_impulse == 1
    assert any("lam_pre = 1" in n for n in fx.notes)
    assert any("saturates" in n for n in fx.notes)
    fx = quantize(STLLRParams(lam_pre=0.25), options=QuantizeOptions(weight_absmax=0.5))
    # steady state 1/(1 - lam_eff) spikes, with (impulse + 1) * bound <= 127
    assert (fx.x1_impulse + 1) / (1 - fx.lam_pre_eff) <= 127
    assert 2 * (fx.x1_impulse + 1) / (1 - fx.lam_pre_eff) > 127 or fx.x1_impulse == 64


def test_weight_exponent_follows_theta_to_weight_ratio() -> None:
    big = quantize(STLLRParams(theta=0.6), options=QuantizeOptions(weight_absmax=3.0))
    assert big.layers[0].weight_exp > 0 and big.layers[0].vth >= 256
    small = quantize(STLLRParams(theta=0.6), options=QuantizeOptions(weight_absmax=1e-4))
    assert small.layers[0].weight_exp < 0 and any("drops" in n for n in small.notes)
    assert (small.layers[0].vth << 6) * 8 <= 2**23 - 1


@pytest.mark.parametrize(("params", "options", "message"), [
    (STLLRParams(lr=5000.0), {}, "causal term needs a learning-rule constant"),
    (STLLRParams(lr=1e-9), {}, "third factor y2 cannot be encoded"),
    (STLLRParams(lr=1e-9, alpha_pre=0.0), {}, "third factor y3 cannot be encoded"),
    (STLLRParams(lam_post=0.999), {}, "lam_post = 0.999 cannot be encoded"),
    (STLLRParams(lam_post=1.0), {}, "lam_post = 1 needs post_trace_max"),
    (STLLRParams(lam_pre=0.0), {}, "lam_pre = 0 cannot be encoded"),
    (STLLRParams(beta=0.0), {}, "beta = 0.0 cannot be encoded"),
    (STLLRParams(theta=1e-7), {}, "theta = 1e-07 cannot be encoded"),
    (STLLRParams(theta=1e4), {}, "theta = 10000.0 cannot be encoded"),
    (STLLRParams(), dict(signal_bits=30), "signal_bits"),
    (STLLRParams(), dict(weight_headroom=0.5), "weight_headroom"),
    (STLLRParams(), dict(signal_max=[1.0, 2.0]), "signal_max must have one entry"),
])
def test_unencodable_values_raise_naming_them(params: STLLRParams, options: dict,
                                              message: str) -> None:
    with pytest.raises(ValueError, match=message):
        quantize(params, options=QuantizeOptions(**{"weight_absmax": 0.3, **options}))


def test_options_are_frozen_and_validated() -> None:
    opts = QuantizeOptions(weight_absmax=[0.3, 0.5], signal_max=np.array([0.5, 1.0]))
    assert opts.weight_absmax == (0.3, 0.5) and opts.signal_max == (0.5, 1.0)
    assert opts.per_layer("signal_max", 2) == [0.5, 1.0]
    assert QuantizeOptions().per_layer("signal_max", 3) == [1.0, 1.0, 1.0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.vth_min = 1  # type: ignore[misc]
    assert opts.replace(vth_min=1).vth_min == 1 and opts.vth_min == 256
    with pytest.raises(ValueError, match=r"vth_min must be an integer in \[1, 16383\]"):
        QuantizeOptions(vth_min=20000)
    with pytest.raises(ValueError, match="readout_last must be a bool"):
        QuantizeOptions(readout_last=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="weight_absmax entries must be in"):
        QuantizeOptions(weight_absmax=[0.3, -1.0])
    with pytest.raises(ValueError, match="post_trace_max"):
        QuantizeOptions(post_trace_max=0.0)
    with pytest.raises(ValueError, match="options must be a QuantizeOptions"):
        quantize(STLLRParams(), [np.ones((2, 3))], {"readout_last": True})  # type: ignore[arg-type]


def test_quantize_validates_weights() -> None:
    with pytest.raises(ValueError, match="weights or weight_absmax"):
        quantize(STLLRParams())
    with pytest.raises(ValueError, match="all zero"):
        quantize(STLLRParams(), [np.zeros((2, 3))])
    with pytest.raises(ValueError, match="2-D"):
        quantize(STLLRParams(), [np.ones(3)])
    with pytest.raises(ValueError, match="STLLRParams"):
        quantize({"lr": 1e-3}, options=QuantizeOptions(weight_absmax=1.0))  # type: ignore[arg-type]
    fx = quantize(STLLRParams(), options=QuantizeOptions(weight_absmax=0.3))
    with pytest.raises(ValueError, match="weight mantissas = .* does not fit 9-bit signed"):
        quantize_weights(np.array([[5.0]]), fx.layers[0])


def test_signal_encoding() -> None:
    fx = quantize(STLLRParams(), options=QuantizeOptions(weight_absmax=0.3, signal_max=2.0))
    layer = fx.layers[0]
    assert list(quantize_signal(np.array([-2.0, 0.0, 1.0]), layer)) == [-255, 0, 128]
    with pytest.raises(ValueError, match=r"signal = 510 at index \(0,\) does not fit 9-bit"):
        quantize_signal(np.array([4.0]), layer)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lam_pre=st.floats(0.05, 1.0), lam_post=st.floats(0.0, 0.95),
    alpha_pre=st.sampled_from([1.0, 0.5, -1.0, 0.0]), alpha_post=st.floats(-2.0, 2.0),
    lr=st.floats(1e-4, 5e-2), theta=st.floats(0.1, 2.0), absmax=st.floats(0.01, 3.0),
    psi=st.sampled_from(sorted(PSI_KINDS)), signal_max=st.floats(0.2, 4.0),
)
# Found by a random run: the y3 scale underflowed to 0 and raised ZeroDivisionError.
@example(lam_pre=0.5, lam_post=0.5, alpha_pre=1.0, alpha_post=5e-324, lr=1e-4, theta=0.6,
         absmax=0.01, psi="rational", signal_max=0.2)
@example(lam_pre=0.5, lam_post=0.5, alpha_pre=0.0, alpha_post=5e-324, lr=1e-4, theta=0.6,
         absmax=0.01, psi="rational", signal_max=0.2)
def test_nothing_encodes_out_of_range(lam_pre: float, lam_post: float, alpha_pre: float,
                                      alpha_post: float, lr: float, theta: float,
                                      absmax: float, psi: str, signal_max: float) -> None:
    """Any parameter set either raises a ValueError or passes every register check."""
    if alpha_pre == 0.0 and alpha_post == 0.0:
        alpha_post = 1.0
    params = STLLRParams(lam_pre=lam_pre, lam_post=lam_post, alpha_pre=alpha_pre,
                         alpha_post=alpha_post, lr=lr, theta=theta, psi=psi)
    try:
        fx = quantize(params, options=QuantizeOptions(weight_absmax=[absmax, absmax],
                                                      readout_last=True, signal_max=signal_max))
    except ValueError as err:
        assert str(err)
        return
    failed = [c for c in constraint_checks(fx) if not c.ok and c.severity == "error"]
    assert not failed, failed


def test_rule_constant_search_helpers() -> None:
    from lava_stllr.loihi.rule_constants import (
        REGISTER_MAX,
        neuron_gain,
        pair_gain,
        rule_constant_candidates,
        smallest_constant_at_least,
    )

    values = [v for v, _, _ in rule_constant_candidates()]
    assert len(values) == 7 * 16 and values == sorted(values)
    assert values[0] == 2.0**-7 and values[-1] == 7 * 2.0**8
    assert smallest_constant_at_least(0.0) == (1, -7)
    assert smallest_constant_at_least(2.9 * 2.0**-5) in ((3, -5), (6, -6))
    assert smallest_constant_at_least(1793.0) is None
    mult, shift = neuron_gain(0.001234, 127 * 127)
    assert mult * 127 * 127 <= REGISTER_MAX < 2 * mult * 127 * 127
    assert mult / 2**shift <= 0.001234 < (mult + 1) / 2**shift
    ma, mb, sh = pair_gain(0.01, 0.002, 127 * 127, 127 * 127)
    assert (ma + mb) * 127 * 127 <= REGISTER_MAX and ma / mb == pytest.approx(5, rel=0.01)
    with pytest.raises(ValueError, match="ratio"):
        neuron_gain(0.0, 10)


def test_separate_rule_ties_the_correction_to_the_causal_constant() -> None:
    """alpha_post and alpha_pre of one sign (SHD): a third product with
    mC * 2^eC = mA * 2^eA * x1_impulse / 2^7 exactly; otherwise two products."""
    shd = quantize(STLLRParams.preset("shd"), options=QuantizeOptions(weight_absmax=0.3)).layers[0]
    causal, noncausal, correction = shd.rule.products
    assert (causal.role, noncausal.role, correction.role) == ("causal", "noncausal",
                                                              "correction")
    impulse = shd.rule.x1_impulse
    assert -correction.mantissa * 2.0**correction.exponent == \
        causal.mantissa * 2.0**causal.exponent * impulse / 2**7
    assert not shd.learning.merged and shd.neuron.y3_psi_mult == 0
    dvs = quantize(STLLRParams.preset("dvs_gesture"),
                   options=QuantizeOptions(weight_absmax=0.3)).layers[0]
    assert [p.role for p in dvs.rule.products] == ["causal", "noncausal"]
    assert dvs.learning.merged and dvs.neuron.y3_psi_mult > 0
