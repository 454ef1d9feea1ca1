"""Fused STLLRNetworks (one Process per layer; feedback inside the neurons): the composed
network's results bit for bit and the on-chip reference's, in float and fixed point."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.fused import check_fuse
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF, FusedLayer, FusedOutput, OutputLayer

CONFIG = SyntheticConfig(side=4, n_steps=10, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
PARAMS = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)
#: Every fusion mode, the composed network last.
MODES = (True, "feedback", False)
CASES = {
    "two_hidden_step": dict(sizes=(32, 9, 6, 3)),
    "one_hidden_no_gap": dict(sizes=(32, 9, 3), gap=0),
    "one_hidden_graded_no_gap": dict(sizes=(32, 9, 3), graded_input=True, gap=0),
    "two_hidden_graded_per_sample": dict(sizes=(32, 9, 6, 3), graded_input=True,
                                         update="sample"),
}


def _play(fuse, precision: str, **kw) -> tuple[list, list, STLLRNetwork]:
    data = synthetic_dataset(4, seed=3, config=CONFIG)
    net = STLLRNetwork(n_steps=data.n_steps, params=PARAMS, seed=5, precision=precision, fuse=fuse,
                       timeout=60, **kw)
    try:
        results = [net.train(data, indices=[0, 1, 2], progress=False),
                   net.evaluate(data, indices=[3], progress=False),
                   net.train(data, indices=[1], lr_scale=0.5, progress=False)]
        weights = net.weights()
    finally:
        net.close()
    return results, weights, net


def _reference(net: STLLRNetwork) -> tuple[list, list]:
    data = synthetic_dataset(4, seed=3, config=CONFIG)
    ref = OnChipReference(net.layout, precision=net.precision)
    results = [ref.train(data, indices=[0, 1, 2]), ref.evaluate(data, indices=[3]),
               ref.train(data, indices=[1], lr_scale=0.5)]
    return results, ref.weights()


@pytest.mark.timeout(240)
@pytest.mark.parametrize(("case", "precision"), [
    ("two_hidden_step", "float"), ("two_hidden_step", "fixed"),
    ("one_hidden_no_gap", "fixed"), ("one_hidden_graded_no_gap", "float"),
    ("two_hidden_graded_per_sample", "float"),
])
def test_every_fusion_equals_the_composed_network_bit_for_bit(case: str, precision: str) -> None:
    runs = {mode: _play(mode, precision, **CASES[case]) for mode in MODES}
    plain, plain_w, net = runs[False]
    for mode in MODES[:-1]:
        fused, fused_w, _ = runs[mode]
        for got, want in zip(fused, plain, strict=True):
            np.testing.assert_array_equal(got.scores, want.scores)
            np.testing.assert_array_equal(got.labels, want.labels)
            assert got.loss == want.loss
        for got, want in zip(fused_w, plain_w, strict=True):
            np.testing.assert_array_equal(got, want)
    ref, ref_w = _reference(net)
    atol = 0.0 if precision == "fixed" else 1e-9
    for got, want in zip(plain, ref, strict=True):
        np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=atol)
    initial = net.program.float_weights(net.program.weights)
    for got, want, w0 in zip(plain_w, ref_w, initial, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=atol)
        assert np.abs(got - w0).max() > 0  # every layer learned


def test_fuse_true_builds_one_process_per_layer() -> None:
    net = STLLRNetwork((32, 9, 6, 3), n_steps=10, params=PARAMS)
    assert net.fuse is True
    assert all(isinstance(layer, FusedLayer) for layer in net.hidden)
    assert net.source is net.hidden[0] and net.source.proc_params["source"] is not None
    assert net.hidden[1].proc_params["source"] is None
    assert isinstance(net.readout, FusedOutput)
    assert net.readout is net.error is net.labels is net.dense[-1]
    assert net.dense[:2] == net.hidden and not net.feedback
    np.testing.assert_array_equal(net.dense[0].weights.init, net.program.weights[0])
    np.testing.assert_array_equal(net.hidden[1].feedback.init, net.program.feedback[1])


def test_recurrent_networks_fall_back_to_the_feedback_fusion() -> None:
    net = STLLRNetwork((32, 9, 3), n_steps=10, params=PARAMS, recurrent=True)
    assert isinstance(net.hidden[0], STLLRLIF) and isinstance(net.readout, OutputLayer)
    assert net.hidden[0].proc_params["fused_feedback"] and len(net.recurrent) == 1


def test_fuse_must_be_a_known_mode() -> None:
    assert check_fuse("feedback") == "feedback" and check_fuse(False) is False
    assert check_fuse(np.True_) is True and check_fuse(np.False_) is False
    for bad in ("layers", 1, None):
        with pytest.raises(ValueError, match="fuse must be one of"):
            STLLRNetwork((32, 9, 3), n_steps=10, params=PARAMS, fuse=bad)


def test_lif_feedback_must_match_the_layer() -> None:
    params = STLLRParams.preset("code_default")
    lif = STLLRLIF(n=4, params=params, feedback=np.ones((4, 3)))
    assert lif.e_in.shape == (3,) and lif.proc_params["fused_feedback"]
    with pytest.raises(ValueError, match="feedback must have shape"):
        STLLRLIF(n=4, params=params, feedback=np.ones((5, 3)))
    with pytest.raises(ValueError, match="NaN or Inf"):
        STLLRLIF(n=4, params=params, feedback=np.full((4, 3), np.nan))
    assert not STLLRLIF(n=4, params=params).proc_params["fused_feedback"]
