"""BPTT baseline on the same network: surrogate-gradient backpropagation through time.

The loss is the cross-entropy of the readout averaged over the learning window (the
paper's baselines use the sum; the mean only rescales the logits by 1/window, which keeps
the softmax out of saturation). The surrogate derivative of a spike is the same ``psi`` S-TLLR uses;
the reset is treated as a constant in the backward pass (detached reset). The forward
pass keeps every step's activity, so memory grows linearly with the number of steps.
"""

from __future__ import annotations

import numpy as np

from lava_stllr.core import output_error
from lava_stllr.params import STLLRParams
from lava_stllr.reference.network import NetworkState, forward_step
from lava_stllr.reference.optim import make_optimizer
from lava_stllr.reference.trainer import ReferenceTrainer, batch_outcome
from lava_stllr.spec.network import NetworkSpec


class BPTTTrainer(ReferenceTrainer):
    """Exact gradient (up to the surrogate and the detached reset) of
    ``CE(mean_{t in window} z[t], label)`` by backpropagation through time.

    Parameters
    ----------
    spec : NetworkSpec
    params : STLLRParams
        Neuron parameters, psi (surrogate), learning rate and window; the trace and
        alpha parameters are unused.
    optimizer : {"sgd", "adam"}
    seed : int
    dtype : {"float64", "float32"}
        Float type of the weights, the state, the tape and the gradients.
    """

    def __init__(self, spec: NetworkSpec, params: STLLRParams, optimizer: str = "sgd",
                 seed: int = 0, dtype: str | type | np.dtype = "float64",
                 standardize: bool = False):
        super().__init__(spec, params, seed, dtype, standardize)
        self.optimizer = make_optimizer(optimizer, params.lr)

    def gradients(self, x: np.ndarray, labels: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
        """Gradients of the mean batch loss w.r.t. all weights, and the window-averaged readout."""
        p, spec, w, dtype = self.params, self.spec, self.weights, self.dtype
        x = self._inputs(x)
        batch, n_steps, _ = x.shape
        state = NetworkState(spec, batch, dtype)
        start = p.window_start(n_steps)
        tape = []  # every step's records: the O(T) memory of BPTT
        scores = np.zeros((batch, spec.sizes[-1]), dtype)
        for t in range(n_steps):
            tape.append(forward_step(spec, p, w, state, x[:, t]))
            if t >= start:
                scores += state.z
        n_window = n_steps - start
        scores /= n_window
        g_scores = output_error(scores, labels) / (batch * n_window)

        n_hidden = spec.n_hidden_layers
        grads_ff = [np.zeros_like(m) for m in w.feedforward]
        grads_rec = [np.zeros_like(m) for m in w.recurrent]
        g_z = np.zeros_like(scores)  # dLoss/dz[t] carried backwards through the leak
        g_v_next = [np.zeros((batch, n), dtype) for n in spec.sizes[1:-1]]  # dLoss/dv_l[t+1]
        for t in range(n_steps - 1, -1, -1):
            records = tape[t]
            g_z = spec.beta_out * g_z + (g_scores if t >= start else 0.0)
            grads_ff[-1] += g_z.T @ records[-1].spikes
            g_spikes = g_z @ w.feedforward[-1]
            for layer in range(n_hidden - 1, -1, -1):
                rec = records[layer]
                if w.recurrent:
                    g_spikes = g_spikes + g_v_next[layer] @ w.recurrent[layer]
                # u[t] = v[t] - theta*s[t] (s detached), v[t+1] = beta*u[t] + ...
                g_v = g_spikes * rec.psi + p.beta * g_v_next[layer]
                grads_ff[layer] += g_v.T @ rec.inputs
                if w.recurrent:
                    grads_rec[layer] += g_v.T @ rec.recurrent_inputs
                g_v_next[layer] = g_v
                g_spikes = g_v @ w.feedforward[layer]
        return [*grads_ff, *grads_rec], scores

    def train_batch(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """One BPTT update on a batch; returns (summed loss, number correct)."""
        grads, scores = self.gradients(x, labels)
        self._optimizer_step(grads)
        return batch_outcome(scores, labels)
