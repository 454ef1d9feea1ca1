"""Layout and weights of a dense S-TLLR network, shared by the trainers and the Lava network."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

#: Default :attr:`NetworkSpec.recurrent_gain`: recurrent matrices start with std
#: ``0.3/sqrt(n)`` (spectral radius about 0.3), not the feed-forward ``init_gain``. At
#: ``init_gain`` (radius about 1) a recurrent LIF layer reverberates on its own: on chip
#: (DFA, batch 1, synthetic 512-64r-4) its recurrent current was 2.5x its input current,
#: it kept firing through the blank gap (rate 0.3 with no input) and learning stalled
#: (held-out 0.25, 0.60); S-TLLR with DFA has no credit through time to quieten it.
DEFAULT_RECURRENT_GAIN = 0.3


def check_readout_and_gain(spec: object) -> None:
    """Check and store as Python floats the ``beta_out`` (in [0, 1]) and ``init_gain``
    (> 0) of a frozen network spec; ``ValueError`` names the field otherwise."""
    for name in ("beta_out", "init_gain"):
        value = getattr(spec, name)
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer
                                                     | np.floating):
            raise ValueError(f"{name} must be a number, got {value!r}")
        object.__setattr__(spec, name, float(value))
    if not (0.0 <= spec.beta_out <= 1.0):
        raise ValueError(f"beta_out must be in [0, 1], got {spec.beta_out!r}")
    if not (np.isfinite(spec.init_gain) and spec.init_gain > 0):
        raise ValueError(f"init_gain must be > 0, got {spec.init_gain!r}")


@dataclass(frozen=True)
class NetworkSpec:
    """Layout of a dense network: LIF hidden layers and a leaky-integrator readout.

    Attributes
    ----------
    sizes : tuple of int
        ``(n_inputs, hidden_1, ..., hidden_k, n_outputs)``; at least one hidden layer.
    recurrent : bool
        Give every hidden layer all-to-all recurrent weights (the paper's SHD network).
    beta_out : float
        Readout decay per step, ``z[t] = beta_out*z[t-1] + W h[t]``, in [0, 1].
    init_gain : float
        Initial feed-forward weights are uniform with standard deviation
        ``init_gain/sqrt(fan_in)``.
    recurrent_gain : float
        Initial recurrent weights ``V_l`` are uniform with standard deviation
        ``recurrent_gain/sqrt(n_l)`` (>= 0; :data:`DEFAULT_RECURRENT_GAIN`), whether or
        not ``recurrent`` (then unused).
    """

    sizes: tuple[int, ...]
    recurrent: bool = False
    beta_out: float = 0.9
    init_gain: float = 1.0
    recurrent_gain: float = DEFAULT_RECURRENT_GAIN

    def __post_init__(self) -> None:
        try:
            sizes = tuple(self.sizes)
        except TypeError:
            raise ValueError(f"sizes must be a tuple (inputs, hidden..., outputs) of ints, "
                             f"got {self.sizes!r}") from None
        if len(sizes) < 3:
            raise ValueError(
                f"sizes must be (inputs, hidden..., outputs) with >= 1 hidden layer, got {sizes}"
            )
        if any(isinstance(n, bool | np.bool_) or not isinstance(n, int | np.integer) or n < 1
               for n in sizes):
            raise ValueError(f"every layer size must be an integer >= 1, got {sizes}")
        # Python ints and floats: to_dict() must be JSON-serialisable and round-trip.
        object.__setattr__(self, "sizes", tuple(int(n) for n in sizes))
        if sizes[-1] < 2:
            raise ValueError(f"the readout needs >= 2 classes, got {sizes[-1]}")
        if not isinstance(self.recurrent, bool | np.bool_):
            raise ValueError(f"recurrent must be True or False, got {self.recurrent!r}")
        object.__setattr__(self, "recurrent", bool(self.recurrent))
        check_readout_and_gain(self)
        gain = self.recurrent_gain
        if isinstance(gain, bool) or not isinstance(gain, int | float | np.integer
                                                    | np.floating) or not (
                np.isfinite(gain) and gain >= 0):
            raise ValueError(f"recurrent_gain must be a number >= 0, got {gain!r}")
        object.__setattr__(self, "recurrent_gain", float(gain))

    @property
    def n_hidden_layers(self) -> int:
        """Number of LIF layers."""
        return len(self.sizes) - 2

    @property
    def n_inputs(self) -> int:
        """Input size per step (what batches (B, T, n_inputs) carry)."""
        return self.sizes[0]

    @property
    def n_classes(self) -> int:
        """Readout size."""
        return self.sizes[-1]

    #: What run folders record as the network kind (``"network"`` in the weights' meta).
    kind = "dense"

    @property
    def label(self) -> str:
        """Short name, e.g. ``578-256-10`` (``578-256r-10`` with recurrent layers)."""
        hidden = [f"{n}r" if self.recurrent else str(n) for n in self.sizes[1:-1]]
        return "-".join([str(self.sizes[0]), *hidden, str(self.sizes[-1])])

    @property
    def weight_shapes(self) -> tuple[tuple[int, int], ...]:
        """Shape of every weight matrix: feedforward (readout last), then recurrent."""
        sizes = self.sizes
        ff = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        return tuple(ff + ([(n, n) for n in sizes[1:-1]] if self.recurrent else []))

    @classmethod
    def from_dict(cls, data: dict) -> NetworkSpec:
        """Inverse of :meth:`to_dict`."""
        return cls(**{**data, "sizes": tuple(data["sizes"])})

    def to_dict(self) -> dict:
        """Plain-dict form (JSON-serialisable)."""
        return asdict(self)


@dataclass
class Weights:
    """Trainable weights: ``feedforward[l]`` is (sizes[l+1], sizes[l]) (the last one is the
    readout); ``recurrent[l]`` is (n_l, n_l) for hidden layer l, or absent."""

    feedforward: list[np.ndarray]
    recurrent: list[np.ndarray] = field(default_factory=list)

    def arrays(self) -> list[np.ndarray]:
        """All weight matrices in a fixed order (feedforward, then recurrent)."""
        return [*self.feedforward, *self.recurrent]

    def copy(self) -> Weights:
        """Deep copy."""
        return Weights([w.copy() for w in self.feedforward], [w.copy() for w in self.recurrent])


def check_weights(spec: NetworkSpec, weights: Weights, where: str = "weights") -> None:
    """Raise ``ValueError`` unless ``weights`` fit ``spec``: a :class:`Weights` with
    one finite ``(n_out, n_in)`` matrix per layer (and ``(n, n)`` recurrent ones iff
    ``spec.recurrent``). ``where`` names the weights in the message."""
    if not isinstance(weights, Weights):
        raise ValueError(f"{where} must be a Weights, got {type(weights).__name__}")
    sizes = spec.sizes
    expected = [(n_out, n_in) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
    expected_rec = [(n, n) for n in sizes[1:-1]] if spec.recurrent else []
    for kind, got, want in (("feedforward", weights.feedforward, expected),
                            ("recurrent", weights.recurrent, expected_rec)):
        if len(got) != len(want):
            raise ValueError(f"{where}: {len(got)} {kind} matrices, the network "
                             f"{'-'.join(map(str, sizes))} has {len(want)}")
        for i, (w, shape) in enumerate(zip(got, want, strict=True)):
            w = np.asarray(w)
            if w.shape != shape:
                raise ValueError(f"{where}: {kind}[{i}] has shape {w.shape}, expected {shape}")
            if w.dtype.kind not in "biuf" or not np.all(np.isfinite(w)):
                raise ValueError(f"{where}: {kind}[{i}] holds NaN, Inf or non-numbers")


def init_weights(spec: NetworkSpec, seed: int) -> Weights:
    """Seeded uniform initial weights, std ``init_gain/sqrt(fan_in)`` per feed-forward
    matrix and ``recurrent_gain/sqrt(n)`` per recurrent one."""
    rng = np.random.default_rng(seed)

    def uniform(n_out: int, n_in: int, gain: float) -> np.ndarray:
        bound = gain * np.sqrt(3.0 / n_in)
        return rng.uniform(-bound, bound, size=(n_out, n_in))

    ff = [uniform(n_out, n_in, spec.init_gain)
          for n_in, n_out in zip(spec.sizes[:-1], spec.sizes[1:], strict=True)]
    rec = ([uniform(n, n, spec.recurrent_gain) for n in spec.sizes[1:-1]]
           if spec.recurrent else [])
    return Weights(ff, rec)
