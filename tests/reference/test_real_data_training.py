"""A short S-TLLR run on real N-MNIST recordings must beat chance clearly."""

from pathlib import Path

import pytest

from lava_stllr.data.binning import BinningConfig
from lava_stllr.data.cache import materialize
from lava_stllr.data.nmnist import load_nmnist_subset
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, STLLRTrainer

NMNIST = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "NMNIST"


@pytest.mark.skipif(not (NMNIST / "Train").is_dir(), reason=f"no N-MNIST data at {NMNIST}")
def test_stllr_bp_on_real_nmnist_beats_chance():
    config = BinningConfig(n_time_bins=15, t_end_us=300_000, downsample=2, max_count=1)
    train, val = load_nmnist_subset(NMNIST, n_train=240, n_val=100, config=config)
    train, val = materialize(train), materialize(val)
    spec = NetworkSpec((train.n_inputs, 64, 10))
    trainer = STLLRTrainer(spec, STLLRParams(lr=2e-3), signal="bp", optimizer="adam")
    history = trainer.fit(train, val, epochs=3, batch_size=16, progress=False)
    assert history.val_acc[-1] >= 0.4, history.val_acc  # chance is 0.1
