"""PNG plots: valid images of plausible size, clear errors on bad input."""

from __future__ import annotations

import struct

import numpy as np
import pytest

from lava_stllr.params import STLLRParams
from lava_stllr.reference import History, NetworkSpec, STLLRTrainer, init_weights
from lava_stllr.runs import plots

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk; asserts the file is a PNG."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    assert data[12:16] == b"IHDR"
    assert data.rstrip(b"\x00")[-8:-4] == b"IEND"
    return struct.unpack(">II", data[16:24])


def check_png(path, min_w=300, min_h=200) -> None:
    assert path.is_file()
    assert 2_000 < path.stat().st_size < 2_000_000
    w, h = png_size(path)
    assert min_w <= w <= 3000 and min_h <= h <= 3000


def test_learning_curve_from_history_and_dict(tmp_path):
    hist = History(train_loss=[1.0, 0.5, 0.3], train_acc=[0.4, 0.7, 0.9],
                   val_loss=[1.1, 0.6, 0.4], val_acc=[0.35, 0.65, 0.85])
    check_png(plots.plot_learning_curve(hist, tmp_path / "a.png", title="t"))
    check_png(plots.plot_learning_curve({"train_acc": [0.5], "train_loss": [1.0]},
                                        tmp_path / "sub" / "b.png"))
    with pytest.raises(ValueError, match="no epoch"):
        plots.plot_learning_curve(History(), tmp_path / "c.png")


def _drawn_figure(monkeypatch) -> dict:
    """Keeps the figure each plot function saves (``drawn["fig"]``)."""
    drawn: dict = {}
    real = plots._save

    def keep(fig, path):
        drawn["fig"] = fig
        return real(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return drawn


def _lines(ax) -> dict:
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
            for line in ax.get_lines()}


def test_learning_curve_starts_at_epoch_0_with_the_chance_level(tmp_path, monkeypatch):
    drawn = _drawn_figure(monkeypatch)
    history = {"train_acc": [0.6, 0.9], "train_loss": [0.9, 0.4], "val_acc": [0.7, 0.95],
               "val_loss": [0.8, 0.3], "epoch0": {"val_acc": 0.25, "val_loss": 1.5}}
    check_png(plots.plot_learning_curve(history, tmp_path / "curve.png", n_classes=4))
    acc, loss = drawn["fig"].axes
    lines = _lines(acc)
    assert lines["held-out"] == ([0, 1, 2], [0.25, 0.7, 0.95])  # from the untrained score
    assert lines["train (while learning)"][0] == [1, 2]  # not scored before training
    assert lines["chance (1/4)"][1] == [0.25, 0.25]
    chance = next(line for line in acc.get_lines() if line.get_label() == "chance (1/4)")
    assert chance.get_linestyle() == "--"
    assert _lines(loss)["chance (ln 4)"][1] == pytest.approx([np.log(4)] * 2)
    assert _lines(loss)["held-out"][1] == [1.5, 0.8, 0.3]
    assert acc.get_xlabel().startswith("epoch") and acc.get_ylabel() == "accuracy"
    assert "loss" in loss.get_ylabel()


def test_learning_curve_of_an_older_run_has_no_epoch_0(tmp_path, monkeypatch):
    """run.json files written before epoch 0 was recorded still plot, from epoch 1."""
    drawn = _drawn_figure(monkeypatch)
    history = {"train_acc": [0.6], "train_loss": [0.9], "val_acc": [0.7], "val_loss": [0.8],
               "epoch_seconds": [1.0]}
    check_png(plots.plot_learning_curve(history, tmp_path / "old.png"))
    acc = drawn["fig"].axes[0]
    assert _lines(acc)["held-out"][0] == [1] and acc.get_xlabel() == "epoch"
    assert not [k for k in _lines(acc) if k.startswith("chance")]


def test_raster_rows_keep_the_most_active_neurons_in_order():
    spikes = np.zeros((10, 200))
    spikes[:, 150] = 1  # the most active
    spikes[:5, 3] = 1
    spikes[:2, 99] = 1
    assert list(plots.raster_rows(spikes, max_rows=2)) == [3, 150]
    assert list(plots.raster_rows(spikes, max_rows=3)) == [3, 99, 150]
    assert len(plots.raster_rows(spikes)) == plots.MAX_RASTER_ROWS
    assert list(plots.raster_rows(spikes[:, :8], max_rows=64)) == list(range(8))


def test_spike_raster_shows_at_most_64_neurons_and_a_density_image_when_dense(
        tmp_path, monkeypatch):
    drawn = _drawn_figure(monkeypatch)
    rng = np.random.default_rng(0)
    sparse = (rng.random((25, 512)) < 0.03).astype(float)  # about 380 spikes: dots
    dense = (rng.random((100, 256)) < 0.4).astype(float)  # thousands of spikes: an image
    check_png(plots.plot_spike_raster(tmp_path / "r.png", sparse, [dense]), min_h=400)
    dots, image = drawn["fig"].axes[:2]
    rows = {int(y) for y in dots.collections[0].get_offsets()[:, 1]}
    assert max(rows) < plots.MAX_RASTER_ROWS and not dots.images
    assert dots.get_ylim()[1] <= plots.MAX_RASTER_ROWS
    assert len(image.images) == 1 and not image.collections
    assert image.images[0].get_array().shape == (plots.MAX_RASTER_ROWS, 100)
    assert "most active" in image.get_ylabel()


def test_spike_raster(tmp_path):
    rng = np.random.default_rng(0)
    x = (rng.random((20, 50)) < 0.2).astype(float)
    hidden = [(rng.random((20, 16)) < 0.1).astype(float), np.zeros((20, 8))]
    path = plots.plot_spike_raster(tmp_path / "r.png", x, hidden, rng.normal(size=(20, 4)),
                                   label=1, prediction=2)
    check_png(path, min_h=400)
    check_png(plots.plot_spike_raster(tmp_path / "r2.png", x, hidden[:1]))
    with pytest.raises(ValueError, match="shape"):
        plots.plot_spike_raster(tmp_path / "r3.png", x[0], hidden)


def test_weight_changes(tmp_path):
    rng = np.random.default_rng(1)
    before = [rng.normal(size=(8, 12)), rng.normal(size=(3, 8))]
    after = [w + 0.01 * rng.normal(size=w.shape) for w in before]
    check_png(plots.plot_weight_changes(tmp_path / "w.png", before, after, ["W1", "W_out"]))
    with pytest.raises(ValueError, match="same"):
        plots.plot_weight_changes(tmp_path / "x.png", before, after[:1])
    with pytest.raises(ValueError, match="shapes differ"):
        plots.plot_weight_changes(tmp_path / "x.png", before[:1], [before[1]])


def test_memory_vs_steps(tmp_path):
    table = {"steps": [10, 50, 100], "S-TLLR": [1e6, 1e6, 1e6], "BPTT": [2e6, 1e7, 2e7]}
    check_png(plots.plot_memory_vs_steps(tmp_path / "m.png", table))
    rows = [(100, 1e6, 2e7), (10, 1e6, 2e6)]
    check_png(plots.plot_memory_vs_steps(tmp_path / "m2.png", rows))
    with pytest.raises(ValueError, match="steps"):
        plots.plot_memory_vs_steps(tmp_path / "m3.png", {"BPTT": [1.0]})
    with pytest.raises(ValueError, match="rows"):
        plots.plot_memory_vs_steps(tmp_path / "m4.png", [(1, 2)])
    with pytest.raises(ValueError, match="values for"):
        plots.plot_memory_vs_steps(tmp_path / "m5.png", {"steps": [1, 2], "BPTT": [1.0]})


def test_method_curves_draw_mean_and_range(tmp_path, monkeypatch):
    import matplotlib.axes

    drawn = {}
    real = matplotlib.axes.Axes.plot

    def spy(ax, x, y, *args, **kwargs):
        drawn[kwargs.get("label")] = np.asarray(y)
        return real(ax, x, y, *args, **kwargs)

    monkeypatch.setattr(matplotlib.axes.Axes, "plot", spy)
    curves = {"S-TLLR": [[0.5, 0.7, 0.9], [0.3, 0.5, 0.7]], "BPTT": [[0.4, 0.6, 0.8]]}
    check_png(plots.plot_method_curves(tmp_path / "c.png", curves, title="t"))
    np.testing.assert_allclose(drawn["S-TLLR"], [0.4, 0.6, 0.8])
    np.testing.assert_allclose(drawn["BPTT"], [0.4, 0.6, 0.8])


def test_sample_activity_matches_the_trainer():
    spec = NetworkSpec((10, 7, 3))
    params = STLLRParams(window=5)
    trainer = STLLRTrainer(spec, params, seed=2)
    trainer.weights = init_weights(spec, 4)
    x = (np.random.default_rng(3).random((12, 10)) < 0.4).astype(float)
    act = plots.sample_activity(spec, params, trainer.weights, x)
    assert act["inputs"].shape == (12, 10) and act["readout"].shape == (12, 3)
    assert [h.shape for h in act["hidden"]] == [(12, 7)]
    assert set(np.unique(act["hidden"][0])) <= {0.0, 1.0}
    scores = trainer.predict_scores(x[None])
    np.testing.assert_allclose(act["readout"][7:].mean(axis=0), scores[0])
    assert act["prediction"] == int(scores[0].argmax())
