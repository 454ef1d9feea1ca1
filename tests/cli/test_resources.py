"""``lava-stllr resources RUN``: the Loihi 2 estimate of a run's network, checked against
hand-computed counts for tiny dense, recurrent and conv networks."""

from __future__ import annotations

import json
import math

import pytest

from lava_stllr.cli import main
from lava_stllr.cli.resources import STATE_BITS, estimate
from lava_stllr.loihi import chip
from lava_stllr.params import STLLRParams
from lava_stllr.runs import record as runs
from lava_stllr.spec.conv import ConvNetSpec, init_conv_weights
from lava_stllr.spec.network import NetworkSpec, init_weights

W, TAG, X1, Y = 9, 9, 7, 21  # bits: weight + sign, tag_1 + sign, x1 trace, y1..y3


def save(folder, spec, **extra):
    """A finished run folder of ``spec`` (initial weights), without training."""
    weights = init_conv_weights(spec, 0) if spec.kind == "conv" else init_weights(spec, 0)
    record = runs.build_record(
        name=folder.name, command=["test"], backend="reference", trainer="stllr",
        dataset={"name": "synthetic"}, seed=0, params=STLLRParams(), spec=spec,
        accuracy={"val": None}, timings={}, **extra)
    runs.save_run(folder, spec, STLLRParams(), weights, record)
    return folder


def resources_json(capsys, *args: str) -> dict:
    assert main(["resources", *args, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def rows_by_name(result: dict) -> dict[str, dict]:
    return {row["name"]: row for row in result["layers"]}


def test_a_dense_run_counts_its_weight_matrices(tmp_path, capsys):
    spec = NetworkSpec((6, 4, 3))
    result = resources_json(capsys, str(save(tmp_path / "dense", spec)))
    assert result["network"] == "6-4-3" and result["update"] == "step"
    rows = rows_by_name(result)
    assert list(rows) == ["input", "hidden 1", "readout", "output error"]
    hidden, readout = rows["hidden 1"], rows["readout"]
    # synapses: the weight matrices (4x6, 3x4), plus the hidden layer's DFA feedback (4x3)
    assert (hidden["learning"], hidden["synapses"]) == (4 * 6, 4 * 6 + 4 * 3)
    assert (readout["learning"], readout["synapses"]) == (3 * 4, 3 * 4)
    assert hidden["synapse_bits"] == (4 * 6 + 4 * 3) * W and readout["synapse_bits"] == 12 * W
    assert (hidden["pre_traces"], hidden["post_factors"]) == (6, 3 * 4)  # x1 per pre, y per post
    assert (readout["pre_traces"], readout["post_factors"]) == (4, 3 * 3)
    assert hidden["tags"] == readout["tags"] == 0  # per step: no tag
    assert hidden["state_bits"] == 4 * (STATE_BITS["lif"] + Y) + 6 * X1
    assert (hidden["neurons"], readout["neurons"], hidden["cores"], readout["cores"]) == (
        4, 3, 1, 1)
    assert rows["input"]["neurons"] == rows["output error"]["neurons"] == 0
    totals = result["totals"]
    assert totals["synapses"] == 36 + 12 and totals["neurons"] == 7
    assert totals["cores"] == 2 and totals["chips"] == 1
    assert sum(w.size for w in runs.load_run(tmp_path / "dense").weights.arrays()) == \
        totals["learning"]
    assert {f["name"] for f in result["chip"]} >= {"neuro-cores per chip", "SRAM per neuro-core"}
    assert all(f["source"] for f in result["chip"]) and result["assumptions"]


def test_per_sample_updates_add_one_tag_per_learning_synapse(tmp_path, capsys):
    spec = NetworkSpec((6, 4, 3), recurrent=True)
    folder = save(tmp_path / "rec", spec, update="sample")  # the record's update is used
    rows = rows_by_name(resources_json(capsys, str(folder)))
    hidden = rows["hidden 1"]
    learning = 4 * 6 + 4 * 4  # W and the recurrent V
    assert (hidden["learning"], hidden["synapses"], hidden["tags"]) == (
        learning, learning + 4 * 3, learning)
    assert hidden["synapse_bits"] == (learning + 12) * W + learning * TAG
    assert hidden["pre_traces"] == 6 + 4  # input axons and the layer's own spikes
    assert rows_by_name(resources_json(capsys, str(folder), "--update", "step"))[
        "hidden 1"]["tags"] == 0


def test_a_conv_run_counts_connections_and_kernels(tmp_path, capsys):
    spec = ConvNetSpec.parse("2c3p1-p2-5", (1, 4, 4), 3)
    rows = rows_by_name(resources_json(capsys, str(save(tmp_path / "conv", spec))))
    assert list(rows) == ["input", "conv 1", "pool 2", "hidden 1", "readout", "output error"]
    conv, pool, hidden = rows["conv 1"], rows["pool 2"], rows["hidden 1"]
    # padding 1 on a 4-wide axis: the 4 outputs see 2, 3, 3, 2 taps of the kernel
    assert (conv["neurons"], conv["synapses"], conv["weights"]) == (2 * 16, 2 * 10 * 10, 2 * 9)
    assert (conv["learning"], conv["pre_traces"], conv["tags"]) == (0, 0, 0)  # frozen
    assert (pool["neurons"], pool["synapses"]) == (2 * 2 * 2, 2 * 4 * 4)
    assert (hidden["learning"], hidden["synapses"]) == (5 * 8, 5 * 8 + 5 * 3)


def test_the_core_limits_bind_as_given(tmp_path, capsys):
    folder = save(tmp_path / "dense", NetworkSpec((6, 4, 3)))
    rows = rows_by_name(resources_json(capsys, str(folder), "--neurons-per-core", "3"))
    assert (rows["hidden 1"]["cores"], rows["hidden 1"]["bound_by"]) == (2, "neurons")
    assert rows["hidden 1"]["pre_traces"] == 6 * 2  # x1 in each core the inputs reach
    assert (rows["readout"]["cores"], rows["readout"]["bound_by"]) == (1, "-")
    # 1 KiB per core: a hidden neuron brings 9*9 + 63 + 21 bits, each core 6 x1 traces
    per_neuron = W * 9 + STATE_BITS["lif"] + Y
    spec = NetworkSpec((6, 60, 3))
    est = estimate(spec, "step", chip.CoreBudget(sram_bits=8192))
    fits = (8192 - 6 * X1) // per_neuron
    assert (est.layers[1].cores, est.layers[1].bound_by) == (math.ceil(60 / fits), "memory")


def test_the_text_table_of_a_trained_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert main(["train", "--backend", "reference", "--samples", "8", "--val-samples", "4",
                 "--epochs", "1", "--hidden", "8", "--quiet", "--no-plots", "--out",
                 str(out)]) == 0
    capsys.readouterr()
    assert main(["resources", str(out)]) == 0
    text = capsys.readouterr().out
    assert "512-8-4" in text and "per-step updates" in text
    for word in ("hidden 1", "readout", "total", "assumptions:", "public secondary sources",
                 "open-neuromorphic.org", "docs/loihi2.md"):
        assert word in text
    total = next(line for line in text.splitlines() if line.strip().startswith("total"))
    assert f"{8 * 512 + 8 * 4 + 4 * 8:,}" in total  # W1, DFA feedback, readout


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "no run folder or weights file"),
    (lambda p: p, "has no weights.npz"),
    (lambda p: (p / "w.npz").write_bytes(b"not a zip") and p / "w.npz", "w.npz"),
])
def test_a_bad_run_is_a_one_line_error(tmp_path, capsys, make, message):
    assert main(["resources", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lava-stllr: error: ") and message in err[0]


def test_bad_limits_are_refused(tmp_path, capsys):
    folder = save(tmp_path / "dense", NetworkSpec((6, 4, 3)))
    assert main(["resources", str(folder), "--sram-kib", "0"]) == 2
    assert "--sram-kib" in capsys.readouterr().err
    with pytest.raises(ValueError, match="exceed a core"):
        chip.neurons_per_core(10_000, 0, chip.CoreBudget(sram_bits=8192))


def test_chips_needed_takes_the_binding_limit():
    assert chip.chips_needed(0, 0, 0) == 1
    assert chip.chips_needed(129, 10, 10) == 2
    assert chip.chips_needed(1, chip.NEURONS_PER_CHIP.value + 1, 0) == 2
    assert chip.chips_needed(1, 1, 3 * chip.SYNAPSES_PER_CHIP.value) == 3


def test_front_ends_the_fixed_point_network_refuses_are_flagged():
    notes = {row.name: row.note for row in estimate(ConvNetSpec.parse("2c3-a2", (1, 6, 6), 3))
             .layers}
    assert "must end in spikes" in notes["pool 2"]
    assert "needs a dense layer" in notes["readout"]
    fine = {row.name: row.note for row in estimate(ConvNetSpec.parse("2c3-p2-4", (1, 6, 6), 3))
            .layers}
    assert "must end in spikes" not in fine["pool 2"] and not fine["readout"]
