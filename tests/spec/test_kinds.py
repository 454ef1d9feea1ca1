"""Dense and conv network specs behind one interface; run folders save and load both."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.params import STLLRParams
from lava_stllr.runs.record import load_run, save_weights
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights
from lava_stllr.spec.kinds import n_weights, network_from_layers
from lava_stllr.spec.network import NetworkSpec, init_weights


def test_dense_strings_give_a_dense_spec_and_conv_strings_a_conv_spec():
    dense = network_from_layers("64-32", (2, 4, 4), 3, recurrent=True)
    assert dense == NetworkSpec((32, 64, 32, 3), recurrent=True)
    assert dense.label == "32-64r-32r-3"
    conv = network_from_layers("4c3s2p1-p2-16", (2, 8, 8), 3)
    assert isinstance(conv, ConvNetSpec) and conv.label == "2x8x8-4c3s2p1-p2-16-3"
    assert n_weights(conv) == 4 * 2 * 9 + 16 * 4 * 2 * 2 + 3 * 16
    with pytest.raises(ValueError, match="recurrent layers are dense only"):
        network_from_layers("4c3-16", (2, 8, 8), 3, recurrent=True)


@pytest.mark.parametrize("kind", ["dense", "conv"])
def test_weights_files_round_trip_either_kind(tmp_path, kind):
    if kind == "dense":
        spec = NetworkSpec((32, 8, 3))
        weights = init_weights(spec, 1)
    else:
        spec = ConvNetSpec.parse("4c3s2p1-p2-16", (2, 8, 8), 3)
        weights = init_conv_weights(spec, 1)
    path = save_weights(tmp_path / "w.npz", spec, STLLRParams(), weights, 1, "T")
    loaded = load_run(path)
    assert loaded.spec == spec
    for a, b in zip(loaded.weights.arrays(), weights.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
