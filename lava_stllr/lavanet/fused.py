"""``STLLRNetwork(fuse=True)``: one OS process per layer in Lava's simulator.

The network's Processes are built as for ``fuse="feedback"`` (DFA feedback inside the
neurons, one ``OutputLayer``); then each hidden layer's synapse and neurons become one
:class:`~lava_stllr.processes.FusedLayer` (the first also plays the event source) and
the last synapse and the output layer one :class:`~lava_stllr.processes.FusedOutput`.
A 2312-256-10 network then runs 2 model processes instead of 5; only the spikes between
layers and the output error remain Lava channels. Same results bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.processes import (
    STLLRLIF,
    EventSource,
    FusedLayer,
    FusedOutput,
    OutputLayer,
    STLLRDense,
)

#: Values of ``STLLRNetwork(fuse=...)``.
FUSE_MODES = (False, "feedback", True)


def check_fuse(fuse: object) -> bool | str:
    """``fuse`` as one of :data:`FUSE_MODES` (False: composed; ``"feedback"``: feedback
    in the neurons and one output Process; True: one Process per layer where the
    network allows it, else as ``"feedback"``)."""
    if isinstance(fuse, np.bool_):
        fuse = bool(fuse)
    for mode in FUSE_MODES:
        if fuse is mode or (isinstance(fuse, str) and fuse == mode):
            return mode
    raise ValueError(f"fuse must be one of {FUSE_MODES}, got {fuse!r} "
                     f"({type(fuse).__name__})")


def layers_fusable(net: Any) -> bool:
    """Whether the layers of ``net`` (an :class:`~lava_stllr.lavanet.assembly.Assembly`)
    fuse: no recurrent connections, and the Processes built are the dense kind's
    (``STLLRDense`` synapses, ``STLLRLIF`` neurons with their feedback, one
    ``OutputLayer``, an ``EventSource`` feeding the first synapse: no conv front-end);
    other kinds keep the ``"feedback"`` network."""
    return (not net.recurrent and net.front is None
            and isinstance(net.source, EventSource) and isinstance(net.readout, OutputLayer)
            and len(net.dense) == len(net.hidden) + 1
            and all(type(d) is STLLRDense for d in net.dense)
            and all(type(h) is STLLRLIF and h.proc_params["fused_feedback"]
                    for h in net.hidden))


def fuse_layers(net: Any) -> None:
    """Replace ``net``'s built (unconnected) Processes by fused ones and connect them.

    Afterwards ``net.dense`` holds the Processes that own the feed-forward weights (the
    fused layers, then the fused output; each has ``request_weights`` and
    ``receive_weights``), ``net.hidden`` the fused layers, ``net.source`` the first
    fused layer (or the plain ``EventSource`` without hidden layers), and
    ``net.readout``, ``net.error`` and ``net.labels`` the fused output.
    """
    layers = [FusedLayer(dense=dense, neuron=lif, source=net.source if i == 0 else None,
                         name=f"layer{i}")
              for i, (dense, lif) in enumerate(zip(net.dense, net.hidden, strict=False))]
    output = FusedOutput(dense=net.dense[-1], output=net.readout, name="output")
    pre = layers[-1].s_out if layers else net.source.s_out
    for a, b in zip(layers, layers[1:], strict=False):
        a.s_out.connect(b.s_in)
    pre.connect(output.s_in)
    for layer in layers:
        output.e_out.connect(layer.e_in)
    if layers:
        net.source = layers[0]
    net.dense = [*layers, output]
    net.hidden = layers
    net.readout = net.error = net.labels = output
