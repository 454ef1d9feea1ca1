"""netx HDF5 export: file structure and values read back with h5py, the fixed-point
NumPy model of the exported network against our float network, and (when lava-dl is
installed) lava-dl's own ``hdf5.Network`` against that model."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from lava_stllr import export as netx
from lava_stllr.export import netx_sim
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, Weights, init_weights
from lava_stllr.runs.plots import sample_activity


def _inputs(seed: int, steps: int, n: int, rate: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return ((rng.random((steps, n)) < rate) * rng.integers(1, 3, (steps, n))).astype(float)


@pytest.fixture
def exported(tmp_path):
    spec = NetworkSpec((20, 12, 6, 3), beta_out=0.8)
    params = STLLRParams(beta=0.85, theta=0.6)
    weights = init_weights(spec, seed=1)
    path = tmp_path / "net.h5"
    layers = netx.export_netx(path, spec, params, weights)
    return path, spec, params, weights, layers


def test_file_structure_and_values(exported):
    path, spec, params, weights, layers = exported
    assert [p.name for p in path.parent.iterdir()] == ["net.h5"]  # no temporary file left
    with h5py.File(path, "r") as f:
        assert list(f) == ["layer"]
        assert sorted(f["layer"], key=int) == ["0", "1", "2", "3"]
        inp = f["layer/0"]
        assert inp["type"][0] == b"input" and inp["type"].shape == (1,)
        assert list(inp["shape"][()]) == [20] and "neuron" not in inp
        for i, layer in enumerate(layers):
            g = f[f"layer/{i + 1}"]
            assert g["type"][0] == b"dense"
            assert list(g["shape"][()]) == [spec.sizes[i + 1]]
            assert g["inFeatures"][()] == spec.sizes[i]
            assert g["outFeatures"][()] == spec.sizes[i + 1]
            w = g["weight"][()]
            assert np.issubdtype(w.dtype, np.integer)
            assert w.shape == weights.feedforward[i].shape
            assert w.min() >= -256 and w.max() <= 254 and np.all(w % 2 == 0)
            assert np.abs(w).max() == 254  # the default scale uses the full range
            scale = g.attrs["lava_stllr_weight_scale"]
            np.testing.assert_array_equal(w, netx.quantize_weight(weights.feedforward[i], scale))
            np.testing.assert_allclose(w / scale, weights.feedforward[i], atol=1.0 / scale)
            n = g["neuron"]
            assert n["type"][0] == b"CUBA"
            assert n["refDelay"][()] == 1 and not n["gradedSpike"][()]
            assert int(n["vThMant"][()]) == layer.v_th_mant
        hidden = f["layer/1/neuron"]
        assert hidden["iDecay"][()] == 4096
        assert hidden["vDecay"][()] == round(4096 * (1 - 0.85))
        assert hidden["vThMant"][()] == round(0.6 * f["layer/1"].attrs["lava_stllr_weight_scale"])
        readout = f["layer/3/neuron"]
        assert readout["iDecay"][()] == round(4096 * (1 - 0.8))
        assert readout["vDecay"][()] == 4096 and readout["vThMant"][()] == 2**17 - 1
        assert f["layer/3"].attrs["lava_stllr_role"] == "readout"
        assert f.attrs["generator"].startswith("lava-stllr")


def test_read_netx(exported):
    path, spec, *_ = exported
    layers = netx.read_netx(path)
    assert [lay["type"] for lay in layers] == ["input", "dense", "dense", "dense"]
    assert layers[1]["neuron"]["type"] == "CUBA"
    assert layers[2]["weight"].shape == (6, 12)


def test_recurrent_layers_are_dense_rec(tmp_path):
    spec = NetworkSpec((10, 8, 3), recurrent=True)
    weights = init_weights(spec, 2)
    netx.export_netx(tmp_path / "rec.h5", spec, STLLRParams(), weights)
    with h5py.File(tmp_path / "rec.h5", "r") as f:
        g = f["layer/1"]
        assert g["type"][0] == b"dense_rec"
        assert g["weight_rec"].shape == (8, 8)
        scale = g.attrs["lava_stllr_weight_scale"]
        np.testing.assert_array_equal(g["weight_rec"][()],
                                      netx.quantize_weight(weights.recurrent[0], scale))
        assert max(np.abs(g["weight"][()]).max(), np.abs(g["weight_rec"][()]).max()) == 254
        assert f["layer/2"]["type"][0] == b"dense"


@pytest.mark.parametrize("recurrent", [False, True])
def test_exact_when_representable(tmp_path, recurrent):
    """beta = beta_out = 1, hard reset and weights on the integer grid: the exported
    fixed-point network equals our float network spike for spike."""
    spec = NetworkSpec((20, 12, 8, 3), recurrent=recurrent, beta_out=1.0)
    params = STLLRParams(beta=1.0, reset="hard", theta=0.5)
    scale = 32.0
    w = init_weights(spec, 1)

    def grid(m):
        return 2 * np.round(np.clip(m, -3.9, 3.9) * scale / 2) / scale

    w = Weights([grid(m) for m in w.feedforward], [grid(m) for m in w.recurrent])
    netx.export_netx(tmp_path / "n.h5", spec, params, w, scales=[scale] * 3)
    x = _inputs(0, 30, 20)
    run = netx.simulate_netx(tmp_path / "n.h5", x)
    ref = sample_activity(spec, params, w, x)
    for ours, theirs in zip(run.hidden, ref["hidden"], strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert sum(h.sum() for h in run.hidden) > 10
    np.testing.assert_array_equal(run.readout, ref["readout"])


def test_close_to_float_with_hard_reset(tmp_path):
    spec = NetworkSpec((20, 16, 3))
    params = STLLRParams(beta=0.9, reset="hard")
    w = init_weights(spec, 3)
    netx.export_netx(tmp_path / "n.h5", spec, params, w)
    agree, spikes, same_prediction = 0.0, 0, 0
    for seed in range(10):
        x = _inputs(seed, 30, 20)
        run = netx.simulate_netx(tmp_path / "n.h5", x)
        ref = sample_activity(spec, params, w, x)
        agree += (run.hidden[0] == ref["hidden"][0]).mean() / 10
        spikes += int(ref["hidden"][0].sum())
        same_prediction += run.prediction() == ref["prediction"]
    assert spikes > 100 and agree > 0.98 and same_prediction >= 9


def test_soft_reset_is_the_documented_difference(tmp_path):
    """A constant drive of 0.75 theta: the float soft-reset neuron keeps its overshoot and
    fires at rate 0.75; the exported hard-reset CUBA neuron fires every other step, exactly
    like our network run with ``reset="hard"``."""
    spec = NetworkSpec((1, 1, 2), beta_out=1.0)
    w = Weights([np.array([[0.375]]), np.array([[1.0], [-1.0]])])
    soft = STLLRParams(beta=1.0, theta=0.5, reset="soft")
    netx.export_netx(tmp_path / "n.h5", spec, soft, w, scales=[16.0, 16.0])
    x = np.ones((20, 1))
    exported = netx.simulate_netx(tmp_path / "n.h5", x).hidden[0][:, 0]
    hard = sample_activity(spec, soft.replace(reset="hard"), w, x)["hidden"][0][:, 0]
    float_soft = sample_activity(spec, soft, w, x)["hidden"][0][:, 0]
    np.testing.assert_array_equal(exported, hard)
    assert exported.sum() == 10 and float_soft.sum() == 14


def test_effective_weights_are_the_stored_even_integers():
    rng = np.random.default_rng(0)
    for _ in range(50):
        w = 2 * rng.integers(-128, 128, size=(5, 7))
        w = w * (1 << int(rng.integers(0, 3))) // (1 << int(rng.integers(0, 3)))
        w = np.clip(w - w % 2, -256, 254)
        if not w.any():
            continue
        mat, exp = netx_sim._effective_weight(w)
        x = rng.integers(0, 4, size=7)
        np.testing.assert_array_equal(netx_sim._dense((mat, exp), x), w @ x)


def test_weights_and_decays_use_the_loihi_conversions():
    """The export saturates to slayer's even 8-bit grid [-256, 254] (WEIGHT_EVEN_MAX, not
    the learned-weight bound 255); CUBA decays reach 4096 (no memory), beyond dv's 12 bits."""
    q = netx.quantize_weight(np.array([1000.0, -1000.0, 1.0, 3.0, -0.9]), 1.0)
    assert list(q) == [254, -256, 0, 4, 0]
    assert netx.decay_to_netx(0.0) == 4096 and netx.decay_to_netx(1.0) == 0
    assert netx.decay_to_netx(0.85) == round(4096 * (1 - 0.85))


def test_errors(tmp_path, exported):
    path, spec, params, weights, _ = exported
    with pytest.raises(ValueError, match="scales must have 3 entries"):
        netx.export_netx(tmp_path / "x.h5", spec, params, weights, scales=[1.0])
    with pytest.raises(ValueError, match="vThMant"):
        netx.export_netx(tmp_path / "x.h5", spec, params, weights, scales=[1e6, None, None])
    with pytest.raises(ValueError, match=r"weight scale must be in \(0, inf\)"):
        netx.quantize_weight(np.ones(2), 0.0)
    with pytest.raises(ValueError, match="beta"):
        netx.decay_to_netx(1.5)
    assert not (tmp_path / "x.h5").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with pytest.raises(FileNotFoundError):
        netx.read_netx(tmp_path / "missing.h5")
    (tmp_path / "junk.h5").write_bytes(b"junk")
    with pytest.raises(ValueError, match="not an HDF5 file"):
        netx.read_netx(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "empty.h5", "w"):
        pass
    with pytest.raises(ValueError, match="no 'layer' group"):
        netx.read_netx(tmp_path / "empty.h5")


def _import_netx():
    try:
        from lava.lib.dl.netx import hdf5
    except ImportError as exc:
        pytest.skip(f"lava-dl is not installed ({exc}); pip install 'lava-stllr[dl]' to "
                    "compare with lava.lib.dl.netx.hdf5.Network")
    return hdf5


@pytest.mark.parametrize("recurrent", [False, True])
def test_lava_dl_netx_runs_the_export_like_our_model(tmp_path, recurrent):
    """lava-dl's hdf5.Network in Lava's fixed-point CPU simulation gives the same hidden
    spikes and readout current as simulate_netx (shifted by the per-layer delay)."""
    hdf5 = _import_netx()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.monitor.process import Monitor

    spec = NetworkSpec((30, 16, 12, 4), recurrent=recurrent, beta_out=0.8)
    params = STLLRParams(beta=0.85, reset="hard")
    path = tmp_path / "net.h5"
    netx.export_netx(path, spec, params, init_weights(spec, 5))
    steps, n_blocks = 25, len(spec.sizes) - 1
    x = _inputs(1, steps, 30, 0.25)
    ours = netx.simulate_netx(path, x)
    data = np.concatenate([x.T, np.zeros((30, n_blocks + 1))], axis=1).astype(np.int32)
    total = steps + n_blocks + 1
    cfg = Loihi2SimCfg(select_tag="fixed_pt")
    for n_layers in range(2, n_blocks + 1):  # sub-networks ending at each hidden layer
        net = hdf5.Network(net_config=str(path), num_layers=n_layers, input_message_bits=8)
        src, sink = Source(data=data), Sink(shape=net.out.shape, buffer=total)
        src.s_out.connect(net.inp)
        net.out.connect(sink.a_in)
        net.run(condition=RunSteps(total), run_cfg=cfg)
        spikes = sink.data.get().T
        net.stop()
        lag = n_layers - 1
        np.testing.assert_array_equal(spikes[lag:lag + steps], ours.hidden[lag - 1])
    net = hdf5.Network(net_config=str(path), input_message_bits=8)
    src = Source(data=data)
    src.s_out.connect(net.inp)
    monitor = Monitor()
    monitor.probe(net.layers[-1].neuron.u, total)
    net.run(condition=RunSteps(total), run_cfg=cfg)
    probed = monitor.get_data()
    net.stop()
    u = np.asarray(next(iter(next(iter(probed.values())).values())))
    np.testing.assert_array_equal(u[n_blocks:n_blocks + steps], ours.readout_u)


def test_the_exported_file_has_the_permissions_of_a_plain_open(tmp_path):
    import os

    spec = NetworkSpec((20, 12, 3))
    old = os.umask(0o022)
    try:
        netx.export_netx(tmp_path / "n.h5", spec, STLLRParams(), init_weights(spec, seed=1))
    finally:
        os.umask(old)
    assert (tmp_path / "n.h5").stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
