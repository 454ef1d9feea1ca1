"""NIR export (lava_stllr.nir.write) and the round trip through a .nir file: the same
weights bit for bit, the same neurons and rule, the same readout on every step."""

from __future__ import annotations

import math

import nir
import numpy as np
import pytest

from lava_stllr.nir import NETWORK_KEY, RULE_KEY, from_nir, read_nir, to_nir, write_nir
from lava_stllr.nir.dynamics import beta_of, tau_of
from lava_stllr.params import STLLRParams
from lava_stllr.runs.activity import sample_activity
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights
from lava_stllr.spec.network import NetworkSpec, init_weights

#: With dt = 1e-3, 1 - dt/(dt/(1 - beta)) is 1 ulp off this beta: the node's
#: lava_stllr.beta metadata keeps it exact.
LOSSY_BETA = 0.5253543224757259

SPECS = {
    "dense": NetworkSpec((12, 7, 5, 3), beta_out=0.93),
    "recurrent": NetworkSpec((12, 6, 4, 3), recurrent=True, beta_out=0.8),
    "conv": ConvNetSpec.parse("3c3-p2-a2-5", (2, 10, 10), 3, beta_out=0.85),
    "conv-stride-pad": ConvNetSpec.parse("4c3s2p1-p2-3c1-6", (2, 9, 9), 4),
    "conv-layer-psi": ConvNetSpec.parse("3c3:triangle-p2-5:sigmoid", (2, 10, 10), 3),
}
PARAMS = {
    "soft": STLLRParams(beta=LOSSY_BETA, theta=0.3, window=4, psi="triangle",
                        lam_pre=0.7, alpha_post=0.4, lr=0.02),
    "hard": STLLRParams(beta=0.9, theta=0.5, reset="hard"),
    "no-leak": STLLRParams(beta=1.0, theta=0.8),
}


def _weights(spec, seed=0):
    weights = (init_weights if spec.kind == "dense" else init_conv_weights)(spec, seed)
    if spec.kind == "dense" and spec.recurrent:  # loud enough recurrence to matter
        weights.recurrent = [2.0 * v for v in weights.recurrent]
    return weights


def _round_trip(tmp_path, spec, params, **kwargs):
    weights = _weights(spec)
    path = write_nir(tmp_path / "net.nir", to_nir(spec, params, weights, **kwargs))
    return weights, from_nir(read_nir(path))


@pytest.mark.parametrize("params_name", sorted(PARAMS))
@pytest.mark.parametrize("spec_name", sorted(SPECS))
def test_round_trip_is_exact(tmp_path, spec_name, params_name):
    spec, params = SPECS[spec_name], PARAMS[params_name]
    weights, imported = _round_trip(tmp_path, spec, params)
    assert imported.spec == spec
    assert imported.params == params
    assert imported.notes == []
    assert imported.dt == 1e-3
    mine, theirs = weights.arrays(), imported.weights.arrays()
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        assert b.dtype == np.float64 and np.array_equal(a, b)
    rng = np.random.default_rng(3)
    for _ in range(3):
        x = (rng.random((15, spec.n_inputs)) < 0.35).astype(np.float64)
        a = sample_activity(spec, params, weights, x)
        b = sample_activity(imported.spec, imported.params, imported.weights, x)
        assert np.array_equal(a["readout"], b["readout"])
        assert a["prediction"] == b["prediction"]
        assert any(h.any() for h in a["hidden"])  # the network is not silent


def test_the_graph_passes_nirs_own_type_check(tmp_path):
    for spec in SPECS.values():
        path = write_nir(tmp_path / f"{spec.kind}.nir",
                         to_nir(spec, PARAMS["soft"], _weights(spec)))
        assert isinstance(nir.read(path), nir.NIRGraph)


def test_the_learning_rule_is_in_the_graph_metadata_under_one_key(tmp_path):
    params = PARAMS["soft"]
    record = {"name": "run-7", "seed": 5, "dataset": {"name": "synthetic", "n_val": 8}}
    graph = to_nir(SPECS["dense"], params, _weights(SPECS["dense"]), dt=2e-3,
                   signal="dfa", update="sample", record=record)
    path = write_nir(tmp_path / "net.nir", graph)
    meta = nir.read(path).metadata
    assert set(meta) == {RULE_KEY, NETWORK_KEY}
    rule = meta[RULE_KEY]
    assert rule["rule"] == "S-TLLR"
    for name in ("lam_pre", "lam_post", "alpha_pre", "alpha_post", "lr"):
        assert float(rule[name]) == getattr(params, name)
    assert rule["psi"] == "triangle" and int(rule["window"]) == 4
    assert rule["signal"] == "dfa" and rule["updates_every"] == "sample"
    assert "alpha_pre psi_i[t] trx_j[t]" in rule["eligibility"]
    network = meta[NETWORK_KEY]
    assert float(network["dt"]) == 2e-3 and "forward Euler" in network["discretisation"]
    assert network["reset"].startswith("soft")
    imported = from_nir(read_nir(path))
    assert imported.signal == "dfa" and imported.dt == 2e-3 and imported.has_rule
    assert imported.source == {"run": "run-7", "seed": 5, "dataset": record["dataset"]}


def test_window_all_and_other_rule_fields_round_trip(tmp_path):
    params = STLLRParams(window=None, psi="sigmoid", alpha_pre=0.5, lam_post=0.1)
    _, imported = _round_trip(tmp_path, SPECS["dense"], params)
    assert imported.params == params


def test_lif_nodes_are_nirs_continuous_time_form():
    params = STLLRParams(beta=0.9, theta=0.6)
    graph = to_nir(SPECS["dense"], params, _weights(SPECS["dense"]), dt=1e-3)
    lif, readout = graph.nodes["lif1"], graph.nodes["readout"]
    assert isinstance(lif, nir.LIF) and isinstance(readout, nir.LI)
    assert np.allclose(lif.tau, 1e-3 / (1 - 0.9)) and np.allclose(lif.r, lif.tau / 1e-3)
    assert np.all(lif.v_threshold == 0.6) and not lif.v_leak.any() and not lif.v_reset.any()
    assert lif.tau.shape == (7,)
    assert np.allclose(readout.tau, 1e-3 / (1 - 0.93))
    no_leak = to_nir(SPECS["dense"], PARAMS["no-leak"], _weights(SPECS["dense"]))
    assert isinstance(no_leak.nodes["lif1"], nir.IF)


def test_a_recurrent_layer_is_snntorchs_rleaky_subgraph():
    graph = to_nir(SPECS["recurrent"], PARAMS["hard"], _weights(SPECS["recurrent"]))
    sub = graph.nodes["lif1"]
    assert isinstance(sub, nir.NIRGraph)
    assert set(sub.edges) == {("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
                              ("lif", "output")}


def test_a_max_pool_is_a_sum_pool_and_a_threshold():
    graph = to_nir(SPECS["conv"], PARAMS["hard"], _weights(SPECS["conv"]))
    assert isinstance(graph.nodes["pool2"], nir.SumPool2d)
    assert isinstance(graph.nodes["pool2_max"], nir.Threshold)
    assert isinstance(graph.nodes["pool3"], nir.AvgPool2d)
    assert ("pool2", "pool2_max") in graph.edges


@pytest.mark.parametrize("layers", ["p2-3c3-4", "3c3-a2-p2-4"])
def test_a_max_pool_of_non_spikes_is_refused(layers):
    spec = ConvNetSpec.parse(layers, (2, 12, 12), 3)
    with pytest.raises(ValueError, match="holds only for 0/1 spikes"):
        to_nir(spec, PARAMS["hard"], _weights(spec))


def test_the_decay_hint_only_settles_rounding():
    dt = 1e-3
    tau = tau_of(LOSSY_BETA, dt)
    assert 1 - dt / tau != LOSSY_BETA  # the plain inverse loses the last bit
    assert beta_of(tau, dt, hint=LOSSY_BETA) == LOSSY_BETA
    assert beta_of(2 * tau, dt, hint=LOSSY_BETA) == 1 - dt / (2 * tau)  # tau was edited
    assert math.isclose(beta_of(tau, dt), LOSSY_BETA, rel_tol=1e-15)


def test_bad_dt_is_refused():
    with pytest.raises(ValueError, match="dt must be"):
        to_nir(SPECS["dense"], PARAMS["hard"], _weights(SPECS["dense"]), dt=0)
