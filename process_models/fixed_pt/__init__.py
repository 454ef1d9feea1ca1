"""Fixed-point (Loihi 2 bit-approximate) ProcessModels, tag ``fixed_pt``.

Each model is its shared base (:mod:`process_models.shared`), which runs the Loihi 2
program its Process carries (:mod:`lava_stllr.onchip.programs_fixed`), as the fixed
on-chip reference runs them, so the two agree bit for bit; every port and Var is typed by
its role in :data:`ROLE_TYPES` (Loihi 2 widths from :mod:`lava_stllr.loihi.widths`). A
Process that carries a float program is refused at compile time.
"""

from __future__ import annotations

import numpy as np

from lava_stllr.loihi.widths import (
    ACTIVATION_BITS,
    MEMBRANE_BITS,
    TAG_SIGNED_BITS,
    THIRD_FACTOR_BITS,
    TRACE_BITS,
    WEIGHT_SIGNED_BITS,
)
from process_models.shared import dense, frontend, fused, neuron, output, readout, sources
from process_models.shared.base import HOST_ROLE_TYPES
from process_models.shared.tagged import tagged

TAG = "fixed_pt"
#: The precision of the programs these models run.
PRECISION = "fixed"
#: Lava type of each role, in Loihi 2's widths.
ROLE_TYPES: dict[str, tuple[type, int | None]] = {
    "spikes": (bool, 1),
    "factor": (np.int32, THIRD_FACTOR_BITS),
    "current": (np.int32, ACTIVATION_BITS),
    "signal": (np.int32, MEMBRANE_BITS),  # the DFA feedback current B_int e_int
    "membrane": (np.int32, MEMBRANE_BITS),
    "error": (np.int32, MEMBRANE_BITS),
    "trace": (np.int32, TRACE_BITS),
    "weights": (np.int32, WEIGHT_SIGNED_BITS),
    "tag": (np.int32, TAG_SIGNED_BITS),  # Loihi 2's tag_1, [-257, 255]
    "pooled": (np.int32, ACTIVATION_BITS),  # spikes or a window's spike count
    **HOST_ROLE_TYPES,
}
_tagged = tagged(TAG, PRECISION, ROLE_TYPES)


@_tagged
class PySTLLRDenseModelFixed(dense.STLLRDenseModel):
    """Fixed S-TLLR synapse (FixedSynapse): 9-bit mantissas (lowest bit cleared on the first
    step, as Lava's mixed-sign LearningDense), 7-bit pre trace, current (W s) <<
    weight_exp, one engine random draw per step: the weights of a stock bit-approximate
    LearningDense with layer.rule.learning_rule(rng_seed) within one sample stream."""


@_tagged
class PySTLLRLIFModelFixed(neuron.STLLRLIFModel):
    """Fixed S-TLLR LIF neuron (FixedNeuron): L = round(sig_in / 2**signal_shift), 24-bit
    membrane, 7-bit post trace and third factors y1 (64 +- F), y2, y3."""


@_tagged
class PyLeakyReadoutModelFixed(readout.LeakyReadoutModel):
    """Integer leaky-integrator readout (FixedReadout), 24-bit z."""


@_tagged
class PyOutputErrorModelFixed(readout.OutputErrorModel):
    """Output error of the integer readout: z dequantized, error sent as round(e / s_L)
    (FixedErrorCodec)."""


@_tagged
class PyEventSourceModelFixed(sources.EventSourceModel):
    """Plays the host's samples as binary spikes s = (x != 0)."""


@_tagged
class PyLabelSourceModelFixed(sources.LabelSourceModel):
    """Label messages [label, learn, scored] under the fixed_pt tag."""


@_tagged
class PyOutputLayerModelFixed(output.OutputLayerModel):
    """Fused integer readout, label source and output error (FixedReadout,
    FixedErrorCodec)."""


@_tagged
class PyFrontEndLIFModelFixed(frontend.FrontEndLIFModel):
    """Frozen Loihi 2 LIF of a conv front-end stage (FixedFrontNeuron): 16-bit a_in, 24-bit
    membrane, threshold vth << 6."""


@_tagged
class PySpikePoolModelFixed(frontend.SpikePoolModel):
    """Integer pooling of a front-end map: max of spikes, or the window's spike count
    (avg)."""


@_tagged
class PyFusedLayerModelFixed(fused.FusedLayerModel):
    """Fused fixed synapse, LIF neurons with DFA feedback and (optionally) event source."""


@_tagged
class PyFusedOutputModelFixed(fused.FusedOutputModel):
    """Fused integer readout synapse and output layer."""


#: The models of this tag (read by ``process_models.registry``).
MODELS = (PySTLLRDenseModelFixed, PySTLLRLIFModelFixed, PyLeakyReadoutModelFixed,
          PyOutputErrorModelFixed, PyEventSourceModelFixed, PyLabelSourceModelFixed,
          PyOutputLayerModelFixed, PyFrontEndLIFModelFixed, PySpikePoolModelFixed,
          PyFusedLayerModelFixed, PyFusedOutputModelFixed)
