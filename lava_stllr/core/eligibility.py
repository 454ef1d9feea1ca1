"""The S-TLLR weight update, computed as matrix products over the batch."""

from __future__ import annotations

import numpy as np


def stllr_grad(
    signal: np.ndarray,
    psi_post: np.ndarray,
    trpsi_prev: np.ndarray,
    trx: np.ndarray,
    x: np.ndarray,
    alpha_pre: float,
    alpha_post: float,
) -> np.ndarray:
    """One step's eligibility-weighted learning signal, summed over the batch.

    ``G_ij = sum_b L_bi * (alpha_pre*psi_bi*trx_bj + alpha_post*trpsi_prev_bi*x_bj)``,
    so that the update is ``dW = -lr * sum_t G[t]``. Evaluated as one matrix product
    ``[a_causal; a_noncausal]^T @ [trx; x]``, never as a (batch, post, pre) tensor.

    Parameters
    ----------
    signal : (B, post)
        Learning signal ``L[t]``.
    psi_post : (B, post)
        Secondary activation ``psi[t]``.
    trpsi_prev : (B, post)
        Post trace *before* this step's psi, ``trpsi[t-1]``.
    trx : (B, pre)
        Pre trace including this step's input, ``trx[t]``.
    x : (B, pre)
        Pre spikes ``x[t]``.
    alpha_pre, alpha_post : float
        Weights of the causal and non-causal terms.

    Returns
    -------
    (post, pre) array.
    """
    if alpha_post == 0:
        return (alpha_pre * signal * psi_post).T @ trx
    post_factors = np.concatenate(
        [alpha_pre * signal * psi_post, alpha_post * signal * trpsi_prev], axis=0
    )
    return post_factors.T @ np.concatenate([trx, x], axis=0)
