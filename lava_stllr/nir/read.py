"""A NIR graph as a lava-stllr network (:func:`from_nir`), exactly or not at all.

The graph must be one chain (:mod:`lava_stllr.nir.chain`) of weights nodes, each feeding
neurons (:mod:`lava_stllr.nir.synapses`, :mod:`lava_stllr.nir.neurons`), with pools and
flattens between layers; its **last neuron node is the readout**, lava-stllr's leaky
integrator ``z[t] = beta_out z[t-1] + W h[t]``, non-spiking, whose sum over the learning
window is argmaxed for the prediction:

- an ``LI`` (or ``I``, or ``CubaLI`` with ``tau_syn = dt``) maps exactly;
- a last ``LIF``, ``IF`` or ``CubaLIF`` (snnTorch's ``Leaky`` output layer) becomes the
  readout with its **membrane as the output**: its threshold and reset are dropped, and
  the import says so. Its membrane equals lava-stllr's readout while it has not fired
  (and always for snnTorch's ``reset_mechanism="none"``); its spike count, snnTorch's
  usual prediction, is not what lava-stllr predicts from;
- a weights node feeding the Output directly is a readout with ``beta_out = 0``.

Hidden neurons are LIF layers sharing one ``beta``, ``theta`` and reset (lava-stllr holds
one of each); NIR's reset is hard, unless a node's ``lava_stllr.reset`` says soft. A
recurrent weights loop on a hidden LIF is its recurrent matrix (applied to the previous
step's spikes); in a dense network whose other hidden layers have no loop those get
zero recurrent matrices (the forward pass is unchanged; they learn when trained).
Everything that does not map is refused with one line naming the node
(:class:`~lava_stllr.nir.errors.NIRImportError`); each exact change of form (a gain
folded into weights, a sum pool's factor, a dropped threshold) is listed in
:attr:`Imported.notes`.

The S-TLLR parameters come from the graph's ``lava_stllr.learning_rule`` metadata when
it has them, else :class:`~lava_stllr.params.STLLRParams`' defaults.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from lava_stllr.nir.chain import Step, walk
from lava_stllr.nir.dynamics import check_dt
from lava_stllr.nir.errors import NIRImportError, refuse
from lava_stllr.nir.metadata import (
    NETWORK_KEY,
    PSI_KEY,
    RULE_KEY,
    read_entry,
    rule_params,
    source_of,
)
from lava_stllr.nir.neurons import NEURONS, Neuron, neuron_of
from lava_stllr.nir.synapses import check_bias, conv_layer, max_threshold, pool_kernel, weight_of
from lava_stllr.params import STLLRParams
from lava_stllr.spec.conv import ConvNetSpec
from lava_stllr.spec.kinds import AnySpec, check_spec_weights
from lava_stllr.spec.layers import DenseLayer, PoolLayer
from lava_stllr.spec.network import NetworkSpec, Weights


@dataclass
class Imported:
    """A NIR graph as lava-stllr's network.

    Attributes
    ----------
    spec, params, weights
        The network, its neurons and learning rule, its weights (float64).
    dt : float
        The time step (seconds) the graph was read with.
    notes : list of str
        Each exact change of form the import made (one line each).
    signal : str or None
        The learning signal the graph's rule metadata names, if any.
    source : dict
        ``run``, ``seed``, ``dataset`` of lava-stllr's own export (empty otherwise).
    has_rule : bool
        Whether the graph's metadata gave the S-TLLR parameters (else the defaults).
    """

    spec: AnySpec
    params: STLLRParams
    weights: Weights
    dt: float
    notes: list[str] = field(default_factory=list)
    signal: str | None = None
    source: dict[str, Any] = field(default_factory=dict)
    has_rule: bool = False


def read_nir(path: str | Path) -> Any:
    """``nir.read`` of ``path`` (without nir's type check: :func:`from_nir` checks every
    shape it uses); one-line :class:`NIRImportError` if nir cannot read it."""
    import nir

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no NIR file at {path}")
    try:
        return nir.read(path, type_check=False)
    except Exception as exc:  # h5py, KeyError, AssertionError...: all mean "not NIR"
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise NIRImportError(f"{path} is not a NIR graph nir {nir.__version__} reads "
                             f"({type(exc).__name__}: {first})") from None


def graph_dt(graph: Any) -> float | None:
    """The time step lava-stllr's export recorded in ``graph`` (seconds), or None."""
    entry = read_entry(getattr(graph, "metadata", None), NETWORK_KEY)
    return None if entry is None or "dt" not in entry else float(entry["dt"])


class _Builder:
    """Walks the chain, collecting layers, weights and neurons."""

    def __init__(self, dt: float, drop_bias: bool, input_shape: tuple[int, ...]):
        self.dt, self.drop_bias = dt, drop_bias
        self.shape = input_shape
        self.layers: list[Any] = []
        self.arrays: list[np.ndarray] = []
        self.loops: dict[int, tuple[str, np.ndarray]] = {}  # dense layer index -> V
        self.hidden: list[tuple[str, Any, Neuron]] = []
        self.notes: list[str] = []
        self.pool_scale = 1.0  # a sum pool's k*k, folded into the next weights
        self.spikes = False  # whether the activity so far is spikes (not the input)
        self.readout: tuple[np.ndarray, float] | None = None

    def pool(self, steps: list[Step], i: int) -> int:
        step = steps[i]
        k = pool_kernel(step.name, step.node, self.shape)
        kind = type(step.node).__name__
        nxt = steps[i + 1] if i + 1 < len(steps) else None
        used = 1
        if kind == "SumPool2d" and nxt is not None and type(nxt.node).__name__ == "Threshold":
            max_threshold(nxt.name, nxt.node)
            if not self.spikes:
                raise refuse(step.name, step.node, "a sum pool and threshold on the graph "
                                                   "input: a max pool only for 0/1 spikes")
            self.layers.append(PoolLayer("max", k))
            used = 2
        else:
            self.layers.append(PoolLayer("avg", k))
            self.spikes = False  # fractions of spikes now: no max pool of them
            if kind == "SumPool2d":
                self.pool_scale *= k * k
                self.notes.append(f"{step.name}: the sum pool is an average pool with its "
                                  f"{k}x{k} = {k * k} folded into the next weights")
        c, h, w = self.shape
        self.shape = (c, h // k, w // k)
        return used

    def _neuron(self, steps: list[Step], i: int, out_size: int) -> tuple[Step, Neuron]:
        step, nxt = steps[i], steps[i + 1]
        if type(nxt.node).__name__ not in NEURONS:
            raise refuse(nxt.name, nxt.node, f"reads the weights node {step.name!r} "
                                             "directly: in lava-stllr every weights node "
                                             "feeds neurons")
        return nxt, neuron_of(nxt.name, nxt.node, self.dt, out_size)

    def _gain_note(self, neuron: Neuron, name: str, synapse: str) -> None:
        if neuron.gain != 1.0:
            self.notes.append(f"{name}: its input gain dt*r/tau = {neuron.gain:.6g} is "
                              f"folded into the weights of {synapse}")

    def synapse(self, steps: list[Step], i: int) -> int:
        step = steps[i]
        kind = type(step.node).__name__
        check_bias(step.name, step.node, self.drop_bias, self.notes)
        last = i + 1 >= len(steps) - 1
        if kind == "Conv2d":
            if last:
                raise refuse(step.name, step.node, "a conv readout: lava-stllr's readout "
                                                   "is dense")
            layer, out_shape = conv_layer(step.name, step.node, self.shape)
            w = weight_of(step.name, step.node, 4)
        else:
            w = weight_of(step.name, step.node, 2)
            if w.shape[1] != math.prod(self.shape):
                raise refuse(step.name, step.node, f"reads {w.shape[1]} inputs, its input "
                                                   f"has {math.prod(self.shape)}")
            layer, out_shape = DenseLayer(int(w.shape[0])), (int(w.shape[0]),)
        if i + 1 == len(steps):  # the Output reads the weights: a readout of beta_out 0
            self.notes.append(f"{step.name}: the Output reads it directly, so the readout "
                              "is its current (beta_out = 0)")
            self.readout = (w * self.pool_scale, 0.0)
            return 1
        nxt, neuron = self._neuron(steps, i, math.prod(out_shape))
        self._gain_note(neuron, nxt.name, step.name)
        w = w * (neuron.gain * self.pool_scale)
        self.pool_scale = 1.0
        if last:
            if nxt.loop is not None:
                raise refuse(nxt.name, nxt.node, "a recurrent readout: lava-stllr's readout "
                                                 "has no recurrent weights")
            if neuron.spiking and math.isfinite(neuron.theta):
                self.notes.append(f"{nxt.name}: the last {type(nxt.node).__name__} is the "
                                  f"readout, its membrane the output: its threshold "
                                  f"{neuron.theta:.6g} and reset are dropped")
            self.readout = (w, neuron.beta)
            return 2
        if not neuron.spiking:
            raise refuse(nxt.name, nxt.node, "a non-spiking layer inside the network: "
                                             "lava-stllr's hidden layers spike (only the "
                                             "last neuron node is the leaky readout)")
        if math.isinf(neuron.theta):
            raise refuse(nxt.name, nxt.node, "v_threshold inf inside the network: a hidden "
                                             "layer that never fires")
        if nxt.loop is not None:
            self._loop(nxt, neuron, kind, out_shape)
        own_psi = (getattr(nxt.node, "metadata", None) or {}).get(PSI_KEY)
        if own_psi is not None:  # lava-stllr's per-layer psi
            own_psi = own_psi.decode("utf8") if isinstance(own_psi, bytes) else str(own_psi)
            try:
                layer = dataclasses.replace(layer, psi=own_psi)
            except ValueError as err:
                raise refuse(nxt.name, nxt.node, f"metadata {PSI_KEY}: {err}") from None
        self.layers.append(layer)
        self.arrays.append(w)
        self.hidden.append((nxt.name, nxt.node, neuron))
        self.shape, self.spikes = out_shape, True
        return 2

    def _loop(self, nxt: Step, neuron: Neuron, kind: str, out_shape: tuple[int, ...]
              ) -> None:
        name, node = nxt.loop
        if kind == "Conv2d":
            raise refuse(name, node, "recurrent weights on a conv layer: lava-stllr's "
                                     "recurrent layers are dense")
        check_bias(name, node, self.drop_bias, self.notes)
        v = weight_of(name, node, 2)
        if v.shape != (out_shape[0], out_shape[0]):
            raise refuse(name, node, f"recurrent weights of shape {v.shape} for "
                                     f"{out_shape[0]} neurons")
        self._gain_note(neuron, nxt.name, name)
        self.loops[len(self.layers)] = (name, v * neuron.gain)


def _walk_layers(chain_steps: list[Step], builder: _Builder) -> None:
    i = 0
    while i < len(chain_steps):
        step = chain_steps[i]
        kind = type(step.node).__name__
        if kind == "Flatten":
            builder.shape = (math.prod(builder.shape),)
            i += 1
        elif kind in ("AvgPool2d", "SumPool2d"):
            i += builder.pool(chain_steps, i)
        elif kind in ("Linear", "Affine", "Conv2d"):
            i += builder.synapse(chain_steps, i)
        elif kind in NEURONS:
            raise refuse(step.name, step.node, "has no weights node before it: lava-stllr's "
                                               "neurons read a Linear, Affine or Conv2d node")
        elif kind == "Threshold":
            raise refuse(step.name, step.node, "a threshold that does not follow a sum pool "
                                               "(lava-stllr's max pool of spikes)")
        else:
            raise refuse(step.name, step.node, f"lava-stllr has no counterpart of NIR's {kind}")
    if builder.readout is None:
        last = chain_steps[-1] if chain_steps else None
        raise NIRImportError("the NIR graph ends without a weights node and neurons before "
                             "its Output" + (f" (it ends in {last.name!r})" if last else ""))


def _shared(builder: _Builder) -> Neuron:
    """The one beta, theta and reset of the hidden layers."""
    if not builder.hidden:
        raise NIRImportError("the NIR graph has no hidden layer (only a readout): a "
                             "lava-stllr network has at least one")
    first_name, _, first = builder.hidden[0]
    for name, node, neuron in builder.hidden[1:]:
        for what, mine, theirs in (("beta", neuron.beta, first.beta),
                                   ("threshold", neuron.theta, first.theta),
                                   ("reset", neuron.reset, first.reset)):
            if mine != theirs:
                raise refuse(name, node, f"{what} {mine!r} differs from {first_name!r}'s "
                                         f"{theirs!r}: lava-stllr's hidden layers share one "
                                         f"{what}")
    return first


def _input_shape(chain: Any) -> tuple[int, ...]:
    node = chain.input_node
    shape = node.output_type.get("output") if isinstance(node.output_type, dict) else None
    if shape is None:
        raise refuse(chain.input_name, node, "has no shape")
    return tuple(int(n) for n in np.atleast_1d(shape))


def _spec(builder: _Builder, input_shape: tuple[int, ...], n_classes: int,
          beta_out: float) -> tuple[AnySpec, list[np.ndarray]]:
    conv = any(not isinstance(layer, DenseLayer) for layer in builder.layers)
    if conv:
        if builder.loops:
            name, _ = next(iter(builder.loops.values()))
            raise NIRImportError(f"NIR node {name!r}: recurrent weights in a conv network: "
                                 "lava-stllr's recurrent networks are dense only")
        if len(input_shape) != 3:
            raise NIRImportError(f"the NIR graph's input has shape {input_shape}: a conv "
                                 "network reads (C, H, W) frames")
        return ConvNetSpec(input_shape, tuple(builder.layers), n_classes,
                           beta_out=beta_out), []
    sizes = (math.prod(input_shape), *(layer.size for layer in builder.layers), n_classes)
    recurrent = []
    if builder.loops:
        for index, (name, _, _) in enumerate(builder.hidden):
            if index in builder.loops:
                recurrent.append(builder.loops[index][1])
                continue
            n = builder.layers[index].size
            recurrent.append(np.zeros((n, n)))
            builder.notes.append(f"{name}: no recurrent weights in the graph, zero ones here "
                                 "(lava-stllr's recurrent networks have them in every hidden "
                                 "layer; the outputs are unchanged)")
    return NetworkSpec(sizes, recurrent=bool(builder.loops), beta_out=beta_out), recurrent


def from_nir(graph: Any, dt: float | None = None, drop_bias: bool = False) -> Imported:
    """Map a ``nir.NIRGraph`` onto lava-stllr's network (see the module doc).

    Parameters
    ----------
    graph : nir.NIRGraph
    dt : float, optional
        Time step in seconds (forward Euler, :mod:`lava_stllr.nir.dynamics`); default:
        the one lava-stllr's export recorded. snnTorch's ``export_to_nir`` writes with
        ``dt = 1e-4`` but does not record it.
    drop_bias : bool
        Drop nonzero biases (which changes the network) instead of refusing them.

    Raises
    ------
    NIRImportError
        A graph lava-stllr cannot hold exactly (one line naming the node and why), or no
        ``dt`` given for a graph that does not record one.
    """
    recorded = graph_dt(graph)
    if dt is None:
        dt = recorded
        if dt is None:
            raise NIRImportError("the NIR graph does not record its time step: give dt "
                                 "(--dt SECONDS; snnTorch's export_to_nir uses 1e-4)")
    dt = check_dt(dt)
    chain = walk(graph)
    input_shape = _input_shape(chain)
    builder = _Builder(dt, drop_bias, input_shape)
    if recorded is not None and dt != recorded:
        builder.notes.append(f"read with dt {dt:g} s, not the {recorded:g} s the graph "
                             "records: every beta and gain follows from the graph's tau")
    _walk_layers(chain.steps, builder)
    hidden = _shared(builder)
    readout_w, beta_out = builder.readout
    try:
        spec, recurrent = _spec(builder, input_shape, int(readout_w.shape[0]), beta_out)
    except NIRImportError:
        raise
    except ValueError as exc:
        raise NIRImportError(f"the NIR graph is not a lava-stllr network: {exc}") from None
    weights = Weights([*builder.arrays, readout_w], recurrent)
    check_spec_weights(spec, weights, "the imported weights")
    try:
        rule = rule_params(read_entry(graph.metadata, RULE_KEY))
        params = STLLRParams(**rule, beta=hidden.beta, theta=hidden.theta,
                             reset=hidden.reset)
    except (TypeError, ValueError) as exc:
        raise NIRImportError(f"the NIR graph's {RULE_KEY} metadata: {exc}") from None
    entry = read_entry(graph.metadata, RULE_KEY) or {}
    signal = entry.get("signal") if entry.get("signal") not in (None, "unknown") else None
    return Imported(spec, params, weights, dt, builder.notes, signal,
                    source_of(read_entry(graph.metadata, NETWORK_KEY)), bool(entry))
