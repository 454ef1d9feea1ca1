"""The Lava front-end builder: the kernel layout Lava's Conv expects, and the chain."""

from __future__ import annotations

import numpy as np
import pytest
from lava.proc.conv import utils

from lava_stllr.core.conv import conv_forward
from lava_stllr.lavanet.conv import conv_layout
from lava_stllr.lavanet.conv_front_end import build_front_end, lava_kernel, lava_shape
from lava_stllr.onchip import OnChipLayout
from lava_stllr.onchip.program import network_program
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights


@pytest.mark.parametrize("stride,padding", [(1, 0), (2, 1), (1, 2)])
def test_lava_kernel_makes_lavas_conv_the_trainers_cross_correlation(stride: int,
                                                                     padding: int) -> None:
    rng = np.random.default_rng(stride + padding)
    x = rng.random((3, 7, 9))  # (C, H, W), not square
    kernel = rng.normal(size=(4, 3, 3, 3))
    want = conv_forward(x[None], kernel, stride, padding)[0]
    got = utils.conv(x.transpose(2, 1, 0), lava_kernel(kernel), (3, 3), (stride, stride),
                     (padding, padding), (1, 1), 1)
    np.testing.assert_allclose(got.transpose(2, 1, 0), want, rtol=0, atol=1e-12)
    assert lava_shape((3, 7, 9)) == (9, 7, 3)


def test_build_front_end_makes_one_conv_and_lif_per_conv_layer_and_a_pool_per_pool() -> None:
    spec = ConvNetSpec.parse("2c3p1-a2-3c3s2p1-6", (2, 8, 8), 3)
    params = STLLRParams.preset("code_default", lr=0.0)
    layout = conv_layout(spec, init_conv_weights(spec, 0), 6, params)
    from lava_stllr.processes import EventSource

    source = EventSource(n_inputs=128, n_steps=6, gap=layout.gap)
    chain = build_front_end(layout, network_program(layout).front, source.s_out)
    assert [int(lif.delay.init) for lif in chain.neurons] == [1, 2]
    assert [c.a_out.shape for c in chain.convs] == [(8, 8, 2), (2, 2, 3)]
    assert [p.proc_params["program"].kind for p in chain.pools] == ["avg"]
    assert chain.out_port.shape == (12,)
    with pytest.raises(ValueError, match="no front_end"):
        build_front_end(OnChipLayout((12, 6, 3), 6, params), (), source.s_out)
