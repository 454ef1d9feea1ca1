"""Export targets: plain NIR, or the subset of NIR that one framework's importer reads right.

A NIR graph states continuous-time dynamics; each framework's importer reads part of it.
What the importers of snnTorch 1.0 and Norse 1.1 do with lava-stllr's plain export
(checked by ``make interop``, see ``docs/nir.md``):

- neither reads ``LI``: snnTorch refuses the graph, Norse drops the node silently (the
  network then ends at ``fc_out``, with no readout);
- snnTorch reads ``LIF`` with ``dt = 1e-4`` s whatever the graph says, and folds an input
  gain ``r dt/tau != 1`` into the threshold (the spikes stay, the membrane is rescaled);
- Norse ignores ``r`` (it warns) and integrates ``v += dt/tau (v_leak - v + I)``: the input
  gain is ``dt/tau = 1 - beta``, not the graph's ``r dt/tau``;
- neither imports a recurrent hidden layer: Norse has no importer for the subgraph,
  snnTorch 1.0 with nirtorch 2.6 fails on lava-stllr's (snnTorch's ``RLeaky`` form) with
  an ``AttributeError`` in nirtorch's state construction.

A target writes the same network in the form its reader simulates exactly:

- ``"snntorch"``: ``dt = 1e-4``, the readout as a ``LIF`` that never fires
  (``v_threshold = inf``; its membrane is the readout, snnTorch's ``mem``);
  feed-forward dense networks only;
- ``"norse"``: ``r = 1`` with the input gain ``tau/dt = 1/(1 - beta)`` folded into the
  weights feeding each neuron node, the readout as a ``LIF`` with ``v_threshold = inf``
  (read it from the node's state ``v``); feed-forward dense networks only.

lava-stllr reads every target back (the last LIF is the readout; ``r`` folds into the
weights), the ``"nir"`` and ``"snntorch"`` forms bit for bit.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Time step (s) snnTorch 1.0's ``import_from_nir`` assumes for every LIF.
SNNTORCH_DT = 1e-4


@dataclass(frozen=True)
class Target:
    """How an export is written for one reader.

    Attributes
    ----------
    name : str
    dt : float or None
        The time step (s) the reader assumes whatever the graph says; None: any.
    unit_r : bool
        Write ``r = 1`` and fold the input gain into the incoming weights (the reader
        ignores ``r``).
    readout_as_lif : bool
        Write the readout as a ``LIF``/``IF`` with ``v_threshold = inf`` (the reader has no
        ``LI``/``I``).
    recurrent : bool
        Whether the reader imports a recurrent hidden layer's subgraph.
    conv : bool
        Whether conv networks may be written for it.
    """

    name: str
    dt: float | None = None
    unit_r: bool = False
    readout_as_lif: bool = False
    recurrent: bool = True
    conv: bool = True


TARGETS: dict[str, Target] = {
    "nir": Target("nir"),
    "snntorch": Target("snntorch", dt=SNNTORCH_DT, readout_as_lif=True, recurrent=False,
                       conv=False),
    "norse": Target("norse", unit_r=True, readout_as_lif=True, recurrent=False, conv=False),
}


def target_of(name: str) -> Target:
    """The :class:`Target` called ``name``; ``ValueError`` naming the known ones."""
    try:
        return TARGETS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown NIR target {name!r}: one of "
                         f"{', '.join(TARGETS)}") from None


def check_target(target: Target, dt: float, kind: str, recurrent: bool) -> None:
    """Refuse what ``target``'s reader cannot simulate exactly (``ValueError``, one line)."""
    if target.dt is not None and dt != target.dt:
        raise ValueError(f"the {target.name} target needs dt = {target.dt:g} s (what its "
                         f"importer assumes), got {dt:g}")
    if kind != "dense" and not target.conv:
        raise ValueError(f"the {target.name} target writes dense networks only (a conv "
                         "network exports as plain NIR)")
    if recurrent and not target.recurrent:
        raise ValueError(f"{target.name}'s NIR importer reads no recurrent layer: export "
                         "this network as plain NIR")


__all__ = ["SNNTORCH_DT", "TARGETS", "Target", "check_target", "target_of"]
