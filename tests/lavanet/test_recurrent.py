"""Recurrent hidden layers in Lava: ``STLLRNetwork(recurrent=True)`` is exactly the
on-chip reference (spikes, scores, feed-forward and recurrent weights)."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams

CONFIG = SyntheticConfig(side=4, n_steps=12, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
PARAMS = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.4)
CASES = {
    "two_hidden_binary": dict(sizes=(32, 10, 7, 3), graded_input=False, update="step"),
    "one_hidden_graded_per_sample": dict(sizes=(32, 9, 3), graded_input=True,
                                         update="sample"),
}
CALLS = [("train", [0, 1, 2]), ("evaluate", [3, 4]), ("train", [5, 0])]


@pytest.fixture(scope="module")
def dataset() -> ArrayDataset:
    return synthetic_dataset(6, seed=1, config=CONFIG)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", list(CASES))
def test_recurrent_lava_network_equals_the_onchip_reference(case: str,
                                                            dataset: ArrayDataset,
                                                            probe_hidden_spikes) -> None:
    kw = CASES[case]
    net = STLLRNetwork(kw["sizes"], n_steps=dataset.n_steps, params=PARAMS,
                       graded_input=kw["graded_input"], seed=7, init_gain=2.0,
                       update=kw["update"], recurrent=True)
    total = sum(len(idx) + 1 for _, idx in CALLS) * net.layout.period
    read_spikes = probe_hidden_spikes(net, total)
    try:
        lava_results = [getattr(net, call)(dataset, indices=idx) for call, idx in CALLS]
        lava_weights = [*net.weights(), *net.recurrent_weights()]
        lava_spikes = read_spikes()
    finally:
        net.close()

    ref = OnChipReference(net.layout, record=True)
    ref_results = [getattr(ref, call)(dataset, indices=idx) for call, idx in CALLS]
    for got, want in zip(lava_results, ref_results, strict=True):
        np.testing.assert_array_equal(got.labels, want.labels)
        np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=1e-9)
    for got, want in zip(lava_spikes, ref.spikes, strict=True):
        np.testing.assert_array_equal(got, np.array(want))
        assert got.sum() > 0
    initial = [*net.layout.initial_weights(), *net.layout.initial_recurrent_weights()]
    want_weights = [*ref.weights(), *ref.recurrent_weights()]
    assert len(lava_weights) == len(initial) == 2 * len(kw["sizes"]) - 3
    for got, want, w0 in zip(lava_weights, want_weights, initial, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        assert np.abs(got - w0).max() > 1e-6  # every matrix learned


def test_recurrent_structure() -> None:
    net = STLLRNetwork((8, 5, 4, 3), n_steps=6, params=PARAMS, recurrent=True)
    try:
        assert [d.weights.shape for d in net.recurrent] == [(5, 5), (4, 4)]
        assert [int(np.asarray(d.delay.init).ravel()[0]) for d in net.recurrent] == [0, 1]
        assert [d.proc_params["recurrent"] for d in net.recurrent] == [True, True]
        assert not any(d.proc_params["recurrent"] for d in net.dense)
        for rec, v0 in zip(net.recurrent_weights(), net.layout.initial_recurrent_weights(),
                           strict=True):
            np.testing.assert_array_equal(rec, v0)
    finally:
        net.close()
    assert STLLRNetwork((8, 5, 3), n_steps=6, params=PARAMS).recurrent == []
