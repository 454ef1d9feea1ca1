"""Writes files in an endless loop for ``test_save_load.py`` to kill with SIGKILL.

``python save_job.py arrays PATH N``: for k = 1, 2, ... write ``PATH`` with
:func:`lava_stllr.files.save_arrays`: array ``w`` of ``N`` float64 all equal to ``k`` and
meta ``{"k": k}``. ``python save_job.py run FOLDER N``: for k = 1, 2, ... write a run
folder with :func:`lava_stllr.runs.record.save_run` whose weights all equal ``k`` and whose
record has ``seed = k``. Prints ``k`` after each complete write.
"""

from __future__ import annotations

import itertools
import sys

import numpy as np

from lava_stllr import files as io
from lava_stllr.params import STLLRParams
from lava_stllr.reference import NetworkSpec, Weights
from lava_stllr.runs import record as runs


def run_spec(n: int) -> NetworkSpec:
    """A network whose first weight matrix has about ``n`` entries."""
    return NetworkSpec((max(1, n // 64), 64, 3))


def main(mode: str, target: str, n: int) -> None:
    """Write forever (until killed)."""
    spec, params = run_spec(n), STLLRParams()
    for k in itertools.count(1):
        if mode == "arrays":
            io.save_arrays(target, {"w": np.full(n, float(k))}, {"k": k})
        else:
            weights = Weights([np.full((b, a), float(k)) for a, b in
                               zip(spec.sizes[:-1], spec.sizes[1:], strict=True)])
            record = runs.build_record(name="r", command=[], backend="reference",
                                       trainer="stllr", dataset={}, seed=k, params=params,
                                       spec=spec, accuracy={}, timings={})
            runs.save_run(target, spec, params, weights, record)
        print(k, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
