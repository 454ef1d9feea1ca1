"""The Lava backend of the CLI: ``STLLRNetwork`` behind the reference trainers' protocol."""

from __future__ import annotations

import time
from typing import Any

from lava_stllr.cli.parser import CLIError


class LavaNetworkTrainer:
    """Adapter from ``lava_stllr.network.STLLRNetwork`` to the trainer protocol
    (``weights``, ``fit``, ``evaluate``, ``close``) the CLI uses.

    The Lava network is built once, on the first ``fit``/``evaluate`` (it needs the
    number of steps per sample), and streams every epoch through the same runtime;
    input counts are sent as graded spikes, as the reference trainers see them (float),
    or as binary spikes ``count != 0`` (fixed point: Loihi 2 spikes carry no payload).

    The training accuracy and loss of an epoch come from a second pass over the
    training samples with learning frozen (the scores of the learning pass are made by
    weights that move at every step, and can be far from what the epoch's weights do).

    Parameters
    ----------
    spec, params, signal, seed
        As for the reference trainers (the Lava network learns with DFA only; any signal
        can be evaluated); ``spec.recurrent`` builds recurrent hidden layers.
    precision : {"float", "fixed"}
        Model tag ``floating_pt`` or ``fixed_pt``.
    """

    TAGS = {"float": "floating_pt", "fixed": "fixed_pt"}

    def __init__(self, spec: Any, params: Any, *, signal: str, precision: str,
                 seed: int) -> None:
        from lava_stllr.learning_rule import check_lava_params
        from lava_stllr.spec import init_weights

        check_lava_params(params)  # fail before any data is loaded or folder created
        # Imported now so that a broken Lava install fails before the run folder exists.
        from lava_stllr.network import STLLRNetwork

        self._network_class = STLLRNetwork
        self.spec, self.params, self.signal, self.seed = spec, params, signal, seed
        self.tag = self.TAGS[precision]
        self._net: Any = None
        self._weights = init_weights(spec, seed)

    def _network(self, n_steps: int) -> Any:
        if self._net is None:
            self._net = self._network_class(
                self.spec.sizes, int(n_steps), params=self.params, signal="dfa",
                beta_out=self.spec.beta_out, init_gain=self.spec.init_gain, seed=self.seed,
                graded_input=self.tag == "floating_pt", tag=self.tag,
                weights=self._weights,
                **({"recurrent": True} if self.spec.recurrent else {}))
        return self._net

    @property
    def weights(self) -> Any:
        """The current weights (read back from the runtime after training)."""
        return self._weights

    @weights.setter
    def weights(self, value: Any) -> None:
        """Start from ``value`` (a :class:`~lava_stllr.spec.Weights` of ``spec``): the
        network is built with them on the next ``fit``/``evaluate`` (a running one is
        closed first; fixed point quantizes them)."""
        from lava_stllr.spec import check_weights

        try:
            check_weights(self.spec, value, "saved weights")
        except ValueError as exc:
            raise CLIError(str(exc)) from None
        self.close()
        self._weights = value.copy()

    def fit(self, train: Any, val: Any = None, epochs: int = 1, progress: bool = True) -> Any:
        """Stream ``epochs`` seeded shuffles of ``train`` with learning (validating on
        ``val`` after each epoch); return a :class:`~lava_stllr.reference.History`."""
        import numpy as np

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
            net.train(train, indices=order, progress=progress, desc=f"{phase} train")
            frozen = net.evaluate(train, progress=progress, desc=f"{phase} train accuracy")
            history.train_loss.append(frozen.loss)
            history.train_acc.append(frozen.accuracy)
            if val is not None:
                loss, acc = self.evaluate(val, progress=progress, desc=f"{phase} validate")
                history.val_loss.append(loss)
                history.val_acc.append(acc)
            history.epoch_seconds.append(time.perf_counter() - start)
        recurrent = net.recurrent_weights() if self.spec.recurrent else []
        self._weights = Weights([np.asarray(w, dtype=np.float64) for w in net.weights()],
                                [np.asarray(v, dtype=np.float64) for v in recurrent])
        return history

    def evaluate(self, dataset: Any, progress: bool = False,
                 desc: str = "evaluate") -> tuple[float, float]:
        """Mean loss and accuracy on ``dataset`` (no learning), with a progress bar named
        ``desc`` when ``progress``."""
        result = self._network(dataset.n_steps).evaluate(dataset, progress=progress,
                                                         desc=desc)
        return result.loss, result.accuracy

    def close(self) -> None:
        """Stop the Lava runtime (the next ``fit``/``evaluate`` builds a new network)."""
        if self._net is not None:
            self._net.close()
            self._net = None


def make_lava_trainer(spec: Any, params: Any, signal: str, precision: str, seed: int) -> Any:
    """A :class:`LavaNetworkTrainer` (looked up at call time, so tests can replace it)."""
    return LavaNetworkTrainer(spec, params, signal=signal, precision=precision, seed=seed)
