"""On-chip reference: a NumPy simulation that reproduces the Lava S-TLLR network exactly.

The Lava network built by :class:`lava_stllr.network.STLLRNetwork` trains online with
batch size 1, plain per-step SGD and a DFA learning signal. It is a pipeline of Lava
Processes in which every synaptic connection (a ``Dense``) delays by one step. This
module simulates the same pipeline step by step, calling, in the same order, the same
step functions (:mod:`lava_stllr.core.process_steps`) as the ProcessModels'
``run_spk``, so spikes are identical and weights agree to rounding (tested to 1e-9;
bit-identical in practice).

Pipeline (``L`` hidden layers, Lava time steps ``s = 1, 2, ...``; a Process of depth
``D`` handles step ``k`` of a sample at ``s = start + k + D``):

=====================  =====  ====================================================
Process                depth  receives
=====================  =====  ====================================================
EventSource            0      one sample per ``period = n_steps + gap`` steps
STLLRDense 1           0      input spikes ``x[k]`` (sends ``W x[k]`` one step later)
STLLRLIF l (1..L)      l      ``W_l h_{l-1}[k]`` from STLLRDense l, ``L_l`` from DFA
STLLRDense l+1         l      spikes of layer l
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

Other on-chip effects reproduced here:

- weight staleness: a synapse computes ``W x[k]`` before it applies this step's update,
  so the current of step ``k`` includes the causal terms up to ``k-2`` and the
  non-causal terms up to ``k-1`` (the batched trainer's per-step SGD includes all terms
  up to ``k-1``);
- sample boundaries per Process: each Process restarts its state (membranes, traces,
  readout) when *its* sample starts, ``depth`` steps after the source; no eligibility
  product crosses a boundary (:func:`~lava_stllr.core.process_steps.stllr_dense_step`);
- learning window: the error is non-zero only on steps ``[window_start, n_steps)`` of a
  learning sample, so hidden layer ``l`` learns on steps ``[window_start + L+2-l,
  n_steps + L+2-l)`` of its own time, spilling into the ``gap`` blank steps that follow
  each sample. With ``gap >= L+1`` (the default) no signal reaches the next sample;
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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lava_stllr.core import feedback_matrix
from lava_stllr.core.process_steps import (
    ErrorConfig,
    LIFConfig,
    SampleClock,
    ThirdFactorGains,
    error_process_step,
    presynaptic_input,
    readout_step,
    source_frame,
    stllr_dense_step,
    stllr_lif_step,
    synaptic_current,
    third_factors,
)
from lava_stllr.data.dataset import SpikeDataset
from lava_stllr.params import STLLRParams
from lava_stllr.reference.network import NetworkSpec, init_weights

SIGNALS = ("dfa",)
#: Arithmetic of the simulated network: the floating_pt or the fixed_pt models.
PRECISIONS = ("float", "fixed")


@dataclass(frozen=True)
class OnChipLayout:
    """Everything that fixes the on-chip network: sizes, timing, parameters, seeds.

    Parameters
    ----------
    sizes : tuple of int
        ``(n_inputs, hidden_1, ..., hidden_L, n_classes)``, ``L >= 1``.
    n_steps : int
        Steps per sample.
    params : STLLRParams or str
        Parameters or a preset name; ``lam_pre`` must be > 0.
    gap : int or None
        Blank steps after each sample; None means ``L + 1`` (no learning signal leaks
        into the next sample). ``n_steps + gap >= L + 2`` is required.
    signal : {"dfa"}
        Learning signal of the hidden layers.
    beta_out : float
        Readout decay per step, in [0, 1].
    init_gain : float
        Initial weights: uniform with std ``init_gain/sqrt(fan_in)`` (as the trainers).
    seed : int
        Seeds the initial weights (``seed``) and feedback matrices (``seed + 1 + l``).
    graded_input : bool
        Feed input counts as graded payloads (else spikes ``x != 0``).
    """

    sizes: tuple[int, ...]
    n_steps: int
    params: STLLRParams | str = "code_default"
    gap: int | None = None
    signal: str = "dfa"
    beta_out: float = 0.9
    init_gain: float = 1.0
    seed: int = 0
    graded_input: bool = False

    def __post_init__(self) -> None:
        from lava_stllr.learning_rule import check_lava_params

        spec = NetworkSpec(tuple(self.sizes), beta_out=self.beta_out, init_gain=self.init_gain)
        object.__setattr__(self, "sizes", spec.sizes)
        params = self.params
        if isinstance(params, str):
            params = STLLRParams.preset(params)
        if not isinstance(params, STLLRParams):
            raise ValueError(f"params must be an STLLRParams or a preset name, got {params!r}")
        check_lava_params(params)
        object.__setattr__(self, "params", params)
        if isinstance(self.n_steps, bool) or not isinstance(self.n_steps, int) or (
                self.n_steps < 1):
            raise ValueError(f"n_steps must be an integer >= 1, got {self.n_steps!r}")
        gap = spec.n_hidden_layers + 1 if self.gap is None else self.gap
        if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
            raise ValueError(f"gap must be None or an integer >= 0, got {self.gap!r}")
        object.__setattr__(self, "gap", gap)
        if self.n_steps + gap < spec.n_hidden_layers + 2:
            raise ValueError(
                f"n_steps + gap must be >= n_hidden + 2 = {spec.n_hidden_layers + 2} (the "
                f"pipeline depth), got {self.n_steps + gap}")
        if self.signal not in SIGNALS:
            raise ValueError(f"signal must be one of {SIGNALS}, got {self.signal!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not isinstance(self.graded_input, bool):
            raise ValueError(f"graded_input must be a bool, got {self.graded_input!r}")

    @property
    def spec(self) -> NetworkSpec:
        """The layer layout as a :class:`NetworkSpec`."""
        return NetworkSpec(self.sizes, beta_out=self.beta_out, init_gain=self.init_gain)

    @property
    def n_hidden(self) -> int:
        """Number of LIF layers ``L``."""
        return len(self.sizes) - 2

    @property
    def period(self) -> int:
        """Lava steps per sample, ``n_steps + gap``."""
        return self.n_steps + self.gap

    @property
    def window_start(self) -> int:
        """First learning/scoring step of a sample."""
        return self.params.window_start(self.n_steps)

    def dense_delay(self, index: int) -> int:
        """Depth of weight matrix ``index`` (0 = input, ``L`` = readout): its pre layer's."""
        return index

    def lif_delay(self, layer: int) -> int:
        """Depth of hidden layer ``layer`` (0-based): ``layer + 1``."""
        return layer + 1

    @property
    def output_delay(self) -> int:
        """Depth of the readout, the output error and the label source: ``L + 1``."""
        return self.n_hidden + 1

    def signal_delay(self, layer: int) -> int:
        """Learning-signal delay of hidden layer ``layer`` (0-based) in its own time:
        ``L + 1 - layer`` steps (``L + 2 - l`` for 1-based ``l``)."""
        return self.n_hidden + 1 - layer

    def initial_weights(self) -> list[np.ndarray]:
        """Feed-forward weights ``(n_{l+1}, n_l)``, the last one the readout's."""
        return [w.copy() for w in init_weights(self.spec, self.seed).feedforward]

    def feedback(self) -> list[np.ndarray]:
        """DFA feedback matrices ``B_l`` of shape ``(n_l, n_classes)``."""
        n_out = self.sizes[-1]
        return [feedback_matrix(n, n_out, seed=self.seed + 1 + i)
                for i, n in enumerate(self.sizes[1:-1])]


class StreamItem(NamedTuple):
    """One sample of the input stream: spikes ``(n_steps, n_inputs)`` or None (blank),
    its label, and whether it learns and is scored."""

    spikes: np.ndarray | None
    label: int
    learn: bool
    scored: bool


def _check_interface(dataset: object) -> None:
    """Raise ``ValueError`` unless ``dataset`` has the SpikeDataset attributes."""
    missing = [a for a in ("n_steps", "n_inputs", "n_classes", "__len__", "__getitem__")
               if not hasattr(dataset, a)]
    if missing:
        raise ValueError(f"dataset must follow the SpikeDataset interface (see "
                         f"lava_stllr.data.dataset), {type(dataset).__name__} lacks {missing}")


def check_dataset(layout: OnChipLayout, dataset: SpikeDataset) -> None:
    """Raise ``ValueError`` if ``dataset``'s samples or classes do not fit ``layout``."""
    _check_interface(dataset)
    if dataset.n_steps != layout.n_steps or dataset.n_inputs != layout.sizes[0]:
        raise ValueError(
            f"dataset samples are ({dataset.n_steps}, {dataset.n_inputs}), the network "
            f"expects ({layout.n_steps}, {layout.sizes[0]})")
    if dataset.n_classes > layout.sizes[-1]:
        raise ValueError(f"dataset has {dataset.n_classes} classes, the readout only "
                         f"{layout.sizes[-1]}")


def sample_indices(dataset: SpikeDataset, n_samples: int | None,
                   indices: Sequence[int] | None) -> np.ndarray:
    """The dataset indices a call plays: ``indices``, else the first ``n_samples``
    (all if None)."""
    _check_interface(dataset)
    if indices is not None:
        if n_samples is not None:
            raise ValueError("give n_samples or indices, not both")
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 1 or (idx.size and (idx.min() < 0 or idx.max() >= len(dataset))):
            raise ValueError(f"indices must be a 1-D list of indices in [0, {len(dataset)})")
        return idx
    n = len(dataset) if n_samples is None else n_samples
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 0 < n <= len(dataset):
        raise ValueError(f"n_samples must be in [1, {len(dataset)}], got {n_samples!r}")
    return np.arange(int(n))


def stream_items(layout: OnChipLayout, dataset: SpikeDataset, indices: np.ndarray,
                 learn: bool) -> Iterator[StreamItem]:
    """Yield the stream of one call: the samples at ``indices``, then one blank,
    unscored, non-learning sample that flushes the pipeline."""
    check_dataset(layout, dataset)
    for i in indices:
        spikes, label = dataset[int(i)]
        spikes = np.asarray(spikes)
        if spikes.shape != (layout.n_steps, layout.sizes[0]):
            raise ValueError(f"sample {int(i)} has shape {spikes.shape}, expected "
                             f"{(layout.n_steps, layout.sizes[0])}")
        if spikes.dtype.kind not in "biuf" or not np.all(np.isfinite(spikes)):
            raise ValueError(f"sample {int(i)} holds NaN, Inf or non-numeric values "
                             f"(dtype {spikes.dtype})")
        n_classes = layout.sizes[-1]
        if isinstance(label, bool | np.bool_) or not isinstance(label, int | np.integer) or not (
                0 <= label < n_classes):
            raise ValueError(f"sample {int(i)} has label {label!r}, expected an integer in "
                             f"[0, {n_classes})")
        yield StreamItem(spikes, int(label), learn, True)
    yield StreamItem(None, 0, False, False)


@dataclass
class RunResult:
    """Outcome of one ``train``/``evaluate`` call.

    Attributes
    ----------
    scores : (n, n_classes) array
        Readout summed over the learning window, per scored sample, in play order.
    labels : (n,) int array
    loss_sum : float
        Summed cross-entropy of ``scores`` (nats).
    """

    scores: np.ndarray
    labels: np.ndarray
    loss_sum: float = 0.0

    @property
    def predictions(self) -> np.ndarray:
        """``argmax`` of the scores."""
        return self.scores.argmax(axis=1)

    @property
    def accuracy(self) -> float:
        """Fraction of correct predictions."""
        return float((self.predictions == self.labels).mean()) if len(self.labels) else 0.0

    @property
    def loss(self) -> float:
        """Mean cross-entropy (nats)."""
        return self.loss_sum / len(self.labels) if len(self.labels) else 0.0


@dataclass
class _State:
    weights: list[np.ndarray]
    traces: list[np.ndarray]
    buffers: list[np.ndarray]
    u: list[np.ndarray]
    trpsi: list[np.ndarray]
    feedback_buffers: list[np.ndarray]
    z: np.ndarray
    z_sum: np.ndarray
    source_sample: np.ndarray | None = None
    label_msg: np.ndarray = field(default_factory=lambda: np.zeros(3))
    time_step: int = 0


class OnChipReference:
    """Batch-1, per-step SGD, DFA simulation of the Lava network, step for step.

    Same API as :class:`lava_stllr.network.STLLRNetwork`: :meth:`train`,
    :meth:`evaluate`, :meth:`weights`.

    Parameters
    ----------
    layout : OnChipLayout
    record : bool
        Keep, for every Lava step, the hidden spikes (:attr:`spikes`, one list per
        layer), the learning signals the hidden layers receive (:attr:`signals`) and the
        output error (:attr:`errors`).
    precision : {"float", "fixed"}
        ``"fixed"`` simulates the ``fixed_pt`` network instead (binary input only):
        weights, feedback and programs from
        :func:`lava_stllr.reference.onchip_fixed.quantize_layout`, integer state, same
        step functions as the fixed ProcessModels (:mod:`lava_stllr.reference.onchip_fixed`);
        recordings are then integers (spikes, ``L_int``, ``e_int``).
    quantize_options : dict, optional
        Fixed only: options of :func:`lava_stllr.loihi.quantize.quantize` (e.g.
        ``weight_headroom``).
    """

    def __init__(self, layout: OnChipLayout, record: bool = False, precision: str = "float",
                 quantize_options: dict | None = None) -> None:
        if not isinstance(layout, OnChipLayout):
            raise ValueError(f"layout must be an OnChipLayout, got {type(layout).__name__}")
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}, got {precision!r}")
        if quantize_options is not None and precision != "fixed":
            raise ValueError("quantize_options needs precision='fixed'")
        self.layout = layout
        self.precision = precision
        p = layout.params
        weights = layout.initial_weights()
        hidden = layout.sizes[1:-1]
        self._feedback = layout.feedback()
        self._state = _State(
            weights=weights,
            traces=[np.zeros(w.shape[1]) for w in weights],
            buffers=[np.zeros(w.shape[0]) for w in weights],
            u=[np.zeros(n) for n in hidden],
            trpsi=[np.zeros(n) for n in hidden],
            feedback_buffers=[np.zeros(n) for n in hidden],
            z=np.zeros(layout.sizes[-1]),
            z_sum=np.zeros(layout.sizes[-1]),
        )
        self._lif = LIFConfig.from_params(p)
        self._readout_gains = ThirdFactorGains.readout(p.lr, p.lam_pre)
        self._error_cfg = ErrorConfig(layout.n_steps, layout.window_start)
        period = layout.period
        self._source_clock = SampleClock(period, 0)
        self._dense_clocks = [SampleClock(period, layout.dense_delay(i))
                              for i in range(len(weights))]
        self._lif_clocks = [SampleClock(period, layout.lif_delay(i)) for i in range(len(hidden))]
        self._out_clock = SampleClock(period, layout.output_delay)
        self.record = record
        self.spikes: list[list[np.ndarray]] = [[] for _ in hidden]
        self.signals: list[list[np.ndarray]] = [[] for _ in hidden]
        self.errors: list[np.ndarray] = []
        self._samples: deque[StreamItem] = deque()
        self._labels: deque[StreamItem] = deque()
        self._pipeline = None
        if precision == "fixed":
            from lava_stllr.reference.onchip_fixed import FixedPipeline, quantize_layout

            self.fixed_network = quantize_layout(layout, **(quantize_options or {}))
            self._pipeline = FixedPipeline(layout, self.fixed_network, self._samples,
                                           self._labels, self._record if record else None)

    def _record(self, spikes: list, signals: list, error: np.ndarray) -> None:
        for layer, (s, sig) in enumerate(zip(spikes, signals, strict=True)):
            self.spikes[layer].append(s)
            self.signals[layer].append(sig)
        self.errors.append(error)

    def weights(self) -> list[np.ndarray]:
        """Copies of the feed-forward weights (the last one is the readout's); in fixed
        precision the float weights ``W_int * s_w``."""
        if self._pipeline is not None:
            return self.fixed_network.dequantize_weights(self._pipeline.weight_mantissas())
        return [w.copy() for w in self._state.weights]

    def weight_mantissas(self) -> list[np.ndarray]:
        """Fixed precision only: the integer weights (9-bit mantissas, readout last)."""
        if self._pipeline is None:
            raise ValueError("weight_mantissas needs precision='fixed'")
        return self._pipeline.weight_mantissas()

    def train(self, dataset: SpikeDataset, n_samples: int | None = None,
              indices: Sequence[int] | None = None) -> RunResult:
        """Play samples with learning (online, per-step SGD) and return their scores."""
        return self._call(dataset, n_samples, indices, learn=True)

    def evaluate(self, dataset: SpikeDataset, n_samples: int | None = None,
                 indices: Sequence[int] | None = None) -> RunResult:
        """Play samples without learning and return their scores."""
        return self._call(dataset, n_samples, indices, learn=False)

    def _call(self, dataset: SpikeDataset, n_samples: int | None,
              indices: Sequence[int] | None, learn: bool) -> RunResult:
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
        a scored sample ends, else None."""
        if self._pipeline is not None:
            return self._pipeline.step()
        st, lay = self._state, self.layout
        st.time_step += 1
        s = st.time_step
        n_hidden = lay.n_hidden
        # Connections first send what they buffered in the previous step.
        currents = list(st.buffers)
        signals = list(st.feedback_buffers)
        # EventSource.
        sample, k = self._source_clock.position(s)
        if sample >= 0 and k == 0:
            item = self._samples.popleft()
            st.source_sample = None if item.spikes is None else np.asarray(
                item.spikes, dtype=np.float32)
        frame = source_frame(st.source_sample, sample, k, (lay.sizes[0],))
        # Hidden layers.
        outputs = [frame]
        factors = []
        for layer in range(n_hidden):
            out = stllr_lif_step(st.u[layer], st.trpsi[layer], currents[layer], signals[layer],
                                 self._lif, self._lif_clocks[layer].new_sample(s))
            st.u[layer], st.trpsi[layer] = out.u, out.trpsi
            outputs.append(out.spikes)
            factors.append((out.y2, out.y3))
            if self.record:
                self.spikes[layer].append(out.spikes.copy())
                self.signals[layer].append(np.array(signals[layer], copy=True))
        # Readout, label source and output error (same step).
        st.z = readout_step(st.z, currents[n_hidden], lay.beta_out,
                            self._out_clock.new_sample(s))
        position = self._out_clock.position(s)
        if position[0] >= 0 and position[1] == 0:
            item = self._labels.popleft()
            st.label_msg = np.array([item.label, item.learn, item.scored], dtype=float)
        out_err = error_process_step(st.z, st.label_msg, st.z_sum, position, self._error_cfg)
        st.z_sum = out_err.z_sum
        if self.record:
            self.errors.append(out_err.error.copy())
        factors.append(third_factors(out_err.error, 1.0, 0.0, self._readout_gains))
        # Synapses: current for the next step (old weights), then learning.
        for i, w in enumerate(st.weights):
            graded = lay.graded_input and i == 0
            x = presynaptic_input(outputs[i], graded)
            st.buffers[i] = synaptic_current(w, x, graded)
            st.traces[i] = stllr_dense_step(w, st.traces[i], x, factors[i][0], factors[i][1],
                                            lay.params.lam_pre,
                                            self._dense_clocks[i].new_sample(s))
        # DFA feedback connections (Lava Dense, graded): B e, delivered next step.
        for layer, b in enumerate(self._feedback):
            st.feedback_buffers[layer] = b.dot(out_err.error)
        if out_err.result is None:
            return None
        return out_err.result, int(st.label_msg[0]), out_err.loss
