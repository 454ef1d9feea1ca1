"""Synapse cost per step against input activity: event-driven vs dense, float and fixed.

One S-TLLR synapse of the on-chip network (the program both the Lava ``STLLRDense``
models and the NumPy on-chip reference run): the dendritic current ``W x`` and the
learning step, over a sample of ``--steps`` steps of random input spikes at each
activity level (the fraction of inputs that spike per step), with the post factors
``y2``/``y3`` nonzero on ``--post-active`` of the neurons (the triangle psi is zero away
from threshold). The float rows compare the event-driven program
(:func:`lava_stllr.core.engine.synaptic_current`, :func:`stllr_dense_step`) with the
dense formulation it replaced (``W @ x`` and one two-row product over all synapses),
measured in the same process on the same inputs; the fixed rows time the Loihi 2
bit-approximate program (:class:`lava_stllr.onchip.programs_fixed.FixedSynapse`).

Run: ``python benchmarks/bench_event_synapse.py [--shape 2312 256] [--steps 25]
[--repeats 3]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
from perf_rows import Row, add_rows_option, write_rows

from lava_stllr.core.engine import Y_DECAY, stllr_dense_step, synaptic_current
from lava_stllr.core.messages import ThirdFactors
from lava_stllr.core.traces import trace_step
from lava_stllr.onchip import OnChipLayout
from lava_stllr.onchip.program import network_program
from lava_stllr.params import STLLRParams

ACTIVITIES = (0.01, 0.05, 0.20, 1.00)


def dense_step(weights: np.ndarray, trace: np.ndarray, x: np.ndarray, y2: np.ndarray,
               y3: np.ndarray, lam_pre: float) -> tuple[np.ndarray, np.ndarray]:
    """The dense baseline: ``W @ x`` and ``W += Y_DECAY [y2 y3] @ [x1; x]`` over every
    synapse (what a synapse costs when it ignores which inputs spiked)."""
    current = weights.dot(x)
    new_trace = trace_step(trace, x, lam_pre)
    weights += np.stack([Y_DECAY * y2, Y_DECAY * y3], axis=1) @ np.stack([new_trace, x])
    return current, new_trace


def run_dense(w0: np.ndarray, spikes: np.ndarray, y2: np.ndarray, y3: np.ndarray,
              lam_pre: float) -> None:
    """One sample through the dense baseline."""
    w, trace = w0.copy(), np.zeros(w0.shape[1])
    for t in range(len(spikes)):
        _, trace = dense_step(w, trace, spikes[t], y2[t], y3[t], lam_pre)


def run_event(w0: np.ndarray, spikes: np.ndarray, y2: np.ndarray, y3: np.ndarray,
              lam_pre: float) -> None:
    """One sample through the event-driven float program."""
    w, trace = w0.copy(), np.zeros(w0.shape[1])
    for t in range(len(spikes)):
        synaptic_current(w, spikes[t], graded=False)
        trace = stllr_dense_step(w, trace, spikes[t], y2[t], y3[t], lam_pre,
                                 new_sample=False)


def run_fixed(synapse: Any, w0: np.ndarray, spikes: np.ndarray, y_int: np.ndarray,
              post: np.ndarray) -> None:
    """One sample through the fixed-point synapse program."""
    w, trace = synapse.load_weights(w0), synapse.zero_trace(w0.shape[1])
    stream = synapse.random_stream(1)
    zeros = np.zeros(w0.shape[0], dtype=np.int64)
    for t in range(len(spikes)):
        s = synapse.presynaptic(spikes[t])
        synapse.current(w, s)
        factors = ThirdFactors(zeros, y_int[t], -y_int[t], post[t])
        trace = synapse.learn(w, trace, s, factors, t == 0, stream.next())


def best_of(run: Callable[[], None], repeats: int) -> float:
    """Best wall time of ``run()`` in seconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shape", type=int, nargs=2, default=[2312, 256],
                        metavar=("PRE", "POST"))
    parser.add_argument("--steps", type=int, default=25, help="steps of one sample")
    parser.add_argument("--post-active", type=float, default=0.25,
                        help="fraction of post neurons with nonzero y2/y3")
    parser.add_argument("--repeats", type=int, default=3)
    add_rows_option(parser)
    args = parser.parse_args()
    n_pre, n_post = args.shape
    rng = np.random.default_rng(0)
    params = STLLRParams.preset("code_default", psi="triangle", lr=3e-4)
    layout = OnChipLayout((n_pre, n_post, 10), args.steps, params, seed=0)
    w0 = layout.initial_weights()[0]
    fixed = network_program(layout, "fixed")
    fixed_syn, fixed_w0 = fixed.synapses[0], fixed.weights[0]
    post = rng.random((args.steps, n_post)) < args.post_active
    y2 = np.where(post, rng.normal(0, 1e-3, post.shape), 0.0)
    y3 = np.where(post, rng.normal(0, 1e-3, post.shape), 0.0)
    y_int = np.where(post, rng.integers(-60, 60, post.shape), 0)

    print(f"command: python benchmarks/bench_event_synapse.py --shape {n_pre} {n_post} "
          f"--steps {args.steps} --post-active {args.post_active} --repeats "
          f"{args.repeats}")
    print(f"one synapse {n_pre} x {n_post}, current + learning step, mean over a "
          f"{args.steps}-step sample, best of {args.repeats}")
    print(f"{'activity':>8} | {'float dense ms':>14} | {'float event ms':>14} | "
          f"{'speed-up':>8} | {'fixed ms':>8} | {'same current':>12}")
    rows = []
    for activity in ACTIVITIES:
        spikes = (rng.random((args.steps, n_pre)) < activity).astype(float)

        same = np.allclose(synaptic_current(w0, spikes[0], graded=False),
                           w0.dot(spikes[0]), rtol=0, atol=1e-12)
        lam = params.lam_pre
        dense = best_of(partial(run_dense, w0, spikes, y2, y3, lam), args.repeats)
        event = best_of(partial(run_event, w0, spikes, y2, y3, lam), args.repeats)
        fixed_s = best_of(partial(run_fixed, fixed_syn, fixed_w0, spikes, y_int, post),
                          args.repeats)
        dense, event, fixed_s = (v / args.steps for v in (dense, event, fixed_s))
        print(f"{activity:>8.0%} | {dense * 1e3:>14.3f} | {event * 1e3:>14.3f} | "
              f"{dense / event:>7.1f}x | {fixed_s * 1e3:>8.3f} | {str(same):>12}")
        rows.append(Row("event-driven synapse", f"{n_pre}x{n_post} float, {activity:.0%} "
                        "input activity", event * 1e3, dense * 1e3, "ms/step", "lower",
                        "dense formulation"))
    write_rows(args.rows, rows)


if __name__ == "__main__":
    main()
