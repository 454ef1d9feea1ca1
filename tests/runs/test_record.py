"""Run folders: weights + run record written atomically, read back, never overwritten."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer, init_weights
from lava_stllr.runs import folder as run_folder
from lava_stllr.runs import record as runs


@pytest.fixture
def network():
    spec = NetworkSpec((6, 5, 3), recurrent=True)
    params = STLLRParams(lr=0.05, lam_pre=0.7)
    return spec, params, init_weights(spec, seed=3)


def _record(spec, params, **changes):
    fields = dict(name="r", command=["lava-stllr", "train"], backend="reference",
                  trainer="stllr", dataset={"name": "synthetic"}, seed=7, params=params,
                  spec=spec, accuracy={"val": 0.5}, timings={"train": 1.23456})
    fields.update(changes)
    return runs.build_record(**fields)


def test_record_has_every_field_and_versions(network):
    spec, params, _ = network
    record = _record(spec, params, extra_field=1)
    assert set(runs.RECORD_FIELDS) <= set(record)
    assert record["extra_field"] == 1
    assert record["params"] == params.to_dict()
    assert record["timings"] == {"train": 1.2346}
    assert set(record["versions"]) >= {"lava-stllr", "lava-nc", "numpy", "python"}
    assert record["versions"]["numpy"] == np.__version__


def test_record_holds_the_peak_memory_of_the_process_so_far(network):
    status = Path("/proc/self/status")
    if not status.is_file():
        pytest.skip("needs Linux's /proc to read the peak resident set independently")
    spec, params, _ = network
    record = _record(spec, params)
    high_water_kib = next(int(line.split()[1]) for line in status.read_text().splitlines()
                          if line.startswith("VmHWM:"))
    assert record["resources"]["peak_rss_mib"] == pytest.approx(high_water_kib / 1024,
                                                                rel=0.05)
    assert record["resources"]["children_peak_rss_mib"] >= 0


def test_save_and_load_round_trip(tmp_path, network):
    spec, params, weights = network
    w_path, r_path = runs.save_run(tmp_path, spec, params, weights, _record(spec, params))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json", "weights.npz"]
    record = json.loads(r_path.read_text())
    assert record["format_version"] == 1 and record["seed"] == 7
    for source in (tmp_path, w_path):
        loaded = runs.load_run(source)
        assert loaded.spec == spec and loaded.params == params and loaded.seed == 7
        assert loaded.trainer == "stllr" and loaded.folder == tmp_path
        assert loaded.record["accuracy"] == {"val": 0.5}
        for a, b in zip(loaded.weights.arrays(), weights.arrays(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_weights_file_is_readable_by_the_reference_trainer(tmp_path, network):
    spec, params, weights = network
    runs.save_run(tmp_path, spec, params, weights, _record(spec, params))
    trainer = STLLRTrainer(spec, params, seed=0)
    trainer.load(tmp_path / runs.WEIGHTS_FILE)
    np.testing.assert_array_equal(trainer.weights.feedforward[0], weights.feedforward[0])


def test_save_run_rejects_an_incomplete_record(tmp_path, network):
    spec, params, weights = network
    record = _record(spec, params)
    del record["accuracy"]
    with pytest.raises(ValueError, match="accuracy"):
        runs.save_run(tmp_path, spec, params, weights, record)
    assert not any(tmp_path.iterdir())


def test_update_record_merges(tmp_path, network):
    spec, params, weights = network
    runs.save_run(tmp_path, spec, params, weights, _record(spec, params))
    runs.update_record(tmp_path, plots=["a.png"])
    record = json.loads((tmp_path / runs.RECORD_FILE).read_text())
    assert record["plots"] == ["a.png"] and record["seed"] == 7
    assert record["format_version"] == 1


def test_default_run_dirs_are_unique(tmp_path, monkeypatch):
    monkeypatch.setattr(run_folder, "default_run_name", lambda now=None: "20250101-000000")
    first = run_folder.make_run_dir(root=tmp_path)
    second = run_folder.make_run_dir(root=tmp_path)
    assert first.name == "20250101-000000" and second.name == "20250101-000000-2"
    assert first.is_dir() and second.is_dir()


def test_default_run_name_is_a_timestamp():
    import datetime as dt

    assert run_folder.default_run_name(dt.datetime(2025, 1, 31, 14, 25, 1)) == "20250131-142501"


def test_explicit_out_is_never_overwritten(tmp_path, network):
    spec, params, weights = network
    out = run_folder.make_run_dir(tmp_path / "a" / "b")
    assert out.is_dir()
    runs.save_run(out, spec, params, weights, _record(spec, params))
    with pytest.raises(ValueError, match="already holds a run"):
        run_folder.make_run_dir(out)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValueError, match="not a folder"):
        run_folder.make_run_dir(tmp_path / "file")


def test_load_errors(tmp_path, network):
    spec, params, weights = network
    with pytest.raises(FileNotFoundError, match="no run folder or weights file"):
        runs.load_run(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="has no weights.npz"):
        runs.load_run(tmp_path)
    (tmp_path / "bad.npz").write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid lava-stllr weights file"):
        runs.load_run(tmp_path / "bad.npz")
    wrong = init_weights(NetworkSpec((6, 4, 3), recurrent=True), 0)
    runs.save_weights(tmp_path / "w.npz", spec, params, wrong, 0, "stllr")
    with pytest.raises(ValueError, match="has shape"):
        runs.load_run(tmp_path / "w.npz")


@pytest.fixture
def saved(tmp_path, network):
    spec, params, weights = network
    runs.save_run(tmp_path, spec, params, weights, _record(spec, params))
    return tmp_path


def _rewrite(folder, change):
    path = folder / runs.RECORD_FILE
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    return path


@pytest.mark.parametrize("change, words", [
    (lambda r: [r], "it must hold a JSON object, got a list"),
    (lambda r: r | {"seed": "7"}, "field 'seed' must be an integer, got a string"),
    (lambda r: r | {"seed": True}, "field 'seed' must be an integer, got a boolean"),
    (lambda r: r | {"dataset": ["synthetic"]}, "field 'dataset' must be an object, got a list"),
    (lambda r: r | {"dataset": {"data_dir": 3}},
     "field 'dataset.data_dir' must be a string or null, got an integer"),
    (lambda r: r | {"command": ["lava-stllr", 1]}, "'command' must be a list of strings"),
    (lambda r: r | {"signal": 1}, "field 'signal' must be a string or null"),
    (lambda r: r | {"network": "conv"}, "field 'network' must be an object, got a string"),
    (lambda r: {k: v for k, v in r.items() if k != "backend"}, "field 'backend' is missing"),
    (lambda r: {k: v for k, v in r.items() if k != "format_version"},
     "field 'format_version' is missing"),
    (lambda r: r | {"format_version": 99}, "has format_version 99, newer than this"),
    (lambda r: r | {"format_version": 0}, "has format_version 0, this lava-stllr reads"),
])
def test_load_run_checks_the_record_against_its_schema(saved, change, words):
    path = _rewrite(saved, change)
    with pytest.raises(ValueError) as info:
        runs.load_run(saved)
    assert str(path) in str(info.value) and words in str(info.value)


def test_records_of_the_current_version_still_load(saved):
    # A record as written before the data hash existed (fewer dataset fields, extras kept).
    _rewrite(saved, lambda r: r | {"dataset": {"name": "synthetic", "n_val": 3},
                                   "something_new": [1]})
    loaded = runs.load_run(saved)
    assert loaded.record["dataset"]["n_val"] == 3 and loaded.record["something_new"] == [1]


def test_a_conv_run_folder_loads_its_spec_and_weights(tmp_path):
    from lava_stllr.reference import ConvSTLLRTrainer
    from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights

    spec = ConvNetSpec.parse("2c3-p2-5", (2, 6, 6), 3)
    params, weights = STLLRParams(lr=0.05), init_conv_weights(spec, 4)
    record = _record(spec, params, network={"kind": "conv", "layers": str(spec)})
    runs.save_run(tmp_path, spec, params, weights, record)
    loaded = runs.load_run(tmp_path)
    assert loaded.spec == spec and loaded.record["network"]["kind"] == "conv"
    trainer = ConvSTLLRTrainer(loaded.spec, loaded.params)
    trainer.weights = loaded.weights  # the shapes the conv trainer expects
    x = np.ones((1, 4, spec.n_inputs))
    assert trainer.predict_scores(x).shape == (1, 3)
    for a, b in zip(loaded.weights.arrays(), weights.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)


def test_weights_saved_before_network_kinds_load_as_dense(tmp_path, network):
    from lava_stllr.files import save_arrays

    spec, params, weights = network
    meta = {"spec": spec.to_dict(), "params": params.to_dict(), "seed": 2, "trainer": "x"}
    path = save_arrays(tmp_path / "old.npz", runs.weight_arrays(weights), meta)
    loaded = runs.load_run(path)
    assert loaded.spec == spec and loaded.spec.kind == "dense"

