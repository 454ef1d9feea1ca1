"""``lava-stllr resources RUN``: what a run's network would need on Loihi 2 (an estimate).

Per layer of the network as the Lava backend runs it (dense layers learning with DFA, a
conv network's conv and pool layers as a frozen front-end,
:mod:`lava_stllr.lavanet.conv_front_end`): neurons, synapses, synaptic memory, the
learning engine's traces and tags, and neuro-cores. Chip sizes come from
:mod:`lava_stllr.loihi.chip` (public secondary sources), bit widths from
:mod:`lava_stllr.loihi.widths` (Lava's fixed-point models). Nothing here has been checked
on Loihi 2 hardware: see ``docs/loihi2.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import textwrap
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import add_command, positive_int
from lava_stllr.loihi import chip
from lava_stllr.loihi.widths import (
    ACTIVATION_BITS,
    MEMBRANE_BITS,
    TAG_MAGNITUDE_BITS,
    THIRD_FACTOR_BITS,
    TRACE_BITS,
    WEIGHT_SIGNED_BITS,
)

#: Bits of one synaptic weight: 8-bit magnitude + sign (``W_WEIGHTS_S``).
WEIGHT_BITS = WEIGHT_SIGNED_BITS
#: Bits of one synaptic tag ``tag_1``: 8-bit magnitude + sign (``W_TAG_1_S``), per learning
#: synapse, only with per-sample updates.
TAG_BITS = TAG_MAGNITUDE_BITS + 1
#: Bits of the pre trace x1, one per input axon of a learning connection in every core.
PRE_TRACE_BITS = TRACE_BITS
#: Bits of the third factors y1, y2, y3 of one learning post neuron.
POST_FACTOR_BITS = 3 * THIRD_FACTOR_BITS
#: Neuron state of each kind of neuron, in bits: the 24-bit membrane (or readout ``z``),
#: one 16-bit input per dendrite, and the 7-bit post trace of an S-TLLR neuron.
STATE_BITS = {
    "lif": MEMBRANE_BITS + 2 * ACTIVATION_BITS + TRACE_BITS,  # a_in and sig_in (DFA)
    "readout": MEMBRANE_BITS + 2 * ACTIVATION_BITS,           # a_in and e_in
    "front": MEMBRANE_BITS + ACTIVATION_BITS,                 # a_in
}
HOST = "host/x86"
CORES = "neuro-cores"


@dataclass
class LayerUse:
    """What one layer needs: its neurons and every synapse stored with them.

    Attributes
    ----------
    name, processes, on : str
        Layer (``hidden 1``, ``conv 1``, ...), the Processes that run it, and where they
        would run (:data:`CORES` or :data:`HOST`).
    neurons : int
        Neurons on neuro-cores (0 for host-side stages).
    synapses, learning : int
        Incoming synapses stored in the layer's cores, and how many of them learn.
    weights : int
        Distinct weight values (a conv kernel's size; else ``synapses``).
    synapse_bits : int
        ``synapses * WEIGHT_BITS + tags * TAG_BITS``.
    pre_traces, post_factors, tags : int
        Learning-engine state: x1 per input axon and core, y1..y3 per post neuron, one
        tag per learning synapse (per-sample updates only).
    state_bits : int
        Neuron state, traces and third factors (besides ``synapse_bits``).
    cores : int
        Neuro-cores, packed by :func:`lava_stllr.loihi.chip.cores_needed`.
    bound_by : str
        ``neurons``, ``memory`` or ``-`` (one core holds the layer).
    note : str
        What the row leaves out or assumes.
    """

    name: str
    processes: str
    on: str
    neurons: int = 0
    synapses: int = 0
    learning: int = 0
    weights: int = 0
    synapse_bits: int = 0
    pre_traces: int = 0
    post_factors: int = 0
    tags: int = 0
    state_bits: int = 0
    cores: int = 0
    bound_by: str = "-"
    note: str = ""


def _layer(name: str, processes: str, neurons: int, kind: str, static: int, learning: int,
           axons: int, update: str, budget: chip.CoreBudget, weights: int | None = None,
           note: str = "") -> LayerUse:
    """A neuro-core layer: ``static`` + ``learning`` incoming synapses, ``axons`` input
    axons of its learning connections (one x1 trace each per core)."""
    tags = learning if update == "sample" else 0
    synapse_bits = (static + learning) * WEIGHT_BITS + tags * TAG_BITS
    factors = 3 * neurons if learning else 0
    per_neuron_state = STATE_BITS[kind] + (POST_FACTOR_BITS if learning else 0)
    per_neuron = math.ceil(synapse_bits / neurons) + per_neuron_state
    cores, bound = chip.cores_needed(neurons, per_neuron, axons * PRE_TRACE_BITS, budget)
    traces = axons * cores
    return LayerUse(name, processes, CORES, neurons, static + learning, learning,
                    static + learning if weights is None else weights, synapse_bits,
                    traces, factors, tags, neurons * per_neuron_state + traces * PRE_TRACE_BITS,
                    cores, bound, note)


def _taps(n_in: int, n_out: int, kernel: int, stride: int, padding: int) -> int:
    """Kernel taps that land inside the input, summed over the outputs of one axis."""
    return sum(sum(1 for k in range(kernel) if 0 <= o * stride - padding + k < n_in)
               for o in range(n_out))


def _front_end(spec: Any, budget: chip.CoreBudget) -> tuple[list[LayerUse], int]:
    """Rows of a conv network's frozen front-end and the size of its flat output."""
    from lava_stllr.spec.layers import ConvLayer, DenseLayer

    rows: list[LayerUse] = []
    shapes = spec.shapes
    for i, layer in enumerate(spec.layers):
        if isinstance(layer, DenseLayer):
            return rows, math.prod(shapes[i])
        (c_in, h_in, w_in), (c_out, h_out, w_out) = shapes[i], shapes[i + 1]
        n_out = c_out * h_out * w_out
        if isinstance(layer, ConvLayer):
            k, s, p = layer.kernel, layer.stride, layer.padding
            synapses = c_out * c_in * _taps(h_in, h_out, k, s, p) * _taps(w_in, w_out, k, s, p)
            rows.append(_layer(f"conv {i + 1}", "Conv + FrontEndLIF", n_out, "front",
                               synapses, 0, 0, "step", budget,
                               weights=c_out * c_in * k * k,
                               note="frozen kernel, stored per synapse (no weight sharing)"))
        else:
            last = layer.kind == "avg" and (i + 1 == len(spec.layers)
                                            or isinstance(spec.layers[i + 1], DenseLayer))
            note = f"{layer.kind} pool as neurons with unit weights" + (
                "; the fixed-point front-end must end in spikes, not an average pool"
                if last else "")
            rows.append(_layer(f"pool {i + 1}", "SpikePool", n_out, "front",
                               n_out * layer.kernel ** 2, 0, 0, "step", budget, note=note))
    return rows, math.prod(shapes[-1])


@dataclass
class Estimate:
    """The rows of a network, its totals, and what the numbers assume."""

    network: str
    kind: str
    update: str
    layers: list[LayerUse]
    budget: chip.CoreBudget

    @property
    def totals(self) -> dict[str, int]:
        """Sums over the layers, the synaptic memory in KiB and the chips needed."""
        keys = ("neurons", "synapses", "learning", "weights", "synapse_bits", "pre_traces",
                "post_factors", "tags", "state_bits", "cores")
        total = {k: sum(getattr(row, k) for row in self.layers) for k in keys}
        total["chips"] = chip.chips_needed(total["cores"], total["neurons"], total["synapses"])
        return total

    def assumptions(self) -> list[str]:
        """What the numbers assume, one sentence each."""
        tags = (f"per-sample updates: one {TAG_BITS}-bit tag (tag_1) per learning synapse"
                if self.update == "sample" else "per-step updates: no synaptic tags")
        return [
            "the network as the Lava backend runs it in fixed point: hidden layers and the "
            "readout learn (STLLRDense, DFA learning signal), conv and pool layers are a "
            "frozen front-end, input and output error are host-side",
            f"synaptic memory = synapses x {WEIGHT_BITS} bits (8-bit weight + sign), dense "
            f"storage without index bits; {tags}",
            f"learning-engine traces: x1 ({PRE_TRACE_BITS} bits) per input axon of a learning "
            f"connection in each core it reaches; y1..y3 ({THIRD_FACTOR_BITS} bits each) per "
            "learning post neuron",
            "a hidden layer's cores also hold its DFA feedback synapses (n x classes, static)",
            f"neuron state: {STATE_BITS['lif']} bits per S-TLLR neuron (24-bit membrane, "
            f"16-bit a_in and sig_in, 7-bit post trace), {STATE_BITS['readout']} per readout "
            f"neuron, {STATE_BITS['front']} per front-end neuron",
            f"packing: each layer on cores of its own, at most {self.budget.neurons} neurons "
            f"and {self.budget.sram_bits // 8192} KiB of synapses, neuron state and traces "
            "per core, whichever binds; microcode (the psi table), routing tables and axon "
            "maps are not counted, so cores are a lower bound",
            "nothing here has run on Loihi 2 hardware (see docs/loihi2.md)",
        ]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: layers, totals, assumptions and the chip facts with sources."""
        return {"network": self.network, "kind": self.kind, "update": self.update,
                "layers": [asdict(row) for row in self.layers], "totals": self.totals,
                "budget": asdict(self.budget), "assumptions": self.assumptions(),
                "chip": [asdict(fact) for fact in chip.FACTS]}


def estimate(spec: Any, update: str = "step", budget: chip.CoreBudget | None = None
             ) -> Estimate:
    """The Loihi 2 resources of a dense (``NetworkSpec``) or conv (``ConvNetSpec``) network.

    Parameters
    ----------
    spec : NetworkSpec or ConvNetSpec
        The network of a run folder.
    update : {"step", "sample"}
        Per-sample updates keep a tag per learning synapse.
    budget : CoreBudget, optional
        Neurons and SRAM per core (default: :mod:`lava_stllr.loihi.chip`).

    Returns
    -------
    Estimate
    """
    if update not in ("step", "sample"):
        raise ValueError(f"update must be 'step' or 'sample', got {update!r}")
    budget = budget or chip.CoreBudget()
    n_in = spec.n_inputs
    rows = [LayerUse("input", "EventSource", HOST,
                     note=f"{n_in} input channels played by the host")]
    if spec.kind == "conv":
        front, n_flat = _front_end(spec, budget)
        rows += front
        sizes = (n_flat, *(s[0] for s in spec.shapes[len(front) + 1:]), spec.n_classes)
        recurrent = False
    else:
        sizes, recurrent = spec.sizes, spec.recurrent
    n_classes = sizes[-1]
    for i, (pre, post) in enumerate(zip(sizes[:-2], sizes[1:-1], strict=True)):
        rec = post if recurrent else 0
        rows.append(_layer(f"hidden {i + 1}", "STLLRDense + STLLRLIF", post, "lif",
                           post * n_classes, post * (pre + rec), pre + rec, update, budget,
                           note="incl. recurrent synapses" if rec else ""))
    alone = len(sizes) == 2  # a conv front-end straight into the readout
    rows.append(_layer("readout", "STLLRDense + LeakyReadout", n_classes, "readout", 0,
                       n_classes * sizes[-2], sizes[-2], update, budget,
                       note="the Lava network needs a dense layer after a conv front-end: "
                            "this network does not run there as it is" if alone else ""))
    rows.append(LayerUse("output error", "OutputError + LabelSource", HOST,
                         note=f"softmax - onehot of {n_classes} classes, host-side"))
    return Estimate(spec.label, spec.kind, update, rows, budget)


def add_parser(sub: Any) -> None:
    """Add the ``resources`` command to the subparsers ``sub``."""
    p = add_command(sub, "resources", run, help="estimate a run's Loihi 2 resources",
                    description="Estimate what a run's network needs on Loihi 2, per layer: "
                                "neurons, synapses, synaptic memory, learning-engine traces "
                                "and tags, neuro-cores (public chip sizes; not checked on "
                                "hardware).")
    p.add_argument("run", type=Path, help="run folder or weights .npz file")
    p.add_argument("--update", choices=("step", "sample"), default=None,
                   help="per-step updates, or per sample through the synaptic tag "
                        "(default: the run's, else step)")
    p.add_argument("--neurons-per-core", type=positive_int, default=None, metavar="N",
                   help=f"neurons one core holds (default {chip.NEURONS_PER_CORE.value})")
    p.add_argument("--sram-kib", type=positive_int, default=None, metavar="KIB",
                   help="SRAM per core for synapses, neuron state and traces (default "
                        f"{chip.SRAM_PER_CORE.value // 1024})")
    p.add_argument("--json", action="store_true", help="print the estimate as JSON")


def _n(value: int) -> str:
    return f"{value:,}" if value else "-"


def format_estimate(est: Estimate, where: str = "") -> str:
    """The text table of ``est``, its totals, assumptions and sources."""
    head = ("layer", "Processes", "on", "neurons", "synapses", "learning",
            "synaptic bits", "x1 traces", "y1..y3", "tags", "cores", "bound by")
    rows = [(r.name, r.processes, r.on, _n(r.neurons), _n(r.synapses), _n(r.learning),
             _n(r.synapse_bits), _n(r.pre_traces), _n(r.post_factors), _n(r.tags),
             _n(r.cores), r.bound_by) for r in est.layers]
    t = est.totals
    rows.append(("total", "", "", _n(t["neurons"]), _n(t["synapses"]), _n(t["learning"]),
                 _n(t["synapse_bits"]), _n(t["pre_traces"]), _n(t["post_factors"]),
                 _n(t["tags"]), _n(t["cores"]), ""))
    widths = [max(len(str(row[i])) for row in (head, *rows)) for i in range(len(head))]

    def line(row: tuple) -> str:
        cells = [str(c).ljust(w) if i < 3 or i == len(row) - 1 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "  " + "  ".join(cells).rstrip()

    update = "per-sample updates (tag)" if est.update == "sample" else "per-step updates"
    out = [f"Loihi 2 resources of {where or est.network} (estimate): {est.kind} "
           f"{est.network}, DFA, {update}", "", line(head),
           line(tuple("-" * w for w in widths)), *map(line, rows), ""]
    kib = t["synapse_bits"] / 8192
    out.append(f"synaptic memory {t['synapse_bits']:,} bits ({kib:,.1f} KiB); neuron state "
               f"and traces {t['state_bits']:,} bits; {t['cores']} of "
               f"{chip.NEURO_CORES.value} neuro-cores per chip: {t['chips']} "
               f"chip{'s' if t['chips'] > 1 else ''}")
    notes = [f"{r.name}: {r.note}" for r in est.layers if r.note]
    facts = [f"{f.name}: {f.value:,} {f.unit} ({f.source})" for f in chip.FACTS]
    for title, items in (("notes", notes), ("assumptions", est.assumptions()),
                         ("chip sizes (public secondary sources, not an Intel datasheet)",
                          facts)):
        out += ["", f"{title}:"]
        out += [textwrap.fill(item, 100, initial_indent="  - ", subsequent_indent="    ",
                              break_on_hyphens=False, break_long_words=False)
                for item in items]
    return "\n".join(out)


def run(args: argparse.Namespace) -> int:
    """Print the estimate of ``args.run``'s network; return 0."""
    from lava_stllr.runs import record as runs

    loaded = runs.load_run(args.run)
    update = args.update or loaded.record.get("update") or "step"
    defaults = chip.CoreBudget()
    budget = chip.CoreBudget(
        args.neurons_per_core or defaults.neurons,
        args.sram_kib * 8192 if args.sram_kib else defaults.sram_bits)
    est = estimate(loaded.spec, update, budget)
    if args.json:
        print(json.dumps({"run": str(loaded.folder), **est.to_dict()}, indent=2))
    else:
        print(format_estimate(est, str(loaded.folder)))
    return 0
