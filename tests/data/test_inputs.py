"""Datasets are checked where they enter: bad labels, bad counts, degenerate recordings,
folders one step off the expected layout and empty datasets are one clear ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.dataset import ArrayDataset, CheckedDataset, check_dataset, iter_batches
from lava_stllr.data.nmnist import CorruptEventFileError, NMNISTFolder
from lava_stllr.data.tonic_datasets import DVSGestureDataset
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer
from lava_stllr.reference.trainer import check_batch


class Custom:
    """A user's dataset: 4 samples of (5, 4); sample 2 gets ``label`` and ``counts``."""

    n_steps, n_inputs, n_classes = 5, 4, 3

    def __init__(self, label=1, counts=1.0, n=4):
        self.label, self.counts, self.n = label, counts, n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if i == 2:
            return np.full((5, 4), self.counts), self.label
        return np.ones((5, 4)), 0


def trainer():
    return STLLRTrainer(NetworkSpec((4, 8, 3)), STLLRParams.preset("code_default"))


@pytest.mark.parametrize("label, words", [
    (2.7, "label must be an integer in [0, 2], got 2.7"),
    (-1, "got -1"), (3, "got 3"), (np.int64(7), "got 7"), (True, "got True")])
def test_bad_label_is_refused_naming_the_sample(label, words):
    with pytest.raises(ValueError, match=r"sample 2 of Custom") as info:
        trainer().fit(Custom(label=label), epochs=1, progress=False)
    assert words in str(info.value)
    with pytest.raises(ValueError, match="sample 2"):
        trainer().evaluate(Custom(label=label))


@pytest.mark.parametrize("counts, words", [(-1.0, ">= 0, got min -1.0"),
                                           (np.nan, "20 NaN"), (np.inf, "20 Inf")])
def test_negative_or_nan_counts_are_refused_naming_the_sample(counts, words):
    with pytest.raises(ValueError, match=r"sample 2 of Custom: spike counts") as info:
        trainer().fit(Custom(counts=counts), epochs=1, progress=False)
    assert words in str(info.value)


def test_integral_float_and_numpy_labels_are_accepted():
    batches = list(iter_batches(Custom(label=np.array(2.0)), 4))
    assert batches[0][1].tolist() == [0, 0, 2, 0]


def test_wrong_sample_shape_is_refused():
    class Wrong(Custom):
        def __getitem__(self, i):
            return np.ones((5, 3)), 0

    with pytest.raises(ValueError, match=r"sample 0 of Wrong: spikes must have shape \(5, 4\)"):
        next(iter_batches(Wrong(), 2))


def test_array_dataset_refuses_negative_counts_and_names_bad_label_sample():
    spikes = np.ones((3, 2, 2))
    spikes[1, 0, 0] = -2
    with pytest.raises(ValueError, match=r"sample 1: spike counts must be >= 0, got min -2"):
        ArrayDataset(spikes, np.array([0, 1, 0]))
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\), got 5 at sample 2"):
        ArrayDataset(np.ones((3, 2, 2)), np.array([0, 1, 5]), n_classes=2)


def test_check_batch_refuses_negative_counts_and_float_labels():
    spec = NetworkSpec((4, 8, 3))
    x = np.ones((2, 5, 4))
    x[1, 0, 0] = -1
    with pytest.raises(ValueError, match=r"spike counts must be >= 0.*batch sample 1"):
        check_batch(spec, x, np.array([0, 1]))
    with pytest.raises(ValueError, match="labels must be integers"):
        check_batch(spec, np.ones((2, 5, 4)), np.array([0.0, 2.7]))


def test_empty_dataset_is_a_clear_error_not_zero_division():
    with pytest.raises(ValueError, match="no samples to play: the training set is empty"):
        trainer().fit(Custom(n=0), epochs=1, progress=False)
    with pytest.raises(ValueError, match="dataset is empty"):
        trainer().evaluate(Custom(n=0))
    with pytest.raises(ValueError, match="training set is empty"):
        check_dataset(Custom(n=0), "training set")


def test_checked_dataset_checks_each_sample_and_forwards_attributes():
    ds = CheckedDataset(Custom(label=2.7))
    assert ds.n_classes == 3 and len(ds) == 4 and ds[0][1] == 0
    with pytest.raises(ValueError, match="sample 2 of Custom"):
        ds[2]
    with pytest.raises(ValueError, match="sample 2 of Custom"):
        ds[-2]


def test_zero_filled_nmnist_file_is_refused_naming_the_file(tmp_path):
    bad = tmp_path / "Train" / "3" / "00001.bin"
    bad.parent.mkdir(parents=True)
    bad.write_bytes(bytes(25_000))  # 5,000 events all at x = y = t = 0
    ds = NMNISTFolder(tmp_path)
    with pytest.raises(CorruptEventFileError, match=f"{bad} is not a recording: all 5000"):
        ds[0]


def test_nmnist_unsorted_or_off_sensor_events_are_refused(tmp_path, write_nmnist):
    back = write_nmnist(tmp_path / "Train" / "1" / "00001.bin", [1, 2], [1, 2], [500, 100],
                        [0, 1])
    off = write_nmnist(tmp_path / "Train" / "2" / "00002.bin", [1, 40], [1, 2], [0, 100],
                       [0, 1])
    ds = NMNISTFolder(tmp_path)
    with pytest.raises(CorruptEventFileError, match=f"{back}.*non-decreasing"):
        ds[0]
    with pytest.raises(CorruptEventFileError, match=rf"{off}.*x must be in \[0, 34\)"):
        ds[1]


def test_nmnist_root_one_step_off_shows_the_layout(fake_nmnist_root):
    digit = fake_nmnist_root / "Train" / "7"
    with pytest.raises(FileNotFoundError, match="<digit>/<id>.bin") as info:
        NMNISTFolder(digit)
    assert f"give --data-dir {fake_nmnist_root} " in str(info.value)
    # The split folder itself is what the user meant: accepted.
    assert len(NMNISTFolder(fake_nmnist_root / "Train")) == len(NMNISTFolder(fake_nmnist_root))


def test_nmnist_badly_named_or_stray_files_show_the_layout(fake_nmnist_root):
    odd = fake_nmnist_root / "Train" / "7" / "sample_a.bin"
    odd.write_bytes(bytes(5))
    with pytest.raises(ValueError, match=f"{odd} is not named <id>.bin.*<digit>/<id>.bin"):
        NMNISTFolder(fake_nmnist_root)
    odd.unlink()
    stray = fake_nmnist_root / "Train" / "digits" / "00099.bin"
    stray.parent.mkdir()
    stray.write_bytes(bytes(5))
    with pytest.raises(ValueError, match=f"{stray} is outside a digit folder"):
        NMNISTFolder(fake_nmnist_root)


@pytest.mark.parametrize("bad", ["user01", "userAB_led", "user01_led/deeper", "user01_led/x.npy",
                                 "user01_led/11.npy"])
def test_dvsgesture_layout_one_step_off_shows_the_layout(tmp_path, bad):
    folder = tmp_path / "DVSGesture" / "ibmGestureTrain"
    (folder / "user02_led").mkdir(parents=True)
    np.save(folder / "user02_led" / "1.npy", np.zeros((1, 4)))
    target = folder / bad
    if target.suffix == ".npy":
        target.parent.mkdir(parents=True, exist_ok=True)
        np.save(target, np.zeros((1, 4)))
    else:
        target.mkdir(parents=True)
    with pytest.raises(ValueError, match=r"expected .*user<NN>_<lighting>/<label>.npy"):
        DVSGestureDataset(tmp_path)
