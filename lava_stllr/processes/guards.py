"""Guard models: a clear error when the Processes are run without ``STLLRSimCfg``.

Lava's compiler only discovers ProcessModels next to a Process's module; ours live in
the top-level ``process_models`` package and are found through
:class:`lava_stllr.lavanet.run_config.STLLRSimCfg`. With any other run config the compiler
finds only these untagged SubProcessModels, whose construction (in the main process, at
compile time) raises a ``RuntimeError`` that names the run config to use.
``STLLRSimCfg`` resolves our Processes before discovery, so it never selects a guard.
"""

from __future__ import annotations

from lava.magma.core.decorator import implements
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.processes.dense import STLLRDense
from lava_stllr.processes.frontend import FrontEndLIF, SpikePool
from lava_stllr.processes.fused import FusedLayer, FusedOutput
from lava_stllr.processes.neuron import STLLRLIF
from lava_stllr.processes.output import OutputLayer
from lava_stllr.processes.readout import LeakyReadout, OutputError
from lava_stllr.processes.sources import EventSource, LabelSource


class _RunConfigGuard(AbstractSubProcessModel):
    """Raises at compile time: the Process needs ``STLLRSimCfg``."""

    def __init__(self, proc) -> None:  # noqa: D107 - raises by design
        raise RuntimeError(
            f"{type(proc).__name__} ({proc.name}) has no ProcessModel that a plain Lava "
            f"run config can find: run lava-stllr networks with "
            f"lava_stllr.lavanet.run_config.STLLRSimCfg "
            f"(e.g. STLLRSimCfg('float'))"
        )


def _guard(proc: type) -> type:
    """The guard of ``proc``, bound in this module where Lava's discovery finds it."""
    guard = type(f"{proc.__name__}Guard", (_RunConfigGuard,),
                 {"__module__": __name__, "__doc__": f"Guard of :class:`{proc.__name__}`."})
    return implements(proc=proc, protocol=LoihiProtocol)(guard)


STLLRDenseGuard = _guard(STLLRDense)
STLLRLIFGuard = _guard(STLLRLIF)
LeakyReadoutGuard = _guard(LeakyReadout)
OutputErrorGuard = _guard(OutputError)
EventSourceGuard = _guard(EventSource)
LabelSourceGuard = _guard(LabelSource)
OutputLayerGuard = _guard(OutputLayer)
FrontEndLIFGuard = _guard(FrontEndLIF)
SpikePoolGuard = _guard(SpikePool)
FusedLayerGuard = _guard(FusedLayer)
FusedOutputGuard = _guard(FusedOutput)
