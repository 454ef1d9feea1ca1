"""The ``run_spk`` of :class:`~lava_stllr.processes.STLLRDense`, for every tag."""

from __future__ import annotations

from typing import Any

from lava_stllr.core.messages import ThirdFactors
from lava_stllr.onchip.steps import dense_step
from lava_stllr.processes.dense import STLLRDense
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel


class SynapsePart:
    """The synapse's part of a model's step (``STLLRDenseModel`` and the fused models):
    its program, random stream, first-step weight view, learning step and weight
    snapshots; the model holds the Vars ``weights``, ``tag``, ``x1``, ``a_buff`` and the
    host pipes ``snapshot_in``/``weights_out``."""

    def _init_synapse(self, proc_params: Any, program: Any) -> None:
        self._synapse = program
        self._randoms = program.random_stream(int(proc_params["rng_seed"]))
        self._loaded = False
        self._per_sample = proc_params["update"] == "sample"
        self._recurrent = bool(proc_params["recurrent"])
        self._snapshot_steps: list[int] = []

    def _load_weights(self) -> None:
        """First step only: the program's view of the weights (e.g. Loihi's mixed-sign
        truncation)."""
        if not self._loaded:
            self.weights = self._synapse.load_weights(self.weights).astype(self.weights.dtype)
            self._loaded = True

    def _learn(self, payload: Any, factors: ThirdFactors, clock: Any) -> None:
        """The next current and one learning-engine step; then serve weight snapshots."""
        self.a_buff, self.x1 = dense_step(self._synapse, self.weights, self.x1, payload,
                                          factors, clock.new_sample(self.time_step),
                                          self._randoms.next(),
                                          self.tag if self._per_sample else None,
                                          self._recurrent)
        self._serve_snapshots()

    def _serve_snapshots(self) -> None:
        """Send the weights to the host pipe at the requested steps (never blocks)."""
        requests = self.snapshot_in.csp_ports
        while requests and requests[0].probe():
            self._snapshot_steps.append(int(requests[0].recv()[0]))
        if self.time_step in self._snapshot_steps:
            self._snapshot_steps.remove(self.time_step)
            out = self.weights_out.csp_ports
            if out and out[0].probe():
                out[0].send(self.weights)


class STLLRDenseModel(SynapsePart, ProgramModel):
    """S-TLLR synapse computing only what the rule needs.

    Per step: (first step only: the program's view of the weights, e.g. Loihi's
    mixed-sign truncation) send the buffered current of ``x[t-1]``; receive ``x[t]``
    and the post neuron's ``y1..y3`` and bAP; compute the next current with the old
    weights; one learning-engine step (:func:`~lava_stllr.onchip.steps.dense_step`).
    With ``period`` set the pre trace restarts at every sample boundary; with
    ``update="sample"`` the products go into the tag, applied at the post's gate. The weight
    update runs at the end of the spiking phase, exactly as the learning phase would:
    no learning phase is requested from the runtime. A host pipe serves weight
    snapshots (``Var.get`` moves one element per message).
    """

    PROCESS = STLLRDense
    PORT_ROLES = {
        "s_in": (IN, "spikes"), "s_in_y1": (IN, "factor"), "s_in_y2": (IN, "factor"),
        "s_in_y3": (IN, "factor"), "s_in_bap": (IN, "spikes"), "a_out": (OUT, "current"),
        "snapshot_in": (IN, "host"), "weights_out": (OUT, "host"),
        "weights": (VAR, "weights"), "tag": (VAR, "tag"), "x1": (VAR, "trace"),
        "a_buff": (VAR, "current"),
        **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._init_synapse(proc_params, self._program)

    def run_spk(self) -> None:
        """Send ``W x[t-1]``; compute ``W x[t]``; learn from ``x[t]`` and ``y1..y3``."""
        self._load_weights()
        self.a_out.send(self.a_buff)
        payload = self.s_in.recv()
        factors = ThirdFactors(self.s_in_y1.recv(), self.s_in_y2.recv(), self.s_in_y3.recv(),
                               self.s_in_bap.recv())
        self._learn(payload, factors, self.clock())
