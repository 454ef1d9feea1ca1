"""How much memory a training run needs, counted before anything is allocated.

A run holds its weights (several copies), the per-step state of the batched trainer
(membranes, spikes, psi, eligibility traces and learning signals of every neuron and
sample of a batch; for conv layers the feature maps and the patch matrices of im2col;
for BPTT every step's records), its input batches ``batch x T x n_inputs`` (the binned
float32 samples, their stack and the trainer's float copy) and, for a dataset generated
in memory, every binned sample. :func:`refuse_over` turns an estimate that does not fit
in :func:`available_memory` into one line that says what is needed, what is available
and which option to lower.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

from lava_stllr.cli.parser import CLIError
from lava_stllr.files import format_bytes

#: Copies of the weights a training run holds at once (weights, the copy kept for the
#: weight-change plot, the update, the eligibility or gradient); Adam adds its two moments.
WEIGHT_COPIES = 4
#: Arrays per neuron and sample of a training step (membrane, pre-reset membrane,
#: spikes, psi, the pre and post traces and the previous post trace, learning signal,
#: the input current and the records of the step before, still held while the next
#: one is computed).
TRAIN_ARRAYS = 10
#: Arrays per neuron and sample of a forward step (evaluation): input current and its
#: transposed copy, membrane, pre-reset membrane, spikes, psi.
FORWARD_ARRAYS = 6
#: Patch matrices (im2col) per conv layer, sample and step held at once: training holds
#: the step's, the previous step's and that of the input trace; evaluation two.
TRAIN_PATCHES, FORWARD_PATCHES = 3, 2
#: Arrays per neuron, sample and step that BPTT keeps on its tape.
TAPE_ARRAYS = 4
#: Bytes per input value of a batch: the binned float32 samples, their float32 stack and
#: the float64 batch handed to the trainer (plus the trainer's own cast when it differs).
INPUT_BYTES = 4 + 4 + 8
#: Mini-batch of the reference trainers' evaluation.
EVAL_BATCH = 64
ITEMSIZE = {"float32": 4, "float64": 8}


@dataclass(frozen=True)
class RunShape:
    """What a training run holds besides its weights.

    Attributes
    ----------
    n_steps, n_inputs : int
        Time steps and inputs of one binned sample.
    batch : int
        Training mini-batch (1 on the Lava backend).
    eval_batch : int
        Held-out batch (0 when nothing is evaluated).
    trainer : {"stllr", "bptt", "lava"}
        The trainer whose state is counted.
    in_memory : int
        Binned samples still to be generated in memory (a dataset generated in code; 0
        for one read lazily from files or already loaded).
    binned : bool
        Whether the samples are binned from events (``--time-bins`` applies).
    """

    n_steps: int
    n_inputs: int
    batch: int = 1
    eval_batch: int = 0
    trainer: str = "stllr"
    in_memory: int = 0
    binned: bool = True


@dataclass(frozen=True)
class Estimate:
    """Bytes per part (``(name, bytes, words)``, largest first) and the option to lower."""

    parts: tuple[tuple[str, int, str], ...]
    hint: str

    @property
    def total(self) -> int:
        """Bytes of all parts."""
        return sum(size for _, size, _ in self.parts)


def _layer_values(spec: Any) -> tuple[int, int]:
    """``(neuron values, patch values)`` of one sample at one step: every layer's
    output (the input included; recurrent layers count twice for their traces) and, for
    conv layers, the padded input and the im2col patch matrix."""
    from lava_stllr.spec.conv import ConvNetSpec
    from lava_stllr.spec.layers import ConvLayer

    if not isinstance(spec, ConvNetSpec):
        hidden = sum(spec.sizes[1:-1])
        return sum(spec.sizes) + (hidden if spec.recurrent else 0), 0
    shapes = spec.shapes
    patches = 0
    for layer, before, after in zip(spec.layers, shapes[:-1], shapes[1:], strict=True):
        if isinstance(layer, ConvLayer):
            channels, height, width = before
            pad = 2 * layer.padding
            patches += channels * (height + pad) * (width + pad)
            patches += after[1] * after[2] * channels * layer.kernel ** 2
    return sum(math.prod(shape) for shape in shapes) + spec.n_classes, patches


def _pass(spec: Any, run: RunShape, itemsize: int, train: bool) -> tuple[int, int, int]:
    """``(state bytes, input bytes, batch)`` of a training (or evaluation) pass."""
    batch = run.batch if train else run.eval_batch
    if batch <= 0:
        return 0, 0, 0
    neurons, patches = _layer_values(spec) if spec is not None else (0, 0)
    if not train:
        values = FORWARD_ARRAYS * neurons + FORWARD_PATCHES * patches
    elif run.trainer == "bptt":
        values = (TAPE_ARRAYS * run.n_steps + TRAIN_ARRAYS) * neurons + \
            TRAIN_PATCHES * patches
    else:
        values = TRAIN_ARRAYS * neurons + TRAIN_PATCHES * patches
    per_input = INPUT_BYTES + (itemsize if itemsize != 8 else 0)
    return (batch * values * itemsize, batch * run.n_steps * run.n_inputs * per_input,
            batch)


def estimate(spec: Any, optimizer: str | None = None, dtype: str | None = None,
             run: RunShape | None = None) -> Estimate:
    """The memory a run of ``spec`` needs: its weights (``dtype``, float64 when None,
    :data:`WEIGHT_COPIES` copies, 2 more with Adam) and, with ``run``, the larger of its
    training and evaluation passes and the binned samples it will generate in memory.
    ``spec`` None counts the data only (before the network is known)."""
    from lava_stllr.spec.kinds import n_weights

    dtype = dtype or "float64"
    itemsize = ITEMSIZE[dtype]
    parts: list[tuple[str, int, str]] = []
    by_training = False  # the training pass is the larger and its batch is over 1
    if spec is not None:
        n = n_weights(spec)
        copies = WEIGHT_COPIES + (2 if optimizer == "adam" else 0)
        parts.append(("weights", n * itemsize * copies,
                      f"{n:,} {dtype} weights x {copies} copies"))
    if run is not None:
        train = _pass(spec, run, itemsize, train=True)
        held = _pass(spec, run, itemsize, train=False)
        larger = train if train[0] + train[1] >= held[0] + held[1] else held
        state, inputs, batch = larger
        by_training = larger is train and run.batch > 1
        if state:
            word = "a training" if larger is train else "an evaluation"
            parts.append(("state", state, f"the activations and traces of {word} batch "
                                          f"of {batch}"))
        if inputs:
            parts.append(("inputs", inputs, f"input batches of {batch} x {run.n_steps} "
                                            f"steps x {run.n_inputs} inputs"))
        if run.in_memory:
            parts.append(("data", run.in_memory * run.n_steps * run.n_inputs * 4,
                          f"{run.in_memory:,} binned samples of {run.n_steps} x "
                          f"{run.n_inputs} float32 in memory"))
    parts.sort(key=lambda part: -part[1])
    conv = spec is not None and spec.kind == "conv"
    return Estimate(tuple(parts), _hint(parts[0][0] if parts else "weights", run,
                                        by_training, conv))


def _hint(largest: str, run: RunShape | None, batch: bool, conv: bool) -> str:
    """Which options lower the ``largest`` part (``batch``: the training batch is the
    larger pass, so ``--batch-size`` lowers it; ``conv``: a conv network)."""
    bins = run is not None and run.binned
    layers = ("use smaller --layers (fewer channels, less padding, larger strides)" if conv
              else "use smaller --hidden or --layers")
    if largest == "data":
        return "use fewer --samples or --val-samples" + (" or fewer --time-bins" if bins
                                                         else "")
    if largest == "inputs":
        options = [o for o, use in (("fewer --time-bins", bins),
                                    ("a smaller --batch-size", batch)) if use]
        return "use " + " or ".join(options or ["fewer --samples"])
    if largest == "state":
        words = layers
        if run is not None and run.trainer == "bptt":
            words += (" or fewer --time-bins" if bins else "") + \
                " or --trainer stllr (BPTT keeps every step)"
        return words + (" or a smaller --batch-size" if batch else "")
    return layers


def memory_limits() -> dict[str, int]:
    """Bytes this process can still allocate, per limit that applies: physical memory,
    a cgroup limit (containers) and the address-space limit (``ulimit -v``), each less
    what is already in use."""
    limits: dict[str, int] = {}
    used = _status_bytes("VmRSS")
    try:
        phys = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        limits["physical memory"] = phys - (used or 0)
    except (ValueError, OSError, AttributeError):
        pass
    for limit, current in (("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
                           ("/sys/fs/cgroup/memory/memory.limit_in_bytes",
                            "/sys/fs/cgroup/memory/memory.usage_in_bytes")):
        cap, now = _read_int(limit), _read_int(current)
        if cap is not None and cap < 1 << 60:
            limits["the cgroup memory limit"] = cap - (now or 0)
            break
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            limits["the address-space limit (ulimit -v)"] = soft - (
                _status_bytes("VmSize") or 0)
    except (ImportError, ValueError, OSError):  # pragma: no cover - not POSIX
        pass
    return {name: max(0, value) for name, value in limits.items()}


def _read_int(path: str) -> int | None:
    try:
        with open(path) as fh:
            return int(fh.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _status_bytes(field: str) -> int | None:
    """``field`` (``VmRSS``, ``VmSize``) of /proc/self/status in bytes, or None."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def available_memory() -> int | None:
    """Bytes this process can still allocate: the smallest of :func:`memory_limits`
    (None where none is known)."""
    limits = memory_limits()
    return min(limits.values()) if limits else None


def refuse_over(found: Estimate, what: str, free: int | None) -> None:
    """Raise :class:`CLIError` when ``found`` needs more than ``free`` bytes: one line
    with the total, each part, what is available (and which limit) and what to lower."""
    if free is None or found.total <= free:
        return
    limits = memory_limits()
    source = min(limits, key=limits.__getitem__) if limits else None
    parts = "; ".join(f"{words}: {format_bytes(size)}" for _, size, words in found.parts)
    raise CLIError(f"{what} needs about {format_bytes(found.total)} ({parts}), more than "
                   f"the {format_bytes(free)} available"
                   f"{f' ({source})' if source else ''}: {found.hint}")


def data_shape(name: str, request: Any) -> tuple[int, int, bool]:
    """``(n_steps, n_inputs, binned)`` of the samples of dataset ``name`` as ``request``
    bins them, known before any sample is read (a generated dataset: one sample is
    generated)."""
    from lava_stllr.data import registry

    binning = registry.binning_for(name, request.binning)
    if binning is not None:
        return int(binning.n_steps), int(binning.n_inputs), True
    sample = registry.get(name).generate("train", 1, request.seed)
    return int(sample.n_steps), int(sample.n_inputs), False


def run_shape(args: Any, n_steps: int, n_inputs: int, n_train: int | None, n_val: int,
              in_memory: int = 0, binned: bool = True) -> RunShape:
    """The :class:`RunShape` of ``train``'s options (backend, trainer, batch size) for
    ``n_train`` (None: unknown) training and ``n_val`` held-out samples."""
    if args.backend != "reference":
        return RunShape(n_steps, n_inputs, 1, min(1, n_val), "lava", in_memory, binned)
    batch = args.batch_size or 32
    batch = batch if n_train is None else min(batch, n_train)
    trainer = "bptt" if args.trainer == "bptt" else "stllr"
    return RunShape(n_steps, n_inputs, batch, min(EVAL_BATCH, n_val), trainer, in_memory,
                    binned)
