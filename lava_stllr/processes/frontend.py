"""Processes of a frozen conv front-end: its LIF neurons and its pooling.

A conv layer of the front-end is Lava's stock ``lava.proc.conv.process.Conv`` followed
by :class:`FrontEndLIF`; a pool layer is :class:`SpikePool` (built by
:func:`lava_stllr.lavanet.conv_front_end.build_front_end`). Maps are in Lava's (W, H, C) order.
Nothing here learns: Loihi 2's learning engine updates each synapse from its own traces
and cannot learn a kernel shared by many positions, so the front-end's kernels stay as
trained offline.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_stllr import validate
from lava_stllr.onchip.protocols import FrontNeuronProgram, PoolProgram, check_program
from lava_stllr.processes._base import STLLRLayerProcess, STLLRProcess
from lava_stllr.processes._checks import check_params, check_period

if TYPE_CHECKING:
    from lava_stllr.params import STLLRParams

Shape = tuple[int, ...]


def _check_shape(shape: object) -> Shape:
    try:
        shape = tuple(int(n) for n in shape)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ValueError(f"shape must be (W, H, C) of ints, got {shape!r}") from None
    if len(shape) != 3 or min(shape) < 1:
        raise ValueError(f"shape must be (W, H, C) with every size >= 1, got {shape!r}")
    return shape


class FrontEndLIF(STLLRLayerProcess):
    """Frozen LIF neurons of a conv stage (no learning, no third factors).

    Per step, on the current ``I`` of the stage's ``Conv`` (``a_in``)::

        v = beta*u + I ;  s = H(v - theta) ;  u = v - theta*s (soft) or v*(1-s) (hard)

    (:func:`lava_stllr.core.lif_step`, the trainer's step). ``u`` restarts from 0 at each
    of its sample boundaries (Lava step ``delay + 1 + k*period``) and stays at 0, sending
    no spikes, on the steps ``>= n_steps`` of a sample (the gap; the trainer plays none)
    and before the first sample. With a fixed-point ``program`` the models run the Loihi 2
    integer neuron (24-bit membrane, 16-bit ``a_in``, threshold ``vth << 6``).

    Parameters
    ----------
    shape : (W, H, C)
        The conv output map.
    params : STLLRParams
        ``beta``, ``theta`` and ``reset`` of the neurons.
    period, delay : int
        Steps per sample and the stage's pipeline depth.
    n_steps : int
        Steps of a sample before the gap.
    program : FrontNeuronProgram, optional
        Float of ``params`` (the default), or a quantized stage's
        :class:`~lava_stllr.onchip.conv_stages.FixedFrontNeuron`
        (:meth:`lava_stllr.onchip.conv_stages.FrontEnd.stages`).

    Vars
    ----
    u (shape) membrane after reset, period (1,), delay (1,), n_steps (1,).
    """

    def __init__(self, *, shape: Shape, params: STLLRParams, period: int, delay: int,
                 n_steps: int, program: FrontNeuronProgram | None = None,
                 name: str | None = None) -> None:
        shape = _check_shape(shape)
        params = check_params(params)
        period = check_period(period)
        delay = validate.integer("delay", delay, 0)
        n_steps = validate.integer("n_steps", n_steps, 1)
        if program is None:
            from lava_stllr.onchip.conv_stages import front_neuron_program

            program = front_neuron_program(params)
        program = check_program("program", program, FrontNeuronProgram)
        super().__init__(shape=shape, params=params, program=program, name=name)
        self.a_in = InPort(shape=shape)
        self.s_out = OutPort(shape=shape)
        self.u = Var(shape=shape, init=0)
        self.n_steps = Var(shape=(1,), init=n_steps)
        self._declare_clock(period, delay)


class SpikePool(STLLRProcess):
    """Pooling of a front-end map, ``kernel x kernel`` windows with stride ``kernel``.

    ``kind="max"``: ``y = max`` of the window (of binary spikes: 1 if any spiked);
    ``kind="avg"``: ``y = mean`` of the window (graded; a fixed-point program sends the
    integer sum, the window's spike count, whose ``1/k^2`` the next layer's scale holds).
    Rows and columns past ``kernel * floor(size / kernel)`` are dropped
    (:mod:`lava_stllr.core.pool`). It sends in the step it receives (no delay).

    Parameters
    ----------
    shape : (W, H, C)
        The input map; the output is ``(W // kernel, H // kernel, C)``.
    kind : {"max", "avg"}
    kernel : int
        Without ``program``: a float pool of this kind and size.
    program : PoolProgram, optional
        The pool (:func:`lava_stllr.onchip.conv_stages.pool_program`, or a stage of
        :meth:`~lava_stllr.onchip.conv_stages.FrontEnd.stages`), in its precision.
    """

    def __init__(self, *, shape: Shape, kind: str | None = None, kernel: int | None = None,
                 program: PoolProgram | None = None, name: str | None = None) -> None:
        from lava_stllr.onchip.conv_stages import pool_program

        shape = _check_shape(shape)
        if program is None:
            if kind is None or kernel is None:
                raise ValueError("SpikePool needs kind and kernel (a float pool) or program")
            program = pool_program(kind, kernel)
        elif kind is not None or kernel is not None:
            raise ValueError("give SpikePool kind and kernel, or program, not both")
        program = check_program("program", program, PoolProgram)
        kernel = program.kernel
        out = (shape[0] // kernel, shape[1] // kernel, shape[2])
        if min(out) < 1:
            raise ValueError(f"kernel {kernel} is larger than the {shape[0]}x{shape[1]} map")
        super().__init__(shape=shape, program=program, name=name)
        self.s_in = InPort(shape=shape)
        self.a_out = OutPort(shape=out)
