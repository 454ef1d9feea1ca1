"""Loihi 2 bit widths and ranges: the one place that states them.

Every constant cites where in Lava 0.10.0's source (``site-packages/lava``) it comes from,
so that the fixed-point code, the quantizer and the microcode listing check against the
same numbers. Plain integers only: importing this module does not import Lava
(``tests/loihi/test_microcode.py`` checks the values against Lava's own constants).

Conventions: ``*_BITS`` are widths; ranges are inclusive ``(lo, hi)`` integer pairs.
"""

from __future__ import annotations


def int_range(bits: int, signed: bool) -> tuple[int, int]:
    """Inclusive range of a ``bits``-wide integer: two's complement if ``signed``.

    ``int_range(8, False) == (0, 255)``, ``int_range(8, True) == (-128, 127)``.
    """
    if not isinstance(bits, int) or isinstance(bits, bool) or bits < 1:
        raise ValueError(f"bits must be an integer >= 1, got {bits!r}")
    if signed:
        return -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return 0, (1 << bits) - 1


# --------------------------------------------------------------------------------------
# Synapses and the learning engine (lava/magma/core/learning/constants.py unless stated)
# --------------------------------------------------------------------------------------

#: Weight magnitude bits: ``W_WEIGHTS_U = 8``.
WEIGHT_MAGNITUDE_BITS = 8
#: Weight width with sign: ``W_WEIGHTS_S = W_WEIGHTS_U + 1``.
WEIGHT_SIGNED_BITS = WEIGHT_MAGNITUDE_BITS + 1
#: Mixed-sign weight range after learning: ``clip_weights(..., num_bits=8)`` with
#: ``SignMode.MIXED`` clips to ``[-2**8, 2**8 - 1]`` (lava/utils/weightutils.py).
WEIGHT_MIN, WEIGHT_MAX = -(1 << WEIGHT_MAGNITUDE_BITS), (1 << WEIGHT_MAGNITUDE_BITS) - 1
#: Mixed-sign weights are 8 bits including the sign, scaled by 2: the bit-approximate
#: ``PyLearningDenseModelBitApproximate.run_spk`` calls ``truncate_weights`` once, which
#: clears ``8 - num_weight_bits + 1`` LSBs in ``SignMode.MIXED`` (lava/utils/weightutils.py,
#: lava/proc/dense/models.py). Initial mixed-sign weights are therefore even.
WEIGHT_INIT_STEP_MIXED = 2
#: Largest *even* mixed-sign weight, 254: the largest initial (static) weight of a mixed-sign
#: (Learning)Dense after ``truncate_weights``, and the top of lava-dl slayer's 8-bit weight
#: grid (``quantize_8bit``: step 2, clamped to ``[-256, 255]``, lava/lib/dl/slayer/utils/
#: quantize.py), hence of every netx export. Not ``WEIGHT_MAX``: learning's stochastic
#: rounding may reach the odd 255.
WEIGHT_EVEN_MAX = WEIGHT_MAX - WEIGHT_MAX % WEIGHT_INIT_STEP_MIXED
#: Weight exponent range. Lava 0.10 states no bound for ``Dense(weight_exp=...)``
#: (lava/proc/dense/process.py applies ``a << weight_exp``); we check the Loihi range of a
#: signed 4-bit exponent, [-8, 7] (Loihi 1 ``wgtExp``; Lava's conv model stores
#: ``weight_exp`` as ``LavaPyType(np.ndarray, np.int32, precision=8)``), as a conservative
#: bound.
WEIGHT_EXP_MIN, WEIGHT_EXP_MAX = -8, 7

#: Pre/post trace width: ``W_TRACE = 7``; traces live in ``[0, 2**7 - 1]``
#: (``LearningConnectionModelBitApproximate._add_impulse`` clips to ``2**W_TRACE - 1``).
TRACE_BITS = 7
TRACE_MAX = (1 << TRACE_BITS) - 1
#: Fractional bits of a trace impulse: ``W_TRACE_FRACTIONAL_PART = 8``. The impulse's
#: fraction is stochastically rounded against a 7-bit random number
#: (``TraceRandom.random_impulse_addition``), so only integer impulses are exact.
TRACE_IMPULSE_FRAC_BITS = 8
#: Trace impulse and time constant registers: ``x1_impulse`` and ``x1_tau`` are
#: ``LavaPyType(np.ndarray, int, precision=8)`` in ``LearningConnectionModelBitApproximate``
#: (lava/magma/core/model/py/connection.py). ``tau = 0`` zeroes the trace every step.
TRACE_IMPULSE_BITS = 8
TRACE_TAU_BITS = 8
TRACE_TAU_MAX = (1 << TRACE_TAU_BITS) - 1
#: Time constant of the y1..y3 "traces" of a 3-factor rule: ``np.iinfo(np.uint16).max``
#: in ``Loihi3FLearningRule.__init__`` (lava/magma/core/learning/learning_rule.py).
Y_TAU_3F = 65535

#: Third factors y1, y2, y3 received from the post neuron:
#: ``s_in_y1 = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=7)`` in
#: ``LearningConnectionModelBitApproximate``; as factors they are ``W_TRACE`` = 7 bits wide.
THIRD_FACTOR_BITS = 7
THIRD_FACTOR_MAX = (1 << THIRD_FACTOR_BITS) - 1

#: Scaling-constant mantissa bits: ``W_S_MANT = 4``; the parser accepts mantissas in
#: [-8, 7] (``ProductSeries._generate_product``, lava/magma/core/learning/product_series.py).
RULE_MANTISSA_BITS = 4
RULE_MANTISSA_MIN, RULE_MANTISSA_MAX = -8, 7
#: Scaling-constant exponent: the parser rejects ``s_exp < -7 or s_exp >= 9``
#: (product_series.py) and stores ``s_exp + 7``; the float applier computes
#: ``mantissa * 2**(stored - 7)`` (learning_rule_applier.py).
RULE_EXP_MIN, RULE_EXP_MAX = -7, 8
RULE_EXP_OFFSET = 7
#: Additive constants inside factors, e.g. ``(y1 - 64)``: ``W_CONST = 8``.
RULE_CONST_BITS = 8
#: Synaptic-change accumulator: ``W_ACCUMULATOR_U = 15`` (``W_ACCUMULATOR_S = 16``).
#: Each product is right-shifted by ``max(0, sum(factor widths) + W_S_MANT - 15)`` and
#: clipped to ``[-(2**15) - 1, 2**15 - 1]`` (``LearningRuleApplierBitApprox.apply``).
ACCUMULATOR_BITS = 15
ACCUMULATOR_SIGNED_BITS = ACCUMULATOR_BITS + 1
ACCUMULATOR_MIN, ACCUMULATOR_MAX = -(1 << ACCUMULATOR_BITS) - 1, (1 << ACCUMULATOR_BITS) - 1
#: Fractional bits of weight updates: weights enter the accumulator shifted left by
#: ``W_ACCUMULATOR_S - W_WEIGHTS_S = 7`` (``_apply_learning_rules``) and are
#: stochastically rounded back with one random number per step shared by all synapses
#: (``ConnVarRandom``).
WEIGHT_UPDATE_FRAC_BITS = ACCUMULATOR_SIGNED_BITS - WEIGHT_SIGNED_BITS
#: Synaptic tag ``tag_1``: ``W_TAG_1_U = 8`` magnitude bits; the bit-approximate model
#: saturates it to ``[-(2**8) - 1, 2**8 - 1]`` (``_saturate_synaptic_variable``; one more
#: than the weights below zero), and it enters the accumulator like the weights (shift
#: ``W_ACCUMULATOR_S - W_TAG_1_S = 7``, the same stochastic rounding).
TAG_MAGNITUDE_BITS = 8
TAG_MIN, TAG_MAX = -(1 << TAG_MAGNITUDE_BITS) - 1, (1 << TAG_MAGNITUDE_BITS) - 1
#: Signed width that holds the tag's range (-257 needs 10 bits).
TAG_SIGNED_BITS = TAG_MAGNITUDE_BITS + 2
#: Factor widths used for the product shift (``FACTOR_TO_WIDTH_DICT``).
FACTOR_WIDTHS: dict[str, int] = {
    "x0": 1, "y0": 1, "x1": TRACE_BITS, "x2": TRACE_BITS,
    "y1": TRACE_BITS, "y2": TRACE_BITS, "y3": TRACE_BITS,
    "w": WEIGHT_SIGNED_BITS, "d": 9, "t": TAG_MAGNITUDE_BITS + 1, "C": RULE_CONST_BITS,
}
#: Within-epoch spike time width: ``W_EPOCH_TIME = 6`` (``tx``/``ty`` are precision 6).
EPOCH_TIME_BITS = 6

# --------------------------------------------------------------------------------------
# Neurons (lava/proc/lif/models.py: AbstractPyLifModelFixed, PyLifModelBitAcc)
# --------------------------------------------------------------------------------------

#: Current and voltage registers are 24-bit signed (``uv_bitwidth = 24``); voltage is
#: clipped to ``[-(2**23) + 1, 2**23 - 1]`` (``neg_voltage_limit``/``pos_voltage_limit``).
MEMBRANE_BITS = 24
MEMBRANE_MIN, MEMBRANE_MAX = -(1 << (MEMBRANE_BITS - 1)) + 1, (1 << (MEMBRANE_BITS - 1)) - 1
#: Decays are 12-bit: ``decay_shift = 12``, ``du``/``dv`` are ``np.uint16, precision=12``
#: (0..4095); the decayed value is ``sign(v) * (|v| * (4096 - d) >> 12)`` (towards zero).
DECAY_BITS = 12
DECAY_UNITY = 1 << DECAY_BITS
DECAY_MAX = DECAY_UNITY - 1
#: Threshold: ``vth = LavaPyType(int, np.int32, precision=17)`` (0..131071), used as
#: ``vth << 6`` (``vth_shift = 6``, ``PyLifModelBitAcc.scale_threshold``).
VTH_BITS = 17
VTH_MAX = (1 << VTH_BITS) - 1
VTH_SHIFT = 6
#: Synaptic input is MSB-aligned by ``act_shift = 6`` before it is added.
ACTIVATION_SHIFT = 6
#: Synaptic input port: ``a_in = LavaPyType(PyInPort.VEC_DENSE, np.int16, precision=16)``;
#: the Dense output is ``LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=16)``
#: (lava/proc/dense/models.py ``AbstractPyDenseModelBitAcc``).
ACTIVATION_BITS = 16
#: Bias mantissa (signed 13-bit) and exponent (3-bit) (``bias_mant``/``bias_exp``).
BIAS_MANTISSA_BITS = 13
BIAS_EXP_BITS = 3
#: Graded spike payload: ``s_out = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)``
#: in ``PyLifModelBitAcc``.
GRADED_SPIKE_BITS = 24
#: Registers of a neuron's integer program (intermediate products of psi and the third
#: factors) are kept within the 24-bit state width.
NEURON_REGISTER_BITS = MEMBRANE_BITS
