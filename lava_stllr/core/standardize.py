"""Weight standardization (WS) as the S-TLLR authors apply it, and its exact gradient.

Each output row ``w`` of a layer (a dense row, or a conv kernel's ``C_in x k x k``
weights of one output channel; ``n`` = its fan-in) is used as

    c = w - mean(w),   s = sqrt(sum(c**2) + eps),   w_hat = gain * c / s

(``sum(c**2) = n var(w)`` with the biased variance, so ``s = sqrt(var(w) n + eps)``; a
learned ``gain`` per row). The network computes with ``w_hat``; S-TLLR's update ``G`` is
taken with respect to ``w_hat`` and carried back through this map:

    dL/dgain = sum(G * c) / s
    dL/dc    = (gain / s) (G - c sum(G * c) / s**2)
    dL/dw    = dL/dc - mean(dL/dc)

(the derivative of ``s`` with respect to ``c_j`` is ``c_j / s``, and centring projects out
the mean). Dimensionless: ``w_hat`` has the units of the weights it replaces.
"""

from __future__ import annotations

import numpy as np

#: The authors' constant under the square root.
WS_EPS = 1e-4


def _rows(w: np.ndarray) -> np.ndarray:
    """``w`` as (n_out, fan_in) rows (a view)."""
    return w.reshape(w.shape[0], -1)


def standardize(w: np.ndarray, gain: np.ndarray, eps: float = WS_EPS) -> np.ndarray:
    """``w_hat = gain * (w - mean) / sqrt(sum((w - mean)**2) + eps)`` per output row.

    Parameters
    ----------
    w : array (n_out, ...)
        Raw weights; axis 0 is the output, the rest the fan-in.
    gain : array (n_out,)
    eps : float

    Returns
    -------
    array like ``w``
    """
    rows = _rows(w)
    c = rows - rows.mean(axis=1, keepdims=True)
    s = np.sqrt((c * c).sum(axis=1, keepdims=True) + eps)
    return (gain.reshape(-1, 1) * c / s).reshape(w.shape)


def standardize_grad(grad_hat: np.ndarray, w: np.ndarray, gain: np.ndarray,
                     eps: float = WS_EPS) -> tuple[np.ndarray, np.ndarray]:
    """``(dL/dw, dL/dgain)`` of ``dL/dw_hat = grad_hat`` through :func:`standardize`.

    Parameters
    ----------
    grad_hat : array like ``w``
        The update with respect to the standardized weights.
    w : array (n_out, ...)
        Raw weights.
    gain : array (n_out,)
    eps : float

    Returns
    -------
    grad_w : array like ``w``
    grad_gain : array (n_out,)
    """
    rows, g = _rows(w), _rows(grad_hat)
    c = rows - rows.mean(axis=1, keepdims=True)
    s = np.sqrt((c * c).sum(axis=1, keepdims=True) + eps)
    gc = (g * c).sum(axis=1, keepdims=True)
    grad_c = gain.reshape(-1, 1) / s * (g - c * (gc / (s * s)))
    grad_w = grad_c - grad_c.mean(axis=1, keepdims=True)
    return grad_w.reshape(w.shape), (gc / s).reshape(-1)


def gain_of_folded(w_hat: np.ndarray, eps: float = WS_EPS) -> np.ndarray:
    """The gain per row that makes ``standardize(w_hat, gain) == w_hat`` for centred rows:
    ``sqrt(sum(c**2) + eps)`` (a folded network's weights taken up as raw weights)."""
    rows = _rows(w_hat)
    c = rows - rows.mean(axis=1, keepdims=True)
    return np.sqrt((c * c).sum(axis=1) + eps)


__all__ = ["WS_EPS", "gain_of_folded", "standardize", "standardize_grad"]
