"""Common base of the lava-stllr Processes."""

from __future__ import annotations

from lava.magma.core.process.process import AbstractProcess


class STLLRProcess(AbstractProcess):
    """An ``AbstractProcess`` whose constructor may reject its arguments cleanly.

    Lava sets ``_runtime`` in ``AbstractProcess.__init__`` and reads it in ``__del__``; the
    class default keeps ``__del__`` quiet when a constructor raises ``ValueError`` before
    calling ``super().__init__``.
    """

    _runtime = None
