"""What :func:`~lava_stllr.loihi.quantize.quantize` returns: the fixed-point representation
of S-TLLR per layer (:class:`LayerFixed`) and for the network (:class:`FixedSTLLR`), and the
float view :func:`~lava_stllr.loihi.quantize.dequantize` gives of it (:class:`Dequantized`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from lava_stllr.loihi.fixed_rule import FixedRule
from lava_stllr.loihi.neuron_fixed import NeuronRegisters, ReadoutRegisters
from lava_stllr.loihi.psi_fixed import PsiFixed
from lava_stllr.loihi.rule_constants import LearningConstants
from lava_stllr.params import STLLRParams


@dataclass(frozen=True)
class LayerFixed:
    """Fixed-point representation of one layer (its connection and its neurons).

    Attributes
    ----------
    index : int
    readout : bool
        True for a non-spiking readout (no threshold, no psi).
    weights : (post, pre) int array or None
        Weight mantissas (even), or None when only ``weight_absmax`` was given.
    weight_absmax : float
        Largest float weight magnitude the scale was built for (before headroom).
    weight_scale : float
        ``s_w``: float weight per mantissa unit.
    weight_exp : int
        Dense weight exponent (``a_in = W_int.x << weight_exp``).
    membrane_scale : float
        ``s_v``: float membrane per integer unit.
    vth : int
        Threshold mantissa (0 for the readout).
    signal_max, signal_scale : float
        Largest float learning signal and ``s_L`` (float per integer unit).
    rule : FixedRule
        The connection's learning rule.
    learning : LearningConstants
        Rule constants, gains and resolution levels (from the flag search).
    neuron : NeuronRegisters or ReadoutRegisters
        The post population's integer program.
    trace_unit : float
        Float post trace per integer unit (0 for the readout).
    effective : dict
        Float constants the integers implement: ``lr_alpha_pre``, ``lr_alpha_post``
        (update per ``L * psi * trx`` / per ``L * trpsi * x``) and their targets.
    """

    index: int
    readout: bool
    weights: np.ndarray | None
    weight_absmax: float
    weight_scale: float
    weight_exp: int
    membrane_scale: float
    vth: int
    signal_max: float
    signal_scale: float
    rule: FixedRule
    learning: LearningConstants
    neuron: NeuronRegisters | ReadoutRegisters
    trace_unit: float
    effective: dict[str, float] = field(default_factory=dict)

    @property
    def psi(self) -> PsiFixed | None:
        """The integer psi program (None for the readout)."""
        return self.neuron.psi if isinstance(self.neuron, NeuronRegisters) else None


@dataclass(frozen=True)
class FixedSTLLR:
    """Result of :func:`quantize`: the network-wide registers and one :class:`LayerFixed`
    per layer.

    Attributes
    ----------
    params : STLLRParams
        The float parameters that were quantized.
    layers : tuple of LayerFixed
    x1_impulse, x1_tau : int
        Pre-trace registers (shared by all connections).
    lam_pre_eff : float
        ``exp(-1/x1_tau)``, the decay the chip applies to x1.
    pre_trace_max : float
        Float pre trace (spikes) covered by x1 without saturating.
    lam_post_eff, beta_eff : float
        ``lam_post_num / 4096`` and ``(4096 - dv) / 4096``.
    notes : tuple of str
        Deliberate approximations worth knowing (e.g. ``lam_pre = 1`` as ``tau = 255``).
    """

    params: STLLRParams
    layers: tuple[LayerFixed, ...]
    x1_impulse: int
    x1_tau: int
    lam_pre_eff: float
    pre_trace_max: float
    lam_post_eff: float
    beta_eff: float
    notes: tuple[str, ...] = ()


class Dequantized(NamedTuple):
    """Float view of a :class:`FixedSTLLR`: weights per layer and effective params per layer."""

    weights: list[np.ndarray | None]
    params: list[STLLRParams]
