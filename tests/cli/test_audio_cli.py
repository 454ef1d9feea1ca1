"""Spoken digits from the command line: defaults, speaker hold-out, channels, bad folders."""

from __future__ import annotations

import json

import pytest

from lava_stllr.cli import main

TINY = ["--dataset", "heidelberg-digits", "--backend", "reference", "--epochs", "1",
        "--hidden", "8", "--quiet", "--no-plots"]


def test_train_holds_out_unseen_speakers_with_a_recurrent_layer(tmp_path, write_digits,
                                                                 capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1, 2, 6))
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(root), "--samples", "18",
                 "--val-samples", "6", "--cache-dir", str(tmp_path / "cache"),
                 "--out", str(run)]) == 0
    out = capsys.readouterr().out
    assert "8r" in out  # the dataset's defaults: a recurrent layer, augmented recordings
    assert "90 training (augmented) / 6 held-out" in out
    record = json.loads((run / "run.json").read_text())
    ds = record["dataset"]
    assert ds["val_speakers"] == [6] and ds["train_speakers"] == [0, 1, 2]
    assert ds["augment"] is True and ds["n_train"] == 90 and ds["n_val"] == 6
    assert record["lr_decay"] == 0.92
    assert record["average_last"] == 1  # the dataset's: the last half of the epochs
    assert ds["n_inputs"] == 64 and ds["n_steps"] == 100  # 32 channels, 2 populations
    # evaluate reads every recording with --split all
    capsys.readouterr()
    assert main(["evaluate", str(run), "--split", "all", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["samples"] == 24


def test_channels_and_no_recurrent(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1))
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(root), "--samples", "6", "--val-samples",
                 "6", "--channels", "16", "--no-recurrent", "--no-augment", "--lr-decay", "0.5",
                 "--epochs", "4", "--out", str(run)]) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["dataset"]["n_inputs"] == 32  # 16 channels, 2 populations
    assert record["dataset"]["augment"] is False and record["dataset"]["n_train"] == 6
    assert record["lr_decay"] == 0.5
    assert record["average_last"] == 2  # half of the 4 epochs
    assert "32-8-20" in capsys.readouterr().out


@pytest.mark.parametrize(("args", "message"), [
    (["--dataset", "nmnist", "--channels", "16"], "--channels applies to audio datasets"),
    (["--dataset", "nmnist", "--split", "all"], "split must be one of"),
])
def test_audio_options_elsewhere_are_refused(tmp_path, write_digits, capsys, args, message):
    (tmp_path / "n" / "Train").mkdir(parents=True)
    assert main(["train", *args, "--data-dir", str(tmp_path / "n"), "--backend",
                 "reference", "--quiet", "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_a_folder_without_recordings_is_one_line(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["train", *TINY, "--data-dir", str(tmp_path / "empty"), "--out",
                 str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "no Heidelberg Digits recordings found" in err
    assert len(err.strip().splitlines()) == 1


def test_a_misnamed_recording_is_named(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1))
    (root / "audio" / "lang-english_speaker-00_trial-0_digit-0.flac").rename(
        root / "audio" / "hello.flac")
    assert main(["train", *TINY, "--data-dir", str(root), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "hello.flac is not named" in err and len(err.strip().splitlines()) == 1


@pytest.mark.timeout(300)
def test_lava_defaults_learn_on_chip_with_a_recurrent_layer(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1))
    run = tmp_path / "run"
    assert main(["train", "--dataset", "heidelberg-digits", "--data-dir", str(root),
                 "--samples", "6", "--val-samples", "6", "--epochs", "1", "--hidden", "4",
                 "--quiet", "--no-plots", "--out", str(run)]) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["dataset"]["binning"]["n_time_bins"] == 25  # the on-chip default
    assert record["spec"]["recurrent"] is True
    assert record["params"]["reset"] == "hard" and record["params"]["psi"] == "triangle"


def test_convert_audio_writes_files_that_read_as_shd(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 4))
    out = tmp_path / "converted"
    assert main(["convert-audio", str(root), str(out), "--channels", "700"]) == 0
    assert "train: 6 recordings" in capsys.readouterr().out
    run = tmp_path / "run"
    assert main(["train", "--dataset", "shd", "--data-dir", str(out), "--backend", "reference",
                 "--epochs", "1", "--hidden", "4", "--samples", "6", "--val-samples", "6",
                 "--quiet", "--no-plots", "--out", str(run)]) == 0
    record = json.loads((run / "run.json").read_text())
    assert record["dataset"]["n_inputs"] == 700
    assert main(["convert-audio", str(root), str(out)]) == 2  # never overwrites silently
    assert "--overwrite" in capsys.readouterr().err


def test_convert_audio_says_how_to_train_without_test_speakers(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1))
    out = tmp_path / "converted"
    (out / "SHD").mkdir(parents=True)
    (out / "SHD" / "shd_test.h5").write_bytes(b"from another conversion")
    assert main(["convert-audio", str(root), str(out), "--channels", "700",
                 "--overwrite"]) == 0
    printed = capsys.readouterr().out
    assert "test: no recordings" in printed and "--val-split train" in printed
    assert not (out / "SHD" / "shd_test.h5").exists()
    assert (out / "SHD" / "shd_train.h5").is_file()


def test_init_refuses_to_drop_recurrent_weights(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1))
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(root), "--samples", "6",
                 "--val-samples", "6", "--out", str(run)]) == 0
    assert main(["train", *TINY, "--data-dir", str(root), "--init", str(run),
                 "--no-recurrent", "--out", str(tmp_path / "again")]) == 2
    assert "--no-recurrent" in capsys.readouterr().err


def test_train_on_every_recording_with_split_all(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 4, 5))  # 04 and 05: the test split
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(root), "--split", "all", "--samples",
                 "12", "--val-samples", "6", "--out", str(run)]) == 0
    ds = json.loads((run / "run.json").read_text())["dataset"]
    assert ds["split"] == "all" and ds["val_speakers"] == [5]
    assert ds["train_speakers"] == [0, 4]


def test_tune_holds_out_the_highest_training_speaker(tmp_path, write_digits, capsys):
    root = write_digits(tmp_path / "hd", speakers=(0, 1, 2, 6))
    run = tmp_path / "run"
    assert main(["train", *TINY, "--data-dir", str(root), "--samples", "18",
                 "--val-samples", "6", "--tune", "--no-augment", "--out", str(run)]) == 0
    ds = json.loads((run / "run.json").read_text())["dataset"]
    assert ds["train_speakers"] == [0, 1] and ds["val_speakers"] == [2]  # 6 never read
    assert ds["tune"] is True and ds["n_val"] == 3
