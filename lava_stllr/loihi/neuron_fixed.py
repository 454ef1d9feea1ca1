"""The fixed-point S-TLLR LIF neuron (and readout) as per-step integer programs.

One step of a spiking layer, all integers (``>>`` rounds as stated)::

    v     = trunc(v * (4096 - dv) / 4096) + (a_in << 6)          lif_step, trunc rounding
    s     = v > (vth << 6);   v -= (vth << 6) * s  (soft)  or  v *= 1 - s  (hard)
    psi   = psi_program(v_pre - (vth << 6))                      7-bit, see loihi.psi_fixed
    tr    = round(tr * lam_post_num / 4096) + round(psi * trace_gain / 4096)    7-bit
    y1    = L < 0 ? 64 + F : 64 - F                              sign flag: (y1 - 64) = sign(-L) F
    y2    = round(|L| * psi * y2_mult / 2**y2_shift)             7-bit, |c| |alpha_pre/lam_pre| psi
    y3    = round(|L| * (tr * y3_mult + psi * y3_psi_mult) / 2**y3_shift)
                                  7-bit, |c| |alpha_post| trpsi (+ |c| |alpha_pre/lam_pre| psi)
    bap   = s

``L`` is the integer learning signal (``signal_bits`` signed), ``c = -lr * L``; ``round`` is
half away from zero. The membrane update is Loihi's ``PyLifModelBitAcc`` with an
instantaneous current (``du = 4095``). Nothing wraps: a value that leaves its width raises
``ValueError`` (``overflow="raise"``) or is clipped explicitly (``overflow="saturate"``,
what the hardware's saturating registers would do).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from lava_stllr import validate
from lava_stllr.core.messages import NeuronOutputs, NeuronState
from lava_stllr.core.neurons import leaky_integrator_step, lif_step
from lava_stllr.core.traces import trace_step
from lava_stllr.loihi.fixed_arithmetic import FixedArithmetic, check_fits, saturate
from lava_stllr.loihi.fixed_rule import FLAG_MAX, FLAG_OFFSET
from lava_stllr.loihi.psi_fixed import PsiFixed
from lava_stllr.loihi.widths import (
    ACTIVATION_BITS,
    ACTIVATION_SHIFT,
    DECAY_BITS,
    DECAY_MAX,
    DECAY_UNITY,
    MEMBRANE_BITS,
    NEURON_REGISTER_BITS,
    THIRD_FACTOR_BITS,
    TRACE_BITS,
    VTH_MAX,
    VTH_SHIFT,
)

OVERFLOW_MODES = ("raise", "saturate")

#: Loihi's LIF decay: 12-bit numerator, magnitude truncated (``PyLifModelBitAcc``).
MEMBRANE_ARITH = FixedArithmetic(DECAY_BITS, "trunc")
#: Neuron-program arithmetic for traces and gains: 12-bit numerators, round to nearest.
TRACE_ARITH = FixedArithmetic(DECAY_BITS, "nearest")


_REGISTER_MAX = (1 << NEURON_REGISTER_BITS) - 1
#: Range of every integer register of the neuron and readout programs.
_REGISTER_RANGES: dict[str, tuple[int, int]] = {
    "dv": (0, DECAY_MAX), "vth": (1, VTH_MAX), "flag": (1, FLAG_MAX),
    "lam_post_num": (0, DECAY_UNITY), "trace_gain": (0, DECAY_UNITY),
    "y2_mult": (0, _REGISTER_MAX), "y3_mult": (0, _REGISTER_MAX),
    "y3_psi_mult": (0, _REGISTER_MAX), "y2_shift": (0, 2 * NEURON_REGISTER_BITS),
    "y3_shift": (0, 2 * NEURON_REGISTER_BITS), "signal_bits": (2, MEMBRANE_BITS),
}


def _check_registers(program: object) -> None:
    """``ValueError`` unless every register field of ``program`` is an integer in range."""
    for f in fields(program):
        if f.name in _REGISTER_RANGES:
            validate.integer(f.name, getattr(program, f.name), *_REGISTER_RANGES[f.name])


def _fit(name: str, values: np.ndarray, bits: int, signed: bool, overflow: str) -> np.ndarray:
    if overflow == "saturate":
        return saturate(values, bits, signed)
    return check_fits(name, values, bits, signed)


@dataclass(frozen=True)
class NeuronRegisters:
    """Integer constants of one S-TLLR LIF population (built by ``loihi.quantize``).

    Attributes
    ----------
    dv : int
        Voltage decay, 12-bit: ``beta = (4096 - dv) / 4096``.
    vth : int
        Threshold mantissa (17-bit); the compared threshold is ``vth << 6``.
    reset : {"soft", "hard"}
    psi : PsiFixed
        Integer psi program.
    lam_post_num : int
        Post-trace decay numerator over 4096.
    trace_gain : int
        Numerator over 4096 that converts psi units into post-trace units.
    y2_mult, y2_shift, y3_mult, y3_shift : int
        Third-factor gains: ``y = round(|L| * operand * mult / 2**shift)``.
    y3_psi_mult : int
        Gain of psi in y3 (a "merged" rule, where y3 also carries the timing correction
        ``|c| |alpha_pre/lam_pre| psi``); 0 otherwise.
    signal_bits : int
        Width of the signed integer learning signal.
    causal, noncausal : bool
        Whether the rule has the causal product (sends y2) and the ``x0 * y3`` product
        (sends y3); an unused factor is sent as 0.
    flag : int
        Flag magnitude ``F`` (1..63) of the connection's rule: ``y1 = 64 +- F``.
    """

    dv: int
    vth: int
    reset: str
    psi: PsiFixed
    lam_post_num: int
    trace_gain: int
    y2_mult: int
    y2_shift: int
    y3_mult: int
    y3_shift: int
    signal_bits: int
    causal: bool = True
    noncausal: bool = True
    flag: int = FLAG_MAX
    y3_psi_mult: int = 0

    def __post_init__(self) -> None:
        _check_registers(self)
        if self.reset not in ("soft", "hard"):
            raise ValueError(f"reset must be 'soft' or 'hard', got {self.reset!r}")

    @property
    def vth_scaled(self) -> int:
        """The compared threshold ``vth << 6``."""
        return self.vth << VTH_SHIFT

    @property
    def signal_max(self) -> int:
        """Largest learning-signal magnitude, ``2**(signal_bits - 1) - 1``."""
        return (1 << (self.signal_bits - 1)) - 1

    def program(self) -> list[str]:
        """The per-step integer program as text lines (for the microcode listing)."""
        reset = ("v -= (vth << 6) * s" if self.reset == "soft" else "v = v * (1 - s)")
        lines = [
            f"v = trunc(v * {DECAY_UNITY - self.dv} / 4096) + (a_in << {ACTIVATION_SHIFT})"
            f"   # dv = {self.dv}",
            f"s = v > {self.vth_scaled}   # vth = {self.vth} << {VTH_SHIFT}",
            *self.psi.program(),
            reset,
            f"tr = round(tr * {self.lam_post_num} / 4096) + round(psi * {self.trace_gain} / 4096)",
            f"y1 = L < 0 ? {FLAG_OFFSET + self.flag} : {FLAG_OFFSET - self.flag}",
        ]
        lines.append(f"y2 = round(|L| * psi * {self.y2_mult} / 2^{self.y2_shift})"
                     if self.causal else "y2 = 0")
        y3 = (f"tr * {self.y3_mult} + psi * {self.y3_psi_mult}" if self.y3_psi_mult
              else f"tr * {self.y3_mult}")
        lines.append(f"y3 = round(|L| * ({y3}) / 2^{self.y3_shift})"
                     if self.noncausal else "y3 = 0")
        lines.append("bap = s")
        return lines

    def to_dict(self) -> dict:
        """JSON-serialisable description."""
        return {
            "dv": self.dv, "vth": self.vth, "vth_scaled": self.vth_scaled, "reset": self.reset,
            "psi": self.psi.to_dict(), "lam_post_num": self.lam_post_num,
            "trace_gain": self.trace_gain, "y2_mult": self.y2_mult, "y2_shift": self.y2_shift,
            "y3_mult": self.y3_mult, "y3_psi_mult": self.y3_psi_mult,
            "y3_shift": self.y3_shift,
            "signal_bits": self.signal_bits, "causal": self.causal,
            "noncausal": self.noncausal, "flag": self.flag, "program": self.program(),
        }


def _gain(values: np.ndarray, mult: int, shift: int, name: str,
          inner: np.ndarray | None = None) -> np.ndarray:
    """``round(values * mult * inner / 2**shift)`` with the register widths checked."""
    if inner is not None:
        values = values * check_fits(f"{name} register", inner, NEURON_REGISTER_BITS, True)
    prod = check_fits(f"{name} register", values * mult, NEURON_REGISTER_BITS, signed=True)
    return FixedArithmetic(shift, "nearest").scale(prod, 1)


def _flags_and_magnitude(signal: np.ndarray, bits: int,
                         flag: int) -> tuple[np.ndarray, np.ndarray]:
    sig = check_fits("learning signal", signal, bits, signed=True)
    y1 = np.where(sig < 0, FLAG_OFFSET + flag, FLAG_OFFSET - flag).astype(np.int64)
    return y1, np.abs(sig)


def neuron_step(registers: NeuronRegisters, state: NeuronState, a_in: np.ndarray,
                signal: np.ndarray, learn: bool = True,
                overflow: str = "raise") -> tuple[NeuronState, NeuronOutputs]:
    """One step of the fixed-point S-TLLR LIF population (see the module docstring).

    Parameters
    ----------
    registers : NeuronRegisters
    state : NeuronState
    a_in : int array
        Dendritic input from the connection (16-bit signed, already shifted by the weight
        exponent), ``W x[t-1]`` in Lava's timing.
    signal : int array
        Integer learning signal ``L[t]`` (``registers.signal_bits`` signed).
    learn : bool
        False sends ``y2 = y3 = 0`` (outside the learning window).
    overflow : {"raise", "saturate"}

    Returns
    -------
    state : NeuronState
    outputs : NeuronOutputs
    """
    if overflow not in OVERFLOW_MODES:
        raise ValueError(f"overflow must be one of {OVERFLOW_MODES}, got {overflow!r}")
    a_in = check_fits("a_in", a_in, ACTIVATION_BITS, signed=True)
    v_old = np.asarray(state.v, dtype=np.int64)
    v_new, spikes, v_pre = lif_step(
        v_old, a_in << ACTIVATION_SHIFT, DECAY_UNITY - registers.dv, registers.vth_scaled,
        registers.reset, arith=MEMBRANE_ARITH)
    if overflow == "saturate":  # Loihi clips the voltage; the reset then acts on the clipped value
        v_pre = saturate(v_pre, MEMBRANE_BITS, signed=True)
        v_new = (v_pre - registers.vth_scaled * spikes if registers.reset == "soft"
                 else v_pre * (1 - spikes))
    else:
        check_fits("membrane v", v_pre, MEMBRANE_BITS, signed=True)
    psi = registers.psi(v_pre - registers.vth_scaled)
    trace = trace_step(np.asarray(state.trace, dtype=np.int64),
                       TRACE_ARITH.scale(psi, registers.trace_gain), registers.lam_post_num,
                       1, arith=TRACE_ARITH)
    trace = _fit("post trace", trace, TRACE_BITS, False, overflow)
    y1, mag = _flags_and_magnitude(signal, registers.signal_bits, registers.flag)
    zeros = np.zeros_like(mag)
    y2 = _gain(mag * psi, registers.y2_mult, registers.y2_shift, "y2") \
        if (learn and registers.causal) else zeros
    y3 = _gain(mag, 1, registers.y3_shift, "y3",
               inner=trace * registers.y3_mult + psi * registers.y3_psi_mult) \
        if (learn and registers.noncausal) else zeros
    y2 = _fit("third factor y2", y2, THIRD_FACTOR_BITS, False, overflow)
    y3 = _fit("third factor y3", y3, THIRD_FACTOR_BITS, False, overflow)
    spikes_b = spikes.astype(bool)
    outputs = NeuronOutputs(spikes_b, spikes_b.copy(), psi, y1, y2, y3)
    return NeuronState(v_new, trace), outputs


@dataclass(frozen=True)
class ReadoutRegisters:
    """Integer constants of the non-spiking readout (leaky integrator).

    ``z = trunc(z * (4096 - dv) / 4096) + (a_in << 6)``; its connection learns with
    ``psi = 1`` (``alpha_pre = 1``, ``alpha_post = 0``): ``y1 = 64 +- flag``,
    ``y2 = round(|L| * y2_mult / 2**y2_shift)`` (causal) and
    ``y3 = round(|L| * y3_mult / 2**y3_shift)`` (timing correction).
    """

    dv: int
    y2_mult: int
    y2_shift: int
    y3_mult: int
    y3_shift: int
    signal_bits: int
    flag: int = FLAG_MAX

    def __post_init__(self) -> None:
        _check_registers(self)

    def program(self) -> list[str]:
        """The per-step integer program as text lines."""
        return [
            f"z = trunc(z * {DECAY_UNITY - self.dv} / 4096) + (a_in << {ACTIVATION_SHIFT})",
            f"y1 = L < 0 ? {FLAG_OFFSET + self.flag} : {FLAG_OFFSET - self.flag}",
            f"y2 = round(|L| * {self.y2_mult} / 2^{self.y2_shift})",
            f"y3 = round(|L| * {self.y3_mult} / 2^{self.y3_shift})",
        ]

    def to_dict(self) -> dict:
        """JSON-serialisable description."""
        return {"dv": self.dv, "y2_mult": self.y2_mult, "y2_shift": self.y2_shift,
                "y3_mult": self.y3_mult, "y3_shift": self.y3_shift,
                "signal_bits": self.signal_bits, "flag": self.flag, "program": self.program()}


def readout_step(registers: ReadoutRegisters, z: np.ndarray, a_in: np.ndarray,
                 signal: np.ndarray, learn: bool = True,
                 overflow: str = "raise") -> tuple[np.ndarray, np.ndarray]:
    """One readout step: returns the new ``z`` (24-bit) and the ``(3, n)`` third factors."""
    if overflow not in OVERFLOW_MODES:
        raise ValueError(f"overflow must be one of {OVERFLOW_MODES}, got {overflow!r}")
    a_in = check_fits("a_in", a_in, ACTIVATION_BITS, signed=True)
    z_new = leaky_integrator_step(np.asarray(z, dtype=np.int64), a_in << ACTIVATION_SHIFT,
                                  DECAY_UNITY - registers.dv, arith=MEMBRANE_ARITH)
    z_new = _fit("readout z", z_new, MEMBRANE_BITS, True, overflow)
    y1, mag = _flags_and_magnitude(signal, registers.signal_bits, registers.flag)
    zeros = np.zeros_like(mag)
    y2 = _gain(mag, registers.y2_mult, registers.y2_shift, "y2") if learn else zeros
    y3 = _gain(mag, registers.y3_mult, registers.y3_shift, "y3") if learn else zeros
    y2 = _fit("third factor y2", y2, THIRD_FACTOR_BITS, False, overflow)
    y3 = _fit("third factor y3", y3, THIRD_FACTOR_BITS, False, overflow)
    return z_new, np.stack([y1, y2, y3])
