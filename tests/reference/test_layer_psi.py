"""A layer's own secondary activation (``32c3:triangle-...-256:rational``) in the conv
network's forward pass, the conv trainers, and the on-chip head's parameters."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.core import psi
from lava_stllr.onchip.conv_stages import head_params
from lava_stllr.params import STLLRParams
from lava_stllr.reference import ConvBPTTTrainer, ConvSTLLRTrainer
from lava_stllr.reference.conv_network import ConvNetworkState, conv_forward_step, frames
from lava_stllr.spec.conv import ConvNetSpec

SHAPE = (2, 6, 6)
PARAMS = STLLRParams(lr=0.05, beta=0.8, theta=0.3, psi="rational")


def _x(spec, seed=0, batch=3, n_steps=6):
    rng = np.random.default_rng(seed)
    return (rng.random((batch, n_steps, spec.n_inputs)) < 0.4).astype(float)


def test_each_layer_computes_its_own_psi():
    spec = ConvNetSpec.parse("3c3p1:triangle-p2-6:sigmoid", SHAPE, 3, init_gain=3.0)
    trainer = ConvSTLLRTrainer(spec, PARAMS, seed=1)
    maps = frames(spec, _x(spec))
    state = ConvNetworkState(spec, 3, np.float64)
    for t in range(maps.shape[1]):
        records = conv_forward_step(spec, PARAMS, trainer.weights, state, maps[:, t])
        for i, kind in ((0, "triangle"), (2, "sigmoid")):
            np.testing.assert_array_equal(records[i].psi, psi(records[i].v, PARAMS.theta, kind))


@pytest.mark.parametrize("cls", [ConvSTLLRTrainer, ConvBPTTTrainer])
def test_naming_every_layers_psi_equals_setting_params_psi(cls):
    """Bit for bit: ``:triangle`` on every layer with params.psi rational trains exactly as
    params.psi triangle; a mixed network differs from both."""
    x, y = _x(ConvNetSpec.parse("3c3p1-p2-6", SHAPE, 3)), np.array([0, 1, 2])
    weights = {}
    for name, layers, kind in (("own", "3c3p1:triangle-p2-6:triangle", "rational"),
                               ("params", "3c3p1-p2-6", "triangle"),
                               ("mixed", "3c3p1:triangle-p2-6:rational", "rational")):
        spec = ConvNetSpec.parse(layers, SHAPE, 3, init_gain=3.0)
        trainer = cls(spec, PARAMS.replace(psi=kind), seed=4)
        for _ in range(2):
            trainer.train_batch(x, y)
        weights[name] = trainer.weights.arrays()
    for a, b in zip(weights["own"], weights["params"], strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(weights["mixed"], weights["own"],
                                                        strict=True))


def test_the_on_chip_head_learns_with_the_dense_layers_psi():
    assert head_params(ConvNetSpec.parse("3c3:triangle-p2-6:rational", SHAPE, 3),
                       PARAMS.replace(psi="triangle")).psi == "rational"
    assert head_params(ConvNetSpec.parse("3c3:triangle-p2-6", SHAPE, 3), PARAMS) == PARAMS
    with pytest.raises(ValueError, match="name psi kinds rational, triangle: the on-chip"):
        head_params(ConvNetSpec.parse("3c3-p2-6:rational-5:triangle", SHAPE, 3), PARAMS)
