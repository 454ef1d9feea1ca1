"""Model registry and run config: every Process has a model per tag; plain configs fail."""

from __future__ import annotations

import numpy as np
import pytest
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import PyDenseModelFloat
from lava.proc.dense.process import Dense

from lava_stllr.lavanet.run_config import RegistryModelMap, STLLRSimCfg
from lava_stllr.params import STLLRParams
from lava_stllr.processes import PROCESSES, STLLRLIF, STLLRDense
from process_models.registry import model_for, models_for_tag, tags

P = STLLRParams()
CASES = [(proc, tag) for proc in PROCESSES for tag in tags()]


@pytest.mark.parametrize(("proc", "tag"), CASES,
                         ids=[f"{p.__name__}-{t}" for p, t in CASES])
def test_every_process_has_a_model_for_every_registered_tag(proc, tag: str) -> None:
    model = model_for(proc, tag)
    assert model.implements_process is proc
    assert model.implements_protocol is LoihiProtocol
    assert tag in model.tags
    assert issubclass(model, PyLoihiProcessModel)


def test_registry_covers_exactly_the_processes() -> None:
    for tag in tags():
        assert set(models_for_tag(tag)) == set(PROCESSES)


def test_unknown_tags_are_rejected() -> None:
    with pytest.raises(ValueError, match="unknown model tag"):
        models_for_tag("no_such_tag")
    with pytest.raises(ValueError, match="unknown model tag"):
        STLLRSimCfg(select_tag="no_such_tag")
    with pytest.raises(ValueError, match="precision must be one of"):
        STLLRSimCfg("fixed_pt")
    with pytest.raises(ValueError, match="not both"):
        STLLRSimCfg("float", select_tag="floating_pt")
    assert STLLRSimCfg("fixed").select_tag == "fixed_pt"
    assert STLLRSimCfg(select_tag="fixed_pt").precision == "fixed"
    with pytest.raises(KeyError, match="Dense"):
        model_for(Dense, "floating_pt")


def test_model_map_resolves_instances_and_classes_and_falls_through() -> None:
    lif = STLLRLIF(n=2, params=P)
    dense = Dense(weights=np.eye(2))
    mapping = RegistryModelMap("floating_pt")
    assert lif in mapping and STLLRLIF in mapping
    assert mapping[lif] is mapping[STLLRLIF] is model_for(STLLRLIF, "floating_pt")
    assert dense not in mapping and Dense not in mapping
    with pytest.raises(KeyError):
        mapping[dense]
    override = RegistryModelMap("floating_pt", {Dense: PyDenseModelFloat})
    assert override[dense] is PyDenseModelFloat
    assert len(override) == len(PROCESSES) + 1


@pytest.mark.timeout(60)
def test_stllr_sim_cfg_selects_registry_models_never_guards() -> None:
    w = np.full((2, 3), 0.1)
    conn = STLLRDense(weights=w, params=P)
    lif = STLLRLIF(n=2, params=P)
    fb = Dense(weights=np.eye(2), num_message_bits=24)
    conn.a_out.connect(lif.a_in)
    lif.y2_out.connect(conn.s_in_y2)
    lif.y3_out.connect(conn.s_in_y3)
    lif.s_out.connect(fb.s_in)
    try:
        executable = lif.compile(run_cfg=STLLRSimCfg())
        chosen = {type(p): b.proc_model for p, b in executable.proc_builders.items()}
    finally:
        lif.stop()
    assert chosen[STLLRDense] is model_for(STLLRDense, "floating_pt")
    assert chosen[STLLRLIF] is model_for(STLLRLIF, "floating_pt")
    assert chosen[Dense] is PyDenseModelFloat


@pytest.mark.timeout(60)
@pytest.mark.parametrize("select_tag", [None, "floating_pt"])
def test_plain_loihi2_sim_cfg_fails_with_a_clear_error(select_tag) -> None:
    lif = STLLRLIF(n=2, params=P)
    try:
        with pytest.raises(RuntimeError, match="STLLRSimCfg"):
            lif.compile(run_cfg=Loihi2SimCfg(select_tag=select_tag))
    finally:
        lif.stop()
