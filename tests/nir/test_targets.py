"""Export targets (lava_stllr.nir.targets): the snnTorch and Norse forms of a network,
what each refuses, and lava-stllr reading every form back."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lava_stllr.nir import NETWORK_KEY, NIRImportError, from_nir, read_nir, to_nir, write_nir
from lava_stllr.nir.targets import TARGETS, target_of
from lava_stllr.params import STLLRParams
from lava_stllr.runs.activity import sample_activity
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights
from lava_stllr.spec.network import NetworkSpec, init_weights

SPEC = NetworkSpec((12, 7, 5, 3), beta_out=0.8)
PARAMS = STLLRParams(beta=0.85, theta=0.3, reset="hard")
DT = {"nir": 1e-3, "snntorch": 1e-4, "norse": 1e-3}


def _inputs(n: int = 6) -> np.ndarray:
    return (np.random.default_rng(5).random((n, 20, 12)) < 0.3).astype(np.uint8)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_target_reads_back_to_the_same_network(tmp_path, target):
    weights = init_weights(SPEC, 1)
    graph = to_nir(SPEC, PARAMS, weights, dt=DT[target], target=target)
    assert graph.metadata[NETWORK_KEY]["target"] == target
    back = from_nir(read_nir(write_nir(tmp_path / "n.nir", graph)))
    assert back.spec == SPEC and back.params == PARAMS
    for a, b in zip(weights.arrays(), back.weights.arrays(), strict=True):
        if target == "norse":  # the gain folded out and back in: a rounding apart
            np.testing.assert_allclose(b, a, rtol=1e-15, atol=0)
        else:
            assert np.array_equal(a, b)
    for x in _inputs():
        mine = sample_activity(SPEC, PARAMS, weights, x)
        theirs = sample_activity(back.spec, back.params, back.weights, x)
        assert mine["prediction"] == theirs["prediction"]
        for h, g in zip(mine["hidden"], theirs["hidden"], strict=True):
            assert np.array_equal(h, g)


def test_the_readout_is_a_lif_that_never_fires_and_norse_has_unit_r():
    weights = init_weights(SPEC, 1)
    snn = to_nir(SPEC, PARAMS, weights, dt=1e-4, target="snntorch")
    readout = snn.nodes["readout"]
    assert type(readout).__name__ == "LIF" and np.all(np.isinf(readout.v_threshold))
    np.testing.assert_allclose(readout.r, readout.tau / 1e-4, rtol=1e-12)
    norse = to_nir(SPEC, PARAMS, weights, dt=1e-3, target="norse")
    for node in ("lif1", "lif2", "readout"):
        assert np.all(norse.nodes[node].r == 1.0)
    # the gain dt/tau = 1 - beta that Norse applies is divided out of the weights
    np.testing.assert_allclose(norse.nodes["fc1"].weight, weights.feedforward[0] / 0.15,
                               rtol=1e-14)
    np.testing.assert_allclose(norse.nodes["fc_out"].weight, weights.feedforward[-1] / 0.2,
                               rtol=1e-14)
    plain = to_nir(SPEC, PARAMS, weights)
    assert type(plain.nodes["readout"]).__name__ == "LI"


def test_no_leak_under_norse_folds_the_gain_dt():
    params = STLLRParams(beta=1.0, theta=0.3, reset="hard")
    weights = init_weights(SPEC, 2)
    graph = to_nir(SPEC, params, weights, target="norse")
    assert type(graph.nodes["lif1"]).__name__ == "IF"
    np.testing.assert_allclose(graph.nodes["fc1"].weight, weights.feedforward[0] / 1e-3,
                               rtol=1e-14)
    back = from_nir(graph)
    assert back.params.beta == 1.0
    np.testing.assert_allclose(back.weights.feedforward[0], weights.feedforward[0],
                               rtol=1e-15)


@pytest.mark.parametrize("target,spec,dt,match", [
    ("snntorch", SPEC, 1e-3, "snntorch target needs dt = 0.0001 s"),
    ("norse", NetworkSpec((12, 7, 3), recurrent=True), 1e-3,
     "norse's NIR importer reads no recurrent layer"),
    ("snntorch", NetworkSpec((12, 7, 3), recurrent=True), 1e-4,
     "snntorch's NIR importer reads no recurrent layer"),
    ("norse", ConvNetSpec.parse("3c3-a2-5", (2, 10, 10), 3), 1e-3,
     "the norse target writes dense networks only"),
])
def test_what_a_target_cannot_take_is_refused(target, spec, dt, match):
    weights = (init_weights if spec.kind == "dense" else init_conv_weights)(spec, 0)
    with pytest.raises(ValueError, match=match):
        to_nir(spec, PARAMS, weights, dt=dt, target=target)


def test_the_time_step_defaults_to_the_one_the_importer_assumes():
    weights = init_weights(SPEC, 1)
    for target, dt in (("snntorch", 1e-4), ("norse", 1e-3), ("nir", 1e-3)):
        graph = to_nir(SPEC, PARAMS, weights, target=target)
        assert graph.metadata[NETWORK_KEY]["dt"] == dt


def test_unknown_target_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown NIR target 'brian': one of nir, snntorch"):
        target_of("brian")


def test_a_hidden_layer_that_never_fires_is_refused():
    graph = to_nir(SPEC, PARAMS, init_weights(SPEC, 1))
    graph.nodes["lif1"].v_threshold = np.full(7, math.inf)
    with pytest.raises(NIRImportError, match="'lif1'.*v_threshold inf inside the network"):
        from_nir(graph)
