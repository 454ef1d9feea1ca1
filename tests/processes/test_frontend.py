"""The front-end Processes: ports, Vars and argument checks."""

from __future__ import annotations

import pytest

from lava_stllr.onchip.conv_stages import FixedFrontNeuron, pool_program
from lava_stllr.params import STLLRParams
from lava_stllr.processes import FrontEndLIF, SpikePool

PARAMS = STLLRParams.preset("code_default")


def test_front_end_lif_declares_its_map_and_clock() -> None:
    lif = FrontEndLIF(shape=(6, 5, 2), params=PARAMS, period=9, delay=2, n_steps=6,
                      program=FixedFrontNeuron(614, 100, "soft"))
    assert lif.a_in.shape == lif.s_out.shape == lif.u.shape == (6, 5, 2)
    assert (int(lif.period.init), int(lif.delay.init), int(lif.n_steps.init)) == (9, 2, 6)


@pytest.mark.parametrize("kwargs,match", [
    (dict(shape=(6, 5)), "shape"), (dict(delay=-1), "delay"), (dict(n_steps=0), "n_steps"),
    (dict(period=0), "period"), (dict(params="code_default"), "params"),
    (dict(program="yes"), "FrontNeuronProgram")])
def test_front_end_lif_rejects_bad_arguments(kwargs: dict, match: str) -> None:
    args = dict(shape=(6, 5, 2), params=PARAMS, period=9, delay=2, n_steps=6) | kwargs
    with pytest.raises(ValueError, match=match):
        FrontEndLIF(**args)


def test_spike_pool_output_drops_the_remainder() -> None:
    pool = SpikePool(shape=(7, 5, 3), kind="avg", kernel=2)
    assert pool.precision == "float" and not pool.proc_params["program"].count
    fixed = SpikePool(shape=(7, 5, 3), program=pool_program("avg", 2, "fixed"))
    assert fixed.precision == "fixed" and fixed.proc_params["program"].count
    with pytest.raises(ValueError, match="not both"):
        SpikePool(shape=(7, 5, 3), kind="avg", program=pool_program("avg", 2))
    with pytest.raises(ValueError, match="kind and kernel"):
        SpikePool(shape=(7, 5, 3), kind="avg")
    assert pool.s_in.shape == (7, 5, 3) and pool.a_out.shape == (3, 2, 3)
    with pytest.raises(ValueError, match="kind"):
        SpikePool(shape=(4, 4, 1), kind="min", kernel=2)
    with pytest.raises(ValueError, match="larger"):
        SpikePool(shape=(4, 4, 1), kind="max", kernel=5)


def test_fixed_front_neuron_threshold_must_fit() -> None:
    with pytest.raises(ValueError, match="vth"):
        FixedFrontNeuron(614, 0, "soft")
