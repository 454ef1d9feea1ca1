"""A literal NumPy replica of one step of Lava's bit-approximate learning engine: the oracle.

It exists to prove the fast step (:mod:`lava_stllr.loihi.engine_fast`) bit-exact: the tests
check this replica against Lava's stock ``LearningDense`` (``bit_approx``) step by step, and
the fast step against this replica over many more cases than Lava could run. It is slow
(a Python loop over products and factors on full ``(post, pre)`` arrays): no model uses it.

:func:`bit_approx_learning_step` computes exactly what
``LearningConnectionModelBitApproximate`` (lava/magma/core/model/py/connection.py) does in
one learning epoch of length 1, given the three random numbers it draws
(:class:`~lava_stllr.loihi.bit_approx.EngineRandomStream` replays them from the rule's
``rng_seed``):

1. pre trace: ``x1 <- sround(exp(-1/x1_tau) * x1, r_x)``, then ``clip(x1 + x1_impulse, 0, 127)``
   where the pre neuron spiked (``sround(v, r) = floor(v) + [r < frac(v)]``, one ``r`` for
   all synapses);
2. third factors: ``y <- sround(exp(-1/65535) * y, r_y)``, clipped to ``[0, 127]`` on bAP steps
   (so a received y drops by 1 with probability about ``y / 65535`` per step: the flag's
   magnitude then reads ``F - 1`` or ``F + 1`` for that step);
3. each product: ``dep * prod(clip(factor + C, -2^w, 2^w - 1)) * m``, shifted right by
   ``max(0, sum(w) + 4 - 15)``, left by ``e + 7``, clipped to the 16-bit accumulator, and
   summed into ``weights << 7`` (7 fractional bits);
4. ``weights = clip(sround(acc / 128, r_w), -256, 255)``.

:func:`bit_approx_tag_step` does the same for a ``dw`` and a ``dt`` rule together (the
synaptic tag ``tag_1``, clipped to ``[-257, 255]``, factor ``t``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lava_stllr import validate
from lava_stllr.loihi.bit_approx import StepRandoms, decay_trace, stochastic_round
from lava_stllr.loihi.fixed_rule import ProductSpec
from lava_stllr.loihi.widths import (
    ACCUMULATOR_BITS,
    ACCUMULATOR_MAX,
    ACCUMULATOR_MIN,
    TAG_MAX,
    TAG_MIN,
    TRACE_MAX,
    WEIGHT_MAGNITUDE_BITS,
    WEIGHT_MAX,
    WEIGHT_MIN,
    WEIGHT_UPDATE_FRAC_BITS,
    Y_TAU_3F,
)


def bit_approx_learning_step(
    weights: np.ndarray,
    x1: np.ndarray,
    pre_spikes: np.ndarray,
    y: np.ndarray,
    bap: np.ndarray,
    products: Sequence[ProductSpec],
    x1_impulse: int,
    x1_tau: float,
    randoms: StepRandoms,
    u: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """One learning step (``t_epoch = 1``) of Lava's bit-approximate learning connection.

    Parameters
    ----------
    weights : (post, pre) int
        Weight mantissas before the step.
    x1 : (pre,) int
        Pre trace before the step.
    pre_spikes : (pre,) bool
        Binary pre spikes of this step.
    y : (3, post) int
        y1, y2, y3 received from the post neuron this step.
    bap : (post,) bool
        Back-propagating action potentials of this step.
    products : sequence of ProductSpec
        The ``dw`` product series.
    x1_impulse : int
        Integer pre-trace impulse.
    x1_tau : float
        Pre-trace time constant (0 clears the trace each step).
    randoms : StepRandoms
        This step's numbers (see :class:`~lava_stllr.loihi.bit_approx.EngineRandomStream`).
    u : int
        Value of the ``u`` dependency (1 when ``u0`` is used, every epoch).

    Returns
    -------
    weights : (post, pre) int32
        Weights after the step, in ``[-256, 255]``.
    x1 : (pre,) int
        Pre trace after the step.
    """
    weights = np.asarray(weights)
    values, x_new = _step_values(weights.shape, np.zeros(weights.shape, dtype=np.int32), x1,
                                 pre_spikes, y, bap, x1_impulse, x1_tau, randoms, u)
    return _apply(weights, products, values, randoms, WEIGHT_MIN, WEIGHT_MAX), x_new


def bit_approx_tag_step(
    weights: np.ndarray,
    tag: np.ndarray,
    x1: np.ndarray,
    pre_spikes: np.ndarray,
    y: np.ndarray,
    bap: np.ndarray,
    dw_products: Sequence[ProductSpec],
    dt_products: Sequence[ProductSpec],
    x1_impulse: int,
    x1_tau: float,
    randoms: StepRandoms,
    u: int = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of the engine with a ``dw`` and a ``dt`` (synaptic tag ``tag_1``) rule.

    Both rules read the values before the step (the tag factor ``t`` is the old tag);
    each target is accumulated, stochastically rounded with the step's one random number
    and saturated as :func:`bit_approx_learning_step` does the weights, the tag to
    ``[-257, 255]`` (Lava's ``_saturate_synaptic_variable``).

    Returns
    -------
    weights, tag : (post, pre) int32
    x1 : (pre,) int
    """
    weights = np.asarray(weights)
    values, x_new = _step_values(weights.shape, np.asarray(tag).astype(np.int32), x1,
                                 pre_spikes, y, bap, x1_impulse, x1_tau, randoms, u)
    return (_apply(weights, dw_products, values, randoms, WEIGHT_MIN, WEIGHT_MAX),
            _apply(np.asarray(tag), dt_products, values, randoms, TAG_MIN, TAG_MAX), x_new)


def _step_values(shape: tuple[int, int], tag: np.ndarray, x1: np.ndarray,
                 pre_spikes: np.ndarray, y: np.ndarray, bap: np.ndarray, x1_impulse: int,
                 x1_tau: float, randoms: StepRandoms, u: int) -> tuple[dict[str, Any],
                                                                        np.ndarray]:
    """The traces' update of one step and every value a factor or dependency reads."""
    # Integer impulses only: fractional ones round wrongly on the engine.
    x1_impulse = validate.integer("x1_impulse", x1_impulse)
    n_post, n_pre = shape
    spikes = np.asarray(pre_spikes).astype(bool).reshape(n_pre)
    bap = np.asarray(bap).astype(bool).reshape(n_post)
    y_recv = np.asarray(y).astype(int).reshape(3, n_post)
    x_old = np.asarray(x1).astype(int).reshape(n_pre)

    # pre trace: decay (tau = 0: cleared), impulse where spiked
    x_new = decay_trace(x_old, x1_tau, randoms.x_decay) if x1_tau != 0 else np.zeros_like(x_old)
    x_new = x_new.astype(int)
    x_new[spikes] = np.clip(x_new[spikes] + int(x1_impulse), 0, TRACE_MAX)
    # third factors: decay by exp(-1/65535), clip on bAP steps
    y_new = stochastic_round(np.exp(-1 / np.full((3, 1), Y_TAU_3F)) * y_recv, randoms.y_decay)
    y_new[:, bap] = np.clip(y_new[:, bap], 0, TRACE_MAX)

    x_hist = np.stack([x_old, x_new])           # (2, pre): index = within-epoch time
    y_hist = np.stack([y_recv, y_new])          # (2, 3, post)
    tx = spikes.astype(int)
    ty = bap.astype(int)
    y_idx = {"y1": 0, "y2": 1, "y3": 2}
    values: dict[str, Any] = {
        "x0": spikes[np.newaxis, :], "y0": bap[:, np.newaxis], "u": int(u),
        "x1_x0": x_hist[tx, np.arange(n_pre)][np.newaxis, :],
        "x1_y0": x_hist[ty],
        "x1_u": x_new[np.newaxis, :],
        "t": tag,
    }
    for name, k in y_idx.items():
        values[f"{name}_x0"] = y_hist[tx, k].T
        values[f"{name}_y0"] = y_hist[ty, k, np.arange(n_post)][:, np.newaxis]
        values[f"{name}_u"] = y_new[k][:, np.newaxis]
    return values, x_new


def _apply(syn_var: np.ndarray, products: Sequence[ProductSpec], values: dict[str, Any],
           randoms: StepRandoms, lo: int, hi: int) -> np.ndarray:
    """One synaptic variable after the step: accumulate the products into ``var << 7``,
    round with the step's random number, saturate to ``[lo, hi]``."""
    frac_shift = WEIGHT_UPDATE_FRAC_BITS
    acc = np.asarray(syn_var).astype(np.int32) << frac_shift
    for product in products:
        current = np.ones(acc.shape, dtype=np.int32)
        current *= values[product.dependency]
        for factor in product.factors:
            const = factor.const if factor.const is not None else 0
            if factor.state_var == "C":
                val = np.asarray(const)
            elif factor.state_var in ("x0", "y0", "t"):
                val = values[factor.state_var] + const
            else:
                val = values[f"{factor.state_var}_{product.dependency}"] + const
            w = factor.width
            val = np.clip(val, -(2 ** w), 2 ** w - 1)
            current *= np.asarray(val).astype(np.int32)
        current *= product.mantissa
        current = np.right_shift(current, product.shift)
        current = np.left_shift(current, product.stored_exponent)
        current = np.clip(current, ACCUMULATOR_MIN, ACCUMULATOR_MAX)
        acc = np.clip(acc + current, ACCUMULATOR_MIN, ACCUMULATOR_MAX)

    exp_mant = 2 ** (ACCUMULATOR_BITS - WEIGHT_MAGNITUDE_BITS)
    acc = (stochastic_round(acc / exp_mant, randoms.weight_round) * exp_mant).astype(acc.dtype)
    return np.clip(acc >> frac_shift, lo, hi).astype(np.int32)
