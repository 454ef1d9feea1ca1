"""Build and wire the Processes of an on-chip network from its layout and its programs.

One description, the layout (sizes, delays, seeds) and the network program (one program
per Process, :func:`lava_stllr.onchip.program.network_program`), gives every topology:

- ``fuse=False``, the composed network: each Process as users wire them (``LeakyReadout``,
  ``LabelSource``, ``OutputError``, a Lava ``Dense`` per DFA feedback), the form that maps
  Process by Process onto Loihi 2's cores;
- ``fuse="feedback"``: the DFA feedback computed inside each ``STLLRLIF`` and the output
  stage as one ``OutputLayer`` (what recurrent and conv networks run fused);
- ``fuse=True``: moreover one Process per layer (:mod:`lava_stllr.lavanet.fused`), built
  from the Processes of ``"feedback"``.

All three give the same results bit for bit; only the number of OS processes in Lava's
simulator differs. The third factors each synapse needs are wired as its program asks
(:func:`lava_stllr.processes.wiring.wired_factors`), here and in the fused models alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from lava.proc.dense.process import Dense

from lava_stllr.lavanet.conv_front_end import FrontEndChain, build_front_end
from lava_stllr.lavanet.fused import fuse_layers, layers_fusable
from lava_stllr.onchip.layout import OnChipLayout
from lava_stllr.onchip.program import NetworkProgram
from lava_stllr.processes import (
    STLLRLIF,
    EventSource,
    LabelSource,
    LeakyReadout,
    OutputError,
    OutputLayer,
    STLLRDense,
)
from lava_stllr.processes.wiring import wired_factors

#: ``num_message_bits`` of the DFA feedback ``Dense`` (graded error values).
FEEDBACK_MESSAGE_BITS = 24


@dataclass
class Assembly:
    """The Processes of one network (see :class:`~lava_stllr.lavanet.network.STLLRNetwork`
    for what each holds in each topology)."""

    source: Any
    front: FrontEndChain | None
    dense: list[Any]
    recurrent: list[STLLRDense]
    hidden: list[Any]
    readout: Any
    error: Any
    labels: Any
    feedback: list[Dense] = field(default_factory=list)


def assemble(layout: OnChipLayout, program: NetworkProgram, fuse: bool | str,
             weights: Sequence[np.ndarray], recurrent_weights: Sequence[np.ndarray]
             ) -> Assembly:
    """The connected Processes of ``layout``'s network running ``program``, starting from
    ``weights`` (feed-forward, readout last) and ``recurrent_weights``, in the topology
    ``fuse`` (checked by :func:`~lava_stllr.lavanet.fused.check_fuse`)."""
    parts = _processes(layout, program, bool(fuse), weights, recurrent_weights)
    if fuse is True and layers_fusable(parts):
        fuse_layers(parts)
    else:
        _connect(parts, layout.update, bool(fuse))
    return parts


def _processes(lay: OnChipLayout, prog: NetworkProgram, feedback_inside: bool,
               weights: Sequence[np.ndarray], recurrent_weights: Sequence[np.ndarray]
               ) -> Assembly:
    p, period = lay.params, lay.period
    source = EventSource(n_inputs=lay.n_inputs, n_steps=lay.n_steps, gap=lay.gap,
                         program=prog.source)
    front = None if lay.front_end is None else build_front_end(lay, prog.front, source.s_out)
    dense = [STLLRDense(weights=w, params=p, program=syn, period=period,
                        delay=lay.dense_delay(i), rng_seed=seed, update=lay.update,
                        name=f"dense{i}")
             for i, (w, syn, seed) in enumerate(zip(weights, prog.synapses, prog.rng_seeds,
                                                    strict=True))]
    recurrent = [STLLRDense(weights=w, params=p, program=syn, period=period,
                            delay=lay.recurrent_delay(i), rng_seed=seed, update=lay.update,
                            recurrent=True, name=f"recurrent{i}")
                 for i, (w, syn, seed) in enumerate(zip(
                     recurrent_weights, prog.recurrent_synapses, prog.recurrent_seeds,
                     strict=True))]
    feedback = [np.asarray(b, dtype=float) for b in prog.feedback]
    hidden = [STLLRLIF(n=n, params=p, program=neuron, period=period, delay=lay.lif_delay(i),
                       update=lay.update, name=f"lif{i}",
                       feedback=feedback[i] if feedback_inside else None)
              for i, (n, neuron) in enumerate(zip(lay.sizes[1:-1], prog.neurons, strict=True))]
    n_out = lay.sizes[-1]
    if feedback_inside:  # one Process, one OS process: readout, labels and error
        output = OutputLayer(n=n_out, beta_out=lay.beta_out, params=p, n_steps=lay.n_steps,
                             gap=lay.gap, window_start=lay.window_start,
                             delay=lay.output_delay, update=lay.update, program=prog.output,
                             name="output")
        return Assembly(source, front, dense, recurrent, hidden, output, output, output)
    readout = LeakyReadout(n=n_out, beta_out=lay.beta_out, params=p, program=prog.readout,
                           period=period, delay=lay.output_delay, update=lay.update)
    error = OutputError(n=n_out, n_steps=lay.n_steps, gap=lay.gap,
                        window_start=lay.window_start, delay=lay.output_delay,
                        program=prog.error)
    labels = LabelSource(n_classes=n_out, period=period, delay=lay.output_delay)
    dense_feedback = [Dense(weights=b, num_message_bits=FEEDBACK_MESSAGE_BITS,
                            name=f"feedback{i}", **_feedback_kwargs(prog.precision))
                      for i, b in enumerate(feedback)]
    return Assembly(source, front, dense, recurrent, hidden, readout, error, labels,
                    dense_feedback)


def _feedback_kwargs(precision: str) -> dict:
    """Lava ``Dense`` arguments of a fixed-point feedback connection: mixed-sign
    mantissas, exponent 0 (its bit-accurate model computes ``B_int @ e_int``)."""
    if precision != "fixed":
        return {}
    from lava.utils.weightutils import SignMode

    return {"sign_mode": SignMode.MIXED, "weight_exp": 0}


def _connect(parts: Assembly, update: str, feedback_inside: bool) -> None:
    """Connect the unfused Processes: spikes forward, currents and factors of each
    connection, the output stage and the DFA feedback."""
    posts = [*parts.hidden, parts.readout]
    pre_outs = [parts.source.s_out if parts.front is None else parts.front.out_port,
                *(lif.s_out for lif in parts.hidden)]
    connections = [*zip(pre_outs, parts.dense, posts, strict=True),
                   *((lif.s_out, rec, lif) for rec, lif in zip(
                       parts.recurrent, parts.hidden, strict=False))]
    for pre_out, dense, post in connections:  # a_in sums all its incoming currents
        pre_out.connect(dense.s_in)
        dense.a_out.connect(post.a_in)
        post.y2_out.connect(dense.s_in_y2)
        post.y3_out.connect(dense.s_in_y3)
        y1, bap = wired_factors(dense.proc_params["program"], update,
                                post_sends_bap=post is not parts.readout)
        if y1:
            post.y1_out.connect(dense.s_in_y1)  # the sign flag or the per-sample gate
        if bap:
            post.bap_out.connect(dense.s_in_bap)
    if not feedback_inside:
        parts.readout.z_out.connect(parts.error.z_in)
        parts.labels.label_out.connect(parts.error.label_in)
        parts.error.e_out.connect(parts.readout.e_in)
    for i, lif in enumerate(parts.hidden):
        if feedback_inside:
            parts.error.e_out.connect(lif.e_in)
        else:
            parts.error.e_out.connect(parts.feedback[i].s_in)
            parts.feedback[i].a_out.connect(lif.sig_in)
