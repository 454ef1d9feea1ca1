"""Fixed-point S-TLLR for Loihi 2.

Modules (import them directly; the package re-exports nothing, so that e.g. the module
``quantize`` is not shadowed by its function of the same name):

- ``quantize``: float params + weights -> :class:`~lava_stllr.loihi.quantize.FixedSTLLR`
  (scales, registers, per-layer programs), ``dequantize`` and conversions;
- ``rule_constants``: the search for learning-rule constants and third-factor gains;
- ``fixed_rule``: the rule for Lava's learning engine and a bit-exact NumPy replica of
  Lava's bit-approximate learning step;
- ``neuron_fixed``: the neuron's (and readout's) per-step integer program;
- ``engine_fast``: a fast learning-engine step, bit-exact with the replica in ``fixed_rule``;
- ``synapse``: one fixed S-TLLR connection (weight truncation, current, the
  pre-trace restart between samples, the DFA feedback current and its rescaling);
- ``network_fixed``: quantization of a whole DFA network (layers and feedback);
- ``microcode``: the register-level listing with its constraint checks;
- ``lava_testing``: Lava test helpers (imports Lava).

Pure NumPy: importing these modules (except ``lava_testing.scripted_driver``) does not
import Lava.
"""
