"""A psi kind is one registry entry: a new one works everywhere without further edits."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core.psi import PSI_KINDS, PsiKind, psi, psi_kind
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.loihi.psi_fixed import make_psi_fixed
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams


def _gaussian(x: np.ndarray) -> np.ndarray:
    return np.exp(-0.5 * (x / 0.2) ** 2)


@pytest.fixture
def gaussian(monkeypatch: pytest.MonkeyPatch) -> PsiKind:
    """A kind registered for one test only (the registry is restored afterwards)."""
    kind = PsiKind("gaussian", _gaussian, 1.0, "table", 1.0)
    monkeypatch.setitem(PSI_KINDS, "gaussian", kind)
    return kind


def test_registered_kinds_have_their_documented_peaks() -> None:
    for kind in PSI_KINDS.values():
        assert psi(np.array([0.6]), 0.6, kind.name)[0] == pytest.approx(kind.peak)
        assert psi(np.array([5.6]), 0.6, kind.name)[0] < 0.01 * kind.peak


def test_unknown_kind_names_the_registered_ones() -> None:
    with pytest.raises(ValueError, match=r"psi must be one of \('rational', 'triangle', "
                                         r"'sigmoid'\), got 'gauss'"):
        STLLRParams(psi="gauss")
    with pytest.raises(ValueError, match="integer_form must be"):
        PsiKind("x", _gaussian, 1.0, "spline", 1.0)
    with pytest.raises(ValueError, match="half_width > 0"):
        PsiKind("x", _gaussian, 1.0, "linear", 1.0)


def test_a_new_kind_runs_float_integer_and_on_chip(gaussian: PsiKind) -> None:
    params = STLLRParams.preset("code_default", psi="gaussian", lr=0.01)
    assert psi_kind(params.psi) is gaussian
    u = np.linspace(-1.0, 2.0, 31)
    assert np.allclose(psi(u, 0.6, "gaussian"), _gaussian(u - 0.6))
    spec = make_psi_fixed("gaussian", 1.9e-5)
    assert spec.max_error() <= gaussian.error_bound_lsb * spec.lsb
    rng = np.random.default_rng(0)
    data = ArrayDataset((rng.random((4, 8, 12)) < 0.3).astype(np.float32),
                        np.arange(4) % 2, 2)
    layout = OnChipLayout((12, 6, 2), 8, params=params)
    for precision in ("float", "fixed"):
        result = OnChipReference(layout, precision=precision).train(data)
        assert result.scores.shape == (4, 2) and np.all(np.isfinite(result.scores))
