"""Compile-time check shared by the fixed models: the Process carries its quantized layer."""

from __future__ import annotations

from lava.magma.core.process.process import AbstractProcess

from lava_stllr.loihi.synapse import check_layer


def require_fixed(proc: AbstractProcess, readout: bool | None = None) -> None:
    """Raise ``ValueError`` unless ``proc`` was built with ``fixed=<LayerFixed>``.

    Called by :class:`lava_stllr.lavanet.run_config.RegistryModelMap` when it selects a
    ``fixed_pt`` model for ``proc``, so the error surfaces at compile time in the host
    process (not inside a runtime process).
    """
    check_layer(proc.proc_params.get("fixed"), readout,
                f"{type(proc).__name__} ({proc.name}) with the fixed_pt models")


def require_flag_wiring(dense: AbstractProcess) -> None:
    """Raise ``ValueError`` unless the fixed rule's sign flag reaches ``dense``.

    The fixed-point rule multiplies every product by ``(y1 - 64)``: an unconnected
    ``s_in_y1`` receives 0 and would apply every update with the wrong sign and 64 times
    too large. ``s_in_y1`` must come from the neuron that sends ``y2`` (the float
    wiring check covers ``y2``/``y3``).
    """
    label = f"{type(dense).__name__} {dense.name!r} with the fixed_pt models"
    sources = dense.s_in_y1.get_src_ports()
    if len(sources) != 1:
        raise ValueError(f"{label}: s_in_y1 (the sign flag of the learning signal) needs"
                         f" exactly one source, the post neuron's y1_out; got {len(sources)}")
    y2_sources = dense.s_in_y2.get_src_ports()
    if y2_sources and sources[0].process is not y2_sources[0].process:
        raise ValueError(f"{label}: s_in_y1 comes from {sources[0].process.name!r} but"
                         f" s_in_y2 from {y2_sources[0].process.name!r}; both must come"
                         " from the same post neuron")


def check_dense(dense: AbstractProcess) -> None:
    """Compile-time check of an ``STLLRDense``: it carries its quantized layer and receives
    the sign flag ``y1`` from its post neuron."""
    require_fixed(dense)
    require_flag_wiring(dense)


def require_front_fixed(proc: AbstractProcess) -> None:
    """Raise ``ValueError`` unless a ``FrontEndLIF`` was built with
    ``fixed=<FixedFrontNeuron>`` (its integer program), at compile time."""
    from lava_stllr.onchip.frontend import FixedFrontNeuron

    if not isinstance(proc.proc_params.get("fixed"), FixedFrontNeuron):
        raise ValueError(f"{type(proc).__name__} ({proc.name}) with the fixed_pt models needs "
                         "fixed=<FixedFrontNeuron> (lava_stllr.onchip.frontend)")


def check_fused(proc: AbstractProcess) -> None:
    """Compile-time check of a ``FusedLayer`` or ``FusedOutput``: its synapse and its
    neurons or readout carry their quantized layers (the sign flag is wired inside)."""
    label = f"{type(proc).__name__} ({proc.name}) with the fixed_pt models"
    check_layer(proc.proc_params["dense"]["fixed"], None, label)
    neuron = proc.proc_params.get("neuron")
    if neuron is None:
        check_layer(proc.proc_params.get("fixed"), True, label)
    else:
        check_layer(neuron["fixed"], False, label)
