"""The on-chip network in NumPy: one step function per Lava Process, float or Loihi 2.

- ``clock``: where each Process is in its stream of samples;
- ``programs_float`` / ``programs_fixed``: the per-Process programs (arithmetic,
  factor encoding and constants) of the two precisions, with the same methods;
- ``steps``: the per-Process step functions that run a program, called by the
  ProcessModels of both tags and by the pipeline;
- ``layout``: what fixes a network (sizes, timing, parameters, seeds) and the sample
  stream it plays;
- ``program``: the programs of a whole network for a precision (the one place a
  precision is chosen);
- ``pipeline``: :class:`OnChipReference`, the whole Lava network step for step (the
  oracle of the Lava models).

No Lava import here.
"""

from lava_stllr.onchip.layout import OnChipLayout, RunResult
from lava_stllr.onchip.pipeline import OnChipReference

__all__ = ["OnChipLayout", "OnChipReference", "RunResult"]
