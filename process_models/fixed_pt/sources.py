"""Fixed-point models of :class:`~lava_stllr.processes.EventSource` (binary spikes) and
:class:`~lava_stllr.processes.LabelSource` (unchanged)."""

from __future__ import annotations

from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_stllr.core.process_steps import SampleClock, source_frame
from lava_stllr.processes.sources import EventSource, LabelSource
from process_models.floating_pt.sources import PyEventSourceModel, PyLabelSourceModel


@implements(proc=EventSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyEventSourceModelFixed(PyEventSourceModel):
    """Plays the host's samples as binary spikes ``s = (x != 0)`` (Loihi spikes carry no
    payload here; :func:`~lava_stllr.core.process_steps.source_frame` row, then
    zeros for the gap)."""

    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)

    def run_spk(self) -> None:
        """Send this step's binary input row."""
        clock = SampleClock(int(self.period[0]), int(self.delay[0]))
        sample, step = clock.position(self.time_step)
        if sample >= 0 and step == 0:
            self._sample = self.sample_in.recv()
        frame = source_frame(self._sample, sample, step, self.s_out.shape)
        self.s_out.send(frame != 0)


@implements(proc=LabelSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyLabelSourceModelFixed(PyLabelSourceModel):
    """Label messages ``[label, learn, scored]``: no arithmetic, the float model's
    behaviour under the ``fixed_pt`` tag."""

