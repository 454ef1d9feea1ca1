"""snnTorch's and Norse's own NIR exports, imported: lava-stllr's forward pass against what
they computed (tests/nir/fixtures/, written by interop/make_fixtures.py and
interop/norse_fixtures.py with ``make interop``; no torch here). Skipped, with the reason,
where a fixture is absent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.nir import NIRImportError, from_nir, read_nir
from lava_stllr.runs.activity import sample_activity

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def fixture(name: str) -> tuple[Path, dict]:
    """The ``.nir`` path and the ``.npz`` arrays (with ``meta`` decoded) of ``name``."""
    graph, arrays = FIXTURES / f"{name}.nir", FIXTURES / f"{name}.npz"
    if not (graph.is_file() and arrays.is_file()):
        pytest.skip(f"no interop fixture {name} in {FIXTURES} (make interop writes it; it "
                    "needs torch and snnTorch in interop/.venv)")
    with np.load(arrays) as data:
        out = {k: data[k] for k in data.files}
    out["meta"] = json.loads(str(out["meta"]))
    return graph, out


def _ours(imported, inputs):
    return [sample_activity(imported.spec, imported.params, imported.weights, x)
            for x in inputs]


def _assert_computes_the_same(imported, data: dict, atol: float) -> None:
    """lava-stllr's forward pass of ``imported`` gives the framework's hidden spikes, its
    output membrane (within ``atol``) and its predictions on the fixture's inputs."""
    runs = _ours(imported, data["inputs"])
    for i, run in enumerate(runs):
        assert np.array_equal(run["hidden"][0], data["hidden_spikes"][i]), i
        assert np.allclose(run["readout"], data["output_membrane"][i], rtol=1e-5, atol=atol)
    assert [r["prediction"] for r in runs] == list(data["predictions"])


def test_snntorch_zero_reset_gives_the_same_spikes_membranes_and_predictions():
    path, data = fixture("snntorch_zero")
    meta = data["meta"]
    imported = from_nir(read_nir(path), dt=meta["dt"])
    assert imported.spec.sizes == (20, 16, 3)
    assert imported.params.reset == "hard" and imported.params.theta == meta["threshold"]
    assert imported.params.beta == pytest.approx(meta["beta"], rel=1e-7)  # float32 tau
    assert imported.spec.beta_out == imported.params.beta
    assert imported.notes == ["3: the last LIF is the readout, its membrane the output: "
                              "its threshold 1 and reset are dropped"]
    # snnTorch steps in float32, lava-stllr in float64
    _assert_computes_the_same(imported, data, atol=1e-4)


def test_snntorch_subtract_reset_is_read_as_nirs_hard_reset():
    """snnTorch's default reset subtracts the threshold; NIR's LIF has only a hard reset,
    so the graph (and every NIR reader) resets to 0: the spikes agree until a neuron's
    first spike and differ after it."""
    path, data = fixture("snntorch_subtract")
    imported = from_nir(read_nir(path), dt=data["meta"]["dt"])
    assert imported.params.reset == "hard"
    runs = _ours(imported, data["inputs"])
    differ = 0
    for i, run in enumerate(runs):
        ours, theirs = run["hidden"][0], data["hidden_spikes"][i].astype(float)
        for n in range(ours.shape[1]):
            fired = np.flatnonzero(theirs[:, n])
            upto = fired[0] + 1 if fired.size else len(theirs)
            assert np.array_equal(ours[:upto, n], theirs[:upto, n]), (i, n)
        differ += not np.array_equal(ours, theirs)
    assert differ > 0  # the reset semantics differ, and it shows


def test_the_fixture_imports_on_the_command_line(tmp_path, capsys):
    path, data = fixture("snntorch_zero")
    assert main(["import", str(path), "--dt", str(data["meta"]["dt"]), "--out",
                 str(tmp_path / "run")]) == 0
    text = capsys.readouterr().out
    assert "network 20-16-3: hidden LIF beta 0.9" in text and "hard reset" in text
    assert "note: 3: the last LIF is the readout" in text


def test_norse_export_gives_the_same_spikes_membranes_and_predictions():
    """Norse 1.1 writes ``tau = dt / tau_mem_inv`` (norse/norse#411): read with a time
    step of ``dt**2`` the graph gives back Norse's decay and gain exactly."""
    path, data = fixture("norse")
    meta = data["meta"]
    imported = from_nir(read_nir(path), dt=meta["import_dt"])
    assert imported.spec.sizes == (20, 16, 3)
    assert imported.params.reset == "hard" and imported.params.theta == meta["threshold"]
    assert imported.params.beta == pytest.approx(meta["beta"], rel=1e-7)  # float32 tau
    _assert_computes_the_same(imported, data, atol=1e-5)


def test_norse_export_read_with_its_own_dt_is_refused_naming_the_time_constant():
    path, data = fixture("norse")
    with pytest.raises(NIRImportError, match="tau 1e-05 s is shorter than the time step"):
        from_nir(read_nir(path), dt=data["meta"]["dt"])


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["snntorch_zero", "norse"])
def test_the_imported_graph_in_lava_gives_the_frameworks_predictions(name):
    """The Lava network (float, learning off) built from the imported graph gives the
    framework's predictions, and its readout window sums are the reference's."""
    from lava_stllr.data.dataset import ArrayDataset
    from lava_stllr.lavanet.network import STLLRNetwork

    path, data = fixture(name)
    meta = data["meta"]
    imported = from_nir(read_nir(path), dt=meta.get("import_dt", meta["dt"]))
    inputs = data["inputs"]
    dataset = ArrayDataset(inputs, data["labels"], imported.spec.sizes[-1])
    with STLLRNetwork(imported.spec.sizes, inputs.shape[1], params=imported.params,
                      beta_out=imported.spec.beta_out, weights=imported.weights,
                      seed=0, timeout=60) as lava:
        result = lava.evaluate(dataset)
    start = imported.params.window_start(inputs.shape[1])
    ours = np.array([run["readout"][start:].sum(axis=0) for run in _ours(imported, inputs)])
    assert np.allclose(result.scores, ours, rtol=0, atol=1e-9)
    assert list(result.predictions) == list(data["predictions"])
