"""``train --layers``: a layer string (:mod:`lava_stllr.spec.layers`) becomes the network spec.

Dense-only strings (``256-128``) give the same :class:`~lava_stllr.spec.network.NetworkSpec` as
``--hidden 256,128``; a string with conv or pool layers gives a
:class:`~lava_stllr.spec.conv.ConvNetSpec` over the dataset's input frames (C, H, W),
trained by the batched conv trainers of the reference backend.
"""

from __future__ import annotations

import argparse
from typing import Any

from lava_stllr.cli.parser import CLIError

#: Why conv layers do not train with ``--backend lava``.
LAVA_CONV = ("conv layers learn in the batched trainer: add --backend reference. The Lava "
             "network learns dense layers online; a trained conv run goes on learning in Lava "
             "as a frozen front-end with 'train --backend lava --init RUN' (see the README's "
             "command-line section)")


def has_conv(layers: str | None) -> bool:
    """Whether a (valid) layer string holds a conv or pool layer."""
    from lava_stllr.spec.layers import DenseLayer, parse_layers

    return layers is not None and not all(isinstance(layer, DenseLayer)
                                          for layer in parse_layers(layers))


def check_layers(args: argparse.Namespace) -> None:
    """Refuse, before defaults fill in, ``--layers`` with ``--hidden``, and conv layers
    with ``--backend lava`` or ``--recurrent``."""
    if args.layers is None:
        return
    if args.hidden is not None:
        raise CLIError(f"give --hidden or --layers, not both (--hidden "
                       f"{','.join(map(str, args.hidden))} is --layers "
                       f"{'-'.join(map(str, args.hidden))})")
    if not has_conv(args.layers):
        return
    if args.backend == "lava":
        raise CLIError(f"--layers {args.layers}: {LAVA_CONV}")
    if args.recurrent:
        raise CLIError(f"--recurrent applies to dense layers only: drop it, or drop the "
                       f"conv and pool layers from --layers {args.layers}")


def input_shape(name: str, request: Any, n_inputs: int | None = None) -> tuple[int, int, int]:
    """Shape (C, H, W) of one input frame of dataset ``name`` binned as ``request`` asks
    (samples are these frames flattened in C order, as the conv trainers read them)."""
    import math

    from lava_stllr.data import registry

    shape = registry.frame_shape_for(name, request.binning)
    if shape is None:
        raise CLIError(f"dataset {name} has no input frame shape: conv layers do not apply "
                       "(use dense --layers or --hidden)")
    if n_inputs is not None and math.prod(shape) != n_inputs:
        raise CLIError(f"dataset {name} gives {n_inputs} inputs per step, not the "
                       f"{'x'.join(map(str, shape))} frames its binning describes")
    return shape


def check_layers_fit(args: argparse.Namespace, request: Any) -> None:
    """Refuse, before any data is read, conv layers whose maps do not fit the frames."""
    if not has_conv(args.layers):
        return
    from lava_stllr.spec.conv import ConvNetSpec

    shape = input_shape(args.dataset, request)
    try:
        ConvNetSpec.parse(args.layers, shape, 2)
    except ValueError as exc:
        raise CLIError(f"--layers {args.layers} on {args.dataset} frames "
                       f"{'x'.join(map(str, shape))} (C x H x W): {exc}") from None


def network_spec(args: argparse.Namespace, request: Any, train: Any) -> Any:
    """The spec of ``args.layers`` (``args.recurrent`` for dense layers) for ``train``'s
    inputs and classes."""
    from lava_stllr.spec.kinds import network_from_layers
    from lava_stllr.spec.network import NetworkSpec

    n_inputs, n_classes = int(train.n_inputs), int(train.n_classes)
    if not has_conv(args.layers):
        sizes = tuple(int(n) for n in args.layers.split("-"))
        return NetworkSpec((n_inputs, *sizes, n_classes), recurrent=args.recurrent)
    return network_from_layers(args.layers, input_shape(args.dataset, request, n_inputs),
                               n_classes)
