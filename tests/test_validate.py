"""The shared argument checks: conversions, bounds, and one wording."""

import numpy as np
import pytest

from lava_stllr import validate


def test_integer_accepts_numpy_and_refuses_bools_floats_and_out_of_range() -> None:
    assert validate.integer("n", np.int64(3), 1) == 3 and type(validate.integer("n", 3)) is int
    with pytest.raises(ValueError, match=r"^n must be an integer >= 1, got 0$"):
        validate.integer("n", 0, 1)
    with pytest.raises(ValueError, match=r"^n must be an integer in \[0, 7\], got True$"):
        validate.integer("n", True, 0, 7)
    with pytest.raises(ValueError, match=r"^n must be an integer <= 7, got 2.0$"):
        validate.integer("n", 2.0, None, 7)


def test_real_reports_the_interval_with_open_ends() -> None:
    assert validate.real("lam", 1, 0, 1, lo_open=True) == 1.0
    with pytest.raises(ValueError, match=r"^lam_pre must be in \(0, 1\], got 1.5$"):
        validate.real("lam_pre", 1.5, 0, 1, lo_open=True)
    with pytest.raises(ValueError, match=r"^lam_pre must be in \(0, 1\], got 0$"):
        validate.real("lam_pre", 0, 0, 1, lo_open=True)
    with pytest.raises(ValueError, match="finite number"):
        validate.real("lr", float("nan"), 0)
    with pytest.raises(ValueError, match="finite number"):
        validate.real("lr", "0.1", 0)


def test_choice_and_instance() -> None:
    assert validate.choice("psi", "triangle", ("rational", "triangle")) == "triangle"
    with pytest.raises(ValueError, match=r"psi must be one of \('a', 'b'\), got 'c'"):
        validate.choice("psi", "c", ("a", "b"))
    with pytest.raises(ValueError, match="params must be an int or float, got str"):
        validate.instance("params", "x", (int, float))


def test_whole_accepts_integral_floats_only() -> None:
    assert validate.whole("t_end_us", 300000.0, 1) == 300000
    assert type(validate.whole("n", np.float64(3.0))) is int
    for bad in (2.5, float("nan"), float("inf"), True):
        with pytest.raises(ValueError, match="n must be an integer"):
            validate.whole("n", bad)
