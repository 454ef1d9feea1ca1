"""The programs of a whole on-chip network, in float or in Loihi 2 fixed point.

:func:`network_program` is the one place where a precision is chosen: it returns the
per-Process programs, initial weights and feedback matrices that the Lava network
(:class:`lava_stllr.lavanet.network.STLLRNetwork`) and the NumPy pipeline
(:class:`lava_stllr.onchip.pipeline.OnChipReference`) both run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.network_fixed import FixedNetwork, quantize_network
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.onchip.programs_fixed import (
    FixedErrorCodec,
    FixedNeuron,
    FixedReadout,
    FixedSynapse,
    refuse_per_sample,
)
from lava_stllr.onchip.programs_float import (
    FloatErrorCodec,
    FloatNeuron,
    FloatReadout,
    FloatSynapse,
)

#: Arithmetic of the network: the floating_pt or the fixed_pt models.
PRECISIONS = ("float", "fixed")

#: Step size the fixed-point rule constants are sized for when ``lr = 0`` (frozen):
#: no sample learns, so its value only has to be encodable.
FROZEN_NOMINAL_LR = 1e-3


@dataclass(frozen=True)
class NetworkProgram:
    """Programs and initial values of one on-chip network.

    Attributes
    ----------
    precision : {"float", "fixed"}
    synapses : tuple
        One synapse program per weight matrix (readout's last).
    neurons : tuple
        One neuron program per hidden layer.
    readout, error : program
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
    """

    precision: str
    synapses: tuple[Any, ...]
    neurons: tuple[Any, ...]
    readout: Any
    error: Any
    weights: tuple[np.ndarray, ...]
    feedback: tuple[np.ndarray, ...]
    rng_seeds: tuple[int, ...]
    fixed_network: FixedNetwork | None = None
    recurrent_synapses: tuple[Any, ...] = ()
    recurrent_weights: tuple[np.ndarray, ...] = ()
    recurrent_seeds: tuple[int, ...] = ()

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


def quantize_layout(layout: OnChipLayout, **options: Any) -> FixedNetwork:
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


def network_program(layout: OnChipLayout, precision: str = "float",
                    quantize_options: dict | None = None) -> NetworkProgram:
    """The programs of ``layout``'s network in ``precision``.

    ``quantize_options`` (fixed only) go to :func:`lava_stllr.loihi.quantize.quantize`
    (e.g. ``weight_headroom``).
    """
    validate.instance("layout", layout, OnChipLayout)
    validate.choice("precision", precision, PRECISIONS)
    if precision == "float":
        if quantize_options is not None:
            raise ValueError("quantize_options needs precision='fixed'")
        p = layout.params
        weights = tuple(layout.initial_weights())
        return NetworkProgram(
            "float",
            tuple(FloatSynapse(p.lam_pre, layout.graded_input and i == 0)
                  for i in range(len(weights))),
            tuple(FloatNeuron.from_params(p) for _ in range(layout.n_hidden)),
            FloatReadout.from_params(p, layout.beta_out), FloatErrorCodec(), weights,
            tuple(layout.feedback()), tuple(0 for _ in weights),
            recurrent_synapses=tuple(FloatSynapse(p.lam_pre) for _ in range(
                layout.n_hidden * layout.recurrent)),
            recurrent_weights=tuple(layout.initial_recurrent_weights()),
            recurrent_seeds=tuple(0 for _ in range(layout.n_hidden * layout.recurrent)))
    if layout.update != "step":
        refuse_per_sample()
    net = quantize_layout(layout, **(quantize_options or {}))
    return NetworkProgram(
        "fixed",
        tuple(FixedSynapse.from_layer(layer) for layer in net.layers),
        tuple(FixedNeuron(layer.neuron, shift)
              for layer, shift in zip(net.layers[:-1], net.signal_shift, strict=True)),
        FixedReadout(net.layers[-1].neuron), FixedErrorCodec(net.layers[-1]), net.weights,
        net.feedback, net.rng_seeds, net,
        tuple(FixedSynapse.from_layer(layer) for layer in net.layers[:len(
            net.recurrent_weights)]), net.recurrent_weights, net.recurrent_seeds)
