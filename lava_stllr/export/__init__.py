"""Exports of trained networks to other tools' formats: lava-dl netx HDF5.

- :mod:`~lava_stllr.export.netx_write`: the mapping to netx CUBA blocks and the HDF5 writer
  (``export_netx``, ``netx_layers``, ``quantize_weight``, ``decay_to_netx``);
- :mod:`~lava_stllr.export.netx_conv`: which blocks a conv network becomes (pools folded
  or turned into conv blocks, ``plan_conv_blocks``);
- :mod:`~lava_stllr.export.netx_read`: the reader (``read_netx``);
- :mod:`~lava_stllr.export.netx_sim`: the integer simulation of an exported file
  (``simulate_netx``, ``NetxRun``).

The public names are re-exported here: ``from lava_stllr import export as netx`` then
``netx.export_netx(...)``.
"""

from lava_stllr.export.netx_read import read_netx
from lava_stllr.export.netx_sim import NetxRun, simulate_netx
from lava_stllr.export.netx_write import (
    NetxLayer,
    decay_to_netx,
    default_scale,
    export_netx,
    netx_layers,
    quantize_weight,
)

__all__ = ["NetxLayer", "NetxRun", "decay_to_netx", "default_scale", "export_netx",
           "netx_layers", "quantize_weight", "read_netx", "simulate_netx"]
