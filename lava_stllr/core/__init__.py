"""Pure NumPy step functions of S-TLLR, shared by the reference trainer and the Lava models.

No Lava import here. Every function takes plain arrays; the fixed-point variants use
the same functions with a fixed-point ``arith``.
"""

from lava_stllr.core.arithmetic import FLOAT, Arithmetic, FloatArithmetic
from lava_stllr.core.eligibility import stllr_grad
from lava_stllr.core.neurons import leaky_integrator_step, lif_step
from lava_stllr.core.psi import psi
from lava_stllr.core.signals import (
    bp_signal,
    cross_entropy,
    dfa_signal,
    feedback_matrix,
    output_error,
    softmax,
)
from lava_stllr.core.traces import trace_step

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
