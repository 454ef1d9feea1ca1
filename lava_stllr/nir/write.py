"""A lava-stllr network as a NIR graph (:func:`to_nir`) and its file (:func:`write_nir`).

Nodes, in order from ``input`` to ``output`` (``i`` counts layers from 1):

- a dense hidden layer: ``fc<i>`` (``Linear``, the (n_out, n_in) weights) -> ``lif<i>``;
  a recurrent one's ``lif<i>`` is a subgraph as snnTorch writes ``RLeaky``: ``input ->
  lif``, ``lif -> w_rec`` (``Linear``, the (n, n) recurrent weights) ``-> lif``, ``lif
  -> output``; the recurrent input is the previous step's spikes;
- a conv layer: ``conv<i>`` (``Conv2d``, (C_out, C_in, k, k) cross-correlation, zero
  bias) -> ``lif<i>`` (per-neuron arrays of shape (C, H, W));
- an average pool: ``pool<i>`` (``AvgPool2d``, stride = kernel); a max pool of spikes:
  ``pool<i>`` (``SumPool2d``) -> ``pool<i>_max`` (``Threshold`` at 0: the max of 0/1
  spikes is 1 where the window's sum is > 0, exactly);
- ``flatten`` (``Flatten``, C-order) before the first dense layer of a conv network;
- the readout: ``fc_out`` (``Linear``) -> ``readout`` (``LI``; ``I`` when ``beta_out =
  1``).

Every LIF is ``LIF(tau, r = tau/dt, v_leak = 0, v_threshold = theta, v_reset = 0)`` (``IF``
with ``r = 1/dt`` when ``beta = 1``), the readout ``LI(tau_out, r = tau_out/dt, v_leak
= 0)``: :mod:`lava_stllr.nir.dynamics` gives the discretisation, and
:mod:`lava_stllr.nir.metadata` what the graph's metadata holds (the S-TLLR rule under
``"lava_stllr.learning_rule"``). Weights are written as float64, bit for bit.

``target="snntorch"`` or ``"norse"`` writes a dense network in the form that framework's
importer simulates exactly: the readout as a ``LIF`` that never fires, and for Norse ``r =
1`` with the input gain folded into the weights (:mod:`lava_stllr.nir.targets`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.nir.dynamics import DEFAULT_DT, check_dt, tau_of
from lava_stllr.nir.metadata import (
    BETA_KEY,
    NETWORK_KEY,
    PSI_KEY,
    RESET_KEY,
    RULE_KEY,
    network_metadata,
    rule_metadata,
)
from lava_stllr.nir.targets import Target, check_target, target_of
from lava_stllr.params import STLLRParams
from lava_stllr.spec.kinds import AnySpec, check_spec_weights
from lava_stllr.spec.layers import ConvLayer, PoolLayer
from lava_stllr.spec.network import NetworkSpec, Weights


def _r(beta: float, dt: float, target: Target) -> float:
    """NIR's ``r`` of a neuron node: ``tau/dt`` (input gain 1; ``1/dt`` without leak), or 1
    for a reader that ignores ``r`` (:func:`_gain_fold` then scales the weights)."""
    if target.unit_r:
        return 1.0
    return 1.0 / dt if beta == 1.0 else tau_of(beta, dt) / dt


def _gain_fold(beta: float, dt: float, target: Target) -> float:
    """What the weights into a neuron node are multiplied by: 1, or with ``r = 1`` the
    inverse of the gain ``dt/tau = 1 - beta`` (``dt`` without leak) the reader applies."""
    if not target.unit_r:
        return 1.0
    return 1.0 / dt if beta == 1.0 else 1.0 / (1.0 - beta)


def _lif(shape: tuple[int, ...], beta: float, theta: float, dt: float, target: Target,
         meta: dict[str, Any]) -> Any:
    """Spiking neurons: LIF (or IF when beta = 1), per-neuron arrays."""
    import nir

    r, threshold = np.full(shape, _r(beta, dt, target)), np.full(shape, theta)
    if beta == 1.0:
        return nir.IF(r=r, v_threshold=threshold, v_reset=np.zeros(shape), metadata=meta)
    return nir.LIF(tau=np.full(shape, tau_of(beta, dt)), r=r, v_leak=np.zeros(shape),
                   v_threshold=threshold, v_reset=np.zeros(shape), metadata=meta)


def _hidden(shape: tuple[int, ...], params: STLLRParams, dt: float, target: Target,
            psi: str | None = None) -> Any:
    """A hidden layer's neurons: ``theta``, ``beta``, the reset (and the layer's own psi)
    in the metadata."""
    meta = {BETA_KEY: params.beta, RESET_KEY: params.reset}
    if psi is not None:
        meta[PSI_KEY] = psi
    return _lif(shape, params.beta, params.theta, dt, target, meta)


def _readout(n: int, beta_out: float, dt: float, target: Target) -> Any:
    """The leaky-integrator readout: LI (or I when beta_out = 1); for a reader without
    them, a LIF (IF) whose threshold is never crossed (``v_threshold = inf``)."""
    import nir

    meta = {BETA_KEY: beta_out}
    if target.readout_as_lif:
        return _lif((n,), beta_out, math.inf, dt, target, meta)
    r = np.full(n, _r(beta_out, dt, target))
    if beta_out == 1.0:
        return nir.I(r=r, metadata=meta)
    return nir.LI(tau=np.full(n, tau_of(beta_out, dt)), r=r, v_leak=np.zeros(n),
                  metadata=meta)


def _linear(w: np.ndarray, fold: float = 1.0) -> Any:
    import nir

    w = np.array(w, dtype=np.float64)
    return nir.Linear(weight=w if fold == 1.0 else w * fold)


def _recurrent(lif: Any, v: np.ndarray, fold: float) -> Any:
    """A recurrent hidden layer as snnTorch's RLeaky subgraph."""
    import nir

    n = v.shape[0]
    return nir.NIRGraph(
        nodes={"input": nir.Input(input_type=np.array([n])), "lif": lif,
               "w_rec": _linear(v, fold), "output": nir.Output(output_type=np.array([n]))},
        edges=[("input", "lif"), ("lif", "w_rec"), ("w_rec", "lif"), ("lif", "output")],
        metadata={})


def _dense_nodes(spec: NetworkSpec, params: STLLRParams, weights: Weights,
                 dt: float, target: Target) -> dict[str, Any]:
    nodes: dict[str, Any] = {}
    fold = _gain_fold(params.beta, dt, target)
    for i, w in enumerate(weights.feedforward[:-1]):
        lif = _hidden((w.shape[0],), params, dt, target)
        nodes[f"fc{i + 1}"] = _linear(w, fold)
        nodes[f"lif{i + 1}"] = _recurrent(lif, weights.recurrent[i], fold) \
            if spec.recurrent else lif
    return nodes


def _conv_nodes(spec: Any, params: STLLRParams, weights: Weights,
                dt: float, target: Target) -> dict[str, Any]:
    import nir

    nodes: dict[str, Any] = {}
    shapes = spec.shapes
    arrays = iter(weights.feedforward)
    flat = False
    binary = False  # whether the activity is 0/1 spikes (a LIF's or their max pool's)
    for i, layer in enumerate(spec.layers, start=1):
        before, after = shapes[i - 1], shapes[i]
        if isinstance(layer, PoolLayer):
            k = np.array([layer.kernel, layer.kernel])
            if layer.kind == "avg":
                nodes[f"pool{i}"] = nir.AvgPool2d(kernel_size=k, stride=k,
                                                  padding=np.array([0, 0]))
                binary = False
                continue
            if not binary:
                raise ValueError(f"layer {i} '{layer}' max-pools the input or an average "
                                 "pool: NIR 1.0 has no max pool, and the exact form "
                                 "lava-stllr writes (a sum pool, then a threshold at 0) "
                                 "holds only for 0/1 spikes")
            nodes[f"pool{i}"] = nir.SumPool2d(kernel_size=k, stride=k,
                                              padding=np.array([0, 0]))
            nodes[f"pool{i}_max"] = nir.Threshold(threshold=np.zeros(after))
            continue
        w = next(arrays)
        if isinstance(layer, ConvLayer):
            nodes[f"conv{i}"] = nir.Conv2d(
                input_shape=tuple(int(n) for n in before[1:]),
                weight=np.array(w, dtype=np.float64), stride=layer.stride,
                padding=layer.padding, dilation=1, groups=1, bias=np.zeros(w.shape[0]))
        else:
            if not flat:
                nodes["flatten"] = nir.Flatten(input_type={"input": np.array(before)},
                                               start_dim=0, end_dim=-1)
                flat = True
            nodes[f"fc{i}"] = _linear(w)
        nodes[f"lif{i}"] = _hidden(tuple(after), params, dt, target, layer.psi)
        binary = True
    if not flat:
        nodes["flatten"] = nir.Flatten(input_type={"input": np.array(shapes[-1])},
                                       start_dim=0, end_dim=-1)
    return nodes


def to_nir(spec: AnySpec, params: STLLRParams, weights: Weights, *,
           dt: float | None = None, signal: str | None = None, update: str | None = None,
           record: dict[str, Any] | None = None, target: str = "nir") -> Any:
    """The network as a ``nir.NIRGraph`` (see the module doc for its nodes).

    Parameters
    ----------
    spec : NetworkSpec or ConvNetSpec
    params : STLLRParams
        Neurons (``beta``, ``theta``, ``reset``) and the learning rule.
    weights : Weights
        Written as float64 arrays, unchanged.
    dt : float, optional
        Time step in seconds: one step of the network is ``dt`` of NIR's continuous
        time, ``tau = dt/(1 - beta)`` (forward Euler, :mod:`lava_stllr.nir.dynamics`).
        Default: the one ``target``'s importer assumes (snnTorch: 1e-4), else 1e-3.
    signal, update : str, optional
        The learning signal ("bp", "dfa", ...) and how often weights moved, for the
        rule's metadata.
    record : dict, optional
        The run record; its name, seed and dataset go into the graph's metadata.
    target : {"nir", "snntorch", "norse"}
        Plain NIR, or the form that framework's NIR importer simulates exactly
        (:mod:`lava_stllr.nir.targets`).

    Raises
    ------
    ValueError
        Weights that do not fit ``spec``, a bad ``dt``, a max pool on the input, or a
        network or ``dt`` that ``target`` cannot take.
    """
    import nir

    how = target_of(target)
    dt = check_dt(how.dt or DEFAULT_DT if dt is None else dt)
    check_spec_weights(spec, weights)
    check_target(how, dt, "dense" if isinstance(spec, NetworkSpec) else "conv",
                 bool(getattr(spec, "recurrent", False)))
    input_shape = getattr(spec, "input_shape", None) or (spec.n_inputs,)
    nodes: dict[str, Any] = {"input": nir.Input(input_type=np.array(input_shape))}
    if isinstance(spec, NetworkSpec):
        nodes.update(_dense_nodes(spec, params, weights, dt, how))
    else:
        nodes.update(_conv_nodes(spec, params, weights, dt, how))
    nodes["fc_out"] = _linear(weights.feedforward[-1], _gain_fold(spec.beta_out, dt, how))
    nodes["readout"] = _readout(spec.n_classes, spec.beta_out, dt, how)
    nodes["output"] = nir.Output(output_type=np.array([spec.n_classes]))
    names = list(nodes)
    edges = list(zip(names[:-1], names[1:], strict=True))
    metadata = {RULE_KEY: rule_metadata(params, signal, update),
                NETWORK_KEY: network_metadata(dt, params, record, how.name)}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)


def run_to_nir(loaded: Any, dt: float | None = None, target: str = "nir") -> Any:
    """:func:`to_nir` of a :class:`~lava_stllr.runs.record.LoadedRun` (its record gives
    the signal, the update and the provenance)."""
    record = loaded.record or {}
    update = record.get("update") or ("mini-batch" if record.get("backend") == "reference"
                                      else None)
    return to_nir(loaded.spec, loaded.params, loaded.weights, dt=dt,
                  signal=record.get("signal"), update=update, record=record,
                  target=target)


def write_nir(path: str | Path, graph: Any) -> Path:
    """Write ``graph`` with ``nir.write`` (HDF5), atomically: a crash leaves the old file
    or none, never part of one. Returns ``path``."""
    import nir

    from lava_stllr.files import atomic_write

    path = Path(path)
    atomic_write(path, lambda f: nir.write(f, graph), mode="w+b")
    return path


def n_nodes(graph: Any) -> int:
    """Nodes of ``graph``, those inside subgraphs included (subgraphs themselves not)."""
    total = 0
    for node in graph.nodes.values():
        total += n_nodes(node) if hasattr(node, "nodes") else 1
    return total


__all__ = ["n_nodes", "run_to_nir", "to_nir", "write_nir"]
