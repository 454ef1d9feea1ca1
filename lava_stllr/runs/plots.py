"""PNG plots of a run: learning curve, spike raster, weight changes, memory vs time steps.

Every function draws on a fresh :class:`matplotlib.figure.Figure` attached to an Agg canvas
created inside the function: nothing is shown, no global backend is switched (so the
functions are safe in notebooks and on machines without a display), and matplotlib is
imported only when a plot is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

# Kept importable from here, where it lived before activity.py (tests, older scripts).
from lava_stllr.runs.activity import sample_activity  # noqa: F401

DPI = 100


def _figure(width: float, height: float) -> Any:
    """A new figure on an Agg canvas (imports matplotlib lazily)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=DPI)
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Any, path: str | Path) -> Path:
    """Write ``fig`` as a PNG (creating the folder; atomically, so a full disk leaves no
    partial image) and return the path."""
    from lava_stllr.files import atomic_write

    path = Path(path)
    atomic_write(path, lambda fh: fig.savefig(fh, format="png", dpi=DPI))
    return path


def _as_history_dict(history: Any) -> dict[str, list[float]]:
    if hasattr(history, "to_dict"):
        history = history.to_dict()
    return {k: [float(v) for v in history.get(k, [])] for k in
            ("train_loss", "train_acc", "val_loss", "val_acc")}


def _epoch0(history: Any) -> dict[str, float]:
    """The held-out ``val_acc`` and ``val_loss`` before training (epoch 0) that a
    history records under ``epoch0`` (``run.json``); empty when it has none (older runs,
    no held-out set)."""
    found = history.get("epoch0") if isinstance(history, Mapping) else getattr(
        history, "epoch0", None)
    if not isinstance(found, Mapping):
        return {}
    return {k: float(found[k]) for k in ("val_acc", "val_loss") if found.get(k) is not None}


def plot_learning_curve(history: Any, path: str | Path, title: str | None = None,
                        n_classes: int | None = None) -> Path:
    """Accuracy and loss per epoch, training and held-out, from the held-out score
    before training (epoch 0) when the history has it, with the chance level.

    Parameters
    ----------
    history : History or mapping
        A :class:`~lava_stllr.reference.trainer.History` or a dict (``run.json``'s
        ``history``) with the lists ``train_acc``, ``train_loss`` and optionally
        ``val_acc``, ``val_loss`` (epochs 1, 2, ...), and optionally ``epoch0``: a dict
        with the ``val_acc`` and ``val_loss`` before training.
    path : str or Path
        Output PNG file.
    title : str, optional
        Figure title.
    n_classes : int, optional
        Draws the chance level as a dashed line: accuracy ``1 / n_classes``, loss
        ``ln n_classes`` (the loss of a uniform readout).

    Raises
    ------
    ValueError
        If the history has no epoch.
    """
    hist, epoch0 = _as_history_dict(history), _epoch0(history)
    if not hist["train_acc"] and not hist["val_acc"]:
        raise ValueError("the history has no epoch to plot")
    fig = _figure(9.0, 3.6)
    ax_acc, ax_loss = fig.subplots(1, 2)
    for key, label, style in (("train", "train (while learning)", "o-"),
                              ("val", "held-out", "s-")):
        for ax, metric in ((ax_acc, "acc"), (ax_loss, "loss")):
            values = hist[f"{key}_{metric}"]
            epochs = np.arange(1, len(values) + 1)
            if key == "val" and f"val_{metric}" in epoch0:
                values, epochs = [epoch0[f"val_{metric}"], *values], np.arange(len(values) + 1)
            if len(values):
                ax.plot(epochs, values, style, label=label)
    if n_classes:
        ax_acc.axhline(1.0 / n_classes, color="0.4", linestyle="--", linewidth=1.0,
                       label=f"chance (1/{n_classes})")
        ax_loss.axhline(np.log(n_classes), color="0.4", linestyle="--", linewidth=1.0,
                        label=f"chance (ln {n_classes})")
    ax_acc.set(xlabel="epoch (0: before training)" if epoch0 else "epoch",
               ylabel="accuracy", ylim=(0.0, 1.02), title="accuracy")
    ax_loss.set(xlabel=ax_acc.get_xlabel(), ylabel="cross-entropy loss (nats)", title="loss")
    for ax in (ax_acc, ax_loss):
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return _save(fig, path)


#: Most neurons a raster panel shows (the most active ones, in index order).
MAX_RASTER_ROWS = 64
#: More spikes than this in a panel are drawn as a density image instead of dots.
MAX_RASTER_DOTS = 1000


def raster_rows(spikes: np.ndarray, max_rows: int = MAX_RASTER_ROWS) -> np.ndarray:
    """The neurons (columns of a (T, n) spike array) a raster shows: all of them when
    there are at most ``max_rows``, else the ``max_rows`` that spike most (ties: lower
    index first), in index order."""
    spikes = np.asarray(spikes)
    n = spikes.shape[1]
    if n <= max_rows:
        return np.arange(n)
    counts = (spikes > 0).sum(axis=0)
    most = np.argsort(-counts, kind="stable")[:max_rows]
    return np.sort(most)


def _raster(ax: Any, spikes: np.ndarray, name: str, color: str,
            max_rows: int = MAX_RASTER_ROWS, max_dots: int = MAX_RASTER_DOTS) -> None:
    """Raster of a (T, n) array of spike counts: at most ``max_rows`` neurons
    (:func:`raster_rows`), as dots, or as an image of the counts when there are more
    than ``max_dots`` spikes."""
    spikes = np.asarray(spikes)
    rows = raster_rows(spikes, max_rows)
    shown = spikes[:, rows]
    total = int((spikes > 0).sum())
    if int((shown > 0).sum()) > max_dots:
        ax.imshow(shown.T, aspect="auto", origin="lower", interpolation="nearest",
                  cmap="Greys" if color == "0.3" else "Blues",
                  extent=(-0.5, spikes.shape[0] - 0.5, -0.5, len(rows) - 0.5))
    else:
        steps, neurons = np.nonzero(shown > 0)
        size = float(np.clip(2000.0 / max(len(rows), 1), 4.0, 30.0))
        ax.scatter(steps, neurons, s=size, marker="|", color=color, linewidths=1.0)
    ax.set_ylim(-0.5, max(len(rows), 1) - 0.5)
    subset = len(rows) < spikes.shape[1]
    ax.set_ylabel(f"{name}\n(neuron{', ' + str(len(rows)) + ' most active' if subset else ''})")
    if subset:  # the row positions are not the neuron numbers: label them
        ticks = np.unique(np.linspace(0, len(rows) - 1, 5).round().astype(int))
        ax.set_yticks(ticks, [str(rows[t]) for t in ticks])
    shown_note = f" of {spikes.shape[1]} neurons ({len(rows)} shown)" if subset else ""
    ax.text(0.99, 0.95, f"{total} spikes{shown_note}", transform=ax.transAxes, ha="right",
            va="top", fontsize=8, bbox={"facecolor": "white", "alpha": 0.7, "pad": 1,
                                        "edgecolor": "none"})


def plot_spike_raster(
    path: str | Path,
    inputs: np.ndarray,
    hidden: Sequence[np.ndarray],
    readout: np.ndarray | None = None,
    label: int | None = None,
    prediction: int | None = None,
    class_names: Sequence[str] | None = None,
    hidden_names: Sequence[str] | None = None,
) -> Path:
    """Spike raster of one sample: input events, each hidden layer, and the readout.

    Parameters
    ----------
    path : str or Path
        Output PNG file.
    inputs : array (T, n_in)
        Input spike counts.
    hidden : sequence of arrays (T, n_l)
        Spikes of each hidden layer.
    readout : array (T, n_out), optional
        The non-spiking readout ``z[t]``, drawn as one line per class.
    label, prediction : int, optional
        True and predicted class, shown in the title.
    class_names : sequence of str, optional
        Legend names of the readout lines.
    hidden_names : sequence of str, optional
        Row names of the hidden layers (default ``hidden 1, hidden 2, ...``).
    """
    inputs = np.asarray(inputs)
    if inputs.ndim != 2:
        raise ValueError(f"inputs must have shape (T, n_in), got {inputs.shape}")
    n_rows = 1 + len(hidden) + (readout is not None)
    fig = _figure(8.0, 1.2 + 1.8 * n_rows)
    axes = np.atleast_1d(fig.subplots(n_rows, 1, sharex=True))
    _raster(axes[0], inputs, "input", "0.3")
    names = list(hidden_names) if hidden_names is not None else [
        f"hidden {i + 1}" for i in range(len(hidden))]
    for i, spikes in enumerate(hidden):
        _raster(axes[1 + i], np.asarray(spikes), names[i], "tab:blue")
    if readout is not None:
        ax = axes[-1]
        readout = np.asarray(readout)
        names = class_names or [str(k) for k in range(readout.shape[1])]
        for k in range(readout.shape[1]):
            ax.plot(np.arange(readout.shape[0]), readout[:, k], label=names[k],
                    linewidth=2.0 if k == label else 1.0)
        ax.set_ylabel("readout z[t]")
        ax.legend(loc="upper left", fontsize=7, ncol=min(5, readout.shape[1]))
    axes[-1].set_xlabel("time step")
    axes[-1].set_xlim(-0.5, inputs.shape[0] - 0.5)
    parts = []
    if label is not None:
        parts.append(f"label {label}")
    if prediction is not None:
        parts.append(f"predicted {prediction}")
    fig.suptitle("activity of one sample" + (f" ({', '.join(parts)})" if parts else ""))
    fig.tight_layout()
    return _save(fig, path)


def plot_weight_changes(
    path: str | Path,
    before: Sequence[np.ndarray],
    after: Sequence[np.ndarray],
    names: Sequence[str] | None = None,
    bins: int = 60,
) -> Path:
    """Histogram of ``W_after - W_before`` for each weight matrix (log count axis).

    Parameters
    ----------
    path : str or Path
        Output PNG file.
    before, after : sequences of arrays
        The matrices before and after training, in the same order and shapes.
    names : sequence of str, optional
        Panel titles (default ``layer 0, layer 1, ...``).
    bins : int
        Histogram bins per panel.
    """
    if len(before) != len(after) or not before:
        raise ValueError(
            f"before and after must hold the same (non-zero) number of matrices, "
            f"got {len(before)} and {len(after)}"
        )
    names = list(names) if names is not None else [f"layer {i}" for i in range(len(before))]
    fig = _figure(3.8 * len(before), 3.4)
    axes = np.atleast_1d(fig.subplots(1, len(before)))
    for ax, w0, w1, name in zip(axes, before, after, names, strict=True):
        w0, w1 = np.asarray(w0), np.asarray(w1)
        if w0.shape != w1.shape:
            raise ValueError(f"{name}: shapes differ, {w0.shape} vs {w1.shape}")
        delta = (w1 - w0).ravel()
        ax.hist(delta, bins=bins, color="tab:orange", log=True)
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set(title=f"{name} {'x'.join(map(str, w0.shape))}", xlabel="W_after - W_before",
               ylabel="count")
        ax.text(0.02, 0.95, f"mean |dW| {np.abs(delta).mean():.2e}\nstd {delta.std():.2e}",
                transform=ax.transAxes, va="top", fontsize=7)
    fig.suptitle("weight change per layer")
    fig.tight_layout()
    return _save(fig, path)


def _memory_series(table: Mapping[str, Sequence[float]] | Sequence[Sequence[float]],
                   ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``(steps, {name: bytes})`` from a dict of columns or rows ``(steps, stllr, bptt)``."""
    if isinstance(table, Mapping):
        if "steps" not in table:
            raise ValueError(f"the memory table needs a 'steps' column, got {sorted(table)}")
        steps = np.asarray(table["steps"], dtype=float)
        series = {k: np.asarray(v, dtype=float) for k, v in table.items() if k != "steps"}
    else:
        rows = np.asarray(table, dtype=float)
        if rows.ndim != 2 or rows.shape[1] != 3:
            raise ValueError(
                f"memory table rows must be (steps, stllr_bytes, bptt_bytes), got shape "
                f"{rows.shape}"
            )
        steps, series = rows[:, 0], {"S-TLLR": rows[:, 1], "BPTT": rows[:, 2]}
    if steps.size == 0 or not series:
        raise ValueError("the memory table is empty")
    for name, values in series.items():
        if values.shape != steps.shape:
            raise ValueError(f"column {name!r} has {values.size} values for {steps.size} steps")
    return steps, series


def plot_memory_vs_steps(
    path: str | Path,
    table: Mapping[str, Sequence[float]] | Sequence[Sequence[float]],
    title: str = "training memory vs time steps",
) -> Path:
    """Memory (bytes) of S-TLLR and BPTT against the number of time steps.

    Parameters
    ----------
    path : str or Path
        Output PNG file.
    table : mapping or sequence of rows
        Either ``{"steps": [...], "S-TLLR": [...], "BPTT": [...]}`` (any series names) or
        rows ``(steps, stllr_bytes, bptt_bytes)``.
    title : str
        Figure title.
    """
    steps, series = _memory_series(table)
    fig = _figure(6.0, 4.0)
    ax = fig.subplots()
    order = np.argsort(steps)
    for (name, values), marker in zip(series.items(), "os^vD*", strict=False):
        ax.plot(steps[order], values[order] / 2**20, marker=marker, label=name)
    ax.set(xlabel="time steps T", ylabel="memory (MiB)", title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="best")
    fig.tight_layout()
    return _save(fig, path)


def plot_method_curves(path: str | Path, curves: Mapping[str, Sequence[Sequence[float]]],
                       title: str, ylabel: str = "validation accuracy") -> Path:
    """Per-epoch curves of several methods: the mean over runs (seeds) as a line, the
    range over runs as a band.

    Parameters
    ----------
    path : str or Path
        Output PNG file.
    curves : mapping
        ``{method: [run_1_per_epoch, run_2_per_epoch, ...]}``, equal lengths per method.
    title, ylabel : str
    """
    fig = _figure(6.0, 4.0)
    ax = fig.subplots()
    for (name, runs), marker in zip(curves.items(), "os^vD*", strict=False):
        values = np.asarray(runs, dtype=float).reshape(len(runs), -1)
        epochs = np.arange(1, values.shape[1] + 1)
        ax.plot(epochs, values.mean(axis=0), marker=marker, markersize=4, label=name)
        ax.fill_between(epochs, values.min(axis=0), values.max(axis=0), alpha=0.2)
    ax.set(xlabel="epoch", ylabel=ylabel, title=title)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    return _save(fig, path)
