"""The Lava backend of the CLI: ``STLLRNetwork`` behind the reference trainers' protocol."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from lava_stllr.cli.parser import CLIError


class LavaNetworkTrainer:
    """Adapter from ``lava_stllr.lavanet.network.STLLRNetwork`` to the trainer protocol
    (``weights``, ``fit``, ``evaluate``, ``close``) the CLI uses.

    The Lava network is built once, on the first ``fit``/``evaluate`` (it needs the
    number of steps per sample), and streams every epoch through the same runtime;
    input counts are sent as graded spikes, as the reference trainers see them (float),
    or as binary spikes ``count != 0`` (fixed point: Loihi 2 spikes carry no payload).

    The training accuracy and loss of an epoch come from a second pass over the
    training samples with learning frozen (the scores of the learning pass are made by
    weights that move at every step, and can be far from what the epoch's weights do).

    A :class:`~lava_stllr.spec.conv.ConvNetSpec` runs as
    :func:`~lava_stllr.lavanet.conv.conv_network`: its conv and pool layers are a frozen
    front-end (their kernels never change), its dense layers and readout learn; its
    weights are the kernels followed by the dense part's weights, as the conv trainers
    hold them.

    Parameters
    ----------
    spec, params, signal, seed
        As for the reference trainers (the Lava network learns with DFA only; any signal
        can be evaluated); ``spec.recurrent`` builds recurrent hidden layers.
    precision : {"float", "fixed"}
        The network's arithmetic (:class:`~lava_stllr.lavanet.network.STLLRNetwork`).
    weights : Weights, optional
        Start from these (e.g. a finished run's) instead of weights drawn from ``seed``.
    update : {"step", "sample"}
        Weights move every step, or once per sample through the synaptic tag.
    lr_decay : float
        The step size of epoch ``k`` (from 0) is ``lr * lr_decay**k`` (``lr_scale``).
    train_eval : int
        After each epoch, score the first ``train_eval`` training samples with learning
        off; 0: the training accuracy is the online one, scored while learning.
    """

    def __init__(self, spec: Any, params: Any, *, signal: str, precision: str,
                 seed: int, weights: Any = None, update: str = "step", lr_decay: float = 1.0,
                 train_eval: int = 0) -> None:
        from lava_stllr.learning_rule import check_lava_params

        check_lava_params(params)  # fail before any data is loaded or folder created
        # Imported now so that a broken Lava install fails before the run folder exists.
        from lava_stllr.lavanet.network import STLLRNetwork

        self._network_class = STLLRNetwork
        self.spec, self.params, self.signal, self.seed = spec, params, signal, seed
        self.precision = precision
        self.update, self.lr_decay, self.train_eval = update, float(lr_decay), int(train_eval)
        self._net: Any = None
        self._weights = _initial_weights(spec, seed)
        if weights is not None:
            self.weights = weights

    def _network(self, n_steps: int) -> Any:
        if self._net is None and self.spec.kind == "conv":
            from lava_stllr.lavanet.conv import conv_network

            self._net = conv_network(self.spec, self._weights, int(n_steps), self.params,
                                     signal="dfa", seed=self.seed,
                                     precision=self.precision, update=self.update)
        if self._net is None:
            self._net = self._network_class(
                self.spec.sizes, int(n_steps), params=self.params, signal="dfa",
                beta_out=self.spec.beta_out, init_gain=self.spec.init_gain, seed=self.seed,
                graded_input=self.precision == "float", precision=self.precision,
                update=self.update,
                weights=self._weights,
                **({"recurrent": True} if self.spec.recurrent else {}))
        return self._net

    @property
    def weights(self) -> Any:
        """The current weights (read back from the runtime after training)."""
        return self._weights

    @weights.setter
    def weights(self, value: Any) -> None:
        """Start from ``value`` (a :class:`~lava_stllr.spec.network.Weights` of ``spec``): the
        network is built with them on the next ``fit``/``evaluate`` (a running one is
        closed first; fixed point quantizes them). A conv network that cannot run as
        a front-end in this precision is refused here (:func:`check_conv_front_end`)."""
        from lava_stllr.spec.kinds import check_spec_weights

        try:
            check_spec_weights(self.spec, value, "saved weights")
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        if self.spec.kind == "conv":  # the kernels' quantization depends on their values
            check_conv_front_end(self.spec, value, self.params, self.precision)
        self.close()
        self._weights = value.copy()

    def fit(self, train: Any, val: Any = None, epochs: int = 1, progress: Any = True,
            on_epoch: Callable[[Any], None] | None = None) -> Any:
        """Stream ``epochs`` seeded shuffles of ``train`` with learning (validating on
        ``val`` after each epoch); return a :class:`~lava_stllr.reference.History`.
        ``progress``: as :meth:`STLLRNetwork.train` takes it (a bool or a bar factory);
        ``on_epoch(history)`` is called as each epoch ends, with the history so far."""
        import numpy as np

        from lava_stllr.data.dataset import epoch_data
        from lava_stllr.reference import History, Weights

        if self.signal != "dfa":
            raise CLIError(f"the lava backend learns with --signal dfa only, got "
                           f"{self.signal!r}; use --backend reference for {self.signal}")
        net = self._network(train.n_steps)
        history = History()
        for epoch in range(epochs):
            start = time.perf_counter()
            order = np.random.default_rng(self.seed * 100_003 + epoch).permutation(len(train))
            phase = f"epoch {epoch + 1}/{epochs}"
            online = net.train(epoch_data(train, epoch), indices=order, progress=progress,
                               desc=f"{phase} train", lr_scale=self.lr_decay ** epoch)
            scored = online if not self.train_eval else net.evaluate(
                train, indices=range(min(self.train_eval, len(train))), progress=progress,
                desc=f"{phase} train accuracy (learning off)")
            history.train_loss.append(scored.loss)
            history.train_acc.append(scored.accuracy)
            if val is not None:
                loss, acc = self.evaluate(val, progress=progress, desc=f"{phase} validate")
                history.val_loss.append(loss)
                history.val_acc.append(acc)
            history.epoch_seconds.append(time.perf_counter() - start)
            if on_epoch is not None:
                on_epoch(history)
        recurrent = net.recurrent_weights() if getattr(self.spec, "recurrent", False) else []
        learned = [np.asarray(w, dtype=np.float64) for w in net.weights()]
        # A conv network's kernels stay frozen in front of the learned dense part.
        kernels = [np.array(w) for w in self._weights.feedforward[:-len(learned)]]
        self._weights = Weights(kernels + learned,
                                [np.asarray(v, dtype=np.float64) for v in recurrent])
        return history

    def evaluate(self, dataset: Any, progress: Any = False,
                 desc: str = "evaluate") -> tuple[float, float]:
        """Mean loss and accuracy on ``dataset`` (no learning), with a progress bar named
        ``desc`` when ``progress``."""
        result = self._network(dataset.n_steps).evaluate(dataset, progress=progress,
                                                         desc=desc)
        return result.loss, result.accuracy

    def outcome(self, dataset: Any, progress: Any = False,
                desc: str = "evaluate") -> tuple[float, float, Any, Any]:
        """``(mean loss, accuracy, labels, predictions)`` on ``dataset`` (no learning);
        a prediction is the class of the largest readout summed over the window."""
        result = self._network(dataset.n_steps).evaluate(dataset, progress=progress,
                                                         desc=desc)
        return result.loss, result.accuracy, result.labels, result.predictions

    def close(self) -> None:
        """Stop the Lava runtime (the next ``fit``/``evaluate`` builds a new network)."""
        if self._net is not None:
            self._net.close()
            self._net = None


def _initial_weights(spec: Any, seed: int) -> Any:
    """Weights drawn from ``seed`` as the reference trainers draw them."""
    if spec.kind == "conv":
        from lava_stllr.spec.conv import init_conv_weights

        return init_conv_weights(spec, seed)
    from lava_stllr.spec.network import init_weights

    return init_weights(spec, seed)


def check_conv_front_end(spec: Any, weights: Any, params: Any, precision: str) -> None:
    """Refuse, before any data is read, a conv network that cannot run as the frozen
    front-end of :func:`~lava_stllr.lavanet.conv.conv_network` in ``precision``
    (no dense layer after the conv/pool layers; in fixed point, a front-end ending in an
    average pool, kernels or thresholds out of Loihi 2's ranges)."""
    from lava_stllr.onchip.conv_stages import split_conv

    try:
        front, _, _ = split_conv(spec, weights)
        front.stages(params, precision)
    except ValueError as exc:
        raise CLIError(f"the conv network {spec.label} cannot run in Lava with --precision "
                       f"{precision}: {exc}") from None


def fixed_input_note(dataset: dict) -> str | None:
    """Why fixed-point scores may differ from the reference's beyond quantization: the
    fixed-point network (dense or conv front-end) reads binary spikes ``count != 0``,
    while a dataset binned as event counts (``max_count`` not 1) gives the reference
    graded inputs. None when the recorded binning is binary (or unknown). N-MNIST runs
    recorded before binning was an option were binned as counts."""
    binning = dataset.get("binning")
    if binning is None and dataset.get("name") == "nmnist":
        binning = {"max_count": None}
    if not isinstance(binning, dict) or binning.get("max_count", 1) == 1:
        return None
    return (f"--precision fixed sends binary input spikes (count != 0), while the "
            f"{dataset.get('name', 'run')} input is binned as event counts (max_count "
            f"{binning.get('max_count')}), which the reference and float Lava read as they "
            f"are (binarize it in training with --input binary)")


def make_lava_trainer(spec: Any, params: Any, signal: str, precision: str, seed: int,
                      **options: Any) -> Any:
    """A :class:`LavaNetworkTrainer` (looked up at call time, so tests can replace it);
    ``options``: its ``update``, ``lr_decay``, ``train_eval``."""
    return LavaNetworkTrainer(spec, params, signal=signal, precision=precision, seed=seed,
                              **options)
