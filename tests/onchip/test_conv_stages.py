"""The conv front-end in NumPy: its twin pipeline against the batched trainer, its Loihi 2
integer neuron against the equations written out, its quantization and timing."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.conv import conv_layout
from lava_stllr.onchip import OnChipLayout, OnChipReference
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.conv_pipeline import FrontEndPipeline, front_neuron_step
from lava_stllr.onchip.conv_stages import (
    FixedFrontNeuron,
    FloatFrontNeuron,
    FrontEnd,
    split_conv,
)
from lava_stllr.onchip.program import frame_encoder
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights
from lava_stllr.spec.layers import ConvLayer, PoolLayer
from lava_stllr.spec.network import Weights

FROZEN = STLLRParams.preset("code_default", lr=0.0, beta=0.85, theta=0.5)
NETS = [  # (layers, input shape, gain, reset)
    ("4c3-p2-16", (2, 8, 8), 2.5, "soft"),
    ("2c3p1-a2-3c3s2p1-6", (2, 8, 8), 3.0, "soft"),
    ("a2-3c3p1-p2-6", (2, 8, 8), 3.0, "hard"),  # a pool of the raw input first
    ("3c2s2-a2-5", (1, 9, 7), 3.0, "soft"),  # odd sizes: pools drop the last row/column
]


def _random_data(shape, n: int, seed: int, n_steps: int = 6) -> ArrayDataset:
    rng = np.random.default_rng(seed)
    x = (rng.random((n, n_steps, int(np.prod(shape)))) < 0.35).astype(np.float32)
    return ArrayDataset(x, np.arange(n) % 3, 3)


@pytest.mark.parametrize("layers,shape,gain,reset", NETS)
def test_twin_with_a_front_end_equals_the_trainers_forward_pass(layers, shape, gain,
                                                                 reset) -> None:
    spec = ConvNetSpec.parse(layers, shape, 3, init_gain=gain, beta_out=0.8)
    params = dataclasses.replace(FROZEN, reset=reset)
    weights = init_conv_weights(spec, seed=4)
    data = _random_data(shape, 5, seed=len(layers))
    trainer = ConvSTLLRTrainer(spec, params, seed=4)
    trainer.weights = weights
    want = trainer.predict_scores(data.spikes)
    got = OnChipReference(conv_layout(spec, weights, data.n_steps, params, gap=1)).evaluate(data)
    window = data.n_steps - params.window_start(data.n_steps)
    np.testing.assert_allclose(got.scores / window, want, rtol=0, atol=1e-9)
    assert np.abs(want).max() > 0


def _naive_fixed_lif(dv: int, vth: int, currents: np.ndarray, reset: str) -> np.ndarray:
    """The Loihi 2 LIF, one integer at a time (trunc decay, act shift 6, 24-bit clip)."""
    lo, hi = -(1 << 23), (1 << 23) - 1
    out, v = [], [0] * currents.shape[1]
    for row in currents:
        spikes = []
        for i, a in enumerate(row.tolist()):
            num = v[i] * (4096 - dv)
            decayed = abs(num) >> 12 if num >= 0 else -(abs(num) >> 12)
            pre = min(max(decayed + (a << 6), lo), hi)
            s = pre > (vth << 6)
            v[i] = (pre - (vth << 6) if reset == "soft" else 0) if s else pre
            spikes.append(s)
        out.append(spikes)
    return np.array(out)


@pytest.mark.parametrize("reset", ["soft", "hard"])
def test_fixed_front_neuron_is_the_loihi_lif_bit_for_bit(reset: str) -> None:
    rng = np.random.default_rng(0)
    currents = rng.integers(-400, 900, size=(30, 12))
    currents[5] = 32767  # drives the membrane into its 24-bit clip
    neuron = FixedFrontNeuron(dv=614, vth=1500, reset=reset)
    v, spikes = neuron.zeros((12,)), []
    for row in currents:
        v, s = neuron.step(v, row)
        spikes.append(s)
    np.testing.assert_array_equal(np.array(spikes), _naive_fixed_lif(614, 1500, currents, reset))
    with pytest.raises(ValueError, match="a_in"):
        neuron.step(v, np.full(12, 1 << 15))


def test_front_neuron_rests_before_the_first_sample_and_in_the_gap() -> None:
    neuron, clock = FloatFrontNeuron(0.9, 0.5, "soft"), SampleClock(period=5, delay=2)
    u, drive, fired = np.zeros(3), np.ones(3), []
    for t in range(1, 14):
        u, s = front_neuron_step(neuron, u, drive, clock, n_steps=3, time_step=t)
        fired.append(bool(s.any()))
        if not fired[-1]:
            assert not u.any()
    # sample 0 is on steps 3..5 (gap 6, 7), sample 1 on 8..10 (gap 11, 12)
    assert fired == [False, False, True, True, True, False, False,
                     True, True, True, False, False, True]


def test_fixed_quantization_uses_even_8_bit_kernels_within_16_bit_inputs() -> None:
    spec = ConvNetSpec.parse("4c3-p2-3c3-8", (2, 10, 10), 3, init_gain=2.0)
    front, _, _ = split_conv(spec, init_conv_weights(spec, 0))
    stages = [s for s in front.stages(FROZEN, "fixed") if not hasattr(s, "kind")]
    for stage, kernel in zip(stages, front.kernels, strict=True):
        w = stage.weights
        assert np.all(w % 2 == 0) and w.min() >= -256 and w.max() <= 254
        assert np.abs(w).max() >= 252  # the largest entry uses the range
        np.testing.assert_allclose(w * stage.scale, kernel, rtol=0,
                                   atol=stage.scale * 1.0 + 1e-12)
        assert stage.neuron.vth == round(FROZEN.theta / stage.scale)
        assert np.abs(w).reshape(w.shape[0], -1).sum(axis=1).max() < 1 << 15


def test_fixed_quantization_rejects_what_loihi_cannot_hold() -> None:
    spec = ConvNetSpec.parse("4c3-a2-8", (2, 8, 8), 3)
    front, _, _ = split_conv(spec, init_conv_weights(spec, 0))
    with pytest.raises(ValueError, match="average pool"):
        front.stages(FROZEN, "fixed")
    tiny = FrontEnd((1, 4, 4), (ConvLayer(1, 3),), (np.full((1, 1, 3, 3), 1e-9),))
    with pytest.raises(ValueError, match="vth"):
        tiny.stages(dataclasses.replace(FROZEN, theta=1e6), "fixed")
    with pytest.raises(ValueError, match="shapes"):
        FrontEnd((1, 4, 4), (ConvLayer(1, 3),), (np.ones((1, 1, 2, 2)),))
    with pytest.raises(ValueError, match="dense layer"):
        split_conv(ConvNetSpec.parse("2c3-p2", (1, 6, 6), 3),
                   init_conv_weights(ConvNetSpec.parse("2c3-p2", (1, 6, 6), 3), 0))


def test_layout_shifts_the_dense_part_by_the_front_end_depth() -> None:
    spec = ConvNetSpec.parse("2c3p1-a2-3c3s2p1-6", (2, 8, 8), 3)
    front, sizes, head = split_conv(spec, init_conv_weights(spec, 0))
    plain = OnChipLayout(sizes, 6, FROZEN)
    lay = OnChipLayout(sizes, 6, FROZEN, front_end=front, weights=head)
    assert front.depth == 2 and lay.n_inputs == 128 and lay.sizes[0] == 12
    assert lay.dense_delay(0) == plain.dense_delay(0) + 2
    assert lay.lif_delay(0) == plain.lif_delay(0) + 2
    assert lay.output_delay == plain.output_delay + 2
    assert lay.signal_delay(0) == plain.signal_delay(0)
    with pytest.raises(ValueError, match="pipeline depth"):
        OnChipLayout(sizes, 2, FROZEN, gap=2, front_end=front)
    with pytest.raises(ValueError, match="sends 12 values"):
        OnChipLayout((13, 6, 3), 6, FROZEN, front_end=front)
    graded, gsizes, _ = split_conv(ConvNetSpec.parse("2c3-a2-4", (1, 6, 6), 3),
                                   init_conv_weights(ConvNetSpec.parse("2c3-a2-4",
                                                                       (1, 6, 6), 3), 0))
    with pytest.raises(ValueError, match="graded_input"):
        OnChipLayout(gsizes, 6, FROZEN, front_end=graded)


def test_fixed_and_float_front_ends_agree() -> None:
    """Fixed (Loihi 2 widths) vs float: front-end spikes and predictions of a trained
    network on 24 samples (bounds: >= 90 % of the front-end's output entries, >= 75 % of
    the predictions; measured 93.7 % and 91.7 %)."""
    cfg = SyntheticConfig(side=8, n_steps=8, n_classes=3, speed_range=(1.0, 2.0),
                          bar_length_range=(3, 6))
    spec = ConvNetSpec.parse("4c3-p2-16", (2, 8, 8), 3, init_gain=2.5)
    params = STLLRParams.preset("code_default", lr=0.05, beta=0.85, theta=0.5)
    trainer = ConvSTLLRTrainer(spec, params, signal="dfa", seed=1)
    trainer.fit(synthetic_dataset(60, seed=1, config=cfg), epochs=3, batch_size=8,
                progress=False)
    test = synthetic_dataset(24, seed=2, config=cfg)
    frozen = dataclasses.replace(params, lr=0.0)
    layout = conv_layout(spec, trainer.weights, cfg.n_steps, frozen)
    fixed = OnChipReference(layout, precision="fixed").evaluate(test)
    float_ = OnChipReference(layout).evaluate(test)
    agree = float((fixed.predictions == float_.predictions).mean())
    assert agree >= 0.75, agree
    front = layout.front_end
    same = total = 0
    for i in range(len(test)):
        x = test[i][0]
        pipes = [FrontEndPipeline(front.stages(frozen, p), front.input_shape, 8, 8)
                 for p in ("float", "fixed")]
        for t in range(9):  # the last conv output arrives one step later
            frame = x[t] if t < 8 else np.zeros_like(x[0])
            a, b = (pipe.step(enc(frame), t + 1) for pipe, enc in zip(
                pipes, (frame_encoder("float"), frame_encoder("fixed")), strict=True))
            same += int((a == b).sum())
            total += a.size
    assert same / total >= 0.9, same / total


def test_weights_split_into_kernels_and_the_dense_part() -> None:
    spec = ConvNetSpec.parse("a2-3c3p1-p2-6", (2, 8, 8), 3)
    weights = init_conv_weights(spec, 0)
    front, sizes, head = split_conv(spec, weights)
    assert front.layers == (PoolLayer("avg", 2), ConvLayer(3, 3, 1, 1), PoolLayer("max", 2))
    assert sizes == (12, 6, 3) and front.depth == 1 and not front.graded_output
    np.testing.assert_array_equal(front.kernels[0], weights.feedforward[0])
    assert isinstance(head, Weights) and [w.shape for w in head.feedforward] == [(6, 12),
                                                                                 (3, 6)]


@pytest.mark.parametrize("reset", ["soft", "hard"])
def test_fixed_front_neuron_membrane_saturates_at_24_bits(reset: str) -> None:
    currents = np.zeros((14, 3), dtype=np.int64)
    currents[:6] = -(1 << 15)  # 6 x -2**21 reaches the -2**23 floor
    currents[6:] = 32767       # then climbs back from the floor and fires
    neuron = FixedFrontNeuron(dv=1, vth=1500, reset=reset)
    v, spikes, lowest = neuron.zeros((3,)), [], 0
    for row in currents:
        v, s = neuron.step(v, row)
        spikes.append(s)
        lowest = min(lowest, int(v.min()))
    assert lowest == -(1 << 23)  # the clip ran
    np.testing.assert_array_equal(np.array(spikes), _naive_fixed_lif(1, 1500, currents, reset))
    assert np.array(spikes)[6:].any()
