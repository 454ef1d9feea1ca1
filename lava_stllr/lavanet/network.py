"""Build and run an S-TLLR training network in Lava (CPU simulation).

The network is built once (Processes, connections, one compiled runtime) and then
streams samples in: each :meth:`STLLRNetwork.train` / :meth:`STLLRNetwork.evaluate`
call runs the runtime for ``(n + 1) * period`` steps while the host feeds the samples
and labels through the sources' pipes and reads one result per sample from the output
error's pipe (no ``Var.get`` in the loop). The timing of the pipeline, and the NumPy
simulation that reproduces it exactly, are described in
:mod:`lava_stllr.onchip.pipeline`.

Example
-------
>>> net = STLLRNetwork((512, 64, 4), n_steps=24, params="code_default")  # doctest: +SKIP
>>> with net:                                                           # doctest: +SKIP
...     net.train(train_set, n_samples=100)
...     print(net.evaluate(val_set).accuracy)
...     weights = net.weights()
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from tqdm.auto import tqdm

from lava_stllr import validate
from lava_stllr.data.dataset import SpikeDataset
from lava_stllr.lavanet.assembly import assemble
from lava_stllr.lavanet.fused import check_fuse
from lava_stllr.lavanet.run_config import STLLRSimCfg
from lava_stllr.onchip.conv_stages import FrontEnd
from lava_stllr.onchip.layout import (
    OnChipLayout,
    RunResult,
    check_dataset,
    check_rate,
    sample_indices,
    stream_items,
)
from lava_stllr.onchip.program import network_program
from lava_stllr.params import STLLRParams
from lava_stllr.processes.host_io import pipe_pending
from lava_stllr.runtime.guard import (
    LavaRuntimeError,
    close_at_exit,
    failure_message,
    lava_children_guard,
    runtime_alive,
    shutdown_runtime,
    wait_runtime,
)
from lava_stllr.runtime.shm import reclaim_stale_segments, record_runtime
from lava_stllr.spec.network import DEFAULT_RECURRENT_GAIN, Weights

#: Makes a progress bar: tqdm's signature (``total``, ``desc``, ``disable``, ``leave``).
BarFactory = Callable[..., Any]


class STLLRNetwork:
    """A dense S-TLLR network (LIF hidden layers, leaky readout, DFA) running in Lava.

    Parameters
    ----------
    sizes : tuple of int
        ``(n_inputs, hidden_1, ..., hidden_L, n_classes)``.
    n_steps : int
        Steps per sample.
    params : STLLRParams or str
        Parameters or preset name (``lam_pre > 0``).
    signal : {"dfa"}
        Learning signal of the hidden layers.
    gap : int or None
        Blank steps after each sample (None: ``L + 1``, per sample ``L + 3``).
    beta_out, init_gain, seed, graded_input, update, recurrent, recurrent_gain
        See :class:`~lava_stllr.onchip.OnChipLayout` (``update="sample"``: per-sample
        updates through the synaptic tag; ``recurrent``: a learning recurrent
        ``STLLRDense`` per hidden layer).
    weights : Weights or None
        Initial weights, e.g. ``trainer.weights`` of a reference trainer or
        ``lava_stllr.runs.record.load_run(folder).weights`` (fixed point quantizes them); None
        draws them from ``seed``. The network keeps learning from them on chip.
    precision : {"float", "fixed"}
        The arithmetic: ``"fixed"`` builds the fixed-point network (Loihi 2 widths, binary
        input). Every Process gets its program, initial weights and feedback from
        :func:`lava_stllr.onchip.program.network_program`, bit-exact with
        ``OnChipReference(layout, precision=...)``; the run config selects the models of
        that precision.
    quantize_options : dict, optional
        Fixed only: options of :func:`lava_stllr.loihi.quantize.quantize`.
    timeout : float
        Seconds any single host wait (a pipe send or receive) may take.
    fuse : {True, "feedback", False}
        How many OS processes Lava's simulator runs; the results are the same bit for
        bit. ``"feedback"``: each hidden layer's DFA feedback ``B_l e`` is computed
        inside its ``STLLRLIF`` (``feedback=B_l``, the error on ``e_in``) with the
        arithmetic and one-step delay of a Lava ``Dense``, and the readout, label source
        and output error are one :class:`~lava_stllr.processes.OutputLayer`. True
        (default): moreover one Process per layer (:mod:`lava_stllr.lavanet.fused`;
        without recurrent connections, else as ``"feedback"``). False: the composed
        network (``LeakyReadout``, ``LabelSource``, ``OutputError``, a Lava ``Dense`` per
        feedback).
    front_end : FrontEnd or None
        A frozen conv front-end before the dense layers (its Processes: ``self.front``);
        see :func:`lava_stllr.lavanet.conv.conv_network`.

    Attributes
    ----------
    (``fuse=True``: the fused Processes, :func:`~lava_stllr.lavanet.fused.fuse_layers`.)
    source, labels : EventSource, LabelSource (OutputLayer with ``fuse``)
    dense : list of STLLRDense
        Input-side first; the last one feeds the readout.
    recurrent : list of STLLRDense
        Recurrent connections ``V_l`` of the hidden layers (empty unless ``recurrent``).
    hidden : list of STLLRLIF
    readout : LeakyReadout (OutputLayer with ``fuse``)
    error : OutputError (the same OutputLayer with ``fuse``)
    feedback : list of Lava ``Dense``
        DFA connections ``B_l`` from the error to hidden layer ``l`` (empty with ``fuse``:
        then ``hidden[l].feedback`` holds ``B_l``).
    precision : {"float", "fixed"}
    fixed_network : FixedNetwork or None
        The integers of the fixed-point network (None in float).
    """

    def __init__(self, sizes: tuple[int, ...], n_steps: int,
                 params: STLLRParams | str = "code_default", signal: str = "dfa",
                 gap: int | None = None, beta_out: float = 0.9, init_gain: float = 1.0,
                 seed: int = 0, graded_input: bool = False, precision: str = "float",
                 quantize_options: dict | None = None, timeout: float = 600.0,
                 update: str = "step", recurrent: bool = False,
                 weights: Weights | None = None, fuse: bool | str = True,
                 front_end: FrontEnd | None = None,
                 recurrent_gain: float = DEFAULT_RECURRENT_GAIN) -> None:
        self.layout = OnChipLayout(tuple(sizes), n_steps, params, gap, signal, beta_out,
                                   init_gain, seed, graded_input, update, recurrent=recurrent,
                                   recurrent_gain=recurrent_gain, weights=weights,
                                   front_end=front_end)
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        self.program = network_program(self.layout, precision, quantize_options)
        self.precision = self.program.precision
        self._run_cfg = STLLRSimCfg(self.precision)
        self.fixed_network = self.program.fixed_network
        self.timeout = float(timeout)
        self.fuse = check_fuse(fuse)
        self._started = False
        self._closed = False
        self._steps_done = 0
        self._n_correct = 0  # running count of the current call (progress bar)
        self._weights: list[np.ndarray] = [np.array(w, dtype=float)
                                           for w in self.program.weights]
        self._rec_weights = [np.array(w, dtype=float) for w in self.program.recurrent_weights]
        self._build()

    def _build(self) -> None:
        parts = assemble(self.layout, self.program, self.fuse, self._weights,
                         self._rec_weights)
        for name, value in vars(parts).items():
            setattr(self, name, value)

    # -- running ---------------------------------------------------------------------

    def train(self, dataset: SpikeDataset, n_samples: int | None = None,
              indices: Sequence[int] | None = None, progress: bool | BarFactory = True,
              lr_scale: float = 1.0, desc: str = "train") -> RunResult:
        """Play samples with online learning; return their scores, accuracy and loss.

        Samples are ``dataset[i]`` for ``i`` in ``indices`` (default: the first
        ``n_samples``, all if None), in that order. ``lr_scale`` in [0, 1] scales every
        layer's step size for this call (the output error is scaled, so a schedule needs
        no rebuild). Shows a tqdm bar with the running accuracy when ``progress``, named
        ``desc`` (it says so while the first call starts the runtime); a callable
        ``progress`` is a bar factory with tqdm's signature used instead.
        """
        return self._call(dataset, n_samples, indices, lr_scale, progress, "train", desc)

    def evaluate(self, dataset: SpikeDataset, n_samples: int | None = None,
                 indices: Sequence[int] | None = None, progress: bool | BarFactory = False,
                 desc: str = "evaluate") -> RunResult:
        """Play samples without learning; return their scores, accuracy and loss."""
        return self._call(dataset, n_samples, indices, 0.0, progress, "evaluate", desc)

    def weights(self) -> list[np.ndarray]:
        """Feed-forward weights (readout last) at the end of the last call.

        Each call ends with the synapses sending their weights through a host pipe (one
        message per matrix), so this needs no ``Var.get`` (which moves one element per
        message: about half a minute for 2312 x 256 weights). In fixed point: the float
        weights ``W_int * s_w`` (see :meth:`weight_mantissas`).
        """
        return self.program.float_weights(self._weights)

    def recurrent_weights(self) -> list[np.ndarray]:
        """Recurrent weights ``V_l`` per hidden layer at the end of the last call (empty
        unless ``recurrent``), read back as :meth:`weights` (fixed: ``V_int * s_w``)."""
        return self.program.float_recurrent(self._rec_weights)

    def weight_mantissas(self) -> list[np.ndarray]:
        """Fixed point only: the integer weights (9-bit mantissas, readout last)."""
        if self.fixed_network is None:
            raise ValueError("weight_mantissas needs the fixed-point network "
                             "(precision='fixed')")
        return [np.asarray(w).astype(np.int64) for w in self._weights]

    def close(self) -> None:
        """Stop the runtime and end its processes (idempotent, bounded time).

        A started network that is never closed is closed at interpreter exit.

        Lava's own stop is tried first; model processes that do not stop within
        ``min(timeout, 10)`` seconds are terminated
        (:func:`~lava_stllr.runtime.guard.shutdown_runtime`), and the record of the
        runtime's shared memory is dropped (:mod:`lava_stllr.runtime.shm`).
        """
        if self._started and not self._closed:
            self._closed = True
            shutdown_runtime(self.source.runtime, grace=min(self.timeout, 10.0))
        self._closed = True

    stop = close

    def __enter__(self) -> STLLRNetwork:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the network was closed; build a new STLLRNetwork")

    def _alive(self) -> bool:
        # Lava exposes no public liveness check of the model processes.
        return runtime_alive(self.source.runtime)

    def _call(self, dataset: SpikeDataset, n_samples, indices, learn: float,
              progress: bool | BarFactory,
              mode: str, desc: str) -> RunResult:
        self._check_open()
        learn = check_rate(learn)
        idx = sample_indices(dataset, n_samples, indices)
        check_dataset(self.layout, dataset)
        items = stream_items(self.layout, dataset, idx, learn)
        n_steps = (len(idx) + 1) * self.layout.period
        condition = RunSteps(num_steps=n_steps, blocking=False)
        bar = (progress if callable(progress) else tqdm)(
            total=len(idx), desc=desc, disable=not progress, leave=False)
        scores: list[np.ndarray] = []
        labels: list[int] = []
        self._n_correct = 0
        try:
            if self._started:
                self.source.run(condition=condition)
            else:
                self._started = True
                # Compiling and starting the model processes takes seconds: say so.
                bar.set_description_str(f"{desc} (starting the Lava runtime)")
                bar.refresh()
                # Shared memory that killed runs of ours left behind (Lava never frees it).
                reclaim_stale_segments()
                # Children ignore Ctrl-C (the host shuts them down) and die with the host.
                with lava_children_guard():
                    self.source.run(condition=condition, run_cfg=self._run_cfg)
                # A network never closed must not block the interpreter's exit.
                close_at_exit(self, self.source.runtime)
                # Its segments all exist now; the next start reclaims them if we are killed.
                record_runtime(self.source.runtime)
                bar.set_description_str(desc)
            self._steps_done += n_steps
            # The source waits for the first sample, so no step has run yet.
            for dense in (*self.dense, *self.recurrent):
                dense.request_weights(self._steps_done, self.timeout, self._alive)
            blank = np.zeros((self.layout.n_steps, self.layout.n_inputs), dtype=np.float32)
            for item in items:
                spikes = blank if item.spikes is None else item.spikes
                self.source.send_sample(spikes, self.timeout, self._alive)
                self.labels.send_label(item.label, item.learn, item.scored, self.timeout,
                                       self._alive)
                if item.scored:
                    labels.append(item.label)
                self._drain(scores, labels, bar, block=False)
            while len(scores) < len(idx):
                self._drain(scores, labels, bar, block=True)
            wait_runtime(self.source.runtime, self.timeout, self._alive)
            weights = [np.array(d.receive_weights(self.timeout, self._alive), dtype=float)
                       for d in (*self.dense, *self.recurrent)]
        except LavaRuntimeError as exc:
            failures = self._abort()
            raise LavaRuntimeError(failure_message(str(exc), failures)) from exc
        except BaseException:  # incl. KeyboardInterrupt, TimeoutError, a bad sample
            self._abort()
            raise
        finally:
            bar.close()
        validate.finite(f"the Lava network's readout or weights ({mode})", *scores, *weights)
        self._weights = weights[:len(self.dense)]
        self._rec_weights = weights[len(self.dense):]
        return RunResult.from_window_sums(scores, labels,
                                          self.layout.n_steps - self.layout.window_start)

    def _drain(self, scores: list[np.ndarray], labels: list[int], bar: tqdm,
               block: bool) -> None:
        """Read the results waiting in the error pipe (at least one if ``block``) and
        update the progress bar with the running accuracy."""
        n_read = 0
        while pipe_pending(self.error.result_out) or (block and n_read == 0):
            z_sum, _ = self.error.receive_result(self.timeout, self._alive)
            scores.append(z_sum)
            n_read += 1
        if n_read:
            correct = sum(int(np.argmax(scores[i]) == labels[i])
                          for i in range(len(scores) - n_read, len(scores)))
            bar.update(n_read)
            self._n_correct += correct
            bar.set_postfix(acc=f"{self._n_correct / len(scores):.3f}")

    def _abort(self) -> list[str]:
        """End an interrupted call: terminate the model processes at once (the network
        cannot be used afterwards) and return what failed model processes raised.

        Never raises, so the error that interrupted the call is the one reported.
        """
        self._closed = True
        try:
            return shutdown_runtime(self.source.runtime, grace=0)
        except Exception:
            return []
