"""ConvSTLLRTrainer against a naive per-element trainer, and the conv spec strings."""

from pathlib import Path

import numpy as np
import pytest

from lava_stllr.core import feedback_matrix
from lava_stllr.core.psi import PSI_KINDS
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.layers import ConvLayer, DenseLayer, PoolLayer, parse_layers

HERE = Path(__file__).parent

NETS = [
    # (layers, input shape, init gain): a conv feeding a max pool; two convs with BP through
    # an average pool into a conv; BP through a max pool into a conv.
    ("3c3s2p1-p2-8", (2, 8, 8), 2.5),
    ("2c3p1-a2-3c3s2p1-6", (2, 8, 8), 3.0),
    ("2c3p1-p2-3c2-5", (1, 6, 6), 3.0),
    # pooled input, and a readout that reads a pool
    ("a2-3c3p1-p2", (2, 8, 8), 3.0),
]


@pytest.fixture(scope="module")
def naive(load_module):
    return load_module(HERE / "conv_naive.py")


def batch_for(shape, seed, batch=2, n_steps=5):
    rng = np.random.default_rng(seed)
    x = (rng.random((batch, n_steps, int(np.prod(shape)))) < 0.35).astype(float)
    return x, np.array([0, 2])


@pytest.mark.parametrize("layers,shape,gain", NETS)
@pytest.mark.parametrize("signal", ["bp", "dfa"])
@pytest.mark.parametrize("psi_kind,reset,window", [("triangle", "soft", None),
                                                    ("sigmoid", "hard", 3)])
def test_train_batch_equals_naive_loops(naive, layers, shape, gain, signal, psi_kind, reset,
                                        window):
    spec = ConvNetSpec.parse(layers, shape, 3, init_gain=gain, beta_out=0.8)
    params = STLLRParams.preset("dvs_gesture", lr=0.7, psi=psi_kind, reset=reset,
                                window=window, beta=0.85)
    trainer = ConvSTLLRTrainer(spec, params, signal=signal, seed=3)
    x, labels = batch_for(shape, seed=len(layers))
    before = [w.copy() for w in trainer.weights.arrays()]
    feedback = {}
    lif = [i for i, layer in enumerate(spec.layers) if not isinstance(layer, PoolLayer)]
    for n, i in enumerate(lif):
        feedback[i] = feedback_matrix(int(np.prod(spec.shapes[i + 1])), 3, seed=3 + 1 + n)
    want, spikes, want_scores = naive.naive_train_batch(
        layers, shape, 3, before, params, x, labels, signal, feedback, spec.beta_out)
    assert all(n > 0 for n in spikes.values()), f"every layer must spike: {spikes}"

    scores = trainer.predict_scores(x)
    np.testing.assert_allclose(scores, want_scores, rtol=0, atol=1e-10)
    loss, correct = trainer.train_batch(x, labels)
    for got, expected, old in zip(trainer.weights.arrays(), want, before, strict=True):
        assert np.abs(expected - old).max() > 1e-6, "every weight array must learn"
        np.testing.assert_allclose(got - old, expected - old, rtol=0, atol=1e-10)
    assert correct == int((want_scores.argmax(1) == labels).sum())
    assert np.isfinite(loss)


def test_every_psi_kind_trains_and_step_updates_differ_from_batch_updates():
    spec = ConvNetSpec.parse("3c3s2p1-p2-8", (2, 8, 8), 3, init_gain=2.5)
    x, labels = batch_for((2, 8, 8), seed=1)
    for kind in PSI_KINDS:
        params = STLLRParams(lr=0.5, psi=kind)
        by_batch = ConvSTLLRTrainer(spec, params, update="batch")
        by_step = ConvSTLLRTrainer(spec, params, update="step")
        by_batch.train_batch(x, labels)
        by_step.train_batch(x, labels)
        diff = np.abs(by_batch.weights.feedforward[-1] - by_step.weights.feedforward[-1]).max()
        assert diff > 1e-6


def test_fit_evaluate_save_and_load_round_trip(tmp_path):
    spec = ConvNetSpec.parse("4c3s2-a2-10", (2, 9, 9), 2, init_gain=2.0)
    rng = np.random.default_rng(0)
    x = (rng.random((8, 6, spec.n_inputs)) < 0.3).astype(np.float32)
    data = ArrayDataset(x, np.arange(8) % 2, 2)
    trainer = ConvSTLLRTrainer(spec, STLLRParams(lr=1e-2), optimizer="adam", signal="dfa")
    history = trainer.fit(data, data, epochs=2, batch_size=4, progress=False)
    assert len(history.val_acc) == 2
    path = trainer.save(tmp_path / "w.npz")
    other = ConvSTLLRTrainer(spec, STLLRParams(lr=1e-2), seed=5)
    other.load(path)
    for a, b in zip(other.weights.arrays(), trainer.weights.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert other.evaluate(data) == trainer.evaluate(data)
    wrong = ConvSTLLRTrainer(ConvNetSpec.parse("4c3s2-a2-11", (2, 9, 9), 2), STLLRParams())
    with pytest.raises(ValueError, match="holds a network"):
        wrong.load(path)


def test_trainer_refuses_bad_inputs():
    spec = ConvNetSpec.parse("3c3-8", (1, 5, 5), 3)
    with pytest.raises(ValueError, match="spec must be a ConvNetSpec"):
        ConvSTLLRTrainer((1, 5, 5), STLLRParams())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="signal must be"):
        ConvSTLLRTrainer(spec, STLLRParams(), signal="fa")
    trainer = ConvSTLLRTrainer(spec, STLLRParams())
    data = ArrayDataset(np.zeros((2, 3, 24), np.float32), np.array([0, 1]), 3)
    with pytest.raises(ValueError, match=r"\(B, T, 25\)"):
        trainer.evaluate(data)
    with pytest.raises(ValueError, match="array 0 has shape"):
        trainer.weights = type(trainer.weights)([np.zeros((3, 1, 2, 2)), np.zeros((8, 27)),
                                                 np.zeros((3, 8))])


# --- layer strings and ConvNetSpec -------------------------------------------------------

def test_layer_strings_round_trip():
    layers = parse_layers("16c5-p2-32c3s1p1-a2-256")
    assert layers == (ConvLayer(16, 5), PoolLayer("max", 2), ConvLayer(32, 3, 1, 1),
                      PoolLayer("avg", 2), DenseLayer(256))
    spec = ConvNetSpec((2, 34, 34), "16c5-p2-32c3s2p1-a2-256", 10)
    assert str(spec) == "16c5-p2-32c3s2p1-a2-256"
    assert ConvNetSpec.parse(str(spec), (2, 34, 34), 10) == spec
    assert ConvNetSpec.from_dict(spec.to_dict()) == spec
    # Defaults are left out of the canonical form.
    assert str(ConvNetSpec.parse("32c3s1p0-256", (1, 8, 8), 2)) == "32c3-256"


def test_shapes_follow_the_conv_and_pool_arithmetic():
    spec = ConvNetSpec.parse("8c5s2-p2-64", (2, 34, 34), 10)
    assert spec.shapes == ((2, 34, 34), (8, 15, 15), (8, 7, 7), (64,))
    assert spec.weight_shapes == ((8, 2, 5, 5), (64, 392), (10, 64))
    assert spec.n_inputs == 2 * 34 * 34
    spec = ConvNetSpec.parse("4c3s2p1-a3", (1, 7, 7), 2)
    assert spec.shapes[1:] == ((4, 4, 4), (4, 1, 1))
    assert spec.weight_shapes == ((4, 1, 3, 3), (2, 4))


@pytest.mark.parametrize("text,message", [
    ("16c5-32x3", "layer 2 '32x3' is not understood; expected e.g. 16c5"),
    ("16c5--256", "layer 2 '' is not understood"),
    ("256-p2", "layer 2 'p2' follows a dense layer"),
    ("256-8c3", "layer 2 '8c3' follows a dense layer"),
    ("p2-a2", "at least one conv or dense layer"),
    ("0c3", "layer 1 '0c3': channels must be an integer >= 1"),
    ("4c0", "layer 1 '4c0': kernel must be"),
    ("4c3s0", "stride must be"),
    ("p0", "layer 1 'p0': kernel must be"),
    ("0", "layer 1 '0': size must be"),
    ("", "non-empty string"),
])
def test_bad_layer_strings_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        ConvNetSpec.parse(text, (2, 34, 34), 10)


def test_spec_refuses_maps_that_vanish_and_bad_fields():
    with pytest.raises(ValueError, match="layer 2 'p4' turns a 2x2 map into 0x0"):
        ConvNetSpec.parse("2c3s4-p4", (1, 9, 9), 2)
    with pytest.raises(ValueError, match="layer 1 '2c7' turns a 5x5 map into -1x-1"):
        ConvNetSpec.parse("2c7", (1, 5, 5), 2)
    with pytest.raises(ValueError, match="input_shape"):
        ConvNetSpec.parse("2c3", (5, 5), 2)
    with pytest.raises(ValueError, match="n_classes"):
        ConvNetSpec.parse("2c3", (1, 5, 5), 1)
    with pytest.raises(ValueError, match="beta_out"):
        ConvNetSpec.parse("2c3", (1, 5, 5), 2, beta_out=1.5)
    with pytest.raises(ValueError, match="unknown ConvNetSpec fields"):
        ConvNetSpec.from_dict({"input_shape": [1, 5, 5], "layers": "2c3", "n_classes": 2,
                               "sizes": [3]})
