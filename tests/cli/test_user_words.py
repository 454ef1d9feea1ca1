"""Messages in the user's words: options as given, corrupt records named with their field,
and output that an ASCII-only terminal cannot show printed as escapes, not an error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lava_stllr.cli import main
from lava_stllr.runs import record as runs

REPO = Path(__file__).resolve().parents[2]
TINY = ["--backend", "reference", "--samples", "16", "--val-samples", "8", "--epochs", "1",
        "--hidden", "8", "--quiet", "--no-plots"]


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.startswith("lava-stllr: error: "), err
    return err[len("lava-stllr: error: "):]


@pytest.mark.parametrize("window", ["0.0001", "0.0004"])
def test_a_window_below_a_microsecond_is_said_in_window_ms(window, tmp_path, write_nmnist,
                                                           capsys):
    data = write_nmnist(tmp_path / "data")
    assert main(["train", *TINY, "--dataset", "nmnist", "--data-dir", str(data),
                 "--window-ms", window, "--out", str(tmp_path / "run")]) == 2
    message = _one_line(capsys)
    assert message.startswith(f"--window-ms {window} is shorter than 0.001 ms")
    assert "t_end_us" not in message and not (tmp_path / "run").exists()


def test_binning_options_on_a_generated_dataset_are_named_as_options(tmp_path, capsys):
    assert main(["train", *TINY, "--window-ms", "100", "--time-bins", "5",
                 "--out", str(tmp_path / "run")]) == 2
    assert _one_line(capsys) == ("dataset 'synthetic' is generated in code, not binned from "
                                 "events: --time-bins, --window-ms do not apply (drop the "
                                 "binning options)")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("words") / "run"
    assert main(["train", *TINY, "--out", str(out)]) == 0
    return out


@pytest.mark.parametrize(("field", "value", "least"), [
    ("dataset.n_val", -3, 0), ("dataset.n_train", 0, 1), ("seed", -1, 0),
    ("epochs", 0, 1), ("dataset.n_classes", 0, 1)])
def test_a_count_out_of_range_names_run_json_and_the_field(field, value, least, run_dir,
                                                           tmp_path, capsys):
    run = tmp_path / "corrupt"
    run.mkdir()
    (run / runs.WEIGHTS_FILE).write_bytes((run_dir / runs.WEIGHTS_FILE).read_bytes())
    record = json.loads((run_dir / "run.json").read_text())
    where, _, key = field.rpartition(".")
    (record[where] if where else record)[key] = value
    (run / "run.json").write_text(json.dumps(record))
    want = (f"{run / 'run.json'} is not a valid run record (field {field!r} must be >= "
            f"{least}, got {value})")
    with pytest.raises(ValueError, match="^" + want.replace("(", r"\(").replace(")", r"\)")):
        runs.load_run(run)
    for argv in (["evaluate", str(run)],
                 ["train", "--init", str(run), "--quiet", "--out", str(tmp_path / "again")]):
        assert main(argv) == 2
        assert _one_line(capsys) == want


def test_an_ascii_terminal_prints_a_non_ascii_run_folder_as_escapes(tmp_path):
    # Before: the run finished, then its last print failed (UnicodeEncodeError, status 2).
    out = tmp_path / "r\u00e9sultat-\u2713"
    env = dict(os.environ, PYTHONIOENCODING="ascii", PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "lava_stllr.cli", "train", *TINY[:-2],
                           "--no-plots", "--out", str(out)],
                          cwd=REPO, env=env, capture_output=True, timeout=300)
    assert proc.returncode == 0, proc.stderr.decode("ascii", "replace")[-2000:]
    stdout = proc.stdout.decode("ascii")  # nothing but ASCII reached the terminal
    assert "run folder: " + str(tmp_path / "r\\xe9sultat-\\u2713") in stdout
    assert (out / "run.json").is_file() and not (out / "INCOMPLETE").exists()
