"""Write the NIR interop fixtures of tests/nir/fixtures/ with snnTorch (``make interop``).

Runs in its own virtual environment (``interop/.venv``: torch's CPU build, snnTorch,
nirtorch, nir; never lava-stllr's), so the project itself needs no torch. It trains
snnTorch's standard classifier, ``Linear -> Leaky -> Linear -> Leaky`` (no bias, per-neuron
``beta`` and ``threshold`` tensors so that ``export_to_nir`` writes arrays), by BPTT on a
small fixed synthetic task (3 classes, 20 input channels, 25 steps: class ``c`` fires its
6 channels at rate 0.4, the others at 0.05), exports it with ``export_to_nir`` and records
what snnTorch itself computes on 48 fixed test inputs:

- ``snntorch_zero.nir`` / ``.npz``: hidden ``reset_mechanism="zero"`` (the reset NIR's LIF
  and lava-stllr's ``reset="hard"`` have), output Leaky ``reset_mechanism="none"`` (its
  membrane is lava-stllr's readout): lava-stllr must give the same hidden spikes, the same
  output membrane and the same predictions;
- ``snntorch_subtract.nir`` / ``.npz``: the same weights with snnTorch's default
  ``reset_mechanism="subtract"`` in the hidden layer. NIR's LIF has no subtractive reset,
  so the graph says "hard reset" and any NIR reader (lava-stllr too) resets to 0: the
  spikes agree until a neuron's first spike, not after.

Each ``.npz`` holds ``inputs`` (N, T, 20) uint8, ``hidden_spikes`` (N, T, 16) uint8,
``output_membrane`` (N, T, 3) float32, ``predictions`` (argmax of the membrane summed
over time), ``spike_count_predictions`` (argmax of the output spike count, snnTorch's
usual rule, for information) and ``meta`` (JSON: versions, dt, reset mechanisms).

Usage: ``interop/.venv/bin/python interop/make_fixtures.py [--out tests/nir/fixtures]``.
"""

from __future__ import annotations

import json
from pathlib import Path

import nir
import numpy as np
import snntorch as snn
import torch
from snntorch import utils as snn_utils
from snntorch.export_nir import export_to_nir
from synthetic_task import N_HIDDEN, N_IN, N_OUT, make_inputs, output_folder

BETA, THRESHOLD = 0.9, 1.0
DT = 1e-4  # what snnTorch's export_to_nir assumes (it does not record it in the graph)


def make_net(hidden_reset: str) -> torch.nn.Sequential:
    """snnTorch's classifier: no bias, per-neuron beta and threshold tensors."""
    return torch.nn.Sequential(
        torch.nn.Linear(N_IN, N_HIDDEN, bias=False),
        snn.Leaky(beta=torch.full((N_HIDDEN,), BETA), threshold=torch.full((N_HIDDEN,),
                                                                           THRESHOLD),
                  reset_mechanism=hidden_reset, init_hidden=True),
        torch.nn.Linear(N_HIDDEN, N_OUT, bias=False),
        snn.Leaky(beta=torch.full((N_OUT,), BETA), threshold=torch.full((N_OUT,), THRESHOLD),
                  reset_mechanism="none", init_hidden=True, output=True),
    )


def run(net: torch.nn.Sequential, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Step ``net`` over ``x`` (B, T, N_IN): hidden spikes, output spikes and membrane."""
    hidden: list[torch.Tensor] = []
    hook = net[1].register_forward_hook(lambda _m, _i, out: hidden.append(out))
    snn_utils.reset(net)
    spikes, membrane = [], []
    try:
        for t in range(x.shape[1]):
            spk, mem = net(x[:, t])
            spikes.append(spk)
            membrane.append(mem)
    finally:
        hook.remove()
    return {"hidden": torch.stack(hidden, 1), "spikes": torch.stack(spikes, 1),
            "membrane": torch.stack(membrane, 1)}


def train(net: torch.nn.Sequential, seed: int = 0, epochs: int = 40) -> None:
    """BPTT with Adam on the cross-entropy of the output membrane summed over time."""
    torch.manual_seed(seed)
    x, y = make_inputs(96, seed=1)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-2)
    for _ in range(epochs):
        for batch in torch.randperm(len(xt)).split(16):
            out = run(net, xt[batch])
            loss = torch.nn.functional.cross_entropy(out["membrane"].mean(1), yt[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def write_fixture(out: Path, name: str, net: torch.nn.Sequential, hidden_reset: str,
                  x: np.ndarray, labels: np.ndarray) -> dict[str, object]:
    graph = export_to_nir(net, torch.zeros(N_IN))
    nir.write(out / f"{name}.nir", graph)
    with torch.no_grad():
        result = run(net, torch.tensor(x, dtype=torch.float32))
    membrane = result["membrane"].numpy().astype(np.float32)
    predictions = membrane.sum(1).argmax(1)
    meta = {"framework": "snntorch", "snntorch": snn.__version__, "torch": torch.__version__,
            "nir": nir.version, "dt": DT, "beta": BETA, "threshold": THRESHOLD,
            "hidden_reset_mechanism": hidden_reset, "output_reset_mechanism": "none",
            "graph": f"{name}.nir", "nodes": sorted(graph.nodes)}
    np.savez_compressed(out / f"{name}.npz", inputs=x, labels=labels,
                        hidden_spikes=result["hidden"].numpy().astype(np.uint8),
                        output_membrane=membrane, predictions=predictions,
                        spike_count_predictions=result["spikes"].numpy().sum(1).argmax(1),
                        meta=np.array(json.dumps(meta)))
    accuracy = float((predictions == labels).mean())
    print(f"wrote {out / name}.nir/.npz: {len(x)} inputs, snnTorch accuracy {accuracy:.3f}, "
          f"hidden spikes {int(result['hidden'].sum())}")
    return meta


def main() -> None:
    out = output_folder(__doc__.splitlines()[0])
    torch.manual_seed(0)
    net = make_net("zero")
    train(net)
    x, labels = make_inputs(48, seed=2)
    write_fixture(out, "snntorch_zero", net, "zero", x, labels)
    subtract = make_net("subtract")
    subtract.load_state_dict(net.state_dict())
    write_fixture(out, "snntorch_subtract", subtract, "subtract", x, labels)


if __name__ == "__main__":
    main()
