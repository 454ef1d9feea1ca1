"""The fused Processes take built parts and reject parts that do not fit together."""

from __future__ import annotations

import numpy as np
import pytest

from lava_stllr.params import STLLRParams
from lava_stllr.processes import (
    STLLRLIF,
    EventSource,
    FusedLayer,
    FusedOutput,
    OutputLayer,
    STLLRDense,
)

P = STLLRParams.preset("code_default")


def _dense(n_post: int = 4, n_pre: int = 6, **kw) -> STLLRDense:
    w = np.random.default_rng(0).normal(size=(n_post, n_pre))
    return STLLRDense(weights=w, params=P, period=7, delay=1, **kw)


def _lif(n: int = 4, feedback: bool = True) -> STLLRLIF:
    return STLLRLIF(n=n, params=P, period=7, delay=2,
                    feedback=np.full((n, 3), 0.5) if feedback else None)


def test_fused_layer_copies_its_parts() -> None:
    dense, lif = _dense(), _lif()
    src = EventSource(n_inputs=6, n_steps=5, gap=2)
    layer = FusedLayer(dense=dense, neuron=lif, source=src)
    np.testing.assert_array_equal(layer.weights.init, dense.weights.init)
    np.testing.assert_array_equal(layer.feedback.init, lif.feedback.init)
    assert (layer.syn_delay.init, layer.delay.init, layer.src_period.init) == (1, 2, 7)
    assert layer.sample_in.shape == (5, 6) and layer.sample_in.external_pipe_flag
    assert layer.s_out.shape == (4,) and layer.e_in.shape == (3,)
    assert layer.proc_params["source"] is src.proc_params["program"] and layer.params is P
    assert layer.programs() == (dense.proc_params["program"], lif.proc_params["program"],
                                src.proc_params["program"]) and layer.precision == "float"
    plain = FusedLayer(dense=_dense(), neuron=_lif())
    assert plain.proc_params["source"] is None and not plain.sample_in.external_pipe_flag


def test_fused_output_copies_its_parts() -> None:
    out = OutputLayer(n=4, beta_out=0.9, params=P, n_steps=5, gap=2, window_start=1, delay=3)
    fused = FusedOutput(dense=_dense(), output=out)
    assert fused.proc_params["n_classes"] == 4 and fused.proc_params["window_start"] == 1
    assert fused.delay.init == 3 and fused.syn_delay.init == 1
    assert fused.result_out.shape == (5,) and fused.label_in.external_pipe_flag
    with pytest.raises(ValueError, match="label"):
        fused.send_label(4, 1.0, True)
    with pytest.raises(RuntimeError, match="not started"):
        fused.receive_result(timeout=0.1)


@pytest.mark.parametrize(("factory", "match"), [
    (lambda: FusedLayer(dense=_dense(), neuron=_lif(feedback=False)), "feedback=B"),
    (lambda: FusedLayer(dense=_dense(), neuron=_lif(n=5)), "post neurons"),
    (lambda: FusedLayer(dense=_dense(n_post=4, n_pre=4, recurrent=True), neuron=_lif()),
     "recurrent"),
    (lambda: FusedLayer(dense=_dense(), neuron=_lif(),
                        source=EventSource(n_inputs=5, n_steps=3)), "EventSource of 6"),
    (lambda: FusedLayer(dense=_lif(), neuron=_lif()), "STLLRDense"),
    (lambda: FusedLayer(dense=_dense(), neuron=_dense()), "STLLRLIF"),
    (lambda: FusedOutput(dense=_dense(), output=_lif()), "OutputLayer"),
    (lambda: FusedOutput(dense=_dense(n_post=3),
                         output=OutputLayer(n=4, beta_out=0.9, params=P, n_steps=5)),
     "post neurons"),
])
def test_parts_that_do_not_fit_raise_value_error(factory, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        factory()
