"""lava-stllr's NIR exports read by snnTorch and Norse: what each framework computed with
its own importer (tests/nir/fixtures/*.read_by_*.npz, written by interop/read_exports.py
with ``make interop``; no torch here) against lava-stllr's forward pass, and today's
exporter against the files the frameworks read."""

from __future__ import annotations

import json
from pathlib import Path

import nir
import numpy as np
import pytest

from lava_stllr.nir import from_nir, read_nir, to_nir
from lava_stllr.runs.activity import sample_activity

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: Export stem -> (target, dt) as interop/export_lava_stllr.py writes it.
EXPORTS = {"lava_stllr_dense_for_snntorch": ("snntorch", 1e-4),
           "lava_stllr_dense_for_norse": ("norse", 1e-3)}


def _load(name: str) -> dict:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip(f"no interop fixture {name} in {FIXTURES} (make interop writes it)")
    with np.load(path) as data:
        out = {k: data[k] for k in data.files}
    if "meta" in out:
        out["meta"] = json.loads(str(out["meta"]))
    return out


@pytest.fixture(scope="module")
def ours() -> dict:
    """The exported network (plain NIR, read back bit for bit) on the fixture inputs."""
    inputs = _load("lava_stllr_inputs.npz")
    net = from_nir(read_nir(FIXTURES / "lava_stllr_dense.nir"))
    runs = [sample_activity(net.spec, net.params, net.weights, x) for x in inputs["inputs"]]
    return {"net": net, "labels": inputs["labels"],
            "hidden": np.stack([r["hidden"][0] for r in runs]),
            "readout": np.stack([r["readout"] for r in runs]),
            "predictions": np.array([r["prediction"] for r in runs])}


@pytest.mark.parametrize("stem", sorted(EXPORTS))
def test_the_exporter_still_writes_what_the_framework_read(ours, stem):
    target, dt = EXPORTS[stem]
    net = ours["net"]
    graph = to_nir(net.spec, net.params, net.weights, dt=dt, target=target)
    path = FIXTURES / f"{stem}.nir"
    if not path.is_file():
        pytest.skip(f"no interop fixture {path.name}")
    theirs = nir.read(path)
    assert sorted(graph.nodes) == sorted(theirs.nodes) and graph.edges == theirs.edges
    for name, node in graph.nodes.items():
        assert type(node) is type(theirs.nodes[name]), name
        for field in ("weight", "tau", "r", "v_threshold", "v_leak", "v_reset"):
            if hasattr(node, field):
                assert np.array_equal(getattr(node, field),
                                      getattr(theirs.nodes[name], field)), (name, field)


@pytest.mark.parametrize("stem,framework", [("lava_stllr_dense_for_snntorch", "snntorch"),
                                            ("lava_stllr_dense_for_norse", "norse")])
def test_the_framework_computes_lava_stllrs_spikes_and_predictions(ours, stem, framework):
    theirs = _load(f"{stem}.read_by_{framework}.npz")
    assert theirs["meta"]["error"] is None
    assert ours["hidden"].sum() > 500  # the hidden layer is active
    assert np.array_equal(ours["hidden"], theirs["hidden_spikes"])
    # torch steps in float32, lava-stllr in float64
    np.testing.assert_allclose(ours["readout"], theirs["output_membrane"], rtol=0, atol=1e-5)
    assert np.array_equal(ours["predictions"], theirs["output_membrane"].sum(1).argmax(1))
    assert (ours["predictions"] == ours["labels"]).mean() > 0.9  # a trained network


@pytest.mark.parametrize("framework,why", [
    ("snntorch", "Unknown node type <class 'nir.ir.neuron.LI'>"),
    ("norse", "Norse's from_nir dropped the node 'readout' (LI"),
])
def test_plain_nir_is_what_the_frameworks_cannot_read(framework, why):
    """The reason the targets exist: neither importer reads NIR's LI readout."""
    theirs = _load(f"lava_stllr_dense.read_by_{framework}.npz")
    assert why in theirs["meta"]["error"]
