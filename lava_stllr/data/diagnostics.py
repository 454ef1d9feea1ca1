"""Linear-classifier diagnostics of a spike dataset: what counts alone vs timing can tell.

A multinomial logistic regression on the time-collapsed event counts of a sample (``D``
features) sees only *where* events happened; on the time-resolved counts (``T * D``
features) it also sees *when*. On the synthetic moving-bar data
(:mod:`lava_stllr.data.synthetic`) the first stays near orientation-only accuracy and the
second is high, which shows that direction is carried by timing alone.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lava_stllr.core.signals import softmax
from lava_stllr.data.dataset import ArrayDataset
from lava_stllr.validate import choice, integer, real

__all__ = [
    "FEATURES",
    "count_classifier_accuracy",
    "linear_classifier_accuracy",
    "time_resolved_classifier_accuracy",
]

#: Feature maps from spikes ``(N, T, D)`` to a float64 design matrix, by name.
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    # total events per input, summed over all time steps: (N, D)
    "counts": lambda spikes: spikes.sum(axis=1, dtype=np.float64),
    # events per step and input: (N, T * D)
    "time_resolved": lambda spikes: spikes.reshape(len(spikes), -1).astype(np.float64),
}


def _softmax_regression_accuracy(
    x_train: np.ndarray,
    y_train: np.ndarray,
    x_val: np.ndarray,
    y_val: np.ndarray,
    n_classes: int,
    n_iter: int,
    l2: float,
) -> float:
    """Held-out accuracy of a multinomial logistic regression fit by gradient descent.

    Features are standardized with the training mean and standard deviation; the step
    size is the inverse of a bound on the curvature of the loss, so the descent is
    stable without tuning. Deterministic (no random initialization).
    """
    mean = x_train.mean(axis=0)
    std = x_train.std(axis=0)
    std[std == 0] = 1.0
    a = (x_train - mean) / std
    b = (x_val - mean) / std
    n, d = a.shape
    a = np.hstack([a, np.ones((n, 1))])
    b = np.hstack([b, np.ones((b.shape[0], 1))])
    onehot = np.eye(n_classes)[y_train]
    if d + 1 > n:
        # More features than samples: descend on the dual coefficients ``alpha`` with
        # ``w = a.T @ alpha``. Gradient descent started at zero never leaves the row
        # space of ``a``, so this is the same iteration at n x n cost.
        gram = a @ a.T
        val_gram = b @ a.T
    else:
        gram = a.T @ a
    # Largest eigenvalue of a^T a / n (= that of a a^T / n) by power iteration.
    v = np.ones(gram.shape[0]) / np.sqrt(gram.shape[0])
    for _ in range(50):
        v = gram @ v
        v /= np.linalg.norm(v)
    lr = 1.0 / (0.5 * float(v @ gram @ v) / n + l2)
    if d + 1 > n:
        alpha = np.zeros((n, n_classes))
        for _ in range(n_iter):
            alpha -= lr * (softmax(gram @ alpha) - onehot + n * l2 * alpha) / n
        val_logits = val_gram @ alpha
    else:
        w = np.zeros((d + 1, n_classes))
        for _ in range(n_iter):
            w -= lr * (a.T @ (softmax(a @ w) - onehot) / n + l2 * w)
        val_logits = b @ w
    return float(np.mean(np.argmax(val_logits, axis=1) == y_val))


def linear_classifier_accuracy(
    train: ArrayDataset,
    val: ArrayDataset,
    features: str = "time_resolved",
    n_iter: int = 300,
    l2: float = 1e-3,
) -> float:
    """Held-out accuracy of a linear classifier on event-count features.

    Fits a multinomial logistic regression (``n_iter`` steps of full-batch gradient
    descent, L2 penalty ``l2``) on ``train`` and evaluates it on ``val``.

    Parameters
    ----------
    train, val : ArrayDataset
        Training and held-out samples with the same ``n_steps`` and ``n_inputs``.
    features : {"counts", "time_resolved"}
        ``"counts"``: events per input summed over all time steps (``D`` features);
        ``"time_resolved"``: events per time step (bin) and input (``T * D`` features),
        so the classifier can use the timing of the events.
    n_iter : int
        Gradient-descent steps, ``>= 0``.
    l2 : float
        L2 penalty on the weights (standardized features), ``>= 0``.

    Returns
    -------
    float
        Fraction of ``val`` samples classified correctly, in ``[0, 1]``.
    """
    to_features = FEATURES[choice("features", features, FEATURES)]
    n_classes = max(train.n_classes, val.n_classes)
    return _softmax_regression_accuracy(
        to_features(train.spikes),
        train.labels,
        to_features(val.spikes),
        val.labels,
        n_classes,
        integer("n_iter", n_iter, 0),
        real("l2", l2, 0.0),
    )


def count_classifier_accuracy(
    train: ArrayDataset, val: ArrayDataset, n_iter: int = 300, l2: float = 1e-3
) -> float:
    """Held-out accuracy (``[0, 1]``) of a linear classifier on time-collapsed counts.

    :func:`linear_classifier_accuracy` with ``features="counts"`` (``D`` features: the
    events per input summed over all time steps).
    """
    return linear_classifier_accuracy(train, val, "counts", n_iter, l2)


def time_resolved_classifier_accuracy(
    train: ArrayDataset, val: ArrayDataset, n_iter: int = 300, l2: float = 1e-3
) -> float:
    """Held-out accuracy (``[0, 1]``) of a linear classifier on time-resolved counts.

    :func:`linear_classifier_accuracy` with ``features="time_resolved"`` (``T * D``
    features: the events per time step and input).
    """
    return linear_classifier_accuracy(train, val, "time_resolved", n_iter, l2)
