"""A frozen conv front-end of the on-chip network: its stages, their float and Loihi 2
programs, and the NumPy pipeline that the Lava chain reproduces step for step.

The conv and pool layers of a :class:`~lava_stllr.spec.conv.ConvNetSpec` (all those
before its first dense layer) become a chain of stages in front of the learning dense
part of :class:`~lava_stllr.lavanet.network.STLLRNetwork`:

- a conv layer is Lava's stock ``Conv`` (one step of delay, like a ``Dense``) followed by
  ``FrontEndLIF`` neurons: ``v = beta*u + conv(h, K)``, ``s = H(v - theta)``, soft or
  hard reset, with :func:`~lava_stllr.core.lif_step`, the trainer's step function;
- a pool layer is ``SpikePool`` (no delay): max or average of ``k x k`` windows, stride
  ``k``, with :mod:`lava_stllr.core.pool`, as the trainer pools.

The front-end is **frozen**: its kernels never learn on chip (Loihi 2's learning engine
updates each synapse from its own pre and post traces and cannot learn a kernel shared
by many positions). Conv stage ``j`` (0-based) has pipeline depth ``j + 1``; the dense
part is shifted by the front-end's :attr:`FrontEnd.depth`
(:class:`~lava_stllr.onchip.layout.OnChipLayout` with ``front_end``). Each ``FrontEndLIF``
restarts (``u = 0``) at its own sample boundaries and rests (``u = 0``, no spikes)
through the gap, so the dense part receives, sample after sample, exactly the trainer's
front-end output of that sample followed by silence, as an ``EventSource`` plays it.

Fixed point (Loihi 2 widths): kernels are even 9-bit mantissas (8 bits of magnitude,
mixed sign, :func:`~lava_stllr.loihi.conversions.even_weights`), one weight scale per
layer chosen so the largest kernel entry maps to 254 and no synaptic input can leave 16
bits; the threshold is ``vth = round(theta / s)`` against ``s``, the float value of one
current unit; an average pool sends the integer spike count of its window (the ``1/k^2``
is folded into ``s`` of the layer it feeds). Input spikes are binary (``x != 0``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from lava_stllr import validate
from lava_stllr.core.conv import conv_forward
from lava_stllr.core.neurons import lif_step
from lava_stllr.core.pool import avg_pool, max_pool, sum_pool
from lava_stllr.loihi.conversions import dv_from_beta, even_weights
from lava_stllr.loihi.fixed_arithmetic import check_fits, saturate
from lava_stllr.loihi.neuron_fixed import MEMBRANE_ARITH
from lava_stllr.loihi.widths import (
    ACTIVATION_BITS,
    ACTIVATION_SHIFT,
    DECAY_UNITY,
    MEMBRANE_BITS,
    VTH_MAX,
    VTH_SHIFT,
    WEIGHT_EVEN_MAX,
)
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec, check_conv_weights
from lava_stllr.spec.layers import ConvLayer, DenseLayer, PoolLayer
from lava_stllr.spec.network import Weights

Shape = tuple[int, ...]
#: ``num_message_bits`` of a float ``Conv`` whose input may be graded (raw input, pools).
FLOAT_MESSAGE_BITS = 24
_ACTIVATION_MAX = (1 << (ACTIVATION_BITS - 1)) - 1


@dataclass(frozen=True)
class FloatFrontNeuron:
    """Float LIF of a conv stage: ``v = beta*u + I``, ``s = H(v - theta)``, reset."""

    beta: float
    theta: float
    reset: str
    precision: ClassVar[str] = "float"

    def zeros(self, shape: Shape) -> np.ndarray:
        """Rest membrane."""
        return np.zeros(shape)

    def step(self, u: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step (:func:`~lava_stllr.core.lif_step`); returns ``(u, spikes)``."""
        u_new, spikes, _ = lif_step(u, np.asarray(current, dtype=float), self.beta,
                                    self.theta, self.reset)
        return u_new, spikes


def front_neuron_program(params: STLLRParams) -> FloatFrontNeuron:
    """The float program of a front-end LIF with ``params``' ``beta``, ``theta``, reset
    (a fixed one comes from :meth:`FrontEnd.stages`, which quantizes the layer)."""
    return FloatFrontNeuron(params.beta, params.theta, params.reset)


@dataclass(frozen=True)
class FixedFrontNeuron:
    """Loihi 2 LIF of a conv stage (``PyLifModelBitAcc`` arithmetic, no learning)::

        v = trunc(v * (4096 - dv) / 4096) + (a_in << 6) ;  s = v > (vth << 6) ;  reset

    ``a_in`` must fit 16 bits signed (raises otherwise); the 24-bit membrane saturates.
    """

    dv: int
    vth: int
    reset: str
    precision: ClassVar[str] = "fixed"

    def __post_init__(self) -> None:
        if not 1 <= self.vth <= VTH_MAX:
            raise ValueError(f"vth must be in [1, {VTH_MAX}], got {self.vth}")

    def zeros(self, shape: Shape) -> np.ndarray:
        """Rest membrane."""
        return np.zeros(shape, dtype=np.int64)

    def step(self, v: np.ndarray, a_in: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One integer step with :func:`~lava_stllr.core.lif_step`; ``(v, spikes)``."""
        a_in = check_fits("front-end a_in", a_in, ACTIVATION_BITS, signed=True)
        threshold = self.vth << VTH_SHIFT
        v_new, spikes, v_pre = lif_step(np.asarray(v, dtype=np.int64),
                                        a_in << ACTIVATION_SHIFT, DECAY_UNITY - self.dv,
                                        threshold, self.reset, arith=MEMBRANE_ARITH)
        clipped = saturate(v_pre, MEMBRANE_BITS, signed=True)
        if np.any(clipped != v_pre):  # the register clips; the reset acts on the clip
            v_new = clipped - threshold * spikes if self.reset == "soft" else clipped * (
                1 - spikes)
        return v_new, spikes.astype(bool)


@dataclass(frozen=True)
class ConvStage:
    """A conv layer and its LIF neurons, in one precision (maps are (C, H, W)).

    ``weights`` (C_out, C_in, k, k) are float or integer mantissas; ``message_bits`` is
    the ``num_message_bits`` of its Lava ``Conv`` (0: binary input spikes); ``depth`` is
    the pipeline delay of its neurons; ``scale`` the float value of one current unit
    (1 in float).
    """

    weights: np.ndarray
    stride: int
    padding: int
    in_shape: Shape
    out_shape: Shape
    neuron: FloatFrontNeuron | FixedFrontNeuron
    message_bits: int
    depth: int
    scale: float = 1.0

    @property
    def precision(self) -> str:
        """The arithmetic of its neurons (and so of its kernel's mantissas)."""
        return self.neuron.precision

    def current(self, x: np.ndarray) -> np.ndarray:
        """``conv(x, K)`` of one (C, H, W) frame (:func:`~lava_stllr.core.conv.conv_forward`)."""
        if self.message_bits == 0:
            x = np.asarray(x) != 0
        x = np.asarray(x, dtype=self.weights.dtype)[None]
        return conv_forward(x, self.weights, self.stride, self.padding)[0]


@dataclass(frozen=True)
class PoolStage:
    """A pool layer: ``max`` or ``avg``; a fixed-point average sends the window's spike
    count (its sum), as integers must."""

    kind: str
    kernel: int
    in_shape: Shape
    out_shape: Shape
    precision: str = "float"

    @property
    def count(self) -> bool:
        """Whether it sends the window's sum instead of its mean."""
        return self.precision == "fixed" and self.kind == "avg"

    def apply(self, x: np.ndarray) -> np.ndarray:
        """Pool one (C, H, W) frame (:mod:`lava_stllr.core.pool`)."""
        batch = np.asarray(x)[None]
        if self.kind == "max":
            return max_pool(batch, self.kernel)[0][0]
        return (sum_pool(batch, self.kernel) if self.count else avg_pool(batch, self.kernel))[0]


Stage = ConvStage | PoolStage


def pool_program(kind: str, kernel: int, precision: str = "float", in_shape: Shape = (),
                 out_shape: Shape = ()) -> PoolStage:
    """A pool stage's program (``SpikePool``'s): ``kind`` ``"max"`` or ``"avg"`` over
    ``kernel x kernel`` windows, in ``precision``."""
    return PoolStage(validate.choice("kind", kind, ("max", "avg")),
                     validate.integer("kernel", kernel, 1), tuple(in_shape), tuple(out_shape),
                     validate.choice("precision", precision, ("float", "fixed")))


@dataclass(frozen=True, eq=False)
class FrontEnd:
    """The frozen conv and pool layers in front of the learning dense layers.

    Attributes
    ----------
    input_shape : (C, H, W)
    layers : tuple of ConvLayer and PoolLayer
    kernels : tuple of (C_out, C_in, k, k) float arrays, one per conv layer
    """

    input_shape: Shape
    layers: tuple[ConvLayer | PoolLayer, ...]
    kernels: tuple[np.ndarray, ...]

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError("a front-end needs at least one conv or pool layer")
        spec = ConvNetSpec(self.input_shape, (*self.layers, DenseLayer(1)), 2)
        want = spec.weight_shapes[:-2]
        kernels = tuple(np.array(k, dtype=np.float64) for k in self.kernels)
        if [k.shape for k in kernels] != list(want):
            raise ValueError(f"front-end kernels must have shapes {want}, got "
                             f"{[k.shape for k in kernels]}")
        if not all(np.all(np.isfinite(k)) for k in kernels):
            raise ValueError("front-end kernels hold NaN or Inf")
        object.__setattr__(self, "kernels", kernels)
        object.__setattr__(self, "_shapes", spec.shapes[:-1])

    @property
    def shapes(self) -> tuple[Shape, ...]:
        """Input shape, then the (C, H, W) output of every layer."""
        return self._shapes  # type: ignore[attr-defined]

    @property
    def depth(self) -> int:
        """Pipeline depth in Lava steps: one per conv stage."""
        return len(self.kernels)

    @property
    def n_inputs(self) -> int:
        """Flattened input frame ``C*H*W``."""
        return math.prod(self.input_shape)

    @property
    def out_shape(self) -> Shape:
        """(C, H, W) of the last layer."""
        return self.shapes[-1]

    @property
    def n_outputs(self) -> int:
        """Size of the flattened output (C-order), the dense part's input."""
        return math.prod(self.out_shape)

    @property
    def graded_output(self) -> bool:
        """Whether the output is graded (an average pool after the last conv layer)."""
        for layer in reversed(self.layers):
            if isinstance(layer, ConvLayer):
                return False
            if layer.kind == "avg":
                return True
        return False

    def stages(self, params: STLLRParams, precision: str = "float") -> tuple[Stage, ...]:
        """The stages with the programs of ``precision`` ("float" or "fixed")."""
        if precision == "fixed":
            return _fixed_stages(self, params)
        if precision != "float":
            raise ValueError(f"precision must be 'float' or 'fixed', got {precision!r}")
        neuron = front_neuron_program(params)
        stages: list[Stage] = []
        graded, kernels = True, iter(self.kernels)  # raw input: as the trainer reads it
        for layer, (shape_in, shape_out) in zip(self.layers, self._pairs(), strict=True):
            if isinstance(layer, ConvLayer):
                stages.append(ConvStage(next(kernels), layer.stride, layer.padding, shape_in,
                                        shape_out, neuron,
                                        FLOAT_MESSAGE_BITS if graded else 0,
                                        len([s for s in stages if isinstance(s, ConvStage)])
                                        + 1))
                graded = False
            else:
                stages.append(pool_program(layer.kind, layer.kernel, "float", shape_in,
                                           shape_out))
                graded = graded or layer.kind == "avg"
        return tuple(stages)

    def _pairs(self) -> list[tuple[Shape, Shape]]:
        return list(zip(self.shapes[:-1], self.shapes[1:], strict=True))


def _fixed_stages(front: FrontEnd, params: STLLRParams) -> tuple[Stage, ...]:
    """Quantize the front-end (module doc): per conv layer the weight scale
    ``s_w = max(max|K| / 254, max_row_l1(K) * in_max / (2**15 - 1 - 254))``, mantissas
    ``even(K / s_w)`` and ``vth = round(theta / (s_w * s_in))``. The 254 is headroom
    for rounding; a layer whose rounded mantissas still exceed the 16-bit synaptic input
    raises (``check_fits``), it never wraps."""
    dv = dv_from_beta(params.beta)
    stages: list[Stage] = []
    s_in, in_max, kernels = 1.0, 1, iter(front.kernels)
    for i, (layer, (shape_in, shape_out)) in enumerate(zip(front.layers, front._pairs(),
                                                           strict=True)):
        if isinstance(layer, PoolLayer):
            stages.append(pool_program(layer.kind, layer.kernel, "fixed", shape_in, shape_out))
            if stages[-1].count:
                s_in, in_max = s_in / layer.kernel**2, in_max * layer.kernel**2
            continue
        kernel = next(kernels)
        absmax = float(np.abs(kernel).max())
        if absmax == 0.0:
            raise ValueError(f"front-end layer {i + 1} '{layer}' has all-zero weights")
        l1 = float(np.abs(kernel).reshape(kernel.shape[0], -1).sum(axis=1).max())
        s_w = max(absmax / WEIGHT_EVEN_MAX, l1 * in_max / (_ACTIVATION_MAX - WEIGHT_EVEN_MAX))
        mantissas = even_weights(kernel / s_w, f"front-end layer {i + 1} mantissas")
        bound = int(np.abs(mantissas).reshape(kernel.shape[0], -1).sum(axis=1).max()) * in_max
        check_fits(f"front-end layer {i + 1} largest synaptic input", bound, ACTIVATION_BITS,
                   signed=True)
        scale = s_w * s_in
        vth = int(round(params.theta / scale))
        if not 1 <= vth <= VTH_MAX:
            raise ValueError(f"front-end layer {i + 1} '{layer}': theta = {params.theta} is "
                             f"{vth} current units of {scale:.4g}; vth must be in "
                             f"[1, {VTH_MAX}]")
        bits = 0 if in_max == 1 else int(in_max).bit_length()
        depth = len([s for s in stages if isinstance(s, ConvStage)]) + 1
        stages.append(ConvStage(mantissas, layer.stride, layer.padding, shape_in, shape_out,
                                FixedFrontNeuron(dv, vth, params.reset), bits, depth, scale))
        s_in, in_max = 1.0, 1
    if in_max != 1:
        raise ValueError("the fixed-point front-end must end in spikes (a conv or max pool "
                         "layer), not in an average pool: the dense part takes binary spikes")
    return tuple(stages)


def split_conv(spec: ConvNetSpec, weights: Weights
               ) -> tuple[FrontEnd, tuple[int, ...], Weights]:
    """Split a conv network into its front-end, the sizes ``(n_flat, hidden..., classes)``
    of its dense part and the dense part's weights (dense layers and readout).

    Raises ``ValueError`` unless the network has a conv or pool layer followed by at least
    one dense layer (the dense part needs a hidden layer).
    """
    check_conv_weights(spec, weights)
    n_front = next((i for i, layer in enumerate(spec.layers) if isinstance(layer, DenseLayer)),
                   len(spec.layers))
    if n_front == 0 or n_front == len(spec.layers):
        raise ValueError(f"network '{spec}': a conv front-end needs conv/pool layers followed "
                         "by at least one dense layer")
    n_kernels = sum(isinstance(layer, ConvLayer) for layer in spec.layers[:n_front])
    arrays = list(weights.feedforward)
    front = FrontEnd(spec.input_shape, spec.layers[:n_front], tuple(arrays[:n_kernels]))
    sizes = (front.n_outputs, *(layer.size for layer in spec.layers[n_front:]), spec.n_classes)
    return front, sizes, Weights([np.array(w, dtype=np.float64) for w in arrays[n_kernels:]])


def head_params(spec: ConvNetSpec, params: STLLRParams | str) -> STLLRParams:
    """The parameters the on-chip dense part of ``spec`` learns with: ``params`` with
    ``psi`` set to the dense layers' own secondary activation, if they name one (the
    frozen front-end's psi never matters on chip: its kernels do not learn).

    Raises
    ------
    ValueError
        If the dense layers name different psi kinds: the on-chip network has one.
    """
    if isinstance(params, str):
        params = STLLRParams.preset(params)
    own = {layer.psi for layer in spec.layers if isinstance(layer, DenseLayer)} - {None}
    if len(own) > 1:
        raise ValueError(f"the dense layers of {spec.label} name psi kinds "
                         f"{', '.join(sorted(own))}: the on-chip network learns with one")
    return params.replace(psi=own.pop()) if own else params
