"""Steps per second of a whole S-TLLR training network in Lava's CPU simulator.

Network 2312-256-10 (N-MNIST size: 34x34x2 inputs), DFA, training online on random
spike samples (25 steps + gap, input rate 5 %). To show where the time goes, the same
number of steps is timed for:

1. ``STLLRNetwork``: the full training network (8 Processes: source, labels, 2
   STLLRDense, STLLRLIF, readout, error, DFA Dense), samples streamed from the host;
2. the same network, sizes 4-4-10: same Processes and channels, almost no arithmetic
   (runtime and per-Process overhead);
3. a plain inference chain of Lava's stock Processes of the full sizes
   (RingBuffer -> Dense -> LIF -> Dense -> LIF: 5 Processes, no learning);
4. the on-chip reference (NumPy, one process, no runtime) on the same samples: the
   arithmetic alone.

Also reports the one-time costs: compile + start, and reading the weights back (the
pipe snapshot that ``STLLRNetwork.weights`` returns, and Lava's ``Var.get``).

With ``--nmnist ROOT`` it instead trains online in Lava on real N-MNIST (the first
``--n-train`` samples of ``ROOT/Train``, then evaluates on the next ``--n-val``; full
34x34x2 resolution, first 300 ms in 25 bins) and runs the on-chip reference on the same
data in the same order: accuracies must be identical.

Usage: ``python benchmarks/bench_lava_network.py [--samples N]`` or
``python benchmarks/bench_lava_network.py --nmnist ../shared/data/NMNIST``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIF

from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip import OnChipReference
from lava_stllr.params import STLLRParams

SIZES = (2312, 256, 10)
N_STEPS = 25
PARAMS = STLLRParams.preset("code_default", lr=1e-3)


def random_dataset(n: int, n_inputs: int, rate: float, seed: int = 0) -> ArrayDataset:
    """``n`` random spike samples of ``N_STEPS`` steps."""
    rng = np.random.default_rng(seed)
    spikes = (rng.random((n, N_STEPS, n_inputs)) < rate).astype(np.float32)
    return ArrayDataset(spikes, rng.integers(0, SIZES[-1], n), SIZES[-1])


def time_network(sizes: tuple[int, ...], data: ArrayDataset) -> dict[str, float]:
    """Timings of an STLLRNetwork training on ``data`` (after a 1-sample warm-up)."""
    out: dict[str, float] = {}
    start = time.perf_counter()
    net = STLLRNetwork(sizes, n_steps=N_STEPS, params=PARAMS)
    try:
        net.train(data, 1, progress=False)  # compiles and starts the runtime
        out["startup_s"] = time.perf_counter() - start
        start = time.perf_counter()
        result = net.train(data, progress=False)
        steps = (len(data) + 1) * net.layout.period
        out["s_per_step"] = (time.perf_counter() - start) / steps
        out["steps"] = steps
        out["accuracy"] = result.accuracy
        start = time.perf_counter()
        net.weights()  # the snapshot piped at the end of the call
        out["weights_pipe_s"] = time.perf_counter() - start
        start = time.perf_counter()
        for dense in net.dense:
            dense.weights.get()  # Lava's Var.get: one message per element
        out["weights_get_s"] = time.perf_counter() - start
    finally:
        net.close()
    return out


def time_plain_chain(n_steps: int, rate: float) -> float:
    """Seconds per step of RingBuffer -> Dense -> LIF -> Dense -> LIF (stock Lava)."""
    rng = np.random.default_rng(0)
    src = RingBuffer(data=(rng.random((SIZES[0], 50)) < rate).astype(float))
    layers = []
    pre = src.s_out
    for n_in, n_out in zip(SIZES[:-1], SIZES[1:], strict=True):
        dense = Dense(weights=rng.normal(0, 2 / np.sqrt(n_in), (n_out, n_in)))
        lif = LIF(shape=(n_out,), du=1.0, dv=0.1, vth=0.6)
        pre.connect(dense.s_in)
        dense.a_out.connect(lif.a_in)
        pre = lif.s_out
        layers.append((dense, lif))
    try:
        src.run(condition=RunSteps(num_steps=10), run_cfg=Loihi2SimCfg(select_tag="floating_pt"))
        start = time.perf_counter()
        src.run(condition=RunSteps(num_steps=n_steps))
        return (time.perf_counter() - start) / n_steps
    finally:
        src.stop()


def time_reference(data: ArrayDataset) -> float:
    """Seconds per step of the on-chip reference (NumPy only) on ``data``."""
    from lava_stllr.onchip import OnChipLayout

    ref = OnChipReference(OnChipLayout(SIZES, N_STEPS, PARAMS))
    ref.train(data, 1)
    start = time.perf_counter()
    ref.train(data)
    return (time.perf_counter() - start) / ((len(data) + 1) * ref.layout.period)


def nmnist_lava_vs_reference(root: str, n_train: int, n_val: int, lr: float,
                             cache_dir: str | None) -> None:
    """Train in Lava and in the on-chip reference on N-MNIST; print both results."""
    from lava_stllr.data.binning import BinningConfig
    from lava_stllr.data.nmnist import load_nmnist_subset
    from lava_stllr.onchip import OnChipLayout

    config = BinningConfig(sensor_size=(34, 34, 2), n_time_bins=N_STEPS, t_start_us=0,
                           t_end_us=300_000, downsample=1)
    train, val = load_nmnist_subset(root, n_train, n_val, config=config, cache_dir=cache_dir)
    params = PARAMS.replace(lr=lr)
    sizes = (train.n_inputs, SIZES[1], train.n_classes)
    print(f"N-MNIST {sizes[0]} inputs x {train.n_steps} steps; {len(train)} train, "
          f"{len(val)} val; network {'-'.join(map(str, sizes))}, DFA, lr {lr}")

    start = time.perf_counter()
    net = STLLRNetwork(sizes, n_steps=train.n_steps, params=params, seed=0)
    try:
        lava_train = net.train(train, progress=True)
        lava_val = net.evaluate(val, progress=True)
        lava_w = net.weights()
    finally:
        net.close()
    lava_s = time.perf_counter() - start
    steps = (len(train) + len(val) + 2) * net.layout.period

    start = time.perf_counter()
    ref = OnChipReference(OnChipLayout(sizes, train.n_steps, params, seed=0))
    ref_train, ref_val = ref.train(train), ref.evaluate(val)
    ref_s = time.perf_counter() - start

    print(f"{'':>20} | {'train acc':>9} | {'val acc':>7} | {'time s':>7} | {'steps/s':>7}")
    for name, tr, va, sec in [("Lava STLLRNetwork", lava_train, lava_val, lava_s),
                              ("on-chip reference", ref_train, ref_val, ref_s)]:
        print(f"{name:>20} | {tr.accuracy:9.3f} | {va.accuracy:7.3f} | {sec:7.1f} | "
              f"{steps / sec:7.1f}")
    same = [np.array_equal(a.predictions, b.predictions)
            for a, b in [(lava_train, ref_train), (lava_val, ref_val)]]
    diff = max(float(np.abs(a - b).max()) for a, b in zip(lava_w, ref.weights(), strict=True))
    print(f"identical predictions (train, val): {same}; max |W_lava - W_ref| = {diff:.1e}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--rate", type=float, default=0.05)
    parser.add_argument("--nmnist", metavar="ROOT", help="N-MNIST root holding Train/")
    parser.add_argument("--n-train", type=int, default=800)
    parser.add_argument("--n-val", type=int, default=200)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--cache-dir", default=None, help="cache of binned N-MNIST samples")
    args = parser.parse_args()
    if args.nmnist:
        nmnist_lava_vs_reference(args.nmnist, args.n_train, args.n_val, args.lr,
                                 args.cache_dir)
        return
    data = random_dataset(args.samples, SIZES[0], args.rate)
    tiny = ArrayDataset(data.spikes[:, :, :4], data.labels, SIZES[-1])

    full = time_network(SIZES, data)
    bare = time_network((4, 4, SIZES[-1]), tiny)
    chain = time_plain_chain(int(full["steps"]), args.rate)
    ref = time_reference(data)

    print(f"{args.samples} samples x {N_STEPS} steps (+ gap, + 1 flush sample) = "
          f"{int(full['steps'])} steps, input rate {args.rate}")
    rows = [
        ("STLLRNetwork 2312-256-10 (train, DFA)", full["s_per_step"]),
        ("same Processes, sizes 4-4-10", bare["s_per_step"]),
        ("stock Dense+LIF chain 2312-256-10", chain),
        ("on-chip reference (NumPy, no runtime)", ref),
    ]
    print(f"{'configuration':>40} | {'ms/step':>8} | {'steps/s':>8}")
    for name, sec in rows:
        print(f"{name:>40} | {sec * 1e3:8.3f} | {1 / sec:8.1f}")
    overhead = bare["s_per_step"]
    print()
    print(f"where a training step goes: runtime + per-Process overhead ~{overhead * 1e3:.2f} ms "
          f"({overhead / full['s_per_step']:.0%}), arithmetic ~{ref * 1e3:.2f} ms "
          f"({ref / full['s_per_step']:.0%}), rest (channel copies of large vectors, "
          f"process scheduling on the cores) ~"
          f"{(full['s_per_step'] - overhead - ref) * 1e3:.2f} ms")
    print(f"one-time: compile + start {full['startup_s']:.1f} s; reading the weights "
          f"({SIZES[0]}x{SIZES[1]} + {SIZES[1]}x{SIZES[2]}): Var.get "
          f"{full['weights_get_s']:.1f} s, STLLRNetwork.weights() (piped snapshot) "
          f"{full['weights_pipe_s'] * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
