"""Layer strings (lava_stllr.spec.layers): a layer's own secondary activation, ``:<psi>``."""

from __future__ import annotations

import pytest

from lava_stllr.spec.layers import (
    ConvLayer,
    DenseLayer,
    PoolLayer,
    format_layers,
    layer_psi,
    parse_layers,
)


def test_a_layer_may_name_its_own_psi_and_the_string_round_trips():
    text = "32c3p1:triangle-p2-64c3p1-a2-256:rational"
    layers = parse_layers(text)
    assert layers == (ConvLayer(32, 3, 1, 1, psi="triangle"), PoolLayer("max", 2),
                      ConvLayer(64, 3, 1, 1), PoolLayer("avg", 2),
                      DenseLayer(256, psi="rational"))
    assert format_layers(layers) == text
    assert [layer_psi(layers[i], "sigmoid") for i in (0, 2, 4)] == [
        "triangle", "sigmoid", "rational"]


@pytest.mark.parametrize("text,words", [
    ("16c5:cosine-64", "layer 1 '16c5:cosine': psi must be one of"),
    ("16c5-p2:triangle-64", "layer 2 'p2:triangle': only a conv or dense layer takes"),
    ("16c5-64:", "layer 2 '64:': only a conv or dense layer takes"),
    ("16c5-x:triangle", "layer 2 'x' is not understood"),
])
def test_bad_psi_suffixes_are_refused_naming_the_layer(text, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        parse_layers(text)


def test_layers_check_their_psi():
    with pytest.raises(ValueError, match="psi must be one of"):
        DenseLayer(8, psi="relu")
