"""A class folder or file that cannot be read is an error naming it, never a class left out.

Root reads everything whatever the permissions, so the permission tests replace the
folder listing and the readability check of :mod:`lava_stllr.data.folders` for one path
(as a ``chmod 000`` would make them fail for another user); the ``chmod`` test itself runs
only as a normal user.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from lava_stllr.data import folders
from lava_stllr.data.folders import UnreadableDataError
from lava_stllr.data.gesture_synthetic import write_gesture_file
from lava_stllr.data.heidelberg_digits import HeidelbergDigitsFolder
from lava_stllr.data.nmnist import NMNISTFolder
from lava_stllr.data.tonic_datasets import DVSGestureDataset


def _deny_listing(monkeypatch, denied: Path) -> None:
    """``os.scandir`` of ``denied`` fails as for a folder without read permission."""
    scandir = os.scandir

    def guarded(path):
        if Path(path) == denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(folders, "_scandir", guarded)


def _deny_reading(monkeypatch, denied: Path) -> None:
    """``denied`` is not readable (``os.access(..., R_OK)`` false, as after chmod 000)."""
    monkeypatch.setattr(folders, "_readable", lambda path: Path(path) != denied)


def test_an_unreadable_digit_folder_is_an_error_naming_it(fake_nmnist_root, monkeypatch):
    digit = fake_nmnist_root / "Train" / "5"
    _deny_listing(monkeypatch, digit)
    with pytest.raises(UnreadableDataError) as info:
        NMNISTFolder(fake_nmnist_root)  # not 4 samples without the 5s
    message = str(info.value)
    assert message.startswith(f"N-MNIST digit folder {digit} cannot be read (Permission "
                              "denied)")
    assert "\n" not in message and isinstance(info.value, OSError)


def test_an_unreadable_split_folder_is_an_error_naming_it(fake_nmnist_root, monkeypatch):
    _deny_listing(monkeypatch, fake_nmnist_root / "Train")
    with pytest.raises(UnreadableDataError, match=f"N-MNIST Train folder "
                                                  f"{fake_nmnist_root / 'Train'} cannot be read"):
        NMNISTFolder(fake_nmnist_root)


def test_an_unreadable_nmnist_file_is_an_error_naming_it(fake_nmnist_root, monkeypatch):
    bad = fake_nmnist_root / "Train" / "0" / "00002.bin"
    _deny_reading(monkeypatch, bad)
    with pytest.raises(UnreadableDataError) as info:
        NMNISTFolder(fake_nmnist_root)
    assert str(info.value) == f"N-MNIST file {bad} cannot be read (permission denied)"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a chmod 000 folder; covered by the tests above")
def test_a_chmod_000_digit_folder_is_an_error(fake_nmnist_root):
    digit = fake_nmnist_root / "Train" / "7"
    digit.chmod(0)
    try:
        with pytest.raises(UnreadableDataError, match=f"digit folder {digit} cannot be read"):
            NMNISTFolder(fake_nmnist_root)
    finally:
        digit.chmod(0o755)


def _gesture_folder(root: Path) -> Path:
    folder = root / "DVSGesture" / "ibmGestureTrain"
    for user, label in (("user01_led", 3), ("user02_led", 5)):
        write_gesture_file(folder / user / f"{label}.npy", [1], [2], [1], [100])
    return folder


def test_an_unreadable_gesture_user_folder_is_an_error(tmp_path, monkeypatch):
    # tonic lists the recordings with os.walk, which skips such a folder silently.
    user = _gesture_folder(tmp_path) / "user02_led"
    _deny_listing(monkeypatch, user)
    with pytest.raises(UnreadableDataError, match=f"DVS Gesture user folder {user} cannot "
                                                  "be read"):
        DVSGestureDataset(tmp_path)


def test_an_unreadable_gesture_folder_is_not_data_not_found(tmp_path, monkeypatch):
    folder = _gesture_folder(tmp_path)
    _deny_listing(monkeypatch, folder)
    with pytest.raises(UnreadableDataError, match=f"DVS Gesture folder {folder} cannot"):
        DVSGestureDataset(tmp_path)


def test_an_unreadable_gesture_recording_is_an_error(tmp_path, monkeypatch):
    bad = _gesture_folder(tmp_path) / "user01_led" / "3.npy"
    _deny_reading(monkeypatch, bad)
    with pytest.raises(UnreadableDataError, match=f"DVS Gesture file {bad} cannot be read"):
        DVSGestureDataset(tmp_path)


def test_an_unreadable_audio_folder_is_not_no_recordings(tmp_path, write_digits,
                                                          monkeypatch):
    root = write_digits(tmp_path, speakers=(0,))
    _deny_listing(monkeypatch, root / "audio")
    with pytest.raises(UnreadableDataError, match=f"Heidelberg Digits folder "
                                                  f"{root / 'audio'} cannot be read"):
        HeidelbergDigitsFolder(root)


def test_the_cli_stops_with_one_line_naming_the_folder(fake_nmnist_root, monkeypatch,
                                                       tmp_path, capsys):
    from lava_stllr.cli import main

    digit = fake_nmnist_root / "Train" / "9"
    _deny_listing(monkeypatch, digit)
    status = main(["train", "--dataset", "nmnist", "--data-dir", str(fake_nmnist_root),
                   "--backend", "reference", "--samples", "4", "--val-samples", "2",
                   "--epochs", "1", "--quiet", "--no-plots", "--out", str(tmp_path / "run")])
    assert status == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"lava-stllr: error: N-MNIST digit folder {digit} cannot be read")
    assert "\n" not in err
