"""Floating-point (float64) ProcessModels, tag ``floating_pt``.

Each model runs the shared ``run_spk`` of :mod:`process_models.shared` with a
float program of :mod:`lava_stllr.onchip.programs_float`, as the on-chip reference does.
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
