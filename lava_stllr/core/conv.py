"""Convolution and pooling for S-TLLR conv layers, as matrix products over patches.

Feature maps are ``(B, C, H, W)``; a kernel is ``(C_out, C_in, k, k)``. A patch row
``(c, kh, kw)`` is ordered like ``w.reshape(C_out, -1)``, so a convolution is one GEMM of
the patch matrix with the flattened kernel. Positions are ``p = h_out*W_out + w_out``.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv_output_size(size: int, kernel: int, stride: int, padding: int) -> int:
    """``floor((size + 2*padding - kernel) / stride) + 1`` (may be < 1: the caller checks)."""
    return (size + 2 * padding - kernel) // stride + 1


def im2col(x: np.ndarray, kernel: int, stride: int, padding: int) -> np.ndarray:
    """Patch matrix of ``x`` (B, C, H, W): ``P[b, p, (c, kh, kw)] = xpad[b, c, s*ho+kh,
    s*wo+kw]``, shape ``(B, H_out*W_out, C*k*k)``, zero padding ``padding`` on each side."""
    batch, channels = x.shape[:2]
    if padding:
        x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    windows = sliding_window_view(x, (kernel, kernel), axis=(2, 3))[:, :, ::stride, ::stride]
    h_out, w_out = windows.shape[2:4]
    # (B, C, Ho, Wo, k, k) -> (B, Ho, Wo, C, k, k): one copy, positions major.
    return windows.transpose(0, 2, 3, 1, 4, 5).reshape(
        batch, h_out * w_out, channels * kernel * kernel)


def col2im(cols: np.ndarray, input_shape: tuple[int, ...], kernel: int, stride: int,
           padding: int) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every patch entry back onto the input position it
    was read from; ``<im2col(x), y> = <x, col2im(y)>``.

    Parameters
    ----------
    cols : (B, H_out*W_out, C*k*k)
    input_shape : (C, H, W) or (B, C, H, W)
        Shape of the feature map the patches were taken from.
    """
    channels, height, width = input_shape[-3:]
    batch = cols.shape[0]
    h_out = conv_output_size(height, kernel, stride, padding)
    w_out = conv_output_size(width, kernel, stride, padding)
    patches = cols.reshape(batch, h_out, w_out, channels, kernel, kernel)
    padded = np.zeros((batch, channels, height + 2 * padding, width + 2 * padding),
                      dtype=cols.dtype)
    # One strided add per kernel offset (k*k of them), none per position.
    for kh in range(kernel):
        for kw in range(kernel):
            padded[:, :, kh:kh + stride * h_out:stride, kw:kw + stride * w_out:stride] += \
                patches[:, :, :, :, kh, kw].transpose(0, 3, 1, 2)
    return padded[:, :, padding:padding + height, padding:padding + width]


def conv_forward(x: np.ndarray, w: np.ndarray, stride: int, padding: int,
                 cols: np.ndarray | None = None) -> np.ndarray:
    """Cross-correlation ``y[b, co, ho, wo] = sum_{ci,kh,kw} w[co, ci, kh, kw] *
    xpad[b, ci, s*ho+kh, s*wo+kw]`` as the GEMM ``im2col(x) @ w.reshape(C_out, -1).T``.

    ``cols`` may pass the patch matrix of ``x`` already built. Returns (B, C_out, H_out, W_out).
    """
    c_out, _, kernel, _ = w.shape
    if cols is None:
        cols = im2col(x, kernel, stride, padding)
    h_out = conv_output_size(x.shape[2], kernel, stride, padding)
    w_out = conv_output_size(x.shape[3], kernel, stride, padding)
    out = cols @ w.reshape(c_out, -1).T  # (B, P, C_out)
    return out.transpose(0, 2, 1).reshape(x.shape[0], c_out, h_out, w_out)


def conv_backward_input(delta: np.ndarray, w: np.ndarray, input_shape: tuple[int, ...],
                        stride: int, padding: int) -> np.ndarray:
    """Transpose of :func:`conv_forward` in ``x``: ``col2im(delta_p @ w.reshape(C_out, -1))``,
    i.e. ``g[b, ci, h, w] = sum_{co, kh, kw} w[co, ci, kh, kw] * delta[b, co, ho, wo]`` over
    the output positions that read ``(h, w)``. ``delta`` is (B, C_out, H_out, W_out)."""
    c_out, _, kernel, _ = w.shape
    flat = delta.reshape(delta.shape[0], c_out, -1).transpose(0, 2, 1)  # (B, P, C_out)
    return col2im(flat @ w.reshape(c_out, -1), input_shape, kernel, stride, padding)


def conv_weight_grad(delta: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``dW[co, (ci,kh,kw)] = sum_{b,p} delta[b, co, p] * cols[b, p, (ci,kh,kw)]`` as one GEMM
    over ``B*P`` rows; ``delta`` (B, C_out, H_out, W_out), ``cols`` from :func:`im2col`.
    Returns the flattened kernel (C_out, C_in*k*k)."""
    c_out = delta.shape[1]
    rows = delta.reshape(delta.shape[0], c_out, -1).transpose(0, 2, 1).reshape(-1, c_out)
    return rows.T @ cols.reshape(-1, cols.shape[-1])


def conv_stllr_grad_cols(signal: np.ndarray, psi_post: np.ndarray, trpsi_prev: np.ndarray,
                         trx_cols: np.ndarray, x_cols: np.ndarray, alpha_pre: float,
                         alpha_post: float) -> np.ndarray:
    """:func:`conv_stllr_grad` on patch matrices already built (``im2col`` of ``trx`` and
    ``x``, each (B, P, C_in*k*k)); returns the flattened kernel (C_out, C_in*k*k)."""
    c_out = signal.shape[1]

    def rows(a: np.ndarray) -> np.ndarray:  # (B, C_out, Ho, Wo) -> (B*P, C_out)
        return a.reshape(a.shape[0], c_out, -1).transpose(0, 2, 1).reshape(-1, c_out)

    n_cols = trx_cols.shape[-1]
    grad = rows(alpha_pre * signal * psi_post).T @ trx_cols.reshape(-1, n_cols)
    if alpha_post != 0:
        # A second GEMM rather than one over stacked rows: stacking would copy both
        # patch matrices, which costs more than the (C_out-wide, memory-bound) product.
        grad += rows(alpha_post * signal * trpsi_prev).T @ x_cols.reshape(-1, n_cols)
    return grad


def conv_stllr_grad(signal: np.ndarray, psi_post: np.ndarray, trpsi_prev: np.ndarray,
                    trx: np.ndarray, x: np.ndarray, stride: int, padding: int, kernel: int,
                    alpha_pre: float, alpha_post: float) -> np.ndarray:
    """One step's S-TLLR update of a shared kernel, summed over the batch and positions.

    ``G[co, ci, kh, kw] = sum_{b, p} L[b,co,p] * (alpha_pre*psi[b,co,p]*trx_p[b,p,(ci,kh,kw)]
    + alpha_post*trpsi_prev[b,co,p]*x_p[b,p,(ci,kh,kw)])`` with ``trx_p``, ``x_p`` the
    patches (:func:`im2col`) of the input's pre trace and spikes; the update is
    ``dW = -lr * sum_t G[t]``. Evaluated as GEMMs over the ``B*P`` patch rows (one per
    term), never as a per-position tensor.

    Parameters
    ----------
    signal, psi_post, trpsi_prev : (B, C_out, H_out, W_out)
        Learning signal ``L[t]``, ``psi[t]`` and the post trace before it, ``trpsi[t-1]``,
        per output position.
    trx, x : (B, C_in, H, W)
        Pre trace ``trx[t]`` (including ``x[t]``) and spikes ``x[t]`` of the input map.
    stride, padding, kernel : int
    alpha_pre, alpha_post : float

    Returns
    -------
    (C_out, C_in, k, k) array.
    """
    trx_cols = im2col(trx, kernel, stride, padding)
    x_cols = im2col(x, kernel, stride, padding)
    grad = conv_stllr_grad_cols(signal, psi_post, trpsi_prev, trx_cols, x_cols, alpha_pre,
                                alpha_post)
    return grad.reshape(signal.shape[1], x.shape[1], kernel, kernel)
