"""The fixed mode of the on-chip reference: bit-exact with the fixed_pt Lava network, and
a faithful (quantized) version of the float reference."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.loihi.network_fixed import quantize_feedback, quantize_network
from lava_stllr.loihi.synapse import rescale_signal
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.params import STLLRParams

P = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)


def _dataset(n: int, n_steps: int, n_inputs: int, n_classes: int, seed: int,
             rate: float = 0.3) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, n_inputs)) < rate).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % n_classes, n_classes)


@pytest.mark.timeout(180)
@pytest.mark.parametrize(("update", "fuse"), [("step", True), ("sample", True),
                                              ("sample", False)])
def test_fixed_lava_network_equals_fixed_reference_bit_for_bit(probe_hidden_spikes,
                                                                update: str, fuse) -> None:
    from lava_stllr.lavanet.network import STLLRNetwork

    n_train, n_steps, n_inputs, n_classes = 6, 10, 30, 3
    train = _dataset(n_train, n_steps, n_inputs, n_classes, seed=0)
    val = _dataset(4, n_steps, n_inputs, n_classes, seed=1)
    net = STLLRNetwork((n_inputs, 12, 8, n_classes), n_steps, params=P, precision="fixed",
                       timeout=60, update=update, fuse=fuse)
    total = (n_train + 1 + len(val) + 1) * net.layout.period
    read_spikes = probe_hidden_spikes(net, total)
    try:
        lava_train = net.train(train, progress=False)
        lava_weights = net.weight_mantissas()
        lava_val = net.evaluate(val)
        lava_spikes = read_spikes()
    finally:
        net.close()

    ref = OnChipReference(net.layout, record=True, precision="fixed")
    ref_train = ref.train(train)
    ref_weights = ref.weight_mantissas()
    ref_val = ref.evaluate(val)
    for layer, spikes in enumerate(lava_spikes):
        assert spikes.shape == (total, net.layout.sizes[layer + 1])
        np.testing.assert_array_equal(spikes, np.array(ref.spikes[layer], dtype=float))
        assert spikes.any()
    for w_lava, w_ref, w0 in zip(lava_weights, ref_weights, net.fixed_network.weights,
                                 strict=True):
        np.testing.assert_array_equal(w_lava, w_ref)
        assert np.abs(w_ref - w0).max() > 0  # learning happened
    np.testing.assert_array_equal(lava_train.scores, ref_train.scores)
    np.testing.assert_array_equal(lava_val.scores, ref_val.scores)
    assert lava_train.loss == ref_train.loss
    for w_float, w_int, layer in zip(net.weights(), lava_weights, net.fixed_network.layers,
                                     strict=True):
        np.testing.assert_allclose(w_float, w_int * layer.weight_scale, rtol=0, atol=0)


@pytest.mark.parametrize("update", ["step", "sample"])
def test_fixed_reference_learns_what_the_float_reference_learns(update: str) -> None:
    """Same layout and data: the fixed weight changes point the way of the float ones.

    With the triangle psi (width ``theta``). The rational psi is ~0.01 wide in membrane
    units, about the membrane error of 8-bit weights, so its per-sample values (not its
    statistics) differ between float and fixed runs.
    """
    lay = OnChipLayout((40, 16, 3), n_steps=12, params=P.replace(lr=0.02, psi="triangle"),
                       seed=3, update=update)
    data = _dataset(12, 12, 40, 3, seed=4)
    runs = {}
    for precision in ("float", "fixed"):
        ref = OnChipReference(lay, precision=precision)
        w0 = ref.weights()
        ref.train(data)
        runs[precision] = [w - w_init for w, w_init in zip(ref.weights(), w0, strict=True)]
    for d_float, d_fixed in zip(runs["float"], runs["fixed"], strict=True):
        cosine = (d_float * d_fixed).sum() / np.linalg.norm(d_float) / np.linalg.norm(d_fixed)
        assert cosine > 0.9
        assert 0.8 < np.linalg.norm(d_fixed) / np.linalg.norm(d_float) < 1.25


def test_fixed_reference_records_integer_signals_one_step_after_the_error() -> None:
    """Each hidden layer receives ``round(B_int e_int / 2**k)`` of the previous step's
    error (the feedback Dense delays by one step)."""
    lay = OnChipLayout((12, 7, 6, 3), n_steps=8, params=P, gap=1)
    ref = OnChipReference(lay, record=True, precision="fixed")
    ref.train(_dataset(3, 8, 12, 3, seed=1))
    net = ref.fixed_network
    errors = np.array(ref.errors)
    assert errors.dtype.kind == "i" and np.abs(errors).max() > 0
    for layer in range(lay.n_hidden):
        signals = np.array(ref.signals[layer])
        assert not signals[0].any()
        for s in range(len(errors) - 1):
            expected = rescale_signal(net.feedback[layer] @ errors[s], net.signal_shift[layer])
            np.testing.assert_array_equal(signals[s + 1], expected)
        assert np.abs(signals).max() > 0


def test_fixed_reference_rejects_bad_arguments() -> None:
    graded = OnChipLayout((4, 5, 3), n_steps=6, params=P, graded_input=True)
    with pytest.raises(ValueError, match="binary spikes"):
        OnChipReference(graded, precision="fixed")
    lay = OnChipLayout((4, 5, 3), n_steps=6, params=P)
    with pytest.raises(ValueError, match="precision"):
        OnChipReference(lay, precision="double")
    with pytest.raises(ValueError, match="quantize_options"):
        OnChipReference(lay, quantize_options={"weight_headroom": 2.0})
    with pytest.raises(ValueError, match="weight_mantissas"):
        OnChipReference(lay).weight_mantissas()
    with pytest.raises(ValueError, match="weight_headroom"):
        OnChipReference(lay, precision="fixed", quantize_options={"weight_headroom": 0.5})


@pytest.mark.parametrize("n_classes", [2, 4, 10, 35])
def test_feedback_quantization_bounds_the_hidden_signal(n_classes: int) -> None:
    rng = np.random.default_rng(n_classes)
    b = rng.uniform(-1.2, 1.2, (20, n_classes))
    b_int, scale, shift = quantize_feedback(b, n_classes, 127)
    assert np.all(b_int % 2 == 0) and np.abs(b_int).max() <= 254
    np.testing.assert_allclose(b_int * scale, b, rtol=0, atol=scale)
    bound = np.abs(b_int).max() * (254 + -(-n_classes // 2))  # sum |e_int| <= 254 + n/2
    assert bound <= 127 << shift and bound <= 32767
    for _ in range(50):  # the rounded signal stays within 8 bits for real errors
        p = rng.dirichlet(np.ones(n_classes))
        e = p - np.eye(n_classes)[rng.integers(n_classes)]
        e_int = np.round(e * 127).astype(int)
        assert np.abs(rescale_signal(b_int @ e_int, shift)).max() <= 127


def test_quantize_network_scales_match_the_float_signal() -> None:
    lay = OnChipLayout((20, 10, 4), n_steps=6, params=P)
    net = quantize_network(lay.params, lay.initial_weights(), lay.feedback(), lay.beta_out)
    hidden, readout = net.layers
    e = np.array([0.3, -0.5, 0.1, 0.1])
    e_int = np.round(e / readout.signal_scale)
    signal = rescale_signal(net.feedback[0] @ e_int, net.signal_shift[0])
    np.testing.assert_allclose(signal * hidden.signal_scale, lay.feedback()[0] @ e,
                               rtol=0, atol=0.04 * np.abs(lay.feedback()[0]).max())
    assert net.rng_seeds == (0, 1)
    with pytest.raises(ValueError, match="one feedback matrix per hidden layer"):
        quantize_network(lay.params, lay.initial_weights(), [], lay.beta_out)
    with pytest.raises(ValueError, match="sets signal_max itself"):
        quantize_network(lay.params, lay.initial_weights(), lay.feedback(), lay.beta_out,
                         signal_max=1.0)
