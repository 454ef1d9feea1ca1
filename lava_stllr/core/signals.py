"""Learning signals: output error, spatial back-propagation (BP) and feedback alignment (DFA)."""

from __future__ import annotations

import numpy as np


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax ``exp(z_k) / sum_k exp(z_k)``, stable for large ``z``."""
    shifted = z - z.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Per-row cross-entropy ``-log softmax(z)[label]`` (nats)."""
    shifted = z - z.max(axis=-1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=-1))
    return log_norm - shifted[np.arange(z.shape[0]), labels]


def output_error(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Gradient of the per-step cross-entropy w.r.t. the readout: ``softmax(z) - onehot``."""
    err = softmax(z)
    err[np.arange(z.shape[0]), labels] -= 1.0
    return err


def bp_signal(w_next: np.ndarray, signal_next: np.ndarray,
              psi_next: np.ndarray | None = None) -> np.ndarray:
    """Spatial back-propagation within one step: ``L^l = W^{l+1 T} (psi^{l+1} * L^{l+1})``.

    Parameters
    ----------
    w_next : (n_next, n_this)
        Weights from this layer to the next.
    signal_next : (B, n_next)
        Learning signal of the next layer.
    psi_next : (B, n_next) or None
        Secondary activation of the next layer; None for the linear readout (psi = 1).
    """
    delta = signal_next if psi_next is None else psi_next * signal_next
    return delta @ w_next


def dfa_signal(feedback: np.ndarray, error: np.ndarray) -> np.ndarray:
    """Direct feedback alignment: ``L^l = B^l e`` with a fixed random ``B^l``.

    Parameters
    ----------
    feedback : (n_hidden, n_out)
    error : (B, n_out)
    """
    return error @ feedback.T


def feedback_matrix(n_hidden: int, n_out: int, seed: int) -> np.ndarray:
    """Fixed random DFA feedback ``B`` of shape (n_hidden, n_out), uniform in
    ``+-sqrt(6/fan_in)`` with ``fan_in = n_out`` (the error's size)."""
    bound = np.sqrt(6.0 / n_out)
    return np.random.default_rng(seed).uniform(-bound, bound, size=(n_hidden, n_out))
