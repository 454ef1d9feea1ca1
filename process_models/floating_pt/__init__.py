"""Floating-point (float64) ProcessModels, tag ``floating_pt``.

Each model is its shared base (:mod:`process_models.shared`), which runs the float
program its Process carries (:mod:`lava_stllr.onchip.programs_float`), with every port
and Var typed by its role in :data:`ROLE_TYPES`.
"""

from __future__ import annotations

from process_models.shared import dense, frontend, fused, neuron, output, readout, sources
from process_models.shared.base import HOST_ROLE_TYPES
from process_models.shared.tagged import tagged

TAG = "floating_pt"
#: The precision of the programs these models run.
PRECISION = "float"
#: Lava type of each role: float64 for the arithmetic, the host roles as every tag.
ROLE_TYPES: dict[str, tuple[type, int | None]] = {
    **{role: (float, None) for role in ("spikes", "factor", "current", "signal", "membrane",
                                        "trace", "weights", "tag", "error", "pooled")},
    **HOST_ROLE_TYPES,
}
_tagged = tagged(TAG, PRECISION, ROLE_TYPES)


@_tagged
class PySTLLRDenseModelFloat(dense.STLLRDenseModel):
    """Float S-TLLR synapse (FloatSynapse): the weights of Lava's float LearningDense with
    stllr_learning_rule, computing one pre trace and only the active columns; the sign
    flag and bAP ports are received and unused."""


@_tagged
class PySTLLRLIFModelFloat(neuron.STLLRLIFModel):
    """Float S-TLLR LIF neuron (FloatNeuron); sends y1 = 0 (no sign flag in float) and the
    spikes as bAP."""


@_tagged
class PyLeakyReadoutModelFloat(readout.LeakyReadoutModel):
    """Float leaky-integrator readout (FloatReadout)."""


@_tagged
class PyOutputErrorModelFloat(readout.OutputErrorModel):
    """Float output error softmax(z) - onehot, sent as computed."""


@_tagged
class PyEventSourceModel(sources.EventSourceModel):
    """Plays the host's samples as they are (graded payloads allowed)."""


@_tagged
class PyLabelSourceModel(sources.LabelSourceModel):
    """Label messages [label, learn, scored]."""


@_tagged
class PyOutputLayerModelFloat(output.OutputLayerModel):
    """Fused float readout, label source and output error (FloatReadout, FloatErrorCodec)."""


@_tagged
class PyFrontEndLIFModelFloat(frontend.FrontEndLIFModel):
    """Frozen float LIF of a conv front-end stage (FloatFrontNeuron)."""


@_tagged
class PySpikePoolModelFloat(frontend.SpikePoolModel):
    """Float max or average pooling of a front-end map."""


@_tagged
class PyFusedLayerModelFloat(fused.FusedLayerModel):
    """Fused float synapse, LIF neurons with DFA feedback and (optionally) event source."""


@_tagged
class PyFusedOutputModelFloat(fused.FusedOutputModel):
    """Fused float readout synapse and output layer."""


#: The models of this tag (read by ``process_models.registry``).
MODELS = (PySTLLRDenseModelFloat, PySTLLRLIFModelFloat, PyLeakyReadoutModelFloat,
          PyOutputErrorModelFloat, PyEventSourceModel, PyLabelSourceModel,
          PyOutputLayerModelFloat, PyFrontEndLIFModelFloat, PySpikePoolModelFloat,
          PyFusedLayerModelFloat, PyFusedOutputModelFloat)
