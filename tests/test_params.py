"""STLLRParams: validation messages, presets, round trip."""

import math

import pytest

from lava_stllr.params import PRESETS, STLLRParams


@pytest.mark.parametrize("field, value, message", [
    ("lam_pre", 1.5, r"lam_pre must be in \[0.0, 1.0\], got 1.5"),
    ("lam_pre", -0.1, r"lam_pre must be in \[0.0, 1.0\], got -0.1"),
    ("lam_post", 2.0, r"lam_post must be in \[0.0, 1.0\], got 2.0"),
    ("beta", -1.0, r"beta must be in \[0.0, 1.0\], got -1.0"),
    ("lr", math.nan, r"lr must be in \[0.0, inf\), got nan"),
    ("lr", -1e-3, r"lr must be in \[0.0, inf\)"),
    ("theta", 0.0, r"theta must be in \(0.0, inf\), got 0.0"),
    ("theta", -0.6, r"theta must be in \(0.0, inf\)"),
    ("alpha_post", math.inf, "alpha_post must be a finite number, got inf"),
    ("alpha_pre", "1", "alpha_pre must be a finite number"),
    ("window", 0, "window must be None or an integer >= 1, got 0"),
    ("window", 2.5, "window must be None or an integer >= 1"),
    ("psi", "relu", "psi must be one of"),
    ("reset", "none", "reset must be one of"),
])
def test_bad_values_name_the_parameter_range_and_value(field, value, message):
    with pytest.raises(ValueError, match=message):
        STLLRParams(**{field: value})


def test_presets_follow_the_published_order():
    # (lam_post, lam_pre, alpha_post, alpha_pre) from the paper and code.
    expected = {"dvs_gesture": (0.2, 0.75, -1, 1), "cifar10_dvs": (0.2, 0.5, -1, 1),
                "ncaltech101": (0.2, 0.5, -1, 1), "shd": (0.5, 1.0, 1, 1),
                "code_default": (0.5, 0.8, -0.2, 1)}
    assert set(expected) == set(PRESETS)
    for name, values in expected.items():
        p = STLLRParams.preset(name)
        assert (p.lam_post, p.lam_pre, p.alpha_post, p.alpha_pre) == values
    assert STLLRParams.preset("shd", lr=0.5).lr == 0.5
    with pytest.raises(ValueError, match="preset must be one of"):
        STLLRParams.preset("imagenet")


def test_params_are_immutable_and_round_trip():
    p = STLLRParams.preset("dvs_gesture", window=5)
    with pytest.raises(AttributeError):
        p.lr = 1.0  # type: ignore[misc]
    assert STLLRParams.from_dict(p.to_dict()) == p
    assert p.replace(lr=0.1).lr == 0.1
    with pytest.raises(ValueError, match="unknown STLLRParams fields"):
        STLLRParams.from_dict({**p.to_dict(), "gamma": 1})
    assert p.window_start(20) == 15 and STLLRParams().window_start(20) == 0
