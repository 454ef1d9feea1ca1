"""The on-chip network in NumPy: one step function per Lava Process, float or Loihi 2.

- ``clock``: where each Process is in its stream of samples;
- ``protocols``: what the program of each Process provides (``typing.Protocol``);
- ``programs_float`` / ``programs_fixed``: the per-Process programs (arithmetic,
  factor encoding and constants) of the two precisions;
- ``conv_stages`` / ``conv_pipeline``: the frozen conv front-end's stages, their
  programs and quantization, and its step-by-step run;
- ``program``: where programs are built, per Process and for a whole network
  (``network_program``, the one place a network's precision is chosen);
- ``steps``: the per-Process step functions that run a program (and the output
  stage's composite step), called by the ProcessModels and by the pipeline;
- ``layout``: what fixes a network (sizes, timing, parameters, seeds) and the sample
  stream it plays;
- ``pipeline``: :class:`OnChipReference`, the whole Lava network step for step (the
  oracle of the Lava models).

No Lava import here.
"""

from lava_stllr.onchip.layout import OnChipLayout, RunResult
from lava_stllr.onchip.pipeline import OnChipReference

__all__ = ["OnChipLayout", "OnChipReference", "RunResult"]
