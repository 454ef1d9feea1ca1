"""What a NIR graph says about lava-stllr beyond NIR's nodes: how it learns, its time step.

NIR has no plasticity primitive. lava-stllr writes the S-TLLR rule into the graph's
``metadata`` under one key, :data:`RULE_KEY` (``"lava_stllr.learning_rule"``): the rule's
equations as text and its parameters (the trace decays ``lam_pre``, ``lam_post``, the
weights ``alpha_pre``, ``alpha_post`` of the causal and non-causal terms, the secondary
activation ``psi``, the learning ``window`` in steps or ``"all"``, the learning rate
``lr``, the learning ``signal`` and how often weights move). A reader that does not know
S-TLLR can ignore it: the graph is a complete inference network without it.

:data:`NETWORK_KEY` (``"lava_stllr.network"``) holds the time step ``dt`` (seconds) and
the discretisation of :mod:`lava_stllr.nir.dynamics`, the hidden neurons' reset (NIR's
LIF has a hard reset only), and where the graph came from (run name, seed, dataset
record as JSON), so that an import of lava-stllr's own export evaluates on the same
held-out set. Every LIF/IF node carries ``lava_stllr.beta`` (its exact per-step decay)
and ``lava_stllr.reset``; the readout carries ``lava_stllr.beta``.

Values are strings and numbers only (NIR's HDF5 writer keeps no ``None`` and no lists);
``window`` is ``"all"`` for every step.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from lava_stllr.params import STLLRParams

#: The graph-metadata key of the learning rule.
RULE_KEY = "lava_stllr.learning_rule"
#: The graph-metadata key of the time step, the neuron reset and the source run.
NETWORK_KEY = "lava_stllr.network"
#: Node-metadata keys: the exact per-step decay and (LIF) the reset, "soft" or "hard".
BETA_KEY = "lava_stllr.beta"
RESET_KEY = "lava_stllr.reset"
#: A LIF node's own secondary activation (a layer string's ``:<psi>``), where it has one.
PSI_KEY = "lava_stllr.psi"

#: The rule's fields that :class:`~lava_stllr.params.STLLRParams` holds.
RULE_FIELDS = ("lam_pre", "lam_post", "alpha_pre", "alpha_post", "lr", "psi", "window")

#: psi(u) of the built-in kinds, as text for readers of the graph.
PSI_TEXT = {
    "rational": "1/(100|u - theta| + 1)^2",
    "triangle": "0.3 max(0, 1 - |u - theta|)",
    "sigmoid": "4 sig(4(u - theta)) (1 - sig(4(u - theta)))",
}

ELIGIBILITY = ("trx_j[t] = lam_pre trx_j[t-1] + x_j[t]; "
               "trpsi_i[t] = lam_post trpsi_i[t-1] + psi_i[t]; "
               "e_ij[t] = alpha_pre psi_i[t] trx_j[t] + alpha_post trpsi_i[t-1] x_j[t]")
UPDATE = "dW_ij = -lr sum_{t in window} L_i[t] e_ij[t] (L_i: the learning signal)"
DISCRETISATION = ("forward Euler: beta = 1 - dt/tau per step, input gain dt r/tau "
                  "(r = tau/dt: gain 1); IF and I nodes: beta = 1, gain dt r")
SOFT_RESET = ("soft: u -= v_threshold after a spike (NIR's LIF resets to v_reset = 0: "
              "another simulator of this graph resets hard)")


def rule_metadata(params: STLLRParams, signal: str | None = None,
                  update: str | None = None) -> dict[str, Any]:
    """The :data:`RULE_KEY` entry of ``params`` (learning signal ``signal``: "bp", "dfa",
    ...; weights moved every ``update``: "step", "sample" or "mini-batch")."""
    return {
        "rule": "S-TLLR",
        "paper": "Apolinario & Roy, S-TLLR: STDP-inspired Temporal Local Learning Rule "
                 "for Spiking Neural Networks, TMLR 2025",
        "eligibility": ELIGIBILITY,
        "weight_update": UPDATE,
        "lam_pre": params.lam_pre, "lam_post": params.lam_post,
        "alpha_pre": params.alpha_pre, "alpha_post": params.alpha_post,
        "lr": params.lr, "psi": params.psi,
        "psi_of_u": PSI_TEXT.get(params.psi, f"lava_stllr.core.psi kind {params.psi!r}"),
        "window": "all" if params.window is None else int(params.window),
        "signal": signal or "unknown",
        "updates_every": update or "unknown",
        "learns": "the weight of every Linear and Conv2d node, recurrent ones included",
    }


def network_metadata(dt: float, params: STLLRParams, record: dict[str, Any] | None = None,
                     target: str = "nir") -> dict[str, Any]:
    """The :data:`NETWORK_KEY` entry: ``dt`` (seconds), the discretisation, the hidden
    reset, the export target, and the source run's name, seed and dataset (from its
    ``record``, if any)."""
    record = record or {}
    last = "LI (or I)" if target == "nir" else "LIF (or IF; v_threshold = inf)"
    entry: dict[str, Any] = {
        "dt": float(dt),
        "discretisation": DISCRETISATION,
        "reset": SOFT_RESET if params.reset == "soft" else "hard: u = 0 after a spike",
        "readout": f"the last {last} node's membrane, summed over the learning window; "
                   "the prediction is its argmax",
        "target": target,
    }
    if record.get("name"):
        entry["run"] = str(record["name"])
    if "seed" in record:
        entry["seed"] = int(record["seed"])
    if record.get("dataset"):
        entry["dataset_json"] = json.dumps(record["dataset"], sort_keys=True)
    return entry


def _plain(value: Any) -> Any:
    """A value read back from HDF5 as a Python scalar (bytes as str)."""
    if isinstance(value, bytes):
        return value.decode("utf8")
    if isinstance(value, np.ndarray) and value.shape == ():
        value = value[()]
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_entry(metadata: Any, key: str) -> dict[str, Any] | None:
    """The dict under ``key`` of a graph's metadata with plain Python values, or None."""
    if not isinstance(metadata, dict) or not isinstance(metadata.get(key), dict):
        return None
    return {str(k): _plain(v) for k, v in metadata[key].items()}


def rule_params(entry: dict[str, Any] | None) -> dict[str, Any]:
    """The :class:`~lava_stllr.params.STLLRParams` fields a :data:`RULE_KEY` entry gives
    (empty without one; ``ValueError`` if it is not the S-TLLR rule)."""
    if entry is None:
        return {}
    if entry.get("rule") != "S-TLLR":
        raise ValueError(f"the graph's {RULE_KEY} names the rule {entry.get('rule')!r}, "
                         "not S-TLLR")
    fields = {k: entry[k] for k in RULE_FIELDS if k in entry}
    if fields.get("window") == "all":
        fields["window"] = None
    return fields


def source_of(entry: dict[str, Any] | None) -> dict[str, Any]:
    """``{"run", "seed", "dataset"}`` (those present) of a :data:`NETWORK_KEY` entry."""
    if entry is None:
        return {}
    out: dict[str, Any] = {k: entry[k] for k in ("run", "seed") if k in entry}
    if "dataset_json" in entry:
        try:
            out["dataset"] = json.loads(entry["dataset_json"])
        except (TypeError, ValueError):
            pass
    return out
