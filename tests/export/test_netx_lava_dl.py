"""A conv netx export, run by lava-dl's own netx, computes what our simulation says.

The fixture (``tests/export/fixtures/netx_vgg``, written by ``make netx-check``: a VGG of
the paper's form, 3x3 convs with max pooling, trained on synthetic DVS Gesture clips)
holds lava-dl 0.6.0's record of the readout block's current ``u`` at every step of
``lava.lib.dl.netx.hdf5.Network`` in Lava's fixed-point CPU simulator. lava-dl is not
installed here: these tests compare that record with
:func:`~lava_stllr.export.simulate_netx` on the same file and inputs, so a change to the
simulation (and with it ``export --check``) that breaks the agreement fails here. The
exporter itself is checked against the simulation by the other tests of this folder, and
against lava-dl again whenever ``make netx-check`` rewrites the fixture.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lava_stllr.export import read_netx, simulate_netx

FIXTURE = Path(__file__).parent / "fixtures" / "netx_vgg"


@pytest.fixture(scope="module")
def record() -> dict:
    with np.load(FIXTURE / "lava_dl.npz") as data:
        return {key: data[key] for key in data.files}


def test_the_fixture_is_a_vgg_with_max_pool_blocks() -> None:
    blocks = [entry for entry in read_netx(FIXTURE / "net.h5")
              if entry["type"] not in ("input", "flatten")]
    kinds = [entry["type"] for entry in blocks]
    assert kinds == ["conv", "conv", "conv", "conv", "dense", "dense"]
    kernels = [entry["weight"].shape[-2:] for entry in blocks[:4]]
    assert kernels == [(3, 3), (2, 2), (3, 3), (2, 2)]
    assert [int(entry["groups"]) for entry in blocks[:4]] == [1, 4, 1, 8]  # depthwise pools


def test_lava_dl_netx_readout_equals_our_simulation_step_for_step(record) -> None:
    with np.load(FIXTURE / "input.npz") as data:
        clips = data["x"].astype(np.int64)
    n_blocks = int(record["n_blocks"])
    assert str(record["lava_dl"]) == "0.6.0" and n_blocks == 6
    assert len(clips) == 3
    for clip, theirs in zip(clips, record["readout_u"], strict=True):
        steps = clip.shape[0]
        assert theirs.shape == (steps + n_blocks, 11)
        ours = simulate_netx(FIXTURE / "net.h5", clip)
        # Lava's readout lags the input by one step per block.
        assert not theirs[:n_blocks].any()
        np.testing.assert_array_equal(theirs[n_blocks:], ours.readout_u)
        assert np.abs(ours.readout_u).max() > 0, "a readout that never moves proves nothing"
