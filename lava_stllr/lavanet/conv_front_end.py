"""Build a frozen conv front-end (:class:`~lava_stllr.onchip.conv_stages.FrontEnd`) as Lava
Processes in front of the dense part of :class:`~lava_stllr.lavanet.network.STLLRNetwork`.

Each conv layer is Lava's stock ``lava.proc.conv.process.Conv`` (float or fixed model by
tag; one step of delay, like ``Dense``) feeding a :class:`~lava_stllr.processes.FrontEndLIF`;
each pool layer a :class:`~lava_stllr.processes.SpikePool`. The kernels are frozen
(Loihi 2's learning engine cannot learn a shared kernel); only the dense part learns.

Lava's ``Conv`` works on (W, H, C) maps with a (C_out, W, H, C_in) kernel and computes a
true convolution (``scipy.signal.convolve2d``, the kernel flipped), where the trainer's
maps are (C, H, W) and its kernels (C_out, C_in, kH, kW) cross-correlate
(:func:`~lava_stllr.core.conv.conv_forward`): :func:`lava_kernel` converts, and virtual
ports (``reshape``/``transpose``) carry the flat (C, H, W) input in and the flattened
(C, H, W) output out, so no Process is added for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lava.proc.conv.process import Conv

from lava_stllr.onchip.conv_stages import ConvStage, PoolStage, Stage
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.processes.frontend import FrontEndLIF, SpikePool

Shape = tuple[int, ...]


def lava_kernel(kernel: np.ndarray) -> np.ndarray:
    """(C_out, C_in, kH, kW) cross-correlation kernel as Lava ``Conv``'s (C_out, W, H,
    C_in) convolution kernel: ``K_lava[o, x, y, i] = K[o, i, kH-1-y, kW-1-x]``."""
    return np.ascontiguousarray(np.asarray(kernel)[:, :, ::-1, ::-1].transpose(0, 3, 2, 1))


def lava_shape(shape: Shape) -> Shape:
    """(C, H, W) as Lava's (W, H, C)."""
    return tuple(reversed(tuple(shape)))


@dataclass
class FrontEndChain:
    """The Lava Processes of a front-end, in order, and the port of its flattened output
    (C-order of (C, H, W), the dense part's input)."""

    convs: list[Conv] = field(default_factory=list)
    neurons: list[FrontEndLIF] = field(default_factory=list)
    pools: list[SpikePool] = field(default_factory=list)
    out_port: Any = None


def build_front_end(layout: OnChipLayout, stages: tuple[Stage, ...], source_out: Any
                    ) -> FrontEndChain:
    """Processes of ``layout.front_end`` running ``stages`` (their programs, float or
    fixed: :attr:`lava_stllr.onchip.program.NetworkProgram.front`), fed by ``source_out``
    (the ``EventSource``'s flat frames); returns them and the output port.

    Conv stage ``j`` sends ``conv(h[t-1])`` at step ``t`` (Lava ``Conv``); its neurons have
    delay ``j + 1`` and restart at their own sample boundaries. Float: every ``Conv`` whose
    input may be graded (the raw input, an average pool) gets ``num_message_bits = 24``
    (as the trainer reads it); fixed: integer kernels, spikes (or pooled counts, with the
    bits they need) in.
    """
    front = layout.front_end
    if front is None:
        raise ValueError("the layout has no front_end")
    chain = FrontEndChain()
    port = source_out.reshape(front.input_shape).transpose([2, 1, 0])
    for i, stage in enumerate(stages):
        if isinstance(stage, PoolStage):
            pool = SpikePool(shape=lava_shape(stage.in_shape), program=stage,
                             name=f"front_pool{i}")
            port.connect(pool.s_in)
            port = pool.a_out
            chain.pools.append(pool)
            continue
        assert isinstance(stage, ConvStage)
        kernel = lava_kernel(stage.weights)
        fixed = stage.precision == "fixed"  # Lava's stock Conv: integer kernels then
        conv = Conv(weight=kernel.astype(np.int32) if fixed else kernel.astype(float),
                    input_shape=lava_shape(stage.in_shape), padding=stage.padding,
                    stride=stage.stride, num_message_bits=stage.message_bits,
                    name=f"front_conv{i}")
        lif = FrontEndLIF(shape=lava_shape(stage.out_shape), params=layout.params,
                          period=layout.period, delay=stage.depth, n_steps=layout.n_steps,
                          program=stage.neuron, name=f"front_lif{i}")
        port.connect(conv.s_in)
        conv.a_out.connect(lif.a_in)
        port = lif.s_out
        chain.convs.append(conv)
        chain.neurons.append(lif)
    chain.out_port = port.transpose([2, 1, 0]).reshape((front.n_outputs,))
    return chain
