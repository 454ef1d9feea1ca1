"""The register-level listing: complete, all checks pass for the presets, clear failures;
and the widths it checks against agree with Lava 0.10.0's own constants."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from lava_stllr.loihi import widths as W
from lava_stllr.loihi.microcode import constraint_checks, format_microcode, microcode_listing
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.params import PRESETS, STLLRParams


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_listing_is_complete_and_passes(preset: str) -> None:
    params = STLLRParams.preset(preset)
    rng = np.random.default_rng(0)
    weights = [rng.uniform(-0.3, 0.3, (16, 24)), rng.uniform(-0.5, 0.5, (4, 16))]
    fx = quantize(params, weights, QuantizeOptions(readout_last=True))
    listing = microcode_listing(params, fx)
    assert listing["ok"] and all(c["ok"] for c in listing["checks"])
    assert json.loads(json.dumps(listing)) == listing  # JSON-serialisable
    assert listing["network"]["x1_tau"] == fx.x1_tau
    assert listing["network"]["x1_decay_per_step"] == pytest.approx(np.exp(-1 / fx.x1_tau))
    for entry, layer in zip(listing["layers"], fx.layers, strict=True):
        rule = entry["learning_rule"]
        assert rule["dw"] == layer.rule.dw
        assert len(rule["products"]) == len(layer.rule.products) >= 2
        for prod in rule["products"]:
            assert prod["text"].lstrip("-") in rule["dw"]
            assert {"dependency", "factors", "mantissa", "exponent", "stored_exponent",
                    "shift", "role"} <= set(prod)
        assert entry["neuron"]["program"]
        assert entry["weights"]["weight_exp"] == layer.weight_exp
    hidden = listing["layers"][0]
    assert hidden["threshold"]["theta"] == pytest.approx(params.theta)
    assert hidden["psi"]["max_error"] <= 1.25 * hidden["psi"]["lsb"]
    names = {c["name"] for c in listing["checks"]}
    for needed in ("x1_impulse", "x1_tau", "t_epoch", "layer 0 vth", "layer 0 weight_exp",
                   "layer 0 product 0 (causal) mantissa", "layer 0 largest y2",
                   "layer 0 y1 flag high (64 + F)", "layer 0 post trace bound",
                   "layer 1 readout dv"):
        assert needed in names
    text = format_microcode(listing)
    assert "all constraint checks pass" in text and "FAIL" not in text
    for prod in listing["layers"][0]["learning_rule"]["products"]:
        assert prod["meaning"] in text
    assert "neuron program" in text and "vth << 6" in text


def test_listing_without_weights_uses_a_default_scale() -> None:
    listing = microcode_listing(STLLRParams.preset("shd"))
    assert listing["ok"] and len(listing["layers"]) == 1
    assert listing["layers"][0]["weights"]["weight_absmax"] == 1.0
    assert any("lam_pre = 1" in n for n in listing["notes"])


@pytest.mark.parametrize(("params", "message"), [
    (STLLRParams(lr=5000.0), "causal term needs a learning-rule constant"),
    (STLLRParams(lam_post=0.999), "lam_post = 0.999 cannot be encoded"),
    (STLLRParams(theta=1e-7), "theta = 1e-07 cannot be encoded"),
])
def test_unencodable_parameters_fail_with_a_clear_message(params: STLLRParams,
                                                          message: str) -> None:
    with pytest.raises(ValueError, match=message):
        microcode_listing(params, options=QuantizeOptions(weight_absmax=0.3))


def test_failing_check_is_reported() -> None:
    params = STLLRParams()
    fx = quantize(params, [np.full((2, 3), 0.25)])
    bad = dataclasses.replace(fx, layers=(dataclasses.replace(fx.layers[0], weight_exp=9),))
    with pytest.raises(ValueError, match=r"layer 0 weight_exp = 9 not in \[-8, 7\]"):
        microcode_listing(params, bad)
    listing = microcode_listing(params, bad, strict=False)
    assert not listing["ok"]
    assert "FAIL" in format_microcode(listing) and "1 check(s) FAIL" in format_microcode(listing)
    failed = [(c.name, c.severity) for c in constraint_checks(bad) if not c.ok]
    # the exponent itself, and (a warning) the worst-case dendritic sum it would shift
    assert failed == [("layer 0 weight_exp", "error"),
                      ("layer 0 a_in with every input active", "warning")]
    with pytest.raises(ValueError, match="different params"):
        microcode_listing(STLLRParams(lr=0.5), fx)
    with pytest.raises(ValueError, match="not both"):
        microcode_listing(params, fx, options=QuantizeOptions(weight_absmax=1.0))
    with pytest.raises(ValueError, match="listing"):
        format_microcode({"format": "other"})


def test_widths_agree_with_lava() -> None:
    from lava.magma.core.learning import constants as C
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule
    from lava.magma.core.model.py.connection import LearningConnectionModelBitApproximate as M
    from lava.proc.lif.models import AbstractPyLifModelFixed, PyLifModelBitAcc

    assert W.WEIGHT_MAGNITUDE_BITS == C.W_WEIGHTS_U and W.WEIGHT_SIGNED_BITS == C.W_WEIGHTS_S
    assert W.TRACE_BITS == C.W_TRACE and W.TRACE_IMPULSE_FRAC_BITS == C.W_TRACE_FRACTIONAL_PART
    assert W.RULE_MANTISSA_BITS == C.W_S_MANT and W.RULE_CONST_BITS == C.W_CONST
    assert W.ACCUMULATOR_BITS == C.W_ACCUMULATOR_U
    assert W.ACCUMULATOR_SIGNED_BITS == C.W_ACCUMULATOR_S
    assert W.EPOCH_TIME_BITS == C.W_EPOCH_TIME
    assert W.WEIGHT_UPDATE_FRAC_BITS == C.W_ACCUMULATOR_S - C.W_WEIGHTS_S == 7
    assert {k: W.FACTOR_WIDTHS[k] for k in C.FACTOR_TO_WIDTH_DICT} == C.FACTOR_TO_WIDTH_DICT
    assert W.Y_TAU_3F == Loihi3FLearningRule(dw="u0 * x1", x1_tau=2).y1_tau
    assert M.x1_tau.precision == W.TRACE_TAU_BITS and M.x1_impulse.precision == 8
    assert M.s_in_y1.precision == W.THIRD_FACTOR_BITS
    assert PyLifModelBitAcc.vth.precision == W.VTH_BITS
    assert AbstractPyLifModelFixed.dv.precision == W.DECAY_BITS
    assert AbstractPyLifModelFixed.v.precision == W.MEMBRANE_BITS
    assert AbstractPyLifModelFixed.a_in.precision == W.ACTIVATION_BITS
    assert AbstractPyLifModelFixed.bias_mant.precision == W.BIAS_MANTISSA_BITS
    assert PyLifModelBitAcc.s_out.precision == W.GRADED_SPIKE_BITS
    lif = PyLifModelBitAcc({"shape": (1,)})
    assert (lif.vth_shift, lif.act_shift, lif.decay_shift) == (W.VTH_SHIFT,
                                                               W.ACTIVATION_SHIFT, W.DECAY_BITS)


def test_weight_ranges_agree_with_lava() -> None:
    """WEIGHT_MAX (255) bounds learned weights, WEIGHT_EVEN_MAX (254) initial/exported ones:
    Lava clips mixed-sign weights to [-256, 255] and truncates static ones to even values."""
    from lava.utils.weightutils import SignMode, clip_weights, truncate_weights

    extremes = np.array([-1000, -257, 1000, 255])
    clipped = clip_weights(extremes, SignMode.MIXED, num_bits=W.WEIGHT_MAGNITUDE_BITS)
    assert list(clipped) == [W.WEIGHT_MIN, W.WEIGHT_MIN, W.WEIGHT_MAX, W.WEIGHT_MAX]
    static = truncate_weights(clipped, SignMode.MIXED, num_weight_bits=8)
    assert static.max() == W.WEIGHT_EVEN_MAX == 254 and static.min() == W.WEIGHT_MIN
    assert np.all(static % W.WEIGHT_INIT_STEP_MIXED == 0)


def test_the_per_sample_listing_shows_the_tag_rule() -> None:
    params = STLLRParams.preset("code_default")
    listing = microcode_listing(params, update="sample")
    rule = listing["layers"][0]["learning_rule"]
    assert rule["update"] == "sample" and rule["dw"] == "1*2^0 * y0 * t"
    assert rule["dt"].endswith("- 1*2^0 * y0 * t") and "u0 * x1 * y2" in rule["dt"]
    assert [p["role"] for p in rule["gate_products"]] == ["transfer", "reset"]
    text = format_microcode(listing)
    assert "dt = " in text and "bap = gate" in text and "transfer" in text
    step = microcode_listing(params)["layers"][0]["learning_rule"]
    assert "dt" not in step and step["gate_products"] == []
    with pytest.raises(ValueError, match="update"):
        microcode_listing(params, update="epoch")
