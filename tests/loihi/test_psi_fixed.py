"""Integer psi against the float psi: measured max error per kind, shape properties."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core.psi import PSI_KINDS, psi_kind
from lava_stllr.core.psi import psi as psi_float
from lava_stllr.loihi.psi_fixed import (
    make_psi_fixed,
    psi_fixed,
)

#: Membrane scales (float membrane per integer unit) from coarse to fine; theta = 0.6 with
#: vth = 5..50000 spans 1.9e-4..1.9e-7.
SCALES = [2e-3, 1.9e-4, 1.9e-5, 3.7e-6, 1.9e-7]


@pytest.mark.parametrize("kind", sorted(PSI_KINDS))
def test_psi_fixed_error_within_stated_bound(kind: str) -> None:
    errors = []
    for scale in SCALES:
        spec = make_psi_fixed(kind, scale)
        err = spec.max_error()
        errors.append(err / spec.lsb)
        assert err <= spec.error_bound_lsb * spec.lsb, (kind, scale, err / spec.lsb)
    # the bound is tight enough to mean something: below 2 LSB for every kind
    assert max(errors) <= 1.5


@pytest.mark.parametrize("kind", sorted(PSI_KINDS))
def test_psi_fixed_shape(kind: str) -> None:
    scale = 1.9e-5
    spec = make_psi_fixed(kind, scale)
    d = np.arange(-3 * spec.support(), 3 * spec.support(), 7, dtype=np.int64)
    out = psi_fixed(d, spec)
    assert out.min() >= 0 and out.max() <= spec.out_max == 127
    assert np.array_equal(out, psi_fixed(-d, spec))  # even in d
    assert abs(int(spec(np.array([0]))[0]) - 127) <= 1  # peak at threshold
    pos = psi_fixed(np.arange(0, 2 * spec.support(), 3), spec)
    assert np.all(np.diff(pos) <= 0)  # non-increasing in |d|
    assert np.all(psi_fixed(np.arange(spec.support(), spec.support() + 500), spec) == 0)
    # far outside: no register overflow, zero
    assert list(spec(np.array([-(2**23), 2**23 - 1]))) == [0, 0]
    # the dequantized value is psi in float units
    mid = np.array([spec.support() // 4])
    assert abs(spec.dequantize(spec(mid))[0] - psi_float(mid * scale, 0.0, kind)[0]) \
        <= spec.error_bound_lsb * spec.lsb
    assert spec.lsb == pytest.approx(psi_kind(kind).peak / 127)


def test_psi_fixed_programs_are_listed() -> None:
    tri = make_psi_fixed("triangle", 1.9e-5)
    assert tri.table == () and tri.slope > 0 and "max(0, 127" in tri.program()[1]
    rat = make_psi_fixed("rational", 1.9e-5)
    assert 128 < rat.n_entries <= 256 and len(rat.program()) == 3
    info = rat.to_dict()
    assert info["kind"] == "rational" and len(info["table"]) == rat.n_entries + 1


def test_make_psi_fixed_validates() -> None:
    with pytest.raises(ValueError, match="psi must be one of"):
        make_psi_fixed("relu", 1e-5)
    with pytest.raises(ValueError, match="membrane_scale"):
        make_psi_fixed("rational", 0.0)
    with pytest.raises(ValueError, match="too coarse"):
        make_psi_fixed("rational", 0.1)  # support 0.149 spans 1.5 units
    with pytest.raises(ValueError, match="too coarse"):
        make_psi_fixed("triangle", 0.5)
    with pytest.raises(ValueError, match="out_bits"):
        make_psi_fixed("sigmoid", 1e-5, out_bits=1)
    with pytest.raises(ValueError, match="max_entries"):
        make_psi_fixed("sigmoid", 1e-5, max_entries=4)
