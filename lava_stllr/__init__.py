"""lava-stllr: S-TLLR online learning for Lava and a batched NumPy reference trainer.

Importing this package does not import Lava; the Lava Processes live in
``lava_stllr.processes`` and their models in the top-level ``process_models`` package.

Lava 0.10 calls ``multiprocessing.set_start_method('fork')`` when it is first imported,
which raises ``RuntimeError: context has already been set`` if anything created a
multiprocessing object before (a tqdm progress bar does, e.g. the reference trainer's).
Importing this package therefore installs a tiny import hook that, just before Lava's
multiprocessing module is imported, resets an already-fixed start method if (and only
if) it is ``fork`` anyway, so that Lava's own call succeeds.
"""

import importlib.abc
import multiprocessing as _mp
import sys as _sys

__version__ = "0.1.0"

_LAVA_MP_MODULE = "lava.magma.runtime.message_infrastructure.multiprocessing"


class _LavaForkCompat(importlib.abc.MetaPathFinder):
    """Meta-path hook: runs once, before Lava's multiprocessing module is imported."""

    def find_spec(self, name, path, target=None):  # noqa: D102 - importlib protocol
        if name == _LAVA_MP_MODULE:
            _sys.meta_path[:] = [f for f in _sys.meta_path if f is not self]
            if _mp.get_start_method(allow_none=True) == "fork":
                _mp.set_start_method(None, force=True)  # Lava sets 'fork' again
        return None


if _LAVA_MP_MODULE not in _sys.modules and not any(
        isinstance(f, _LavaForkCompat) for f in _sys.meta_path):
    _sys.meta_path.insert(0, _LavaForkCompat())
