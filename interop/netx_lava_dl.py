"""Run a lava-stllr netx export in lava-dl's own netx (``make netx-check``, step 2).

Runs in lava-dl's environment (``interop/.venv-netx``: lava-nc 0.10.0, lava-dl 0.6.0 and
its torch). Reads ``net.h5`` and ``input.npz`` written by ``export_netx_fixture.py``,
builds ``lava.lib.dl.netx.hdf5.Network(net_config=net.h5, input_message_bits=8)``, feeds
each clip through a ``RingBuffer`` source (frames (C, H, W) become netx's (W, H, C)) and
runs Lava's CPU simulator with the fixed-point models for ``T + L`` steps (``L`` blocks,
one step of pipeline delay each), one step at a time, reading the current ``u`` of the
readout block after every step. Writes ``lava_dl.npz``: ``readout_u`` (N, T + L, n_out),
the number of blocks ``n_blocks`` and the versions used.

``tests/export/test_netx_lava_dl.py`` (lava-stllr's environment) compares ``readout_u``
with :func:`lava_stllr.export.simulate_netx` on the same file and inputs.

Usage: ``interop/.venv-netx/bin/python interop/netx_lava_dl.py [DIR]``.
"""

from __future__ import annotations

import sys
from importlib.metadata import version
from pathlib import Path

import numpy as np
from lava.lib.dl import netx
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.source import RingBuffer

FIXTURES = Path(__file__).resolve().parents[1] / "tests" / "export" / "fixtures" / "netx_vgg"


def readout_currents(path: Path, clip: np.ndarray) -> tuple[np.ndarray, int]:
    """The readout block's ``u`` after each of ``T + L`` steps of one clip (T, C, H, W)."""
    net = netx.hdf5.Network(net_config=str(path), input_message_bits=8)
    n_blocks = len(net.layers)
    steps = clip.shape[0] + n_blocks
    frames = np.zeros(net.inp.shape + (steps,))
    frames[..., :clip.shape[0]] = clip.transpose(3, 2, 1, 0)  # (T, C, H, W) -> (W, H, C, T)
    source = RingBuffer(data=frames)
    source.s_out.connect(net.inp)
    readout = net.layers[-1].neuron
    currents = []
    try:
        for _ in range(steps):
            net.run(condition=RunSteps(num_steps=1), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
            currents.append(np.array(readout.u.get()))
    finally:
        net.stop()
    return np.stack(currents), n_blocks


def main(folder: Path) -> None:
    """Write ``folder/lava_dl.npz`` from ``folder/net.h5`` and ``folder/input.npz``."""
    clips = np.load(folder / "input.npz")["x"].astype(np.int64)
    runs = [readout_currents(folder / "net.h5", clip) for clip in clips]
    n_blocks = runs[0][1]
    np.savez_compressed(folder / "lava_dl.npz",
                        readout_u=np.stack([u for u, _ in runs]).astype(np.int64),
                        n_blocks=n_blocks, lava_nc=version("lava-nc"),
                        lava_dl=version("lava-dl"))
    print(f"lava-dl {version('lava-dl')} netx ran {len(runs)} clips through {n_blocks} "
          f"blocks; wrote {folder / 'lava_dl.npz'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURES)
