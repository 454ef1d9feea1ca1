"""Floating-point (float64) ProcessModels, tag ``floating_pt``.

Each model is its shared base (:mod:`process_models.shared`) with a float program of
:mod:`lava_stllr.onchip.programs_float`, as the on-chip reference runs them, and every
port and Var typed by its role in :data:`ROLE_TYPES`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lava_stllr.onchip import programs_float as programs
from lava_stllr.onchip.frontend import FloatFrontNeuron, PoolStage
from process_models.shared import dense, frontend, fused, neuron, output, readout, sources
from process_models.shared.base import HOST_ROLE_TYPES
from process_models.shared.tagged import tagged_model

TAG = "floating_pt"
#: Lava type of each role: float64 for the arithmetic, the host roles as every tag.
ROLE_TYPES: dict[str, tuple[type, int | None]] = {
    **{role: (float, None) for role in ("spikes", "factor", "current", "signal", "membrane",
                                        "trace", "weights", "error", "pooled")},
    **HOST_ROLE_TYPES,
}


def _synapse(pp: Any) -> programs.FloatSynapse:
    return programs.FloatSynapse(float(pp["params"].lam_pre), bool(pp["graded"]))


def _neuron(pp: Any) -> programs.FloatNeuron:
    return programs.FloatNeuron.from_params(pp["params"])


def _readout(pp: Any) -> programs.FloatReadout:
    return programs.FloatReadout.from_params(pp["params"], pp["beta_out"])


_model = partial(tagged_model, tag_name=TAG, role_types=ROLE_TYPES, module=__name__)

PySTLLRDenseModelFloat = _model(
    dense.STLLRDenseModel, _synapse, "PySTLLRDenseModelFloat",
    "Float S-TLLR synapse (FloatSynapse): the weights of Lava's float LearningDense with "
    "stllr_learning_rule, computing one pre trace and only the active columns; the sign "
    "flag and bAP ports are received and unused.")
PySTLLRLIFModelFloat = _model(
    neuron.STLLRLIFModel, _neuron, "PySTLLRLIFModelFloat",
    "Float S-TLLR LIF neuron (FloatNeuron); sends y1 = 0 (no sign flag in float) and the "
    "spikes as bAP.", statics={"feedback_current": programs.feedback_current})
PyLeakyReadoutModelFloat = _model(
    readout.LeakyReadoutModel, _readout, "PyLeakyReadoutModelFloat",
    "Float leaky-integrator readout (FloatReadout).")
PyOutputErrorModelFloat = _model(
    readout.OutputErrorModel, lambda pp: programs.FloatErrorCodec(), "PyOutputErrorModelFloat",
    "Float output error softmax(z) - onehot, sent as computed.")
PyEventSourceModel = _model(
    sources.EventSourceModel, lambda pp: programs.float_frame, "PyEventSourceModel",
    "Plays the host's samples as they are (graded payloads allowed).")
PyLabelSourceModel = _model(
    sources.LabelSourceModel, lambda pp: None, "PyLabelSourceModel",
    "Label messages [label, learn, scored].")

PyOutputLayerModelFloat = _model(
    output.OutputLayerModel,
    lambda pp: (_readout(pp), programs.FloatErrorCodec()), "PyOutputLayerModelFloat",
    "Fused float readout, label source and output error (FloatReadout, FloatErrorCodec).")

PyFrontEndLIFModelFloat = _model(
    frontend.FrontEndLIFModel,
    lambda pp: FloatFrontNeuron(pp["params"].beta, pp["params"].theta, pp["params"].reset),
    "PyFrontEndLIFModelFloat", "Frozen float LIF of a conv front-end stage (FloatFrontNeuron).")
PySpikePoolModelFloat = _model(
    frontend.SpikePoolModel, lambda pp: PoolStage(pp["kind"], pp["kernel"], (), ()),
    "PySpikePoolModelFloat", "Float max or average pooling of a front-end map.")
PyFusedLayerModelFloat = _model(
    fused.FusedLayerModel,
    lambda pp: (_synapse(pp["dense"]), _neuron(pp["neuron"]), programs.float_frame),
    "PyFusedLayerModelFloat",
    "Fused float synapse, LIF neurons with DFA feedback and (optionally) event source.",
    statics={"feedback_current": programs.feedback_current})
PyFusedOutputModelFloat = _model(
    fused.FusedOutputModel,
    lambda pp: (_readout(pp), programs.FloatErrorCodec(), _synapse(pp["dense"])),
    "PyFusedOutputModelFloat", "Fused float readout synapse and output layer.")

#: The models of this tag (read by ``process_models.registry``).
MODELS = (PySTLLRDenseModelFloat, PySTLLRLIFModelFloat, PyLeakyReadoutModelFloat,
          PyOutputErrorModelFloat, PyEventSourceModel, PyLabelSourceModel,
          PyOutputLayerModelFloat, PyFrontEndLIFModelFloat, PySpikePoolModelFloat,
          PyFusedLayerModelFloat, PyFusedOutputModelFloat)
