"""Integer arithmetic of the fixed-point path: rounding, width checks, float agreement."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lava_stllr.core.neurons import lif_step
from lava_stllr.core.traces import trace_step
from lava_stllr.loihi.fixed_arithmetic import (
    FixedArithmetic,
    check_fits,
    saturate,
    shift_round,
    stochastic_round,
    stochastic_shift,
)
from lava_stllr.loihi.widths import int_range


def test_int_range() -> None:
    assert int_range(8, False) == (0, 255)
    assert int_range(8, True) == (-128, 127)
    assert int_range(24, True) == (-(2**23), 2**23 - 1)
    with pytest.raises(ValueError, match="bits"):
        int_range(0, True)


def test_check_fits_raises_naming_the_value_instead_of_wrapping() -> None:
    ok = check_fits("y2", np.array([0, 127]), 7, signed=False)
    assert ok.dtype == np.int64 and list(ok) == [0, 127]
    with pytest.raises(ValueError, match=r"y2 = 128 at index \(1,\) does not fit 7-bit unsigned"):
        check_fits("y2", np.array([3, 128, 5]), 7, signed=False)
    with pytest.raises(ValueError, match=r"membrane = -8388609 does not fit 24-bit signed"):
        check_fits("membrane", -(2**23) - 1, 24, signed=True)
    with pytest.raises(ValueError, match="trace = -1"):
        check_fits("trace", np.array([[-1]]), 7, signed=False)
    with pytest.raises(ValueError, match="integers"):
        check_fits("w", np.array([0.5]), 8, signed=True)
    # boundaries are inclusive
    check_fits("s", np.array([-(2**15), 2**15 - 1]), 16, signed=True)


def test_saturate_clips_explicitly() -> None:
    assert list(saturate(np.array([-300, 5, 300]), 9, signed=True)) == [-256, 5, 255]
    assert list(saturate(np.array([-3, 200]), 7, signed=False)) == [0, 127]


def test_shift_round_modes() -> None:
    v = np.array([-7, -6, -5, -4, -3, 3, 4, 5, 6, 7])
    assert list(shift_round(v, 2, "trunc")) == [-1, -1, -1, -1, 0, 0, 1, 1, 1, 1]
    assert list(shift_round(v, 2, "floor")) == [-2, -2, -2, -1, -1, 0, 1, 1, 1, 1]
    assert list(shift_round(v, 2, "nearest")) == [-2, -2, -1, -1, -1, 1, 1, 1, 2, 2]
    with pytest.raises(ValueError, match="rounding"):
        shift_round(v, 2, "up")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="shift"):
        shift_round(v, -1)


@settings(max_examples=200, deadline=None)
@given(v=st.integers(-(2**23), 2**23), f=st.integers(0, 4096),
       rounding=st.sampled_from(["trunc", "floor", "nearest"]))
def test_decay_matches_float_within_one_step_error(v: int, f: int, rounding: str) -> None:
    arith = FixedArithmetic(12, rounding)  # type: ignore[arg-type]
    got = int(arith.decay(np.array(v), f))
    exact = v * f / 4096
    assert abs(got - exact) <= arith.error_bound()
    if rounding == "trunc":  # Loihi's decay never grows a magnitude
        assert abs(got) <= abs(v)


def test_fixed_arithmetic_validates_factors() -> None:
    arith = FixedArithmetic()
    assert list(arith.decay(np.array([4096, -4096]), 4096 - 410)) == [3686, -3686]
    assert list(arith.scale(np.array([100]), -2048)) == [-50]
    assert arith.to_factor(0.9) == 3686
    with pytest.raises(ValueError, match="decay factor"):
        arith.decay(np.array([1]), 4097)
    with pytest.raises(ValueError, match="integer numerator"):
        arith.scale(np.array([1]), 0.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="frac_bits"):
        FixedArithmetic(-1)


def test_lif_step_fixed_matches_float_within_bound() -> None:
    """Sub-threshold LIF trajectories: integer (Loihi trunc decay) vs float, same input.

    Each step's truncation error is below 1, so ``|v_fixed - v_float| < 1/(1 - beta)``.
    """
    rng = np.random.default_rng(0)
    dv = 410
    beta = (4096 - dv) / 4096
    current = rng.integers(-3000, 3000, size=(200, 64)) << 6
    theta = 2**30  # no spikes: compare the leaky integration
    v_i = np.zeros(64, dtype=np.int64)
    v_f = np.zeros(64)
    worst = 0.0
    for i_t in current:
        v_i, s_i, _ = lif_step(v_i, i_t, 4096 - dv, theta, arith=FixedArithmetic(12, "trunc"))
        v_f, s_f, _ = lif_step(v_f, i_t.astype(float), beta, float(theta))
        assert not s_i.any() and not s_f.any()
        worst = max(worst, float(np.max(np.abs(v_i - v_f))))
    assert worst < 1.0 / (1.0 - beta)


def test_lif_step_fixed_soft_and_hard_reset() -> None:
    arith = FixedArithmetic(12, "trunc")
    u, s, v = lif_step(np.array([0, 0]), np.array([100, 300]), 4096, 200, "soft", arith)
    assert list(s) == [0, 1] and list(v) == [100, 300] and list(u) == [100, 100]
    u, s, _ = lif_step(np.array([0, 0]), np.array([100, 300]), 4096, 200, "hard", arith)
    assert list(u) == [100, 0]


def test_trace_step_fixed_nearest_within_bound() -> None:
    """Post trace with round-to-nearest: error below ``0.5 / (1 - lam)`` LSB."""
    rng = np.random.default_rng(1)
    lam_num = 2048
    arith = FixedArithmetic(12, "nearest")
    tr_i = np.zeros(32, dtype=np.int64)
    tr_f = np.zeros(32)
    for _ in range(100):
        psi = rng.integers(0, 64, size=32)
        tr_i = trace_step(tr_i, psi, lam_num, 1, arith)
        tr_f = trace_step(tr_f, psi.astype(float), lam_num / 4096)
        assert np.max(np.abs(tr_i - tr_f)) <= 0.5 / (1 - lam_num / 4096) + 1e-9


def test_stochastic_shift_is_unbiased_and_seeded() -> None:
    values = np.full(200_000, 37)  # 37 / 8 = 4.625
    out = stochastic_shift(values, 3, np.random.default_rng(0))
    assert set(np.unique(out)) == {4, 5}
    assert abs(out.mean() - 37 / 8) < 0.01
    again = stochastic_shift(values, 3, np.random.default_rng(0))
    assert np.array_equal(out, again)
    shared = stochastic_shift(np.array([37, 37, 37]), 3, np.random.default_rng(5), shared=True)
    assert len(set(shared.tolist())) == 1
    with pytest.raises(ValueError, match="Generator"):
        stochastic_shift(values, 3, 0)  # type: ignore[arg-type]


def test_stochastic_round_floats() -> None:
    out = stochastic_round(np.full(100_000, -1.25), np.random.default_rng(2))
    assert set(np.unique(out)) == {-2, -1}
    assert abs(out.mean() + 1.25) < 0.01
    with pytest.raises(ValueError, match="finite"):
        stochastic_round(np.array([np.nan]), np.random.default_rng(0))
