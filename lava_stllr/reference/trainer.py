"""What the reference trainers share: evaluation, the epoch loop, history, save/load."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from lava_stllr import validate
from lava_stllr.core import cross_entropy
from lava_stllr.data.dataset import SpikeDataset, epoch_data, iter_batches
from lava_stllr.files import load_arrays, save_arrays
from lava_stllr.params import STLLRParams
from lava_stllr.reference.averaging import WeightAverage
from lava_stllr.reference.network import NetworkState, forward_step
from lava_stllr.reference.standardized import Standardization
from lava_stllr.spec.network import NetworkSpec, Weights, check_weights, init_weights

#: Makes a progress bar: tqdm's signature (``total``, ``desc``, ``disable``, ``leave``).
BarFactory = Callable[..., Any]

#: The float types the reference trainers compute in (float64 is the oracle of the
#: Lava comparisons; float32 halves the memory traffic of the matrix products).
DTYPES = ("float32", "float64")


def resolve_dtype(dtype: str | type | np.dtype) -> np.dtype:
    """The NumPy dtype of ``"float32"``/``"float64"`` (or ``np.float32``/``np.float64``).

    Anything else raises ``ValueError``; ``np.dtype`` itself is not used to parse, since
    it would also accept ``None`` (float64), ``"f2"`` or integer types.
    """
    if isinstance(dtype, str):
        ok = dtype in DTYPES
    else:
        ok = any(dtype is t or (isinstance(dtype, np.dtype) and dtype == t)
                 for t in (np.float32, np.float64))
    if not ok:
        raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
    return np.dtype(dtype)


@dataclass
class History:
    """Per-epoch training and validation loss (nats) and accuracy (fraction); with
    weight averaging (``fit(average_last=N)``, N > 1), also the validation loss and
    accuracy of the averaged weights that ``fit`` leaves (``averaged_val_*``, else None)."""

    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_acc: list[float] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    averaged_val_loss: float | None = None
    averaged_val_acc: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {k: list(v) if isinstance(v, list) else v for k, v in self.__dict__.items()}

    @property
    def final_val(self) -> tuple[float, float] | None:
        """(loss, accuracy) of the weights ``fit`` left: the averaged ones, else the last
        epoch's; None without a held-out set."""
        if self.averaged_val_acc is not None:
            return self.averaged_val_loss, self.averaged_val_acc
        return (self.val_loss[-1], self.val_acc[-1]) if self.val_acc else None


def check_batch(spec: NetworkSpec, x: np.ndarray, labels: np.ndarray) -> None:
    """Raise ``ValueError`` if a batch does not fit the network (any spec with
    ``n_inputs`` and ``n_classes``: a dense or a conv one)."""
    if x.ndim != 3 or x.shape[2] != spec.n_inputs:
        raise ValueError(
            f"input batch must have shape (B, T, {spec.n_inputs}), got {x.shape}"
        )
    if x.shape[1] == 0:
        raise ValueError("input samples are empty (0 time steps)")
    if labels.shape != (x.shape[0],):
        raise ValueError(f"labels must have shape ({x.shape[0]},), got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    if labels.size and (labels.min() < 0 or labels.max() >= spec.n_classes):
        raise ValueError(
            f"labels must be in [0, {spec.n_classes}), got range [{labels.min()}, {labels.max()}]"
        )
    if not np.all(np.isfinite(x)):
        bad = int(np.flatnonzero(~np.isfinite(x).all(axis=(1, 2)))[0])
        raise ValueError(f"input spikes contain NaN or Inf (batch sample {bad})")
    if x.size and x.min() < 0:
        bad = int(np.flatnonzero((x < 0).any(axis=(1, 2)))[0])
        raise ValueError(f"spike counts must be >= 0, got min {x.min()} (batch sample {bad})")


def batch_outcome(scores: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
    """(summed cross-entropy, number correct) of window-averaged readouts ``scores``."""
    return float(cross_entropy(scores, labels).sum()), int((scores.argmax(1) == labels).sum())


class ReferenceTrainer:
    """Base of the batched trainers: weights, evaluation and the epoch loop.

    Subclasses implement :meth:`train_batch`. Predictions are ``argmax_k mean_t z_k[t]``
    over the learning window; the reported loss is the cross-entropy of that mean.

    ``dtype`` (``"float64"`` or ``"float32"``) is the type of the weights, the network
    state, the traces, the gradients and the scores; inputs are cast to it once per
    batch, so nothing in the step loop is promoted to float64 when it is float32.

    A trainer of another layout (:mod:`lava_stllr.reference.conv_trainer`) sets
    ``spec_type`` and overrides the weight hooks (``_initial_weights``, ``_check_weights``,
    ``_saved_spec``) and :meth:`predict_scores`.
    """

    spec_type: type = NetworkSpec

    def __init__(self, spec: NetworkSpec, params: STLLRParams, seed: int = 0,
                 dtype: str | type | np.dtype = "float64", standardize: bool = False):
        if not isinstance(spec, self.spec_type):
            raise ValueError(f"spec must be a {self.spec_type.__name__}, got "
                             f"{type(spec).__name__}")
        if not isinstance(params, STLLRParams):
            raise ValueError(f"params must be an STLLRParams, got {type(params).__name__}")
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise ValueError(f"seed must be an integer >= 0, got {seed!r}")
        seed = int(seed)
        self.spec = spec
        self.params = params
        self.seed = seed
        self.dtype: np.dtype = resolve_dtype(dtype)
        if not isinstance(standardize, bool):
            raise ValueError(f"standardize must be True or False, got {standardize!r}")
        self.standardize = standardize
        # Drawn in float64 and rounded, so both dtypes start from the same weights.
        self._weights: Weights = self._cast(self._initial_weights())
        self._ws = Standardization(self._weights.arrays(), self._standardized_layers(),
                                   folded=False) if standardize else None

    def _standardized_layers(self) -> range:
        """Indices in ``weights.arrays()`` of the weight-standardized layers: every hidden
        feed-forward layer (conv or dense), not the readout nor recurrent matrices."""
        return range(len(self._weights.feedforward) - 1)

    def _optimizer_step(self, grads: list[np.ndarray]) -> None:
        """``self.optimizer`` steps the weights by ``grads`` (ordered as
        ``weights.arrays()``); with weight standardization, ``grads`` are with respect
        to the folded weights and move the raw weights and gains behind them
        (:class:`~lava_stllr.reference.standardized.Standardization`)."""
        weights = self._weights.arrays()
        if self._ws is None:
            self.optimizer.step(weights, grads)
        else:
            self._ws.step(self.optimizer, weights, grads)

    def _initial_weights(self) -> Weights:
        """The seeded initial weights of ``self.spec`` (float64)."""
        return init_weights(self.spec, self.seed)

    def _check_weights(self, weights: Weights) -> None:
        """Raise ``ValueError`` unless ``weights`` fit ``self.spec``."""
        check_weights(self.spec, weights)

    def _saved_spec(self, data: dict) -> NetworkSpec:
        """The spec a file written by :meth:`save` holds (its ``spec`` dict)."""
        return NetworkSpec(**{**data, "sizes": tuple(data["sizes"])})

    def _cast(self, weights: Weights) -> Weights:
        """``weights`` as arrays of :attr:`dtype` (no copy where they already are)."""
        return Weights([np.asarray(w, dtype=self.dtype) for w in weights.feedforward],
                       [np.asarray(w, dtype=self.dtype) for w in weights.recurrent])

    def _inputs(self, x: np.ndarray) -> np.ndarray:
        """A batch of input spikes as :attr:`dtype`, cast once rather than at every
        product of the step loop (where a float64 batch would promote everything)."""
        return np.asarray(x, dtype=self.dtype)

    @property
    def weights(self) -> Weights:
        """The trainable weights (assigning checks shapes and finiteness, and casts them
        to :attr:`dtype`)."""
        return self._weights

    @weights.setter
    def weights(self, value: Weights) -> None:
        self._check_weights(value)
        # Finite float64 weights beyond +-3.4e38 become Inf in float32: refused below
        # with one error, rather than also warning on the cast.
        with np.errstate(over="ignore"):
            cast = self._cast(value)
        if self.dtype != np.float64 and not all(np.isfinite(w).all() for w in cast.arrays()):
            raise ValueError(f"weights: values beyond the {self.dtype} range")
        if self.standardize:  # taken up as folded weights; folding writes into them
            cast = Weights([w.copy() for w in cast.feedforward],
                           [w.copy() for w in cast.recurrent])
            self._ws = Standardization(cast.arrays(), self._standardized_layers(),
                                       folded=True)
        self._weights = cast

    def train_batch(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, int]:
        """Train on one batch ``x`` (B, T, n_in); return (summed loss, number correct)."""
        raise NotImplementedError

    def predict_scores(self, x: np.ndarray) -> np.ndarray:
        """Readout averaged over the learning window, (B, n_out), without learning."""
        x = self._inputs(x)
        batch, n_steps, _ = x.shape
        state = NetworkState(self.spec, batch, self.dtype)
        start = self.params.window_start(n_steps)
        scores = np.zeros((batch, self.spec.sizes[-1]), self.dtype)
        for t in range(n_steps):
            forward_step(self.spec, self.params, self.weights, state, x[:, t])
            if t >= start:
                scores += state.z
        return scores / (n_steps - start)

    def evaluate(self, dataset: SpikeDataset, batch_size: int = 64) -> tuple[float, float]:
        """Mean loss and accuracy on ``dataset`` (no learning)."""
        loss, accuracy, _, _ = self.outcome(dataset, batch_size)
        return loss, accuracy

    def outcome(self, dataset: SpikeDataset, batch_size: int = 64
                ) -> tuple[float, float, np.ndarray, np.ndarray]:
        """``(mean loss, accuracy, labels, predictions)`` on ``dataset`` (no learning);
        a prediction is the argmax of the window-averaged readout."""
        loss, labels, predictions = 0.0, [], []
        for x, y in iter_batches(dataset, batch_size):
            check_batch(self.spec, x, y)
            scores = self.predict_scores(x)
            loss += batch_outcome(scores, y)[0]
            labels.append(y)
            predictions.append(scores.argmax(axis=1))
        if not labels:
            raise ValueError("dataset is empty: nothing to evaluate")
        labels_all, predicted = np.concatenate(labels), np.concatenate(predictions)
        return (loss / len(labels_all), float(np.mean(labels_all == predicted)), labels_all,
                predicted)

    def fit(
        self,
        train: SpikeDataset,
        val: SpikeDataset | None = None,
        epochs: int = 1,
        batch_size: int = 32,
        progress: bool | BarFactory = True,
        on_epoch: Callable[[History], None] | None = None,
        lr_decay: float = 1.0,
        average_last: int = 1,
    ) -> History:
        """Train for ``epochs`` passes over ``train`` in a seeded shuffled order.

        Epoch ``e`` (from 0) steps with ``lr * lr_decay**e`` (a step schedule; the
        optimizer's own ``lr`` is restored when ``fit`` returns).

        ``average_last = N > 1``: weight averaging (stochastic weight averaging, Izmailov
        et al. 2018). When ``fit`` returns, the weights are the mean of the weights at the
        end of each of the last ``N`` epochs, ``W = (1/N) sum_e W_e``, and
        ``history.averaged_val_*`` scores them; the per-epoch history is that of the
        weights as they trained. The optimizer's state is not averaged.

        Returns the per-epoch :class:`History`. ``progress``: a tqdm bar with the running
        accuracy (True), none (False), or bars from a factory with tqdm's signature (e.g.
        plain lines where no terminal shows a bar). ``on_epoch(history)`` is called as
        each epoch ends, after its held-out score. An empty ``train`` or ``val`` is a
        ``ValueError`` before any training.
        """

        if isinstance(epochs, bool) or not isinstance(epochs, int | np.integer) or epochs < 1:
            raise ValueError(f"epochs must be an integer >= 1, got {epochs!r}")
        for what, data in (("training set", train), ("held-out set", val)):
            if data is not None and len(data) == 0:  # before an epoch is spent training
                raise ValueError(f"no samples to play: the {what} is empty (0 samples)")
        lr_decay = validate.real("lr_decay", lr_decay, 0.0, 1.0, lo_open=True)
        average_last = validate.whole("average_last", average_last, 1)
        if average_last > epochs:
            raise ValueError(f"average_last must be <= epochs ({epochs}), got {average_last}")
        history = History()
        base_lr = self.optimizer.lr
        averaged = WeightAverage(epochs - average_last) if average_last > 1 else None
        try:
            self._epochs(train, val, epochs, batch_size, progress, on_epoch, lr_decay,
                         history, averaged)
        finally:
            self.optimizer.lr = base_lr
        if averaged is not None:
            self.weights = averaged.weights()
            if val is not None:
                history.averaged_val_loss, history.averaged_val_acc = self.evaluate(val)
        return history

    def _epochs(self, train: SpikeDataset, val: SpikeDataset | None, epochs: int,
                batch_size: int, progress: bool | BarFactory,
                on_epoch: Callable[[History], None] | None, lr_decay: float,
                history: History, averaged: WeightAverage | None = None) -> None:
        import time

        base_lr = self.optimizer.lr
        for epoch in range(epochs):
            self.optimizer.lr = base_lr * lr_decay ** epoch
            start = time.perf_counter()
            loss, correct, n = 0.0, 0, 0
            bar = (progress if callable(progress) else tqdm)(
                total=len(train), desc=f"epoch {epoch + 1}/{epochs}", disable=not progress,
                leave=False)
            for x, labels in iter_batches(epoch_data(train, epoch), batch_size, shuffle=True,
                                          seed=self.seed * 100_003 + epoch):
                check_batch(self.spec, x, labels)
                batch_loss, batch_correct = self.train_batch(x, labels)
                validate.finite(f"training (epoch {epoch + 1}, after {n + len(labels)} "
                                "samples): the loss or the weights", batch_loss,
                                *self.weights.arrays())
                loss += batch_loss
                correct += batch_correct
                n += len(labels)
                bar.update(len(labels))
                bar.set_postfix(acc=f"{correct / n:.3f}", loss=f"{loss / n:.3f}")
            bar.close()
            history.epoch_seconds.append(time.perf_counter() - start)
            history.train_loss.append(loss / n)
            history.train_acc.append(correct / n)
            if val is not None:
                val_loss, val_acc = self.evaluate(val)
                validate.finite(f"validation after epoch {epoch + 1}: the loss", val_loss)
                history.val_loss.append(val_loss)
                history.val_acc.append(val_acc)
            if averaged is not None:
                averaged.add(epoch, self.weights)
            if on_epoch is not None:
                on_epoch(history)

    def save(self, path: str | Path) -> Path:
        """Write the weights with the network spec and parameters (atomic, versioned)."""
        arrays = {f"ff{i}": w for i, w in enumerate(self.weights.feedforward)}
        arrays.update({f"rec{i}": w for i, w in enumerate(self.weights.recurrent)})
        meta = {"spec": self.spec.to_dict(), "params": self.params.to_dict(),
                "seed": self.seed, "trainer": type(self).__name__, "dtype": self.dtype.name}
        return save_arrays(path, arrays, meta)

    def load(self, path: str | Path) -> None:
        """Load weights written by :meth:`save`; the network spec must match.

        The weights are cast to this trainer's :attr:`dtype`, whatever dtype the file
        records (files written before the dtype option record none: float64).
        """
        arrays, meta = load_arrays(path)
        try:
            saved = self._saved_spec(meta["spec"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} has no valid network spec ({exc})") from None
        if saved != self.spec:
            raise ValueError(f"{path} holds a network {saved}, this trainer has {self.spec}")
        n_ff = len(self.weights.feedforward)
        n_rec = len(self.weights.recurrent)
        try:
            ff = [arrays[f"ff{i}"] for i in range(n_ff)]
            rec = [arrays[f"rec{i}"] for i in range(n_rec)]
        except KeyError as exc:
            raise ValueError(f"{path} lacks weight array {exc}") from None
        for new, old in zip([*ff, *rec], self.weights.arrays(), strict=True):
            if new.shape != old.shape:
                raise ValueError(f"{path}: weight shape {new.shape}, expected {old.shape}")
            if not np.all(np.isfinite(new)):
                raise ValueError(f"{path} holds NaN or Inf weights")
        # The setter casts (and refuses float64 values beyond the float32 range).
        self.weights = Weights(ff, rec)
