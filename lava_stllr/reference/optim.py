"""Optimizers for the reference trainers: plain SGD (the on-chip rule) and Adam."""

from __future__ import annotations

import numpy as np


class SGD:
    """``w <- w - lr * g``."""

    def __init__(self, lr: float):
        self.lr = lr

    def step(self, weights: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update ``weights`` in place."""
        for w, g in zip(weights, grads, strict=True):
            w -= self.lr * g


class Adam:
    """Adam (Kingma & Ba): bias-corrected first/second moment estimates of ``g``."""

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: list[np.ndarray] = []
        self.v: list[np.ndarray] = []

    def step(self, weights: list[np.ndarray], grads: list[np.ndarray]) -> None:
        """Update ``weights`` in place."""
        if not self.m:
            self.m = [np.zeros_like(w) for w in weights]
            self.v = [np.zeros_like(w) for w in weights]
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for w, g, m, v in zip(weights, grads, self.m, self.v, strict=True):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            w -= self.lr * (m / c1) / (np.sqrt(v / c2) + self.eps)


def make_optimizer(name: str, lr: float) -> SGD | Adam:
    """``"sgd"`` or ``"adam"`` with learning rate ``lr``."""
    if name == "sgd":
        return SGD(lr)
    if name == "adam":
        return Adam(lr)
    raise ValueError(f"optimizer must be 'sgd' or 'adam', got {name!r}")
