"""Recurrent hidden layers in fixed point: ``V_l`` quantized on layer ``l``'s scale,
the fixed_pt Lava network bit-exact with the fixed on-chip reference."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.loihi.network_fixed import quantize_network
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.onchip.program import network_program
from lava_stllr.params import STLLRParams

P = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.4)


def _dataset(n: int, n_steps: int, n_inputs: int, n_classes: int, seed: int) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, n_steps, n_inputs)) < 0.35).astype(np.float32)
    return ArrayDataset(spikes, np.arange(n) % n_classes, n_classes)


def test_recurrent_matrices_share_their_layers_quantization() -> None:
    layout = OnChipLayout((10, 6, 5, 3), 8, P, seed=1, recurrent=True)
    prog = network_program(layout, "fixed")
    net = prog.fixed_network
    ff, rec = layout.initial_weights(), layout.initial_recurrent_weights()
    for i, (v, v_int) in enumerate(zip(rec, net.recurrent_weights, strict=True)):
        layer = net.layers[i]
        headroom = 2.0  # QuantizeOptions().weight_headroom
        assert layer.weight_absmax == max(np.abs(ff[i]).max(), np.abs(v).max())
        assert np.abs(v_int).max() <= 254 / headroom + 2 and np.all(v_int % 2 == 0)
        np.testing.assert_allclose(v_int * layer.weight_scale, v, rtol=0,
                                   atol=layer.weight_scale)
        assert prog.recurrent_synapses[i] == prog.synapses[i]  # the layer's own rule
    n = len(ff)
    assert net.recurrent_seeds == tuple(abs(layout.seed) + n + i for i in range(len(rec)))
    plain = quantize_network(P, ff, layout.feedback(), layout.beta_out)
    assert plain.recurrent_weights == () and plain.recurrent_seeds == ()
    with pytest.raises(ValueError, match="one recurrent matrix per hidden layer"):
        quantize_network(P, ff, layout.feedback(), layout.beta_out, recurrent=rec[:1])
    with pytest.raises(ValueError, match="recurrent\\[0\\] must be"):
        quantize_network(P, ff, layout.feedback(), layout.beta_out,
                         recurrent=[rec[0][:, :2], rec[1]])
    sample = OnChipReference(OnChipLayout((10, 6, 3), 8, P, recurrent=True, update="sample"),
                             precision="fixed")  # per sample, recurrent tags too
    assert [t.shape for t in sample._state.rec_tags] == [(6, 6)]


@pytest.mark.timeout(180)
def test_fixed_recurrent_lava_network_equals_fixed_reference_bit_for_bit(
        probe_hidden_spikes) -> None:
    from lava_stllr.lavanet.network import STLLRNetwork

    n_steps, n_inputs, n_classes = 10, 30, 3
    train = _dataset(6, n_steps, n_inputs, n_classes, seed=0)
    val = _dataset(3, n_steps, n_inputs, n_classes, seed=1)
    net = STLLRNetwork((n_inputs, 12, 8, n_classes), n_steps, params=P, precision="fixed",
                       init_gain=2.0, timeout=60, recurrent=True)
    total = (len(train) + 1 + len(val) + 1) * net.layout.period
    read_spikes = probe_hidden_spikes(net, total)
    try:
        lava_train = net.train(train, progress=False)
        lava_val = net.evaluate(val)
        lava_weights = [*net.weights(), *net.recurrent_weights()]
        lava_spikes = read_spikes()
    finally:
        net.close()

    ref = OnChipReference(net.layout, record=True, precision="fixed")
    ref_train, ref_val = ref.train(train), ref.evaluate(val)
    for layer, spikes in enumerate(lava_spikes):
        np.testing.assert_array_equal(spikes, np.array(ref.spikes[layer], dtype=float))
        assert spikes.any()
    np.testing.assert_array_equal(lava_train.scores, ref_train.scores)
    np.testing.assert_array_equal(lava_val.scores, ref_val.scores)
    fx = net.fixed_network
    initial = fx.dequantize_weights(fx.weights) + fx.dequantize_recurrent(fx.recurrent_weights)
    for got, want, w0 in zip(lava_weights, [*ref.weights(), *ref.recurrent_weights()],
                             initial, strict=True):
        np.testing.assert_array_equal(got, want)
        assert np.abs(got - w0).max() > 0  # every matrix learned
