"""S-TLLR as a Lava learning-engine rule ("microcode") for ``LearningDense``.

The rule is a genuine :class:`~lava.magma.core.learning.learning_rule.Loihi3FLearningRule`::

    dw = u0 * x1 * y2 + x0 * y3        (evaluated once per step: t_epoch = 1)
    x1[t] = exp(-1/x1_tau) * x1[t-1] + x1_impulse * x[t],   x1_impulse = 1,
    x1_tau = -1 / ln(lam_pre)           (so that exp(-1/x1_tau) = lam_pre)

The post-synaptic neuron supplies the third factors every step (``c = -lr * L[t]``,
neuron time t)::

    y2 = c * (alpha_pre / lam_pre) * psi[t]
    y3 = c * (alpha_post * trpsi[t] - (alpha_pre / lam_pre) * psi[t])

A ``LearningDense`` delivers ``W x[t-1]`` to the neuron at the step at which its own
pre trace already holds ``x[t]``; with the y's above the two products sum to
``c[t] * (alpha_pre * psi[t] * trx[t] + alpha_post * trpsi[t] * x[t+1])``, i.e. S-TLLR in
neuron time, with the non-causal term paired with the learning signal of the step
before it (see ``lava_stllr.core.engine``). The division by ``lam_pre``
needs ``lam_pre > 0``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from lava_stllr.params import STLLRParams

if TYPE_CHECKING:  # Lava is imported only to build the rule: the checks stay Lava-free
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

#: The S-TLLR weight rule in Lava's sum-of-products syntax.
STLLR_DW = "u0 * x1 * y2 + x0 * y3"
#: Per-sample S-TLLR: the tag ``t`` accumulates the products of :data:`STLLR_DW`; on the
#: step at which the post neuron sends the gate ``y1 = 1`` the weights take the tag and
#: that step's products, and the tag restarts from 0 (both rules read the values before
#: the step's update).
STLLR_SAMPLE_DW = "u0 * t * y1 + u0 * x1 * y2 * y1 + x0 * y3 * y1"
STLLR_SAMPLE_DT = ("u0 * x1 * y2 + x0 * y3 - u0 * t * y1 - u0 * x1 * y2 * y1"
                   " - x0 * y3 * y1")

#: A finite ``x1_tau`` for ``lam_pre = 1``: ``exp(-1/2**62) == 1.0`` in float64, and a
#: zero tau would make the float learning engine produce NaN weights.
TAU_NO_DECAY = float(2**62)


def pre_trace_tau(lam_pre: float) -> float:
    """Decay time constant (steps) of the pre trace: ``tau = -1/ln(lam_pre)``.

    ``lam_pre = 1`` gives :data:`TAU_NO_DECAY` (a huge finite tau). ``lam_pre`` must be
    in ``(0, 1]``: the learning engine cannot reach a zero decay, and the third factors
    divide by ``lam_pre``.
    """
    if not (isinstance(lam_pre, int | float) and 0.0 < lam_pre <= 1.0):
        raise ValueError(
            f"the Lava S-TLLR rule needs lam_pre in (0, 1] (the neuron's third factors "
            f"divide by lam_pre and the learning engine cannot decay a trace to 0 in one "
            f"step), got lam_pre={lam_pre!r}"
        )
    if lam_pre == 1.0:
        return TAU_NO_DECAY
    tau = -1.0 / math.log(lam_pre)
    return tau if math.isfinite(tau) else TAU_NO_DECAY


def check_lava_params(params: STLLRParams) -> None:
    """Raise ``ValueError`` if ``params`` cannot run on the Lava path (``lam_pre = 0``)."""
    pre_trace_tau(params.lam_pre)


def stllr_learning_rule(params: STLLRParams, rng_seed: int = 0,
                        update: str = "step") -> Loihi3FLearningRule:
    """Build the ``Loihi3FLearningRule`` that implements S-TLLR with ``params``.

    Parameters
    ----------
    params : STLLRParams
        ``lam_pre`` must be in ``(0, 1]`` (``ValueError`` otherwise).
    rng_seed : int
        Seed of the learning engine's random generators (used by fixed-point models only).
    update : {"step", "sample"}
        ``"sample"``: per-sample updates through the tag (:data:`STLLR_SAMPLE_DW`,
        :data:`STLLR_SAMPLE_DT`), for neurons that send the gate on ``y1``
        (``STLLRLIF(update="sample")``; float).

    Returns
    -------
    Loihi3FLearningRule
        ``dw = "u0 * x1 * y2 + x0 * y3"`` (or the per-sample ``dw``, ``dt``),
        ``x1_impulse = 1``, ``x1_tau = -1/ln(lam_pre)``, ``t_epoch = 1``.
    """
    from lava.magma.core.learning.learning_rule import Loihi3FLearningRule

    if not isinstance(params, STLLRParams):
        raise ValueError(f"params must be an STLLRParams, got {type(params).__name__}")
    if update not in ("step", "sample"):
        raise ValueError(f"update must be 'step' or 'sample', got {update!r}")
    per_sample = update == "sample"
    return Loihi3FLearningRule(
        dw=STLLR_SAMPLE_DW if per_sample else STLLR_DW,
        dt=STLLR_SAMPLE_DT if per_sample else None,
        x1_impulse=1.0,
        x1_tau=pre_trace_tau(params.lam_pre),
        t_epoch=1,
        rng_seed=rng_seed,
    )
