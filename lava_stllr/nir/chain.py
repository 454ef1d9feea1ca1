"""The shape of a NIR graph lava-stllr can hold: one chain from input to output.

A lava-stllr network is a chain: every node feeds exactly one next node, and the only
cycles are a hidden layer's recurrent weights (a ``Linear``/``Affine`` node fed by a
neuron node and feeding only that node back, as a flat cycle or inside a subgraph as
snnTorch writes ``RLeaky``). Subgraphs are inlined first (their nodes named
``<subgraph>.<node>``); anything else (two inputs or outputs, a node feeding two nodes,
a node summing two, a node off the chain) is refused by :func:`walk` with one line
naming the node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lava_stllr.nir.errors import NIRImportError, refuse


@dataclass
class Step:
    """One node of the chain, with its recurrent weights node if it has one."""

    name: str
    node: Any
    loop: tuple[str, Any] | None = None


@dataclass
class Chain:
    """A graph as a chain: its input node, the steps between, its output node."""

    input_name: str
    input_node: Any
    steps: list[Step]
    output_name: str
    output_node: Any


def _is(node: Any, *kinds: str) -> bool:
    return type(node).__name__ in kinds


def inline(nodes: dict[str, Any], edges: list[tuple[str, str]], prefix: str = ""
           ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Nodes and edges with every subgraph (``NIRGraph`` node) replaced by its own nodes,
    named ``<subgraph>.<node>``; a subgraph's single Input and Output become its edges."""
    flat: dict[str, Any] = {}
    flat_edges: list[tuple[str, str]] = []
    entry: dict[str, list[str]] = {}  # a subgraph's name -> the nodes its input feeds
    exit_: dict[str, list[str]] = {}  # a subgraph's name -> the nodes feeding its output
    for name, node in nodes.items():
        full = f"{prefix}{name}"
        if not _is(node, "NIRGraph"):
            flat[full] = node
            continue
        inner, inner_edges = inline(node.nodes, [tuple(e) for e in node.edges], f"{full}.")
        ins = [n for n, v in inner.items() if _is(v, "Input")]
        outs = [n for n, v in inner.items() if _is(v, "Output")]
        if len(ins) != 1 or len(outs) != 1:
            raise refuse(full, node, f"a subgraph with {len(ins)} inputs and {len(outs)} "
                                     "outputs: lava-stllr reads subgraphs of one of each")
        entry[full] = [b for a, b in inner_edges if a == ins[0]]
        exit_[full] = [a for a, b in inner_edges if b == outs[0]]
        flat.update({n: v for n, v in inner.items() if n not in (ins[0], outs[0])})
        flat_edges += [(a, b) for a, b in inner_edges if a != ins[0] and b != outs[0]]
    for a, b in edges:
        a, b = f"{prefix}{a}", f"{prefix}{b}"
        for src in exit_.get(a, [a]):
            for dst in entry.get(b, [b]):
                flat_edges.append((src, dst))
    return flat, flat_edges


def _loops(nodes: dict[str, Any], succ: dict[str, list[str]],
           pred: dict[str, list[str]]) -> dict[str, str]:
    """neuron node -> its recurrent weights node: a Linear/Affine whose only predecessor
    and only successor is that neuron node."""
    loops: dict[str, str] = {}
    for name, node in nodes.items():
        if _is(node, "Linear", "Affine") and len(succ[name]) == 1 \
                and pred[name] == succ[name]:
            owner = succ[name][0]
            if owner in loops:
                raise refuse(owner, nodes[owner], f"two recurrent weights nodes "
                                                  f"({loops[owner]!r}, {name!r})")
            loops[owner] = name
    return loops


def walk(graph: Any) -> Chain:
    """The chain of ``graph`` (a ``nir.NIRGraph``) from its Input to its Output.

    Raises
    ------
    NIRImportError
        A graph that is not one chain (see the module doc).
    """
    nodes, edges = inline(dict(graph.nodes), [tuple(e) for e in graph.edges])
    for a, b in edges:
        for end in (a, b):
            if end not in nodes:
                raise NIRImportError(f"NIR edge ({a!r}, {b!r}) names no node {end!r}")
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    pred: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        succ[a].append(b)
        pred[b].append(a)
    inputs = [n for n, v in nodes.items() if _is(v, "Input")]
    outputs = [n for n, v in nodes.items() if _is(v, "Output")]
    if len(inputs) != 1 or len(outputs) != 1:
        raise NIRImportError(f"the NIR graph has {len(inputs)} Input and {len(outputs)} "
                             "Output nodes: a lava-stllr network has one of each")
    loops = _loops(nodes, succ, pred)
    loop_nodes = set(loops.values())
    steps: list[Step] = []
    seen = {inputs[0]}
    current = inputs[0]
    while True:
        nxt = [s for s in succ[current] if s != loops.get(current)]
        if len(nxt) != 1:
            why = ("feeds no node" if not nxt else
                   f"feeds {len(nxt)} nodes ({', '.join(map(repr, nxt))})")
            raise refuse(current, nodes[current], f"{why}: a lava-stllr network is one "
                                                  "chain from input to output")
        name = nxt[0]
        feeding = [p for p in pred[name] if p != loops.get(name)]
        if len(feeding) != 1:
            raise refuse(name, nodes[name], f"sums {len(feeding)} inputs "
                                            f"({', '.join(map(repr, feeding))}): a "
                                            "lava-stllr network is one chain")
        if name in seen:
            raise refuse(name, nodes[name], "is reached twice: a cycle that is not a "
                                            "hidden layer's recurrent weights")
        seen.add(name)
        if name == outputs[0]:
            break
        loop = loops.get(name)
        steps.append(Step(name, nodes[name], None if loop is None else (loop, nodes[loop])))
        current = name
    stray = [n for n in nodes if n not in seen and n not in loop_nodes]
    if stray:
        raise refuse(stray[0], nodes[stray[0]], "is not on the chain from the input to "
                                                "the output")
    return Chain(inputs[0], nodes[inputs[0]], steps, outputs[0], nodes[outputs[0]])
