"""Bad input at every public entry point ends in a clear error naming what was wrong.

Complements the cases in tests/test_params.py, tests/test_files.py,
tests/runs/test_record.py, tests/reference/test_trainers.py, tests/onchip/test_pipeline.py,
tests/processes/test_processes.py and tests/data/* (not repeated here).
"""

from __future__ import annotations

import json
import math
import zipfile

import numpy as np
import pytest

from lava_stllr import files as io
from lava_stllr.cli import main
from lava_stllr.data.binning import NMNIST_DEFAULT_CONFIG, validate_events
from lava_stllr.data.dataset import ArrayDataset, iter_batches
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.loihi.conversions import quantize_weights
from lava_stllr.loihi.fixed_arithmetic import check_fits
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF, EventSource, LeakyReadout, OutputError, STLLRDense
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer, Weights
from lava_stllr.runs import record as runs

P = STLLRParams.preset("code_default", lr=0.05)
SPEC = NetworkSpec((8, 6, 3))


def _dataset(n: int = 4, n_steps: int = 6, n_inputs: int = 8, n_classes: int = 3,
             seed: int = 0) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, n_inputs)) < 0.3).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % n_classes, n_classes)


class _BadSample:
    """A SpikeDataset whose sample ``bad_index`` is ``(spikes, label)`` as given."""

    def __init__(self, base: ArrayDataset, bad_index: int, spikes=None, label=None) -> None:
        self.base, self.bad_index = base, bad_index
        self.spikes, self.label = spikes, label
        self.n_steps, self.n_inputs, self.n_classes = base.n_steps, base.n_inputs, base.n_classes

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, index: int):
        spikes, label = self.base[index]
        if index == self.bad_index:
            spikes = spikes if self.spikes is None else self.spikes
            label = label if self.label is None else self.label
        return spikes, label


def _raises(error: type[Exception], match: str, factory) -> None:
    with pytest.raises(error, match=match):
        factory()


# --------------------------------------------------------------- parameters, everywhere


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(lam_post=-0.01), r"lam_post must be in \[0.0, 1.0\], got -0.01"),
    (dict(beta=1.01), r"beta must be in \[0.0, 1.0\], got 1.01"),
    (dict(beta=math.nan), r"beta must be in \[0.0, 1.0\], got nan"),
    (dict(theta=math.nan), r"theta must be in \(0.0, inf\), got nan"),
    (dict(theta=math.inf), r"theta must be in \(0.0, inf\), got inf"),
    (dict(lr=math.inf), r"lr must be in \[0.0, inf\), got inf"),
    (dict(lr="0.1"), r"lr must be a number in \[0.0, inf\), got '0.1'"),
    (dict(lr=None), r"lr must be a number in \[0.0, inf\), got None"),
    (dict(lam_pre=True), r"lam_pre must be a number in \[0.0, 1.0\], got True"),
    (dict(window=True), "window must be None or an integer >= 1, got True"),
])
def test_params_out_of_range_or_not_numbers(kwargs: dict, match: str) -> None:
    _raises(ValueError, match, lambda: STLLRParams(**kwargs))


def test_params_accept_numpy_scalars_and_store_plain_numbers() -> None:
    p = STLLRParams(lr=np.float32(0.25), lam_pre=np.float64(0.5), window=np.int64(3))
    assert type(p.lr) is float and p.lr == 0.25 and type(p.window) is int
    assert STLLRParams.from_dict(json.loads(json.dumps(p.to_dict()))) == p


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(sizes=5), r"sizes must be a tuple \(inputs, hidden..., outputs\)"),
    (dict(sizes=(4, True, 2)), "every layer size must be an integer >= 1"),
    (dict(sizes=(4, 3, 1)), "the readout needs >= 2 classes"),
    (dict(sizes=(4, 3, 2), recurrent="yes"), "recurrent must be True or False"),
    (dict(sizes=(4, 3, 2), beta_out="0.9"), "beta_out must be a number"),
    (dict(sizes=(4, 3, 2), beta_out=math.nan), r"beta_out must be in \[0, 1\], got nan"),
    (dict(sizes=(4, 3, 2), beta_out=1.5), r"beta_out must be in \[0, 1\], got 1.5"),
    (dict(sizes=(4, 3, 2), init_gain=-1.0), "init_gain must be > 0"),
])
def test_network_spec(kwargs: dict, match: str) -> None:
    _raises(ValueError, match, lambda: NetworkSpec(**kwargs))


def test_network_spec_normalises_numpy_sizes_for_json() -> None:
    spec = NetworkSpec((np.int64(8), 6, np.int32(3)), beta_out=np.float32(0.5))
    assert json.loads(json.dumps(spec.to_dict()))["sizes"] == [8, 6, 3]


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(params=STLLRParams(lam_pre=0.0)), "lam_pre in \\(0, 1\\]"),
    (dict(params="code-default"), "preset must be one of"),
    (dict(beta_out=1.5), r"beta_out must be in \[0, 1\]"),
    (dict(init_gain=0.0), "init_gain must be > 0"),
    (dict(seed=-1), "seed must be an integer >= 0, got -1"),
    (dict(n_steps=0), "n_steps must be an integer >= 1"),
    (dict(gap=-1), "gap must be None or an integer >= 0"),
    (dict(sizes=(8, 3)), ">= 1 hidden layer"),
    (dict(precision="fixed_pt"), "precision must be one of"),
    (dict(timeout=math.nan), "timeout must be > 0"),
    (dict(graded_input="yes"), "graded_input must be a bool"),
])
def test_stllr_network_rejects_bad_arguments_before_building(kwargs: dict,
                                                              match: str) -> None:
    args = dict(sizes=(8, 6, 3), n_steps=6) | kwargs
    _raises(ValueError, match, lambda: STLLRNetwork(**args))


@pytest.mark.parametrize(("factory", "match"), [
    (lambda: STLLRLIF(n=3, params=STLLRParams(lam_pre=0.0)), "lam_pre"),
    (lambda: STLLRLIF(n=True, params=P), "n must be an integer >= 1"),
    (lambda: LeakyReadout(n=3, beta_out=math.nan, params=P), "beta_out"),
    (lambda: LeakyReadout(n=3, beta_out=True, params=P), "beta_out"),
    (lambda: STLLRDense(weights=[["a", "b"]], params=P), "weights must be a numeric 2-D"),
    (lambda: STLLRDense(weights=np.array([[1.0, np.inf]]), params=P), "NaN or Inf"),
    (lambda: STLLRDense(weights=np.zeros((0, 3)), params=P), "non-empty 2-D"),
    (lambda: OutputError(n=3, n_steps=0), "n_steps must be an integer >= 1"),
    (lambda: EventSource(n_inputs=True, n_steps=3), "n_inputs must be an integer >= 1"),
])
def test_process_constructors(factory, match: str) -> None:
    _raises(ValueError, match, factory)


@pytest.mark.parametrize(("factory", "match"), [
    (lambda: OnChipReference((8, 6, 3)), "layout must be an OnChipLayout, got tuple"),
    (lambda: OnChipLayout((8, 6, 3), 6, seed=-2), "seed must be an integer >= 0"),
    (lambda: OnChipLayout((8, 6, 3), 6, beta_out=math.nan), "beta_out"),
    (lambda: OnChipLayout((8, 6, 3), 6, params=STLLRParams(lr=1.0).replace(lam_pre=0.0)),
     "lam_pre"),
])
def test_onchip_reference(factory, match: str) -> None:
    _raises(ValueError, match, factory)


@pytest.mark.parametrize(("factory", "match"), [
    (lambda: STLLRTrainer((8, 6, 3), P), "spec must be a NetworkSpec, got tuple"),
    (lambda: STLLRTrainer(SPEC, {"lr": 0.1}), "params must be an STLLRParams, got dict"),
    (lambda: BPTTTrainer(SPEC, P, seed=-1), "seed must be an integer >= 0, got -1"),
    (lambda: STLLRTrainer(SPEC, P, seed=1.5), "seed must be an integer >= 0, got 1.5"),
    (lambda: STLLRTrainer(SPEC, P).fit(_dataset(), epochs=0), "epochs must be an integer"),
    (lambda: STLLRTrainer(SPEC, P).fit(_dataset(), epochs=1, batch_size=2.5),
     "batch_size must be an integer >= 1, got 2.5"),
    (lambda: next(iter_batches(_dataset(), 0)), "batch_size must be an integer >= 1, got 0"),
])
def test_reference_trainers(factory, match: str) -> None:
    _raises(ValueError, match, factory)


TRAIN = ["train", "--backend", "reference", "--samples", "8", "--val-samples", "4",
         "--epochs", "1", "--hidden", "4", "--no-plots", "--quiet"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--lr", "-1"], "lr must be in [0.0, inf), got -1.0"),
    (["--lr", "nan"], "lr must be in [0.0, inf), got nan"),
    (["--set", "lr=inf"], "lr must be in [0.0, inf), got inf"),
    (["--lam-post", "-0.5"], "lam_post must be in [0.0, 1.0], got -0.5"),
    (["--set", "beta=1.5"], "beta must be in [0.0, 1.0], got 1.5"),
    (["--set", "theta=0"], "theta must be in (0.0, inf), got 0.0"),
    (["--seed", "-1"], "--seed: expected an integer >= 0, got -1"),
    (["--backend", "lava", "--lam-pre", "0"], "needs lam_pre in (0, 1]"),
])
def test_cli_parameters_are_one_line_errors_before_anything_is_written(
        extra, message, tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main([*TRAIN, "--out", str(out), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lava-stllr: error: ") and "\n" not in err
    assert message in err
    assert not out.exists()


# ------------------------------------------------------------- shapes between layers/data


def test_a_dataset_of_another_size_or_more_classes_is_rejected_by_the_lava_network() -> None:
    net = STLLRNetwork((8, 6, 3), n_steps=6, params=P)
    try:
        _raises(ValueError, r"dataset samples are \(7, 8\), the network expects \(6, 8\)",
                lambda: net.train(_dataset(n_steps=7), progress=False))
        _raises(ValueError, "dataset has 4 classes, the readout only 3",
                lambda: net.evaluate(_dataset(n_classes=4)))
        _raises(ValueError, "SpikeDataset interface",
                lambda: net.train(np.zeros((4, 6, 8)), progress=False))
        assert not net._started  # nothing was started for a bad call
    finally:
        net.close()


@pytest.mark.parametrize(("weights", "match"), [
    (Weights([np.zeros((6, 8))]), "1 feedforward matrices, the network 8-6-3 has 2"),
    (Weights([np.zeros((6, 8)), np.zeros((3, 5))]),
     r"feedforward\[1\] has shape \(3, 5\), expected \(3, 6\)"),
    (Weights([np.zeros((6, 8)), np.full((3, 6), np.nan)]), "NaN, Inf or non-numbers"),
    (Weights([np.zeros((6, 8)), np.zeros((3, 6))], [np.zeros((6, 6))]),
     "1 recurrent matrices, the network 8-6-3 has 0"),
    ([np.zeros((6, 8)), np.zeros((3, 6))], "weights must be a Weights, got list"),
])
def test_assigning_weights_of_the_wrong_shape_to_a_trainer(weights, match: str) -> None:
    trainer = STLLRTrainer(SPEC, P)
    before = [w.copy() for w in trainer.weights.arrays()]
    _raises(ValueError, match, lambda: setattr(trainer, "weights", weights))
    for a, b in zip(before, trainer.weights.arrays(), strict=True):
        assert a.tobytes() == b.tobytes()  # unchanged


# ------------------------------------------------------------ NaN/Inf, empty, bad samples


@pytest.mark.parametrize(("spikes", "labels", "match"), [
    (np.zeros((2, 0, 4)), [0, 1], r"samples are empty: spikes has shape \(2, 0, 4\)"),
    (np.zeros((2, 3, 0)), [0, 1], r"samples are empty: spikes has shape \(2, 3, 0\)"),
    (np.full((2, 3, 4), "1"), [0, 1], "spikes must be numeric"),
    (np.full((2, 3, 4), -np.inf), [0, 1], "spikes contain NaN or Inf"),
    (np.zeros((2, 3, 4)), [0, -1], r"labels must be in \[0, 1\)"),
])
def test_array_dataset(spikes, labels, match: str) -> None:
    _raises(ValueError, match, lambda: ArrayDataset(spikes, np.array(labels)))


@pytest.mark.parametrize(("bad", "match"), [
    (dict(spikes=np.full((6, 8), np.nan, dtype=np.float32)), "sample 2 holds NaN, Inf"),
    (dict(label=3), r"sample 2 has label 3, expected an integer in \[0, 3\)"),
    (dict(label=-1), r"sample 2 has label -1"),
    (dict(spikes=np.zeros((5, 8), dtype=np.float32)), r"sample 2 has shape \(5, 8\)"),
])
def test_onchip_reference_rejects_a_bad_sample_before_stepping(bad: dict, match: str) -> None:
    ref = OnChipReference(OnChipLayout((8, 6, 3), 6, params=P))
    before = ref.weights()
    _raises(ValueError, match, lambda: ref.train(_BadSample(_dataset(), 2, **bad)))
    assert ref._state.time_step == 0  # no step ran: the state is untouched
    for a, b in zip(before, ref.weights(), strict=True):
        assert a.tobytes() == b.tobytes()


@pytest.mark.timeout(60)
def test_a_nan_sample_mid_stream_stops_the_lava_network_with_a_clear_error() -> None:
    bad = _BadSample(_dataset(), 2, spikes=np.full((6, 8), np.inf, dtype=np.float32))
    net = STLLRNetwork((8, 6, 3), n_steps=6, params=P, timeout=30)
    try:
        _raises(ValueError, "sample 2 holds NaN, Inf", lambda: net.train(bad, progress=False))
        _raises(RuntimeError, "closed", lambda: net.evaluate(_dataset()))
        runtime = net.source.runtime
        assert not runtime._is_started
        assert all(not a.is_alive() for a in runtime._messaging_infrastructure.actors
                   if not getattr(a, "_is_done", False))
    finally:
        net.close()


def _events(**fields) -> np.ndarray:
    base = {"x": np.array([0, 1]), "y": np.array([0, 1]), "t": np.array([0, 5]),
            "p": np.array([0, 1])}
    base.update(fields)
    dtype = [(k, np.asarray(v).dtype) for k, v in base.items()]
    out = np.zeros(len(base["x"]), dtype=dtype)
    for k, v in base.items():
        out[k] = v
    return out


@pytest.mark.parametrize(("events", "match"), [
    (_events(t=np.array([0.0, np.nan])), "event timestamps contain NaN or Inf"),
    (_events(t=np.array(["0", "5"])), "events field 't' must have a numeric dtype"),
    (_events(p=np.array([0.0, 1.0])), "events field 'p' must have an integer dtype"),
    (_events(t=np.array([0.0, 7.5, 7.25, 9.0]), x=np.zeros(4, int), y=np.zeros(4, int),
             p=np.zeros(4, int)), r"non-decreasing; t\[1\] = 7.5 > t\[2\] = 7.25"),
    (_events().reshape(1, 2), "1-D structured array"),
])
def test_event_arrays(events: np.ndarray, match: str) -> None:
    _raises(ValueError, match, lambda: validate_events(events, NMNIST_DEFAULT_CONFIG))


# ------------------------------------------------------- corrupt weight and record files


@pytest.fixture()
def saved_run(tmp_path):
    trainer = STLLRTrainer(SPEC, P, seed=1)
    record = runs.build_record(name="r", command=["x"], backend="reference",
                               trainer="stllr", dataset={}, seed=1, params=P, spec=SPEC,
                               accuracy={}, timings={})
    runs.save_run(tmp_path, SPEC, P, trainer.weights, record)
    return tmp_path


def _rewrite_header(path, edit) -> None:
    with np.load(path) as data:
        payload = {k: data[k] for k in data.files}
    header = json.loads(bytes(payload["header"]).decode())
    header = edit(header)
    payload["header"] = np.frombuffer(json.dumps(header).encode(), np.uint8)
    np.savez(path, **payload)


@pytest.mark.parametrize(("damage", "error", "match"), [
    ("flip_byte", ValueError, "is not a valid lava-stllr weights file"),
    ("header_list", ValueError, "is not a lava-stllr weights file"),
    ("no_meta", ValueError, r"not a valid lava-stllr weights file \(no metadata\)"),
    ("bad_params", ValueError, r"has no valid parameters \(lr must be in"),
    ("bad_spec", ValueError, r"has no valid network spec \(the readout needs >= 2"),
    ("no_spec", ValueError, "has no valid network spec"),
    ("nan_weights", ValueError, "holds NaN or Inf weights"),
    ("bad_record", ValueError, "run.json is not a valid run record"),
])
def test_corrupt_weight_and_record_files(saved_run, damage, error, match) -> None:
    path = saved_run / runs.WEIGHTS_FILE
    if damage == "flip_byte":  # inside the first array's data: CRC mismatch
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("a_ff0.npy")
        data = bytearray(path.read_bytes())
        data[info.header_offset + 30 + len(info.filename) + 200] ^= 0xFF
        path.write_bytes(bytes(data))
    elif damage == "header_list":
        _rewrite_header(path, lambda h: [h])
    elif damage == "no_meta":
        _rewrite_header(path, lambda h: {k: v for k, v in h.items() if k != "meta"})
    elif damage == "bad_params":
        _rewrite_header(path, lambda h: h | {"meta": h["meta"] | {
            "params": h["meta"]["params"] | {"lr": -1.0}}})
    elif damage == "bad_spec":
        _rewrite_header(path, lambda h: h | {"meta": h["meta"] | {
            "spec": h["meta"]["spec"] | {"sizes": [8, 6, 1]}}})
    elif damage == "no_spec":
        _rewrite_header(path, lambda h: h | {"meta": {k: v for k, v in h["meta"].items()
                                                       if k != "spec"}})
    elif damage == "nan_weights":
        with np.load(path) as data:
            payload = {k: data[k] for k in data.files}
        payload["a_ff1"] = np.full_like(payload["a_ff1"], np.nan)
        np.savez(path, **payload)
    else:
        record = saved_run / runs.RECORD_FILE
        record.write_bytes(record.read_bytes()[:40])
    with pytest.raises(error, match=match):
        runs.load_run(saved_run)
    if damage not in ("bad_record", "bad_params"):  # a trainer loads weights, not params
        with pytest.raises(ValueError, match=str(path) if damage != "nan_weights" else "NaN"):
            STLLRTrainer(SPEC, P).load(path)


def test_saving_object_arrays_fails_at_save_not_at_load(tmp_path) -> None:
    _raises(ValueError, "array 'w' has dtype object",
            lambda: io.save_arrays(tmp_path / "a.npz", {"w": np.array([1, "x"], object)}, {}))
    assert not list(tmp_path.iterdir())


def test_cli_evaluate_of_a_truncated_weights_file_is_one_line(saved_run, capsys) -> None:
    path = saved_run / runs.WEIGHTS_FILE
    path.write_bytes(path.read_bytes()[:-100])
    assert main(["evaluate", str(saved_run)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("lava-stllr: error: ") and "not a valid lava-stllr weights" in err


# ------------------------------------------------------------ fixed point: does not fit


@pytest.mark.parametrize(("values", "match"), [
    (np.array([1.0, np.nan]), "trace must hold finite integers, got NaN or Inf"),
    (np.array([1e30]), "trace = 1e[+]30 does not fit 64-bit integers"),
    (2**70, "trace must be an integer array, got dtype object"),
    (np.array([128]), r"trace = 128 at index \(0,\) does not fit 7-bit unsigned"),
])
def test_fixed_point_values_that_do_not_fit(values, match: str) -> None:
    _raises(ValueError, match, lambda: check_fits("trace", values, 7, signed=False))


def test_fixed_point_weights_nan_or_too_large() -> None:
    fixed = quantize(P, [np.ones((6, 8)), np.ones((3, 6))], QuantizeOptions(readout_last=True))
    layer = fixed.layers[0]
    w = np.ones((6, 8))
    w[1, 2] = np.nan
    _raises(ValueError, "layer 0 weight mantissas must hold finite integers, got NaN",
            lambda: quantize_weights(w, layer))
    _raises(ValueError, "layer 0 weight mantissas = .* does not fit 9-bit signed",
            lambda: quantize_weights(np.full((6, 8), 1e3), layer))
    _raises(ValueError, r"weights\[1\] must be a finite 2-D",
            lambda: quantize(P, [np.ones((6, 8)), np.full((3, 6), np.inf)]))
