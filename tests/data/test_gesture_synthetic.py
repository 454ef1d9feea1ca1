"""Synthetic DVS Gesture clips: tonic's layout, read through the registry with the default
DVS Gesture binning, seeded bits, and classes a small conv net learns to tell apart."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.gesture_synthetic import (
    LIGHTINGS,
    N_CLASSES,
    main,
    synthetic_clip,
    write_synthetic_gesture,
)
from lava_stllr.data.registry import DataRequest, load_train_val


def test_files_follow_tonic_layout(tmp_path):
    files = write_synthetic_gesture(tmp_path, 2, seed=3, split="test", duration_ms=600)
    folder = tmp_path / "DVSGesture" / "ibmGestureTest"
    assert files == [folder / f"user{u:02d}_{LIGHTINGS[u - 1]}" / f"{label}.npy"
                     for u in (1, 2) for label in range(N_CLASSES)]
    for path in files:
        events = np.load(path)
        assert events.dtype == np.float64 and events.ndim == 2 and events.shape[1] == 4
        x, y, p, t = events.T
        assert events.shape[0] > 100
        assert x.min() >= 0 and x.max() <= 127 and y.min() >= 0 and y.max() <= 127
        assert set(np.unique(p)) <= {0.0, 1.0} and np.all(x == np.floor(x))
        assert np.all(np.diff(t) >= 0) and t.min() >= 0 and t.max() < 600  # ms


def test_registry_reads_it_with_the_default_binning(tmp_path):
    write_synthetic_gesture(tmp_path, 2, seed=0, split="train")
    write_synthetic_gesture(tmp_path, 1, seed=0, split="test")
    train, val = load_train_val("dvsgesture", DataRequest(root=tmp_path, n_val=N_CLASSES))
    assert len(train) == 2 * N_CLASSES and len(val) == N_CLASSES
    assert train.n_classes == val.n_classes == 11
    assert (train.n_steps, train.n_inputs) == (30, 2 * 32 * 32)  # 128 / 4, 1.5 s / 50 ms
    x, _ = train[0]
    assert x.shape == (30, 2048) and x.sum() > 500
    assert x[:, :1024].sum() > 0 and x[:, 1024:].sum() > 0  # both polarities
    assert x.sum(axis=1).min() > 0  # events in every bin of the clip
    labels = [int(val[i][1]) for i in range(len(val))]
    assert sorted(labels) == list(range(11))


def test_same_seed_same_bits(tmp_path):
    a = write_synthetic_gesture(tmp_path / "a", 1, seed=7, duration_ms=300)
    b = write_synthetic_gesture(tmp_path / "b", 1, seed=7, duration_ms=300)
    c = write_synthetic_gesture(tmp_path / "c", 1, seed=8, duration_ms=300)
    assert all(p.read_bytes() == q.read_bytes() for p, q in zip(a, b, strict=True))
    assert all(p.read_bytes() != q.read_bytes() for p, q in zip(a, c, strict=True))
    rng = np.random.default_rng([1, 2])
    first = synthetic_clip(5, rng, duration_ms=200)
    again = synthetic_clip(5, np.random.default_rng([1, 2]), duration_ms=200)
    for u, v in zip(first, again, strict=True):
        np.testing.assert_array_equal(u, v)


def test_classes_are_learnable(tmp_path):
    """A small conv net trained with S-TLLR on 10 clips per class tells held-out clips
    (another split, other seeds) apart far above chance (1/11)."""
    from lava_stllr.data.dataset import ArrayDataset
    from lava_stllr.params import STLLRParams
    from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
    from lava_stllr.spec.conv import ConvNetSpec

    write_synthetic_gesture(tmp_path, 10, seed=0, split="train")
    write_synthetic_gesture(tmp_path, 3, seed=0, split="test")
    train, val = load_train_val("dvsgesture", DataRequest(root=tmp_path, n_val=33))

    def arrays(ds):
        pairs = [ds[i] for i in range(len(ds))]
        return ArrayDataset(np.stack([x for x, _ in pairs]), np.array([y for _, y in pairs]),
                            ds.n_classes)

    train, val = arrays(train), arrays(val)
    spec = ConvNetSpec.parse("8c5s2-a2-32", (2, 32, 32), 11, init_gain=2.0)
    trainer = ConvSTLLRTrainer(spec, STLLRParams(lr=1e-2), optimizer="adam", seed=0)
    trainer.fit(train, None, epochs=10, batch_size=11, progress=False)
    _, accuracy = trainer.evaluate(val)
    assert accuracy >= 0.45, accuracy  # chance is 0.09


def test_command_line_and_errors(tmp_path, capsys):
    assert main([str(tmp_path), "--per-class", "1", "--test-per-class", "1", "--seed",
                 "2"]) == 0
    assert "wrote 22 clips" in capsys.readouterr().out
    assert len(list((tmp_path / "DVSGesture").glob("*/*/*.npy"))) == 22
    with pytest.raises(ValueError, match="already holds clips"):
        write_synthetic_gesture(tmp_path, 1, seed=0)  # never mixed with the clips above
    with pytest.raises(SystemExit) as exit_info:
        main([str(tmp_path), "--per-class", "2", "--test-per-class", "1"])
    assert exit_info.value.code == 2
    assert "already holds clips" in capsys.readouterr().err
    assert main([str(tmp_path), "--per-class", "1", "--test-per-class", "1",
                 "--overwrite"]) == 0
    assert len(list((tmp_path / "DVSGesture").glob("*/*/*.npy"))) == 22  # nothing stale
    with pytest.raises(ValueError, match="n_per_class"):
        write_synthetic_gesture(tmp_path, 0, seed=0)
    with pytest.raises(ValueError, match="split must be one of"):
        write_synthetic_gesture(tmp_path, 1, seed=0, split="val")
    with pytest.raises(ValueError, match="label"):
        synthetic_clip(11, np.random.default_rng(0))
