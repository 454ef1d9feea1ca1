"""Per-step time of the fixed-point S-TLLR synapse in Lava: fixed STLLRDense vs the stock
bit-approximate LearningDense carrying the same fixed rule.

Each case runs ``spikes -> synapse -> fixed STLLRLIF`` (integer learning signal from a
ring buffer) in Lava's CPU simulator with ``STLLRSimCfg("fixed")`` and
times ``run`` after a warm-up run. The synapse is:

- ``Dense``          : Lava's bit-accurate Dense (no learning): the baseline network cost;
- ``LearningDense``  : Lava's stock ``PyLearningDenseModelBitApproximate`` with
  ``layer.rule.learning_rule(rng_seed)`` (the fixed S-TLLR microcode);
- ``STLLRDense``     : our fixed-point model (same engine arithmetic, only the touched
  block of synapses, no learning phase).

"synapse ms" is the per-step time minus the baseline's (it includes sending the four
learning factors, and for ``LearningDense`` the extra learning phase the runtime then runs
for every Process). Both learning variants must end with bit-identical integer weights
(checked, ``max |W_stock - W_ours|`` must be 0).

A second table times the synapse arithmetic alone, in this process: our
``fixed_dense_step`` + ``fixed_synaptic_current`` vs the literal NumPy replica of the
stock engine (:func:`lava_stllr.loihi.engine_replica.bit_approx_learning_step`, bit-exact
with Lava, tested), fed the same spikes and factors.

Usage: ``python benchmarks/bench_fixed_dense.py [--steps N] [--rate R] [--repeats K]``.
"""

from __future__ import annotations

import time

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.proc.dense.process import Dense, LearningDense
from lava.proc.io.source import RingBuffer
from perf_rows import Row, write_rows
from synapse_table import print_synapse_rows, start

from lava_stllr.lavanet.run_config import STLLRSimCfg
from lava_stllr.loihi.bit_approx import EngineRandomStream
from lava_stllr.loihi.engine_replica import bit_approx_learning_step
from lava_stllr.loihi.layer_fixed import LayerFixed
from lava_stllr.loihi.quantize import quantize
from lava_stllr.loihi.quantize_options import QuantizeOptions
from lava_stllr.loihi.synapse import (
    FixedDenseConfig,
    fixed_dense_step,
    fixed_synaptic_current,
)
from lava_stllr.onchip.program import neuron_program, synapse_program
from lava_stllr.params import STLLRParams
from lava_stllr.processes import STLLRLIF, STLLRDense

PARAMS = STLLRParams.preset("code_default", lr=0.05, psi="triangle")
SHAPES = ((700, 256), (2312, 256))
RNG_SEED = 1


def layer_for(n_pre: int, n_post: int, seed: int = 0) -> LayerFixed:
    """A quantized layer with normal(0, 1/sqrt(n_pre)) weights."""
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0 / np.sqrt(n_pre), size=(n_post, n_pre))
    return quantize(PARAMS, [w], QuantizeOptions(signal_max=0.5)).layers[0]


def time_case(kind: str, layer: LayerFixed, n_steps: int, rate: float, repeats: int,
              seed: int = 0) -> tuple[float, np.ndarray | None]:
    """Seconds per step of one variant, and its final integer weights (None for Dense)."""
    n_post, n_pre = layer.weights.shape
    rng = np.random.default_rng(seed)
    buffer_len = 50
    spikes = (rng.random((n_pre, buffer_len)) < rate).astype(float)
    signal = rng.integers(-127, 128, size=(n_post, buffer_len)).astype(float)
    src, sig = RingBuffer(data=spikes), RingBuffer(data=signal)
    lif = STLLRLIF(n=n_post, params=PARAMS, program=neuron_program(PARAMS, layer))
    w = layer.weights.astype(float)
    if kind == "Dense":
        conn = Dense(weights=w, weight_exp=layer.weight_exp)
    elif kind == "LearningDense":
        conn = LearningDense(weights=w, learning_rule=layer.rule.learning_rule(RNG_SEED),
                             weight_exp=layer.weight_exp)
    else:
        conn = STLLRDense(weights=w, params=PARAMS, program=synapse_program(PARAMS, layer),
                          rng_seed=RNG_SEED)
    src.s_out.connect(conn.s_in)
    conn.a_out.connect(lif.a_in)
    sig.s_out.connect(lif.sig_in)
    if kind != "Dense":
        for factor in ("y1", "y2", "y3"):
            getattr(lif, f"{factor}_out").connect(getattr(conn, f"s_in_{factor}"))
        lif.bap_out.connect(conn.s_in_bap)
    try:
        src.run(condition=RunSteps(num_steps=10), run_cfg=STLLRSimCfg("fixed"))
        per_step = np.inf
        for _ in range(repeats):  # best of: the machine may be shared
            start = time.perf_counter()
            src.run(condition=RunSteps(num_steps=n_steps))
            per_step = min(per_step, (time.perf_counter() - start) / n_steps)
        weights = None if kind == "Dense" else np.asarray(conn.weights.get()).astype(int)
    finally:
        src.stop()
    return per_step, weights


def compute_only(layer: LayerFixed, n_steps: int, rate: float, repeats: int,
                 seed: int = 0) -> tuple[float, float, bool]:
    """Seconds per step of (ours, replica) synapse arithmetic, and whether they agree."""
    n_post, n_pre = layer.weights.shape
    rng = np.random.default_rng(seed)
    spikes = rng.random((n_steps, n_pre)) < rate
    y = np.stack([np.where(rng.random((n_steps, n_post)) < 0.5, 64 + layer.rule.flag,
                           64 - layer.rule.flag),
                  rng.integers(0, 128, (n_steps, n_post)) * (rng.random((n_steps, n_post)) < 0.3),
                  rng.integers(0, 128, (n_steps, n_post))], axis=1)
    bap = rng.random((n_steps, n_post)) < 0.1
    cfg = FixedDenseConfig.from_layer(layer)
    timings, finals = [], []
    for ours in (True, False):
        best = np.inf
        for _ in range(repeats):
            w, x1 = layer.weights.astype(np.int32), np.zeros(n_pre, dtype=np.int64)
            stream = EngineRandomStream(RNG_SEED)
            start = time.perf_counter()
            for t in range(n_steps):
                fixed_synaptic_current(w, spikes[t], cfg)
                if ours:
                    x1 = fixed_dense_step(w, x1, spikes[t], y[t], bap[t], cfg, stream.next(),
                                          False)
                else:
                    w, x1 = bit_approx_learning_step(w, x1, spikes[t], y[t], bap[t],
                                                     layer.rule.products, cfg.x1_impulse,
                                                     cfg.x1_tau, stream.next())
            best = min(best, (time.perf_counter() - start) / n_steps)
        timings.append(best)
        finals.append(w)
    return timings[0], timings[1], bool(np.array_equal(finals[0], finals[1]))


def main() -> None:
    args = start(__doc__, "fixed-point models (Loihi 2 widths), CPU simulator")
    rows = []
    for n_pre, n_post in SHAPES:
        layer = layer_for(n_pre, n_post)
        base, _ = time_case("Dense", layer, args.steps, args.rate, args.repeats)
        stock, w_stock = time_case("LearningDense", layer, args.steps, args.rate, args.repeats)
        ours, w_ours = time_case("STLLRDense", layer, args.steps, args.rate, args.repeats)
        diff = int(np.abs(w_stock - w_ours).max())
        moved = int(np.abs(w_ours - layer.weights).max())
        rows.append(Row("Lava STLLRDense", f"{n_pre}x{n_post} fixed, whole step", ours * 1e3,
                        stock * 1e3, "ms/step", "lower", "stock LearningDense + rule"))
        print_synapse_rows(n_pre, n_post, base, stock, ours,
                           f"max |W_stock - W_ours| = {diff} (max |W - W0| = {moved} "
                           "mantissa units)")
    print()
    print("synapse arithmetic alone (no runtime), ms/step:")
    print(f"{'shape (pre x post)':>18} | {'STLLRDense':>10} | {'engine replica':>14} | "
          f"{'speed-up':>8} | bit-exact")
    for n_pre, n_post in SHAPES:
        ours, replica, same = compute_only(layer_for(n_pre, n_post), args.steps, args.rate,
                                           args.repeats)
        print(f"{f'{n_pre} x {n_post}':>18} | {ours * 1e3:10.3f} | {replica * 1e3:14.3f} | "
              f"{replica / ours:7.1f}x | {same}")
    write_rows(args.rows, rows)


if __name__ == "__main__":
    main()
