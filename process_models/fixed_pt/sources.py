"""Fixed-point models of :class:`~lava_stllr.processes.EventSource` (binary spikes) and
:class:`~lava_stllr.processes.LabelSource` (no arithmetic)."""

from __future__ import annotations

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.processes.sources import EventSource, LabelSource
from process_models.shared.sources import EventSourceModel, LabelSourceModel


@implements(proc=EventSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyEventSourceModelFixed(EventSourceModel):
    """Plays the host's samples as binary spikes ``s = (x != 0)``."""

    binary = True
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)


@implements(proc=LabelSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyLabelSourceModelFixed(LabelSourceModel):
    """Label messages ``[label, learn, scored]`` under the ``fixed_pt`` tag."""
