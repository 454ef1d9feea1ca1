"""The dtype option of the reference trainers: float32 stays float32 everywhere, agrees
with float64 to float32 precision, and the float64 default is unchanged."""

import numpy as np
import pytest

import lava_stllr.reference.bptt as bptt_module
import lava_stllr.reference.stllr as stllr_module
from lava_stllr.core import feedback_matrix
from lava_stllr.files import load_arrays, save_arrays
from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer, init_weights

F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)


def random_batch(seed, batch=6, n_steps=10, n_in=12, n_out=4, rate=0.3):
    rng = np.random.default_rng(seed)
    x = (rng.random((batch, n_steps, n_in)) < rate).astype(float)
    return x, rng.integers(0, n_out, batch)


def make(kind, spec, dtype, optimizer="sgd", signal="bp", update="batch", lr=0.05):
    params = STLLRParams(lr=lr, window=6)
    if kind == "bptt":
        return BPTTTrainer(spec, params, optimizer=optimizer, seed=1, dtype=dtype)
    return STLLRTrainer(spec, params, signal=signal, optimizer=optimizer, update=update,
                        seed=1, dtype=dtype)


def record_grads(trainer):
    """Make ``trainer.optimizer.step`` keep a copy of every gradient it applies."""
    seen = []
    step = trainer.optimizer.step

    def recording(weights, grads):
        seen.append([g.copy() for g in grads])
        step(weights, grads)

    trainer.optimizer.step = recording
    return seen


def check_dtypes(where, *arrays, dtype=F32):
    for a in arrays:
        if a is not None:
            assert a.dtype == dtype, f"{where}: {a.dtype}"


class CheckedNumpy:
    """Stands for ``numpy`` in a trainer module: every array it allocates must be float32,
    which catches an ``np.zeros(shape)`` without a dtype (float64) in the step loop."""

    def __getattr__(self, name):
        attr = getattr(np, name)
        if name not in ("zeros", "zeros_like", "ones", "empty", "full", "asarray", "array"):
            return attr

        def checked(*args, **kwargs):
            out = attr(*args, **kwargs)
            check_dtypes(f"np.{name}", out)
            return out

        return checked


CONFIGS = [
    ("stllr", "sgd", "bp", "batch", False),
    ("stllr", "adam", "bp", "batch", True),
    ("stllr", "sgd", "dfa", "step", True),
    ("stllr", "adam", "dfa", "batch", False),
    ("bptt", "sgd", None, None, False),
    ("bptt", "adam", None, None, True),
]


@pytest.mark.parametrize(("kind", "optimizer", "signal", "update", "recurrent"), CONFIGS)
def test_float32_training_has_no_float64_anywhere(monkeypatch, kind, optimizer, signal,
                                                  update, recurrent):
    # Weights stay float32 even if the gradients were float64 (in-place updates cast),
    # so the check is on what the step loop computes: records, traces and gradients.
    module = bptt_module if kind == "bptt" else stllr_module
    forward = module.forward_step

    def checked_forward(spec, params, weights, state, x):
        records = forward(spec, params, weights, state, x)
        for r in records:
            check_dtypes("forward step", r.inputs, r.recurrent_inputs, r.v, r.spikes, r.psi)
        check_dtypes("network state", state.z, *state.u, *state.spikes)
        return records

    monkeypatch.setattr(module, "forward_step", checked_forward)
    monkeypatch.setattr(module, "np", CheckedNumpy())
    if kind == "stllr":
        for name in ("trace_step", "stllr_grad"):
            original = getattr(stllr_module, name)

            def checked(*args, _original=original, _name=name):
                out = _original(*args)
                check_dtypes(_name, *[a for a in args if isinstance(a, np.ndarray)], out)
                return out

            monkeypatch.setattr(stllr_module, name, checked)

    spec = NetworkSpec((12, 9, 7, 4), recurrent=recurrent, init_gain=2.0)
    trainer = make(kind, spec, "float32", optimizer, signal or "bp", update or "batch")
    seen = record_grads(trainer)
    x, labels = random_batch(0)
    loss, correct = trainer.train_batch(x, labels)
    assert type(loss) is float and type(correct) is int
    assert seen and all(g.dtype == F32 for grads in seen for g in grads)
    check_dtypes("weights", *trainer.weights.arrays())
    if optimizer == "adam":
        check_dtypes("adam moments", *trainer.optimizer.m, *trainer.optimizer.v)
    if kind == "stllr":
        check_dtypes("feedback", *trainer.feedback)
    else:
        grads, scores = trainer.gradients(x, labels)
        check_dtypes("bptt gradients", scores, *grads)
    check_dtypes("scores", trainer.predict_scores(x))


@pytest.mark.parametrize(("kind", "optimizer", "signal", "update", "recurrent"), CONFIGS)
def test_one_float32_batch_matches_float64(kind, optimizer, signal, update, recurrent):
    # Gradients agree to float32 precision (observed ~1e-5 of each matrix's largest
    # entry); the weights after one batch to 1e-4 relative. The weight change itself
    # is not compared: w + lr*g in float32 loses the digits of a tiny lr*g next to w.
    spec = NetworkSpec((12, 9, 7, 4), recurrent=recurrent, init_gain=2.0)
    x, labels = random_batch(3)
    runs = {}
    for dtype in ("float64", "float32"):
        trainer = make(kind, spec, dtype, optimizer, signal or "bp", update or "batch")
        seen = record_grads(trainer)
        result = trainer.train_batch(x, labels)
        runs[dtype] = trainer, seen, result
    (t64, g64, (loss64, ok64)), (t32, g32, (loss32, ok32)) = runs.values()
    assert len(g64) == len(g32)
    for step64, step32 in zip(g64, g32, strict=True):
        for a, b in zip(step64, step32, strict=True):
            np.testing.assert_allclose(b, a, rtol=0, atol=1e-4 * np.abs(a).max() + 1e-12)
    for a, b in zip(t64.weights.arrays(), t32.weights.arrays(), strict=True):
        assert b.dtype == F32 and a.dtype == F64
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-4 * np.abs(a).max())
    assert loss32 == pytest.approx(loss64, rel=1e-5)
    assert ok32 == ok64
    s64, s32 = t64.predict_scores(x), t32.predict_scores(x)
    np.testing.assert_allclose(s32, s64, rtol=0, atol=1e-4 * np.abs(s64).max())
    np.testing.assert_array_equal(s32.argmax(1), s64.argmax(1))


@pytest.mark.parametrize("bad", ["int8", np.int8, "float16", np.float16, "f4", "double",
                                 None, 32, np.dtype("int32"), float])
@pytest.mark.parametrize("kind", ["stllr", "bptt"])
def test_bad_dtype_is_refused(kind, bad):
    with pytest.raises(ValueError, match=r"dtype must be 'float32' or 'float64', got "):
        make(kind, NetworkSpec((4, 3, 2)), bad)


def test_bad_dtype_message_names_the_value():
    with pytest.raises(ValueError, match=r"^dtype must be 'float32' or 'float64', got 'int8'$"):
        STLLRTrainer(NetworkSpec((4, 3, 2)), STLLRParams(), dtype="int8")


@pytest.mark.parametrize(("given", "expected"), [
    ("float32", F32), (np.float32, F32), (F32, F32),
    ("float64", F64), (np.float64, F64), (F64, F64),
])
def test_dtype_spellings(given, expected):
    trainer = STLLRTrainer(NetworkSpec((4, 3, 2), recurrent=True), STLLRParams(),
                           signal="dfa", dtype=given)
    assert trainer.dtype == expected
    check_dtypes("weights", *trainer.weights.arrays(), *trainer.feedback, dtype=expected)


@pytest.mark.parametrize("kind", ["stllr", "bptt"])
def test_default_is_float64_and_unchanged(kind):
    spec = NetworkSpec((12, 9, 7, 4), recurrent=True, init_gain=2.0)
    params = STLLRParams(lr=0.05, window=6)
    if kind == "stllr":
        default = STLLRTrainer(spec, params, signal="dfa", optimizer="adam", seed=1)
        # The float64 feedback is the raw draw, not a rounded copy.
        for i, b in enumerate(default.feedback):
            assert b.dtype == F64
            np.testing.assert_array_equal(b, feedback_matrix(b.shape[0], 4, seed=2 + i))
    else:
        default = BPTTTrainer(spec, params, optimizer="adam", seed=1)
    assert default.dtype == F64
    for w, w0 in zip(default.weights.arrays(), init_weights(spec, 1).arrays(), strict=True):
        assert w.dtype == F64
        np.testing.assert_array_equal(w, w0)
    explicit = make(kind, spec, np.float64, optimizer="adam", signal="dfa")
    x, labels = random_batch(4)
    for batch in range(2):
        # uint8 spikes, cast once per batch, give the very same numbers as float ones.
        xb = x if batch == 0 else x.astype(np.uint8)
        assert default.train_batch(xb, labels) == explicit.train_batch(x, labels)
    for a, b in zip(default.weights.arrays(), explicit.weights.arrays(), strict=True):
        assert a.dtype == F64
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(default.predict_scores(x), explicit.predict_scores(x))


def test_weights_setter_casts_to_the_trainer_dtype():
    spec = NetworkSpec((4, 3, 2), recurrent=True)
    trainer = STLLRTrainer(spec, STLLRParams(), dtype="float32")
    trainer.weights = init_weights(spec, 7)
    check_dtypes("weights", *trainer.weights.arrays())
    for a, b in zip(trainer.weights.arrays(), init_weights(spec, 7).arrays(), strict=True):
        np.testing.assert_array_equal(a, b.astype(np.float32))


def test_weights_beyond_the_float32_range_are_refused():
    spec = NetworkSpec((4, 3, 2))
    trainer = STLLRTrainer(spec, STLLRParams(), dtype="float32")
    huge = init_weights(spec, 0)
    huge.feedforward[0][0, 0] = 1e39
    with pytest.raises(ValueError, match="beyond the float32 range"):
        trainer.weights = huge
    STLLRTrainer(spec, STLLRParams()).weights = huge  # fine in float64


def test_save_load_round_trip_keeps_float32(tmp_path):
    spec = NetworkSpec((12, 9, 4), recurrent=True)
    trained = make("stllr", spec, "float32", optimizer="adam")
    trained.train_batch(*random_batch(5, n_out=4))
    path = trained.save(tmp_path / "w.npz")
    arrays, meta = load_arrays(path)
    assert meta["dtype"] == "float32"
    assert all(a.dtype == F32 for a in arrays.values())

    back = make("stllr", spec, "float32")
    back.load(path)
    for a, b in zip(back.weights.arrays(), trained.weights.arrays(), strict=True):
        assert a.dtype == F32
        np.testing.assert_array_equal(a, b)
        assert not np.shares_memory(a, b)
    back.train_batch(*random_batch(6, n_out=4))  # loaded weights are writable

    wide = make("stllr", spec, "float64")
    wide.load(path)
    for a, b in zip(wide.weights.arrays(), trained.weights.arrays(), strict=True):
        assert a.dtype == F64
        np.testing.assert_array_equal(a, b)
    assert load_arrays(wide.save(tmp_path / "w64.npz"))[1]["dtype"] == "float64"

    back.load(tmp_path / "w64.npz")
    check_dtypes("weights", *back.weights.arrays())

    wide.weights.feedforward[0][0, 0] = 1e39  # finite in float64, Inf in float32
    wide.save(tmp_path / "huge.npz")
    with pytest.raises(ValueError, match="beyond the float32 range"):
        back.load(tmp_path / "huge.npz")


def test_load_accepts_files_without_a_dtype(tmp_path):
    # Files written before the dtype option: float64 arrays, no "dtype" in the meta.
    spec = NetworkSpec((4, 3, 2))
    old = STLLRTrainer(spec, STLLRParams(), seed=3)
    arrays = {f"ff{i}": w for i, w in enumerate(old.weights.feedforward)}
    meta = {"spec": spec.to_dict(), "params": old.params.to_dict(), "seed": 3,
            "trainer": "STLLRTrainer"}
    path = save_arrays(tmp_path / "old.npz", arrays, meta)
    for dtype in (F32, F64):
        trainer = STLLRTrainer(spec, STLLRParams(), dtype=dtype)
        trainer.load(path)
        for a, b in zip(trainer.weights.arrays(), old.weights.arrays(), strict=True):
            assert a.dtype == dtype
            np.testing.assert_array_equal(a, b.astype(dtype))

