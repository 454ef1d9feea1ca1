"""Fixed-point (Loihi 2 bit-approximate) ProcessModels, tag ``fixed_pt``.

Each model's ``run_spk`` calls one step function of
:mod:`lava_stllr.loihi.process_steps_fixed`, shared with the fixed mode of the on-chip
reference, so the two agree bit for bit. The Processes need ``fixed=<LayerFixed>``
(:func:`lava_stllr.loihi.network_fixed.quantize_network`); a Process without it is
rejected at compile time.
"""

from process_models.fixed_pt.dense import PySTLLRDenseModelFixed
from process_models.fixed_pt.neuron import PySTLLRLIFModelFixed
from process_models.fixed_pt.readout import PyLeakyReadoutModelFixed, PyOutputErrorModelFixed
from process_models.fixed_pt.sources import PyEventSourceModelFixed, PyLabelSourceModelFixed

#: The models of this tag (read by ``process_models.registry``).
MODELS = (
    PySTLLRDenseModelFixed,
    PySTLLRLIFModelFixed,
    PyLeakyReadoutModelFixed,
    PyOutputErrorModelFixed,
    PyEventSourceModelFixed,
    PyLabelSourceModelFixed,
)

__all__ = [
    "MODELS",
    "PyEventSourceModelFixed",
    "PyLabelSourceModelFixed",
    "PyLeakyReadoutModelFixed",
    "PyOutputErrorModelFixed",
    "PySTLLRDenseModelFixed",
    "PySTLLRLIFModelFixed",
]
