"""Non-overlapping k x k pooling (stride k) of feature maps (B, C, H, W), with the backward
routing of learning signals. Rows and columns past ``k*floor(H/k)`` are dropped (they get
no signal back), as in the usual floor-mode pooling."""

from __future__ import annotations

import numpy as np


def pool_output_size(size: int, kernel: int) -> int:
    """``floor(size / kernel)``."""
    return size // kernel


def _windows(x: np.ndarray, kernel: int) -> np.ndarray:
    """(B, C, Ho, Wo, k*k) view of the cropped map, window entries in row-major order."""
    batch, channels, height, width = x.shape
    h_out, w_out = height // kernel, width // kernel
    cropped = x[:, :, :h_out * kernel, :w_out * kernel]
    blocks = cropped.reshape(batch, channels, h_out, kernel, w_out, kernel)
    return blocks.transpose(0, 1, 2, 4, 3, 5).reshape(batch, channels, h_out, w_out, -1)


def _unwindows(values: np.ndarray, input_shape: tuple[int, ...], kernel: int) -> np.ndarray:
    """Inverse of :func:`_windows`: (B, C, Ho, Wo, k*k) back onto a zero map of
    ``input_shape`` (B, C, H, W)."""
    batch, channels, h_out, w_out, _ = values.shape
    blocks = values.reshape(batch, channels, h_out, w_out, kernel, kernel)
    out = np.zeros(input_shape, dtype=values.dtype)
    out[:, :, :h_out * kernel, :w_out * kernel] = blocks.transpose(0, 1, 2, 4, 3, 5).reshape(
        batch, channels, h_out * kernel, w_out * kernel)
    return out


def sum_pool(x: np.ndarray, kernel: int) -> np.ndarray:
    """``y[b, c, i, j] = sum_{a, d < k} x[b, c, k*i + a, k*j + d]`` (the integer form of
    :func:`avg_pool`: ``avg_pool = sum_pool / k^2``)."""
    return _windows(x, kernel).sum(axis=-1)


def avg_pool(x: np.ndarray, kernel: int) -> np.ndarray:
    """``y[b, c, i, j] = mean_{a, d < k} x[b, c, k*i + a, k*j + d]``."""
    return _windows(x, kernel).mean(axis=-1)


def avg_pool_backward(grad: np.ndarray, kernel: int,
                      input_shape: tuple[int, ...]) -> np.ndarray:
    """Adjoint of :func:`avg_pool`: every input of a window gets ``grad / k^2``."""
    share = np.repeat(grad[..., None] / kernel**2, kernel * kernel, axis=-1)
    return _unwindows(share, input_shape, kernel)


def max_pool(x: np.ndarray, kernel: int) -> tuple[np.ndarray, np.ndarray]:
    """``y[b, c, i, j] = max`` of the window, and the index (0..k^2-1, row-major in the
    window) of the first maximum. Spike maps tie often: the first position wins, and
    learning signals go back to it alone."""
    windows = _windows(x, kernel)
    argmax = windows.argmax(axis=-1)
    return np.take_along_axis(windows, argmax[..., None], axis=-1)[..., 0], argmax


def max_pool_backward(grad: np.ndarray, argmax: np.ndarray, kernel: int,
                      input_shape: tuple[int, ...]) -> np.ndarray:
    """Route ``grad`` (B, C, Ho, Wo) to the window position ``argmax`` of :func:`max_pool`."""
    routed = np.zeros((*grad.shape, kernel * kernel), dtype=grad.dtype)
    np.put_along_axis(routed, argmax[..., None], grad[..., None], axis=-1)
    return _unwindows(routed, input_shape, kernel)
