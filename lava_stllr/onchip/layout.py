"""What fixes an on-chip network, and the stream of samples it plays.

:class:`OnChipLayout` holds sizes, timing, parameters and seeds of the pipelined Lava
network (and of its NumPy twin, :class:`~lava_stllr.onchip.pipeline.OnChipReference`);
:func:`stream_items` turns dataset samples into the messages the sources play.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lava_stllr import validate
from lava_stllr.core import cross_entropy, feedback_matrix
from lava_stllr.data.dataset import SpikeDataset
from lava_stllr.learning_rule import check_lava_params
from lava_stllr.onchip.conv_stages import FrontEnd
from lava_stllr.onchip.protocols import UPDATES
from lava_stllr.params import STLLRParams
from lava_stllr.spec.network import (
    DEFAULT_RECURRENT_GAIN,
    NetworkSpec,
    Weights,
    check_weights,
    init_weights,
)

SIGNALS = ("dfa",)


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
        into the next sample), ``L + 3`` with ``update="sample"`` (the gate step then
        carries no learning signal, which fixed point needs).
        ``n_steps + gap >= L + 2`` is required, and ``gap >= L + 2`` per sample
        (``L + 3`` in fixed point, :func:`lava_stllr.onchip.program.check_fixed_update`).
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
    update : {"step", "sample"}
        Weights move every step, or once per sample: the synapses accumulate the
        sample's S-TLLR products in their synaptic tag and apply it at the sample's
        last step (float and fixed point; see :func:`~lava_stllr.onchip.steps.tag_gate`).
    recurrent : bool
        Give every hidden layer an all-to-all recurrent ``STLLRDense`` ``V_l`` (n_l, n_l):
        layer ``l`` receives ``W_l h_{l-1}[k] + V_l h_l[k-1]`` (see
        :meth:`recurrent_delay`).
    recurrent_gain : float
        Initial recurrent weights: uniform with std ``recurrent_gain/sqrt(n_l)``
        (:attr:`~lava_stllr.spec.network.NetworkSpec.recurrent_gain`).
    weights : Weights or None
        Initial weights (e.g. trained offline by a reference trainer, or loaded from a
        run folder); None draws them from ``seed``. Recurrent matrices are needed iff
        ``recurrent``.
    front_end : FrontEnd or None
        A frozen conv front-end (:mod:`lava_stllr.onchip.conv_stages`) in front of the dense
        layers: samples are its input frames (:attr:`n_inputs`), ``sizes[0]`` is its
        flattened output, and every dense Process is :attr:`front_depth` steps deeper.
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
    update: str = "step"
    recurrent: bool = False
    recurrent_gain: float = DEFAULT_RECURRENT_GAIN
    weights: Weights | None = field(default=None, compare=False, repr=False)
    front_end: FrontEnd | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.recurrent, bool):
            raise ValueError(f"recurrent must be a bool, got {self.recurrent!r}")
        spec = NetworkSpec(tuple(self.sizes), beta_out=self.beta_out, init_gain=self.init_gain,
                           recurrent_gain=self.recurrent_gain)
        object.__setattr__(self, "recurrent_gain", spec.recurrent_gain)
        object.__setattr__(self, "sizes", spec.sizes)
        if self.weights is not None:
            check_weights(self.spec, self.weights, "weights")
            # A private float64 copy: the caller's arrays may change after construction.
            object.__setattr__(self, "weights", Weights(
                [np.array(w, dtype=np.float64) for w in self.weights.feedforward],
                [np.array(w, dtype=np.float64) for w in self.weights.recurrent]))
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
        validate.choice("update", self.update, UPDATES)
        per_sample = self.update == "sample"
        min_gap = spec.n_hidden_layers + 1 + per_sample
        # per sample one more: the gate step then carries no learning signal (fixed point
        # needs it, lava_stllr.onchip.program.check_fixed_update)
        gap = min_gap + per_sample if self.gap is None else self.gap
        if isinstance(gap, bool) or not isinstance(gap, int) or gap < 0:
            raise ValueError(f"gap must be None or an integer >= 0, got {self.gap!r}")
        if per_sample and gap < min_gap:
            raise ValueError(
                f"update='sample' needs gap >= n_hidden + 2 = {min_gap} (the last learning "
                f"signal must reach every layer before its tag is applied), got {gap}")
        object.__setattr__(self, "gap", gap)
        self._check_front_end()
        depth = spec.n_hidden_layers + 2 + self.front_depth
        if self.n_steps + gap < depth:
            raise ValueError(
                f"n_steps + gap must be >= n_hidden + 2 + front-end depth = {depth} (the "
                f"pipeline depth), got {self.n_steps + gap}")
        if self.signal not in SIGNALS:
            raise ValueError(f"signal must be one of {SIGNALS}, got {self.signal!r}")
        if not isinstance(self.seed, int) or isinstance(self.seed, bool) or self.seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {self.seed!r}")
        if not isinstance(self.graded_input, bool):
            raise ValueError(f"graded_input must be a bool, got {self.graded_input!r}")

    def _check_front_end(self) -> None:
        front = self.front_end
        if front is None:
            return
        if not isinstance(front, FrontEnd):
            raise ValueError(f"front_end must be a FrontEnd, got {type(front).__name__}")
        if front.n_outputs != self.sizes[0]:
            raise ValueError(f"the front-end sends {front.n_outputs} values, sizes[0] is "
                             f"{self.sizes[0]}")
        if front.graded_output and not self.graded_input:
            raise ValueError("the front-end ends in an average pool (graded values): "
                             "graded_input=True is needed")

    @property
    def front_depth(self) -> int:
        """Pipeline depth of the front-end (0 without one)."""
        return 0 if self.front_end is None else self.front_end.depth

    @property
    def n_inputs(self) -> int:
        """Size of an input frame: the front-end's, else ``sizes[0]``."""
        return self.sizes[0] if self.front_end is None else self.front_end.n_inputs

    @property
    def spec(self) -> NetworkSpec:
        """The layer layout as a :class:`NetworkSpec`."""
        return NetworkSpec(self.sizes, self.recurrent, self.beta_out, self.init_gain,
                           self.recurrent_gain)

    @property
    def frozen(self) -> bool:
        """``params.lr == 0``: every sample is played with learning off."""
        return self.params.lr == 0

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
        """Depth of weight matrix ``index`` (0 = input, ``L`` = readout): its pre layer's
        (plus :attr:`front_depth`, as every delay below)."""
        return index + self.front_depth

    def recurrent_delay(self, layer: int) -> int:
        """Clock delay of hidden layer ``layer``'s recurrent matrix: ``layer``, that of
        the feed-forward matrix into the layer, not its pre layer's depth ``layer + 1``.

        At its step ``j`` the synapse receives ``h[j-1]``, the layer's input ``V h[j-1]``
        of step ``j`` (sent one step later), with the factors of the layer's step
        ``j-1``: the same framing as the feed-forward synapse, so its trace restarts at
        the layer's own sample boundaries and the same timing-corrected rule applies. At
        step 0 the received spikes (the previous sample's last gap step) count as zero,
        ``h[-1] = 0`` (:func:`~lava_stllr.onchip.steps.dense_step` with ``recurrent``).
        """
        return layer + self.front_depth

    def lif_delay(self, layer: int) -> int:
        """Depth of hidden layer ``layer`` (0-based): ``layer + 1``."""
        return layer + 1 + self.front_depth

    @property
    def output_delay(self) -> int:
        """Depth of the readout, the output error and the label source: ``L + 1``."""
        return self.n_hidden + 1 + self.front_depth

    def signal_delay(self, layer: int) -> int:
        """Learning-signal delay of hidden layer ``layer`` (0-based) in its own time:
        ``L + 1 - layer`` steps (``L + 2 - l`` for 1-based ``l``)."""
        return self.n_hidden + 1 - layer

    def _initial(self) -> Weights:
        return self.weights if self.weights is not None else init_weights(self.spec, self.seed)

    def initial_weights(self) -> list[np.ndarray]:
        """Feed-forward weights ``(n_{l+1}, n_l)``, the last one the readout's: copies of
        ``weights``, else the seeded draw."""
        return [w.copy() for w in self._initial().feedforward]

    def initial_recurrent_weights(self) -> list[np.ndarray]:
        """Recurrent weights ``V_l`` (n_l, n_l) per hidden layer (empty unless
        ``recurrent``), from the same source as :meth:`initial_weights`."""
        return [w.copy() for w in self._initial().recurrent]

    def feedback(self) -> list[np.ndarray]:
        """DFA feedback matrices ``B_l`` of shape ``(n_l, n_classes)``."""
        n_out = self.sizes[-1]
        return [feedback_matrix(n, n_out, seed=self.seed + 1 + i)
                for i, n in enumerate(self.sizes[1:-1])]


class StreamItem(NamedTuple):
    """One sample of the input stream: spikes ``(n_steps, n_inputs)`` or None (blank),
    its label, its step-size scale ``learn`` (0: no learning, 1: the full ``lr``) and
    whether it is scored."""

    spikes: np.ndarray | None
    label: int
    learn: float
    scored: bool


def check_rate(rate: object) -> float:
    """A step-size scale (``lr_scale``) in [0, 1] as a float; True/False give 1/0."""
    if isinstance(rate, bool | np.bool_):
        return float(rate)
    return validate.real("lr_scale", rate, 0.0, 1.0)


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
    if dataset.n_steps != layout.n_steps or dataset.n_inputs != layout.n_inputs:
        raise ValueError(
            f"dataset samples are ({dataset.n_steps}, {dataset.n_inputs}), the network "
            f"expects ({layout.n_steps}, {layout.n_inputs})")
    if dataset.n_classes > layout.sizes[-1]:
        raise ValueError(f"dataset has {dataset.n_classes} classes, the readout only "
                         f"{layout.sizes[-1]}")


def sample_indices(dataset: SpikeDataset, n_samples: int | None,
                   indices: Sequence[int] | None) -> np.ndarray:
    """The dataset indices a call plays: ``indices``, else the first ``n_samples``
    (all if None); ``ValueError`` ("no samples to play") when that is none."""
    _check_interface(dataset)
    if indices is not None:
        if n_samples is not None:
            raise ValueError("give n_samples or indices, not both")
        idx = np.asarray(indices, dtype=np.int64)
        if idx.ndim != 1 or (idx.size and (idx.min() < 0 or idx.max() >= len(dataset))):
            raise ValueError(f"indices must be a 1-D list of indices in [0, {len(dataset)})")
        if idx.size == 0:  # else the stream of no sample fails deep inside
            raise ValueError("no samples to play: indices is empty")
        return idx
    if len(dataset) == 0:
        raise ValueError("no samples to play: the dataset is empty (0 samples)")
    n = len(dataset) if n_samples is None else n_samples
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 0 < n <= len(dataset):
        raise ValueError(f"n_samples must be in [1, {len(dataset)}], got {n_samples!r}")
    return np.arange(int(n))


def stream_items(layout: OnChipLayout, dataset: SpikeDataset, indices: np.ndarray,
                 learn: float) -> Iterator[StreamItem]:
    """Yield the stream of one call: the samples at ``indices`` with step-size scale
    ``learn`` in [0, 1], then one blank, unscored, non-learning sample that flushes the
    pipeline."""
    check_dataset(layout, dataset)
    learn = 0.0 if layout.frozen else check_rate(learn)
    for i in indices:
        spikes, label = dataset[int(i)]
        spikes = np.asarray(spikes)
        if spikes.shape != (layout.n_steps, layout.n_inputs):
            raise ValueError(f"sample {int(i)} has shape {spikes.shape}, expected "
                             f"{(layout.n_steps, layout.n_inputs)}")
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
        Summed cross-entropy of the window-mean readout ``scores / window`` (nats), the
        loss the reference trainers report.
    """

    scores: np.ndarray
    labels: np.ndarray
    loss_sum: float = 0.0

    @classmethod
    def from_window_sums(cls, scores: list[np.ndarray], labels: list[int],
                         window: int) -> RunResult:
        """The result of readouts summed over a ``window`` of steps per sample; the
        loss is that of their window mean, as the trainers define it."""
        score_array = np.array(scores).reshape(len(scores), -1)
        label_array = np.array(labels, dtype=np.int64)
        loss = (float(cross_entropy(score_array / window, label_array).sum()) if len(labels)
                else 0.0)
        return cls(score_array, label_array, loss)

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
