"""The activity of one sample in the reference network, for the spike raster of a run
(:func:`lava_stllr.runs.plots.plot_spike_raster`) and the export check."""

from __future__ import annotations

from typing import Any

import numpy as np


def sample_activity(spec: Any, params: Any, weights: Any, x: np.ndarray) -> dict[str, Any]:
    """Run one sample through the reference network and record its activity.

    Parameters
    ----------
    spec : NetworkSpec or ConvNetSpec
    params : STLLRParams
    weights : Weights
    x : array (T, n_in)
        Input spike counts of one sample (a conv network's frames flattened).

    Returns
    -------
    dict
        ``inputs`` (T, n_in), ``hidden`` (list of (T, n_l) spikes of each LIF layer, a
        conv layer's maps flattened; pools are left out), ``readout`` (T, n_out) and
        ``prediction`` (argmax of the readout summed, equivalently averaged, over the
        learning window).
    """
    from lava_stllr.reference.network import NetworkState, forward_step

    x = np.asarray(x, dtype=np.float64)
    if getattr(spec, "kind", "dense") == "conv":
        return _conv_sample_activity(spec, params, weights, x)
    state = NetworkState(spec, 1)
    hidden: list[list[np.ndarray]] = [[] for _ in range(spec.n_hidden_layers)]
    readout = []
    for t in range(x.shape[0]):
        records = forward_step(spec, params, weights, state, x[None, t])
        for layer, rec in enumerate(records):
            hidden[layer].append(rec.spikes[0])
        readout.append(state.z[0].copy())
    z = np.array(readout)
    start = params.window_start(x.shape[0])
    return {
        "inputs": x,
        "hidden": [np.array(h) for h in hidden],
        "readout": z,
        "prediction": int(z[start:].sum(axis=0).argmax()),
    }


def _conv_sample_activity(spec: Any, params: Any, weights: Any, x: np.ndarray
                          ) -> dict[str, Any]:
    """:func:`sample_activity` of a conv network: each LIF layer's maps flattened per
    step (the conv trainers' forward pass, pools left out)."""
    from lava_stllr.reference.conv_network import conv_sample_activity
    from lava_stllr.spec.layers import PoolLayer

    run = conv_sample_activity(spec, params, weights, x)
    lif = [i for i, layer in enumerate(spec.layers) if not isinstance(layer, PoolLayer)]
    return {
        "inputs": x,
        "hidden": [run["layers"][i].reshape(x.shape[0], -1) for i in lif],
        "hidden_names": [str(spec.layers[i]) for i in lif],
        "readout": run["readout"],
        "prediction": run["prediction"],
    }
