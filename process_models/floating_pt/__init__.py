"""Floating-point (float64) ProcessModels, tag ``floating_pt``.

Each model is its shared base (:mod:`process_models.shared`) with a float program of
:mod:`lava_stllr.onchip.programs_float`, as the on-chip reference runs them, and every
port and Var typed by its role in :data:`ROLE_TYPES`.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lava_stllr.onchip.programs_float import (
    FloatErrorCodec,
    FloatNeuron,
    FloatReadout,
    FloatSynapse,
    float_frame,
)
from process_models.shared.base import HOST_ROLE_TYPES
from process_models.shared.dense import STLLRDenseModel
from process_models.shared.neuron import STLLRLIFModel
from process_models.shared.readout import LeakyReadoutModel, OutputErrorModel
from process_models.shared.sources import EventSourceModel, LabelSourceModel
from process_models.shared.tagged import tagged_model

TAG = "floating_pt"
#: Lava type of each role: float64 for the arithmetic, the host roles as every tag.
ROLE_TYPES: dict[str, tuple[type, int | None]] = {
    **{role: (float, None) for role in ("spikes", "factor", "current", "signal", "membrane",
                                        "trace", "weights", "error")},
    **HOST_ROLE_TYPES,
}


def _synapse(pp: Any) -> FloatSynapse:
    return FloatSynapse(float(pp["params"].lam_pre), bool(pp["graded"]))


_model = partial(tagged_model, tag_name=TAG, role_types=ROLE_TYPES, module=__name__)

PySTLLRDenseModelFloat = _model(
    STLLRDenseModel, _synapse, "PySTLLRDenseModelFloat",
    "Float S-TLLR synapse (FloatSynapse): the weights of Lava's float LearningDense with "
    "stllr_learning_rule, computing one pre trace and only the active columns; the sign "
    "flag and bAP ports are received and unused.")
PySTLLRLIFModelFloat = _model(
    STLLRLIFModel, lambda pp: FloatNeuron.from_params(pp["params"]), "PySTLLRLIFModelFloat",
    "Float S-TLLR LIF neuron (FloatNeuron); sends y1 = 0 (no sign flag in float) and the "
    "spikes as bAP.")
PyLeakyReadoutModelFloat = _model(
    LeakyReadoutModel, lambda pp: FloatReadout.from_params(pp["params"], pp["beta_out"]),
    "PyLeakyReadoutModelFloat", "Float leaky-integrator readout (FloatReadout).")
PyOutputErrorModelFloat = _model(
    OutputErrorModel, lambda pp: FloatErrorCodec(), "PyOutputErrorModelFloat",
    "Float output error softmax(z) - onehot, sent as computed.")
PyEventSourceModel = _model(
    EventSourceModel, lambda pp: float_frame, "PyEventSourceModel",
    "Plays the host's samples as they are (graded payloads allowed).")
PyLabelSourceModel = _model(
    LabelSourceModel, lambda pp: None, "PyLabelSourceModel",
    "Label messages [label, learn, scored].")

#: The models of this tag (read by ``process_models.registry``).
MODELS = (PySTLLRDenseModelFloat, PySTLLRLIFModelFloat, PyLeakyReadoutModelFloat,
          PyOutputErrorModelFloat, PyEventSourceModel, PyLabelSourceModel)
