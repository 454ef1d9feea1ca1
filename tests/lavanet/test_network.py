"""The Lava network builder: exactly the on-chip reference, and its host-side API."""

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

CASES = {
    "two_hidden_binary": dict(
        sizes=(32, 10, 7, 3), gap=None, graded_input=False,
        params=STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)),
    "one_hidden_graded_window_no_gap": dict(
        sizes=(32, 9, 3), gap=0, graded_input=True,
        params=STLLRParams.preset("shd", lr=0.02, beta=0.85, psi="triangle", window=5)),
    "two_hidden_per_sample": dict(
        sizes=(32, 10, 7, 3), gap=None, graded_input=True, update="sample",
        params=STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)),
}
# (call, dataset indices, options) played in order by the Lava network and the reference.
CALLS = [("train", [0, 1, 2], {}), ("evaluate", [3, 4], {}),
         ("train", [5, 0], {"lr_scale": 0.5})]


@pytest.fixture(scope="module")
def dataset() -> ArrayDataset:
    return synthetic_dataset(6, seed=1, config=CONFIG)


@pytest.mark.timeout(120)
@pytest.mark.parametrize("case", list(CASES))
def test_lava_network_equals_the_onchip_reference(case: str, dataset: ArrayDataset,
                                                   probe_hidden_spikes) -> None:
    kw = CASES[case]
    net = STLLRNetwork(kw["sizes"], n_steps=dataset.n_steps, params=kw["params"], gap=kw["gap"],
                       graded_input=kw["graded_input"], seed=7,
                       update=kw.get("update", "step"))
    total = sum(len(idx) + 1 for _, idx, _ in CALLS) * net.layout.period
    read_spikes = probe_hidden_spikes(net, total)
    try:
        lava_results = [getattr(net, call)(dataset, indices=idx, progress=True, **kw)
                        for call, idx, kw in CALLS]
        lava_weights = net.weights()
        var_weights = np.asarray(net.dense[-1].weights.get())  # the slow Lava path
        lava_spikes = read_spikes()
        n_scored = int(net.error.n_scored.get()[0])
        n_correct = int(net.error.n_correct.get()[0])
    finally:
        net.close()

    ref = OnChipReference(net.layout, record=True)
    ref_results = [getattr(ref, call)(dataset, indices=idx, **kw) for call, idx, kw in CALLS]
    for got, want in zip(lava_results, ref_results, strict=True):
        np.testing.assert_array_equal(got.labels, want.labels)
        np.testing.assert_allclose(got.scores, want.scores, rtol=0, atol=1e-9)
        assert got.accuracy == want.accuracy
        assert got.loss == pytest.approx(want.loss, abs=1e-9)
    for got, want in zip(lava_spikes, ref.spikes, strict=True):
        np.testing.assert_array_equal(got, np.array(want))
        assert got.sum() > 0
    np.testing.assert_array_equal(var_weights, lava_weights[-1])
    initial = net.layout.initial_weights()
    for got, want, w0 in zip(lava_weights, ref.weights(), initial, strict=True):
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
        assert np.abs(got - w0).max() > 1e-6  # every layer learned
    assert n_scored == sum(len(idx) for _, idx, _ in CALLS)
    assert n_correct == sum(int((r.predictions == r.labels).sum()) for r in ref_results)


def test_network_structure_follows_the_layout() -> None:
    net = STLLRNetwork((32, 10, 7, 3), n_steps=12, params="code_default", fuse=False)
    lay = net.layout
    assert [d.delay.init for d in net.dense] == [0, 1, 2]
    assert [h.delay.init for h in net.hidden] == [1, 2]
    assert net.readout.delay.init == net.error.delay.init == net.labels.delay.init == 3
    assert all(d.period.init == lay.period == 15 for d in net.dense)
    assert [f.weights.init.shape for f in net.feedback] == [(10, 3), (7, 3)]
    assert net.feedback[0].num_message_bits.init > 0  # graded DFA errors
    for got, want in zip(net.weights(), lay.initial_weights(), strict=True):
        np.testing.assert_array_equal(got, want)  # before any run: no runtime access
    net.close()
    net.close()
    with pytest.raises(RuntimeError, match="closed"):
        net.train(synthetic_dataset(1, seed=0, config=CONFIG))


def test_bad_arguments_fail_before_the_runtime_starts(dataset: ArrayDataset) -> None:
    with pytest.raises(ValueError, match="lam_pre"):
        STLLRNetwork((32, 4, 3), n_steps=12, params=STLLRParams(lam_pre=0.0))
    with pytest.raises(ValueError, match="timeout"):
        STLLRNetwork((32, 4, 3), n_steps=12, timeout=0)
    with pytest.raises(ValueError, match="signal"):
        STLLRNetwork((32, 4, 3), n_steps=12, signal="bp")
    net = STLLRNetwork((30, 4, 3), n_steps=12)
    with pytest.raises(ValueError, match="expects"):
        net.train(dataset, 2)
    with pytest.raises(ValueError, match="not both"):
        net.train(dataset, 2, indices=[0])
    assert not net._started
    net.close()


class _FailingDataset(ArrayDataset):
    """Raises when sample ``fail_at`` is read."""

    fail_at = 1

    def __getitem__(self, index: int):
        if index == self.fail_at:
            raise OSError("unreadable sample")
        return super().__getitem__(index)


@pytest.mark.timeout(60)
def test_a_failing_dataset_stops_the_runtime_without_hanging(dataset: ArrayDataset) -> None:
    bad = _FailingDataset(dataset.spikes, dataset.labels, dataset.n_classes)
    net = STLLRNetwork((32, 5, 3), n_steps=dataset.n_steps, params="code_default")
    try:
        with pytest.raises(OSError, match="unreadable"):
            net.train(bad, 3, progress=False)
        with pytest.raises(RuntimeError, match="closed"):
            net.evaluate(dataset, 1)
    finally:
        net.close()


@pytest.mark.timeout(120)
def test_a_diverging_lava_training_raises_instead_of_keeping_nan_weights(
        dataset: ArrayDataset) -> None:
    from lava_stllr.validate import DivergenceError

    net = STLLRNetwork((32, 9, 3), n_steps=dataset.n_steps,
                       params=STLLRParams.preset("code_default", lr=1e305), seed=7)
    try:
        before = net.weights()
        with pytest.raises(DivergenceError, match="Lava network's readout or weights"):
            net.train(dataset, n_samples=6)
        assert all(np.array_equal(a, b) for a, b in zip(net.weights(), before, strict=True))
    finally:
        net.close()
