"""Whole layers in one Process: a hidden layer's synapse and neurons (and the network's
event source), or the last synapse and the output stage.

Lava's CPU simulator runs every Process in its own OS process and exchanges every
port's message through shared memory with a handshake per message; on a small machine
these handshakes, not the arithmetic, bound a step. A fused Process takes Processes
that were built (and validated) as usual and runs their steps in one OS process, with
the values passed between them typed as their Lava ports would type them, so the
results are the composed network's bit for bit. Only the connections between layers
(spikes forward, the output error back) remain Lava channels.
"""

from __future__ import annotations

from typing import Any

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr.processes._base import STLLRLayerProcess
from lava_stllr.processes.dense import STLLRDense
from lava_stllr.processes.neuron import STLLRLIF
from lava_stllr.processes.output import OutputLayer
from lava_stllr.processes.sources import LABEL_SIZE, EventSource

#: The parameters each part's model reads (``params``: the Process's ``.params``).
DENSE_KEYS = ("program", "rng_seed", "update", "recurrent")
NEURON_KEYS = ("program", "update", "fused_feedback")
OUTPUT_KEYS = ("params", "program", "update", "n_steps", "window_start", "n_classes")


def _params(proc: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: proc.proc_params[key] for key in keys}


def _copy_var(var: Var) -> Var:
    return Var(shape=var.shape, init=var.init)


def _check_dense(dense: Any) -> STLLRDense:
    if not isinstance(dense, STLLRDense):
        raise ValueError(f"dense must be an STLLRDense, got {type(dense).__name__}")
    if dense.proc_params["recurrent"]:
        raise ValueError("a fused layer takes a feed-forward STLLRDense, not a recurrent one")
    return dense


class _SynapseHost(STLLRLayerProcess):
    """Declares the Vars and host pipes of an ``STLLRDense`` part (``syn_`` clock)."""

    def _declare_synapse(self, dense: STLLRDense) -> None:
        self.s_in = InPort(shape=dense.s_in.shape)
        self.snapshot_in = InPort(shape=(1,))
        self.snapshot_in.flag_external_pipe(buffer_size=4)
        self.weights_out = OutPort(shape=dense.weights.shape)
        self.weights_out.flag_external_pipe(buffer_size=1)
        for var in ("weights", "tag", "x1", "a_buff"):
            setattr(self, var, _copy_var(getattr(dense, var)))
        self.syn_period = _copy_var(dense.period)
        self.syn_delay = _copy_var(dense.delay)

    request_weights = STLLRDense.request_weights
    receive_weights = STLLRDense.receive_weights


class FusedLayer(_SynapseHost):
    """An ``STLLRDense`` and its post ``STLLRLIF`` in one Process (one OS process).

    Per step, in the composed network's order: the synapse's buffered current drives
    the neurons; their spikes go out on ``s_out``; the synapse receives this step's pre
    spikes (``s_in``, or the built-in ``EventSource``) and the neurons' third factors
    and learns; the output error arrives on ``e_in`` and gives the next step's DFA
    current ``B e`` (the neurons must be built with ``feedback=B``).

    Parameters
    ----------
    dense : STLLRDense
        The layer's feed-forward synapse (not recurrent).
    neuron : STLLRLIF
        Its post neurons, with ``feedback``.
    source : EventSource, optional
        The network's input, played inside this Process; its samples come from the host
        pipe ``sample_in`` (:meth:`send_sample`) instead of ``s_in``.

    Vars
    ----
    The synapse's ``weights``, ``tag``, ``x1``, ``a_buff``, ``syn_period``,
    ``syn_delay``; the neurons' ``u``, ``trpsi``, ``feedback``, ``fb_buff``,
    ``period``, ``delay``; the source's ``src_period``, ``src_delay``.
    """

    def __init__(self, *, dense: STLLRDense, neuron: STLLRLIF,
                 source: EventSource | None = None, name: str | None = None) -> None:
        dense = _check_dense(dense)
        if not isinstance(neuron, STLLRLIF):
            raise ValueError(f"neuron must be an STLLRLIF, got {type(neuron).__name__}")
        if not neuron.proc_params["fused_feedback"]:
            raise ValueError("a fused layer needs an STLLRLIF built with feedback=B")
        n_post, n_pre = dense.weights.shape
        if neuron.u.shape != (n_post,):
            raise ValueError(f"dense has {n_post} post neurons but neuron has "
                             f"{neuron.u.shape[0]}")
        if source is not None and (not isinstance(source, EventSource)
                                   or source.s_out.shape != (n_pre,)):
            raise ValueError(f"source must be an EventSource of {n_pre} inputs")
        super().__init__(shape=(n_post,), dense=_params(dense, DENSE_KEYS),
                         neuron=_params(neuron, NEURON_KEYS), params=neuron.params,
                         source=None if source is None else source.proc_params["program"],
                         name=name)
        self._declare_synapse(dense)
        self.s_out = OutPort(shape=(n_post,))
        self.e_in = InPort(shape=neuron.e_in.shape)
        for var in ("u", "trpsi", "feedback", "fb_buff", "period", "delay"):
            setattr(self, var, _copy_var(getattr(neuron, var)))
        self.sample_in = InPort(shape=(1, 1) if source is None else source.sample_in.shape)
        if source is not None:
            self.sample_in.flag_external_pipe(buffer_size=4)
        self.src_period = Var(shape=(1,), init=0 if source is None else source.period.init)
        self.src_delay = Var(shape=(1,), init=0 if source is None else source.delay.init)

    send_sample = EventSource.send_sample

    def programs(self) -> tuple:
        """Its synapse's, neurons' and (if any) event source's programs."""
        source = self.proc_params["source"]
        return (self.proc_params["dense"]["program"], self.proc_params["neuron"]["program"],
                *(() if source is None else (source,)))


class FusedOutput(_SynapseHost):
    """The last ``STLLRDense`` and the :class:`~lava_stllr.processes.OutputLayer` it
    feeds in one Process (one OS process).

    Per step, in the composed network's order: the synapse's buffered current drives
    the readout; the label, the output error (sent on ``e_out``) and the readout's
    third factors follow; the synapse receives this step's pre spikes on ``s_in`` and
    the factors and learns; a scored sample's result goes to the host pipe
    ``result_out`` (:meth:`receive_result`).

    Parameters
    ----------
    dense : STLLRDense
        The readout's synapse.
    output : OutputLayer
        Readout, labels and output error.

    Vars
    ----
    The synapse's (as :class:`FusedLayer`); the output layer's ``z``, ``z_sum``,
    ``n_scored``, ``n_correct``, ``loss_sum``, ``period``, ``delay``.
    """

    def __init__(self, *, dense: STLLRDense, output: OutputLayer,
                 name: str | None = None) -> None:
        dense = _check_dense(dense)
        if not isinstance(output, OutputLayer):
            raise ValueError(f"output must be an OutputLayer, got {type(output).__name__}")
        n = output.z.shape[0]
        if dense.weights.shape[0] != n:
            raise ValueError(f"dense has {dense.weights.shape[0]} post neurons but the "
                             f"output layer has {n}")
        super().__init__(shape=(n,), dense=_params(dense, DENSE_KEYS),
                         **_params(output, OUTPUT_KEYS), name=name)
        self._declare_synapse(dense)
        self.e_out = OutPort(shape=(n,))
        self.label_in = InPort(shape=(LABEL_SIZE,))
        self.label_in.flag_external_pipe(buffer_size=4)
        self.result_out = OutPort(shape=(n + 1,))
        self.result_out.flag_external_pipe(buffer_size=1024)
        for var in ("z", "z_sum", "n_scored", "n_correct", "loss_sum", "period", "delay"):
            setattr(self, var, _copy_var(getattr(output, var)))

    send_label = OutputLayer.send_label
    receive_result = OutputLayer.receive_result

    def programs(self) -> tuple:
        """Its synapse's and its output stage's programs."""
        return (self.proc_params["dense"]["program"], self.proc_params["program"])
