"""A fast, bit-exact learning step of Lava's bit-approximate engine for S-TLLR-like rules.

:func:`lava_stllr.loihi.engine_replica.bit_approx_learning_step` replays the engine literally:
every product is a full ``(post, pre)`` array. Rules whose products have the dependency
``u0`` or ``x0`` and factors among ``x1``, ``y1``, ``y2``, ``y3`` and constants (all S-TLLR
rules) factorise: a product is a per-row integer ``r_i`` (the y factors, constants and
mantissa) times at most one per-column integer (``x1_j``), so only the block of rows with a
non-zero ``r_i`` and columns with a non-zero trace is touched. Within that block the step
is the engine's, operation for operation (in weight-mantissa units, ``A`` the 16-bit
accumulator)::

    x1_j   <- sround(exp(-1/x1_tau) * x1_j, r_x);  x1_j <- min(x1_j + impulse, 127) if spiked
    y_ki   <- sround(exp(-1/65535) * y_ki, r_y)    (clipped to [0, 127] on bAP steps)
    A_ij    = w_ij << 7
    for each product p (in rule order):
        c_ij  = ((dep_j * r_i * x1_j) >> shift_p) << (exponent_p + 7)    int32, clipped to A
        A_ij  = clip(A_ij + c_ij, -2^15 - 1, 2^15 - 1)
    w_ij    = clip(floor(A_ij / 128) + [r_w < frac(A_ij / 128)], -256, 255)

with ``dep_j = 1`` (``u0``) or the pre spike (``x0``). Outside the block the accumulator
is exactly ``w << 7`` and the rounding leaves ``w`` unchanged, so skipping it is exact.
Products are computed in int32 like the engine's (``current`` is an int32 array), so an
overflow wraps around exactly as it does there (multiplication modulo ``2**32`` does not
depend on the order of the factors).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lava_stllr.loihi.bit_approx import StepRandoms, decay_trace
from lava_stllr.loihi.fixed_rule import ProductSpec
from lava_stllr.loihi.widths import (
    ACCUMULATOR_MAX,
    ACCUMULATOR_MIN,
    TRACE_MAX,
    WEIGHT_MAX,
    WEIGHT_MIN,
    WEIGHT_UPDATE_FRAC_BITS,
    Y_TAU_3F,
)

_Y_INDEX = {"y1": 0, "y2": 1, "y3": 2}
_INT32_MAX = (1 << 31) - 1
#: Accumulator range within which no clip (accumulator or weight) can change a result:
#: ``acc <= 255 * 128`` rounds to at most 255, ``acc >= -256 * 128`` to at least -256.
_ACC_SAFE_MAX = WEIGHT_MAX << WEIGHT_UPDATE_FRAC_BITS
_ACC_SAFE_MIN = WEIGHT_MIN << WEIGHT_UPDATE_FRAC_BITS
_Y_DECAY = np.exp(-1 / np.full((3, 1), Y_TAU_3F))


@dataclass(frozen=True)
class CompiledProduct:
    """One factorised product: ``dep * row_i * (x1_j if uses_x1) * mantissa``.

    Attributes
    ----------
    on_spikes : bool
        Dependency ``x0`` (columns that spiked) instead of ``u0`` (every column).
    uses_x1 : bool
        Whether ``x1`` is a factor.
    y_factors : tuple of (index, const, width)
        The y factors ``clip(y[index] + const, -2^width, 2^width - 1)``.
    const : int
        Product of the constant factors (each clipped to its width).
    mantissa, shift, stored_exponent : int
        The engine's scaling: ``(... * mantissa) >> shift << stored_exponent``.
    may_wrap : bool
        Whether the int32 product can overflow (and wrap) for factors in range.
    """

    on_spikes: bool
    uses_x1: bool
    y_factors: tuple[tuple[int, int, int], ...]
    const: int
    mantissa: int
    shift: int
    stored_exponent: int
    may_wrap: bool

    def row_values(self, y: np.ndarray) -> np.ndarray:
        """Per-row integer ``const * prod(y factors) * mantissa``, int32 (wrapping)."""
        row = np.full(y.shape[1], self.const * self.mantissa, dtype=np.int64)
        for k, const, width in self.y_factors:
            row = row * np.clip(y[k] + const, -(1 << width), (1 << width) - 1)
            row = row.astype(np.int32).astype(np.int64)  # wraps as the engine's int32
        return row.astype(np.int32)


def compile_products(products: Sequence[ProductSpec]) -> tuple[CompiledProduct, ...]:
    """Factorise a rule for :func:`fast_learning_step`.

    Raises
    ------
    ValueError
        For a product with the ``y0`` dependency, an ``x0``/``y0`` factor or ``x1`` twice
        (use :func:`~lava_stllr.loihi.engine_replica.bit_approx_learning_step` for those).
    """
    if not products:
        raise ValueError("a rule needs at least one product")
    compiled = []
    for p in products:
        if p.dependency not in ("u", "x0"):
            raise ValueError(f"fast_learning_step supports the u0 and x0 dependencies only,"
                             f" got {p.dependency!r}")
        uses_x1, y_factors, const, bound = False, [], 1, 1
        for f in p.factors:
            c = f.const if f.const is not None else 0
            lo, hi = -(1 << f.width), (1 << f.width) - 1
            if f.state_var == "x1":
                if uses_x1 or c:
                    raise ValueError("fast_learning_step supports one plain x1 factor per"
                                     " product")
                uses_x1, bound = True, bound * TRACE_MAX
            elif f.state_var in _Y_INDEX:
                y_factors.append((_Y_INDEX[f.state_var], c, f.width))
                bound *= max(abs(lo), hi)
            elif f.state_var == "C":
                value = int(np.clip(c, lo, hi))
                const, bound = const * value, bound * abs(value)
            else:
                raise ValueError(f"fast_learning_step does not support the factor"
                                 f" {f.state_var!r}")
        bound *= abs(p.mantissa)
        stored = p.stored_exponent
        may_wrap = bound > _INT32_MAX or (bound >> p.shift) << stored > _INT32_MAX
        compiled.append(CompiledProduct(p.dependency == "x0", uses_x1, tuple(y_factors),
                                        const, p.mantissa, p.shift, stored, may_wrap))
    return tuple(compiled)


def _current(prod: CompiledProduct, row: np.ndarray, col: np.ndarray | None,
             saturate: bool) -> np.ndarray:
    """The contribution of one product, ``(rows, cols)`` or ``(rows, 1)`` int32, clipped
    to the accumulator when ``saturate`` (skipped only where it cannot bite)."""
    value = row[:, np.newaxis]
    if col is not None:
        value = value * col.astype(np.int32)[np.newaxis, :]
    else:
        value = value.copy()
    value >>= np.int32(prod.shift)
    value <<= np.int32(prod.stored_exponent)
    return _saturate(value) if saturate else value


def _current_bound(prod: CompiledProduct, row: np.ndarray, col_max: int) -> int:
    """Largest ``|current|`` of a product over a block (before its clip)."""
    top = int(np.abs(row.astype(np.int64)).max(initial=0)) * col_max
    return ((top >> prod.shift) + 1) << prod.stored_exponent


def decay_third_factors(y: np.ndarray, bap: np.ndarray, random: float) -> np.ndarray:
    """The engine's stochastic decay of the received ``(3, post)`` y, clipped on bAP."""
    y_new = np.floor(_Y_DECAY * y)
    y_new = (y_new + (random < (_Y_DECAY * y) % 1)).astype(np.int64)
    if bap.any():
        y_new[:, bap] = np.clip(y_new[:, bap], 0, TRACE_MAX)
    return y_new


def update_pre_trace(x1: np.ndarray, spikes: np.ndarray, impulse: int, tau: float,
                     random: float) -> np.ndarray:
    """``x1 <- sround(exp(-1/tau) x1, r)`` (cleared for ``tau = 0``), plus the impulse."""
    x_new = (decay_trace(x1, tau, random) if tau != 0 else np.zeros_like(x1)).astype(np.int64)
    if spikes.any():
        x_new[spikes] = np.minimum(x_new[spikes] + int(impulse), TRACE_MAX)
    return x_new


def fast_learning_step(weights: np.ndarray, x1: np.ndarray, pre_spikes: np.ndarray,
                       y: np.ndarray, bap: np.ndarray, products: Sequence[CompiledProduct],
                       x1_impulse: int, x1_tau: float, randoms: StepRandoms,
                       lo: int = WEIGHT_MIN, hi: int = WEIGHT_MAX) -> np.ndarray:
    """One learning step (``t_epoch = 1``) of the bit-approximate engine, in place.

    Bit-exact with :func:`~lava_stllr.loihi.engine_replica.bit_approx_learning_step` (same
    arguments, ``u = 1``) for the products :func:`compile_products` accepts; with
    ``lo = TAG_MIN`` it steps the synaptic tag instead (saturated to ``[-257, 255]``), as
    :func:`~lava_stllr.loihi.engine_replica.bit_approx_tag_step` does its ``dt``.

    Parameters
    ----------
    weights : (post, pre) int array
        Weight mantissas in ``[-256, 255]``; updated in place.
    x1 : (pre,) int
        Pre trace before the step (0..127).
    pre_spikes : (pre,) bool
    y : (3, post) int
        y1, y2, y3 received this step.
    bap : (post,) bool
    products : sequence of CompiledProduct
    x1_impulse : int
        Integer pre-trace impulse.
    x1_tau : float
        Pre-trace time constant (0 clears the trace each step).
    randoms : StepRandoms
    lo, hi : int
        Saturation of the variable: the weights' ``[-256, 255]`` or the tag's
        ``[-257, 255]``.

    Returns
    -------
    The pre trace after the step, (pre,) int64.
    """
    x_new, index = _block_step(weights, x1, pre_spikes, y, bap, products, x1_impulse,
                               x1_tau, randoms, lo, hi)
    if lo < WEIGHT_MIN:
        _settle_below_weights(weights, index, randoms.weight_round)
    return x_new


def _settle_below_weights(var: np.ndarray, index: tuple | None, random: float) -> None:
    """Outside the stepped block, a value below ``-256`` (the tag's ``-257``) is not left
    alone by the engine: ``-257 << 7`` is clipped to the accumulator's ``-32769`` by the
    first product, which rounds to ``-256`` when ``r < 127/128``."""
    low = var < WEIGHT_MIN
    if index is not None:
        low[index] = False
    if low.any() and random < 127 / 128:
        var[low] = WEIGHT_MIN


def _block_step(weights: np.ndarray, x1: np.ndarray, pre_spikes: np.ndarray, y: np.ndarray,
                bap: np.ndarray, products: Sequence[CompiledProduct], x1_impulse: int,
                x1_tau: float, randoms: StepRandoms, lo: int, hi: int
                ) -> tuple[np.ndarray, tuple | None]:
    """:func:`fast_learning_step` on the block it touches; the new trace and the block's
    index (None: no block)."""
    if isinstance(x1_impulse, bool) or not isinstance(x1_impulse, int | np.integer):
        raise ValueError(f"x1_impulse must be an integer (fractional impulses round"
                         f" wrongly on the engine), got {x1_impulse!r}")
    spikes = np.asarray(pre_spikes).astype(bool)
    x_new = update_pre_trace(np.asarray(x1, dtype=np.int64), spikes, x1_impulse, x1_tau,
                             randoms.x_decay)
    y_new = decay_third_factors(np.asarray(y, dtype=np.int64),
                                np.asarray(bap).astype(bool), randoms.y_decay)
    rows_per_product = [p.row_values(y_new) for p in products]
    active = np.zeros(weights.shape[0], dtype=bool)
    for row in rows_per_product:
        active |= row != 0
    uses_all = any(not p.on_spikes and not p.uses_x1 for p in products)
    col_mask = np.ones(weights.shape[1], dtype=bool) if uses_all else (x_new != 0)
    if not active.any() or not col_mask.any():
        return x_new, None
    rows = np.flatnonzero(active)
    # a block of most columns costs more to gather and scatter than a pass over all
    cols = np.arange(weights.shape[1]) if 4 * col_mask.sum() >= col_mask.size \
        else np.flatnonzero(col_mask)
    index = _block_index(rows, cols, weights.shape)
    acc = weights[index].astype(np.int32)
    spike_sub = spikes[cols]
    sel = np.flatnonzero(spike_sub)
    parts = []
    for prod, row in zip(products, rows_per_product, strict=True):
        if prod.on_spikes and sel.size == 0:
            continue
        where = cols[sel] if prod.on_spikes else cols
        col = x_new[where] if prod.uses_x1 else None
        parts.append((prod, row[rows], col))
    # The engine clips each current and the accumulator after each product; where the
    # bounds show that no clip can bite (the usual case), skip them: same result.
    bound = [_current_bound(p, r, int(c.max(initial=0)) if c is not None else 1)
             for p, r, c in parts]
    saturate = bool(parts) and (
        max(bound) > ACCUMULATOR_MAX
        or (int(acc.max()) << WEIGHT_UPDATE_FRAC_BITS) + sum(bound) > _ACC_SAFE_MAX
        or (int(acc.min()) << WEIGHT_UPDATE_FRAC_BITS) - sum(bound) < _ACC_SAFE_MIN)
    acc <<= WEIGHT_UPDATE_FRAC_BITS
    for prod, row, col in parts:
        current = _current(prod, row, col, saturate)
        if prod.on_spikes:
            acc[:, sel] += current
            if saturate:
                acc[:, sel] = _saturate(acc[:, sel])
        else:
            acc += current
            if saturate:
                _saturate(acc)
    # sround(acc / 128, r) = floor(acc / 128) + [r < frac]; with t = floor(128 r) this is
    # exactly (acc + 127 - t) >> 7 (r < k/128 <=> k > t for integer k)
    threshold = int(np.floor(randoms.weight_round * (1 << WEIGHT_UPDATE_FRAC_BITS)))
    acc += np.int32((1 << WEIGHT_UPDATE_FRAC_BITS) - 1 - threshold)
    acc >>= WEIGHT_UPDATE_FRAC_BITS
    if saturate:
        np.minimum(acc, hi, out=acc)
        np.maximum(acc, lo, out=acc)
    weights[index] = acc
    return x_new, index


def _saturate(acc: np.ndarray) -> np.ndarray:
    """Clip to the 16-bit accumulator, in place (``np.clip`` is slower)."""
    np.minimum(acc, ACCUMULATOR_MAX, out=acc)
    return np.maximum(acc, ACCUMULATOR_MIN, out=acc)


def _block_index(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> tuple:
    """Index of the ``rows x cols`` block: a slice for an axis it spans, else the indices
    (``np.ix_`` when both are partial)."""
    all_rows, all_cols = rows.size == shape[0], cols.size == shape[1]
    if all_rows:
        return (slice(None), slice(None) if all_cols else cols)
    return (rows, slice(None)) if all_cols else np.ix_(rows, cols)
