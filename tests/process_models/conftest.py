"""A chain of learning connections and S-TLLR neurons run in Lava, shared by the model tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.proc.io.source import RingBuffer

from lava_stllr.lavanet.run_config import STLLRSimCfg


def _run_chain(spikes: np.ndarray, layers: Sequence[tuple[object, object]],
               signals: Sequence[np.ndarray], precision: str, sign_flag: bool) -> list[np.ndarray]:
    """Play ``spikes`` (pre, T) through ``(connection, neuron)`` pairs, each neuron fed its
    learning signal (n, T) by a ring buffer; the connections' weights after ``T`` steps.

    ``sign_flag`` also wires ``y1`` and the bAP (the fixed-point rule needs them).
    """
    src = RingBuffer(data=spikes.astype(float))
    pre_out = src.s_out
    for (conn, lif), sig in zip(layers, signals, strict=True):
        sig_src = RingBuffer(data=np.asarray(sig, dtype=float))
        pre_out.connect(conn.s_in)
        conn.a_out.connect(lif.a_in)
        sig_src.s_out.connect(lif.sig_in)
        lif.y2_out.connect(conn.s_in_y2)
        lif.y3_out.connect(conn.s_in_y3)
        if sign_flag:
            lif.y1_out.connect(conn.s_in_y1)
            lif.bap_out.connect(conn.s_in_bap)
        pre_out = lif.s_out
    try:
        src.run(condition=RunSteps(num_steps=spikes.shape[1]),
                run_cfg=STLLRSimCfg(precision))
        return [np.asarray(conn.weights.get()) for conn, _ in layers]
    finally:
        src.stop()


@pytest.fixture
def run_chain() -> Callable[..., list[np.ndarray]]:
    """:func:`_run_chain`."""
    return _run_chain
