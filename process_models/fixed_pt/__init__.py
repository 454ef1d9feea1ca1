"""Fixed-point (Loihi 2 bit-approximate) ProcessModels, tag ``fixed_pt``.

Each model runs the shared ``run_spk`` of :mod:`process_models.shared` with a Loihi 2
program of :mod:`lava_stllr.onchip.programs_fixed`, as the fixed on-chip reference does,
so the two agree bit for bit. The Processes need ``fixed=<LayerFixed>``
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
