"""Memory bounds before allocating (issue 29, class 2): the estimate counts weights,
activations, traces, input batches and in-memory data, and a run that cannot fit is
refused at once in one line (how much is needed, what is available, what to lower)
instead of ending in a MemoryError traceback."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from types import SimpleNamespace

import pytest

from lava_stllr.cli import common, main, memory
from lava_stllr.cli.parser import CLIError
from lava_stllr.reference import NetworkSpec
from lava_stllr.spec.conv import ConvNetSpec

#: ``python LIMITED BYTES ARGS...``: ``lava-stllr ARGS`` under RLIMIT_AS (ulimit -v).
LIMITED = textwrap.dedent("""
    import resource, sys
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from lava_stllr.cli import main
    sys.exit(main(sys.argv[2:]))
""")


def run_limited(tmp_path, limit: int, *argv: str) -> tuple[int, list[str], float]:
    """``(exit status, stderr lines, seconds)`` of ``lava-stllr ARGV`` under RLIMIT_AS."""
    script = tmp_path / "limited.py"
    script.write_text(LIMITED)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, str(script), str(limit), *argv],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    return proc.returncode, proc.stderr.strip().splitlines(), time.perf_counter() - start


def _args(backend: str = "reference", batch: int = 32, trainer: str = "stllr"):
    return SimpleNamespace(backend=backend, batch_size=batch, trainer=trainer)


def test_the_estimate_counts_activations_traces_and_inputs_of_each_pass():
    spec = NetworkSpec((10, 20, 3))  # 33 neurons, 260 weights
    run = memory.run_shape(_args(batch=16), 5, 10, n_train=100, n_val=8)
    found = memory.estimate(spec, dtype="float32", run=run)
    parts = {name: size for name, size, _ in found.parts}
    assert parts["weights"] == 260 * 4 * memory.WEIGHT_COPIES
    assert parts["state"] == 16 * memory.TRAIN_ARRAYS * 33 * 4  # training batch of 16
    assert parts["inputs"] == 16 * 5 * 10 * (memory.INPUT_BYTES + 4)
    assert found.total == sum(parts.values())
    # BPTT keeps every step: its state grows with the time steps.
    bptt = memory.run_shape(_args(batch=16, trainer="bptt"), 50, 10, 100, 8)
    state = dict((n, s) for n, s, _ in memory.estimate(spec, run=bptt).parts)["state"]
    assert state == 16 * (memory.TAPE_ARRAYS * 50 + memory.TRAIN_ARRAYS) * 33 * 8


def test_conv_maps_and_patch_matrices_are_counted():
    spec = ConvNetSpec.parse("4c3p10-p2-8", (2, 16, 16), 4)
    neurons, patches = memory._layer_values(spec)
    assert neurons == 2 * 16 * 16 + 4 * 34 * 34 + 4 * 17 * 17 + 8 + 4  # readout: 4
    assert patches == 2 * 36 * 36 + 34 * 34 * 2 * 9
    run = memory.run_shape(_args(), 24, 512, n_train=8, n_val=64)
    found = memory.estimate(spec, run=run)
    assert found.parts[0][0] == "state" and "evaluation batch of 64" in found.parts[0][2]
    assert found.parts[0][1] == 64 * (memory.FORWARD_ARRAYS * neurons
                                      + memory.FORWARD_PATCHES * patches) * 8


def test_data_generated_in_memory_is_counted_before_it_is_generated(monkeypatch, capsys,
                                                                    tmp_path):
    from lava_stllr.data import registry

    def refuse(*args, **kwargs):
        raise AssertionError("samples were generated: the estimate came too late")

    monkeypatch.setattr(registry, "load_train_val", refuse)
    monkeypatch.setattr(common, "available_memory", lambda: 10**9)
    out = tmp_path / "run"
    assert main(["train", "--backend", "reference", "--samples", "1000000", "--out",
                 str(out)]) == 2
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and line.startswith("lava-stllr: error: the data of synthetic "
                                                "needs about ")
    assert "1,250,000 binned samples of 24 x 512 float32 in memory" in line
    assert "more than the 1.0 GB available" in line
    assert line.endswith("use fewer --samples or --val-samples")
    assert not out.exists()


def test_the_tightest_limit_is_named(monkeypatch):
    monkeypatch.setattr(memory, "memory_limits",
                        lambda: {"physical memory": 8 * 10**9,
                                 "the address-space limit (ulimit -v)": 2 * 10**9})
    found = memory.estimate(NetworkSpec((10, 10**7, 3)))
    with pytest.raises(CLIError, match=r"more than the 2.0 GB available \(the address-space "
                                       r"limit \(ulimit -v\)\): use smaller --hidden"):
        memory.refuse_over(found, "the network", memory.available_memory())


def test_huge_padded_conv_maps_are_refused_quickly(tmp_path):
    out = tmp_path / "run"
    status, err, seconds = run_limited(tmp_path, 4 * 10**9, "train", "--backend",
                                       "reference", "--layers", "4c3p3000-p2-8", "--out",
                                       str(out))
    assert status == 2 and len(err) == 1, err
    line = err[0]
    assert line.startswith("lava-stllr: error: the network 2x16x16-4c3p3000-p2-8-4 needs "
                           "about ")
    assert "the activations and traces of an evaluation batch of 64" in line
    assert "(the address-space limit (ulimit -v))" in line
    assert line.endswith("use smaller --layers (fewer channels, less padding, larger "
                         "strides)")
    assert seconds < 10 and not out.exists()


def test_a_huge_time_bins_value_is_refused_before_any_sample_is_binned(tmp_path,
                                                                        write_nmnist):
    root = write_nmnist(tmp_path / "nmnist", n=12)
    status, err, seconds = run_limited(
        tmp_path, 4 * 10**9, "train", "--backend", "reference", "--dataset", "nmnist",
        "--data-dir", str(root), "--samples", "8", "--val-samples", "2", "--time-bins",
        "100000000", "--out", str(tmp_path / "run"))
    assert status == 2 and len(err) == 1, err
    assert err[0].startswith("lava-stllr: error: the data of nmnist needs about ")
    assert "input batches of 8 x 100000000 steps x 578 inputs" in err[0]
    assert err[0].endswith("use fewer --time-bins or a smaller --batch-size")
    assert seconds < 10 and not (tmp_path / "run").exists()


def test_weights_over_the_address_space_limit_are_refused_not_a_memory_error(tmp_path):
    # 155 million float64 weights (5 GB) fit in this machine's memory but not under ulimit -v.
    status, err, _ = run_limited(tmp_path, 3 * 10**9, "train", "--backend", "reference",
                                 "--hidden", "300000", "--samples", "16", "--val-samples",
                                 "8", "--epochs", "1", "--out", str(tmp_path / "run"))
    assert status == 2 and len(err) == 1, err  # not a MemoryError traceback
    assert "154,800,000 float64 weights x 4 copies" in err[0]
    assert "(the address-space limit (ulimit -v)): use smaller --hidden or --layers" in err[0]
