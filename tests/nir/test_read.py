"""NIR import (lava_stllr.nir.read) of graphs as other frameworks write them, and the
one-line refusals of what lava-stllr cannot hold."""

from __future__ import annotations

import nir
import numpy as np
import pytest

from lava_stllr.nir import NIRImportError, from_nir, read_nir, write_nir
from lava_stllr.runs.activity import sample_activity

DT = 1e-4  # snnTorch's export_to_nir step
F32 = np.float32


def snn_lif(n, beta=0.9, threshold=1.0):
    """A LIF node as snnTorch exports Leaky (float32, per-neuron arrays)."""
    beta = np.full(n, beta, dtype=F32)
    tau = F32(DT) / (1 - beta)
    return nir.LIF(tau=tau, r=tau / F32(DT), v_leak=np.zeros(n, F32),
                   v_threshold=np.full(n, threshold, F32), v_reset=np.zeros(n, F32))


def affine(rng, n_out, n_in, bias=0.0):
    w = rng.normal(0, 0.8, (n_out, n_in)).astype(F32)
    return nir.Affine(weight=w, bias=np.full(n_out, bias, F32))


def chain_graph(*nodes, metadata=None):
    """Input -> nodes... -> Output, named n0, n1, ..."""
    named = {f"n{i}": node for i, node in enumerate(nodes)}
    first, last = nodes[0], nodes[-1]
    n_in = first.weight.shape[-1] if hasattr(first, "weight") else 4
    n_out = last.output_type["output"]
    named = {"input": nir.Input(input_type=np.array([n_in])), **named,
             "output": nir.Output(output_type=np.array(n_out))}
    names = list(named)
    return nir.NIRGraph(nodes=named, edges=list(zip(names[:-1], names[1:], strict=True)),
                        metadata=metadata or {}, type_check=False)


def classifier(rng, n_in=8, n_hidden=6, n_out=3, **lif):
    """snnTorch's standard classifier: Linear, Leaky, Linear, Leaky (Affine -> LIF x 2)."""
    return chain_graph(affine(rng, n_hidden, n_in), snn_lif(n_hidden, **lif),
                       affine(rng, n_out, n_hidden), snn_lif(n_out, **lif))


def snntorch_zero_reset(graph, x, beta, threshold=1.0):
    """snnTorch's Leaky with reset_mechanism='zero' (and an output Leaky with 'none'),
    stepped in NumPy: mem = (1 - reset) mem; mem = beta mem + W x; spike = mem > thr."""
    w1, w2 = graph.nodes["n0"].weight, graph.nodes["n2"].weight
    mem1, mem2, spk1, out = np.zeros(w1.shape[0]), np.zeros(w2.shape[0]), [], []
    for xt in x:
        reset = (mem1 > threshold)
        mem1 = beta * (mem1 * (1 - reset)) + w1 @ xt
        spk1.append((mem1 > threshold).astype(float))
        mem2 = beta * mem2 + w2 @ spk1[-1]
        out.append(mem2.copy())
    return np.array(spk1), np.array(out)


def test_snntorchs_standard_classifier_imports_and_runs_the_same(tmp_path):
    rng = np.random.default_rng(0)
    graph = classifier(rng)
    path = write_nir(tmp_path / "snn.nir", graph)
    imported = from_nir(read_nir(path), dt=DT)
    assert imported.spec.sizes == (8, 6, 3) and not imported.spec.recurrent
    assert imported.params.reset == "hard" and imported.params.theta == 1.0
    assert not imported.has_rule and imported.source == {} and imported.signal is None
    assert abs(imported.params.beta - 0.9) < 1e-6 and imported.spec.beta_out == \
        imported.params.beta
    assert np.array_equal(imported.weights.feedforward[0], graph.nodes["n0"].weight)
    assert len(imported.notes) == 1 and "n3" in imported.notes[0] \
        and "threshold 1 and reset are dropped" in imported.notes[0]
    for _ in range(5):
        x = (rng.random((20, 8)) < 0.4).astype(float)
        spikes, membrane = snntorch_zero_reset(graph, x, beta=imported.params.beta)
        ours = sample_activity(imported.spec, imported.params, imported.weights, x)
        assert np.array_equal(ours["hidden"][0], spikes)
        assert np.allclose(ours["readout"], membrane, rtol=1e-12, atol=1e-12)
        assert ours["prediction"] == int(membrane.sum(0).argmax())


def test_a_flat_recurrent_cycle_and_an_rleaky_subgraph_both_import():
    rng = np.random.default_rng(1)
    v = rng.normal(0, 0.3, (5, 5)).astype(F32)
    flat = nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([4])), "fc": affine(rng, 5, 4),
               "lif": snn_lif(5), "rec": nir.Linear(weight=v), "out_fc": affine(rng, 3, 5),
               "out": nir.LI(tau=np.full(3, 1e-3), r=np.full(3, 10.0), v_leak=np.zeros(3)),
               "output": nir.Output(output_type=np.array([3]))},
        edges=[("input", "fc"), ("fc", "lif"), ("lif", "rec"), ("rec", "lif"),
               ("lif", "out_fc"), ("out_fc", "out"), ("out", "output")], type_check=False)
    a = from_nir(flat, dt=DT)
    assert a.spec.recurrent and np.array_equal(a.weights.recurrent[0], v)
    assert a.notes == [] and a.spec.beta_out == pytest.approx(0.9)
    sub = nir.NIRGraph(nodes={"input": nir.Input(input_type=np.array([5])), "lif": snn_lif(5),
                              "w_rec": nir.Linear(weight=v),
                              "output": nir.Output(output_type=np.array([5]))},
                       edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"),
                              ("lif", "output")], type_check=False)
    nested = nir.NIRGraph(
        nodes={"input": flat.nodes["input"], "fc": flat.nodes["fc"], "rleaky": sub,
               "out_fc": flat.nodes["out_fc"], "out": flat.nodes["out"],
               "output": flat.nodes["output"]},
        edges=[("input", "fc"), ("fc", "rleaky"), ("rleaky", "out_fc"), ("out_fc", "out"),
               ("out", "output")], type_check=False)
    b = from_nir(nested, dt=DT)
    assert b.spec == a.spec
    assert all(np.array_equal(p, q) for p, q in zip(a.weights.arrays(), b.weights.arrays(),
                                                     strict=True))


def test_an_instant_cubalif_a_gain_and_a_direct_readout_map_with_notes():
    rng = np.random.default_rng(2)
    n = 6
    cuba = nir.CubaLIF(tau_syn=np.full(n, DT), tau_mem=np.full(n, 2 * DT), r=np.full(n, 4.0),
                       v_leak=np.zeros(n), v_threshold=np.full(n, 0.5), w_in=np.full(n, 1.5))
    graph = chain_graph(nir.Linear(weight=rng.normal(size=(n, 8))), cuba,
                        nir.Linear(weight=rng.normal(size=(3, n))))
    imported = from_nir(graph, dt=DT)
    assert imported.params.beta == 0.5 and imported.spec.beta_out == 0.0
    gain = 1.5 * DT * 4.0 / (2 * DT)
    assert np.allclose(imported.weights.feedforward[0], gain * graph.nodes["n0"].weight)
    assert any("input gain" in n for n in imported.notes)
    assert any("Output reads it directly" in n for n in imported.notes)


def test_bias_is_refused_unless_dropped():
    rng = np.random.default_rng(3)
    graph = chain_graph(affine(rng, 6, 8, bias=0.25), snn_lif(6), affine(rng, 3, 6),
                        snn_lif(3))
    with pytest.raises(NIRImportError, match=r"'n0' \(Affine\): nonzero bias"):
        from_nir(graph, dt=DT)
    imported = from_nir(graph, dt=DT, drop_bias=True)
    assert any("bias" in note and "dropped" in note for note in imported.notes)


def _refusal(graph, **kwargs) -> str:
    with pytest.raises(NIRImportError) as info:
        from_nir(graph, **{"dt": DT, **kwargs})
    message = str(info.value)
    assert "\n" not in message
    return message


def test_refusals_are_one_line_naming_the_node():
    rng = np.random.default_rng(4)
    lif = snn_lif(6)
    hetero_tau = snn_lif(6)
    hetero_tau.tau = hetero_tau.tau * np.linspace(1, 2, 6, dtype=F32)
    hetero_thr = snn_lif(6)
    hetero_thr.v_threshold = np.linspace(0.5, 1, 6)
    leaky = snn_lif(6)
    leaky.v_leak = np.full(6, 0.1)
    cuba = nir.CubaLIF(tau_syn=np.full(6, 5 * DT), tau_mem=np.full(6, 10 * DT),
                       r=np.full(6, 10.0), v_leak=np.zeros(6), v_threshold=np.ones(6))
    li = nir.LI(tau=np.full(6, 1e-3), r=np.full(6, 10.0), v_leak=np.zeros(6))
    fast = nir.LIF(tau=np.full(6, DT / 2), r=np.ones(6), v_leak=np.zeros(6),
                   v_threshold=np.ones(6))
    fc, fc_out, out = affine(rng, 6, 8), affine(rng, 3, 6), snn_lif(3)
    cases = {
        "per-neuron tau": chain_graph(fc, hetero_tau, fc_out, out),
        "per-neuron v_threshold": chain_graph(fc, hetero_thr, fc_out, out),
        "v_leak 0.1 is not 0": chain_graph(fc, leaky, fc_out, out),
        "tau_syn 0.0005 s": chain_graph(fc, cuba, fc_out, out),
        "non-spiking layer inside": chain_graph(fc, li, fc_out, out),
        "shorter than the time step": chain_graph(fc, fast, fc_out, out),
        "no counterpart of NIR's Delay": chain_graph(fc, lif, nir.Delay(delay=np.ones(6)),
                                                     fc_out, out),
        "reads the weights node 'n0' directly": chain_graph(fc, affine(rng, 6, 6), lif,
                                                            fc_out, out),
        "no hidden layer": chain_graph(affine(rng, 3, 8), snn_lif(3)),
    }
    for why, graph in cases.items():
        message = _refusal(graph)
        assert why in message, (why, message)
        assert message.startswith("NIR node 'n") or why == "no hidden layer", message


def test_a_second_hidden_layer_with_another_tau_is_refused():
    rng = np.random.default_rng(5)
    graph = chain_graph(affine(rng, 6, 8), snn_lif(6, beta=0.9), affine(rng, 5, 6),
                        snn_lif(5, beta=0.8), affine(rng, 3, 5), snn_lif(3))
    message = _refusal(graph)
    assert message.startswith("NIR node 'n3' (LIF): beta") and "share one beta" in message


def test_a_branching_graph_is_refused():
    rng = np.random.default_rng(6)
    nodes = {"input": nir.Input(input_type=np.array([8])), "fc": affine(rng, 6, 8),
             "lif": snn_lif(6), "a": affine(rng, 3, 6), "b": affine(rng, 3, 6),
             "out": snn_lif(3), "output": nir.Output(output_type=np.array([3]))}
    edges = [("input", "fc"), ("fc", "lif"), ("lif", "a"), ("lif", "b"), ("a", "out"),
             ("b", "out"), ("out", "output")]
    graph = nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)
    message = _refusal(graph)
    assert message.startswith("NIR node 'lif' (LIF): feeds 2 nodes ('a', 'b')")


def test_no_dt_is_refused_and_a_non_nir_file_is_one_line(tmp_path):
    graph = classifier(np.random.default_rng(7))
    message = _refusal(graph, dt=None)
    assert "--dt SECONDS" in message
    bad = tmp_path / "bad.nir"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(NIRImportError, match="is not a NIR graph"):
        read_nir(bad)
    with pytest.raises(FileNotFoundError):
        read_nir(tmp_path / "missing.nir")


def test_conv_graph_as_snntorch_writes_it():
    """Conv2d (with 'same' padding and a zero bias), Leaky, SumPool2d (a folded 2x2),
    Flatten with snnTorch's start_dim, Linear, Leaky."""
    rng = np.random.default_rng(8)
    conv = nir.Conv2d(input_shape=(6, 6), weight=rng.normal(size=(2, 1, 3, 3)).astype(F32),
                      stride=1, padding="same", dilation=1, groups=1, bias=np.zeros(2, F32))
    nodes = {"input": nir.Input(input_type=np.array([1, 6, 6])), "conv": conv,
             "lif1": snn_lif((2, 6, 6)), "pool": nir.SumPool2d(np.array([2, 2]),
                                                                np.array([2, 2]),
                                                                np.array([0, 0])),
             "flat": nir.Flatten(input_type=None, start_dim=0), "fc": affine(rng, 3, 18),
             "lif2": snn_lif(3), "output": nir.Output(output_type=np.array([3]))}
    names = list(nodes)
    graph = nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:], strict=True)),
                         type_check=False)
    imported = from_nir(graph, dt=DT)
    assert imported.spec.label == "1x6x6-2c3p1-a2-3"
    assert np.allclose(imported.weights.feedforward[-1], 4 * nodes["fc"].weight)
    assert any("sum pool is an average pool" in n for n in imported.notes)
