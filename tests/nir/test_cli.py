"""``lava-stllr export RUN -o net.nir`` and ``lava-stllr import net.nir --out RUN``: tiny
reference runs (dense, recurrent, conv) go out and come back with the same weights bit for
bit and the same held-out accuracy, loss and predictions; the imported runs evaluate in
Lava and keep learning with ``train --init``; refused graphs are one line."""

from __future__ import annotations

import json
from pathlib import Path

import nir
import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.nir import RULE_KEY
from lava_stllr.runs import record as runs

TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "1",
        "--quiet", "--no-plots"]
NETWORKS = {"dense": ["--hidden", "8"], "recurrent": ["--hidden", "8", "--recurrent"],
            "conv": ["--layers", "3c5s2-p2-a1-8"], "hard": ["--hidden", "6,5",
                                                          "--set", "reset=hard"]}


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lava-stllr: error: "), err
    return err[0]


@pytest.fixture(scope="module")
def runs_dir(tmp_path_factory) -> Path:
    """One tiny trained run per network of :data:`NETWORKS`, each exported and imported."""
    root = tmp_path_factory.mktemp("nir")
    for name, layers in NETWORKS.items():
        assert main(["train", *TINY, *layers, "--seed", "4", "--out", str(root / name)]) == 0
        assert main(["export", str(root / name), "-o", str(root / f"{name}.nir")]) == 0
        assert main(["import", str(root / f"{name}.nir"), "--out",
                     str(root / f"{name}-imported")]) == 0
    return root


def _evaluate(capsys, run: Path, *options: str) -> dict:
    capsys.readouterr()
    assert main(["evaluate", str(run), "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_export_import_round_trip_keeps_weights_and_predictions(runs_dir, name, capsys):
    original, imported = runs.load_run(runs_dir / name), runs.load_run(
        runs_dir / f"{name}-imported")
    assert imported.spec == original.spec and imported.params == original.params
    assert imported.seed == original.seed
    for a, b in zip(original.weights.arrays(), imported.weights.arrays(), strict=True):
        assert np.array_equal(a, b)
    assert len(original.weights.arrays()) == len(imported.weights.arrays())
    assert imported.record["dataset"] == original.record["dataset"]
    assert imported.record["nir"]["exported_run"] == name
    ours = _evaluate(capsys, runs_dir / name, "--predictions", str(runs_dir / f"{name}.csv"))
    theirs = _evaluate(capsys, runs_dir / f"{name}-imported", "--predictions",
                       str(runs_dir / f"{name}-imported.csv"))
    assert (theirs["accuracy"], theirs["loss"], theirs["samples"]) == \
        (ours["accuracy"], ours["loss"], ours["samples"])
    assert (runs_dir / f"{name}.csv").read_text() == \
        (runs_dir / f"{name}-imported.csv").read_text()


def test_the_exported_file_is_nir_with_the_rule_in_its_metadata(runs_dir):
    graph = nir.read(runs_dir / "dense.nir")
    assert graph.metadata[RULE_KEY]["rule"] == "S-TLLR"
    assert graph.metadata[RULE_KEY]["signal"] == "bp"
    assert {type(n).__name__ for n in graph.nodes.values()} == {
        "Input", "Linear", "LIF", "LI", "Output"}


def test_export_prints_the_nodes_and_checks_the_round_trip(runs_dir, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "x.NIR"
    assert main(["export", str(runs_dir / "conv"), "-o", str(out), "--check", "4",
                 "--dt", "0.01"]) == 0
    text = capsys.readouterr().out
    assert f"wrote {out} (NIR, 12 nodes, dt 0.01 s per step" in text
    assert "pool2_max  Threshold" in text and "lava_stllr.reset" in text
    assert "same prediction 1.000, weights bit for bit: yes" in text
    assert main(["export", str(runs_dir / "hard"), "-o", str(tmp_path / "h.nir"),
                 "--json", "--check", "3"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["format"] == "nir" and result["check"]["agreement"] == 1.0
    assert result["nodes"][0] == {"node": "input", "type": "Input", "shape": [512]}


def test_dt_is_for_nir_only_and_h5_stays_netx(runs_dir, tmp_path, capsys):
    assert main(["export", str(runs_dir / "dense"), "-o", str(tmp_path / "n.h5"),
                 "--dt", "0.01"]) == 2
    assert "--dt applies to NIR output" in one_line_error(capsys)
    assert main(["export", str(runs_dir / "dense"), "-o", str(tmp_path / "n.h5")]) == 0
    assert "lava-dl netx HDF5" in capsys.readouterr().out


def test_import_summary_and_json(runs_dir, tmp_path, capsys):
    capsys.readouterr()
    assert main(["import", str(runs_dir / "recurrent.nir"), "--out", str(tmp_path / "a")]) == 0
    text = capsys.readouterr().out
    assert "network 512-8r-4: hidden LIF beta 0.9, theta 0.6, soft reset" in text
    assert "dataset synthetic: lava-stllr evaluate" in text
    assert main(["import", str(runs_dir / "dense.nir"), "--out", str(tmp_path / "b"),
                 "--json", "--dt", "0.002", "--seed", "9"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["dt"] == 0.002 and result["network"] == "512-8-4"
    assert result["params"]["beta"] == pytest.approx(0.8)  # tau = 0.01 s read at 2 ms
    assert any("input gain dt*r/tau = 2" in note for note in result["notes"])
    assert any("not the 0.001 s the graph records" in note for note in result["notes"])
    assert runs.load_run(tmp_path / "b").seed == 9


def test_import_refusals_are_one_line_and_leave_no_folder(runs_dir, tmp_path, capsys):
    graph = nir.read(runs_dir / "dense.nir")
    graph.nodes["lif1"].tau = graph.nodes["lif1"].tau * np.linspace(1, 2, 8)
    bad = tmp_path / "hetero.nir"
    nir.write(bad, graph)
    out = tmp_path / "never"
    assert main(["import", str(bad), "--out", str(out)]) == 2
    line = one_line_error(capsys)
    assert "NIR node 'lif1' (LIF): per-neuron tau" in line
    assert not out.exists()
    junk = tmp_path / "junk.nir"
    junk.write_text("no")
    assert main(["import", str(junk), "--out", str(out)]) == 2
    assert "is not a NIR graph" in one_line_error(capsys)
    assert main(["import", str(runs_dir / "dense.nir"), "--data-dir", str(tmp_path)]) == 2
    assert "need --dataset" in one_line_error(capsys)


def _foreign(tmp_path: Path) -> Path:
    """snnTorch's classifier as export_to_nir writes it (Affine -> LIF -> Affine -> LIF,
    dt 1e-4 not recorded), on the synthetic set's 512 inputs and 4 classes."""
    rng = np.random.default_rng(0)
    dt, beta = np.float32(1e-4), np.full(16, 0.9, np.float32)

    def lif(n):
        tau = dt / (1 - beta[:n])
        return nir.LIF(tau=tau, r=tau / dt, v_leak=np.zeros(n, np.float32),
                       v_threshold=np.ones(n, np.float32), v_reset=np.zeros(n, np.float32))

    nodes = {"input": nir.Input(input_type=np.array([512])),
             "fc1": nir.Affine(weight=rng.normal(0, 0.1, (16, 512)).astype(np.float32),
                               bias=np.zeros(16, np.float32)), "lif1": lif(16),
             "fc2": nir.Affine(weight=rng.normal(0, 0.5, (4, 16)).astype(np.float32),
                               bias=np.zeros(4, np.float32)), "lif2": lif(4),
             "output": nir.Output(output_type=np.array([4]))}
    names = list(nodes)
    path = tmp_path / "snn.nir"
    nir.write(path, nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:],
                                                             strict=True))))
    return path


def test_a_foreign_graph_needs_dt_and_then_evaluates(tmp_path, capsys):
    path = _foreign(tmp_path)
    assert main(["import", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "--dt SECONDS" in one_line_error(capsys)
    assert main(["import", str(path), "--dt", "1e-4", "--out", str(tmp_path / "r")]) == 0
    text = capsys.readouterr().out
    assert "hard reset" in text and "note: lif2: the last LIF is the readout" in text
    assert "no dataset recorded" in text and "(defaults: the graph has no S-TLLR" in text
    assert main(["import", str(path), "--dt", "1e-4", "--dataset", "synthetic", "--out",
                 str(tmp_path / "s")]) == 0
    result = _evaluate(capsys, tmp_path / "s", "--samples", "4")
    assert result["samples"] == 4


@pytest.mark.timeout(300)
def test_an_imported_run_evaluates_in_lava_and_keeps_learning(runs_dir, tmp_path, capsys):
    ref = _evaluate(capsys, runs_dir / "dense-imported")
    lava = _evaluate(capsys, runs_dir / "dense-imported", "--backend", "lava", "--quiet")
    assert lava["accuracy"] == ref["accuracy"]
    assert lava["loss"] == pytest.approx(ref["loss"], abs=1e-9)
    out = tmp_path / "more"
    assert main(["train", "--backend", "lava", "--init", str(runs_dir / "dense-imported"),
                 "--epochs", "1", "--quiet", "--no-plots", "--out", str(out)]) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["init_run"]["val_acc"] == ref["accuracy"]
    assert runs.load_run(out).spec == runs.load_run(runs_dir / "dense-imported").spec


def test_export_for_a_framework(runs_dir, tmp_path, capsys):
    capsys.readouterr()
    out = tmp_path / "snn.nir"
    assert main(["export", str(runs_dir / "hard"), "-o", str(out), "--target", "snntorch",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["target"] == "snntorch" and result["dt"] == 1e-4  # snnTorch's own dt
    assert type(nir.read(out).nodes["readout"]).__name__ == "LIF"
    assert main(["export", str(runs_dir / "hard"), "-o", str(tmp_path / "n.h5"),
                 "--target", "norse"]) == 2
    assert "--target applies to NIR output" in one_line_error(capsys)
    assert main(["export", str(runs_dir / "recurrent"), "-o", str(tmp_path / "r.nir"),
                 "--target", "norse"]) == 2
    assert "norse's NIR importer reads no recurrent layer" in one_line_error(capsys)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", ["dense", "recurrent", "conv"])
def test_a_fixed_point_run_comes_back_with_the_same_integers_on_chip(tmp_path, capsys, name):
    """Fixed point: the run's weights are its on-chip integers times their scale; they come
    back bit for bit, so the re-quantized network is the same and so are its predictions."""
    fixed = tmp_path / "fixed"
    network = NETWORKS[name]
    if name == "conv":  # conv layers learn offline; on chip they are a frozen front-end
        network = ["--layers", "3c5s2-p2-8"]  # binary spikes into the fixed-point head
        assert main(["train", *TINY[:2], "--samples", "8", "--val-samples", "6", *TINY[6:],
                     *network, "--seed", "2", "--out", str(tmp_path / "offline")]) == 0
        network = ["--init", str(tmp_path / "offline")]
    assert main(["train", "--backend", "lava", "--precision", "fixed", *network,
                 "--samples", "8", "--val-samples", "6", "--epochs", "1", "--quiet",
                 "--no-plots", "--seed", "2", "--out", str(fixed)]) == 0
    assert main(["export", str(fixed), "-o", str(tmp_path / "f.nir")]) == 0
    assert main(["import", str(tmp_path / "f.nir"), "--out", str(tmp_path / "back")]) == 0
    results = []
    for run in (fixed, tmp_path / "back"):
        predictions = tmp_path / f"{run.name}.csv"
        results.append(_evaluate(capsys, run, "--backend", "lava", "--precision", "fixed",
                                 "--quiet", "--predictions", str(predictions)))
        results[-1]["predictions"] = predictions.read_text()
    assert results[0]["samples"] == 6
    for key in ("accuracy", "loss", "predictions"):
        assert results[0][key] == results[1][key], key
