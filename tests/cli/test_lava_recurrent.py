"""``lava-stllr train --backend lava --recurrent``: a real Lava run trains the recurrent
weights and saves them beside the feed-forward ones."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lava_stllr.cli import main
from lava_stllr.files import load_arrays
from lava_stllr.spec.network import NetworkSpec, init_weights


@pytest.mark.timeout(180)
@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_lava_backend_trains_recurrent_layers(tmp_path, precision: str) -> None:
    out = tmp_path / "run"
    args = ["train", "--backend", "lava", "--recurrent", "--precision", precision,
            "--samples", "6", "--val-samples", "3", "--epochs", "1", "--hidden", "4",
            "--quiet", "--no-plots", "--out", str(out)]
    assert main(args) == 0
    record = json.loads((out / "run.json").read_text())
    assert record["backend"] == "lava" and record["spec"]["recurrent"] is True
    assert record["precision"] == precision
    arrays, _ = load_arrays(out / "weights.npz")
    spec = NetworkSpec(tuple(record["spec"]["sizes"]), recurrent=True)
    initial = init_weights(spec, record["seed"])
    assert arrays["rec0"].shape == (4, 4)
    assert np.abs(arrays["rec0"] - initial.recurrent[0]).max() > 0  # V learned
    assert np.abs(arrays["ff0"] - initial.feedforward[0]).max() > 0
    # The saved recurrent weights load into the reference backend.
    assert main(["evaluate", str(out), "--backend", "reference", "--samples", "3"]) == 0
