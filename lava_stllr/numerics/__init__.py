"""Pure NumPy step functions of S-TLLR, shared by the reference trainer and the Lava models.

No Lava import here. Every function takes plain arrays; the fixed-point variants use
the same functions with a fixed-point ``arith``.
"""

from lava_stllr.numerics.arithmetic import FLOAT, Arithmetic, FloatArithmetic
from lava_stllr.numerics.eligibility import stllr_grad
from lava_stllr.numerics.neurons import leaky_integrator_step, lif_step
from lava_stllr.numerics.psi import psi
from lava_stllr.numerics.signals import (
    bp_signal,
    cross_entropy,
    dfa_signal,
    feedback_matrix,
    output_error,
    softmax,
)
from lava_stllr.numerics.traces import trace_step

__all__ = [
    "FLOAT",
    "Arithmetic",
    "FloatArithmetic",
    "bp_signal",
    "cross_entropy",
    "dfa_signal",
    "feedback_matrix",
    "leaky_integrator_step",
    "lif_step",
    "output_error",
    "psi",
    "softmax",
    "stllr_grad",
    "trace_step",
]
