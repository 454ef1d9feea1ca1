"""Neuron step functions: LIF with soft or hard reset, and the leaky-integrator readout."""

from __future__ import annotations

import numpy as np

from lava_stllr.core.arithmetic import FLOAT, Arithmetic


def lif_step(
    u: np.ndarray,
    current: np.ndarray,
    beta: float | int,
    theta: float | int,
    reset: str = "soft",
    arith: Arithmetic = FLOAT,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One step of a leaky integrate-and-fire neuron.

    ``v = beta*u[t-1] + I[t]``; ``s = H(v - theta)`` (strictly above threshold);
    soft reset ``u[t] = v - theta*s``, hard reset ``u[t] = v*(1 - s)``.

    Parameters
    ----------
    u : array
        Membrane after the previous step's reset.
    current : array
        Synaptic input ``sum_j w_ij x_j[t]`` (plus bias), same shape as ``u``.
    beta, theta : float or int
        Decay and threshold in the representation of ``arith``.
    reset : {"soft", "hard"}
    arith : Arithmetic

    Returns
    -------
    u_new : array
        Membrane after the reset.
    spikes : array of 0/1, dtype of ``u``
        ``H(v - theta)``.
    v : array
        Membrane before the reset (psi is evaluated on it).
    """
    v = arith.decay(u, beta) + current
    spikes = (v > theta).astype(v.dtype)
    if reset == "soft":
        u_new = v - theta * spikes
    elif reset == "hard":
        u_new = v * (1 - spikes)
    else:
        raise ValueError(f"reset must be 'soft' or 'hard', got {reset!r}")
    return u_new, spikes, v


def leaky_integrator_step(
    z: np.ndarray, current: np.ndarray, beta_out: float | int, arith: Arithmetic = FLOAT
) -> np.ndarray:
    """Non-spiking readout: ``z[t] = beta_out*z[t-1] + I[t]``."""
    return arith.decay(z, beta_out) + current
