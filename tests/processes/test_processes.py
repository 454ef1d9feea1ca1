"""Construction of the lava-stllr Processes: ports, Vars and argument checks."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from lava.magma.core.model.sub.model import AbstractSubProcessModel

from lava_stllr.learning_rule import STLLR_DW
from lava_stllr.params import STLLRParams
from lava_stllr.processes import (
    LABEL_SIZE,
    PROCESSES,
    STLLRLIF,
    EventSource,
    LabelSource,
    LeakyReadout,
    OutputError,
    STLLRDense,
    guards,
)

P = STLLRParams()


def test_dense_ports_and_vars() -> None:
    w = np.arange(12.0).reshape(3, 4)
    d = STLLRDense(weights=w, params=P, period=10, delay=2)
    assert d.s_in.shape == (4,) and d.a_out.shape == (3,)
    assert d.s_in_y2.shape == d.s_in_y3.shape == (3,)
    np.testing.assert_array_equal(d.weights.init, w)
    assert d.x1.shape == (4,) and d.a_buff.shape == (3,)
    assert d.period.init == 10 and d.delay.init == 2
    assert d.learning_rule.dw_str == STLLR_DW
    assert d.params is P


def test_dense_weights_are_copied() -> None:
    w = np.ones((2, 2))
    d = STLLRDense(weights=w, params=P)
    w[0, 0] = 5.0
    assert d.weights.init[0, 0] == 1.0
    assert d.period.init == 0  # no sample boundaries


def test_neuron_readout_error_and_sources_ports() -> None:
    lif = STLLRLIF(n=5, params=P, period=7, delay=1)
    assert lif.a_in.shape == lif.sig_in.shape == lif.s_out.shape == (5,)
    assert lif.y2_out.shape == lif.y3_out.shape == lif.u.shape == lif.trpsi.shape == (5,)
    ro = LeakyReadout(n=3, beta_out=0.8, params=P, period=7, delay=2)
    assert ro.a_in.shape == ro.e_in.shape == ro.z_out.shape == ro.z.shape == (3,)
    err = OutputError(n=3, n_steps=5, gap=2, window_start=1, delay=2)
    assert err.label_in.shape == (LABEL_SIZE,) and err.e_out.shape == (3,)
    assert err.result_out.shape == (4,) and err.result_out.external_pipe_flag
    assert err.period.init == 7
    src = EventSource(n_inputs=6, n_steps=5, gap=2)
    assert src.sample_in.shape == (5, 6) and src.sample_in.external_pipe_flag
    assert src.s_out.shape == (6,) and src.period.init == 7
    lab = LabelSource(n_classes=3, period=7, delay=2)
    assert lab.label_out.shape == (LABEL_SIZE,) and lab.label_in.external_pipe_flag


@pytest.mark.parametrize(
    ("factory", "match"),
    [
        (lambda: STLLRDense(weights=np.ones(3), params=P), "2-D"),
        (lambda: STLLRDense(weights=np.full((2, 2), np.nan), params=P), "NaN"),
        (lambda: STLLRDense(weights=np.ones((2, 2)), params=STLLRParams(lam_pre=0.0)),
         "lam_pre"),
        (lambda: STLLRDense(weights=np.ones((2, 2)), params={}), "STLLRParams"),
        (lambda: STLLRDense(weights=np.ones((2, 2)), params=P, period=0), "period"),
        (lambda: STLLRDense(weights=np.ones((2, 2)), params=P, delay=-1), "delay"),
        (lambda: STLLRDense(weights=np.ones((2, 2)), params=P, program=P), "SynapseProgram"),
        (lambda: STLLRDense(weights=np.ones((2, 2)), params=P, recurrent=1), "recurrent"),
        (lambda: STLLRLIF(n=0, params=P), "n must be"),
        (lambda: STLLRLIF(n=2.5, params=P), "n must be"),
        (lambda: LeakyReadout(n=2, beta_out=1.5, params=P), "beta_out"),
        (lambda: OutputError(n=1, n_steps=4), "n must be"),
        (lambda: OutputError(n=3, n_steps=4, window_start=4), "window_start"),
        (lambda: EventSource(n_inputs=3, n_steps=0), "n_steps"),
        (lambda: EventSource(n_inputs=3, n_steps=2, gap=-1), "gap"),
        (lambda: LabelSource(n_classes=3, period=0), "period"),
    ],
)
def test_invalid_arguments_raise_value_error(factory, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        factory()


def test_host_side_checks_before_the_runtime_exists() -> None:
    src = EventSource(n_inputs=3, n_steps=2)
    with pytest.raises(ValueError, match="shape"):
        src.send_sample(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        src.send_sample(np.full((2, 3), np.inf))
    with pytest.raises(RuntimeError, match="not started"):
        src.send_sample(np.zeros((2, 3)))
    lab = LabelSource(n_classes=3, period=4)
    with pytest.raises(ValueError, match="label"):
        lab.send_label(3, True, True)
    with pytest.raises(RuntimeError, match="not started"):
        lab.send_label(2, True, True)
    err = OutputError(n=3, n_steps=4)
    with pytest.raises(RuntimeError, match="not started"):
        err.receive_result(timeout=0.1)


@pytest.mark.parametrize("proc", PROCESSES, ids=lambda p: p.__name__)
def test_every_process_has_an_untagged_guard(proc) -> None:
    found = [obj for obj in vars(guards).values()
             if isinstance(obj, type) and getattr(obj, "implements_process", None) is proc]
    assert len(found) == 1
    guard = found[0]
    assert issubclass(guard, AbstractSubProcessModel)
    assert not guard.tags  # selected by any select_tag of a plain run config


@pytest.mark.timeout(60)
def test_importing_processes_has_no_side_effects() -> None:
    code = ("import sys, lava_stllr.processes; "
            "print(any(m.startswith('process_models') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=60)
    assert out.stdout.strip() == "False"
