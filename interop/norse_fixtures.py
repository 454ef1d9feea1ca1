"""Write the Norse NIR fixture of tests/nir/fixtures/ (``make interop``, step 2).

Runs in torch's environment (``interop/.venv``). Trains Norse's classifier ``Linear ->
LIFBoxCell -> Linear -> LIBoxCell`` (no bias; tau_mem_inv 100/s, so with Norse's default
``dt = 1e-3`` s the decay per step is 0.9; threshold 0.5; reset to 0) by BPTT on the same
synthetic task (``synthetic_task.py``), exports it with ``norse.torch.to_nir`` and records
what Norse computes on the same 48 test inputs: ``norse.nir`` / ``norse.npz`` with
``inputs``, ``labels``, ``hidden_spikes`` (N, T, 16) uint8, ``output_membrane`` (N, T, 3)
float32 (the LIBoxCell's ``v``), ``predictions`` (argmax of the membrane summed over time)
and ``meta`` (JSON).

Norse 1.1's exporter writes ``tau = dt / tau_mem_inv`` (norse/norse#411: the time constant
multiplied by ``dt``), so the graph's ``tau`` is ``dt`` times the true one: read with a time
step of ``dt**2`` (1e-6 s here), forward Euler gives back Norse's decay and input gain
exactly. ``meta["import_dt"]`` records it.

Usage: ``interop/.venv/bin/python interop/norse_fixtures.py [--out tests/nir/fixtures]``.
"""

from __future__ import annotations

import json

import nir
import norse
import norse.torch as norse_torch
import numpy as np
import torch
from norse.torch.module.leaky_integrator_box import LIBoxCell, LIBoxParameters
from norse.torch.module.lif_box import LIFBoxCell, LIFBoxParameters
from synthetic_task import N_HIDDEN, N_IN, N_OUT, make_inputs, output_folder

DT, TAU_MEM_INV, THRESHOLD = 1e-3, 100.0, 0.5


def make_net() -> norse_torch.SequentialState:
    """Norse's classifier with per-neuron parameters (``to_nir`` needs equal shapes)."""
    lif = LIFBoxParameters(tau_mem_inv=torch.full((N_HIDDEN,), TAU_MEM_INV),
                           v_th=torch.full((N_HIDDEN,), THRESHOLD), v_leak=torch.zeros(N_HIDDEN))
    li = LIBoxParameters(tau_mem_inv=torch.full((N_OUT,), TAU_MEM_INV),
                         v_leak=torch.zeros(N_OUT))
    return norse_torch.SequentialState(
        torch.nn.Linear(N_IN, N_HIDDEN, bias=False), LIFBoxCell(lif, dt=DT),
        torch.nn.Linear(N_HIDDEN, N_OUT, bias=False), LIBoxCell(li, dt=DT))


def run(net: norse_torch.SequentialState, x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Step ``net`` over ``x`` (B, T, N_IN): hidden spikes and readout membrane."""
    hidden: list[torch.Tensor] = []
    hook = net[1].register_forward_hook(lambda _m, _i, out: hidden.append(out[0]))
    membrane, state = [], None
    try:
        for t in range(x.shape[1]):
            out, state = net(x[:, t], state)
            membrane.append(out)
    finally:
        hook.remove()
    return {"hidden": torch.stack(hidden, 1), "membrane": torch.stack(membrane, 1)}


def train(net: norse_torch.SequentialState, epochs: int = 30) -> None:
    """BPTT with Adam on the cross-entropy of the membrane summed over time."""
    x, y = make_inputs(96, seed=1)
    xt, yt = torch.tensor(x, dtype=torch.float32), torch.tensor(y)
    optimizer = torch.optim.Adam(net.parameters(), lr=2e-2)
    for _ in range(epochs):
        for batch in torch.randperm(len(xt)).split(16):
            loss = torch.nn.functional.cross_entropy(run(net, xt[batch])["membrane"].sum(1),
                                                     yt[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()


def main() -> None:
    out = output_folder(__doc__.splitlines()[0])
    torch.manual_seed(0)
    net = make_net()
    train(net)
    graph = norse_torch.to_nir(net, torch.zeros(1, N_IN), dt=DT)
    nir.write(out / "norse.nir", graph)
    x, labels = make_inputs(48, seed=2)
    with torch.no_grad():
        result = run(net, torch.tensor(x, dtype=torch.float32))
    membrane = result["membrane"].numpy().astype(np.float32)
    predictions = membrane.sum(1).argmax(1)
    meta = {"framework": "norse", "norse": norse.__version__, "torch": torch.__version__,
            "nir": nir.version, "dt": DT, "import_dt": DT * DT, "beta": 1 - DT * TAU_MEM_INV,
            "threshold": THRESHOLD, "graph": "norse.nir", "nodes": sorted(graph.nodes)}
    np.savez_compressed(out / "norse.npz", inputs=x, labels=labels,
                        hidden_spikes=result["hidden"].numpy().astype(np.uint8),
                        output_membrane=membrane, predictions=predictions,
                        meta=np.array(json.dumps(meta)))
    print(f"wrote {out / 'norse'}.nir/.npz: {len(x)} inputs, Norse accuracy "
          f"{float((predictions == labels).mean()):.3f}, hidden spikes "
          f"{int(result['hidden'].sum())}")


if __name__ == "__main__":
    main()
