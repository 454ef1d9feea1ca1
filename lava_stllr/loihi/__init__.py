"""Fixed-point S-TLLR for Loihi 2.

Modules (import them directly; the package re-exports nothing, so that e.g. the module
``quantize`` is not shadowed by its function of the same name):

- ``quantize``: float params + weights -> :class:`~lava_stllr.loihi.layer_fixed.FixedSTLLR`
  (scales, registers, per-layer programs) and ``dequantize``;
- ``quantize_options``: :class:`~lava_stllr.loihi.quantize_options.QuantizeOptions`, the
  validated options of ``quantize``;
- ``layer_fixed``: the result types ``LayerFixed``, ``FixedSTLLR``, ``Dequantized``;
- ``conversions``: register conversions (``tau_from_lam``, ``dv_from_beta``, ...) and the
  one weight quantization (``even_weights``), signal and membrane conversions;
- ``rule_constants``: the search for learning-rule constants and third-factor gains;
- ``fixed_rule``: the rule for Lava's learning engine (products, flag, rule string);
- ``bit_approx``: the engine's random stream, its stochastic rounding and trace decay, and
  the bit-approximate Dense activation;
- ``engine_replica``: a literal (slow) NumPy replica of Lava's bit-approximate learning
  step, the oracle that proves ``engine_fast`` bit-exact;
- ``neuron_fixed``: the neuron's (and readout's) per-step integer program;
- ``engine_fast``: a fast learning-engine step, bit-exact with ``engine_replica``;
- ``synapse``: one fixed S-TLLR connection (weight truncation, current, the
  pre-trace restart between samples, the DFA feedback current and its rescaling);
- ``network_fixed``: quantization of a whole DFA network (layers and feedback);
- ``microcode``: the register-level listing with its constraint checks;
- ``lava_testing``: Lava test helpers (imports Lava).

Pure NumPy: importing these modules (except ``lava_testing.scripted_driver``) does not
import Lava.
"""
