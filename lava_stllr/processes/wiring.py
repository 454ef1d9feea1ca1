"""Build-time check of a learning connection's third-factor wiring.

An :class:`~lava_stllr.processes.STLLRDense` learns from the ``y2``/``y3`` its post
neuron sends every step. Wired wrongly, a Lava network fails silently or hangs:

- an unconnected ``s_in_y2``/``s_in_y3`` receives zeros: the synapse never learns;
- Lava's stock learning neurons (``LearningLIF``, any ``LearningNeuronProcess``) never
  send their third factors, so the synapse waits for them and the run hangs for ever;
- swapped ports (``y3_out -> s_in_y2``) or factors from two different neurons learn
  something other than S-TLLR.

:class:`~lava_stllr.lavanet.run_config.STLLRSimCfg` calls :func:`check_learning_wiring` on every
``STLLRDense`` when the network is compiled, so these raise a ``ValueError`` naming the
connection before any process starts.
"""

from __future__ import annotations

from typing import Any

from lava.magma.core.process.neuron import LearningNeuronProcess

from lava_stllr.processes.dense import STLLRDense


def wired_factors(program: Any, update: str, post_sends_bap: bool = True) -> tuple[bool, bool]:
    """Whether a synapse with ``program`` needs its post neuron's ``y1`` and its bAP: each
    when its rule reads it (the sign flag; the bAP, which a readout sends only as a
    per-sample gate) or, per sample, when it carries the gate (``program.gate``).
    Unwired, those InPorts receive zeros. The network's wiring and the fused models both
    ask this."""
    per_sample = update == "sample"
    return (bool(program.reads_sign_flag) or (per_sample and program.gate == "y1"),
            (bool(program.reads_bap) and post_sends_bap)
            or (per_sample and program.gate == "bap"))


def check_sign_flag_wiring(dense: STLLRDense) -> None:
    """Raise ``ValueError`` unless a rule that reads the sign flag gets it from its post
    neuron: the fixed-point rule multiplies every product by ``(y1 - 64)``, and an
    unconnected ``s_in_y1`` receives 0, which would apply every update with the wrong
    sign and 64 times too large."""
    if not dense.proc_params["program"].reads_sign_flag:
        return
    label = f"STLLRDense {dense.name!r} with a {dense.precision}-point program"
    sources = dense.s_in_y1.get_src_ports()
    if len(sources) != 1:
        raise ValueError(f"{label}: s_in_y1 (the sign flag of the learning signal) needs"
                         f" exactly one source, the post neuron's y1_out; got {len(sources)}")
    y2_sources = dense.s_in_y2.get_src_ports()
    if y2_sources and sources[0].process is not y2_sources[0].process:
        raise ValueError(f"{label}: s_in_y1 comes from {sources[0].process.name!r} but"
                         f" s_in_y2 from {y2_sources[0].process.name!r}; both must come"
                         " from the same post neuron")


#: The learning InPorts of STLLRDense and the factor each must receive.
LEARNING_PORTS = (("s_in_y2", "y2"), ("s_in_y3", "y3"))


def _sender(dense: STLLRDense, port_name: str, factor: str):
    """The single source OutPort of ``dense.<port_name>``, checked."""
    label = f"STLLRDense {dense.name!r}"
    sources = getattr(dense, port_name).get_src_ports()
    if not sources:
        raise ValueError(
            f"{label}: learning port {port_name} is not connected, so the synapse would "
            f"never learn; connect the post neuron's {factor}_out (STLLRLIF or LeakyReadout) "
            f"to it, e.g. lif.{factor}_out.connect(dense.{port_name})")
    if len(sources) > 1:
        names = ", ".join(f"{p.process.name}.{p.name}" for p in sources)
        raise ValueError(f"{label}: learning port {port_name} receives from {len(sources)} "
                         f"ports ({names}); it needs exactly one post neuron")
    src = sources[0]
    proc = src.process
    if isinstance(proc, LearningNeuronProcess):
        raise ValueError(
            f"{label}: {port_name} is connected to {type(proc).__name__} {proc.name!r}, a "
            f"stock Lava learning neuron whose models never send their third factors (the "
            f"run would hang); use lava_stllr.processes.STLLRLIF")
    other = "y3" if factor == "y2" else "y2"
    if other in src.name and factor not in src.name:
        raise ValueError(
            f"{label}: {port_name} is connected to {proc.name}.{src.name}: the {factor} and "
            f"{other} factors are swapped; connect {factor}_out to {port_name}")
    return proc


def check_learning_wiring(dense: STLLRDense) -> None:
    """Raise ``ValueError`` unless ``dense``'s learning ports are wired to one neuron.

    Parameters
    ----------
    dense : STLLRDense
        The learning connection to check.

    Raises
    ------
    ValueError
        If ``s_in_y2`` or ``s_in_y3`` is unconnected, has several sources, comes from a
        stock Lava learning neuron (which would hang the run), is swapped with the other
        factor, or if the two factors come from different Processes.
    """
    if not isinstance(dense, STLLRDense):
        raise ValueError(f"expected an STLLRDense, got {type(dense).__name__}")
    senders = [_sender(dense, port, factor) for port, factor in LEARNING_PORTS]
    if senders[0] is not senders[1]:
        raise ValueError(
            f"STLLRDense {dense.name!r}: s_in_y2 comes from {senders[0].name!r} but s_in_y3 "
            f"from {senders[1].name!r}; both must come from the same post neuron")
    check_sign_flag_wiring(dense)
