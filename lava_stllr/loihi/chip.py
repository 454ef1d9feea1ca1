"""Loihi 2 chip sizes for resource estimates: the one place that states them, with sources.

These are **public secondary sources** (news reports of the 2021 announcement, WikiChip,
open-neuromorphic.org), not an Intel datasheet; Intel's "Loihi 2 technology brief" was
not available to check them against. They are the sizes ``lava-stllr resources`` packs a
network into (:func:`neurons_per_core`), and they bound an estimate, not a mapping: the
compiler that maps Lava Processes onto Loihi 2 (in the closed ``lava-loihi`` package) may
pack differently. Bit widths of weights, traces and tags are in
:mod:`lava_stllr.loihi.widths` (read from Lava's source), not here.

Pure Python: importing this module imports neither NumPy nor Lava.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class ChipFact:
    """One size of the chip: ``value`` in ``unit``, and where the number comes from."""

    name: str
    value: int
    unit: str
    source: str


_OPEN_NEUROMORPHIC = ("open-neuromorphic.org "
                      "(https://open-neuromorphic.org/neuromorphic-computing/hardware/"
                      "loihi-2-intel/)")
_WIKICHIP = ("WikiChip "
             "(https://en.wikichip.org/w/index.php?title=intel/loihi_2&oldid=102417)")
_ANNOUNCEMENT = ("reports of Intel's Loihi 2 announcement, Sept. 2021, e.g. "
                 "https://fbhtechinfo.com/intels-new-loihi-2-chip-uses-1-million-neurons/")

#: Asynchronous neuro-cores per chip, in an 8 x 16 mesh.
NEURO_CORES = ChipFact("neuro-cores per chip", 128, "cores",
                       f"{_OPEN_NEUROMORPHIC}; 8x16 mesh: {_ANNOUNCEMENT}")
#: Embedded x86 (Lakemont) cores per chip: spike I/O, management, host-side helpers.
EMBEDDED_CORES = ChipFact("embedded x86 cores per chip", 6, "cores", _OPEN_NEUROMORPHIC)
#: Neurons per chip ("up to 1 million"; WikiChip gives 1,048,576 = 128 x 8,192).
NEURONS_PER_CHIP = ChipFact("neurons per chip", 1_000_000, "neurons",
                            f"{_OPEN_NEUROMORPHIC} ('up to 1 million'); {_WIKICHIP} "
                            "(1,048,576)")
#: Synapses per chip ("up to 120 million").
SYNAPSES_PER_CHIP = ChipFact("synapses per chip", 120_000_000, "synapses",
                             f"{_OPEN_NEUROMORPHIC}; {_WIKICHIP}")
#: Neurons per neuro-core: 1,048,576 neurons over 128 cores ("up to about 8,000").
NEURONS_PER_CORE = ChipFact("neurons per neuro-core", 8192, "neurons",
                            f"{_WIKICHIP}: 1,048,576 neurons / 128 cores")
#: Local SRAM per neuro-core, shared flexibly by synapses, neuron state, microcode and
#: routing tables ("about 128 KB"; taken as 128 KiB).
SRAM_PER_CORE = ChipFact("SRAM per neuro-core", 128 * 1024, "bytes", _ANNOUNCEMENT)

#: Every fact, in the order a listing prints them.
FACTS: tuple[ChipFact, ...] = (NEURO_CORES, EMBEDDED_CORES, NEURONS_PER_CHIP,
                               SYNAPSES_PER_CHIP, NEURONS_PER_CORE, SRAM_PER_CORE)


@dataclass(frozen=True)
class CoreBudget:
    """What one neuro-core offers a layer: a neuron limit and an SRAM budget in bits."""

    neurons: int = NEURONS_PER_CORE.value
    sram_bits: int = 8 * SRAM_PER_CORE.value

    def __post_init__(self) -> None:
        for name in ("neurons", "sram_bits"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} per core must be an integer >= 1, got {value!r}")


def neurons_per_core(bits_per_neuron: int, bits_per_core: int,
                     budget: CoreBudget | None = None) -> tuple[int, str]:
    """How many neurons of a layer one core holds, and what binds it.

    Parameters
    ----------
    bits_per_neuron : int
        SRAM a neuron brings with it: its incoming synapses (stored in the core of the
        post neuron) and its state.
    bits_per_core : int
        SRAM every core of the layer needs whatever its share of neurons, e.g. one pre
        trace per input axon of a learning connection.
    budget : CoreBudget, optional
        The core's limits (default: :data:`NEURONS_PER_CORE`, :data:`SRAM_PER_CORE`).

    Returns
    -------
    count, binding : int, str
        Neurons per core, and ``"neurons"`` (the neuron limit binds) or ``"memory"``
        (the SRAM budget does).

    Raises
    ------
    ValueError
        If not even one neuron fits in a core.
    """
    if bits_per_neuron < 1 or bits_per_core < 0:
        raise ValueError(f"bits per neuron must be >= 1 and bits per core >= 0, got "
                         f"{bits_per_neuron} and {bits_per_core}")
    budget = budget or CoreBudget()
    by_memory = (budget.sram_bits - bits_per_core) // bits_per_neuron
    if by_memory < 1:
        raise ValueError(f"one neuron ({bits_per_neuron} bits) and the per-core state "
                         f"({bits_per_core} bits) exceed a core's {budget.sram_bits} SRAM "
                         "bits: the layer's fan-in must be split over cores (not modelled)")
    if by_memory >= budget.neurons:
        return budget.neurons, "neurons"
    return by_memory, "memory"


def cores_needed(n_neurons: int, bits_per_neuron: int, bits_per_core: int,
                 budget: CoreBudget | None = None) -> tuple[int, str]:
    """Cores for ``n_neurons`` neurons packed by :func:`neurons_per_core` (0 for none),
    and what binds the packing (``"-"`` when one core holds them all)."""
    if n_neurons <= 0:
        return 0, "-"
    per_core, binding = neurons_per_core(bits_per_neuron, bits_per_core, budget)
    if n_neurons <= per_core:
        return 1, "-"
    return math.ceil(n_neurons / per_core), binding


def chips_needed(cores: int, neurons: int, synapses: int) -> int:
    """Chips whose cores, neurons and synapses per chip hold the totals (at least 1)."""
    return max(1, math.ceil(cores / NEURO_CORES.value),
               math.ceil(neurons / NEURONS_PER_CHIP.value),
               math.ceil(synapses / SYNAPSES_PER_CHIP.value))
