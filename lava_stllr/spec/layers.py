"""Layer specs of conv networks and their string form, e.g. ``16c5-p2-32c3s1p1-a2-256``.

Tokens, joined by ``-``:

- ``<C>c<k>[s<stride>][p<pad>]``: conv LIF layer, C channels, k x k kernel;
- ``p<k>``: max pooling k x k, stride k;
- ``a<k>``: average pooling k x k, stride k;
- ``<n>``: dense LIF layer of n neurons.

A conv or dense token may end in ``:<psi>``, the layer's own secondary activation (a kind
of :data:`lava_stllr.core.psi.PSI_KINDS`), e.g. ``32c3p1:triangle-p2-256:rational`` as
the S-TLLR authors train (triangle in conv layers, rational in dense ones); a layer
without one uses the network's ``params.psi``.

``str()`` of a layer gives its canonical token (stride 1 and padding 0 left out), so
``parse_layers(format_layers(layers)) == layers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lava_stllr.core.psi import psi_kind

_CONV = re.compile(r"(\d+)c(\d+)(?:s(\d+))?(?:p(\d+))?")
_POOL = re.compile(r"([pa])(\d+)")
_DENSE = re.compile(r"\d+")


@dataclass(frozen=True)
class ConvLayer:
    """Conv LIF layer: ``channels`` output maps, ``kernel`` x ``kernel``, zero padding;
    ``psi`` its own secondary activation (None: the network's)."""

    channels: int
    kernel: int
    stride: int = 1
    padding: int = 0
    psi: str | None = None

    def __post_init__(self) -> None:
        for name in ("channels", "kernel", "stride"):
            _check_int(name, getattr(self, name), 1)
        _check_int("padding", self.padding, 0)
        _check_psi(self.psi)

    def __str__(self) -> str:
        stride = f"s{self.stride}" if self.stride != 1 else ""
        pad = f"p{self.padding}" if self.padding else ""
        return f"{self.channels}c{self.kernel}{stride}{pad}{_psi_suffix(self.psi)}"


@dataclass(frozen=True)
class PoolLayer:
    """Pooling of spikes, ``kernel`` x ``kernel`` with stride ``kernel``: no weights, no
    neurons. ``kind`` is "max" or "avg"."""

    kind: str
    kernel: int

    def __post_init__(self) -> None:
        if self.kind not in ("max", "avg"):
            raise ValueError(f"pool kind must be 'max' or 'avg', got {self.kind!r}")
        _check_int("kernel", self.kernel, 1)

    def __str__(self) -> str:
        return f"{'p' if self.kind == 'max' else 'a'}{self.kernel}"


@dataclass(frozen=True)
class DenseLayer:
    """Dense LIF layer of ``size`` neurons (its input is flattened); ``psi`` its own
    secondary activation (None: the network's)."""

    size: int
    psi: str | None = None

    def __post_init__(self) -> None:
        _check_int("size", self.size, 1)
        _check_psi(self.psi)

    def __str__(self) -> str:
        return f"{self.size}{_psi_suffix(self.psi)}"


Layer = ConvLayer | PoolLayer | DenseLayer


def _check_psi(psi: object) -> None:
    if psi is not None:
        psi_kind(psi)  # a registered kind, or ValueError naming them


def _psi_suffix(psi: str | None) -> str:
    return "" if psi is None else f":{psi}"


def layer_psi(layer: ConvLayer | DenseLayer, default: str) -> str:
    """The secondary activation of a LIF layer: its own, else ``default``."""
    return layer.psi or default


def _check_int(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")


def parse_layer(token: str, position: int = 1) -> Layer:
    """One token (see the module doc); ``position`` (1-based) only names it in errors."""
    body, colon, psi = token.partition(":")
    if colon and (not psi or _POOL.fullmatch(body)):
        raise ValueError(f"layer {position} '{token}': only a conv or dense layer takes "
                         "':<psi>' (e.g. 16c5:triangle or 256:rational)")
    if colon:
        try:
            _check_psi(psi)
        except ValueError as exc:
            raise ValueError(f"layer {position} '{token}': {exc}") from None
        layer = parse_layer(body, position)
        return type(layer)(**{**layer.__dict__, "psi": psi})
    if (m := _CONV.fullmatch(token)) is not None:
        channels, kernel, stride, pad = m.groups()
        try:
            return ConvLayer(int(channels), int(kernel), int(stride or 1), int(pad or 0))
        except ValueError as exc:
            raise ValueError(f"layer {position} '{token}': {exc}") from None
    if (m := _POOL.fullmatch(token)) is not None:
        try:
            return PoolLayer("max" if m.group(1) == "p" else "avg", int(m.group(2)))
        except ValueError as exc:
            raise ValueError(f"layer {position} '{token}': {exc}") from None
    if _DENSE.fullmatch(token) is not None:
        try:
            return DenseLayer(int(token))
        except ValueError as exc:
            raise ValueError(f"layer {position} '{token}': {exc}") from None
    raise ValueError(f"layer {position} '{token}' is not understood; expected e.g. 16c5, "
                     "16c3s2p1, p2, a2 or 256")


def parse_layers(text: str) -> tuple[Layer, ...]:
    """Parse ``"16c5-p2-32c3s1p1-a2-256"`` into layers; conv and pool layers must all come
    before the first dense layer, and at least one layer must have neurons."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"layers must be a non-empty string like '16c5-p2-256', got {text!r}")
    layers = tuple(parse_layer(tok.strip(), i + 1) for i, tok in enumerate(text.split("-")))
    check_layer_order(layers)
    return layers


def check_layer_order(layers: tuple[Layer, ...]) -> None:
    """Raise unless no conv or pool layer follows a dense one (a dense layer flattens its
    input) and some layer has neurons."""
    seen_dense = False
    for i, layer in enumerate(layers):
        if not isinstance(layer, ConvLayer | PoolLayer | DenseLayer):
            raise ValueError(f"layer {i + 1} must be a ConvLayer, PoolLayer or DenseLayer, "
                             f"got {layer!r}")
        if isinstance(layer, DenseLayer):
            seen_dense = True
        elif seen_dense:
            raise ValueError(f"layer {i + 1} '{layer}' follows a dense layer; conv and pool "
                             "layers must come before the first dense layer")
    if not any(isinstance(layer, ConvLayer | DenseLayer) for layer in layers):
        raise ValueError("the network needs at least one conv or dense layer, got "
                         f"'{format_layers(layers)}'")


def format_layers(layers: tuple[Layer, ...]) -> str:
    """Canonical string form, the inverse of :func:`parse_layers`."""
    return "-".join(str(layer) for layer in layers)
