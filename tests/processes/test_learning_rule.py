"""The S-TLLR learning-engine rule built from STLLRParams."""

from __future__ import annotations

import math

import pytest
from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

from lava_stllr.learning_rule import (
    STLLR_DW,
    TAU_NO_DECAY,
    check_lava_params,
    pre_trace_tau,
    stllr_learning_rule,
)
from lava_stllr.params import STLLRParams


def test_rule_string_impulse_and_epoch() -> None:
    rule = stllr_learning_rule(STLLRParams())
    assert isinstance(rule, Loihi3FLearningRule)
    assert STLLR_DW == "u0 * x1 * y2 + x0 * y3"
    assert rule.dw_str == STLLR_DW
    assert rule.x1_impulse == 1
    assert rule.t_epoch == 1
    assert rule.dd_str is None and rule.dt_str is None


@pytest.mark.parametrize("lam", [0.05, 0.2, 0.5, 0.75, 0.8, 0.999])
def test_tau_reproduces_the_decay(lam: float) -> None:
    rule = stllr_learning_rule(STLLRParams(lam_pre=lam))
    assert rule.x1_tau == pytest.approx(-1.0 / math.log(lam), rel=1e-15)
    assert math.exp(-1.0 / rule.x1_tau) == pytest.approx(lam, rel=1e-14)


def test_lam_pre_one_gives_a_finite_tau_without_decay() -> None:
    rule = stllr_learning_rule(STLLRParams.preset("shd"))
    assert math.isfinite(rule.x1_tau) and rule.x1_tau == TAU_NO_DECAY
    assert math.exp(-1.0 / rule.x1_tau) == 1.0


def test_lam_pre_zero_is_rejected_on_the_lava_path() -> None:
    params = STLLRParams(lam_pre=0.0)  # the numerics allow it
    with pytest.raises(ValueError, match="lam_pre in \\(0, 1\\]"):
        stllr_learning_rule(params)
    with pytest.raises(ValueError, match="lam_pre"):
        check_lava_params(params)
    with pytest.raises(ValueError, match="lam_pre"):
        pre_trace_tau(-0.5)


def test_rejects_a_non_params_object() -> None:
    with pytest.raises(ValueError, match="STLLRParams"):
        stllr_learning_rule({"lam_pre": 0.5})  # type: ignore[arg-type]
