"""Help and info texts say what the commands really do: the per-dataset optimizer default,
``evaluate``'s ``--precision`` and ``--quiet``, and what lava-dl adds."""

from __future__ import annotations

from lava_stllr.cli import defaults, info, main
from lava_stllr.data.registry import DATASETS


def _help(capsys, monkeypatch, *command: str) -> str:
    monkeypatch.setenv("COLUMNS", "1000")  # argparse wraps at the terminal's width
    assert main([*command, "--help"]) == 0
    return " ".join(capsys.readouterr().out.split())


def test_the_optimizer_help_names_each_dataset_default(capsys, monkeypatch) -> None:
    text = _help(capsys, monkeypatch, "train")
    assert defaults.reference_optimizers() in text and "lava-stllr info" in text
    for name in DATASETS:
        chosen = defaults.train_defaults(name, "reference").optimizer
        named = f"{chosen} for " in text and name in text.split(f"{chosen} for ")[1]
        assert named or (chosen == "sgd" and "sgd for the others" in text), name


def test_evaluate_documents_precision_and_quiet(capsys, monkeypatch) -> None:
    text = _help(capsys, monkeypatch, "evaluate")
    assert "fixed: fixed point in the bit-approximate Loihi 2 integer models" in text
    assert "--quiet only the result line" in text


def test_info_says_what_lava_dl_adds_and_what_it_installs() -> None:
    missing = info._lava_dl(None)
    assert "not needed to export" in missing and "netx.hdf5.Network" in missing
    assert "lava-stllr[dl]" in missing and "CUDA" in missing and "several GB" in missing
    assert info._lava_dl("0.6.0").startswith("0.6.0 (adds running an exported file")
