"""Batched S-TLLR trainer of conv networks: online eligibility traces, BP or DFA signal.

Memory is O(batch x neurons + weights): the traces of every layer's input and output,
nothing per time step.
"""

from __future__ import annotations

import numpy as np

from lava_stllr.core import output_error, stllr_grad, trace_step
from lava_stllr.core.conv import conv_stllr_grad_cols, im2col
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_network import (
    ConvLayerStep,
    ConvNetworkState,
    conv_forward_step,
    frames,
    weight_index,
)
from lava_stllr.reference.conv_signals import bp_signals, dfa_feedback, dfa_signals
from lava_stllr.reference.conv_trainer import ConvReferenceTrainer
from lava_stllr.reference.optim import make_optimizer
from lava_stllr.reference.stllr import SIGNALS, UPDATES
from lava_stllr.reference.trainer import batch_outcome
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.layers import ConvLayer, PoolLayer


class ConvSTLLRTrainer(ConvReferenceTrainer):
    """Train a conv SNN with S-TLLR on mini-batches.

    At each step t of the learning window, ``e[t] = (softmax(z[t]) - onehot) / B`` trains
    the readout with ``G_out += e[t]^T trx_out[t]`` and every LIF layer with its S-TLLR
    update: :func:`lava_stllr.core.conv.conv_stllr_grad` for conv kernels (summed over
    positions), :func:`lava_stllr.core.stllr_grad` for dense matrices, where ``trx`` is the
    pre trace (``lam_pre``) of the layer's input map and ``trpsi`` the post trace
    (``lam_post``) of its psi per output neuron. The learning signal is BP
    (:func:`lava_stllr.reference.conv_signals.bp_signals`) or DFA. Weights move by
    ``optimizer(G)`` once per batch (``update="batch"``) or after every window step.

    Parameters
    ----------
    spec : ConvNetSpec
    params : STLLRParams
    signal : {"bp", "dfa"}
    optimizer : {"sgd", "adam"}
    update : {"batch", "step"}
    seed : int
        Seeds the initial weights and the DFA feedback.
    dtype : {"float64", "float32"}
        Float type of the weights, state, traces, gradients and DFA feedback.
    """

    def __init__(self, spec: ConvNetSpec, params: STLLRParams, signal: str = "bp",
                 optimizer: str = "sgd", update: str = "batch", seed: int = 0,
                 dtype: str | type | np.dtype = "float64", standardize: bool = False):
        super().__init__(spec, params, seed, dtype, standardize)
        if signal not in SIGNALS:
            raise ValueError(f"signal must be one of {SIGNALS}, got {signal!r}")
        if update not in UPDATES:
            raise ValueError(f"update must be one of {UPDATES}, got {update!r}")
        self.signal = signal
        self.update = update
        self.optimizer = make_optimizer(optimizer, params.lr)
        # Drawn in float64 and rounded, so both dtypes share the same feedback.
        self.feedback = [None if b is None else b.astype(self.dtype, copy=False)
                         for b in dfa_feedback(spec, seed)] if signal == "dfa" else []

    def learning_signals(self, records: list[ConvLayerStep],
                         error: np.ndarray) -> list[np.ndarray | None]:
        """Signal at every LIF layer's output (None for pools) from ``e[t]``."""
        if self.signal == "dfa":
            return dfa_signals(self.spec, self.feedback, error)
        return bp_signals(self.spec, self.weights, records, error)

    def train_batch(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """One pass over a batch ``x`` (B, T, C*H*W) with learning; returns (summed loss of
        the window-averaged readout, number correct)."""
        p, spec, dtype = self.params, self.spec, self.dtype
        maps = frames(spec, self._inputs(x))
        batch, n_steps = maps.shape[:2]
        state = ConvNetworkState(spec, batch, dtype)
        shapes = spec.shapes
        lif = [i for i, layer in enumerate(spec.layers) if not isinstance(layer, PoolLayer)]
        index = weight_index(spec)
        # Pre trace of each LIF layer's input (dense layers: flattened), post trace of its psi.
        trx = {i: np.zeros((batch, *shapes[i]), dtype) for i in lif}
        trpsi = {i: np.zeros((batch, *shapes[i + 1]), dtype) for i in lif}
        trx_out = np.zeros((batch, int(np.prod(shapes[-1]))), dtype)
        weights = self.weights.arrays()
        grads = [np.zeros_like(w) for w in weights]
        start = p.window_start(n_steps)
        scores = np.zeros((batch, spec.n_classes), dtype)

        for t in range(n_steps):
            records = conv_forward_step(spec, p, self.weights, state, maps[:, t])
            for i in lif:
                trx[i] = trace_step(trx[i], records[i].inputs.reshape(trx[i].shape), p.lam_pre)
            trx_out = trace_step(trx_out, records[-1].outputs.reshape(batch, -1), p.lam_pre)
            trpsi_prev = trpsi
            trpsi = {i: trace_step(trpsi[i], records[i].psi, p.lam_post) for i in lif}
            if t < start:
                continue
            scores += state.z
            error = output_error(state.z, labels) / batch
            grads[-1] += error.T @ trx_out
            signals = self.learning_signals(records, error)
            for i in lif:
                layer, rec, sig = spec.layers[i], records[i], signals[i]
                if isinstance(layer, ConvLayer):
                    trx_cols = im2col(trx[i], layer.kernel, layer.stride, layer.padding)
                    grads[index[i]] += conv_stllr_grad_cols(
                        sig, rec.psi, trpsi_prev[i], trx_cols, rec.cols, p.alpha_pre,
                        p.alpha_post).reshape(grads[index[i]].shape)
                else:
                    grads[index[i]] += stllr_grad(sig, rec.psi, trpsi_prev[i],
                                                  trx[i].reshape(batch, -1), rec.inputs,
                                                  p.alpha_pre, p.alpha_post)
            if self.update == "step":
                self._optimizer_step(grads)
                for g in grads:
                    g.fill(0.0)
        if self.update == "batch":
            self._optimizer_step(grads)
        scores /= n_steps - start
        return batch_outcome(scores, labels)
