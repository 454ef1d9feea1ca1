"""Tests of the linear-classifier diagnostics on the synthetic moving-bar dataset."""

from __future__ import annotations

import pytest

from lava_stllr.data.diagnostics import (
    count_classifier_accuracy,
    linear_classifier_accuracy,
    time_resolved_classifier_accuracy,
)
from lava_stllr.data.synthetic import SyntheticConfig, synthetic_train_val

# --- learnability: direction lies only in the timing --------------------------------


def test_count_classifier_stays_well_below_target(default_split):
    train, val = default_split
    acc = count_classifier_accuracy(train, val)
    assert acc < 0.7  # at most orientation is visible in the count maps: ~0.5


def test_count_classifier_is_at_chance_for_left_right():
    config = SyntheticConfig(n_classes=2)
    train, val = synthetic_train_val(n_train=400, n_val=200, seed=0, config=config)
    assert count_classifier_accuracy(train, val) < 0.65


def test_time_resolved_classifier_is_accurate(default_split):
    train, val = default_split
    assert time_resolved_classifier_accuracy(train, val) >= 0.9


def test_named_wrappers_are_the_general_classifier(default_split):
    train, val = default_split
    assert count_classifier_accuracy(train, val, n_iter=20) == linear_classifier_accuracy(
        train, val, "counts", n_iter=20)
    assert time_resolved_classifier_accuracy(train, val, n_iter=20) == (
        linear_classifier_accuracy(train, val, "time_resolved", n_iter=20))


@pytest.mark.parametrize("kwargs, name", [({"features": "rates"}, "features"),
                                          ({"n_iter": 2.5}, "n_iter"), ({"l2": -1.0}, "l2")])
def test_bad_arguments(default_split, kwargs, name):
    train, val = default_split
    with pytest.raises(ValueError, match=name):
        linear_classifier_accuracy(train, val, **kwargs)
