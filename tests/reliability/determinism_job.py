"""Seeded training runs of every engine, reduced to SHA-256 digests of their bits.

``python determinism_job.py`` prints ``{"engine": {"weights": sha, "spikes": sha,
"scores": sha, ...}}`` as JSON; ``test_determinism.py`` runs it in two Python processes with
different hash seeds and also imports it to run the engines twice in one process.
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.params import STLLRParams

CONFIG = SyntheticConfig(side=4, n_steps=12, n_classes=3, speed_range=(0.5, 1.0),
                         bar_length_range=(2, 4))
SIZES = (32, 10, 3)
PARAMS = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)
TRAIN_IDX, EVAL_IDX = [0, 1, 2, 3, 4, 5], [6, 7]


def digest(arrays) -> str:
    """SHA-256 of the shapes, dtypes and bytes of ``arrays`` (in order)."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.shape}{a.dtype}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def dataset():
    """Eight synthetic samples, 12 steps of 32 inputs, 3 classes."""
    return synthetic_dataset(8, seed=3, config=CONFIG)


def reference_runs() -> dict[str, dict[str, str]]:
    """STLLRTrainer (DFA, per-step SGD and BP, Adam) and BPTTTrainer, one epoch each."""
    from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer

    data = dataset()
    spec = NetworkSpec(SIZES)
    x = np.stack([data[i][0] for i in range(len(data))]).astype(np.float64)
    out = {}
    for name, make in [
        ("stllr_dfa_step", lambda: STLLRTrainer(spec, PARAMS, signal="dfa", update="step",
                                                seed=4)),
        ("stllr_bp_adam", lambda: STLLRTrainer(spec, PARAMS, optimizer="adam", seed=4)),
        ("bptt", lambda: BPTTTrainer(spec, PARAMS, seed=4)),
    ]:
        trainer = make()
        history = trainer.fit(data, epochs=2, batch_size=3, progress=False)
        out[name] = {"weights": digest(trainer.weights.arrays()),
                     "scores": digest([trainer.predict_scores(x),
                                       np.array(history.train_loss)])}
    return out


def onchip_run(seed: int = 5) -> dict[str, str]:
    """The on-chip reference: train, evaluate; weights, hidden spikes, scores."""
    from lava_stllr.onchip import OnChipLayout, OnChipReference

    data = dataset()
    ref = OnChipReference(OnChipLayout(SIZES, CONFIG.n_steps, params=PARAMS, seed=seed),
                          record=True)
    results = [ref.train(data, indices=TRAIN_IDX), ref.evaluate(data, indices=EVAL_IDX)]
    return {"weights": digest(ref.weights()),
            "spikes": digest([np.array(s) for s in ref.spikes]),
            "scores": digest([r.scores for r in results])}


def lava_run() -> dict[str, str]:
    """STLLRNetwork (float models): the same calls, spikes read by a Lava Monitor."""
    from lava.proc.monitor.process import Monitor

    from lava_stllr.lavanet.network import STLLRNetwork

    data = dataset()
    net = STLLRNetwork(SIZES, n_steps=CONFIG.n_steps, params=PARAMS, seed=5, timeout=120)
    total = (len(TRAIN_IDX) + len(EVAL_IDX) + 2) * net.layout.period
    monitor = Monitor()
    monitor.probe(net.hidden[0].s_out, total)
    try:
        results = [net.train(data, indices=TRAIN_IDX, progress=False),
                   net.evaluate(data, indices=EVAL_IDX)]
        weights = net.weights()
        spikes = monitor.get_data()[net.hidden[0].name]["s_out"]
    finally:
        net.close()
    initial = net.layout.initial_weights()
    return {"weights": digest(weights), "spikes": digest([spikes]),
            "scores": digest([r.scores for r in results]),
            "n_spikes": int(np.asarray(spikes).sum()),
            "max_dw": float(max(np.abs(w - w0).max()
                                for w, w0 in zip(weights, initial, strict=True)))}


def all_runs() -> dict[str, dict[str, str]]:
    """Digests of every engine."""
    return {**reference_runs(), "onchip": onchip_run(), "lava": lava_run()}


if __name__ == "__main__":
    json.dump(all_runs(), sys.stdout)
