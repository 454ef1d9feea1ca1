"""NIR's continuous-time neurons and lava-stllr's discrete ones: the one discretisation.

NIR states a LIF in continuous time (seconds)::

    tau dv/dt = (v_leak - v) + r I,   spike when v > v_threshold, then v = v_reset

lava-stllr steps its neurons once per time bin of length ``dt`` (seconds)::

    u[t] = beta u[t-1] + W x[t],      spike when u[t] > theta

The mapping is **forward Euler** with step ``dt``, the convention of snnTorch's
``export_to_nir`` / ``import_from_nir`` (``tau = dt/(1 - beta)``, ``r = tau/dt``, with
``dt = 1e-4`` s hard-coded) and of Norse (``v += dt/tau ((v_leak - v) + r I)``)::

    beta = 1 - dt/tau            tau = dt / (1 - beta)
    g    = dt r / tau            the input gain per step (r = tau/dt gives g = 1)

so one step of NIR's equation with ``v_leak = 0`` is ``u[t] = beta u[t-1] + g W x[t]``,
and an import folds ``g`` into the weights of the node's input. The exact (zero-order
hold) map ``tau = -dt/ln(beta)`` is not used: snnTorch and Norse read ``tau`` with forward
Euler, so with it a network would not keep its ``beta`` through their import.

``beta = 1`` (no leak) has no finite ``tau``: it is written as NIR's ``IF`` (hidden) or
``I`` (readout) with ``r = 1/dt``, whose forward-Euler step is ``u += dt r I``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from lava_stllr.nir.errors import refuse

#: Time step (seconds) an export uses unless told: one bin per millisecond.
DEFAULT_DT = 1e-3
#: An input gain ``dt r / tau`` within this relative distance of 1 is 1: float32
#: exporters (snnTorch) compute ``r = tau/dt`` with that rounding.
GAIN_RTOL = 1e-6


def check_dt(dt: Any) -> float:
    """``dt`` as a float; ``ValueError`` unless it is a finite number > 0 (seconds)."""
    if isinstance(dt, bool) or not isinstance(dt, int | float | np.integer | np.floating) \
            or not (math.isfinite(dt) and dt > 0):
        raise ValueError(f"the time step dt must be a number of seconds > 0, got {dt!r}")
    return float(dt)


def tau_of(beta: float, dt: float) -> float:
    """NIR's ``tau`` (seconds) of the per-step decay ``beta`` in [0, 1): ``dt/(1-beta)``."""
    if not 0.0 <= beta < 1.0:
        raise ValueError(f"a finite tau needs beta in [0, 1), got {beta!r}")
    return dt / (1.0 - beta)


def beta_of(tau: float, dt: float, hint: Any = None) -> float:
    """The per-step decay ``1 - dt/tau`` of NIR's ``tau`` (seconds).

    ``hint`` (a node's ``lava_stllr.beta`` metadata) is returned instead when
    :func:`tau_of` maps it to exactly ``tau``: it only settles the last bit that
    ``1 - dt/(dt/(1-beta))`` can lose in floating point, and a graph whose ``tau`` was
    changed after export does not match it.
    """
    if hint is not None:
        try:
            hint = float(hint)
            if 0.0 <= hint < 1.0 and tau_of(hint, dt) == tau:
                return hint
        except (TypeError, ValueError):
            pass
    return 1.0 - dt / tau


def gain_of(r: float, tau: float, dt: float) -> float:
    """Input gain per step ``dt r / tau`` (``tau = inf`` for IF and I: ``dt r``); 1.0 when
    within :data:`GAIN_RTOL` of 1."""
    gain = dt * r if math.isinf(tau) else dt * r / tau
    return 1.0 if abs(gain - 1.0) <= GAIN_RTOL else float(gain)


def one_value(name: str, node: Any, field: str, what: str) -> float:
    """The single value of ``node.<field>`` (a scalar or a per-neuron array).

    Raises
    ------
    NIRImportError
        If the neurons differ: lava-stllr holds one value per network, not per neuron.
    """
    values = np.asarray(getattr(node, field), dtype=np.float64).ravel()
    if values.size == 0:
        raise refuse(name, node, f"{field} is empty")
    if not np.all(values == values[0]):
        raise refuse(name, node, f"per-neuron {field} from {values.min():.6g} to "
                                 f"{values.max():.6g}: lava-stllr holds one {what} for "
                                 "all its neurons")
    return float(values[0])


def zero_field(name: str, node: Any, field: str, why: str) -> None:
    """Refuse ``node.<field>`` unless it is zero for every neuron (``why``: lava-stllr's
    fixed value)."""
    values = np.asarray(getattr(node, field), dtype=np.float64).ravel()
    bad = values[values != 0]
    if bad.size:
        raise refuse(name, node, f"{field} {bad[0]:.6g} is not 0: {why}")


def decay(name: str, node: Any, tau: float, dt: float) -> float:
    """``beta`` of ``tau`` for node ``name`` (the node's ``lava_stllr.beta`` metadata as
    :func:`beta_of`'s hint); refused when ``tau < dt`` (beta would be negative)."""
    if not (tau > 0):
        raise refuse(name, node, f"tau {tau:.6g} s is not > 0")
    if tau < dt:
        raise refuse(name, node, f"tau {tau:.6g} s is shorter than the time step dt "
                                 f"{dt:.6g} s (forward Euler gives beta = 1 - dt/tau < 0)")
    hint = (getattr(node, "metadata", None) or {}).get("lava_stllr.beta")
    return beta_of(tau, dt, hint)
