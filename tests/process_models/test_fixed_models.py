"""The fixed-point models: our fixed STLLRDense learns exactly what Lava's stock
bit-approximate LearningDense learns with the fixed rule, per step and per sample (the
synaptic tag), and the fixed models refuse float programs and a missing sign flag at
compile time.

A two-layer chain (spikes -> synapse -> fixed STLLRLIF -> synapse -> fixed STLLRLIF,
integer learning signals from ring buffers, no sample boundaries) runs once with the
stock ``LearningDense`` carrying ``layer.rule.learning_rule(rng_seed)`` and once with
``STLLRDense(program=synapse_program(params, layer))``; both must end with the same integer
weights, equal to a NumPy run of the fixed step functions.
"""

from __future__ import annotations

import numpy as np
import pytest
from lava.proc.dense.process import LearningDense

from lava_stllr.core.messages import NeuronState
from lava_stllr.lavanet.run_config import STLLRSimCfg
from lava_stllr.loihi.bit_approx import EngineRandomStream
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.loihi.synapse import FixedDenseConfig, fixed_dense_step, fixed_synaptic_current
from lava_stllr.onchip.program import neuron_program, readout_program, synapse_program
from lava_stllr.onchip.programs_fixed import FixedNeuron
from lava_stllr.onchip.steps import neuron_process_step
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF, LeakyReadout, STLLRDense

SIZES = (14, 8, 5)
N_STEPS = 60
SEEDS = (3, 7)
PARAMS = {
    "code_default": STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5),
    "shd_separate_rule": STLLRParams.preset("shd", lr=0.02, beta=0.85, theta=0.5),
    "dvs_triangle_hard": STLLRParams.preset("dvs_gesture", lr=0.05, reset="hard", theta=0.5),
}


def _inputs(params: STLLRParams, seed: int):
    rng = np.random.default_rng(seed)
    spikes = rng.random((SIZES[0], N_STEPS)) < 0.35
    weights = [rng.uniform(-0.1, 0.2, size=(n_out, n_in))
               for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True)]
    layers = quantize(params, weights, QuantizeOptions(weight_headroom=1.5, signal_max=0.5)).layers
    top = (1 << (QuantizeOptions.signal_bits - 1)) - 1  # the signal's whole range
    signals = [rng.integers(-top, top + 1, size=(n, N_STEPS)) for n in SIZES[1:]]
    return spikes, signals, layers


def _run_lava(run_chain, params: STLLRParams, stock: bool, seed: int) -> list[np.ndarray]:
    spikes, signals, layers = _inputs(params, seed)
    chain = []
    for layer, rng_seed in zip(layers, SEEDS, strict=True):
        w = layer.weights.astype(float)
        if stock:
            conn = LearningDense(weights=w, learning_rule=layer.rule.learning_rule(rng_seed),
                                 weight_exp=layer.weight_exp)
        else:
            conn = STLLRDense(weights=w, params=params, program=synapse_program(params, layer),
                              rng_seed=rng_seed)
        chain.append((conn, STLLRLIF(n=w.shape[0], params=params,
                                     program=neuron_program(params, layer))))
    weights = run_chain(spikes, chain, signals, "fixed", sign_flag=True)
    return [w.astype(np.int64) for w in weights]


def _run_numpy(params: STLLRParams, seed: int) -> list[np.ndarray]:
    spikes, signals, layers = _inputs(params, seed)
    weights = [layer.weights.astype(np.int64) for layer in layers]
    cfgs = [FixedDenseConfig.from_layer(layer) for layer in layers]
    streams = [EngineRandomStream(s) for s in SEEDS]
    traces = [np.zeros(w.shape[1], dtype=np.int64) for w in weights]
    buffers = [np.zeros(w.shape[0], dtype=np.int64) for w in weights]
    states = [NeuronState.zeros(w.shape[0]) for w in weights]
    for t in range(N_STEPS):
        pre = spikes[:, t]
        for i, w in enumerate(weights):
            states[i], out = neuron_process_step(FixedNeuron(layers[i].neuron), states[i],
                                                 buffers[i], signals[i][:, t], False)
            buffers[i] = fixed_synaptic_current(w, pre, cfgs[i])
            traces[i] = fixed_dense_step(w, traces[i], pre, out.y, out.bap, cfgs[i],
                                         streams[i].next(), False)
            pre = out.spikes
    return weights


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", list(PARAMS))
def test_fixed_stllr_dense_is_bit_exact_with_stock_bit_approximate_learning_dense(
        name: str, run_chain) -> None:
    params = PARAMS[name]
    stock = _run_lava(run_chain, params, stock=True, seed=1)
    ours = _run_lava(run_chain, params, stock=False, seed=1)
    numpy_run = _run_numpy(params, seed=1)
    initial = [layer.weights for layer in _inputs(params, 1)[2]]
    for w_stock, w_ours, w_np, w0 in zip(stock, ours, numpy_run, initial, strict=True):
        assert np.abs(w_stock - w0).max() > 0  # learning happened
        np.testing.assert_array_equal(w_ours, w_stock)
        np.testing.assert_array_equal(w_ours, w_np)


def test_fixed_models_do_not_request_a_learning_phase() -> None:
    from process_models.fixed_pt import PySTLLRDenseModelFixed

    assert "lrn_guard" not in vars(PySTLLRDenseModelFixed)
    assert "run_lrn" not in vars(PySTLLRDenseModelFixed)


@pytest.mark.timeout(60)
def test_fixed_models_reject_float_programs_and_a_missing_sign_flag_at_compile_time(
        ) -> None:
    params = PARAMS["code_default"]
    layer = quantize(params, options=QuantizeOptions(weight_absmax=0.5)).layers[0]
    for with_layer, match in ((False, "float program"), (True, "s_in_y1")):
        conn = STLLRDense(weights=np.full((2, 3), 2.0), params=params,
                          program=synapse_program(params, layer if with_layer else None))
        lif = STLLRLIF(n=2, params=params,
                       program=neuron_program(params, layer if with_layer else None))
        conn.a_out.connect(lif.a_in)
        lif.y2_out.connect(conn.s_in_y2)
        lif.y3_out.connect(conn.s_in_y3)
        try:
            with pytest.raises(ValueError, match=match):
                lif.compile(run_cfg=STLLRSimCfg("fixed"))
        finally:
            lif.stop()


def test_programs_and_processes_validate_their_fixed_arguments() -> None:
    params = PARAMS["code_default"]
    fx = quantize(params, options=QuantizeOptions(weight_absmax=[0.5, 0.5], readout_last=True,
                                                  signal_max=[0.5, 1.0]))
    hidden, readout = fx.layers
    with pytest.raises(ValueError, match="LayerFixed"):
        neuron_program(params, "layer")
    with pytest.raises(ValueError, match="spiking"):
        neuron_program(params, readout)
    with pytest.raises(ValueError, match="readout layer"):
        readout_program(params, 0.9, hidden)
    with pytest.raises(ValueError, match="NeuronProgram"):
        STLLRLIF(n=2, params=params, program="layer")
    with pytest.raises(ValueError, match="ReadoutProgram"):
        LeakyReadout(n=2, beta_out=0.9, params=params, program=neuron_program(params))
    with pytest.raises(ValueError, match="mantissas"):
        STLLRDense(weights=np.full((2, 3), 0.5), params=params,
                   program=synapse_program(params, hidden))
    with pytest.raises(ValueError, match="mantissas"):
        STLLRDense(weights=np.full((2, 3), 300.0), params=params,
                   program=synapse_program(params, hidden))
    with pytest.raises(ValueError, match="binary spikes"):
        synapse_program(params, hidden, graded=True)
    with pytest.raises(ValueError, match="signal_shift"):
        neuron_program(params, hidden, signal_shift=-1)
    with pytest.raises(ValueError, match="signal_shift needs"):
        neuron_program(params, signal_shift=2)


#: Steps between per-sample gates in the tag tests (the neurons' period).
GATE_PERIOD = 12


def _run_lava_per_sample(params: STLLRParams, stock: bool, seed: int
                         ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The chain with per-sample rules: the neurons raise the gate (their bAP) every
    ``GATE_PERIOD`` steps; the connections have no sample boundaries of their own. Weights
    and tags after the run."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.proc.io.source import RingBuffer

    spikes, signals, layers = _inputs(params, seed)
    pre_out = RingBuffer(data=spikes.astype(float))
    source, chain = pre_out, []
    for layer, rng_seed, sig in zip(layers, SEEDS, signals, strict=True):
        w = layer.weights.astype(float)
        if stock:
            conn = LearningDense(weights=w, weight_exp=layer.weight_exp,
                                 learning_rule=layer.rule.learning_rule(rng_seed, "sample"))
        else:
            conn = STLLRDense(weights=w, params=params, program=synapse_program(params, layer),
                              rng_seed=rng_seed, update="sample")
        lif = STLLRLIF(n=w.shape[0], params=params, period=GATE_PERIOD, update="sample",
                       program=neuron_program(params, layer, update="sample"))
        sig_src = RingBuffer(data=np.asarray(sig, dtype=float))
        source.s_out.connect(conn.s_in)
        conn.a_out.connect(lif.a_in)
        sig_src.s_out.connect(lif.sig_in)
        for port in ("y1", "y2", "y3"):
            getattr(lif, f"{port}_out").connect(getattr(conn, f"s_in_{port}"))
        lif.bap_out.connect(conn.s_in_bap)
        chain.append(conn)
        source = lif
    try:
        pre_out.run(condition=RunSteps(num_steps=N_STEPS), run_cfg=STLLRSimCfg("fixed"))
        weights = [np.asarray(c.weights.get()).astype(np.int64) for c in chain]
        tags = [np.asarray((c.tag_1 if stock else c.tag).get()).astype(np.int64)
                for c in chain]
    finally:
        pre_out.stop()
    return weights, tags


def _run_numpy_per_sample(params: STLLRParams, seed: int
                          ) -> tuple[list[np.ndarray], list[np.ndarray]]:
    from lava_stllr.onchip.clock import SampleClock
    from lava_stllr.onchip.steps import tag_gate

    spikes, signals, layers = _inputs(params, seed)
    weights = [layer.weights.astype(np.int64) for layer in layers]
    tags = [np.zeros_like(w) for w in weights]
    cfgs = [FixedDenseConfig.from_layer(layer) for layer in layers]
    neurons = [FixedNeuron(layer.neuron, update="sample") for layer in layers]
    streams = [EngineRandomStream(s) for s in SEEDS]
    traces = [np.zeros(w.shape[1], dtype=np.int64) for w in weights]
    buffers = [np.zeros(w.shape[0], dtype=np.int64) for w in weights]
    states = [NeuronState.zeros(w.shape[0]) for w in weights]
    clock = SampleClock(GATE_PERIOD, 0)
    for t in range(N_STEPS):
        pre = spikes[:, t]
        for i, w in enumerate(weights):
            states[i], out = neuron_process_step(
                neurons[i], states[i], buffers[i], signals[i][:, t], clock.new_sample(t + 1),
                tag_gate(clock, t + 1, "sample"))
            buffers[i] = fixed_synaptic_current(w, pre, cfgs[i])
            traces[i] = fixed_dense_step(w, traces[i], pre, out.y, out.bap, cfgs[i],
                                         streams[i].next(), False, tags[i])
            pre = out.spikes
    return weights, tags


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", ["code_default", "shd_separate_rule"])
def test_per_sample_fixed_stllr_dense_is_bit_exact_with_stock_learning_dense_and_its_tag(
        name: str) -> None:
    params = PARAMS[name]
    stock_w, stock_t = _run_lava_per_sample(params, stock=True, seed=2)
    ours_w, ours_t = _run_lava_per_sample(params, stock=False, seed=2)
    np_w, np_t = _run_numpy_per_sample(params, seed=2)
    initial = [layer.weights for layer in _inputs(params, 2)[2]]
    for w_stock, w_ours, w_np, w0 in zip(stock_w, ours_w, np_w, initial, strict=True):
        assert np.abs(w_stock - w0).max() > 0  # the gates moved tags into the weights
        np.testing.assert_array_equal(w_ours, w_stock)
        np.testing.assert_array_equal(w_ours, w_np)
    for t_stock, t_ours, t_np in zip(stock_t, ours_t, np_t, strict=True):
        assert np.abs(t_stock).max() > 0  # the tag holds the products since the last gate
        np.testing.assert_array_equal(t_ours, t_stock)
        np.testing.assert_array_equal(t_ours, t_np)
