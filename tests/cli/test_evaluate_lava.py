"""``lava-stllr evaluate RUN --backend lava [--precision fixed]``: a run's saved weights
evaluated in Lava give the reference backend's accuracy and loss (float)."""

from __future__ import annotations

import json

import pytest

from lava_stllr.cli import main


@pytest.mark.timeout(300)
def test_lava_backend_evaluates_saved_weights(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", "--backend", "reference", "--samples", "16", "--val-samples", "8",
                 "--epochs", "1", "--hidden", "8", "--quiet", "--no-plots",
                 "--out", str(out)]) == 0
    capsys.readouterr()
    results = {}
    for backend, precision in (("reference", "float"), ("lava", "float"), ("lava", "fixed")):
        assert main(["evaluate", str(out), "--backend", backend, "--precision", precision,
                     "--json"]) == 0
        results[backend, precision] = json.loads(capsys.readouterr().out)
    ref, lava = results["reference", "float"], results["lava", "float"]
    assert lava["accuracy"] == ref["accuracy"]
    assert lava["loss"] == pytest.approx(ref["loss"], abs=1e-9)
    fixed = results["lava", "fixed"]
    assert fixed["samples"] == ref["samples"] == 8 and 0.0 <= fixed["accuracy"] <= 1.0


def test_evaluate_says_the_lava_precision_and_takes_quiet(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["train", "--backend", "reference", "--samples", "16", "--val-samples", "8",
                 "--epochs", "1", "--hidden", "4", "--quiet", "--no-plots", "--out",
                 str(out)]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(out), "--backend", "lava", "--precision", "fixed",
                 "--quiet"]) == 0
    assert "(lava backend, fixed point: the Loihi 2 integer models," in capsys.readouterr().out
    assert main(["evaluate", str(out), "--quiet"]) == 0
    assert "(reference backend," in capsys.readouterr().out
