"""Models of the host-fed sources :class:`~lava_stllr.processes.EventSource` and
:class:`~lava_stllr.processes.LabelSource` under the ``floating_pt`` tag."""

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
@tag("floating_pt")
class PyEventSourceModel(EventSourceModel):
    """Plays the host's samples as they are (graded payloads allowed)."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=LabelSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyLabelSourceModel(LabelSourceModel):
    """Label messages ``[label, learn, scored]``."""
