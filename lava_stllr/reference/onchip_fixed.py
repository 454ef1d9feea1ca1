"""Fixed-point pipeline of the on-chip reference: the ``fixed_pt`` Lava network in NumPy.

:class:`FixedPipeline` holds the integer state of every Process of the network built by
:class:`lava_stllr.network.STLLRNetwork` with ``precision="fixed"`` and advances it one
Lava step at a time, calling the step functions of
:mod:`lava_stllr.loihi.process_steps_fixed` in the order the ProcessModels run them
(the pipeline and its delays are those of :mod:`lava_stllr.reference.onchip`). Spikes,
integer weights, traces and results therefore equal the Lava network's bit for bit.

Per Lava step: every connection first sends what it buffered; the source plays its
binary frame; each hidden layer ``l`` receives ``W_l s_{l-1}`` and its feedback current
``B_int e_int`` (rounded by ``2**k``); the readout integrates and sends ``z``; the output
error sends ``e_int`` to the readout (same step) and to the feedback connections (next
step); each synapse computes its next current with the pre-update weights and takes one
learning-engine step (its own random stream).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from lava_stllr.core.process_steps import ErrorConfig, SampleClock, source_frame
from lava_stllr.loihi.bit_approx import EngineRandomStream
from lava_stllr.loihi.network_fixed import FixedNetwork, quantize_network
from lava_stllr.loihi.neuron_fixed import NeuronState
from lava_stllr.loihi.process_steps_fixed import (
    FixedDenseConfig,
    fixed_dense_step,
    fixed_error_process_step,
    fixed_lif_step,
    fixed_readout_factors,
    fixed_readout_step,
    fixed_synaptic_current,
    graded_current,
    rescale_signal,
    truncate_mixed_weights,
)

if TYPE_CHECKING:
    from lava_stllr.reference.onchip import OnChipLayout, StreamItem


def quantize_layout(layout: OnChipLayout, **options: Any) -> FixedNetwork:
    """The integers of ``layout``'s network: its initial weights and feedback quantized by
    :func:`lava_stllr.loihi.network_fixed.quantize_network` (``options`` passed on);
    connection ``i`` gets the learning-rule seed ``|layout.seed| + i``."""
    if layout.graded_input:
        raise ValueError("the fixed-point network takes binary spikes: graded_input=True is"
                         " float only")
    return quantize_network(layout.params, layout.initial_weights(), layout.feedback(),
                            layout.beta_out, rng_seed=abs(layout.seed), **options)


@dataclass
class _FixedState:
    weights: list[np.ndarray]
    traces: list[np.ndarray]
    buffers: list[np.ndarray]
    neurons: list[NeuronState]
    feedback_buffers: list[np.ndarray]
    z: np.ndarray
    z_sum: np.ndarray
    source_sample: np.ndarray | None = None
    label_msg: np.ndarray = field(default_factory=lambda: np.zeros(3))
    time_step: int = 0


class FixedPipeline:
    """Integer state and Lava step of the fixed network (used by ``OnChipReference``).

    Parameters
    ----------
    layout : OnChipLayout
    net : FixedNetwork
        Its quantization (:func:`quantize_layout`).
    samples, labels : deque of StreamItem
        The queues the source and the label source take their next sample from.
    recorder : callable, optional
        Called each step with ``(spikes per hidden layer, signals per hidden layer,
        error)`` (integers) when recording.
    """

    def __init__(self, layout: OnChipLayout, net: FixedNetwork, samples: deque[StreamItem],
                 labels: deque[StreamItem],
                 recorder: Callable[[list, list, np.ndarray], None] | None = None) -> None:
        self.layout, self.net = layout, net
        self._samples, self._labels, self._recorder = samples, labels, recorder
        layers = net.layers
        weights = [truncate_mixed_weights(w).astype(np.int64) for w in net.weights]
        hidden = layout.sizes[1:-1]
        self._state = _FixedState(
            weights=weights,
            traces=[np.zeros(w.shape[1], dtype=np.int64) for w in weights],
            buffers=[np.zeros(w.shape[0], dtype=np.int64) for w in weights],
            neurons=[NeuronState.zeros(n) for n in hidden],
            feedback_buffers=[np.zeros(n, dtype=np.int64) for n in hidden],
            z=np.zeros(layout.sizes[-1], dtype=np.int64),
            z_sum=np.zeros(layout.sizes[-1]),
        )
        self._dense = [FixedDenseConfig.from_layer(layer) for layer in layers]
        self._streams = [EngineRandomStream(seed) for seed in net.rng_seeds]
        self._error_cfg = ErrorConfig(layout.n_steps, layout.window_start)
        period = layout.period
        self._source_clock = SampleClock(period, 0)
        self._dense_clocks = [SampleClock(period, layout.dense_delay(i))
                              for i in range(len(weights))]
        self._lif_clocks = [SampleClock(period, layout.lif_delay(i)) for i in range(len(hidden))]
        self._out_clock = SampleClock(period, layout.output_delay)

    def weight_mantissas(self) -> list[np.ndarray]:
        """Copies of the integer weights (readout last)."""
        return [w.copy() for w in self._state.weights]

    def step(self) -> tuple[np.ndarray, int, float] | None:
        """Advance every Process by one Lava step; ``(sum_z, label, loss)`` when a scored
        sample ends (``sum_z`` in float readout units), else None."""
        st, lay, net = self._state, self.layout, self.net
        st.time_step += 1
        s = st.time_step
        currents, raw_signals = list(st.buffers), list(st.feedback_buffers)
        sample, k = self._source_clock.position(s)
        if sample >= 0 and k == 0:
            item = self._samples.popleft()
            st.source_sample = None if item.spikes is None else np.asarray(
                item.spikes, dtype=np.float32)
        outputs = [source_frame(st.source_sample, sample, k, (lay.sizes[0],)) != 0]
        factors, signals = [], []
        for layer in range(lay.n_hidden):
            signal = rescale_signal(raw_signals[layer], net.signal_shift[layer])
            st.neurons[layer], out = fixed_lif_step(
                net.layers[layer].neuron, st.neurons[layer], currents[layer], signal,
                self._lif_clocks[layer].new_sample(s))
            outputs.append(out.spikes)
            factors.append((out.y, out.bap))
            signals.append(signal)
        readout = net.layers[-1]
        st.z = fixed_readout_step(readout.neuron, st.z, currents[-1],
                                  self._out_clock.new_sample(s))
        position = self._out_clock.position(s)
        if position[0] >= 0 and position[1] == 0:
            item = self._labels.popleft()
            st.label_msg = np.array([item.label, item.learn, item.scored], dtype=float)
        out_err = fixed_error_process_step(st.z, st.label_msg, st.z_sum, position,
                                           self._error_cfg, readout)
        st.z_sum = out_err.z_sum
        factors.append((fixed_readout_factors(readout.neuron, out_err.error),
                        np.zeros(lay.sizes[-1], dtype=bool)))
        if self._recorder is not None:
            self._recorder([o.copy() for o in outputs[1:]], signals, out_err.error.copy())
        for i, w in enumerate(st.weights):
            cfg = self._dense[i]
            st.buffers[i] = fixed_synaptic_current(w, outputs[i], cfg)
            st.traces[i] = fixed_dense_step(w, st.traces[i], outputs[i], factors[i][0],
                                            factors[i][1], cfg, self._streams[i].next(),
                                            self._dense_clocks[i].new_sample(s))
        for layer, b in enumerate(net.feedback):
            st.feedback_buffers[layer] = graded_current(b, out_err.error)
        if out_err.result is None:
            return None
        return out_err.result, int(st.label_msg[0]), out_err.loss
