"""Both ends of every connection between the plugin's Processes declare the same Lava type.

Lava's CPU simulator builds a channel with the sender's type, so a receiving port typed by
a wrong role changes nothing here; on hardware the declared types are what the ports get.
"""

from __future__ import annotations

import pytest

from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.params import STLLRParams
from lava_stllr.processes import PROCESSES
from process_models.registry import model_for, tag_for

P = STLLRParams.preset("code_default", psi="triangle")


def _connections(net: STLLRNetwork) -> list[tuple]:
    procs = {id(p): p for name in ("source", "dense", "recurrent", "hidden", "readout",
                                   "error", "labels")
             for p in (getattr(net, name) if isinstance(getattr(net, name), list)
                       else [getattr(net, name)])}
    pairs = []
    for proc in procs.values():
        for port in proc.out_ports:
            for dst in port.out_connections:
                if type(dst.process) in PROCESSES:
                    pairs.append((proc, port.name, dst.process, dst.name))
    return pairs


@pytest.mark.parametrize(("precision", "fuse", "update"), [
    ("float", False, "step"), ("fixed", False, "step"), ("fixed", False, "sample"),
    ("fixed", "feedback", "sample"), ("fixed", True, "step"), ("float", True, "sample")])
def test_senders_and_receivers_declare_the_same_types(precision: str, fuse, update: str
                                                       ) -> None:
    net = STLLRNetwork((12, 6, 5, 3), 6, params=P, precision=precision, fuse=fuse,
                       update=update, recurrent=fuse == "feedback")
    tag = tag_for(precision)
    try:
        pairs = _connections(net)
        assert pairs
        for src, out_name, dst, in_name in pairs:
            sent = getattr(model_for(type(src), tag), out_name)
            received = getattr(model_for(type(dst), tag), in_name)
            assert (sent.d_type, sent.precision) == (received.d_type, received.precision), (
                f"{type(src).__name__}.{out_name} -> {type(dst).__name__}.{in_name}")
    finally:
        net.close()
