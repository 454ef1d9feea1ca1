"""Fixed-point (Loihi 2 bit-approximate) ProcessModels, tag ``fixed_pt``.

Each model is its shared base (:mod:`process_models.shared`) with a Loihi 2 program of
:mod:`lava_stllr.onchip.programs_fixed`, as the fixed on-chip reference runs them, so the
two agree bit for bit; every port and Var is typed by its role in :data:`ROLE_TYPES`
(Loihi 2 widths from :mod:`lava_stllr.loihi.widths`). The Processes need
``fixed=<LayerFixed>`` (:func:`lava_stllr.loihi.network_fixed.quantize_network`); a
Process without it is rejected at compile time.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from lava_stllr.loihi.widths import (
    ACTIVATION_BITS,
    MEMBRANE_BITS,
    THIRD_FACTOR_BITS,
    TRACE_BITS,
    WEIGHT_SIGNED_BITS,
)
from lava_stllr.onchip import programs_fixed as programs
from lava_stllr.onchip.frontend import PoolStage
from process_models.fixed_pt._checks import (
    check_dense,
    check_fused,
    require_fixed,
    require_front_fixed,
)
from process_models.shared import dense, frontend, fused, neuron, output, readout, sources
from process_models.shared.base import HOST_ROLE_TYPES
from process_models.shared.tagged import tagged_model

TAG = "fixed_pt"
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
    "pooled": (np.int32, ACTIVATION_BITS),  # spikes or a window's spike count
    **HOST_ROLE_TYPES,
}


def _synapse(pp: Any) -> programs.FixedSynapse:
    return programs.FixedSynapse.from_layer(pp["fixed"])


def _neuron(pp: Any) -> programs.FixedNeuron:
    return programs.FixedNeuron(pp["fixed"].neuron, int(pp["signal_shift"]))


_model = partial(tagged_model, tag_name=TAG, role_types=ROLE_TYPES, module=__name__)

PySTLLRDenseModelFixed = _model(
    dense.STLLRDenseModel, _synapse, "PySTLLRDenseModelFixed",
    "Fixed S-TLLR synapse (FixedSynapse): 9-bit mantissas (lowest bit cleared on the first "
    "step, as Lava's mixed-sign LearningDense), 7-bit pre trace, current (W s) << "
    "weight_exp, one engine random draw per step: the weights of a stock bit-approximate "
    "LearningDense with layer.rule.learning_rule(rng_seed) within one sample stream.",
    check_dense)
PySTLLRLIFModelFixed = _model(
    neuron.STLLRLIFModel, _neuron, "PySTLLRLIFModelFixed",
    "Fixed S-TLLR LIF neuron (FixedNeuron): L = round(sig_in / 2**signal_shift), 24-bit "
    "membrane, 7-bit post trace and third factors y1 (64 +- F), y2, y3.",
    partial(require_fixed, readout=False),
    statics={"feedback_current": programs.feedback_current})
PyLeakyReadoutModelFixed = _model(
    readout.LeakyReadoutModel, lambda pp: programs.FixedReadout(pp["fixed"].neuron),
    "PyLeakyReadoutModelFixed", "Integer leaky-integrator readout (FixedReadout), 24-bit z.",
    partial(require_fixed, readout=True))
PyOutputErrorModelFixed = _model(
    readout.OutputErrorModel, lambda pp: programs.FixedErrorCodec(pp["fixed"]),
    "PyOutputErrorModelFixed",
    "Output error of the integer readout: z dequantized, error sent as round(e / s_L) "
    "(FixedErrorCodec).", partial(require_fixed, readout=True))
PyEventSourceModelFixed = _model(
    sources.EventSourceModel, lambda pp: programs.spike_frame, "PyEventSourceModelFixed",
    "Plays the host's samples as binary spikes s = (x != 0).")
PyLabelSourceModelFixed = _model(
    sources.LabelSourceModel, lambda pp: None, "PyLabelSourceModelFixed",
    "Label messages [label, learn, scored] under the fixed_pt tag.")

PyOutputLayerModelFixed = _model(
    output.OutputLayerModel,
    lambda pp: (programs.FixedReadout(pp["fixed"].neuron), programs.FixedErrorCodec(pp["fixed"])),
    "PyOutputLayerModelFixed",
    "Fused integer readout, label source and output error (FixedReadout, FixedErrorCodec).",
    partial(require_fixed, readout=True))

PyFrontEndLIFModelFixed = _model(
    frontend.FrontEndLIFModel, lambda pp: pp["fixed"], "PyFrontEndLIFModelFixed",
    "Frozen Loihi 2 LIF of a conv front-end stage (FixedFrontNeuron): 16-bit a_in, 24-bit "
    "membrane, threshold vth << 6.", require_front_fixed)
PySpikePoolModelFixed = _model(
    frontend.SpikePoolModel,
    lambda pp: PoolStage(pp["kind"], pp["kernel"], (), (), count=pp["kind"] == "avg"),
    "PySpikePoolModelFixed", "Integer pooling of a front-end map: max of spikes, or the "
    "window's spike count (avg).")
PyFusedLayerModelFixed = _model(
    fused.FusedLayerModel,
    lambda pp: (_synapse(pp["dense"]), _neuron(pp["neuron"]), programs.spike_frame),
    "PyFusedLayerModelFixed",
    "Fused fixed synapse, LIF neurons with DFA feedback and (optionally) event source.",
    check_fused, statics={"feedback_current": programs.feedback_current})
PyFusedOutputModelFixed = _model(
    fused.FusedOutputModel,
    lambda pp: (programs.FixedReadout(pp["fixed"].neuron), programs.FixedErrorCodec(pp["fixed"]),
                _synapse(pp["dense"])),
    "PyFusedOutputModelFixed", "Fused integer readout synapse and output layer.", check_fused)

#: The models of this tag (read by ``process_models.registry``).
MODELS = (PySTLLRDenseModelFixed, PySTLLRLIFModelFixed, PyLeakyReadoutModelFixed,
          PyOutputErrorModelFixed, PyEventSourceModelFixed, PyLabelSourceModelFixed,
          PyOutputLayerModelFixed, PyFrontEndLIFModelFixed, PySpikePoolModelFixed,
          PyFusedLayerModelFixed, PyFusedOutputModelFixed)
