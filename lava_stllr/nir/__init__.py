"""NIR (the Neuromorphic Intermediate Representation, ``nir`` 1.0) export and import.

- :func:`to_nir` / :func:`run_to_nir` and :func:`write_nir`: a network or run folder as a
  NIR graph and its HDF5 file (:mod:`~lava_stllr.nir.write`);
- :func:`read_nir` and :func:`from_nir`: a NIR file and graph, from lava-stllr or another
  framework (snnTorch, Norse, ...), as lava-stllr's network, exactly or refused with one
  line (:mod:`~lava_stllr.nir.read`, :class:`NIRImportError`).

The pieces: the discretisation, forward Euler with time step ``dt``, ``beta = 1 -
dt/tau`` (:mod:`~lava_stllr.nir.dynamics`); neuron nodes (:mod:`~lava_stllr.nir.neurons`);
weight and pool nodes (:mod:`~lava_stllr.nir.synapses`); the graph's shape
(:mod:`~lava_stllr.nir.chain`); the S-TLLR rule in the graph's metadata under
``"lava_stllr.learning_rule"`` (:mod:`~lava_stllr.nir.metadata`); the forms that
snnTorch's and Norse's importers read exactly, ``to_nir(..., target="snntorch" |
"norse")`` (:mod:`~lava_stllr.nir.targets`).

lava-stllr's soft reset has no NIR field: it is recorded in each LIF node's metadata
(``lava_stllr.reset``), which lava-stllr reads back; another simulator of the graph
resets hard, to ``v_reset = 0`` (export a run trained with ``--set reset=hard`` for the
same dynamics everywhere).
"""

from lava_stllr.nir.errors import NIRImportError
from lava_stllr.nir.metadata import NETWORK_KEY, RULE_KEY
from lava_stllr.nir.read import Imported, from_nir, graph_dt, read_nir
from lava_stllr.nir.write import n_nodes, run_to_nir, to_nir, write_nir

__all__ = ["NETWORK_KEY", "RULE_KEY", "Imported", "NIRImportError", "from_nir", "graph_dt",
           "n_nodes", "read_nir", "run_to_nir", "to_nir", "write_nir"]
