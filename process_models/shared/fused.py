"""The ``run_spk`` of the fused :class:`~lava_stllr.processes.FusedLayer` and
:class:`~lava_stllr.processes.FusedOutput`, for every tag.

Each runs its parts' steps in the order their separate models run them in one Lava step;
a value handed from one part to another goes through :func:`wire`, which gives it what
a Lava channel and InPort would: the sender's port type, then the sum into the
receiver's zeros (e.g. ``-0.0`` arrives as ``0.0``). An InPort the composed network
leaves unconnected receives zeros of its type, here too.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from lava_stllr.core.messages import NeuronState, ThirdFactors
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.steps import neuron_process_step, source_frame, tag_gate
from lava_stllr.processes.fused import FusedLayer, FusedOutput
from lava_stllr.processes.wiring import wired_factors
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel
from process_models.shared.dense import SynapsePart
from process_models.shared.output import OutputLayerModel


def wire(value: Any, dtype: np.dtype) -> np.ndarray:
    """``value`` as received through a Lava port pair of type ``dtype``."""
    value = np.asarray(value)
    return np.zeros(value.shape, dtype) + value.astype(dtype)


#: The synapse part's ports and Vars (the fused Processes' ``_SynapseHost``).
SYNAPSE_ROLES = {
    "s_in": (IN, "spikes"), "snapshot_in": (IN, "host"), "weights_out": (OUT, "host"),
    "weights": (VAR, "weights"), "tag": (VAR, "tag"), "x1": (VAR, "trace"),
    "a_buff": (VAR, "current"), "syn_period": (VAR, "clock"), "syn_delay": (VAR, "clock"),
}


class _FusedSynapse(SynapsePart):
    """The synapse part of a fused model, fed by a post part in the same process."""

    ROLE_DTYPES: dict[str, np.dtype]

    def _init_fused_synapse(self, dense_params: Any, post_sends_bap: bool) -> None:
        program = dense_params["program"]
        self._init_synapse(dense_params, program)
        # What the composed network wires (the rest of the InPorts receive zeros).
        self._y1_wired, self._bap_wired = wired_factors(program, dense_params["update"],
                                                        post_sends_bap)

    def _syn_clock(self) -> SampleClock:
        return SampleClock(int(self.syn_period[0]), int(self.syn_delay[0]))

    def _current(self) -> np.ndarray:
        """The buffered current, as the post part's ``a_in`` receives it."""
        return wire(self.a_buff, self.ROLE_DTYPES["current"])

    def _factors(self, factors: ThirdFactors) -> ThirdFactors:
        """The post part's factors as the synapse's ``s_in_y1..s_in_bap`` receive them."""
        factor, spikes = self.ROLE_DTYPES["factor"], self.ROLE_DTYPES["spikes"]
        shape = np.shape(factors.y2)
        return ThirdFactors(
            wire(factors.y1, factor) if self._y1_wired else np.zeros(shape, factor),
            wire(factors.y2, factor), wire(factors.y3, factor),
            wire(factors.bap, spikes) if self._bap_wired else np.zeros(shape, spikes))


class FusedLayerModel(_FusedSynapse, ProgramModel):
    """Synapse, LIF neurons with their DFA feedback (and the event source) of one
    hidden layer, running the programs of the Processes it was built from."""

    PROCESS = FusedLayer
    PORT_ROLES = {
        **SYNAPSE_ROLES, "sample_in": (IN, "sample"), "s_out": (OUT, "spikes"),
        "e_in": (IN, "error"), "u": (VAR, "membrane"), "trpsi": (VAR, "trace"),
        "feedback": (VAR, "weights"), "fb_buff": (VAR, "signal"),
        "src_period": (VAR, "clock"), "src_delay": (VAR, "clock"), **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._neuron = proc_params["neuron"]["program"]
        self._frame = proc_params["source"]
        self._init_fused_synapse(proc_params["dense"], True)
        self._update = proc_params["neuron"]["update"]
        self._sample: np.ndarray | None = None

    def _source_payload(self) -> np.ndarray:
        """The built-in event source's row of this step, as the synapse receives it."""
        clock = SampleClock(int(self.src_period[0]), int(self.src_delay[0]))
        sample, step = clock.position(self.time_step)
        if clock.starts_sample(self.time_step):
            self._sample = self.sample_in.recv()
        frame = self._frame(source_frame(self._sample, sample, step, self.s_in.shape))
        return wire(frame, self.ROLE_DTYPES["spikes"])

    def run_spk(self) -> None:
        """Neurons from last step's current; spikes out; the synapse learns from this
        step's input and factors; ``B e`` of this step's error for the next step."""
        self._load_weights()
        signal = self.ROLE_DTYPES["signal"]
        clock = self.clock()
        state, out = neuron_process_step(
            self._neuron, NeuronState(self.u, self.trpsi), self._current(),
            np.zeros(self.fb_buff.shape, signal) + self.fb_buff,
            clock.new_sample(self.time_step), tag_gate(clock, self.time_step, self._update))
        self.u, self.trpsi = state.v, state.trace
        self.s_out.send(out.spikes)
        payload = self._source_payload() if self._frame is not None else self.s_in.recv()
        self._learn(payload, self._factors(out.factors), self._syn_clock())
        current = self._neuron.feedback_current(self.feedback, self.e_in.recv())
        self.fb_buff = np.asarray(current).astype(self.fb_buff.dtype)


class FusedOutputModel(_FusedSynapse, OutputLayerModel):
    """The readout's synapse and the output layer, running the programs of the Processes
    it was built from."""

    PROCESS = FusedOutput
    PORT_ROLES = {
        **SYNAPSE_ROLES, "e_out": (OUT, "error"), "label_in": (IN, "label"),
        "result_out": (OUT, "host"), "z": (VAR, "membrane"), "z_sum": (VAR, "score"),
        "n_scored": (VAR, "count"), "n_correct": (VAR, "count"),
        "loss_sum": (VAR, "score"), **CLOCK_ROLES,
    }

    def __init__(self, proc_params: Any) -> None:
        super().__init__(proc_params)
        self._init_fused_synapse(proc_params["dense"], False)

    def run_spk(self) -> None:
        """Output layer from last step's current; the synapse learns from this step's
        pre spikes and the readout's factors (the readout sends no bAP)."""
        self._load_weights()
        factors = self.output_step(self._current())
        self._learn(self.s_in.recv(), self._factors(factors), self._syn_clock())
