"""Lossless save and load; a write killed mid-way never leaves a valid-but-wrong file.

Adds to tests/test_files.py and tests/runs/test_record.py: exact round trips of awkward values,
and SIGKILL of a process in the middle of writing large weight files and run folders,
again and again (lava_stllr.files writes a temporary file, fsyncs it and renames it).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lava_stllr import files as io
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer
from lava_stllr.runs import record as runs

HERE = Path(__file__).resolve().parent
JOB = HERE / "save_job.py"
#: Float64 entries per file: an 8 MB array, so that most of the time goes into writing.
N_VALUES = 1_000_000
ROUNDS = 4

AWKWARD = np.array([0.0, -0.0, 0.1 + 0.2, 1 / 3, 5e-324, -2.2250738585072014e-308,
                    np.finfo(np.float64).max, np.finfo(np.float64).min, np.pi * 1e300])


def test_awkward_floats_and_numpy_metadata_round_trip_exactly(tmp_path) -> None:
    arrays = {"f64": AWKWARD, "f32": AWKWARD[:4].astype(np.float32),
              "i64": np.array([np.iinfo(np.int64).min, -1, np.iinfo(np.int64).max]),
              "bool": np.array([True, False]), "empty": np.zeros((0, 3))}
    meta = {"lr": 0.1 + 0.2, "tiny": 5e-324, "k": np.int64(7), "x": np.float32(0.1),
            "nested": {"list": [1, 2.5, None, "s"]}}
    loaded, got = io.load_arrays(io.save_arrays(tmp_path / "a.npz", arrays, meta))
    for key, value in arrays.items():
        assert loaded[key].dtype == value.dtype and loaded[key].shape == value.shape
        assert loaded[key].tobytes() == value.tobytes()  # bit for bit, -0.0 included
    assert got == {**meta, "k": 7, "x": float(np.float32(0.1))}
    assert type(got["k"]) is int


def test_run_folder_round_trips_weights_params_spec_and_record_exactly(tmp_path) -> None:
    spec = NetworkSpec((9, 5, 4, 3), recurrent=True, beta_out=0.7, init_gain=1.3)
    params = STLLRParams.preset("dvs_gesture", lr=0.1 + 0.2, window=4, beta=1 / 3)
    trainer = STLLRTrainer(spec, params, seed=3)
    trainer.weights.feedforward[0][0, :len(AWKWARD)] = AWKWARD
    record = runs.build_record(name="r", command=["lava-stllr", "train"], backend="reference",
                               trainer="stllr", dataset={"n_train": np.int64(5)}, seed=3,
                               params=params, spec=spec,
                               accuracy={"val": np.float32(0.75), "train": 1 / 3},
                               timings={"train": 1.5}, history={"loss": [0.1 + 0.2]})
    runs.save_run(tmp_path, spec, params, trainer.weights, record)
    loaded = runs.load_run(tmp_path)
    assert loaded.spec == spec and loaded.params == params and loaded.seed == 3
    for a, b in zip(trainer.weights.arrays(), loaded.weights.arrays(), strict=True):
        assert a.tobytes() == b.tobytes()
    want = json.loads(json.dumps(record, default=str))
    want.update(dataset={"n_train": 5}, accuracy={"val": 0.75, "train": 1 / 3},
                weights_sha256=runs.file_sha256(loaded.weights_path))
    assert loaded.record == {"format_version": io.FORMAT_VERSION, **want}
    # Loaded into a trainer of the same spec, the weights are the same bits.
    other = STLLRTrainer(spec, params, seed=9)
    other.load(loaded.weights_path)
    for a, b in zip(trainer.weights.arrays(), other.weights.arrays(), strict=True):
        assert a.tobytes() == b.tobytes()


def _writer(mode: str, target: Path) -> subprocess.Popen:
    root = HERE.parents[1]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [str(root), os.environ.get("PYTHONPATH")])))
    return subprocess.Popen([sys.executable, str(JOB), mode, str(target), str(N_VALUES)],
                            cwd=root, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _kill_mid_write(proc: subprocess.Popen, rng: random.Random) -> int:
    """Wait for one complete write, kill -9 at a random moment of a later one; return
    how many writes completed."""
    assert proc.stdout is not None
    first = proc.stdout.readline()  # one complete write: the file exists from now on
    assert first.strip() == "1", proc.stderr.read() if proc.stderr else ""
    time.sleep(rng.uniform(0.05, 0.5))
    os.kill(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return 1 + len(out.split())


def _temporaries(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


@pytest.mark.timeout(240)
def test_killing_a_writer_mid_write_never_leaves_a_valid_but_wrong_weights_file(
        tmp_path) -> None:
    rng = random.Random(0)
    path = tmp_path / "w.npz"
    interrupted = 0
    for _ in range(ROUNDS):
        done = _kill_mid_write(_writer("arrays", path), rng)
        # The file under the final name is always complete and self-consistent: a
        # finished write k (never a partial one, never arrays of one write with the
        # metadata of another).
        arrays, meta = io.load_arrays(path)
        k = meta["k"]
        assert k >= done
        assert arrays["w"].shape == (N_VALUES,) and np.all(arrays["w"] == k)
        for tmp in _temporaries(tmp_path):  # what the killed write left behind
            interrupted += 1
            try:  # partial: rejected; complete (killed before the rename): consistent
                arrays, meta = io.load_arrays(tmp)
            except ValueError as exc:
                assert "not a valid lava-stllr weights file" in str(exc)
            else:
                assert np.all(arrays["w"] == meta["k"])
            tmp.unlink()
    assert interrupted >= 1  # at least one kill landed mid-write


@pytest.mark.timeout(240)
def test_killing_a_writer_mid_save_run_never_leaves_a_record_without_its_weights(
        tmp_path) -> None:
    rng = random.Random(1)
    folder = tmp_path / "run"
    for _ in range(ROUNDS):
        _kill_mid_write(_writer("run", folder), rng)
        # Weights are written before the record: the record is of the same write or of
        # the one before, never of a later one; the one before records another file's
        # SHA-256, so the folder is refused, naming both files.
        _, meta = io.load_arrays(folder / runs.WEIGHTS_FILE)
        record = json.loads((folder / "run.json").read_text())
        assert record["seed"] in (meta["seed"], meta["seed"] - 1)
        if record["seed"] != meta["seed"]:
            with pytest.raises(ValueError, match="weights.npz is not the weights file that "
                                                 ".*run.json records"):
                runs.load_run(folder)
        else:
            loaded = runs.load_run(folder)  # weights and record both load
            assert all(np.all(w == loaded.seed) for w in loaded.weights.arrays())
            assert loaded.record["seed"] == loaded.seed
        for tmp in _temporaries(folder):
            tmp.unlink()
