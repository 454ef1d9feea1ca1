"""The conv blocks of a netx export run in Lava's own fixed-point ``Conv`` and ``LIF``
models (what lava-dl's netx ``Conv`` block wires up, built here by hand since lava-dl is
not installed): their spikes equal :func:`~lava_stllr.export.simulate_netx`'s, shifted by
the per-block delay. This pins down the kernel layout (netx flips the file's torch
kernel for Lava's true convolution), the (W, H, C) frames, the groups of a max-pool block
and the 24-bit clamp."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr import export as netx
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights


def _lava_block(entry: dict, input_shape: tuple, message_bits: int):
    """Lava ``Conv`` + ``LIF`` with the parameters netx derives from a conv entry."""
    from lava.proc.conv.process import Conv
    from lava.proc.lif.process import LIF

    weight = entry["weight"][:, :, ::-1, ::-1].transpose(0, 3, 2, 1)  # to (out, W, H, in)
    conv = Conv(weight=weight.astype(np.int32), input_shape=input_shape,
                stride=tuple(entry["stride"][::-1]), padding=tuple(entry["padding"][::-1]),
                dilation=tuple(entry["dilation"][::-1]), groups=int(entry["groups"]),
                num_message_bits=message_bits)
    neuron = entry["neuron"]
    lif = LIF(shape=tuple(entry["shape"][::-1]), du=int(neuron["iDecay"]) - 1,
              dv=int(neuron["vDecay"]), vth=int(neuron["vThMant"]), bias_mant=0, bias_exp=6)
    conv.a_out.connect(lif.a_in)
    return conv, lif


@pytest.mark.timeout(120)
def test_lava_conv_and_lif_run_the_conv_blocks_like_our_model(tmp_path):
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    from lava_stllr.runtime.guard import run_guarded

    spec = ConvNetSpec.parse("3c3s2p1-p2-8", (2, 9, 9), 3, init_gain=2.5)
    params = STLLRParams(beta=0.85, theta=0.5, reset="hard")
    path = tmp_path / "c.h5"
    netx.export_netx(path, spec, params, init_conv_weights(spec, 4))
    entries = [e for e in netx.read_netx(path) if e["type"] == "conv"]
    steps = 12
    rng = np.random.default_rng(0)
    x = ((rng.random((steps, spec.n_inputs)) < 0.4) * rng.integers(1, 3, (steps,
                                                                          spec.n_inputs)))
    ours = netx.simulate_netx(path, x)
    assert all(h.sum() > 0 for h in ours.hidden[:2])
    frames = x.reshape(steps, *spec.input_shape).transpose(3, 2, 1, 0)  # (W, H, C, T)
    total = steps + 3
    data = np.concatenate([frames, np.zeros((*frames.shape[:3], 3))], axis=-1)
    src = Source(data=data.astype(np.int32))
    conv1, lif1 = _lava_block(entries[0], frames.shape[:3], message_bits=8)
    conv2, lif2 = _lava_block(entries[1], tuple(entries[0]["shape"][::-1]), message_bits=0)
    sinks = [Sink(shape=lif.s_out.shape, buffer=total) for lif in (lif1, lif2)]
    src.s_out.connect(conv1.s_in)
    lif1.s_out.connect(conv2.s_in)
    for lif, sink in zip((lif1, lif2), sinks, strict=True):
        lif.s_out.connect(sink.a_in)
    try:
        run_guarded(src, total, Loihi2SimCfg(select_tag="fixed_pt"), timeout=90)
        got = [sink.data.get() for sink in sinks]
    finally:
        src.stop()
    for lag, (spikes, mine) in enumerate(zip(got, ours.hidden[:2], strict=True), start=1):
        lava = np.moveaxis(spikes, -1, 0).transpose(0, 3, 2, 1)  # (T, C, H, W)
        np.testing.assert_array_equal(lava[lag:lag + steps], mine)
