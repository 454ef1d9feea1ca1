"""A tiny Lava training run for ``test_stale_shm.py``, in a child Python process.

Usage: ``python shm_job.py hold|once``. Trains an STLLRNetwork on 4 synthetic samples,
then prints ``READY <pid> <segment names...>`` (the runtime's ``/dev/shm`` segments).
``hold`` then waits for a line on stdin (at most ``HOLD_S`` seconds) before closing the
network: the test kills it meanwhile or ends it; ``once`` closes it at once.
"""

from __future__ import annotations

import os
import select
import sys

from lava_stllr.data.synthetic import SyntheticConfig, synthetic_dataset
from lava_stllr.lavanet.network import STLLRNetwork
from lava_stllr.params import STLLRParams
from lava_stllr.runtime.shm import segment_names

#: Longest wait for the test's line: a forgotten job ends by itself.
HOLD_S = 120.0


def main(mode: str) -> int:
    params = STLLRParams.preset("code_default", lr=0.05, beta=0.8, theta=0.5)
    config = SyntheticConfig(side=4, n_steps=4, n_classes=2, speed_range=(1.0, 2.0),
                             bar_length_range=(2, 4))
    data = synthetic_dataset(4, seed=1, config=config)
    with STLLRNetwork((data[0][0].shape[1], 4, 2), n_steps=data.n_steps, params=params,
                      timeout=60) as net:
        net.train(data, progress=False)
        names = segment_names(net.source.runtime)
        print("READY", os.getpid(), *names, flush=True)
        if mode == "hold":
            select.select([sys.stdin], [], [], HOLD_S)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
