"""The fixed S-TLLR LIF neuron's integer program against float, and its width checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from lava_stllr.core.neurons import lif_step
from lava_stllr.core.psi import psi as psi_float
from lava_stllr.loihi.fixed_rule import FLAG_OFFSET
from lava_stllr.loihi.neuron_fixed import (
    MEMBRANE_ARITH,
    NeuronRegisters,
    NeuronState,
    ReadoutRegisters,
    neuron_step,
    readout_step,
)
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.params import STLLRParams


def _layer(preset: str = "code_default", **overrides):
    params = STLLRParams.preset(preset, **overrides)
    return params, quantize(params, options=QuantizeOptions(weight_absmax=[0.3, 0.5],
                                                            readout_last=True))


@pytest.mark.parametrize("preset", ["code_default", "dvs_gesture", "shd"])
def test_neuron_step_matches_float_within_bounds(preset: str) -> None:
    """One integer step against the float step taken from the same (dequantized) state:
    membrane within one integer unit (Loihi truncation), psi within the psi bound, post
    trace within its rounding drift 1/(1 - lam_post) LSB of a float trace fed the same psi,
    third factors within 1/2 of their exact value; spikes agree with an independent float
    LIF on >= 99 % of (step, neuron) pairs."""
    params, fx = _layer(preset)
    layer = fx.layers[0]
    prog = layer.neuron
    s_v = layer.membrane_scale
    rng = np.random.default_rng(0)
    n, steps = 64, 150
    state = NeuronState.zeros(n)
    tr_float = np.zeros(n)
    v_indep = np.zeros(n)
    lam = prog.lam_post_num / 4096
    agree = 0
    for _ in range(steps):
        a_in = rng.integers(-60, 160, n) << layer.weight_exp
        sig = rng.integers(-127, 128, n)
        new, out = neuron_step(prog, state, a_in, sig)
        # membrane: float decay of the integer state plus the same input
        v_pre = fx.beta_eff * state.v + (a_in << 6)
        mismatch = out.spikes != (v_pre > prog.vth_scaled)
        assert np.all(np.abs(v_pre - prog.vth_scaled)[mismatch] < 1.0)
        v_pre_int = np.where(out.spikes, new.v + prog.vth_scaled, new.v)
        assert np.max(np.abs(v_pre_int - v_pre)) < 1.0
        # psi of the integer membrane vs float psi of the same membrane value
        ref = psi_float((v_pre_int - prog.vth_scaled) * s_v, 0.0, params.psi)
        assert np.max(np.abs(prog.psi.dequantize(out.psi) - ref)) \
            <= prog.psi.error_bound_lsb * prog.psi.lsb
        # post trace vs a float trace fed the same psi with the same gain
        tr_float = lam * tr_float + out.psi * prog.trace_gain / 4096
        assert np.max(np.abs(new.trace - tr_float)) <= 1.0 / (1.0 - lam)
        # third factors: rounding of the exact integer products only
        mag = np.abs(sig)
        assert np.max(np.abs(out.y2 - mag * out.psi * prog.y2_mult / 2**prog.y2_shift)) <= 0.5
        inner = new.trace * prog.y3_mult + out.psi * prog.y3_psi_mult
        assert np.max(np.abs(out.y3 - mag * inner / 2**prog.y3_shift)) <= 0.5
        assert np.array_equal(out.y1, np.where(sig < 0, FLAG_OFFSET + prog.flag,
                                               FLAG_OFFSET - prog.flag))
        assert np.array_equal(out.bap, out.spikes)
        # independent float LIF in float membrane units
        v_indep, s_indep, _ = lif_step(v_indep, (a_in << 6) * s_v, params.beta, params.theta)
        agree += int(np.sum(s_indep.astype(bool) == out.spikes))
        state = new
    assert agree / (n * steps) >= 0.99


def test_neuron_step_reuses_lif_step_with_loihi_truncation() -> None:
    _, fx = _layer()
    prog = fx.layers[0].neuron
    v0 = np.array([-5000, 0, 12345, prog.vth_scaled - 10], dtype=np.int64)
    a_in = np.array([3, -7, 0, 1])
    new, out = neuron_step(prog, NeuronState(v0, np.zeros(4, dtype=np.int64)), a_in,
                           np.zeros(4, dtype=np.int64))
    u, s, _ = lif_step(v0, a_in << 6, 4096 - prog.dv, prog.vth_scaled, "soft", MEMBRANE_ARITH)
    assert np.array_equal(new.v, u) and np.array_equal(out.spikes, s.astype(bool))
    # Loihi decays the magnitude: sign(v) * (|v| * (4096 - dv) >> 12)
    assert u[0] == -((5000 * (4096 - prog.dv)) >> 12) + (3 << 6)


def test_post_trace_never_exceeds_seven_bits() -> None:
    for preset in ("code_default", "dvs_gesture", "shd"):
        _, fx = _layer(preset)
        prog = fx.layers[0].neuron
        trace = np.zeros(1, dtype=np.int64)
        for _ in range(300):  # membrane exactly at threshold: psi at its peak every step
            state, out = neuron_step(prog, NeuronState(np.zeros(1, dtype=np.int64), trace),
                                     np.array([prog.vth]), np.array([0]))
            trace = state.trace
            assert out.psi[0] >= 126 and not out.spikes[0] and trace[0] <= 127
        assert trace[0] >= 120  # and the range is used


def test_learning_window_and_flags() -> None:
    _, fx = _layer()
    prog = fx.layers[0].neuron
    state = NeuronState(np.full(3, prog.vth_scaled), np.full(3, 50))
    sig = (1 << (prog.signal_bits - 1)) * 3 // 4  # three quarters of the signal's range
    signal = np.array([-sig, 0, sig])
    _, out = neuron_step(prog, state, np.zeros(3, dtype=int), signal, learn=False)
    assert not out.y2.any() and not out.y3.any()
    assert list(out.y1) == [FLAG_OFFSET + prog.flag, FLAG_OFFSET - prog.flag,
                            FLAG_OFFSET - prog.flag]
    _, out = neuron_step(prog, state, np.zeros(3, dtype=int), signal)
    assert out.y2[0] == out.y2[2] > 0 and out.y2[1] == 0 and out.y3[1] == 0


def test_overflow_raises_or_saturates_explicitly() -> None:
    _, fx = _layer()
    prog = dataclasses.replace(fx.layers[0].neuron, dv=0)  # no leak
    state = NeuronState.zeros(1)
    with pytest.raises(ValueError, match="a_in = 40000 .* does not fit 16-bit signed"):
        neuron_step(prog, state, np.array([40000]), np.array([0]))
    top = 1 << (prog.signal_bits - 1)  # one past the largest signal
    with pytest.raises(ValueError, match=f"learning signal = {top} .* does not fit "
                                         f"{prog.signal_bits}-bit signed"):
        neuron_step(prog, state, np.array([0]), np.array([top]))
    big = NeuronState(np.array([2**23 - 100]), np.array([0]))
    inhib = NeuronState(np.array([-(2**23) + 10]), np.array([0]))
    with pytest.raises(ValueError, match="membrane v = -8388662"):
        neuron_step(prog, inhib, np.array([-1]), np.array([0]))
    new, out = neuron_step(prog, inhib, np.array([-1]), np.array([0]), overflow="saturate")
    assert new.v[0] == -(2**23)
    new, out = neuron_step(prog, big, np.array([100]), np.array([0]), overflow="saturate")
    assert out.spikes[0] and new.v[0] == 2**23 - 1 - prog.vth_scaled
    with pytest.raises(ValueError, match="overflow"):
        neuron_step(prog, state, np.array([0]), np.array([0]), overflow="wrap")


def test_readout_step() -> None:
    _, fx = _layer()
    prog = fx.layers[1].neuron
    assert isinstance(prog, ReadoutRegisters)
    z, y = readout_step(prog, np.zeros(2, dtype=np.int64), np.array([10, -10]),
                        np.array([-127, 127]))
    assert list(z) == [640, -640]
    assert list(y[0]) == [FLAG_OFFSET + prog.flag, FLAG_OFFSET - prog.flag]
    assert 1 <= y[1, 0] == y[1, 1] <= 127 and 1 <= y[2, 0] <= 127
    z2, y2 = readout_step(prog, z, np.array([0, 0]), np.array([0, 0]), learn=False)
    assert abs(z2[0]) < abs(z[0]) and not y2[1:].any()
    assert len(prog.program()) == 4 and "y3" in prog.program()[3]


def test_programs_validate_and_list() -> None:
    _, fx = _layer()
    prog = fx.layers[0].neuron
    lines = prog.program()
    assert lines[0].startswith("v = trunc(v * ") and lines[-1] == "bap = s"
    assert prog.to_dict()["vth_scaled"] == prog.vth << 6
    with pytest.raises(ValueError, match="dv"):
        dataclasses.replace(prog, dv=4096)
    with pytest.raises(ValueError, match="vth"):
        dataclasses.replace(prog, vth=0)
    with pytest.raises(ValueError, match="flag"):
        dataclasses.replace(prog, flag=0)
    with pytest.raises(ValueError, match="reset"):
        dataclasses.replace(prog, reset="none")
    assert isinstance(prog, NeuronRegisters)


def test_readout_z_out_of_24_bits_raises_or_saturates_as_asked() -> None:
    from lava_stllr.loihi.widths import MEMBRANE_MAX, MEMBRANE_MIN

    registers = ReadoutRegisters(dv=0, y2_mult=1, y2_shift=0, y3_mult=1, y3_shift=0,
                                 signal_bits=8)
    z = np.array([MEMBRANE_MAX - 10, MEMBRANE_MIN + 10, 5])
    a_in = np.array([1, -1, 1])  # << 6 = +-64: the first two leave 24 bits
    signal = np.zeros(3, dtype=np.int64)
    with pytest.raises(ValueError, match="readout z"):
        readout_step(registers, z, a_in, signal)
    clipped, _ = readout_step(registers, z, a_in, signal, overflow="saturate")
    # the 24-bit signed range: [-2**23, 2**23 - 1]
    np.testing.assert_array_equal(clipped, [MEMBRANE_MAX, -(1 << 23), 5 + 64])
