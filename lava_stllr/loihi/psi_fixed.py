"""Integer psi: the secondary activation evaluated with shifts, one multiply and a small table.

Input is the pre-reset membrane offset from threshold in integer membrane units,
``d = v - (vth << 6)``, with ``membrane_scale`` float membrane units per integer unit, so
``u - theta = d * membrane_scale``. Output is ``psi_int`` in ``[0, 2**out_bits - 1]``
(7 bits by default) with ``psi ~= psi_int * peak / (2**out_bits - 1)``, where ``peak`` is
psi at threshold (1 for rational/sigmoid, 0.3 for triangle). One output LSB is
``peak / 127``. All three kinds are even in ``d``, so the program works on ``a = |d|``.

Choice per kind
---------------
Which program a kind gets is its ``integer_form`` in the registry
(:data:`lava_stllr.core.psi.PSI_KINDS`); its ``error_bound_lsb`` is the stated bound of
``max |psi_fixed - psi|`` for the default ``max_entries = 256``, ``table_frac_bits = 4``.

- ``linear`` (``triangle``) -- a shifted triangle, exact up to rounding::

      a   = min(|d| >> k, A)
      psi = max(0, OUT - ((a * G + 2**(s-1)) >> s))

  with ``G / 2**s ~= OUT * membrane_scale * 2**k`` (the slope per index step), ``G`` kept
  to 11 bits and ``k`` chosen so that ``|x| = 1`` maps to 1024..2047 index steps.
  Measured max error 0.64 LSB.
- ``table`` (``rational`` and ``sigmoid``) -- a table of ``N + 1 <= max_entries + 1``
  entries indexed by ``|d| >> k``, sampled at the nodes ``x_i = i * 2**k * membrane_scale``
  with ``F = 4`` extra fractional bits (each node lowered by half the worst chord deviation of its
  neighbouring bins, which centres the error of the convex rational cusp), and linear
  interpolation on the next ``m <= 8`` bits of ``|d|``::

      i   = |d| >> k ;  f = (|d| >> (k - m)) & (2**m - 1)
      psi = i < N ? (T[i] * 2**m + (T[i+1] - T[i]) * f + 2**(m+F-1)) >> (m + F) : 0

  ``k`` is the smallest shift for which ``N <= max_entries`` nodes cover the support
  (where psi drops below half an LSB); ``N`` is in ``(max_entries / 2, max_entries]``
  unless ``k = 0``. With ``max_entries = 256``: measured max error 0.54 LSB for ``sigmoid``
  and 1.19 LSB for ``rational`` (its cusp at threshold, width 0.01, is the hardest part)
  over membrane scales 3e-7..2e-3; stated bounds in the registry, see
  :meth:`PsiFixed.max_error` (the tests measure it for many membrane scales).

Every intermediate stays within the 24-bit neuron register width.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from lava_stllr.core.psi import psi as psi_float
from lava_stllr.core.psi import psi_kind
from lava_stllr.loihi.fixed_arithmetic import check_fits
from lava_stllr.loihi.widths import NEURON_REGISTER_BITS

_TRIANGLE_INDEX_BITS = 10
_TRIANGLE_SLOPE_BITS = 11
_INTERP_BITS = 8


@dataclass(frozen=True)
class PsiFixed:
    """The integer psi program of one neuron population (see the module docstring).

    Attributes
    ----------
    kind : str
    membrane_scale : float
        Float membrane units per integer membrane unit.
    out_bits : int
        Output width (unsigned).
    shift : int
        ``k``: the table index (or triangle argument) is ``|d| >> k``.
    slope, slope_shift, cap : int
        Linear form only: ``G``, ``s`` and ``A``.
    table : tuple of int
        Table nodes ``T[0..N]`` with ``table_frac_bits`` fractional bits (empty for triangle).
    table_frac_bits, interp_bits : int
        ``F`` and ``m`` of the interpolation.
    """

    kind: str
    membrane_scale: float
    out_bits: int
    shift: int
    slope: int = 0
    slope_shift: int = 0
    cap: int = 0
    table: tuple[int, ...] = field(default=())
    table_frac_bits: int = 0
    interp_bits: int = 0

    @property
    def out_max(self) -> int:
        """Largest output, ``2**out_bits - 1`` (psi at threshold)."""
        return (1 << self.out_bits) - 1

    @property
    def peak(self) -> float:
        """Float psi at threshold."""
        return psi_kind(self.kind).peak

    @property
    def linear(self) -> bool:
        """True for the shifted-triangle program, False for the interpolated table."""
        return psi_kind(self.kind).integer_form == "linear"

    @property
    def error_bound_lsb(self) -> float:
        """Stated bound of the program's error, in output LSBs."""
        return psi_kind(self.kind).error_bound_lsb

    @property
    def lsb(self) -> float:
        """Float psi per output unit, ``peak / out_max``."""
        return self.peak / self.out_max

    @property
    def n_entries(self) -> int:
        """Number of table intervals ``N`` (0 for the triangle)."""
        return max(0, len(self.table) - 1)

    def __call__(self, d: np.ndarray) -> np.ndarray:
        """``psi_int`` of the membrane offsets ``d = v - (vth << 6)`` (int array)."""
        a = np.abs(np.asarray(d, dtype=np.int64))
        if self.linear:
            idx = np.minimum(a >> self.shift, self.cap)
            prod = check_fits("psi triangle register", idx * self.slope,
                              NEURON_REGISTER_BITS, signed=True)
            drop = (prod + (1 << (self.slope_shift - 1))) >> self.slope_shift
            return np.maximum(0, self.out_max - drop)
        table = np.asarray(self.table, dtype=np.int64)
        n = self.n_entries
        i = a >> self.shift
        inside = i < n
        i_c = np.minimum(i, n - 1)
        m = self.interp_bits
        f = (a >> (self.shift - m)) & ((1 << m) - 1)
        base, nxt = table[i_c], table[i_c + 1]
        acc = check_fits("psi table register", (base << m) + (nxt - base) * f,
                         NEURON_REGISTER_BITS, signed=True)
        total = m + self.table_frac_bits
        out = (acc + (1 << (total - 1))) >> total if total > 0 else acc
        return np.where(inside, out, 0)

    def dequantize(self, psi_int: np.ndarray) -> np.ndarray:
        """Float psi of integer outputs: ``psi_int * lsb``."""
        return np.asarray(psi_int, dtype=np.float64) * self.lsb

    def support(self) -> int:
        """Smallest ``|d|`` (integer units) from which the program returns 0."""
        if self.linear:
            out = self(np.array([self.cap << self.shift]))
            lo, hi = 0, self.cap << self.shift
            if out[0] != 0:
                return hi + (1 << self.shift)
            while lo < hi:  # first zero; the program is monotone in |d|
                mid = (lo + hi) // 2
                if self(np.array([mid]))[0] == 0:
                    hi = mid
                else:
                    lo = mid + 1
            return lo
        return self.n_entries << self.shift

    def max_error(self, max_points: int = 1 << 20) -> float:
        """Measured ``max |dequantize(psi_int(d)) - psi(d * membrane_scale)|`` (float psi).

        Evaluated on every integer offset from 0 up to twice the support when that is at
        most ``max_points`` offsets, otherwise on ``max_points`` evenly spaced offsets
        plus every table node and its neighbours.
        """
        top = 2 * self.support() + (1 << self.shift)
        if top <= max_points:
            d = np.arange(0, top + 1, dtype=np.int64)
        else:
            d = np.unique(np.linspace(0, top, max_points).astype(np.int64))
            nodes = np.arange(self.n_entries + 1, dtype=np.int64) << self.shift
            d = np.unique(np.concatenate([d, nodes, nodes + 1, np.maximum(nodes - 1, 0)]))
        ref = psi_float(d * self.membrane_scale, 0.0, self.kind)
        return float(np.max(np.abs(self.dequantize(self(d)) - ref)))

    def program(self) -> list[str]:
        """The integer program as text lines (for the microcode listing)."""
        if self.linear:
            s = self.slope_shift
            return [
                f"a = min(|v - (vth << 6)| >> {self.shift}, {self.cap})",
                f"psi = max(0, {self.out_max} - ((a * {self.slope} + {1 << (s - 1)}) >> {s}))",
            ]
        k, m, f = self.shift, self.interp_bits, self.table_frac_bits
        return [
            "a = |v - (vth << 6)|",
            f"i = a >> {k};  f = (a >> {k - m}) & {(1 << m) - 1}",
            f"psi = i < {self.n_entries} ? (T[i] * {1 << m} + (T[i+1] - T[i]) * f"
            f" + {1 << (m + f - 1)}) >> {m + f} : 0   (T: {len(self.table)} entries,"
            f" {f} fractional bits)",
        ]

    def to_dict(self) -> dict:
        """JSON-serialisable description (table included)."""
        return {
            "kind": self.kind, "membrane_scale": self.membrane_scale,
            "out_bits": self.out_bits, "shift": self.shift, "slope": self.slope,
            "slope_shift": self.slope_shift, "cap": self.cap, "table": list(self.table),
            "table_frac_bits": self.table_frac_bits, "interp_bits": self.interp_bits,
            "lsb": self.lsb, "program": self.program(),
        }


def _psi_support(kind: str, half_lsb: float) -> float:
    """Smallest ``|x|`` with ``psi(x) < half_lsb`` (psi decreasing in ``|x|``)."""
    lo, hi = 0.0, 1.0
    while psi_float(np.array(hi), 0.0, kind) >= half_lsb:
        hi *= 2.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if psi_float(np.array(mid), 0.0, kind) >= half_lsb:
            lo = mid
        else:
            hi = mid
    return hi


def _chord_offsets(kind: str, nodes: np.ndarray, values: np.ndarray, step: float,
                   lsb: float) -> np.ndarray:
    """Signed worst deviation (in LSBs) of the chord from psi in the bins next to each node.

    Lowering each node by half of it centres the interpolation error of a convex bin
    (the rational cusp) around zero instead of leaving it one-sided.
    """
    t = np.linspace(0.0, 1.0, 65)[None, :]
    xs = nodes[:-1, None] + t * step
    chord = values[:-1, None] + (values[1:] - values[:-1])[:, None] * t
    dev = chord - psi_float(xs, 0.0, kind) / lsb
    worst = dev[np.arange(dev.shape[0]), np.argmax(np.abs(dev), axis=1)]
    before = np.concatenate([[0.0], worst])
    after = np.concatenate([worst, [0.0]])
    return np.where(np.abs(before) > np.abs(after), before, after)


def make_psi_fixed(kind: str, membrane_scale: float, out_bits: int = 7,
                   max_entries: int = 256, table_frac_bits: int = 4) -> PsiFixed:
    """Build the integer psi program for a membrane scale.

    Parameters
    ----------
    kind : str
        A registered psi kind (:data:`lava_stllr.core.psi.PSI_KINDS`).
    membrane_scale : float, > 0
        Float membrane units per integer unit (``theta / (vth << 6)``).
    out_bits : int
        Output width, 2..12 (7 to feed 7-bit third factors).
    max_entries : int
        Largest table size ``N`` (rational and sigmoid), 8..1024.
    table_frac_bits : int
        Extra fractional bits of the table entries, 0..8.

    Raises
    ------
    ValueError
        For an unknown kind or parameters out of range, or a membrane scale so coarse that
        psi cannot be resolved (fewer than 8 integer steps across its support).
    """
    spec = psi_kind(kind)
    if not (isinstance(membrane_scale, float | int) and math.isfinite(membrane_scale)
            and membrane_scale > 0):
        raise ValueError(f"membrane_scale must be a finite number > 0, got {membrane_scale!r}")
    if not isinstance(out_bits, int) or not 2 <= out_bits <= 12:
        raise ValueError(f"out_bits must be an integer in [2, 12], got {out_bits!r}")
    if not isinstance(max_entries, int) or not 8 <= max_entries <= 1024:
        raise ValueError(f"max_entries must be an integer in [8, 1024], got {max_entries!r}")
    if not isinstance(table_frac_bits, int) or not 0 <= table_frac_bits <= 8:
        raise ValueError(f"table_frac_bits must be an integer in [0, 8], got {table_frac_bits!r}")
    out_max = (1 << out_bits) - 1
    scale = float(membrane_scale)
    if spec.integer_form == "linear":
        width = spec.half_width / scale  # integer units from threshold to psi = 0
        if width < 8:
            raise ValueError(
                f"membrane_scale {scale!r} too coarse for psi {kind!r}: |u - theta| ="
                f" {spec.half_width:g} spans {width:.2f} integer units (< 8)")
        shift = max(0, int(math.floor(math.log2(width))) - _TRIANGLE_INDEX_BITS)
        slope_f = out_max * scale * (1 << shift) / spec.half_width  # output units per index
        s = 0
        while slope_f * (1 << (s + 1)) < (1 << _TRIANGLE_SLOPE_BITS):
            s += 1
        s = max(s, 1)
        slope = int(round(slope_f * (1 << s)))
        cap = int(math.ceil((out_max + 0.5) * (1 << s) / slope))
        return PsiFixed(kind, scale, out_bits, shift, slope=slope, slope_shift=s, cap=cap)
    lsb = spec.peak / out_max
    support = _psi_support(kind, 0.5 * lsb)
    if support / scale < 8:
        raise ValueError(
            f"membrane_scale {scale!r} too coarse for psi {kind!r}: its support"
            f" {support:.3g} spans {support / scale:.2f} integer units (< 8)")
    shift = 0
    while max_entries * (1 << shift) * scale < support:
        shift += 1
    n = int(math.ceil(support / ((1 << shift) * scale)))
    step = (1 << shift) * scale
    nodes = np.arange(n + 1) * step
    values = psi_float(nodes, 0.0, kind) / lsb
    table = np.round((values - 0.5 * _chord_offsets(kind, nodes, values, step, lsb))
                     * (1 << table_frac_bits))
    interp = min(shift, _INTERP_BITS)
    return PsiFixed(kind, scale, out_bits, shift, table=tuple(int(t) for t in table),
                    table_frac_bits=table_frac_bits, interp_bits=interp)


def psi_fixed(d: np.ndarray, spec: PsiFixed) -> np.ndarray:
    """``psi_int`` of membrane offsets ``d = v - (vth << 6)`` under the program ``spec``."""
    return spec(d)
