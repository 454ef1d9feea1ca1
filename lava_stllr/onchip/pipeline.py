"""On-chip reference: a NumPy simulation that reproduces the Lava S-TLLR network exactly.

The Lava network built by :class:`lava_stllr.lavanet.network.STLLRNetwork` trains online with
batch size 1, plain per-step SGD and a DFA learning signal. It is a pipeline of Lava
Processes in which every synaptic connection (a ``Dense``) delays by one step. This
module simulates the same pipeline step by step, calling, in the same order, the same
step functions (:mod:`lava_stllr.onchip.steps`) with the same programs
(:func:`~lava_stllr.onchip.program.network_program`, float or Loihi 2 fixed point) as the
ProcessModels' ``run_spk``, so spikes are identical and weights agree bit for bit.

Pipeline (``L`` hidden layers, Lava time steps ``s = 1, 2, ...``; a Process of depth
``D`` handles step ``k`` of a sample at ``s = start + k + D``):

=====================  =====  ====================================================
Process                depth  receives
=====================  =====  ====================================================
EventSource            0      one sample per ``period = n_steps + gap`` steps
STLLRDense 1           0      input spikes ``x[k]`` (sends ``W x[k]`` one step later)
STLLRLIF l (1..L)      l      ``W_l h_{l-1}[k]`` from STLLRDense l, ``L_l`` from DFA
STLLRDense l+1         l      spikes of layer l
STLLRDense V_l         l-1    spikes of layer l (``recurrent``): ``V_l h_l[k-1]`` to layer l
LeakyReadout           L+1    ``W_out h_L[k]``; error ``e`` of the same step
OutputError            L+1    ``z[k]`` (same step) and the label (LabelSource)
Dense B_l (Lava)       --     ``e``; delivers ``B_l e`` one step later to layer l
=====================  =====  ====================================================

Learning-signal delay, in each layer's own time (``k`` = step of the sample it handles):

- readout: ``e[k]`` at step ``k``, **no delay** (readout and error run in the same step:
  the readout sends ``z`` before it receives ``e``);
- hidden layer ``l``: ``e`` reaches layer ``l`` through its feedback ``Dense`` one step
  after the error (depth ``L+1``) was computed, and layer ``l`` (depth ``l``) runs
  ``L+1-l`` steps ahead of the error, so ``L_l[k] = B_l e[k - (L+2-l)]``: a delay of
  **``L+2-l`` steps** (2 for one hidden layer; 3 and 2 for two).
- within a layer, the timing-corrected third factors pair the non-causal term of step
  ``k`` with the signal of step ``k-1`` (``L[k-1]``, see :mod:`lava_stllr.learning_rule`).

Recurrent layers (``layout.recurrent``): the recurrent synapse of layer ``l`` runs on
the clock of ``W_l`` (depth ``l-1``, ``OnChipLayout.recurrent_delay``): at its step
``k`` it receives ``h_l[k-1]``, the recurrent input of the layer's step ``k``, so it
pairs its pre spikes and the layer's factors as ``W_l`` does; it takes the spikes of its
step 0 (the layer's previous gap) as zeros, so every sample starts from ``h[-1] = 0`` as
in the batched trainer, whose forward pass this equals exactly.

Other on-chip effects reproduced here:

- weight staleness: a synapse computes ``W x[k]`` before it applies this step's update,
  so the current of step ``k`` includes the causal terms up to ``k-2`` and the
  non-causal terms up to ``k-1`` (the batched trainer's per-step SGD includes all terms
  up to ``k-1``);
- sample boundaries per Process: each Process restarts its state (membranes, traces,
  readout) when *its* sample starts, ``depth`` steps after the source; no eligibility
  product crosses a boundary (:func:`~lava_stllr.core.engine.stllr_dense_step`);
- learning window: the error is non-zero only on steps ``[window_start, n_steps)`` of a
  learning sample, so hidden layer ``l`` learns on steps ``[window_start + L+2-l,
  n_steps + L+2-l)`` of its own time, spilling into the ``gap`` blank steps that follow
  each sample. With ``gap >= L+1`` (the default) no signal reaches the next sample;
- a frozen conv front-end (``layout.front_end``) runs between the source and the first
  synapse (:class:`~lava_stllr.onchip.conv_pipeline.FrontEndPipeline`), every Process above
  ``front_depth`` steps deeper;
- every call (``train``/``evaluate``) plays its samples followed by one blank, unscored
  sample that flushes the pipeline, so the next call starts on a sample boundary.

Difference from :class:`~lava_stllr.reference.STLLRTrainer` (``signal="dfa"``,
``optimizer="sgd"``): the trainer has no pipeline. All its layers handle step ``k`` in
the same step, every hidden layer learns from ``B_l e[k]`` without delay, the
non-causal term uses ``L[k]``, the weights move once per mini-batch (mean error over the
batch) or, with ``update="step"``, after every step with no staleness, and every batch
starts from a fresh state with no gap steps. Here the batch size is 1, the samples form
one continuous stream, the hidden layers learn from errors ``L+2-l`` steps old (partly
during the gap), the non-causal term lags by one step and the causal update by one
step. Both compute the same S-TLLR eligibility and the same readout update
(``-lr * e[k] (x) trx[k]``). The trainer is the tool for training runs; this module is
the oracle of the Lava models.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from lava_stllr.core.messages import NeuronState
from lava_stllr.data.dataset import SpikeDataset
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.conv_pipeline import FrontEndPipeline
from lava_stllr.onchip.layout import (
    OnChipLayout,
    RunResult,
    StreamItem,
    sample_indices,
    stream_items,
)
from lava_stllr.onchip.program import network_program
from lava_stllr.onchip.steps import (
    ErrorConfig,
    dense_step,
    neuron_process_step,
    output_step,
    source_frame,
    tag_gate,
)


@dataclass
class _State:
    weights: list[np.ndarray]
    tags: list[np.ndarray | None]
    traces: list[np.ndarray]
    buffers: list[np.ndarray]
    neurons: list[NeuronState]
    feedback_buffers: list[np.ndarray]
    z: np.ndarray
    z_sum: np.ndarray
    source_sample: np.ndarray | None = None
    label_msg: np.ndarray = field(default_factory=lambda: np.zeros(3))
    time_step: int = 0
    # Recurrent synapses (one per hidden layer, empty unless layout.recurrent).
    rec_weights: list[np.ndarray] = field(default_factory=list)
    rec_tags: list[np.ndarray | None] = field(default_factory=list)
    rec_traces: list[np.ndarray] = field(default_factory=list)
    rec_buffers: list[np.ndarray] = field(default_factory=list)


class OnChipReference:
    """Batch-1, per-step SGD, DFA simulation of the Lava network, step for step.

    Same API as :class:`lava_stllr.lavanet.network.STLLRNetwork`: :meth:`train`,
    :meth:`evaluate`, :meth:`weights`.

    Parameters
    ----------
    layout : OnChipLayout
    record : bool
        Keep, for every Lava step, the hidden spikes (:attr:`spikes`, one list per
        layer), the learning signals the hidden layers use (:attr:`signals`) and the
        output error (:attr:`errors`).
    precision : {"float", "fixed"}
        ``"fixed"`` simulates the fixed-point network instead (binary input only):
        weights, feedback and programs from
        :func:`lava_stllr.onchip.program.network_program`; recordings are then integers
        (spikes, ``L_int``, ``e_int``).
    quantize_options : dict, optional
        Fixed only: options of :func:`lava_stllr.loihi.quantize.quantize` (e.g.
        ``weight_headroom``).
    """

    def __init__(self, layout: OnChipLayout, record: bool = False, precision: str = "float",
                 quantize_options: dict | None = None) -> None:
        self.program = prog = network_program(layout, precision, quantize_options)
        self.layout = layout
        self.precision = prog.precision
        self.fixed_network = prog.fixed_network
        weights = [syn.load_weights(w) for syn, w in zip(prog.synapses, prog.weights,
                                                         strict=True)]
        hidden = layout.sizes[1:-1]
        self._feedback = [np.asarray(b) for b in prog.feedback]
        self._state = _State(
            weights=weights,
            tags=[np.zeros_like(w) if layout.update == "sample" else None for w in weights],
            traces=[syn.zero_trace(w.shape[1]) for syn, w in zip(prog.synapses, weights,
                                                                 strict=True)],
            buffers=[np.zeros(w.shape[0], dtype=w.dtype) for w in weights],
            neurons=[neuron.zeros(n) for neuron, n in zip(prog.neurons, hidden, strict=True)],
            feedback_buffers=[np.zeros(b.shape[0], dtype=b.dtype) for b in self._feedback],
            z=prog.readout.zeros(layout.sizes[-1]),
            z_sum=np.zeros(layout.sizes[-1]),
        )
        rec = [syn.load_weights(w) for syn, w in zip(prog.recurrent_synapses,
                                                     prog.recurrent_weights, strict=True)]
        st = self._state
        st.rec_weights = rec
        st.rec_tags = [np.zeros_like(w) if layout.update == "sample" else None for w in rec]
        st.rec_traces = [syn.zero_trace(w.shape[1])
                         for syn, w in zip(prog.recurrent_synapses, rec, strict=True)]
        st.rec_buffers = [np.zeros(w.shape[0], dtype=w.dtype) for w in rec]
        self._rec_streams = [syn.random_stream(seed) for syn, seed in zip(
            prog.recurrent_synapses, prog.recurrent_seeds, strict=True)]
        self._rec_clocks = [SampleClock(layout.period, layout.recurrent_delay(i))
                            for i in range(len(rec))]
        self._streams = [syn.random_stream(seed)
                         for syn, seed in zip(prog.synapses, prog.rng_seeds, strict=True)]
        self._error_cfg = ErrorConfig(layout.n_steps, layout.window_start)
        period = layout.period
        self._source_clock = SampleClock(period, 0)
        self._dense_clocks = [SampleClock(period, layout.dense_delay(i))
                              for i in range(len(weights))]
        self._lif_clocks = [SampleClock(period, layout.lif_delay(i)) for i in range(len(hidden))]
        self._out_clock = SampleClock(period, layout.output_delay)
        front = layout.front_end
        self._front = None if front is None else FrontEndPipeline(
            prog.front, front.input_shape, period, layout.n_steps)
        self.record = record
        self.spikes: list[list[np.ndarray]] = [[] for _ in hidden]
        self.signals: list[list[np.ndarray]] = [[] for _ in hidden]
        self.errors: list[np.ndarray] = []
        self._samples: deque[StreamItem] = deque()
        self._labels: deque[StreamItem] = deque()

    def weights(self) -> list[np.ndarray]:
        """Copies of the feed-forward weights (the last one is the readout's); in fixed
        precision the float weights ``W_int * s_w``."""
        return self.program.float_weights(self._state.weights)

    def recurrent_weights(self) -> list[np.ndarray]:
        """Copies of the recurrent weights ``V_l`` (empty unless ``layout.recurrent``);
        in fixed precision the float weights ``V_int * s_w``."""
        return self.program.float_recurrent(self._state.rec_weights)

    def weight_mantissas(self) -> list[np.ndarray]:
        """Fixed precision only: the integer weights (9-bit mantissas, readout last)."""
        if self.fixed_network is None:
            raise ValueError("weight_mantissas needs precision='fixed'")
        return [w.copy() for w in self._state.weights]

    def train(self, dataset: SpikeDataset, n_samples: int | None = None,
              indices: Sequence[int] | None = None, lr_scale: float = 1.0) -> RunResult:
        """Play samples with learning (online, batch 1) and return their scores;
        ``lr_scale`` in [0, 1] scales the step size of every layer (a schedule)."""
        return self._call(dataset, n_samples, indices, learn=lr_scale)

    def evaluate(self, dataset: SpikeDataset, n_samples: int | None = None,
                 indices: Sequence[int] | None = None) -> RunResult:
        """Play samples without learning and return their scores."""
        return self._call(dataset, n_samples, indices, learn=0.0)

    def _call(self, dataset: SpikeDataset, n_samples: int | None,
              indices: Sequence[int] | None, learn: float) -> RunResult:
        idx = sample_indices(dataset, n_samples, indices)
        items = list(stream_items(self.layout, dataset, idx, learn))
        self._samples.extend(items)
        self._labels.extend(items)
        scores, labels, loss = [], [], 0.0
        for _ in range(len(items) * self.layout.period):
            result = self.step()
            if result is not None:
                scores.append(result[0])
                labels.append(result[1])
                loss += result[2]
        return RunResult(np.array(scores).reshape(len(scores), self.layout.sizes[-1]),
                         np.array(labels, dtype=np.int64), loss)

    def step(self) -> tuple[np.ndarray, int, float] | None:
        """Advance every Process by one Lava step; return ``(sum_z, label, loss)`` when
        a scored sample ends (``sum_z`` in float readout units), else None."""
        st, lay, prog = self._state, self.layout, self.program
        st.time_step += 1
        s = st.time_step
        # Connections first send what they buffered in the previous step.
        currents, raw_signals = list(st.buffers), list(st.feedback_buffers)
        for layer, rec_current in enumerate(st.rec_buffers):  # an InPort sums its inputs
            currents[layer] = currents[layer] + rec_current
        sample, k = self._source_clock.position(s)
        if self._source_clock.starts_sample(s):
            item = self._samples.popleft()
            st.source_sample = None if item.spikes is None else np.asarray(
                item.spikes, dtype=np.float32)
        outputs = [prog.source(source_frame(st.source_sample, sample, k, (lay.n_inputs,)))]
        if self._front is not None:  # the frozen conv front-end, stage by stage
            outputs[0] = self._front.step(outputs[0], s)
        factors = []
        for layer, neuron in enumerate(prog.neurons):
            clock = self._lif_clocks[layer]
            st.neurons[layer], out = neuron_process_step(
                neuron, st.neurons[layer], currents[layer], raw_signals[layer],
                clock.new_sample(s), tag_gate(clock, s, lay.update))
            outputs.append(out.spikes)
            factors.append(out.factors)
            if self.record:
                self.spikes[layer].append(out.spikes.copy())
                self.signals[layer].append(np.array(neuron.signal(raw_signals[layer])))
        # Readout, label source and output error (same step).
        if self._out_clock.starts_sample(s):
            item = self._labels.popleft()
            st.label_msg = np.array([item.label, item.learn, item.scored], dtype=float)
        st.z, out_err, out_factors = output_step(prog.output, st.z, currents[-1],
                                                 st.label_msg, st.z_sum, self._out_clock, s,
                                                 self._error_cfg, lay.update)
        st.z_sum = out_err.z_sum
        if self.record:
            self.errors.append(out_err.error.copy())
        factors.append(out_factors)
        # Synapses: current for the next step (old weights), then learning.
        for i, syn in enumerate(prog.synapses):
            st.buffers[i], st.traces[i] = dense_step(
                syn, st.weights[i], st.traces[i], outputs[i], factors[i],
                self._dense_clocks[i].new_sample(s), self._streams[i].next(), st.tags[i])
        for i, syn in enumerate(prog.recurrent_synapses):  # pre = post = hidden layer i
            st.rec_buffers[i], st.rec_traces[i] = dense_step(
                syn, st.rec_weights[i], st.rec_traces[i], outputs[i + 1], factors[i],
                self._rec_clocks[i].new_sample(s), self._rec_streams[i].next(),
                st.rec_tags[i], recurrent=True)
        # DFA feedback connections (Lava Dense, graded): B e, delivered next step.
        for layer, b in enumerate(self._feedback):
            st.feedback_buffers[layer] = prog.neurons[layer].feedback_current(b, out_err.error)
        if out_err.result is None:
            return None
        return out_err.result, int(st.label_msg[0]), out_err.loss
