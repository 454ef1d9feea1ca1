"""What the program of each on-chip Process provides, for any precision.

A *program* carries the arithmetic, the factor encoding and the constants of one Process;
the step functions of :mod:`lava_stllr.onchip.steps` run it, the same way in the NumPy
pipeline and in the ProcessModels. Float programs live in
:mod:`lava_stllr.onchip.programs_float`, Loihi 2 integer ones in
:mod:`lava_stllr.onchip.programs_fixed`, the conv front-end's in
:mod:`lava_stllr.onchip.conv_stages`; :mod:`lava_stllr.onchip.program` builds them. A new
precision implements these protocols (and a tag package maps its port roles to Lava
types); a new neuron implements :class:`NeuronProgram`.

Every program says its ``precision`` (``"float"`` or ``"fixed"``): the run config is
given a precision (``STLLRSimCfg(precision)``; ``STLLRNetwork`` passes its network
program's) and the models of that tag refuse, at compile time, a Process whose program
is of another. The wiring asks the synapse program what it reads and where its
per-sample gate comes from (:attr:`SynapseProgram.reads_sign_flag`,
:attr:`SynapseProgram.reads_bap`, :attr:`SynapseProgram.gate`) instead of checking the
precision.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from lava_stllr.core.messages import NeuronOutputs, NeuronState, ThirdFactors

#: The arithmetics of a program: float64, or Loihi 2's integers.
PRECISIONS = ("float", "fixed")
#: Update modes: weights move every step (``"step"``) or once per sample through the
#: synaptic tag (``"sample"``, S-TLLR's ``dW = -lr * sum_t L[t] e[t]``).
UPDATES = ("step", "sample")


@runtime_checkable
class RandomStream(Protocol):
    """The learning engine's per-step random draws (None in float)."""

    def next(self) -> Any:
        """This step's draw."""
        ...


@runtime_checkable
class SynapseProgram(Protocol):
    """An ``STLLRDense``: its current ``W x`` and one learning-engine step per Lava step."""

    precision: str
    #: The rule multiplies every product by the sign flag ``(y1 - 64)``: ``s_in_y1`` must
    #: come from the post neuron on every step.
    reads_sign_flag: bool
    #: The rule reads the post neuron's back-propagating action potential (``s_in_bap``).
    reads_bap: bool
    #: Which of the post neuron's outputs carries the per-sample gate: ``"y1"`` or
    #: ``"bap"`` (``update="sample"``).
    gate: str

    def check_weights(self, weights: np.ndarray) -> np.ndarray:
        """Initial weights the synapse can hold (``ValueError`` otherwise)."""
        ...

    def load_weights(self, weights: np.ndarray) -> np.ndarray:
        """The weights as the synapse stores them from its first step on."""
        ...

    def zero_trace(self, n_pre: int) -> np.ndarray:
        """Pre trace at rest."""
        ...

    def random_stream(self, seed: int) -> RandomStream:
        """The stochastic-rounding draws of a connection seeded ``seed``."""
        ...

    def presynaptic(self, payload: np.ndarray) -> np.ndarray:
        """What the synapse sees of a received payload (spikes or graded values)."""
        ...

    def current(self, weights: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The dendritic current of ``x``."""
        ...

    def learn(self, weights: np.ndarray, trace: np.ndarray, x: np.ndarray,
              factors: ThirdFactors, new_sample: bool, randoms: Any,
              tag: np.ndarray | None = None) -> np.ndarray:
        """One learning step into ``weights`` (or the synaptic ``tag``) in place; the new
        pre trace."""
        ...


@runtime_checkable
class NeuronProgram(Protocol):
    """An ``STLLRLIF`` population: LIF, psi, post trace and the third factors."""

    precision: str
    #: The update mode it is built for (``"step"``, ``"sample"``), or None: either.
    update: str | None

    def zeros(self, n: int | tuple[int, ...]) -> NeuronState:
        """Rest state."""
        ...

    def signal(self, raw: np.ndarray) -> np.ndarray:
        """The learning signal of a received feedback current."""
        ...

    def step(self, state: NeuronState, current: np.ndarray, signal: np.ndarray,
             gate: bool = False) -> tuple[NeuronState, NeuronOutputs]:
        """One neuron step; ``gate`` raises the per-sample gate ``y1``."""
        ...

    def feedback_current(self, weights: np.ndarray, error: np.ndarray) -> np.ndarray:
        """The DFA current ``B e`` a graded Lava ``Dense`` of this precision delivers."""
        ...


@runtime_checkable
class ReadoutProgram(Protocol):
    """A ``LeakyReadout``: the leaky integrator and the third factors of its error."""

    precision: str
    #: The update mode it is built for (``"step"``, ``"sample"``), or None: either.
    update: str | None

    def zeros(self, n: int) -> np.ndarray:
        """Rest state."""
        ...

    def integrate(self, z: np.ndarray, current: np.ndarray) -> np.ndarray:
        """One integration step."""
        ...

    def factors(self, error: np.ndarray, gate: bool = False) -> ThirdFactors:
        """Third factors of the output error received this step."""
        ...


@runtime_checkable
class ErrorCodec(Protocol):
    """An ``OutputError``: the readout in float units and the error as sent."""

    precision: str

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Readout in float units."""
        ...

    def encode(self, error: np.ndarray) -> np.ndarray:
        """The float error as sent on ``e_out``."""
        ...


@runtime_checkable
class FrameEncoder(Protocol):
    """An ``EventSource``: an input row as sent on the wire."""

    precision: str

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """The row as sent."""
        ...


@runtime_checkable
class FrontNeuronProgram(Protocol):
    """A ``FrontEndLIF``: a frozen LIF of a conv front-end stage."""

    precision: str

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        """Rest membrane."""
        ...

    def step(self, u: np.ndarray, current: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One step; ``(membrane, spikes)``."""
        ...


@runtime_checkable
class PoolProgram(Protocol):
    """A ``SpikePool``: pools one (C, H, W) frame."""

    precision: str

    def apply(self, x: np.ndarray) -> np.ndarray:
        """The pooled frame."""
        ...


def check_program(name: str, program: object, protocol: type,
                  precision: str | None = None) -> Any:
    """``program`` if it implements ``protocol`` (and is of ``precision``, if given);
    else ``ValueError`` naming ``name``."""
    if not isinstance(program, protocol):
        raise ValueError(f"{name} must be a {protocol.__name__} (lava_stllr.onchip.program "
                         f"builds them), got {type(program).__name__}")
    if program.precision not in PRECISIONS:
        raise ValueError(f"{name}.precision must be one of {PRECISIONS}, got "
                         f"{program.precision!r}")
    if precision is not None and program.precision != precision:
        raise ValueError(f"{name} is a {program.precision} program, the {precision} models "
                         f"cannot run it")
    return program


def check_update(update: object, *programs: Any) -> str:
    """``update`` as one of ``"step"``, ``"sample"``, checked against the mode each
    neuron or readout program was built for (``ValueError`` naming it otherwise)."""
    from lava_stllr import validate

    update = validate.choice("update", update, UPDATES)
    for program in programs:
        built = getattr(program, "update", None)
        if built is not None and built != update:
            raise ValueError(
                f"update={update!r}, but the {type(program).__name__} program was built for "
                f"update={built!r}: build it with the same update "
                f"(lava_stllr.onchip.program, or network_program of the layout)")
    return update
