"""Where programs are built: per Process, and for a whole on-chip network.

Each program constructor is called in one function of this module: a Process built without
a program gets the float one of its parameters from here, and :func:`network_program` is
the one place where a network's precision is chosen: it returns the per-Process programs,
initial weights and feedback matrices that the Lava network
(:class:`lava_stllr.lavanet.network.STLLRNetwork`) hands to its Processes and the NumPy
pipeline (:class:`lava_stllr.onchip.pipeline.OnChipReference`) runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.layer_fixed import LayerFixed
from lava_stllr.loihi.network_fixed import FixedNetwork, quantize_network
from lava_stllr.loihi.synapse import check_layer
from lava_stllr.onchip.conv_stages import Stage
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.onchip.programs_fixed import (
    FixedErrorCodec,
    FixedNeuron,
    FixedReadout,
    FixedSynapse,
    SpikeFrames,
)
from lava_stllr.onchip.programs_float import (
    FloatErrorCodec,
    FloatFrames,
    FloatNeuron,
    FloatReadout,
    FloatSynapse,
)
from lava_stllr.onchip.protocols import (
    PRECISIONS,
    UPDATES,
    ErrorCodec,
    FrameEncoder,
    NeuronProgram,
    ReadoutProgram,
    SynapseProgram,
)
from lava_stllr.onchip.steps import OutputProgram
from lava_stllr.params import STLLRParams

#: Step size the fixed-point rule constants are sized for when ``lr = 0`` (frozen):
#: no sample learns, so its value only has to be encodable.
FROZEN_NOMINAL_LR = 1e-3


def synapse_program(params: STLLRParams, layer: LayerFixed | None = None,
                    graded: bool = False) -> SynapseProgram:
    """An ``STLLRDense``'s program: float S-TLLR with ``params.lam_pre`` (``graded``: the
    payload itself is ``x``), or Loihi 2's learning engine with ``layer``'s rule."""
    if layer is None:
        return FloatSynapse(params.lam_pre, graded)
    if graded:
        raise ValueError("the fixed-point STLLRDense takes binary spikes: graded input is "
                         "float only")
    return FixedSynapse.from_layer(check_layer(layer, None, "an STLLRDense program"))


def neuron_program(params: STLLRParams, layer: LayerFixed | None = None,
                   signal_shift: int = 0, update: str = "step") -> NeuronProgram:
    """An ``STLLRLIF``'s program: float (for either update), or ``layer``'s integer
    neuron whose learning signal is its feedback current rounded by ``signal_shift`` bits,
    built for ``update`` (per sample its bAP is the gate)."""
    validate.choice("update", update, UPDATES)
    if layer is None:
        if signal_shift:
            raise ValueError("signal_shift needs a fixed-point layer")
        return FloatNeuron.from_params(params)
    layer = check_layer(layer, False, "an STLLRLIF program")
    return FixedNeuron(layer.neuron, validate.integer("signal_shift", signal_shift, 0),
                       update)


def readout_program(params: STLLRParams, beta_out: float,
                    layer: LayerFixed | None = None, update: str = "step") -> ReadoutProgram:
    """A ``LeakyReadout``'s program: float with decay ``beta_out``, or the integer
    readout of ``layer`` built for ``update``."""
    validate.choice("update", update, UPDATES)
    if layer is None:
        return FloatReadout.from_params(params, beta_out)
    return FixedReadout(check_layer(layer, True, "a LeakyReadout program").neuron, update)


def error_codec(layer: LayerFixed | None = None) -> ErrorCodec:
    """An ``OutputError``'s codec: float, or the (de)quantization of readout ``layer``."""
    if layer is None:
        return FloatErrorCodec()
    return FixedErrorCodec(check_layer(layer, True, "an OutputError codec"))


def output_program(params: STLLRParams, beta_out: float,
                   layer: LayerFixed | None = None, update: str = "step") -> OutputProgram:
    """An ``OutputLayer``'s program: its readout's and its error codec."""
    return OutputProgram(readout_program(params, beta_out, layer, update), error_codec(layer))


def frame_encoder(precision: str = "float") -> FrameEncoder:
    """An ``EventSource``'s encoder: rows as they are (float) or binary spikes (fixed)."""
    validate.choice("precision", precision, PRECISIONS)
    return FloatFrames() if precision == "float" else SpikeFrames()


@dataclass(frozen=True)
class NetworkProgram:
    """Programs and initial values of one on-chip network.

    Attributes
    ----------
    precision : {"float", "fixed"}
    source : FrameEncoder
        The event source's.
    synapses : tuple
        One synapse program per weight matrix (readout's last).
    neurons : tuple
        One neuron program per hidden layer.
    output : OutputProgram
        The readout's and the output error's.
    weights : tuple of (post, pre) arrays
        Initial weights as the Processes take them (float, or 9-bit mantissas).
    feedback : tuple of (n_hidden_l, n_classes) arrays
        DFA feedback matrices (float, or integer mantissas).
    rng_seeds : tuple of int
        Learning-engine seed per connection (unused in float).
    fixed_network : FixedNetwork or None
        The integers of the fixed network (None in float).
    recurrent_synapses, recurrent_weights, recurrent_seeds : tuple
        Per hidden layer: the recurrent synapse program (the layer's own rule), its
        initial weights ``V_l`` (n_l, n_l; mantissas on the layer's scale in fixed) and
        learning-engine seed; empty unless ``layout.recurrent``.
    front : tuple of stages
        The frozen conv front-end's stages with their programs (empty without one).
    """

    precision: str
    source: FrameEncoder
    synapses: tuple[SynapseProgram, ...]
    neurons: tuple[NeuronProgram, ...]
    output: OutputProgram
    weights: tuple[np.ndarray, ...]
    feedback: tuple[np.ndarray, ...]
    rng_seeds: tuple[int, ...]
    fixed_network: FixedNetwork | None = None
    recurrent_synapses: tuple[SynapseProgram, ...] = ()
    recurrent_weights: tuple[np.ndarray, ...] = ()
    recurrent_seeds: tuple[int, ...] = ()
    front: tuple[Stage, ...] = ()

    @property
    def readout(self) -> ReadoutProgram:
        """The readout's program."""
        return self.output.readout

    @property
    def error(self) -> ErrorCodec:
        """The output error's codec."""
        return self.output.codec

    def float_weights(self, stored: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Float weights of stored ones: copies in float, ``W_int * s_w`` in fixed."""
        if self.fixed_network is None:
            return [np.array(w, dtype=float) for w in stored]
        return self.fixed_network.dequantize_weights(stored)

    def float_recurrent(self, stored: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Float recurrent weights of stored ones (see :meth:`float_weights`)."""
        if self.fixed_network is None:
            return [np.array(v, dtype=float) for v in stored]
        return self.fixed_network.dequantize_recurrent(stored)


def quantize_layout(layout: OnChipLayout, **options: object) -> FixedNetwork:
    """The integers of ``layout``'s network: its initial weights and feedback quantized by
    :func:`lava_stllr.loihi.network_fixed.quantize_network` (``options`` passed on);
    connection ``i`` gets the learning-rule seed ``|layout.seed| + i`` (the recurrent
    matrices, if any, follow the feed-forward ones)."""
    if layout.graded_input:
        raise ValueError("the fixed-point network takes binary spikes: graded_input=True is"
                         " float only")
    # lr = 0 plays every sample frozen; the rule constants still need a nonzero step.
    params = layout.params.replace(lr=FROZEN_NOMINAL_LR) if layout.frozen else layout.params
    return quantize_network(params, layout.initial_weights(), layout.feedback(),
                            layout.beta_out, rng_seed=abs(layout.seed),
                            recurrent=layout.initial_recurrent_weights(), **options)


def check_fixed_update(layout: OnChipLayout) -> None:
    """Raise ``ValueError`` unless ``layout``'s update can run in fixed point: per sample
    the gate (the bAP, :func:`~lava_stllr.onchip.steps.tag_gate`) must come on a step
    that carries no learning signal, since the integer tag cannot also take that step's
    products; the last signal reaches the first hidden layer ``n_hidden + 1`` steps
    after a sample, so ``gap >= n_hidden + 3``."""
    need = layout.n_hidden + 3
    if layout.update == "sample" and layout.gap < need:
        raise ValueError(f"update='sample' in fixed point needs gap >= n_hidden + 3 = {need} "
                         f"(the gate step must carry no learning signal), got gap="
                         f"{layout.gap}")


def network_program(layout: OnChipLayout, precision: str = "float",
                    quantize_options: dict | None = None) -> NetworkProgram:
    """The programs of ``layout``'s network in ``precision``.

    ``quantize_options`` (fixed only) go to :func:`lava_stllr.loihi.quantize.quantize`
    (e.g. ``weight_headroom``).
    """
    validate.instance("layout", layout, OnChipLayout)
    validate.choice("precision", precision, PRECISIONS)
    p = layout.params
    front = () if layout.front_end is None else layout.front_end.stages(p, precision)
    n_rec = layout.n_hidden * layout.recurrent
    if precision == "float":
        if quantize_options is not None:
            raise ValueError("quantize_options needs precision='fixed'")
        weights = tuple(layout.initial_weights())
        return NetworkProgram(
            "float", frame_encoder("float"),
            tuple(synapse_program(p, graded=layout.graded_input and i == 0)
                  for i in range(len(weights))),
            tuple(neuron_program(p) for _ in range(layout.n_hidden)),
            output_program(p, layout.beta_out), weights, tuple(layout.feedback()),
            tuple(0 for _ in weights),
            recurrent_synapses=tuple(synapse_program(p) for _ in range(n_rec)),
            recurrent_weights=tuple(layout.initial_recurrent_weights()),
            recurrent_seeds=tuple(0 for _ in range(n_rec)), front=front)
    check_fixed_update(layout)
    net = quantize_layout(layout, **(quantize_options or {}))
    synapses = tuple(synapse_program(p, layer) for layer in net.layers)
    neurons = tuple(neuron_program(p, layer, shift, layout.update)
                    for layer, shift in zip(net.layers[:-1], net.signal_shift, strict=True))
    output = output_program(p, layout.beta_out, net.layers[-1], layout.update)
    return NetworkProgram(
        "fixed", frame_encoder("fixed"), synapses, neurons, output, net.weights,
        net.feedback, net.rng_seeds, net,
        tuple(synapse_program(p, layer) for layer in net.layers[:len(net.recurrent_weights)]),
        net.recurrent_weights, net.recurrent_seeds, front)
