"""Weight averaging over the last epochs: fit(average_last=N) leaves the mean of the
end-of-epoch weights of the last N epochs, and scores them."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.data.synthetic import synthetic_train_val
from lava_stllr.params import STLLRParams
from lava_stllr.reference import BPTTTrainer, NetworkSpec, STLLRTrainer
from lava_stllr.reference.averaging import WeightAverage
from lava_stllr.reference.conv_stllr import ConvSTLLRTrainer
from lava_stllr.spec.conv import ConvNetSpec


def _dense(spec):
    return STLLRTrainer(spec, STLLRParams(lr=0.05), optimizer="adam", seed=3)


def _bptt(spec):
    return BPTTTrainer(spec, STLLRParams(lr=0.05), optimizer="adam", seed=3)


def _conv(_):
    spec = ConvNetSpec.parse("2c5s3-6", (2, 16, 16), 4)  # the 512 synthetic inputs
    return ConvSTLLRTrainer(spec, STLLRParams(lr=0.05), optimizer="adam", seed=3,
                            standardize=True)


@pytest.mark.parametrize("make", [_dense, _bptt, _conv], ids=["stllr", "bptt", "conv-ws"])
def test_the_weights_are_the_mean_of_the_last_epochs(make):
    train, val = synthetic_train_val(32, 8, seed=2)
    spec = NetworkSpec((train.n_inputs, 12, train.n_classes), recurrent=True)

    def fitted(epochs, **kwargs):
        trainer = make(spec)
        history = trainer.fit(train, val, epochs=epochs, batch_size=16, progress=False,
                              lr_decay=0.9, **kwargs)
        return trainer, history

    # An epoch does not depend on how many follow: fit(k) ends where epoch k of fit(4) ends.
    ends = [fitted(k)[0].weights.arrays() for k in (2, 3, 4)]
    averaged, history = fitted(4, average_last=3)
    plain = fitted(4)[1]
    for got, *seen in zip(averaged.weights.arrays(), *ends, strict=True):
        np.testing.assert_allclose(got, np.mean(seen, axis=0), rtol=0, atol=1e-12)
        assert not np.allclose(got, seen[-1])
    assert history.val_acc == plain.val_acc  # the per-epoch history: weights as they trained
    loss, acc = averaged.evaluate(val)
    assert (history.averaged_val_loss, history.averaged_val_acc) == (loss, acc)
    assert history.final_val == (loss, acc)
    assert plain.averaged_val_acc is None and plain.final_val == (plain.val_loss[-1],
                                                                  plain.val_acc[-1])


def test_average_last_is_checked_before_training():
    train, _ = synthetic_train_val(32, 8, seed=2)
    trainer = _dense(NetworkSpec((train.n_inputs, 12, train.n_classes)))
    before = [w.copy() for w in trainer.weights.arrays()]
    with pytest.raises(ValueError, match=r"average_last must be <= epochs \(2\), got 3"):
        trainer.fit(train, epochs=2, average_last=3, progress=False)
    with pytest.raises(ValueError, match="average_last must be"):
        trainer.fit(train, epochs=2, average_last=0, progress=False)
    for a, b in zip(before, trainer.weights.arrays(), strict=True):
        assert a.tobytes() == b.tobytes()
    with pytest.raises(ValueError, match="no epoch's weights"):
        WeightAverage(first_epoch=0).weights()
