"""A conv network in Lava: its conv/pool layers as a frozen front-end, its dense layers
and readout learning on chip.

A :class:`~lava_stllr.spec.conv.ConvNetSpec` trained offline (e.g. by
:class:`~lava_stllr.reference.conv_stllr.ConvSTLLRTrainer`) splits into the front-end
(:class:`~lava_stllr.onchip.conv_stages.FrontEnd`: conv + LIF stages and pools, frozen: Loihi
2's learning engine cannot learn shared kernels) and the dense part (``STLLRDense`` /
``STLLRLIF`` hidden layers and the fused ``OutputLayer``, DFA), which starts from the
trained dense weights and keeps learning online.

Example
-------
>>> spec = ConvNetSpec.parse("4c3-p2-16", (2, 8, 8), 3)                   # doctest: +SKIP
>>> trainer = ConvSTLLRTrainer(spec, params, signal="dfa")               # doctest: +SKIP
>>> with conv_network(spec, trainer.weights, n_steps=8, params=params) as net:  # +SKIP
...     print(net.evaluate(data).accuracy)                               # doctest: +SKIP
...     net.train(data)                                                  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.onchip.conv_stages import head_params, split_conv
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.network import Weights


def _head_kwargs(spec: ConvNetSpec, weights: Weights) -> dict[str, Any]:
    front, sizes, head = split_conv(spec, weights)
    return {"sizes": sizes, "weights": head, "front_end": front,
            "graded_input": front.graded_output, "beta_out": spec.beta_out,
            "init_gain": spec.init_gain}


def conv_layout(spec: ConvNetSpec, weights: Weights, n_steps: int,
                params: STLLRParams | str = "code_default", **kwargs: Any) -> OnChipLayout:
    """The :class:`~lava_stllr.onchip.layout.OnChipLayout` of :func:`conv_network` (for
    :class:`~lava_stllr.onchip.pipeline.OnChipReference`, its NumPy twin); ``kwargs`` are
    further layout fields (``gap``, ``seed``, ``signal``, ``update``)."""
    head = _head_kwargs(spec, weights)
    return OnChipLayout(head.pop("sizes"), n_steps, head_params(spec, params), **head,
                        **kwargs)


def conv_network(spec: ConvNetSpec, weights: Weights, n_steps: int,
                 params: STLLRParams | str = "code_default", **kwargs: Any) -> STLLRNetwork:
    """An :class:`~lava_stllr.lavanet.network.STLLRNetwork` of a trained conv network.

    Parameters
    ----------
    spec : ConvNetSpec
        Conv/pool layers, then at least one dense layer (the front-end ends at the first
        dense layer).
    weights : Weights
        Its weights (kernels, dense matrices, readout), e.g. ``trainer.weights``.
    n_steps : int
        Steps per sample.
    params : STLLRParams or str
        Neuron and rule parameters of both parts (``lr = 0``: inference only); the dense
        part learns with the dense layers' own psi where the layer string names one
        (:func:`~lava_stllr.onchip.conv_stages.head_params`).
    **kwargs
        Further :class:`STLLRNetwork` arguments (``precision="fixed"``, ``gap``, ``seed``
        of the DFA feedback, ``timeout``, ``fuse``, ``quantize_options``).

    Returns
    -------
    STLLRNetwork
        ``net.front`` holds the front-end's Processes; ``net.weights()`` the dense part's
        weights (the kernels never change). Samples are flat (n_steps, C*H*W) frames in
        the (C, H, W) order of the trainer.
    """
    taken = sorted(set(kwargs) & {"sizes", "weights", "front_end", "graded_input",
                                  "beta_out", "init_gain"})
    if taken:
        raise ValueError(f"conv_network sets {', '.join(taken)} from spec and weights; "
                         "do not pass them")
    head = _head_kwargs(spec, weights)
    return STLLRNetwork(head.pop("sizes"), n_steps, head_params(spec, params), **head,
                        **kwargs)
