"""Batched S-TLLR trainer: online eligibility traces, BP or DFA learning signal.

Memory is O(batch x neurons + weights), independent of the number of time steps.
"""

from __future__ import annotations

import numpy as np

from lava_stllr.core import (
    bp_signal,
    dfa_signal,
    feedback_matrix,
    output_error,
    stllr_grad,
    trace_step,
)
from lava_stllr.params import STLLRParams
from lava_stllr.reference.network import NetworkState, forward_step
from lava_stllr.reference.optim import make_optimizer
from lava_stllr.reference.trainer import ReferenceTrainer, batch_outcome
from lava_stllr.spec.network import NetworkSpec

SIGNALS = ("bp", "dfa")
UPDATES = ("batch", "step")


class STLLRTrainer(ReferenceTrainer):
    """Train a dense SNN with S-TLLR on mini-batches.

    At each step t of the learning window, the readout error ``e[t] = softmax(z[t]) -
    onehot`` (divided by the batch size) trains the readout with
    ``G_out += e[t]^T trx_out[t]`` (psi = 1, no non-causal term), and each hidden layer
    with ``G_l += stllr_grad(L_l[t], psi_l[t], trpsi_l[t-1], trx_l[t], x_l[t])`` where
    ``L_l`` is the BP signal ``W_{l+1}^T (psi_{l+1} L_{l+1})`` or the DFA signal
    ``B_l e[t]``. Weights move by ``optimizer(G)`` once per batch (``update="batch"``) or
    after every window step (``update="step"``).

    Parameters
    ----------
    spec : NetworkSpec
    params : STLLRParams
    signal : {"bp", "dfa"}
    optimizer : {"sgd", "adam"}
    update : {"batch", "step"}
    seed : int
        Seeds the initial weights, the DFA feedback matrices and the shuffling.
    dtype : {"float64", "float32"}
        Float type of the weights, state, traces, gradients and DFA feedback.
    """

    def __init__(
        self,
        spec: NetworkSpec,
        params: STLLRParams,
        signal: str = "bp",
        optimizer: str = "sgd",
        update: str = "batch",
        seed: int = 0,
        dtype: str | type | np.dtype = "float64",
        standardize: bool = False,
    ):
        super().__init__(spec, params, seed, dtype, standardize)
        if signal not in SIGNALS:
            raise ValueError(f"signal must be one of {SIGNALS}, got {signal!r}")
        if update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
        self.signal = signal
        self.update = update
        self.optimizer = make_optimizer(optimizer, params.lr)
        n_out = spec.sizes[-1]
        # Drawn in float64 and rounded, so both dtypes share the same feedback.
        self.feedback = [
            feedback_matrix(n, n_out, seed=seed + 1 + i).astype(self.dtype, copy=False)
            for i, n in enumerate(spec.sizes[1:-1])
        ]

    def learning_signals(self, error: np.ndarray, psis: list[np.ndarray]) -> list[np.ndarray]:
        """Learning signal of every hidden layer from the output error ``e[t]`` (B, n_out)."""
        if self.signal == "dfa":
            return [dfa_signal(b, error) for b in self.feedback]
        ff = self.weights.feedforward
        signals = [bp_signal(ff[-1], error)]
        for layer in range(len(psis) - 1, 0, -1):
            signals.append(bp_signal(ff[layer], signals[-1], psis[layer]))
        return signals[::-1]

    def train_batch(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """One pass over a batch ``x`` (B, T, n_in) with learning; returns (summed loss
        of the window-averaged readout, number correct)."""
        p, spec, dtype = self.params, self.spec, self.dtype
        x = self._inputs(x)
        batch, n_steps, _ = x.shape
        state = NetworkState(spec, batch, dtype)
        hidden = spec.sizes[1:-1]
        trx = [np.zeros((batch, n), dtype) for n in spec.sizes[:-1]]  # pre trace per matrix
        trs = [np.zeros((batch, n), dtype) for n in hidden] if spec.recurrent else []
        trpsi = [np.zeros((batch, n), dtype) for n in hidden]
        weights = self.weights.arrays()
        grads = [np.zeros_like(w) for w in weights]
        start = p.window_start(n_steps)
        scores = np.zeros((batch, spec.sizes[-1]), dtype)
        n_ff = len(self.weights.feedforward)

        for t in range(n_steps):
            records = forward_step(spec, p, self.weights, state, x[:, t])
            learn = t >= start
            for layer, rec in enumerate(records):
                trx[layer] = trace_step(trx[layer], rec.inputs, p.lam_pre)
                if spec.recurrent:
                    trs[layer] = trace_step(trs[layer], rec.recurrent_inputs, p.lam_pre)
            trx[-1] = trace_step(trx[-1], records[-1].spikes, p.lam_pre)
            trpsi_prev = trpsi
            trpsi = [trace_step(tr, rec.psi, p.lam_post) for tr, rec in zip(trpsi, records,
                                                                              strict=True)]
            if not learn:
                continue
            scores += state.z
            error = output_error(state.z, labels) / batch
            grads[n_ff - 1] += error.T @ trx[-1]
            for layer, (rec, sig) in enumerate(
                zip(records, self.learning_signals(error, [r.psi for r in records]),
                    strict=True)
            ):
                grads[layer] += stllr_grad(sig, rec.psi, trpsi_prev[layer], trx[layer],
                                           rec.inputs, p.alpha_pre, p.alpha_post)
                if spec.recurrent:
                    grads[n_ff + layer] += stllr_grad(
                        sig, rec.psi, trpsi_prev[layer], trs[layer], rec.recurrent_inputs,
                        p.alpha_pre, p.alpha_post)
            if self.update == "step":
                self._optimizer_step(grads)
                for g in grads:
                    g.fill(0.0)
        if self.update == "batch":
            self._optimizer_step(grads)
        scores /= n_steps - start
        return batch_outcome(scores, labels)
