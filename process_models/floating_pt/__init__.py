"""Floating-point (float64) ProcessModels, tag ``floating_pt``.

Each model's ``run_spk`` calls one step function of
:mod:`lava_stllr.core.process_steps`, shared with the on-chip reference.
"""

from process_models.floating_pt.dense import PySTLLRDenseModelFloat
from process_models.floating_pt.neuron import PySTLLRLIFModelFloat
from process_models.floating_pt.readout import PyLeakyReadoutModelFloat, PyOutputErrorModelFloat
from process_models.floating_pt.sources import PyEventSourceModel, PyLabelSourceModel

#: The models of this tag (read by ``process_models.registry``).
MODELS = (
    PySTLLRDenseModelFloat,
    PySTLLRLIFModelFloat,
    PyLeakyReadoutModelFloat,
    PyOutputErrorModelFloat,
    PyEventSourceModel,
    PyLabelSourceModel,
)

__all__ = [
    "MODELS",
    "PyEventSourceModel",
    "PyLabelSourceModel",
    "PyLeakyReadoutModelFloat",
    "PyOutputErrorModelFloat",
    "PySTLLRDenseModelFloat",
    "PySTLLRLIFModelFloat",
]
