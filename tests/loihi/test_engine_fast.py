"""The fast learning-engine step is bit-exact with the literal replica of Lava's
bit-approximate engine, and the fixed synapse step restarts its trace at sample starts."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.loihi.bit_approx import EngineRandomStream
from lava_stllr.loihi.engine_fast import compile_products, fast_learning_step
from lava_stllr.loihi.engine_replica import bit_approx_learning_step
from lava_stllr.loihi.fixed_rule import FactorSpec, ProductSpec
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.loihi.synapse import FixedDenseConfig, fixed_dense_step
from lava_stllr.params import PRESETS, STLLRParams

GENERIC = (  # constants, a u0 product without x1 (touches every column), x1 on x0
    ProductSpec("x0", (FactorSpec("y1"), FactorSpec("y3", -20)), -5, 1),
    ProductSpec("u", (FactorSpec("x1"), FactorSpec("y1", 5)), 1, -7),
    ProductSpec("x0", (FactorSpec("x1"), FactorSpec("y2")), 7, -2),
    ProductSpec("u", (FactorSpec("y2"), FactorSpec("C", 3)), 7, 8),
)
WRAPPING = (  # x1 * y1 * y2 * 255 * 7 can exceed int32: the engine's product wraps
    ProductSpec("u", (FactorSpec("x1"), FactorSpec("y1"), FactorSpec("y2"),
                      FactorSpec("C", 255)), 7, 8),
)


def _rules() -> dict[str, tuple]:
    rules = {"generic": (GENERIC, 20, 3), "wrapping": (WRAPPING, 127, 20)}
    rng = np.random.default_rng(0)
    for preset in sorted(PRESETS):
        for readout in (False, True):
            layer = quantize(STLLRParams.preset(preset, lr=0.05),
                             [rng.uniform(-0.3, 0.3, (6, 9))],
                             QuantizeOptions(readout_last=readout)).layers[0]
            rules[f"{preset}-{'readout' if readout else 'hidden'}"] = (
                layer.rule.products, layer.rule.x1_impulse, layer.rule.x1_tau)
    return rules


RULES = _rules()


@pytest.mark.parametrize("name", list(RULES))
def test_fast_step_is_bit_exact_with_the_engine_replica(name: str) -> None:
    products, impulse, tau = RULES[name]
    compiled = compile_products(products)
    for seed in range(12):
        rng = np.random.default_rng(seed)
        n_post, n_pre = rng.integers(1, 8), rng.integers(1, 12)
        w_ref = rng.integers(-256, 256, (n_post, n_pre)).astype(np.int32)
        w_fast = w_ref.copy()
        x1 = np.zeros(n_pre, dtype=np.int64)
        stream = EngineRandomStream(seed)
        for t in range(30):
            pre = rng.random(n_pre) < rng.random()
            y = rng.integers(0, 128, (3, n_post)) * (rng.random((3, n_post)) < 0.7)
            if seed % 2:
                y[0] = np.where(rng.random(n_post) < 0.5, 1, 127)
            bap = rng.random(n_post) < 0.3
            randoms = stream.next()
            w_ref, x_ref = bit_approx_learning_step(w_ref, x1, pre, y, bap, products, impulse,
                                                    tau, randoms)
            x_fast = fast_learning_step(w_fast, x1, pre, y, bap, compiled, impulse, tau,
                                        randoms)
            np.testing.assert_array_equal(x_fast, x_ref, err_msg=f"{name} {seed} {t}")
            np.testing.assert_array_equal(w_fast, w_ref, err_msg=f"{name} {seed} {t}")
            x1 = x_ref


def test_compile_products_rejects_what_it_cannot_factorise() -> None:
    assert compile_products(WRAPPING)[0].may_wrap
    assert not compile_products(GENERIC)[0].may_wrap
    with pytest.raises(ValueError, match="u0 and x0"):
        compile_products((ProductSpec("y0", (FactorSpec("x1"),), 1, 0),))
    with pytest.raises(ValueError, match="x1"):
        compile_products((ProductSpec("u", (FactorSpec("x1"), FactorSpec("x1")), 1, 0),))
    with pytest.raises(ValueError, match="factor"):
        compile_products((ProductSpec("u", (FactorSpec("x0"),), 1, 0),))
    with pytest.raises(ValueError, match="at least one"):
        compile_products(())
    with pytest.raises(ValueError, match="integer"):
        fast_learning_step(np.zeros((1, 1), np.int32), np.zeros(1), np.zeros(1),
                           np.zeros((3, 1)), np.zeros(1), compile_products(GENERIC), 1.5, 4,
                           EngineRandomStream(0).next())


def test_fixed_dense_step_restarts_the_trace_at_a_sample_start() -> None:
    params = STLLRParams.preset("shd", lr=0.05)  # lam_pre = 1: x1 would saturate otherwise
    layer = quantize(params, options=QuantizeOptions(weight_absmax=0.3)).layers[0]
    cfg = FixedDenseConfig.from_layer(layer)
    rng = np.random.default_rng(0)
    w = 2 * rng.integers(-50, 50, (4, 6)).astype(np.int32)
    x1 = np.full(6, 100, dtype=np.int64)
    spikes = np.array([1, 0, 1, 0, 0, 1], dtype=bool)
    y = np.stack([np.full(4, 64 + layer.rule.flag), np.full(4, 90), np.full(4, 40)])
    randoms = EngineRandomStream(1).next()
    w_new, w_pair = w.copy(), w.copy()
    x_new = fixed_dense_step(w_new, x1, spikes, y, np.zeros(4, bool), cfg, randoms, True)
    np.testing.assert_array_equal(x_new, np.where(spikes, cfg.x1_impulse, 0))
    # the update pairs the factors with the previous sample's decayed trace, no x0 terms
    fast_learning_step(w_pair, x1, np.zeros(6, bool), y, np.zeros(4, bool), cfg.products,
                       cfg.x1_impulse, cfg.x1_tau, randoms)
    np.testing.assert_array_equal(w_new, w_pair)
    assert np.abs(w_new - w).max() > 0


@pytest.mark.parametrize("name", ["generic", "code_default-hidden", "shd-hidden"])
def test_fast_step_on_the_tag_is_bit_exact_with_the_engine_replica(name: str) -> None:
    """The ``dt`` half of a per-sample rule, including the tag's own saturation at -257
    (which the engine does not leave alone on a step, even outside the products)."""
    from lava_stllr.loihi.engine_replica import bit_approx_tag_step
    from lava_stllr.loihi.fixed_rule import RESET, TRANSFER
    from lava_stllr.loihi.widths import TAG_MAX, TAG_MIN

    products, impulse, tau = RULES[name]
    compiled = compile_products(products)
    low = 0
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        n_post, n_pre = rng.integers(1, 8), rng.integers(1, 12)
        w = rng.integers(-256, 256, (n_post, n_pre)).astype(np.int32)
        tag_ref = rng.choice([-257, -256, -255, -3, 0, 5, 254, 255],
                             (n_post, n_pre)).astype(np.int32)
        tag_fast = tag_ref.copy()
        x1 = np.zeros(n_pre, dtype=np.int64)
        stream = EngineRandomStream(seed)
        for t in range(30):
            pre = rng.random(n_pre) < rng.random()
            y = rng.integers(0, 128, (3, n_post)) * (rng.random((3, n_post)) < 0.5)
            randoms = stream.next()
            no_bap = np.zeros(n_post, bool)
            low += int((tag_ref == TAG_MIN).sum())
            w_ref, tag_ref, x_ref = bit_approx_tag_step(
                w, tag_ref, x1, pre, y, no_bap, (TRANSFER,), (*products, RESET), impulse,
                tau, randoms)
            x_fast = fast_learning_step(tag_fast, x1, pre, y, no_bap, compiled, impulse, tau,
                                        randoms, lo=TAG_MIN, hi=TAG_MAX)
            np.testing.assert_array_equal(w_ref, w)  # no gate: the weights stay
            np.testing.assert_array_equal(x_fast, x_ref, err_msg=f"{name} {seed} {t}")
            np.testing.assert_array_equal(tag_fast, tag_ref, err_msg=f"{name} {seed} {t}")
            x1 = x_ref
    assert low > 0  # the -257 case was exercised


def test_the_gate_moves_the_tag_into_the_weights_and_clears_it() -> None:
    params = STLLRParams.preset("code_default", lr=0.05)
    layer = quantize(params, options=QuantizeOptions(weight_absmax=0.3)).layers[0]
    cfg = FixedDenseConfig.from_layer(layer)
    rng = np.random.default_rng(3)
    w = 2 * rng.integers(-100, 100, (4, 6)).astype(np.int64)
    tag = rng.integers(-200, 200, (4, 6)).astype(np.int64)
    w0, tag0 = w.copy(), tag.copy()
    zeros = np.zeros((3, 4), dtype=np.int64)  # the gate step carries no signal
    fixed_dense_step(w, np.zeros(6, np.int64), np.zeros(6, bool), zeros, np.ones(4, bool), cfg,
                     EngineRandomStream(0).next(), False, tag)
    np.testing.assert_array_equal(w, np.clip(w0 + tag0, -256, 255))
    np.testing.assert_array_equal(tag, 0)
    # without the gate, the products go into the tag and the weights stay
    y = np.stack([np.full(4, 64 + layer.rule.flag), np.full(4, 90), np.full(4, 40)])
    fixed_dense_step(w, np.full(6, 80, np.int64), np.ones(6, bool), y, np.zeros(4, bool), cfg,
                     EngineRandomStream(1).next(), False, tag)
    np.testing.assert_array_equal(w, np.clip(w0 + tag0, -256, 255))
    assert np.abs(tag).max() > 0
