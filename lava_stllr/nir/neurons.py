"""NIR's neuron nodes as lava-stllr's neurons: per-step decay, threshold, reset, input gain.

With the forward-Euler step of :mod:`lava_stllr.nir.dynamics` (time step ``dt``):

- ``LIF(tau, r, v_leak, v_threshold, v_reset)``: a hidden LIF layer, ``beta = 1 -
  dt/tau``, ``theta = v_threshold``, input gain ``dt r/tau``; NIR's reset is hard (to
  ``v_reset``, which must be 0) unless the node's ``lava_stllr.reset`` metadata says
  ``soft`` (lava-stllr's own export);
- ``IF(r, v_threshold, v_reset)``: the same with ``beta = 1`` and gain ``dt r``;
- ``CubaLIF``: only with ``tau_syn = dt`` (its synaptic current then holds one step's
  input, ``I[t] = w_in W x[t]`` as snnTorch's ``Synaptic`` steps it with ``alpha = 0``),
  gain ``w_in dt r/tau_mem``; any longer ``tau_syn`` is refused: lava-stllr's neurons
  hold no synaptic current;
- ``LI``, ``I``, ``CubaLI`` (same condition): non-spiking, only as the readout.

``v_leak`` must be 0; every parameter must be one value for all neurons of the node (a
scalar or an array of equal values); the threshold must be > 0 and ``r`` finite and > 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from lava_stllr.nir.dynamics import GAIN_RTOL, decay, one_value, zero_field
from lava_stllr.nir.errors import refuse
from lava_stllr.nir.metadata import RESET_KEY

#: Neuron node types that spike, and those that do not (readout only).
SPIKING = ("LIF", "IF", "CubaLIF")
NON_SPIKING = ("LI", "I", "CubaLI")
NEURONS = SPIKING + NON_SPIKING
#: A ``tau_syn`` within this relative distance of ``dt`` is ``dt`` (an instant synapse).
TAU_SYN_RTOL = 1e-6


@dataclass(frozen=True)
class Neuron:
    """A neuron node mapped: per-step decay ``beta``, input ``gain`` (folded into the
    weights it reads), and for spiking nodes the threshold and reset."""

    beta: float
    gain: float
    tau: float
    theta: float | None = None
    reset: str | None = None

    @property
    def spiking(self) -> bool:
        """Whether the node fires (LIF, IF, CubaLIF)."""
        return self.theta is not None


def _synapse_gain(name: str, node: Any, dt: float) -> float:
    """``w_in dt/tau_syn`` of a Cuba node whose ``tau_syn`` is ``dt``; refused otherwise."""
    tau_syn = one_value(name, node, "tau_syn", "synaptic time constant")
    if not abs(tau_syn - dt) <= TAU_SYN_RTOL * dt:
        alpha = 1.0 - dt / tau_syn if tau_syn > 0 else float("nan")
        raise refuse(name, node, f"tau_syn {tau_syn:.6g} s with dt {dt:.6g} s: its synaptic "
                                 f"current decays by {alpha:.6g} per step, a state "
                                 "lava-stllr's neurons do not hold (only tau_syn = dt, an "
                                 "instant synapse, maps; or give another --dt)")
    return one_value(name, node, "w_in", "input weight w_in") * dt / tau_syn


def _check_size(name: str, node: Any, fields: tuple[str, ...], size: int) -> None:
    for field in fields:
        n = int(np.size(getattr(node, field)))
        if n not in (1, size):
            raise refuse(name, node, f"{field} has {n} values for {size} neurons")


def neuron_of(name: str, node: Any, dt: float, size: int) -> Neuron:
    """Map neuron node ``name`` of a layer of ``size`` neurons (see the module doc).

    Raises
    ------
    NIRImportError
        A node lava-stllr cannot hold exactly, with one line saying why.
    """
    kind = type(node).__name__
    if kind not in NEURONS:
        raise refuse(name, node, "is not a neuron node")
    fields = {"LIF": ("tau", "r", "v_leak", "v_threshold", "v_reset"),
              "IF": ("r", "v_threshold", "v_reset"), "I": ("r",), "LI": ("tau", "r", "v_leak"),
              "CubaLIF": ("tau_mem", "tau_syn", "r", "v_leak", "v_threshold", "v_reset",
                          "w_in"),
              "CubaLI": ("tau_mem", "tau_syn", "r", "v_leak", "w_in")}[kind]
    _check_size(name, node, fields, size)
    extra = _synapse_gain(name, node, dt) if kind.startswith("Cuba") else 1.0
    if kind in ("IF", "I"):
        tau = math.inf
    else:
        tau = one_value(name, node, "tau_mem" if kind.startswith("Cuba") else "tau",
                        "membrane time constant")
    if "v_leak" in fields:
        zero_field(name, node, "v_leak", "lava-stllr's neurons leak towards 0")
    r = one_value(name, node, "r", "resistance r")
    if not (math.isfinite(r) and r > 0):
        raise refuse(name, node, f"r {r:.6g} is not a finite number > 0")
    beta = 1.0 if math.isinf(tau) else decay(name, node, tau, dt)
    gain = (dt * r if math.isinf(tau) else dt * r / tau) * extra
    gain = 1.0 if abs(gain - 1.0) <= GAIN_RTOL else float(gain)
    if kind not in SPIKING:
        return Neuron(beta, gain, tau)
    theta = one_value(name, node, "v_threshold", "threshold")
    if not theta > 0:  # inf passes: a node that never fires (a readout, see read.py)
        raise refuse(name, node, f"v_threshold {theta:.6g} is not > 0: lava-stllr's "
                                 "thresholds are positive")
    zero_field(name, node, "v_reset", "lava-stllr's neurons reset to 0")
    reset = (getattr(node, "metadata", None) or {}).get(RESET_KEY, "hard")
    if isinstance(reset, bytes):
        reset = reset.decode("utf8")
    return Neuron(beta, gain, tau, theta, reset if reset in ("soft", "hard") else "hard")
