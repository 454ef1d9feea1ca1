"""Per-dataset training defaults: what ``train`` uses when an option is not given,
and what ``info`` prints."""

from __future__ import annotations

import json
import re

import pytest

from lava_stllr.cli import main
from lava_stllr.cli.defaults import BACKEND_DEFAULTS, DEFAULTS, train_defaults


def test_a_dataset_without_an_entry_gets_the_backend_defaults() -> None:
    assert train_defaults("synthetic", "lava") == BACKEND_DEFAULTS["lava"]
    assert train_defaults("nmnist", "lava") == DEFAULTS["nmnist", "lava"]
    assert train_defaults("nmnist", "lava").hidden == (256,)


@pytest.mark.parametrize("extra, lr, psi", [
    ([], BACKEND_DEFAULTS["lava"].lr, "triangle"),
    (["--lr", "0.001"], 0.001, "triangle"),
    (["--set", "psi=rational"], BACKEND_DEFAULTS["lava"].lr, "rational"),
    (["--preset", "shd"], BACKEND_DEFAULTS["lava"].lr, "rational"),  # the preset's psi
])
def test_train_records_the_defaults_it_used(monkeypatch, tmp_path, extra, lr, psi) -> None:
    from lava_stllr.cli import train as train_cli

    seen = {}

    def fake_train_into(folder, args, params, request, init=None):
        seen.update(params=params, hidden=args.hidden, epochs=args.epochs,
                    samples=args.samples)
        return 0

    monkeypatch.setattr(train_cli, "_train_into", fake_train_into)
    assert main(["train", "--quiet", "--out", str(tmp_path / "run"), *extra]) == 0
    assert seen["params"].lr == lr and seen["params"].psi == psi
    d = BACKEND_DEFAULTS["lava"]
    assert (seen["hidden"], seen["epochs"], seen["samples"]) == (d.hidden, d.epochs,
                                                                d.samples)


def test_info_prints_the_defaults(capsys) -> None:
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["train_defaults"]["nmnist"]["lava"] == DEFAULTS["nmnist", "lava"].to_dict()
    assert main(["info"]) == 0
    assert re.search(r"nmnist +lava", capsys.readouterr().out)


def test_data_dir_without_dataset_is_refused(tmp_path, capsys) -> None:
    assert main(["train", "--data-dir", str(tmp_path), "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err
    assert "--data-dir needs --dataset" in err and "nmnist" in err
    assert not (tmp_path / "r").exists()  # refused before the run folder is claimed


def test_a_conv_network_gets_the_datasets_conv_defaults(tmp_path, write_nmnist,
                                                        capsys) -> None:
    dense = train_defaults("nmnist", "reference")
    conv = train_defaults("nmnist", "reference", conv=True)
    assert (dense.augment, dense.average_last(15)) == (False, 1)
    assert (conv.augment, conv.average_last(15), conv.lr) == (True, 5, dense.lr)
    root = write_nmnist(tmp_path / "nmnist", 12)
    common = ["train", "--dataset", "nmnist", "--data-dir", str(root), "--backend",
              "reference", "--samples", "8", "--val-samples", "4", "--epochs", "6",
              "--quiet", "--no-plots"]
    for layers, augment, average in (("8", False, 1), ("2c3-8", True, 2)):
        run = tmp_path / layers
        assert main([*common, "--layers", layers, "--out", str(run)]) == 0
        record = json.loads((run / "run.json").read_text())
        assert (record["dataset"]["augment"], record["average_last"]) == (augment, average)
    assert main(["info"]) == 0
    assert "with conv layers: augmented, weights averaged over the last 5 epochs" in \
        capsys.readouterr().out
