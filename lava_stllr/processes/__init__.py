"""Lava Processes of lava-stllr (ports and Vars only).

Their ProcessModels live in the top-level ``process_models`` package; run them with
:class:`lava_stllr.lavanet.run_config.STLLRSimCfg`, which finds the models through
``process_models.registry``.
"""

from lava_stllr.processes.dense import STLLRDense
from lava_stllr.processes.frontend import FrontEndLIF, SpikePool
from lava_stllr.processes.fused import FusedLayer, FusedOutput
from lava_stllr.processes.neuron import STLLRLIF
from lava_stllr.processes.output import OutputLayer
from lava_stllr.processes.readout import LeakyReadout, OutputError
from lava_stllr.processes.sources import LABEL_SIZE, EventSource, LabelSource

#: Every Process class of the plugin.
PROCESSES = (STLLRDense, STLLRLIF, LeakyReadout, OutputError, EventSource, LabelSource,
             OutputLayer, FrontEndLIF, SpikePool, FusedLayer, FusedOutput)

__all__ = [
    "LABEL_SIZE",
    "PROCESSES",
    "EventSource",
    "FrontEndLIF",
    "FusedLayer",
    "FusedOutput",
    "LabelSource",
    "LeakyReadout",
    "OutputError",
    "OutputLayer",
    "STLLRDense",
    "STLLRLIF",
    "SpikePool",
]
