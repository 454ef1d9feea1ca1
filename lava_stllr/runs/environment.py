"""What a run record says about where its run ran: the versions of the software, and
the peak memory it took."""

from __future__ import annotations

import platform
import sys
from importlib import metadata

import numpy as np


def versions() -> dict[str, str | None]:
    """Versions of lava-stllr, lava-nc, numpy and Python (``None`` if not installed)."""
    from lava_stllr import __version__

    def dist(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {
        "lava-stllr": __version__,
        "lava-nc": dist("lava-nc"),
        "lava-dl": dist("lava-dl"),
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def peak_memory() -> dict[str, float | None]:
    """Peak resident memory so far in MiB: ``peak_rss_mib`` of this process, and
    ``children_peak_rss_mib`` of its largest child process that has ended (Lava's
    ProcessModels run in child processes; 0 without any). None where the platform does
    not report it."""
    try:
        import resource
    except ImportError:  # not POSIX
        return {"peak_rss_mib": None, "children_peak_rss_mib": None}
    # ru_maxrss is in KiB on Linux and in bytes on macOS.
    unit = 1.0 if sys.platform == "darwin" else 1024.0
    return {key: round(resource.getrusage(who).ru_maxrss * unit / 2**20, 1)
            for key, who in (("peak_rss_mib", resource.RUSAGE_SELF),
                             ("children_peak_rss_mib", resource.RUSAGE_CHILDREN))}
