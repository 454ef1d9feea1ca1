"""Learning signals of the conv trainers: spatial back-propagation within a step (BP) and
fixed random feedback of the output error (DFA), one signal per LIF layer."""

from __future__ import annotations

import math

import numpy as np

from lava_stllr.core import bp_signal, dfa_signal, feedback_matrix
from lava_stllr.core.conv import conv_backward_input
from lava_stllr.core.pool import avg_pool_backward, max_pool_backward
from lava_stllr.reference.conv_network import ConvLayerStep, weight_index
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.layers import ConvLayer, Layer, PoolLayer
from lava_stllr.spec.network import Weights


def route_back(layer: Layer, w: np.ndarray | None, record: ConvLayerStep, delta: np.ndarray,
               input_shape: tuple[int, ...]) -> np.ndarray:
    """Carry ``delta`` (at the layer's output) back to the layer's input, ``(B, *input_shape)``.

    LIF layers apply the transpose of their weights to ``delta`` (the caller has already
    multiplied by psi); pool layers route it to the positions they read (the first
    maximum, or every position with 1/k^2).
    """
    batch = delta.shape[0]
    full_shape = (batch, *input_shape)
    if isinstance(layer, PoolLayer):
        if layer.kind == "max":
            return max_pool_backward(delta, record.argmax, layer.kernel, full_shape)
        return avg_pool_backward(delta, layer.kernel, full_shape)
    if isinstance(layer, ConvLayer):
        return conv_backward_input(delta, w, full_shape, layer.stride, layer.padding)
    return (delta @ w).reshape(full_shape)


def first_lif_layer(spec: ConvNetSpec) -> int:
    """Index of the first layer with neurons (signals need not go below it)."""
    return next(i for i, layer in enumerate(spec.layers) if not isinstance(layer, PoolLayer))


def bp_signals(spec: ConvNetSpec, weights: Weights, records: list[ConvLayerStep],
               error: np.ndarray) -> list[np.ndarray | None]:
    """BP signal at every LIF layer's output (None for pools), from the output error
    ``e[t]`` (B, n_classes): ``L_top = W_out^T e``, then down the stack
    ``L_l = route_back_{l+1}(psi_{l+1} * L_{l+1})`` (no psi for pools), the conv form of
    :func:`lava_stllr.core.bp_signal`."""
    shapes = spec.shapes
    index = weight_index(spec)
    batch = error.shape[0]
    signal = bp_signal(weights.feedforward[-1], error).reshape(batch, *shapes[-1])
    signals: list[np.ndarray | None] = [None] * len(spec.layers)
    stop = first_lif_layer(spec)
    for i in range(len(spec.layers) - 1, stop - 1, -1):
        layer, rec = spec.layers[i], records[i]
        if isinstance(layer, PoolLayer):
            signal = route_back(layer, None, rec, signal, shapes[i])
            continue
        signals[i] = signal
        if i > stop:
            signal = route_back(layer, weights.feedforward[index[i]], rec, rec.psi * signal,
                                shapes[i])
    return signals


def dfa_feedback(spec: ConvNetSpec, seed: int) -> list[np.ndarray | None]:
    """Fixed random ``B_l`` (n_neurons_l, n_classes) per LIF layer (None for pools), seeded
    ``seed + 1 + l`` over the LIF layers in order, like the dense trainer."""
    out: list[np.ndarray | None] = []
    n_lif = 0
    for layer, shape in zip(spec.layers, spec.shapes[1:], strict=True):
        if isinstance(layer, PoolLayer):
            out.append(None)
            continue
        out.append(feedback_matrix(math.prod(shape), spec.n_classes, seed=seed + 1 + n_lif))
        n_lif += 1
    return out


def dfa_signals(spec: ConvNetSpec, feedback: list[np.ndarray | None],
                error: np.ndarray) -> list[np.ndarray | None]:
    """DFA signal ``L_l = B_l e[t]`` of every LIF layer, shaped like its output."""
    batch = error.shape[0]
    return [None if b is None else dfa_signal(b, error).reshape(batch, *shape)
            for b, shape in zip(feedback, spec.shapes[1:], strict=True)]
