"""The options of :func:`~lava_stllr.loihi.quantize.quantize`, validated once.

``QuantizeOptions(readout_last=True, signal_max=(0.5, 1.0))``: every field has the
quantizer's default; a value out of range raises ``ValueError`` naming it when the options
are made, not halfway through a quantization. Per-layer fields (``weight_absmax``,
``signal_max``) take one number for every layer or a sequence with one entry per layer
(stored as a tuple; its length is checked against the network by ``quantize``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.widths import GRADED_SPIKE_BITS, MEMBRANE_MAX, VTH_MAX, VTH_SHIFT

PerLayer = float | tuple[float, ...]


@dataclass(frozen=True)
class QuantizeOptions:
    """How :func:`~lava_stllr.loihi.quantize.quantize` chooses scales and registers.

    Attributes
    ----------
    weight_absmax : float or sequence, optional
        Largest weight magnitude per layer, when no weights are given (or to override the
        largest magnitude of those given).
    readout_last : bool
        Treat the last layer as the non-spiking readout (leaky integrator, psi = 1,
        trained with ``dW = -lr e (x) trx``).
    beta_out : float, optional
        Readout decay (default ``params.beta``).
    signal_max : float or sequence
        Largest ``|L|`` per layer (1 for the output error ``softmax - onehot``).
    signal_bits : int
        Width of the signed integer learning signal (2..24, the graded spike payload).
        9 by default: with 8, the small errors of late epochs (a decaying step scales
        the error) round to too few levels, and fixed-point N-MNIST on chip ends about
        2 points lower; 10 gains no more and leaves the DFA feedback (``B_int e_int``
        within a 16-bit current) only 30 levels (docs/results.md, "Fixed point: the
        signal's width").
    weight_headroom : float, >= 1
        Scale built for ``weight_headroom * max|w|`` so learning can grow weights before they
        saturate at the 8-bit limit.
    membrane_headroom : float, >= 1
        The membrane range ``+-membrane_headroom * theta`` must fit 24 bits.
    vth_min : int
        Smallest threshold mantissa to aim for (raises ``weight_exp`` from 0 until reached);
        sets the membrane resolution ``theta / (64 * vth)``. At most :attr:`vth_max`.
    pre_trace_max, post_trace_max : float, optional
        Largest float pre trace (spikes) and post trace (psi units) to represent; default
        the steady state of a spike (a peak psi) every step, ``1/(1 - lam)``. Required for
        ``lam_post = 1``.
    psi_bits, psi_entries : int
        Width and table size of the integer psi (checked by
        :func:`~lava_stllr.loihi.psi_fixed.make_psi_fixed`).
    """

    weight_absmax: PerLayer | None = None
    readout_last: bool = False
    beta_out: float | None = None
    signal_max: PerLayer = 1.0
    signal_bits: int = 9
    weight_headroom: float = 2.0
    membrane_headroom: float = 8.0
    vth_min: int = 256
    pre_trace_max: float | None = None
    post_trace_max: float | None = None
    psi_bits: int = 7
    psi_entries: int = 256

    def __post_init__(self) -> None:
        def put(name: str, value: Any) -> None:
            object.__setattr__(self, name, value)

        if self.weight_absmax is not None:
            put("weight_absmax", _per_layer("weight_absmax", self.weight_absmax))
        put("signal_max", _per_layer("signal_max", self.signal_max))
        validate.instance("readout_last", self.readout_last, bool)
        if self.beta_out is not None:
            put("beta_out", validate.real("beta_out", self.beta_out, 0.0, 1.0))
        put("signal_bits", validate.integer("signal_bits", self.signal_bits, 2,
                                            GRADED_SPIKE_BITS))
        for name in ("weight_headroom", "membrane_headroom"):
            put(name, validate.real(name, getattr(self, name), 1.0))
        put("vth_min", validate.integer("vth_min", self.vth_min, 1, self.vth_max))
        for name in ("pre_trace_max", "post_trace_max"):
            if getattr(self, name) is not None:
                put(name, validate.real(name, getattr(self, name), 0.0, lo_open=True))
        for name in ("psi_bits", "psi_entries"):
            put(name, validate.integer(name, getattr(self, name)))

    @property
    def vth_max(self) -> int:
        """Largest threshold mantissa: 17 bits, and ``membrane_headroom * theta`` in 24."""
        return min(VTH_MAX, int(MEMBRANE_MAX // ((1 << VTH_SHIFT) * self.membrane_headroom)))

    def replace(self, **changes: Any) -> QuantizeOptions:
        """A copy with ``changes`` (validated again)."""
        return dataclasses.replace(self, **changes)

    def per_layer(self, name: str, n_layers: int) -> list[float] | None:
        """``weight_absmax`` or ``signal_max`` as one float per layer (None if not given)."""
        value = getattr(self, validate.choice("name", name, ("weight_absmax", "signal_max")))
        if value is None:
            return None
        values = list(value) if isinstance(value, tuple) else [value] * n_layers
        if len(values) != n_layers:
            raise ValueError(f"{name} must have one entry per layer ({n_layers}),"
                             f" got {len(values)}")
        return values


def _per_layer(name: str, value: Any) -> PerLayer:
    """One finite number > 0, or a tuple of them."""
    if isinstance(value, Sequence | np.ndarray) and not isinstance(value, str):
        return tuple(validate.real(f"{name} entries", v, 0.0, lo_open=True) for v in value)
    return validate.real(name, value, 0.0, lo_open=True)
