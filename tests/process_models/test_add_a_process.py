"""The recipe "How to add a Process" of docs/architecture.md, followed end to end.

A toy ``SpikeCounter`` (counts each input's spikes; its program says how) is declared as
the plugin's Processes are, given a shared model base and one model per tag, registered,
and run in Lava with the run config in both precisions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import pytest
from lava.magma.core.process.ports.ports import InPort
from lava.magma.core.process.variable import Var
from lava.magma.core.run_conditions import RunSteps
from lava.proc.io.source import RingBuffer

import process_models.fixed_pt as fixed_pt
import process_models.floating_pt as floating_pt
from lava_stllr.lavanet import run_config
from lava_stllr.lavanet.run_config import STLLRSimCfg
from lava_stllr.onchip.protocols import check_program
from lava_stllr.processes._base import STLLRProcess
from process_models import registry
from process_models.shared.base import IN, VAR, ProgramModel
from process_models.shared.tagged import tagged


# Step 1: the program, for every precision it runs in (what the step computes); its
# protocol, with a precision and the one method the step calls.
@runtime_checkable
class CountProgramProtocol(Protocol):
    precision: str

    def add(self, count: np.ndarray, spikes: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class CountProgram:
    precision: str
    dtype: ClassVar[dict[str, type]] = {"float": np.float64, "fixed": np.int32}

    def add(self, count: np.ndarray, spikes: np.ndarray) -> np.ndarray:
        return count + (np.asarray(spikes) != 0).astype(self.dtype[self.precision])


# Step 2: the Process declares ports and Vars and carries its (checked) program.
class SpikeCounter(STLLRProcess):
    def __init__(self, *, n: int, program: CountProgramProtocol) -> None:
        program = check_program("program", program, CountProgramProtocol)
        super().__init__(shape=(n,), program=program)
        self.s_in = InPort(shape=(n,))
        self.count = Var(shape=(n,), init=0)


# Step 3: a shared base: port roles and the run_spk every tag runs.
class SpikeCounterModel(ProgramModel):
    PROCESS = SpikeCounter
    PORT_ROLES = {"s_in": (IN, "spikes"), "count": (VAR, "membrane")}

    def run_spk(self) -> None:
        self.count = self._program.add(self.count, self.s_in.recv())


# Step 4: one model per tag, typed by the tag's roles (float64 or Loihi 2's int32).
@tagged(floating_pt.TAG, floating_pt.PRECISION, floating_pt.ROLE_TYPES)
class PySpikeCounterModelFloat(SpikeCounterModel):
    """Float spike counter."""


@tagged(fixed_pt.TAG, fixed_pt.PRECISION, fixed_pt.ROLE_TYPES)
class PySpikeCounterModelFixed(SpikeCounterModel):
    """Integer spike counter."""


@pytest.fixture
def registered(monkeypatch: pytest.MonkeyPatch) -> None:
    """Steps 2 and 4: the Process in ``PROCESSES``, each model in its tag's ``MODELS``
    (patched here; the recipe edits the two tuples). Step 5 (networks build it) does not
    apply to a Process no network uses."""
    from lava_stllr import processes

    with_counter = (*processes.PROCESSES, SpikeCounter)
    for module in (processes, registry, run_config):
        monkeypatch.setattr(module, "PROCESSES", with_counter)
    monkeypatch.setattr(floating_pt, "MODELS", (*floating_pt.MODELS, PySpikeCounterModelFloat))
    monkeypatch.setattr(fixed_pt, "MODELS", (*fixed_pt.MODELS, PySpikeCounterModelFixed))
    registry.models_for_tag.cache_clear()
    yield
    registry.models_for_tag.cache_clear()


@pytest.mark.timeout(120)
@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_a_new_process_runs_in_both_precisions(registered: Any, precision: str) -> None:
    spikes = (np.random.default_rng(0).random((5, 12)) < 0.4).astype(float)
    source = RingBuffer(data=spikes)
    counter = SpikeCounter(n=5, program=CountProgram(precision))
    source.s_out.connect(counter.s_in)
    assert registry.model_for(SpikeCounter, registry.tag_for(precision)).PRECISION == precision
    model = registry.model_for(SpikeCounter, registry.tag_for(precision))
    assert model.count.d_type == (float if precision == "float" else np.int32)
    try:
        source.run(condition=RunSteps(num_steps=12), run_cfg=STLLRSimCfg(precision))
        np.testing.assert_array_equal(counter.count.get(), spikes.sum(axis=1))
    finally:
        source.stop()


@pytest.mark.timeout(60)
def test_a_new_process_with_a_program_of_the_other_precision_is_refused(
        registered: Any) -> None:
    with pytest.raises(ValueError, match="CountProgramProtocol"):
        SpikeCounter(n=3, program="float")
    source = RingBuffer(data=np.zeros((3, 4)))
    counter = SpikeCounter(n=3, program=CountProgram("float"))
    source.s_out.connect(counter.s_in)
    try:
        with pytest.raises(ValueError, match="float program"):
            source.compile(run_cfg=STLLRSimCfg("fixed"))
    finally:
        source.stop()
