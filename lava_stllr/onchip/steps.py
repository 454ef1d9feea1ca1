"""One step function per on-chip Process, for either arithmetic, and the composite step
of the output stage.

``program`` is a float program (:mod:`lava_stllr.onchip.programs_float`) or a Loihi 2
one (:mod:`lava_stllr.onchip.programs_fixed`), as :mod:`lava_stllr.onchip.protocols`
describes them; the ProcessModels of both tags and the on-chip pipeline
(:mod:`lava_stllr.onchip.pipeline`) call these same functions in the same order, so they
agree bit for bit. What is framed here, once for both precisions: state restarts at
sample boundaries, the learning window, the scoring of a sample, and the order of the
readout, its error and its factors within one step (:func:`output_step`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from lava_stllr.core.messages import NeuronOutputs, NeuronState, ThirdFactors
from lava_stllr.core.signals import cross_entropy, output_error
from lava_stllr.onchip.clock import SampleClock
from lava_stllr.onchip.protocols import (
    ErrorCodec,
    NeuronProgram,
    ReadoutProgram,
    SynapseProgram,
    check_program,
)


class DenseStep(NamedTuple):
    """Outputs of one :func:`dense_step`: the current sent next step and the pre trace."""

    current: np.ndarray
    trace: np.ndarray


def dense_step(program: SynapseProgram, weights: np.ndarray, trace: np.ndarray, payload: np.ndarray,
               factors: ThirdFactors, new_sample: bool, randoms: Any,
               tag: np.ndarray | None = None, recurrent: bool = False) -> DenseStep:
    """One step of the ``STLLRDense`` Process after it sent last step's current.

    The current ``W x[t]`` for the next step uses the weights before this step's update
    (one step of synaptic delay, as a Lava ``Dense``); then one learning-engine step
    with the third factors received this step accumulates into ``weights`` in place,
    or, per sample, into ``tag``, which moves into ``weights`` when the gate ``y1``
    arrives (:func:`tag_gate`). A ``recurrent`` synapse (pre = its post layer) takes
    the spikes it receives at a sample's first step, its post layer's last gap step of
    the previous sample, as zeros: every sample starts from ``h[-1] = 0``.
    """
    if recurrent and new_sample:
        payload = np.zeros_like(payload)
    x = program.presynaptic(payload)
    current = program.current(weights, x)
    return DenseStep(current, program.learn(weights, trace, x, factors, new_sample, randoms,
                                            tag))


def tag_gate(clock: SampleClock, time_step: int, update: str) -> bool:
    """Whether a post Process raises its per-sample gate at ``time_step``: with
    ``update="sample"``, at step ``period - 2`` of each of its samples.

    Its synapse, one pipeline step earlier, receives the gate at its own last step of
    the sample, so the tag (the whole sample's products) lands in the weights before
    the current of the next sample's first step is computed.
    """
    if update != "sample" or clock.period < 2:
        return False
    sample, step = clock.position(time_step)
    return sample >= 0 and step == clock.period - 2


def neuron_process_step(program: NeuronProgram, state: NeuronState, current: np.ndarray,
                        raw_signal: np.ndarray, new_sample: bool,
                        gate: bool = False) -> tuple[NeuronState, NeuronOutputs]:
    """One step of the ``STLLRLIF`` Process: restart at a sample boundary, then the
    program's neuron step with the learning signal decoded from the feedback current
    (``gate``: raise the per-sample gate, :func:`tag_gate`)."""
    if new_sample:
        state = program.zeros(np.shape(state.v))
    return program.step(state, current, program.signal(raw_signal), gate)


def readout_process_step(program: ReadoutProgram, z: np.ndarray, current: np.ndarray,
                         new_sample: bool) -> np.ndarray:
    """Integration of the ``LeakyReadout`` Process, restarting from 0 at a sample
    boundary; it sends ``z`` before it receives the error of the same step."""
    if new_sample:
        z = program.zeros(np.shape(z))
    return program.integrate(z, current)


@dataclass(frozen=True)
class ErrorConfig:
    """Sample layout seen by the output-error Process: ``n_steps`` steps per sample (a
    gap may follow) and the learning window ``[window_start, n_steps)``."""

    n_steps: int
    window_start: int


class ErrorStep(NamedTuple):
    """Outputs of one :func:`error_process_step`."""

    error: np.ndarray
    z_sum: np.ndarray
    result: np.ndarray | None
    correct: bool
    loss: float


def error_step(z: np.ndarray, label: int, rate: float) -> np.ndarray:
    """Output error ``rate * (softmax(z) - onehot(label))`` on learning steps
    (``rate > 0``, the sample's step-size scale), else zeros."""
    if not rate > 0:
        return np.zeros_like(z, dtype=float)
    error = output_error(np.asarray(z, dtype=float)[None, :], np.array([int(label)]))[0]
    return error if rate == 1 else rate * error


def error_process_step(codec: ErrorCodec, z: np.ndarray, label_msg: np.ndarray, z_sum: np.ndarray,
                       position: tuple[int, int], cfg: ErrorConfig) -> ErrorStep:
    """One step of the ``OutputError`` Process.

    ``label_msg = [label, rate, scored]``; ``position = (sample, step)`` from its
    :class:`~lava_stllr.onchip.clock.SampleClock`. The readout is decoded to float
    units (``codec.decode``). In the window ``window_start <= step < n_steps``:
    ``e = rate * (softmax(z) - onehot(label))`` (0 if ``rate = 0``: no learning; the
    rate scales every layer's step, as the learning signals are ``B e``), sent encoded
    (``codec.encode``), and ``z`` is summed if ``scored``; at the window's last step a
    scored sample yields ``result = sum z``, ``correct = argmax(sum z) == label`` and
    ``loss = cross-entropy(mean z)`` over the window (nats; the loss the reference
    trainers report).
    """
    z = codec.decode(z)
    sample, step = position
    label, rate, scored = int(label_msg[0]), float(label_msg[1]), label_msg[2] > 0
    in_window = sample >= 0 and cfg.window_start <= step < cfg.n_steps
    error = codec.encode(error_step(z, label, rate if in_window else 0.0))
    if not (in_window and scored):
        return ErrorStep(error, z_sum, None, False, 0.0)
    z_sum = (np.zeros_like(z_sum) if step == cfg.window_start else z_sum) + z
    if step != cfg.n_steps - 1:
        return ErrorStep(error, z_sum, None, False, 0.0)
    mean_z = z_sum / (cfg.n_steps - cfg.window_start)
    loss = float(cross_entropy(mean_z[None, :], np.array([label]))[0])
    return ErrorStep(error, z_sum, z_sum.copy(), int(np.argmax(z_sum)) == label, loss)


def source_frame(sample_data: np.ndarray | None, sample: int, step: int,
                 shape: tuple[int, ...]) -> np.ndarray:
    """Input row sent by the event source: row ``step`` of the current sample, or zeros
    before the first sample and during the gap after it."""
    if sample < 0 or sample_data is None or step >= sample_data.shape[0]:
        return np.zeros(shape)
    return sample_data[step].astype(float)


@dataclass(frozen=True)
class OutputProgram:
    """The program of the output stage: its readout's and its error codec."""

    readout: ReadoutProgram
    codec: ErrorCodec

    def __post_init__(self) -> None:
        check_program("readout", self.readout, ReadoutProgram)
        check_program("codec", self.codec, ErrorCodec, self.readout.precision)

    @property
    def precision(self) -> str:
        """The readout's precision."""
        return self.readout.precision


class OutputStep(NamedTuple):
    """Outputs of one :func:`output_step`: the readout, its error step and the third
    factors of that error."""

    z: np.ndarray
    error: ErrorStep
    factors: ThirdFactors


def _as_is(value: np.ndarray, role: str) -> np.ndarray:
    return value


def output_step(program: OutputProgram, z: np.ndarray, current: np.ndarray,
                label_msg: np.ndarray, z_sum: np.ndarray, clock: SampleClock, time_step: int,
                cfg: ErrorConfig, update: str,
                wire: Callable[[np.ndarray, str], np.ndarray] = _as_is) -> OutputStep:
    """One step of the output stage, in the order of its separate Processes: the readout
    integrates ``current`` and sends ``z``; the output error receives ``z`` and this
    sample's ``label_msg`` (:func:`error_process_step`) and sends ``e``; the readout
    receives ``e`` and computes its third factors (``update="sample"``: with the gate).

    ``wire(value, role)`` gives a value handed between the stages the type of the Lava
    port that would carry it (roles ``"membrane"``, ``"error"``; as is by default).
    """
    z = readout_process_step(program.readout, z, current, clock.new_sample(time_step))
    out = error_process_step(program.codec, wire(z, "membrane"), label_msg, z_sum,
                             clock.position(time_step), cfg)
    factors = program.readout.factors(wire(out.error, "error"),
                                      tag_gate(clock, time_step, update))
    return OutputStep(z, out, factors)
