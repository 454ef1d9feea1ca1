"""The one error of a NIR graph lava-stllr cannot hold: one line naming the node and why."""

from __future__ import annotations

from typing import Any


class NIRImportError(ValueError):
    """A NIR graph (or one of its nodes) that lava-stllr cannot represent exactly.

    The message is one line: the node's name and type, then why. The command line prints
    it as ``lava-stllr: error: ...`` with exit status 2.
    """


def refuse(name: str, node: Any, why: str) -> NIRImportError:
    """The error for node ``name`` (its type is named from ``node``): ``NIR node 'lif1'
    (LIF): why``. Returned, so that callers write ``raise refuse(...)``."""
    kind = type(node).__name__
    return NIRImportError(" ".join(f"NIR node {name!r} ({kind}): {why}".split()))
