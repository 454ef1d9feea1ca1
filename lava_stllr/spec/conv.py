"""Layout and weights of a conv S-TLLR network: conv/pool/dense layers and a readout."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr.core.conv import conv_output_size
from lava_stllr.core.pool import pool_output_size
from lava_stllr.spec.layers import (
    ConvLayer,
    DenseLayer,
    Layer,
    check_layer_order,
    format_layers,
    parse_layers,
)
from lava_stllr.spec.network import Weights, check_readout_and_gain

Shape = tuple[int, ...]


@dataclass(frozen=True)
class ConvNetSpec:
    """Layout of a conv network: LIF conv and dense layers, pooling, leaky readout.

    Attributes
    ----------
    input_shape : (C, H, W)
        Shape of one input frame; batches arrive flattened, (B, T, C*H*W).
    layers : tuple of ConvLayer, PoolLayer, DenseLayer, or their string form
        e.g. ``"16c5-p2-32c3s1p1-a2-256"`` (see :mod:`lava_stllr.spec.layers`).
    n_classes : int
        Readout size, >= 2; the readout reads the flattened output of the last layer.
    beta_out : float
        Readout decay per step, in [0, 1].
    init_gain : float
        Initial weights are uniform with std ``init_gain/sqrt(fan_in)`` (``C_in*k*k`` for
        a conv kernel).
    """

    input_shape: Shape
    layers: tuple[Layer, ...]
    n_classes: int
    beta_out: float = 0.9
    init_gain: float = 1.0

    def __post_init__(self) -> None:
        try:
            shape = tuple(int(n) for n in self.input_shape)
        except (TypeError, ValueError):
            raise ValueError(f"input_shape must be (C, H, W) of ints, got "
                             f"{self.input_shape!r}") from None
        if len(shape) != 3 or min(shape) < 1:
            raise ValueError(f"input_shape must be (C, H, W) with every size >= 1, got "
                             f"{self.input_shape!r}")
        object.__setattr__(self, "input_shape", shape)
        layers = parse_layers(self.layers) if isinstance(self.layers, str) else tuple(
            self.layers)
        check_layer_order(layers)
        object.__setattr__(self, "layers", layers)
        if isinstance(self.n_classes, bool) or not isinstance(self.n_classes, int | np.integer) \
                or self.n_classes < 2:
            raise ValueError(f"n_classes must be an integer >= 2, got {self.n_classes!r}")
        object.__setattr__(self, "n_classes", int(self.n_classes))
        check_readout_and_gain(self)
        self.shapes  # noqa: B018 - raises if a spatial size drops below 1

    @classmethod
    def parse(cls, layers: str, input_shape: Shape, n_classes: int, **kwargs: Any
              ) -> ConvNetSpec:
        """Spec from a layer string, e.g. ``parse("8c5s2-p2-64", (2, 34, 34), 10)``."""
        return cls(input_shape, parse_layers(layers), n_classes, **kwargs)

    @property
    def shapes(self) -> tuple[Shape, ...]:
        """Output shape of every layer, preceded by the input shape: (C, H, W) for conv
        and pool layers, (n,) for dense ones."""
        shapes = [self.input_shape]
        for i, layer in enumerate(self.layers):
            prev = shapes[-1]
            if isinstance(layer, DenseLayer):
                shapes.append((layer.size,))
                continue
            channels, height, width = prev
            if isinstance(layer, ConvLayer):
                sizes = [conv_output_size(n, layer.kernel, layer.stride, layer.padding)
                         for n in (height, width)]
                channels = layer.channels
            else:
                sizes = [pool_output_size(n, layer.kernel) for n in (height, width)]
            if min(sizes) < 1:
                raise ValueError(f"layer {i + 1} '{layer}' turns a {height}x{width} map into "
                                 f"{sizes[0]}x{sizes[1]}; every spatial size must stay >= 1")
            shapes.append((channels, *sizes))
        return tuple(shapes)

    @property
    def n_inputs(self) -> int:
        """Flattened input size ``C*H*W``."""
        return math.prod(self.input_shape)

    @property
    def weight_shapes(self) -> tuple[Shape, ...]:
        """Shape of every weight array in order: a (C_out, C_in, k, k) kernel per conv
        layer, an (n_out, n_in) matrix per dense layer, then the readout."""
        shapes = self.shapes
        out = []
        for layer, prev in zip(self.layers, shapes[:-1], strict=True):
            if isinstance(layer, ConvLayer):
                out.append((layer.channels, prev[0], layer.kernel, layer.kernel))
            elif isinstance(layer, DenseLayer):
                out.append((layer.size, math.prod(prev)))
        out.append((self.n_classes, math.prod(shapes[-1])))
        return tuple(out)

    def __str__(self) -> str:
        return format_layers(self.layers)

    #: What run folders record as the network kind (``"network"`` in the weights' meta).
    kind = "conv"

    @property
    def label(self) -> str:
        """Short name: input shape, layers, classes, e.g. ``2x34x34-8c5s2-p2-64-10``."""
        return f"{'x'.join(map(str, self.input_shape))}-{self}-{self.n_classes}"

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-serialisable); the layers as their string."""
        return {"input_shape": list(self.input_shape), "layers": str(self),
                "n_classes": self.n_classes, "beta_out": self.beta_out,
                "init_gain": self.init_gain}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConvNetSpec:
        """Inverse of :meth:`to_dict`; unknown keys raise ``ValueError``."""
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown ConvNetSpec fields: {sorted(unknown)}")
        try:
            return cls(**data)
        except TypeError as exc:  # a missing field
            raise ValueError(f"not a ConvNetSpec dict ({exc})") from None


def init_conv_weights(spec: ConvNetSpec, seed: int) -> Weights:
    """Seeded uniform initial weights, std ``init_gain/sqrt(fan_in)`` per array, in the order
    of :attr:`ConvNetSpec.weight_shapes` (as ``Weights.feedforward``)."""
    rng = np.random.default_rng(seed)
    arrays = []
    for shape in spec.weight_shapes:
        bound = spec.init_gain * math.sqrt(3.0 / math.prod(shape[1:]))
        arrays.append(rng.uniform(-bound, bound, size=shape))
    return Weights(arrays)


def check_conv_weights(spec: ConvNetSpec, weights: Weights, where: str = "weights") -> None:
    """Raise ``ValueError`` unless ``weights`` hold one finite array of each shape of
    :attr:`ConvNetSpec.weight_shapes` (and no recurrent ones)."""
    if not isinstance(weights, Weights):
        raise ValueError(f"{where} must be a Weights, got {type(weights).__name__}")
    want = spec.weight_shapes
    if len(weights.feedforward) != len(want) or weights.recurrent:
        raise ValueError(f"{where}: {len(weights.feedforward)} feedforward and "
                         f"{len(weights.recurrent)} recurrent arrays, the network '{spec}' has "
                         f"{len(want)} feedforward and none recurrent")
    for i, (w, shape) in enumerate(zip(weights.feedforward, want, strict=True)):
        w = np.asarray(w)
        if w.shape != shape:
            raise ValueError(f"{where}: array {i} has shape {w.shape}, expected {shape}")
        if w.dtype.kind not in "biuf" or not np.all(np.isfinite(w)):
            raise ValueError(f"{where}: array {i} holds NaN, Inf or non-numbers")

