"""netx export of conv networks: the conv/flatten entries read back with h5py, the folds of
average pooling, max pooling as a depthwise conv block, the fixed-point simulation of the
file against the float conv network (exact on representable weights, close after
training), the refused layouts, and ``lava-stllr export`` on a conv run folder."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pytest

from lava_stllr import export as netx
from lava_stllr.core.conv import conv_forward
from lava_stllr.core.pool import avg_pool
from lava_stllr.export.netx_conv import fold_avg_into_conv, fold_avg_into_dense
from lava_stllr.params import STLLRParams
from lava_stllr.reference.conv_network import conv_sample_activity
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights
from lava_stllr.spec.network import Weights


def _inputs(seed: int, steps: int, n: int, rate: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return ((rng.random((steps, n)) < rate) * rng.integers(1, 3, (steps, n))).astype(float)


def test_conv_file_structure(tmp_path):
    spec = ConvNetSpec.parse("4c3-p2-6c3s1p1-16", (2, 12, 12), 3, beta_out=0.8)
    params = STLLRParams(beta=0.85, theta=0.6)
    weights = init_conv_weights(spec, 1)
    layers = netx.export_netx(tmp_path / "c.h5", spec, params, weights)
    assert [(lay.kind, lay.role) for lay in layers] == [
        ("conv", "hidden"), ("conv", "maxpool"), ("conv", "hidden"), ("dense", "hidden"),
        ("dense", "readout")]
    with h5py.File(tmp_path / "c.h5", "r") as f:
        types = [f[f"layer/{k}/type"][0] for k in sorted(f["layer"], key=int)]
        assert types == [b"input", b"conv", b"conv", b"conv", b"flatten", b"dense", b"dense"]
        assert list(f["layer/0/shape"][()]) == [2, 12, 12]
        c1 = f["layer/1"]
        assert list(c1["shape"][()]) == [4, 10, 10]
        assert c1["inChannels"][()] == 2 and c1["outChannels"][()] == 4
        for key, value in (("kernelSize", 3), ("stride", 1), ("padding", 0), ("dilation", 1)):
            assert list(c1[key][()]) == [value, value]
        assert c1["groups"][()] == 1
        w = c1["weight"][()]
        assert w.shape == (4, 2, 3, 3) and np.issubdtype(w.dtype, np.integer)
        scale = c1.attrs["lava_stllr_weight_scale"]
        np.testing.assert_array_equal(w, netx.quantize_weight(weights.feedforward[0], scale))
        assert np.abs(w).max() == 254 and np.all(w % 2 == 0)
        assert c1["neuron/iDecay"][()] == 4096
        assert c1["neuron/vDecay"][()] == round(4096 * 0.15)
        assert c1["neuron/vThMant"][()] == round(0.6 * scale)
        pool = f["layer/2"]
        assert list(pool["shape"][()]) == [4, 5, 5] and pool["groups"][()] == 4
        assert list(pool["stride"][()]) == [2, 2] and list(pool["kernelSize"][()]) == [2, 2]
        np.testing.assert_array_equal(pool["weight"][()], np.full((4, 1, 2, 2), 2))
        assert [pool[f"neuron/{k}"][()] for k in ("iDecay", "vDecay", "vThMant")] == \
            [4096, 4096, 1]
        assert list(f["layer/3/padding"][()]) == [1, 1]
        assert list(f["layer/4/shape"][()]) == [6, 5, 5]
        dense = f["layer/5"]
        assert dense["inFeatures"][()] == 150 and dense["weight"].shape == (16, 150)
        assert f["layer/6"].attrs["lava_stllr_role"] == "readout"
        assert f["layer/6/neuron/iDecay"][()] == round(4096 * 0.2)


def test_avg_pool_folds_are_exact_in_float():
    rng = np.random.default_rng(0)
    x = rng.random((3, 2, 12, 10))
    w = rng.normal(size=(4, 2, 3, 3))
    for k, stride, padding in ((2, 1, 0), (2, 2, 1), (3, 1, 0)):
        if padding and (12 % k or 10 % k):
            continue
        folded, s2, p2 = fold_avg_into_conv(w, k, stride, padding)
        np.testing.assert_allclose(conv_forward(x, folded, s2, p2),
                                   conv_forward(avg_pool(x, k), w, stride, padding),
                                   rtol=0, atol=1e-12)
    x = rng.random((3, 2, 7, 9))  # not multiples of 2: the pool crops the edge
    m = rng.normal(size=(5, 2 * 3 * 4))
    np.testing.assert_allclose(x.reshape(3, -1) @ fold_avg_into_dense(m, 2, (2, 7, 9)).T,
                               avg_pool(x, 2).reshape(3, -1) @ m.T, rtol=0, atol=1e-12)


def _grid(w: np.ndarray, step: float, bound: float) -> np.ndarray:
    return step * np.round(np.clip(w, -bound, bound) / step)


@pytest.mark.parametrize("layers, folds", [("4c3-a2-6c3-p2-16", [1, 2, 1, 1]),
                                           ("a2-4c3p1-p2-8", [2, 1, 1]),
                                           ("4c3s2p1-a2-a2-12", [1, 4, 1])])
def test_exact_when_representable(tmp_path, layers, folds):
    """beta = beta_out = 1, hard reset, weights (after folding) on the 8-bit grid of scale
    32: every layer's spikes (max pools included) and the readout equal the float conv
    network's, step for step. ``folds``: the average-pool factor folded into each array,
    whose weights must then be multiples of ``k^2`` grid steps."""
    spec = ConvNetSpec.parse(layers, (2, 12, 12), 3, beta_out=1.0, init_gain=3.0)
    params = STLLRParams(beta=1.0, reset="hard", theta=0.5)
    w = Weights([_grid(a, 2 / 32 * k * k, 3.9) for a, k in
                 zip(init_conv_weights(spec, 0).feedforward, folds, strict=True)])
    scales = [None if lay.role == "maxpool" else 32.0
              for lay in netx.netx_layers(spec, params, w)]
    netx.export_netx(tmp_path / "n.h5", spec, params, w, scales=scales)
    for seed in range(3):
        x = _inputs(seed, 20, spec.n_inputs)
        run = netx.simulate_netx(tmp_path / "n.h5", x)
        ref = conv_sample_activity(spec, params, w, x)
        kept = [out for layer, out in zip(spec.layers, ref["layers"], strict=True)
                if str(layer)[0] != "a"]  # average pools are folded, not blocks
        assert len(kept) == len(run.hidden)
        for ours, theirs in zip(run.hidden, kept, strict=True):
            np.testing.assert_array_equal(ours, theirs)
            assert 0 < theirs.mean() < 0.9
        np.testing.assert_array_equal(run.readout, ref["readout"])


def test_trained_network_predictions_agree(tmp_path):
    """A conv net trained with S-TLLR (hard reset) on the synthetic bars: the exported
    fixed-point network predicts like the float one on held-out samples."""
    from lava_stllr.data.synthetic import SyntheticConfig, synthetic_train_val
    from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer

    train, val = synthetic_train_val(160, 40, seed=0,
                                     config=SyntheticConfig(n_steps=20, speed_range=(1.0, 1.6)))
    spec = ConvNetSpec.parse("4c5s2-a2-32", (2, 16, 16), 4, init_gain=2.0)
    params = STLLRParams(reset="hard", lr=1e-2)
    trainer = ConvSTLLRTrainer(spec, params, optimizer="adam", seed=0)
    trainer.fit(train, val, epochs=8, batch_size=16, progress=False)
    netx.export_netx(tmp_path / "t.h5", spec, params, trainer.weights)
    same = right_float = right_netx = 0
    for i in range(len(val)):
        x, label = val[i]
        ours = conv_sample_activity(spec, params, trainer.weights, x)["prediction"]
        exported = netx.simulate_netx(tmp_path / "t.h5", x).prediction(
            params.window_start(x.shape[0]))
        same += ours == exported
        right_float += ours == label
        right_netx += exported == label
    assert right_float >= 20  # trained: well above chance (10 of 40)
    assert same >= 36 and abs(right_float - right_netx) <= 3


@pytest.mark.parametrize("layers, match", [
    ("p2-4c3-8", "max pooling of the input frames"),
    ("4c3-a2-p2-8", "max pooling of average-pooled"),
    ("4c2-a2-4c3p1-8", "padding 1 after average pooling by 2 of a 11x11 map"),
])
def test_layouts_without_netx_form_are_refused(tmp_path, layers, match):
    spec = ConvNetSpec.parse(layers, (2, 12, 12), 3)
    with pytest.raises(ValueError, match=match):
        netx.export_netx(tmp_path / "x.h5", spec, STLLRParams(), init_conv_weights(spec, 0))
    assert not list(tmp_path.iterdir())


def test_conv_scales_are_checked(tmp_path):
    spec = ConvNetSpec.parse("4c3-p2-8", (2, 12, 12), 3)
    w = init_conv_weights(spec, 0)
    with pytest.raises(ValueError, match="scales must have 4 entries"):
        netx.export_netx(tmp_path / "x.h5", spec, STLLRParams(), w, scales=[None])
    with pytest.raises(ValueError, match=r"scales\[1\] must be None: block 2 is a max pool"):
        netx.export_netx(tmp_path / "x.h5", spec, STLLRParams(), w, scales=[None, 4.0, None,
                                                                            None])


def test_export_cli_on_a_conv_run_folder(tmp_path, capsys):
    from lava_stllr.cli import main
    from lava_stllr.runs import record as runs

    spec = ConvNetSpec.parse("4c3s2-p2-16", (2, 16, 16), 4)
    params = STLLRParams()
    weights = init_conv_weights(spec, 0)
    record = runs.build_record(
        name="conv", command=["test"], backend="reference", trainer="conv-stllr",
        dataset={"name": "synthetic", "n_train": 8, "n_val": 4}, seed=0, params=params,
        spec=spec, accuracy={"val": None}, timings={})
    runs.save_run(tmp_path / "run", spec, params, weights, record)
    assert main(["export", str(tmp_path / "run"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [row["role"] for row in result["layers"]] == ["hidden", "maxpool", "hidden",
                                                         "readout"]
    assert [row["type"] for row in result["layers"]] == ["conv", "conv", "dense", "dense"]
    assert result["layers"][0]["neurons"] == 4 * 7 * 7
    assert (tmp_path / "run" / "netx.h5").is_file()
    assert main(["export", str(tmp_path / "run"), "-o", str(tmp_path / "n.h5"),
                 "--check", "3"]) == 0
    out = capsys.readouterr().out
    assert "conv" in out and "check on 3 held-out samples" in out
