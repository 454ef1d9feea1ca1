"""The OutputLayer Process alone in a tiny Lava network: a scripted current in, its
readout, error, third factors and results against the NumPy step functions."""

from __future__ import annotations

import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source

from lava_stllr.lavanet.run_config import STLLRSimCfg
from lava_stllr.onchip import programs_fixed, programs_float
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.onchip.program import network_program, output_program
from lava_stllr.onchip.steps import ErrorConfig, error_process_step, readout_process_step
from lava_stllr.params import STLLRParams
from lava_stllr.processes import OutputLayer
from lava_stllr.runtime.guard import runtime_alive, shutdown_runtime, wait_runtime

P = STLLRParams.preset("code_default", lr=0.05)
N, N_STEPS, GAP, WINDOW_START, DELAY = 3, 4, 1, 1, 2
PERIOD = N_STEPS + GAP
#: ``[label, learn, scored]`` per sample; the last is not scored.
LABELS = [(2, 1.0, True), (0, 0.5, True), (1, 1.0, False)]
TOTAL = DELAY + len(LABELS) * PERIOD


def _fixed_readout():
    layout = OnChipLayout((6, 4, N), N_STEPS, P)
    return network_program(layout, "fixed").fixed_network.layers[-1]


def _currents(precision: str) -> np.ndarray:
    rng = np.random.default_rng(4)
    if precision == "fixed":
        return rng.integers(-400, 400, size=(N, TOTAL)).astype(np.int32)
    return rng.normal(0.0, 1.0, size=(N, TOTAL))


def _expected(precision: str, currents: np.ndarray, fixed) -> dict:
    """The readout, error, factors and results of the NumPy step functions."""
    if precision == "fixed":
        readout, codec = programs_fixed.FixedReadout(fixed.neuron), \
            programs_fixed.FixedErrorCodec(fixed)
    else:
        readout, codec = programs_float.FloatReadout.from_params(P, 0.9), \
            programs_float.FloatErrorCodec()
    clock, cfg = SampleClock(PERIOD, DELAY), ErrorConfig(N_STEPS, WINDOW_START)
    z, z_sum, label = readout.zeros(N), np.zeros(N), np.zeros(3)
    errors, y2, zs, results = [], [], [], []
    for t in range(1, TOTAL + 1):
        z = readout_process_step(readout, z, currents[:, t - 1], clock.new_sample(t))
        sample, step = clock.position(t)
        if sample >= 0 and step == 0:
            label = np.array(LABELS[sample], dtype=float)
        out = error_process_step(codec, z, label, z_sum, (sample, step), cfg)
        z_sum = out.z_sum
        errors.append(out.error)
        y2.append(readout.factors(out.error).y2)
        zs.append(z)
        if out.result is not None:
            results.append(out.result)
    return {"error": np.array(errors).T, "y2": np.array(y2).T, "z": zs[-1],
            "results": results}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_output_layer_matches_the_step_functions(precision: str) -> None:
    fixed = _fixed_readout() if precision == "fixed" else None
    currents = _currents(precision)
    out = OutputLayer(n=N, beta_out=0.9, params=P, n_steps=N_STEPS, gap=GAP,
                      window_start=WINDOW_START, delay=DELAY,
                      program=output_program(P, 0.9, fixed))
    source = Source(data=currents)
    errors, y2 = Sink(shape=(N,), buffer=TOTAL), Sink(shape=(N,), buffer=TOTAL)
    source.s_out.connect(out.a_in)
    out.e_out.connect(errors.a_in)
    out.y2_out.connect(y2.a_in)
    out.run(condition=RunSteps(num_steps=TOTAL, blocking=False),
            run_cfg=STLLRSimCfg(precision))
    try:
        for label, learn, scored in LABELS:
            out.send_label(label, learn, scored, timeout=30)
        got = [out.receive_result(timeout=30) for _ in range(2)]
        wait_runtime(out.runtime, 30.0, lambda: runtime_alive(out.runtime))
        got_errors, got_y2 = errors.data.get(), y2.data.get()
        got_z, n_scored = out.z.get(), int(out.n_scored.get()[0])
    finally:
        shutdown_runtime(out.runtime, grace=10.0)

    want = _expected(precision, currents, fixed)
    np.testing.assert_array_equal(got_errors, want["error"])
    np.testing.assert_array_equal(got_y2, want["y2"])
    np.testing.assert_array_equal(got_z, want["z"])
    assert n_scored == 2 and [count for _, count in got] == [0, 1]
    for (z_sum, _), result in zip(got, want["results"], strict=True):
        np.testing.assert_array_equal(z_sum, result)
    assert np.abs(got_errors).sum() > 0 and np.abs(got_y2).sum() > 0
    if precision == "float":  # and the formulas themselves
        _check_float_formulas(currents, got_errors, [z for z, _ in got])


def _check_float_formulas(currents: np.ndarray, errors: np.ndarray, sums: list) -> None:
    """``z = 0.9 z + I`` from each sample start, ``e = rate (softmax(z) - onehot)`` in
    the window (zero elsewhere), result = the window's sum of ``z``."""
    for sample, (label, rate, scored) in enumerate(LABELS):
        start = DELAY + sample * PERIOD  # 0-based column of the sample's first step
        z, z_sum = np.zeros(N), np.zeros(N)
        for step in range(PERIOD):
            z = 0.9 * z + currents[:, start + step]
            e = errors[:, start + step]
            if WINDOW_START <= step < N_STEPS:
                p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
                np.testing.assert_allclose(e, rate * (p - np.eye(N)[label]), atol=1e-12)
                z_sum = z_sum + z
            else:
                np.testing.assert_array_equal(e, 0.0)
        if scored:
            np.testing.assert_allclose(sums[sample], z_sum, atol=1e-12)
    np.testing.assert_array_equal(errors[:, :DELAY], 0.0)
