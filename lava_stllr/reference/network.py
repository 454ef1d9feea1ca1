"""One forward step of the dense spiking network of the reference trainers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_stllr.core import leaky_integrator_step, lif_step, psi
from lava_stllr.params import STLLRParams
from lava_stllr.spec.network import NetworkSpec, Weights


@dataclass
class LayerStep:
    """What one hidden layer did at one step (all (B, n) or (B, n_in))."""

    inputs: np.ndarray
    recurrent_inputs: np.ndarray | None
    v: np.ndarray
    spikes: np.ndarray
    psi: np.ndarray


class NetworkState:
    """Membranes, previous spikes and readout of a batch: O(batch x neurons) memory."""

    def __init__(self, spec: NetworkSpec, batch: int, dtype: type = np.float64):
        hidden = spec.sizes[1:-1]
        self.u = [np.zeros((batch, n), dtype) for n in hidden]
        self.spikes = [np.zeros((batch, n), dtype) for n in hidden]
        self.z = np.zeros((batch, spec.sizes[-1]), dtype)


def forward_step(
    spec: NetworkSpec,
    params: STLLRParams,
    weights: Weights,
    state: NetworkState,
    x: np.ndarray,
) -> list[LayerStep]:
    """Advance the network by one step on input spikes ``x`` (B, n_inputs), in place.

    Hidden layer l: ``I = W_l h_{l-1}[t] (+ V_l h_l[t-1])``, then :func:`lif_step` and
    ``psi`` on the pre-reset membrane. Readout: ``z[t] = beta_out*z[t-1] + W_out h_k[t]``.
    No step delay between layers (the pipelined timing of a hardware network is in
    :mod:`lava_stllr.onchip.pipeline`).
    """
    records = []
    h = x
    for layer, w in enumerate(weights.feedforward[:-1]):
        current = h @ w.T
        rec_in = None
        if weights.recurrent:
            rec_in = state.spikes[layer]
            current += rec_in @ weights.recurrent[layer].T
        u, s, v = lif_step(state.u[layer], current, params.beta, params.theta, params.reset)
        state.u[layer], state.spikes[layer] = u, s
        records.append(LayerStep(h, rec_in, v, s, psi(v, params.theta, params.psi)))
        h = s
    state.z = leaky_integrator_step(state.z, h @ weights.feedforward[-1].T, spec.beta_out)
    return records
