"""Steps/s of a conv network in Lava (frozen conv front-end, learning dense part) and its
agreement with the batched trainer.

A :class:`~lava_stllr.reference.conv_stllr.ConvSTLLRTrainer` is trained briefly on
synthetic moving bars; the network then runs in Lava's CPU simulator
(:func:`lava_stllr.lavanet.conv.conv_network`) in float and in fixed point: one warm-up
call starts the runtime, then an ``evaluate`` call (learning off) and a ``train`` call
(the dense part learning online, so its predictions drift from the trainer's) are
timed. Printed: Lava steps per second of each call, the float network's largest score
difference from the trainer's forward pass, and the fraction of predictions that agree
with the trainer.

Usage: ``python benchmarks/bench_lava_conv.py [--layers 8c5s2-p2-64] [--side 16]
[--samples 16]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import numpy as np

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.conv import conv_network
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", default="8c5s2-p2-64")
    parser.add_argument("--side", type=int, default=16)
    parser.add_argument("--steps", type=int, default=12, help="steps per sample")
    parser.add_argument("--samples", type=int, default=16, help="samples per timed call")
    args = parser.parse_args()

    cfg = SyntheticConfig(side=args.side, n_steps=args.steps, n_classes=3,
                          speed_range=(args.side / args.steps, args.side / 4))
    train = synthetic_dataset(96, seed=1, config=cfg)
    test = synthetic_dataset(args.samples, seed=2, config=cfg)
    spec = ConvNetSpec.parse(args.layers, (2, args.side, args.side), 3, init_gain=2.5)
    params = STLLRParams.preset("code_default", lr=0.05, beta=0.85, theta=0.5)
    trainer = ConvSTLLRTrainer(spec, params, signal="dfa", seed=1)
    trainer.fit(train, epochs=3, batch_size=16, progress=False)
    frames = np.stack([test[i][0] for i in range(len(test))])
    want = trainer.predict_scores(frames)
    window = args.steps - params.window_start(args.steps)
    print(f"network {spec.label}, {args.steps} steps/sample, {args.samples} samples; "
          f"trainer accuracy {float((want.argmax(1) == test.labels).mean()):.3f}")
    frozen = dataclasses.replace(params, lr=0.0)
    for precision in ("float", "fixed"):
        for mode, p in (("evaluate", frozen), ("train", params)):
            net = conv_network(spec, trainer.weights, args.steps, p, precision=precision,
                               timeout=300)
            try:
                t0 = time.perf_counter()
                net.evaluate(test, n_samples=1)  # starts the runtime
                start = time.perf_counter() - t0
                t0 = time.perf_counter()
                result = getattr(net, mode)(test, progress=False)
                elapsed = time.perf_counter() - t0
                period = net.layout.period
            finally:
                net.close()
            steps = (len(test) + 1) * period
            agree = float((result.predictions == want.argmax(1)).mean())
            line = (f"{precision:11s} {mode:8s}: {steps / elapsed:7.1f} steps/s ({steps} steps, "
                    f"{elapsed:.2f} s; start {start:.2f} s), predictions agree with the "
                    f"trainer {agree:.3f}")
            if precision == "float" and mode == "evaluate":
                line += f", max |score - trainer| {np.abs(result.scores / window - want).max():.2e}"
            print(line)


if __name__ == "__main__":
    main()
