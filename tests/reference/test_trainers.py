"""Reference trainers: exactness against BPTT, learning, memory, determinism, save/load."""

import tracemalloc

import numpy as np
import pytest

from lava_stllr.data.synthetic import synthetic_train_val
from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer


def random_batch(seed, batch=6, n_steps=7, n_in=8, n_out=3, rate=0.35):
    rng = np.random.default_rng(seed)
    x = (rng.random((batch, n_steps, n_in)) < rate).astype(float)
    return x, rng.integers(0, n_out, batch)


def sgd_delta(trainer, x, labels):
    """Weight change of one train_batch call divided by -lr (the gradient it applied)."""
    before = [w.copy() for w in trainer.weights.arrays()]
    trainer.train_batch(x, labels)
    return [(b - a) / trainer.params.lr for b, a in zip(before, trainer.weights.arrays(),
                                                          strict=True)]


@pytest.mark.parametrize("sizes", [(8, 7, 3), (8, 6, 5, 3)])
def test_single_step_stllr_bp_equals_bptt_gradient(sizes):
    # With one step, lam_pre = 0 and alpha_post = 0, S-TLLR-BP is exact backprop.
    x, labels = random_batch(1, n_steps=1, n_in=sizes[0], n_out=sizes[-1])
    spec = NetworkSpec(sizes, init_gain=2.0)
    params = STLLRParams(lam_pre=0.0, alpha_post=0.0, lr=0.1, psi="sigmoid")
    stllr = sgd_delta(STLLRTrainer(spec, params, signal="bp", seed=3), x, labels)
    bptt, _ = BPTTTrainer(spec, params, seed=3).gradients(x, labels)
    assert any(np.abs(g).max() > 1e-3 for g in bptt[:-1])
    for a, b in zip(stllr, bptt, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-12)


def test_bptt_readout_gradient_matches_finite_differences():
    # The readout is linear in its weights given the spikes, so finite differences are exact.
    x, labels = random_batch(2, n_steps=9)
    spec = NetworkSpec((8, 6, 3), recurrent=True, init_gain=2.0)
    trainer = BPTTTrainer(spec, STLLRParams(window=5), seed=0)
    grads, _ = trainer.gradients(x, labels)
    w_out = trainer.weights.feedforward[-1]
    eps = 1e-6

    def loss():
        from lava_stllr.core import cross_entropy
        return cross_entropy(trainer.predict_scores(x), labels).mean()

    numeric = np.zeros_like(w_out)
    for idx in np.ndindex(*w_out.shape):
        w_out[idx] += eps
        up = loss()
        w_out[idx] -= 2 * eps
        down = loss()
        w_out[idx] += eps
        numeric[idx] = (up - down) / (2 * eps)
    np.testing.assert_allclose(grads[1], numeric, atol=1e-8)


def test_step_updates_equal_batch_update_when_window_is_one_step():
    x, labels = random_batch(3)
    spec = NetworkSpec((8, 6, 3), init_gain=2.0)
    params = STLLRParams(window=1, lr=0.05)
    per_batch = STLLRTrainer(spec, params, update="batch", seed=1)
    per_step = STLLRTrainer(spec, params, update="step", seed=1)
    per_batch.train_batch(x, labels)
    per_step.train_batch(x, labels)
    for a, b in zip(per_batch.weights.arrays(), per_step.weights.arrays(), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-14)


def test_window_selects_the_last_steps():
    x, labels = random_batch(4, n_steps=8)
    spec = NetworkSpec((8, 6, 3), init_gain=2.0)

    def delta(window):
        return sgd_delta(STLLRTrainer(spec, STLLRParams(lr=0.1, window=window), seed=0),
                         x, labels)

    full, whole_sample, last_two = delta(None), delta(8), delta(2)
    for a, b in zip(full, whole_sample, strict=True):
        assert a.tobytes() == b.tobytes()
    assert all(np.abs(a - b).max() > 1e-6 for a, b in zip(full, last_two, strict=True))


@pytest.mark.parametrize("trainer_kind", ["stllr-bp", "stllr-dfa", "bptt"])
def test_training_on_synthetic_events_reaches_90_percent(trainer_kind):
    train, val = synthetic_train_val(400, 200, seed=0)
    spec = NetworkSpec((train.n_inputs, 64, train.n_classes))
    params = STLLRParams(lr=0.005)
    if trainer_kind == "bptt":
        trainer = BPTTTrainer(spec, params, optimizer="adam", seed=0)
    else:
        trainer = STLLRTrainer(spec, params, signal=trainer_kind[-3:].strip("-"),
                               optimizer="adam", seed=0)
    history = trainer.fit(train, val, epochs=3, batch_size=16, progress=False)
    assert history.val_acc[-1] >= 0.9, history.val_acc


def test_stllr_memory_does_not_grow_with_time_steps_but_bptt_does():
    spec = NetworkSpec((200, 64, 5))
    params = STLLRParams()

    def peak(trainer, n_steps):
        x, labels = random_batch(0, batch=8, n_steps=n_steps, n_in=200, n_out=5, rate=0.1)
        trainer.train_batch(x[:, :1], labels)
        tracemalloc.start()
        trainer.train_batch(x, labels)
        result = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return result

    stllr_short, stllr_long = (peak(STLLRTrainer(spec, params), t) for t in (10, 80))
    bptt_short, bptt_long = (peak(BPTTTrainer(spec, params), t) for t in (10, 80))
    # The input batch is allocated before tracing. BPTT keeps v, spikes and psi of every
    # hidden neuron at every step: 70 more steps x 3 arrays x (8 x 64) float64.
    per_step_tape = 3 * 8 * 64 * 8
    assert abs(stllr_long - stllr_short) < 0.1 * per_step_tape
    assert bptt_long - bptt_short > 0.9 * 70 * per_step_tape


@pytest.mark.parametrize("make", [
    lambda spec, p: STLLRTrainer(spec, p, signal="dfa", optimizer="adam", seed=5),
    lambda spec, p: BPTTTrainer(spec, p, optimizer="adam", seed=5),
])
def test_same_seed_gives_identical_bits(make):
    train, _ = synthetic_train_val(48, 8, seed=1)
    spec = NetworkSpec((train.n_inputs, 16, train.n_classes), recurrent=True)
    runs = []
    for _ in range(2):
        trainer = make(spec, STLLRParams(lr=0.01))
        trainer.fit(train, epochs=1, batch_size=16, progress=False)
        runs.append(trainer.weights.arrays())
    for a, b in zip(*runs, strict=True):
        assert a.tobytes() == b.tobytes()


def test_lr_decay_scales_each_epochs_step_and_restores_the_rate():
    """Epoch e steps with lr * decay**e: a vanishing decay leaves the second epoch's weights
    where the first left them, decay 1 is the plain run, and fit restores the lr."""
    train, _ = synthetic_train_val(32, 8, seed=2)
    spec = NetworkSpec((train.n_inputs, 12, train.n_classes))

    def fitted(epochs, **kwargs):
        trainer = STLLRTrainer(spec, STLLRParams(lr=0.05), seed=3)
        trainer.fit(train, epochs=epochs, batch_size=16, progress=False, **kwargs)
        assert trainer.optimizer.lr == 0.05
        return trainer.weights.arrays()

    one, two = fitted(1), fitted(2)
    for a, b, c in zip(one, fitted(2, lr_decay=1e-15), two, strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-12)
        assert not np.allclose(c, a)
    for a, b in zip(two, fitted(2, lr_decay=1.0), strict=True):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError, match=r"lr_decay must be in \(0, 1\]"):
        fitted(1, lr_decay=1.5)


def test_save_load_round_trip_is_exact(tmp_path):
    spec = NetworkSpec((8, 6, 5, 3), recurrent=True)
    trainer = STLLRTrainer(spec, STLLRParams(), seed=2)
    x, labels = random_batch(5)
    trainer.train_batch(x, labels)
    path = trainer.save(tmp_path / "w.npz")
    other = STLLRTrainer(spec, STLLRParams(), seed=9)
    other.load(path)
    for a, b in zip(trainer.weights.arrays(), other.weights.arrays(), strict=True):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError, match="holds a network"):
        STLLRTrainer(NetworkSpec((8, 7, 3)), STLLRParams()).load(path)


@pytest.mark.parametrize("x_shape, labels, match", [
    ((2, 5, 9), [0, 1], r"shape \(B, T, 8\)"),
    ((2, 0, 8), [0, 1], "empty"),
    ((2, 5, 8), [0, 3], r"labels must be in \[0, 3\)"),
    ((2, 5, 8), [0], "labels must have shape"),
])
def test_bad_batches_raise_clear_errors(x_shape, labels, match):
    from lava_stllr.reference.trainer import check_batch
    with pytest.raises(ValueError, match=match):
        check_batch(NetworkSpec((8, 6, 3)), np.zeros(x_shape), np.array(labels))


def test_nan_input_is_rejected():
    from lava_stllr.reference.trainer import check_batch
    x = np.zeros((1, 3, 8))
    x[0, 1, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        check_batch(NetworkSpec((8, 6, 3)), x, np.array([0]))


def test_unknown_signal_optimizer_update_are_rejected():
    spec = NetworkSpec((8, 6, 3))
    with pytest.raises(ValueError, match="signal must be one of"):
        STLLRTrainer(spec, STLLRParams(), signal="xyz")
    with pytest.raises(ValueError, match="optimizer must be"):
        STLLRTrainer(spec, STLLRParams(), optimizer="rmsprop")
    with pytest.raises(ValueError, match="update must be one of"):
        STLLRTrainer(spec, STLLRParams(), update="epoch")


def test_a_diverging_trainer_raises_instead_of_returning_nan_weights():
    """Non-finite loss or weights stop fit() with DivergenceError (a ValueError)."""
    from lava_stllr.data.synthetic import synthetic_train_val
    from lava_stllr.params import STLLRParams
    from lava_stllr.reference import NetworkSpec, STLLRTrainer
    from lava_stllr.validate import DivergenceError

    train, val = synthetic_train_val(n_train=16, n_val=8, seed=0)
    trainer = STLLRTrainer(NetworkSpec((train.n_inputs, 8, train.n_classes)),
                           STLLRParams(lr=1e305), seed=0)
    with np.errstate(over="ignore", invalid="ignore"), \
            pytest.raises(DivergenceError, match="became NaN or Inf: the run diverged"):
        trainer.fit(train, val, epochs=3, progress=False)
