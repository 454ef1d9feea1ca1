"""The rows every performance benchmark can write (``--rows PATH``), read by
``perf_table.py`` to print one table: a measured figure beside a baseline measured in the
same process, and their ratio."""

from __future__ import annotations

import argparse
import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class Row:
    """One comparison: ``measured`` beside ``baseline``, both in ``unit``.

    ``better`` says which way is better ("higher" for samples/s, "lower" for ms or MiB);
    :attr:`ratio` is how many times better ``measured`` is than ``baseline`` (< 1: worse).
    """

    benchmark: str
    case: str
    measured: float
    baseline: float
    unit: str
    better: str
    baseline_name: str

    def __post_init__(self) -> None:
        if self.better not in ("higher", "lower"):
            raise ValueError(f"better must be 'higher' or 'lower', got {self.better!r}")
        for name in ("measured", "baseline"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a finite positive number, got {value!r}")

    @property
    def ratio(self) -> float:
        """``measured/baseline`` if higher is better, else ``baseline/measured``."""
        if self.better == "higher":
            return self.measured / self.baseline
        return self.baseline / self.measured


def add_rows_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--rows PATH``: also write the run's :class:`Row` list as JSON there."""
    parser.add_argument("--rows", type=Path, help="also write the comparison rows as JSON "
                                                  "(read by benchmarks/perf_table.py)")


def write_rows(path: Path | None, rows: list[Row]) -> None:
    """Write ``rows`` to ``path`` as a JSON list (nothing if ``path`` is None)."""
    if path is not None:
        Path(path).write_text(json.dumps([asdict(r) for r in rows], indent=2))


def read_rows(path: Path) -> list[Row]:
    """The rows :func:`write_rows` wrote."""
    return [Row(**item) for item in json.loads(Path(path).read_text())]
