"""lava-stllr: S-TLLR online learning for Lava and a batched NumPy reference trainer.

Importing this package does not import Lava; the Lava Processes live in
``lava_stllr.processes`` and their models in the top-level ``process_models`` package.
"""

__version__ = "0.1.0"
