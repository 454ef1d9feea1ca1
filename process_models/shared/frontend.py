"""The ``run_spk`` of the front-end Processes :class:`~lava_stllr.processes.FrontEndLIF`
and :class:`~lava_stllr.processes.SpikePool`, for every tag."""

from __future__ import annotations

import numpy as np

from lava_stllr.onchip.conv_pipeline import front_neuron_step
from lava_stllr.processes.frontend import FrontEndLIF, SpikePool
from process_models.shared.base import CLOCK_ROLES, IN, OUT, VAR, ProgramModel


class FrontEndLIFModel(ProgramModel):
    """Frozen LIF of a conv stage: :func:`~lava_stllr.onchip.conv_pipeline.front_neuron_step`
    with the neuron program its Process carries (float or Loihi 2 integers)."""

    PROCESS = FrontEndLIF
    PORT_ROLES = {"a_in": (IN, "current"), "s_out": (OUT, "spikes"),
                  "u": (VAR, "membrane"), "n_steps": (VAR, "clock"), **CLOCK_ROLES}

    def run_spk(self) -> None:
        """Receive the conv current, step, send the spikes."""
        u, spikes = front_neuron_step(self._program, self.u, self.a_in.recv(), self.clock(),
                                      int(self.n_steps[0]), self.time_step)
        self.u = np.asarray(u).astype(self.u.dtype)
        self.s_out.send(spikes)


class SpikePoolModel(ProgramModel):
    """Pools each received (W, H, C) map with its Process's
    :class:`~lava_stllr.onchip.conv_stages.PoolStage` and sends it in the same step."""

    PROCESS = SpikePool
    PORT_ROLES = {"s_in": (IN, "pooled"), "a_out": (OUT, "pooled")}

    def run_spk(self) -> None:
        """Receive, pool (in the stage's (C, H, W) order), send."""
        x = np.asarray(self.s_in.recv())
        self.a_out.send(self._program.apply(x.transpose(2, 1, 0)).transpose(2, 1, 0))
