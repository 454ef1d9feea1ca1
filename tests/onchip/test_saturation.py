"""Fixed point: a state that leaves its register's range saturates, as on Loihi 2, instead
of stopping the run; the Lava fixed network saturates the same way, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.loihi.widths import MEMBRANE_BITS
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.onchip.program import network_program
from lava_stllr.params import STLLRParams
from lava_stllr.spec.network import NetworkSpec, init_weights

Z_MAX = 2 ** (MEMBRANE_BITS - 1) - 1


def strong_layout(n_steps: int) -> OnChipLayout:
    """Every hidden neuron driven far above threshold for ``n_steps`` steps, and a
    non-leaky readout with one strong row: the membranes leave 24 bits."""
    spec = NetworkSpec((64, 32, 3), beta_out=1.0)
    w = init_weights(spec, 0)
    w.feedforward[0][:] = np.abs(w.feedforward[0]) + 0.5
    w.feedforward[1][:] = 0.001
    w.feedforward[1][0] = 1.0
    return OnChipLayout(spec.sizes, n_steps, STLLRParams.preset("code_default", lr=0.01),
                        beta_out=1.0, weights=w)


def test_readout_saturates_at_24_bits() -> None:
    readout = network_program(strong_layout(4), "fixed").readout
    z = readout.integrate(np.array([Z_MAX - 5, -Z_MAX + 5, 0]), np.array([1000, -1000, 3]))
    assert z.tolist()[:2] == [Z_MAX, -Z_MAX - 1] and z[2] > 0


@pytest.mark.timeout(120)
def test_a_run_past_the_register_range_saturates_in_reference_and_lava() -> None:
    layout = strong_layout(200)
    data = ArrayDataset(np.ones((2, 200, 64), np.float32), np.array([0, 1]), 3)
    ref = OnChipReference(layout, precision="fixed")
    want = ref.train(data)  # raised "membrane v = 8409484 ... does not fit 24-bit" before
    assert np.all(np.isfinite(want.scores)) and np.abs(want.scores).max() > 0
    net = STLLRNetwork(layout.sizes, 200, params=layout.params, beta_out=1.0,
                       precision="fixed", weights=layout.weights)
    try:
        got = net.train(data)
        weights = net.weights()
    finally:
        net.close()
    np.testing.assert_array_equal(got.scores, want.scores)
    for a, b in zip(weights, ref.weights(), strict=True):
        np.testing.assert_array_equal(a, b)
