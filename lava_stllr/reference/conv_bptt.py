"""BPTT baseline of the conv networks: surrogate-gradient backpropagation through time.

Same loss and conventions as :mod:`lava_stllr.reference.bptt`: the cross-entropy of the
readout averaged over the learning window, ``psi`` as the surrogate derivative of a spike,
the reset detached (a constant in the backward pass). The forward pass keeps every step's
activity (the tape), so memory grows linearly with the number of steps.
"""

from __future__ import annotations

import numpy as np

from lava_stllr.core import output_error
from lava_stllr.core.conv import conv_weight_grad, im2col
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_network import (
    ConvNetworkState,
    conv_forward_step,
    frames,
    weight_index,
)
from lava_stllr.reference.conv_signals import first_lif_layer, route_back
from lava_stllr.reference.conv_trainer import ConvReferenceTrainer
from lava_stllr.reference.optim import make_optimizer
from lava_stllr.reference.trainer import batch_outcome
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.layers import ConvLayer, PoolLayer


class ConvBPTTTrainer(ConvReferenceTrainer):
    """Gradient (up to the surrogate and the detached reset) of
    ``CE(mean_{t in window} z[t], label)`` by backpropagation through time.

    Per LIF layer, backwards in time: ``g_v[t] = g_s[t]*psi[t] + beta*g_v[t+1]``, where
    ``g_s[t]`` comes from the layer above at the same step (through its weights'
    transpose, or routed back through a pool). The amount the reset removes
    (``theta*s`` soft, ``v*s`` hard) is the detached constant, so ``du/dv = 1`` in both
    modes, exactly as the dense :class:`lava_stllr.reference.BPTTTrainer` does.

    Parameters
    ----------
    spec : ConvNetSpec
    params : STLLRParams
        Neuron parameters, psi (surrogate), learning rate and window; the trace and
        alpha parameters are unused.
    optimizer : {"sgd", "adam"}
    seed : int
    dtype : {"float64", "float32"}
        Float type of the weights, the state, the tape and the gradients.
    """

    def __init__(self, spec: ConvNetSpec, params: STLLRParams, optimizer: str = "sgd",
                 seed: int = 0, dtype: str | type | np.dtype = "float64",
                 standardize: bool = False):
        super().__init__(spec, params, seed, dtype, standardize)
        self.optimizer = make_optimizer(optimizer, params.lr)

    def gradients(self, x: np.ndarray, labels: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Gradients of the mean batch loss w.r.t. all weights, and the window-averaged
        readout (B, n_classes)."""
        p, spec, w, dtype = self.params, self.spec, self.weights.feedforward, self.dtype
        maps = frames(spec, self._inputs(x))
        batch, n_steps = maps.shape[:2]
        state = ConvNetworkState(spec, batch, dtype)
        start = p.window_start(n_steps)
        tape = []  # every step's records: the O(T) memory of BPTT
        scores = np.zeros((batch, spec.n_classes), dtype)
        for t in range(n_steps):
            records = conv_forward_step(spec, p, self.weights, state, maps[:, t])
            for rec in records:
                rec.cols = None  # rebuilt from the inputs in the backward pass: k^2 smaller
            tape.append(records)
            if t >= start:
                scores += state.z
        n_window = n_steps - start
        scores /= n_window
        g_scores = output_error(scores, labels) / (batch * n_window)

        shapes, index = spec.shapes, weight_index(spec)
        stop = first_lif_layer(spec)
        grads = [np.zeros_like(m) for m in w]
        g_z = np.zeros_like(scores)  # dLoss/dz[t], carried backwards through the leak
        g_v_next = [None if isinstance(layer, PoolLayer) else np.zeros((batch, *shape), dtype)
                    for layer, shape in zip(spec.layers, shapes[1:], strict=True)]
        for t in range(n_steps - 1, -1, -1):
            records = tape[t]
            g_z = spec.beta_out * g_z + (g_scores if t >= start else 0.0)
            grads[-1] += g_z.T @ records[-1].outputs.reshape(batch, -1)
            g = (g_z @ w[-1]).reshape(batch, *shapes[-1])  # dLoss/d(last output)[t]
            for i in range(len(spec.layers) - 1, stop - 1, -1):
                layer, rec = spec.layers[i], records[i]
                if isinstance(layer, PoolLayer):
                    g = route_back(layer, None, rec, g, shapes[i])
                    continue
                # v[t+1] = beta*u[t] + I[t+1], u[t] = v[t] - (detached reset amount).
                g_v = g * rec.psi + p.beta * g_v_next[i]
                g_v_next[i] = g_v
                k = index[i]
                if isinstance(layer, ConvLayer):
                    cols = im2col(rec.inputs, layer.kernel, layer.stride, layer.padding)
                    grads[k] += conv_weight_grad(g_v, cols).reshape(grads[k].shape)
                else:
                    grads[k] += g_v.T @ rec.inputs
                if i > stop:
                    g = route_back(layer, w[k], rec, g_v, shapes[i])
        return grads, scores

    def train_batch(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """One BPTT update on a batch; returns (summed loss, number correct)."""
        grads, scores = self.gradients(x, labels)
        self._optimizer_step(grads)
        return batch_outcome(scores, labels)
