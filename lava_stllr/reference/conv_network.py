"""One forward step of a conv spiking network (:class:`lava_stllr.spec.conv.ConvNetSpec`).

Conv and dense layers are LIF layers (:func:`lava_stllr.core.lif_step`, psi on the
pre-reset membrane, per output position for conv); pool layers pool the spikes of the
layer below; the readout is the leaky integrator of the flattened last output. No step
delay between layers, as in the dense :mod:`lava_stllr.reference.network`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lava_stllr.core import leaky_integrator_step, lif_step, psi
from lava_stllr.core.conv import conv_forward, im2col
from lava_stllr.core.pool import avg_pool, max_pool
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.layers import ConvLayer, PoolLayer, layer_psi
from lava_stllr.spec.network import Weights


@dataclass
class ConvLayerStep:
    """What one layer did at one step.

    ``inputs`` is the layer's input as it reads it ((B, C, H, W) for conv and pool layers,
    (B, n) flattened for dense ones), ``outputs`` what it passes on (spikes or pooled
    spikes). LIF layers fill ``v`` and ``psi`` (shape of ``outputs``), conv layers ``cols``
    (the patch matrix of ``inputs``), max pools ``argmax``.
    """

    inputs: np.ndarray
    outputs: np.ndarray
    v: np.ndarray | None = None
    psi: np.ndarray | None = None
    cols: np.ndarray | None = None
    argmax: np.ndarray | None = None


def weight_index(spec: ConvNetSpec) -> list[int | None]:
    """Per layer, the index of its weight array in ``Weights.feedforward`` (None for
    pools); the readout's is the last, ``len(weights.feedforward) - 1``."""
    index, n = [], 0
    for layer in spec.layers:
        if isinstance(layer, PoolLayer):
            index.append(None)
        else:
            index.append(n)
            n += 1
    return index


class ConvNetworkState:
    """Membranes (one per LIF layer, None for pools) and readout of a batch."""

    def __init__(self, spec: ConvNetSpec, batch: int, dtype: type = np.float64):
        self.u = [None if isinstance(layer, PoolLayer) else np.zeros((batch, *shape), dtype)
                  for layer, shape in zip(spec.layers, spec.shapes[1:], strict=True)]
        self.z = np.zeros((batch, spec.n_classes), dtype)


def frames(spec: ConvNetSpec, x: np.ndarray) -> np.ndarray:
    """Flattened input batch (B, T, C*H*W) as (B, T, C, H, W) (C-order, like the datasets
    flatten their frames)."""
    return x.reshape(x.shape[0], x.shape[1], *spec.input_shape)


def conv_forward_step(
    spec: ConvNetSpec,
    params: STLLRParams,
    weights: Weights,
    state: ConvNetworkState,
    x: np.ndarray,
) -> list[ConvLayerStep]:
    """Advance the network by one step on the input frame ``x`` (B, C, H, W), in place.

    Conv layer: ``I = conv(h, K)``; dense layer: ``I = W flatten(h)``; then
    :func:`lif_step` and psi (the layer's own, else ``params.psi``). Pool layer: ``h =
    pool(h)``. Readout: ``z[t] = beta_out*z[t-1] + W_out flatten(h)``. Returns one record
    per layer.
    """
    records = []
    h = x
    for layer, idx in zip(spec.layers, weight_index(spec), strict=True):
        if isinstance(layer, PoolLayer):
            if layer.kind == "max":
                pooled, argmax = max_pool(h, layer.kernel)
                records.append(ConvLayerStep(h, pooled, argmax=argmax))
            else:
                pooled = avg_pool(h, layer.kernel)
                records.append(ConvLayerStep(h, pooled))
            h = pooled
            continue
        w = weights.feedforward[idx]
        cols = None
        if isinstance(layer, ConvLayer):
            cols = im2col(h, layer.kernel, layer.stride, layer.padding)
            current = conv_forward(h, w, layer.stride, layer.padding, cols=cols)
        else:  # a DenseLayer reads the flattened map
            h = h.reshape(h.shape[0], -1)
            current = h @ w.T
        i = len(records)
        u, s, v = lif_step(state.u[i], current, params.beta, params.theta, params.reset)
        state.u[i] = u
        records.append(ConvLayerStep(h, s, v, psi(v, params.theta,
                                                 layer_psi(layer, params.psi)), cols))
        h = s
    flat = h.reshape(h.shape[0], -1)
    state.z = leaky_integrator_step(state.z, flat @ weights.feedforward[-1].T, spec.beta_out)
    return records


def conv_sample_activity(spec: ConvNetSpec, params: STLLRParams, weights: Weights,
                         x: np.ndarray) -> dict[str, object]:
    """Run one sample ``x`` ``(T, C*H*W)`` through :func:`conv_forward_step` and record it.

    Returns
    -------
    dict
        ``layers``: per layer, its outputs ``(T, *shape)`` (spikes; pooled spikes for pools);
        ``readout`` (T, n_classes); ``prediction``: argmax of the readout summed over the
        learning window.
    """
    x = np.asarray(x, dtype=np.float64)
    maps = frames(spec, x[None])[0]
    state = ConvNetworkState(spec, 1)
    outputs: list[list[np.ndarray]] = [[] for _ in spec.layers]
    readout = []
    for t in range(x.shape[0]):
        records = conv_forward_step(spec, params, weights, state, maps[None, t])
        for layer, rec in enumerate(records):
            outputs[layer].append(rec.outputs[0])
        readout.append(state.z[0].copy())
    z = np.array(readout)
    start = params.window_start(x.shape[0])
    return {"layers": [np.array(o) for o in outputs], "readout": z,
            "prediction": int(z[start:].sum(axis=0).argmax())}
