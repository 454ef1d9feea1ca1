"""The two network layouts, dense (:class:`~lava_stllr.spec.network.NetworkSpec`) and conv
(:class:`~lava_stllr.spec.conv.ConvNetSpec`), behind one set of functions: build from a
layer string, save and read back by kind, check weights.

Weights files and run records name the kind (``"network": "dense" | "conv"``); files
written before conv networks existed name none and are dense.
"""

from __future__ import annotations

from typing import Any

from lava_stllr.spec.conv import ConvNetSpec, check_conv_weights
from lava_stllr.spec.layers import DenseLayer, parse_layers
from lava_stllr.spec.network import NetworkSpec, Weights, check_weights

AnySpec = NetworkSpec | ConvNetSpec
#: Spec class of each kind.
SPEC_KINDS: dict[str, type] = {"dense": NetworkSpec, "conv": ConvNetSpec}


def network_from_layers(layers: str, input_shape: tuple[int, int, int], n_classes: int,
                        recurrent: bool = False) -> AnySpec:
    """The spec a layer string describes, e.g. ``"256"`` or ``"16c5-p2-32c3-p2-256"``.

    Only dense layers give a :class:`NetworkSpec` (``n_inputs = C*H*W`` of
    ``input_shape``), which the Lava network runs; any conv or pool layer gives a
    :class:`ConvNetSpec`, trained by the batched conv trainers.

    Raises
    ------
    ValueError
        A malformed string, or ``recurrent`` with conv layers.
    """
    parsed = parse_layers(layers)
    if all(isinstance(layer, DenseLayer) for layer in parsed):
        n_in = int(input_shape[0]) * int(input_shape[1]) * int(input_shape[2])
        return NetworkSpec((n_in, *(layer.size for layer in parsed), int(n_classes)),
                           recurrent=recurrent)
    if recurrent:
        raise ValueError("recurrent layers are dense only: drop the conv and pool layers "
                         f"from '{layers}' or drop recurrent")
    return ConvNetSpec(tuple(input_shape), parsed, int(n_classes))


def spec_from_meta(data: dict[str, Any], kind: str | None) -> AnySpec:
    """The spec saved as ``data`` (its ``to_dict``) of network ``kind`` (None: dense)."""
    kind = kind or "dense"
    if kind not in SPEC_KINDS:
        raise ValueError(f"unknown network kind {kind!r} (known: {sorted(SPEC_KINDS)})")
    return SPEC_KINDS[kind].from_dict(dict(data))


def check_spec_weights(spec: AnySpec, weights: Weights, where: str = "weights") -> None:
    """:func:`~lava_stllr.spec.network.check_weights` or
    :func:`~lava_stllr.spec.conv.check_conv_weights`, by the kind of ``spec``."""
    if isinstance(spec, ConvNetSpec):
        check_conv_weights(spec, weights, where)
    else:
        check_weights(spec, weights, where)


def n_weights(spec: AnySpec) -> int:
    """Number of trainable weights."""
    total = 0
    for shape in spec.weight_shapes:
        count = 1
        for n in shape:
            count *= int(n)
        total += count
    return total
