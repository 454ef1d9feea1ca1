"""Execute the tutorial notebooks top to bottom at a small size.

Each notebook's parameter cell (tagged ``parameters``) is replaced by the small values
below; the notebook then runs in a fresh kernel of the interpreter running the tests (a
kernel spec is written to a temporary folder, so nothing needs to be registered with
Jupyter beforehand). A cell that raises fails the test; the last cell of every notebook
prints ``SUMMARY {json}``, which is checked here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "tutorials"
#: The shared real N-MNIST subset beside the repository (optional).
NMNIST_ROOT = REPO.parent / "shared" / "data" / "NMNIST"
CELL_TIMEOUT_S = 180

#: Small sizes per notebook; the keys must be exactly the names of its parameter cell.
SMALL: dict[str, dict[str, object]] = {
    "01_stllr_dense_basics.ipynb": dict(
        PRESET="code_default", T_POST=4, MAX_LAG=3, N_TAIL=2, LR=1.0),
    "02_online_dfa_training.ipynb": dict(
        DATA_DIR=None, N_TRAIN=60, N_VAL=30, EPOCHS=2, HIDDEN=32, LR=0.01,
        PRESET="code_default", PSI="triangle", SEED=0, N_CLASSES=2, SIDE=8, N_STEPS=12),
    "03_fixed_point_and_microcode.ipynb": dict(
        PRESET="code_default", PSI="triangle", LR=0.005, SIDE=8, N_STEPS=12, HIDDEN=16,
        N_TRAIN=40, N_VAL=20, EPOCHS=2, N_DEMO=10, N_FIXED=8, SEED=0),
    "04_conv_frontend_onchip_head.ipynb": dict(
        N_TRAIN=80, N_VAL=24, N_ADAPT=24, EPOCHS=2, ADAPT_EPOCHS=1, LAYERS="4c5-p2-32",
        LR=3e-3, LR_ONLINE=3e-4, NOISE_HZ=50.0, N_CHECK=12, SEED=0),
    "05_spoken_digits_on_chip.ipynb": dict(
        DATA_DIR=None, CHANNELS=16, TIME_BINS=20, HIDDEN=16, TRAIN_SPEAKERS=[0, 1],
        NEW_SPEAKER=9, PER_CLASS=1, EPOCHS=2, LR=2e-3, LR_DECAY=0.85, OFFLINE_EPOCHS=12,
        ADAPT_EPOCHS=1, LR_ADAPT=1e-3, SEED=0),
    "06_nir_snntorch_on_chip.ipynb": dict(
        NIR_DIR=str(REPO / "tests" / "nir" / "fixtures"), SHIFT=3, N_ADAPT=30, N_VAL=30,
        EPOCHS=1, LR=0.01, SEED=0),
}


@pytest.fixture(scope="module")
def kernel_manager_factory(tmp_path_factory):
    """Kernel managers for a kernel spec that runs this interpreter (``sys.executable``)."""
    from ipykernel.kernelspec import install
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    prefix = tmp_path_factory.mktemp("jupyter")
    name = "lava-stllr-tests"
    install(kernel_name=name, prefix=str(prefix))
    kernel_dir = prefix / "share" / "jupyter" / "kernels"
    spec_manager = KernelSpecManager(kernel_dirs=[str(kernel_dir)])
    assert spec_manager.get_kernel_spec(name).argv[0] == sys.executable

    def make() -> KernelManager:
        return KernelManager(kernel_name=name, kernel_spec_manager=spec_manager)

    return make


def parameter_source(path: Path) -> str:
    """The source of the notebook's ``parameters`` cell (exactly one)."""
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(cells) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    return cells[0].source


def run_notebook(path: Path, values: dict[str, object], make_km) -> tuple[dict, object]:
    """Run ``path`` with its parameter cell replaced by ``values``; return the SUMMARY and
    the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            cell.source = "\n".join(f"{key} = {value!r}" for key, value in values.items())
    client = nbclient.NotebookClient(nb, km=make_km(), timeout=CELL_TIMEOUT_S,
                                     resources={"metadata": {"path": str(TUTORIALS)}})
    client.execute()  # raises CellExecutionError if a cell raises
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code"
                   for out in cell.get("outputs", []) if out.get("output_type") == "stream")
    lines = [line for line in text.splitlines() if line.startswith("SUMMARY ")]
    assert lines, f"{path.name} printed no SUMMARY line"
    return json.loads(lines[-1][len("SUMMARY "):]), nb


def test_every_tutorial_is_covered() -> None:
    assert sorted(p.name for p in TUTORIALS.glob("*.ipynb")) == sorted(SMALL)


@pytest.mark.parametrize("name", sorted(SMALL))
def test_parameter_cell_defines_exactly_the_small_parameters(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(parameter_source(TUTORIALS / name), namespace)  # plain literals only
    defined = {key for key in namespace if not key.startswith("__")}
    assert defined == set(SMALL[name])


@pytest.mark.parametrize("name", sorted(SMALL))
def test_committed_notebook_is_executed_small_and_shows_its_figures(name: str) -> None:
    # Committed with outputs, so a reader on a code host sees them (tutorials/README.md);
    # test_build_notebooks checks that they were made from the current source.
    path = TUTORIALS / name
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert path.stat().st_size < 400_000
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1))
    kinds = [out.get("output_type") for cell in code for out in cell.outputs]
    assert "error" not in kinds
    assert any("image/png" in out.get("data", {}) for cell in code for out in cell.outputs)
    assert "SUMMARY " in "".join(out.get("text", "") for out in code[-1].outputs)


@pytest.mark.timeout(300)
def test_01_stllr_dense_basics(kernel_manager_factory) -> None:
    name = "01_stllr_dense_basics.ipynb"
    summary, _ = run_notebook(TUTORIALS / name, SMALL[name], kernel_manager_factory)
    assert summary["weights_changed"]
    assert summary["err_by_hand"] < 1e-9 and summary["err_split"] < 1e-9
    # code_default: pre-before-post potentiates, post-before-pre depresses (alpha_post < 0)
    assert summary["dw_pre_before_post"] > 0 > summary["dw_post_before_pre"]


@pytest.mark.timeout(300)
def test_02_online_dfa_training(kernel_manager_factory) -> None:
    name = "02_online_dfa_training.ipynb"
    summary, _ = run_notebook(TUTORIALS / name, SMALL[name], kernel_manager_factory)
    assert summary["weight_err"] < 1e-9  # Lava == NumPy on-chip reference
    assert all(change > 1e-4 for change in summary["weight_change"])
    assert summary["val_acc"] > summary["chance"]


@pytest.mark.timeout(300)
def test_02_on_real_nmnist_when_available(kernel_manager_factory) -> None:
    """The N-MNIST branch (``DATA_DIR`` set) on the shared subset, at a tiny size."""
    if not (NMNIST_ROOT / "Train").is_dir():
        pytest.skip(f"real N-MNIST data not found at {NMNIST_ROOT / 'Train'}")
    pytest.importorskip("tonic")
    name = "02_online_dfa_training.ipynb"
    values = {**SMALL[name], "DATA_DIR": str(NMNIST_ROOT), "N_TRAIN": 10, "N_VAL": 5,
              "EPOCHS": 1, "HIDDEN": 8}
    summary, _ = run_notebook(TUTORIALS / name, values, kernel_manager_factory)
    assert summary["chance"] == pytest.approx(0.1)  # ten digits
    assert summary["weight_err"] < 1e-9
    assert all(change > 1e-4 for change in summary["weight_change"])


@pytest.mark.timeout(300)
def test_03_fixed_point_and_microcode(kernel_manager_factory) -> None:
    name = "03_fixed_point_and_microcode.ipynb"
    summary, _ = run_notebook(TUTORIALS / name, SMALL[name], kernel_manager_factory)
    assert summary["listing_ok"]
    assert summary["fixed_weights_changed"]
    assert summary["spike_agreement"] > 0.8
    assert summary["dw_correlation"] > 0.5
    assert set(summary["psi_error_lsb"]) == {"rational", "triangle", "sigmoid"}
    curves = summary["float_vs_fixed"]
    assert set(curves) == {"float", "fixed"} and all(len(c) == 2 for c in curves.values())
    from process_models.registry import tags

    if "fixed_pt" in tags():  # the guarded section ran the fixed-point Lava network
        fixed = summary["fixed_network"]
        assert fixed is not None and fixed["bit_exact"]
    else:
        assert summary["fixed_network"] is None


@pytest.mark.timeout(300)
def test_04_conv_frontend_onchip_head(kernel_manager_factory) -> None:
    name = "04_conv_frontend_onchip_head.ipynb"
    summary, _ = run_notebook(TUTORIALS / name, SMALL[name], kernel_manager_factory)
    assert summary["offline_val_acc"] > summary["chance"]
    assert summary["lava_equals_trainer"] and summary["lava_score_err"] < 1e-9
    assert summary["netx_agreement"] >= 0.75
    assert summary["head_err"] < 1e-9  # Lava head == NumPy twin
    assert summary["kernel_unchanged"]
    assert len(summary["adapt_noisy"]) == 2


@pytest.mark.timeout(300)
def test_05_spoken_digits_on_chip(kernel_manager_factory) -> None:
    name = "05_spoken_digits_on_chip.ipynb"
    summary, _ = run_notebook(TUTORIALS / name, SMALL[name], kernel_manager_factory)
    assert not summary["real_data"]  # the stand-in tones
    assert len(summary["on_chip_curve"]) == 2
    assert all(0.0 <= a <= 1.0 for a in summary["on_chip_curve"])
    assert summary["before_old"] > 0.05  # the offline network learnt the tones
    assert all(change > 1e-5 for change in summary["weight_change"])  # on-chip adaptation


@pytest.mark.timeout(300)
def test_06_nir_snntorch_on_chip(kernel_manager_factory) -> None:
    name = "06_nir_snntorch_on_chip.ipynb"
    summary, _ = run_notebook(TUTORIALS / name, SMALL[name], kernel_manager_factory)
    assert summary["same_spikes"] and summary["agree"] == 1.0  # snnTorch's own outputs
    assert summary["membrane_err"] < 1e-4  # float32 against float64
    assert summary["device_after"] > summary["device_before"]  # learned on chip
    assert summary["same_weights"]
    assert summary["file_device_acc"] == summary["device_after"]  # the file is the network
