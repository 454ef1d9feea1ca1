"""The frozen conv front-end run step by step, as its Lava Processes run it.

:func:`front_neuron_step` is the step of a ``FrontEndLIF`` (its models and the pipeline
call it); :class:`FrontEndPipeline` chains the stages of
:meth:`~lava_stllr.onchip.conv_stages.FrontEnd.stages` with Lava's one-step ``Conv``
delay, for :class:`~lava_stllr.onchip.pipeline.OnChipReference`.
"""

from __future__ import annotations

import numpy as np

from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.conv_stages import ConvStage, PoolStage, Shape, Stage
from lava_stllr.onchip.protocols import FrontNeuronProgram


def front_neuron_step(neuron: FrontNeuronProgram, u: np.ndarray,
                      current: np.ndarray, clock: SampleClock, n_steps: int,
                      time_step: int) -> tuple[np.ndarray, np.ndarray]:
    """One step of a ``FrontEndLIF``: rest (``u = 0``, no spikes) before the first sample
    and in the gap (steps ``>= n_steps`` of a sample), restart at a sample boundary,
    else the neuron's step. Returns ``(u, spikes)``."""
    sample, step = clock.position(time_step)
    if sample < 0 or (clock.period and step >= n_steps):
        rest = neuron.zeros(np.shape(u))
        return rest, np.zeros(np.shape(u), dtype=bool)
    if clock.new_sample(time_step):
        u = neuron.zeros(np.shape(u))
    return neuron.step(u, current)


class FrontEndPipeline:
    """The Lava front-end chain in NumPy, step for step (maps in (C, H, W)).

    :meth:`step` takes the source's frame of a Lava step, as its frame encoder sent it
    (:mod:`lava_stllr.onchip.protocols`: spikes in fixed point), and returns what the last
    stage sends in that step (flattened, C-order): a conv stage sends the current it
    computed in the previous step to its neurons, as Lava's ``Conv`` does.
    """

    def __init__(self, stages: tuple[Stage, ...], input_shape: Shape, period: int,
                 n_steps: int) -> None:
        self.stages = stages
        self.input_shape = tuple(input_shape)
        self.n_steps = int(n_steps)
        convs = [s for s in stages if isinstance(s, ConvStage)]
        self._buffers = [np.zeros(s.out_shape, dtype=s.weights.dtype) for s in convs]
        self._u = [s.neuron.zeros(s.out_shape) for s in convs]
        self._clocks = [SampleClock(period, s.depth) for s in convs]

    def step(self, frame: np.ndarray, time_step: int) -> np.ndarray:
        """Advance every stage by one Lava step (``time_step`` counts from 1)."""
        x = np.asarray(frame).reshape(self.input_shape)
        j = 0
        for stage in self.stages:
            if isinstance(stage, PoolStage):
                x = stage.apply(x)
                continue
            current, self._buffers[j] = self._buffers[j], stage.current(x)
            self._u[j], x = front_neuron_step(stage.neuron, self._u[j], current,
                                              self._clocks[j], self.n_steps, time_step)
            j += 1
        return np.asarray(x, dtype=float).reshape(-1)
