"""Nothing to play is a clear ValueError before any work, never a reshape error after it:
the Lava network, its NumPy emulation and the reference trainers."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.cache import SubsetDataset
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.onchip.pipeline import OnChipReference
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer

P = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)
N_STEPS, SIZES = 8, (6, 4, 3)


@pytest.fixture
def data() -> ArrayDataset:
    rng = np.random.default_rng(0)
    spikes = (rng.random((4, N_STEPS, SIZES[0])) < 0.3).astype(np.float32)
    return ArrayDataset(spikes, np.array([0, 1, 2, 0]), n_classes=3)


@pytest.mark.parametrize("method", ["train", "evaluate"])
def test_the_lava_network_refuses_an_empty_call(method, data):
    # Without the check the runtime started, ran one blank sample and failed reshaping
    # no scores; the network is not started by a refused call.
    with STLLRNetwork(SIZES, n_steps=N_STEPS, params=P, timeout=60) as net:
        with pytest.raises(ValueError, match="^no samples to play: indices is empty$"):
            getattr(net, method)(data, indices=[], progress=False)
        with pytest.raises(ValueError, match="^no samples to play: the dataset is empty"):
            getattr(net, method)(SubsetDataset(data, []), progress=False)
        assert not net._started


@pytest.mark.parametrize("method", ["train", "evaluate"])
def test_the_numpy_emulation_refuses_an_empty_call(method, data):
    emulation = OnChipReference(OnChipLayout(SIZES, N_STEPS, P))
    with pytest.raises(ValueError, match="^no samples to play: indices is empty$"):
        getattr(emulation, method)(data, indices=[])


def test_the_reference_trainer_refuses_empty_sets_before_training(data):
    trainer = STLLRTrainer(NetworkSpec(SIZES), P, seed=0)
    before = [w.copy() for w in trainer.weights.arrays()]
    with pytest.raises(ValueError, match="^no samples to play: the training set is empty"):
        trainer.fit(SubsetDataset(data, []), progress=False)
    # The held-out set was evaluated only after a whole epoch of training.
    with pytest.raises(ValueError, match="^no samples to play: the held-out set is empty"):
        trainer.fit(data, val=SubsetDataset(data, []), progress=False)
    for a, b in zip(before, trainer.weights.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
