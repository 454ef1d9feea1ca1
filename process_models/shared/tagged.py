"""Build a tagged ProcessModel from a base, a tag's role types and a program builder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from process_models.shared.base import IN, OUT, VAR, ProgramModel

#: A role's Lava type: ``(dtype, precision)``, precision None for unbounded.
RoleTypes = Mapping[str, tuple[type, int | None]]

_CONTAINERS = {IN: PyInPort.VEC_DENSE, OUT: PyOutPort.VEC_DENSE, VAR: np.ndarray}


def tagged_model(base: type[ProgramModel], make_program: Callable[[Any], Any], name: str,
                 doc: str, check_process: Callable[[Any], None] | None = None, *,
                 tag_name: str, role_types: RoleTypes, module: str,
                 statics: Mapping[str, Callable] | None = None) -> type[ProgramModel]:
    """A ``@implements``/``@requires(CPU)``/``@tag`` model class of ``base.PROCESS``.

    Its ports and Vars get the Lava types of their roles in ``role_types``; its program
    comes from ``make_program(proc_params)``; ``check_process(proc)``, if given, runs
    at compile time when the run config selects the model. ``name`` and ``module`` are
    where the class is bound (so it pickles by reference); ``statics`` are further
    static methods of the tag (e.g. the neuron's fused feedback current). The class's
    ``ROLE_DTYPES`` maps each role to its NumPy dtype (what a port of that role carries).
    """
    attrs: dict[str, Any] = {"__module__": module, "__qualname__": name, "__doc__": doc,
                             "make_program": staticmethod(make_program),
                             "ROLE_DTYPES": {role: np.dtype(dtype)
                                             for role, (dtype, _) in role_types.items()}}
    for key, fn in (statics or {}).items():
        attrs[key] = staticmethod(fn)
    if check_process is not None:
        attrs["check_process"] = staticmethod(check_process)
    for port, (direction, role) in base.PORT_ROLES.items():
        dtype, precision = role_types[role]
        attrs[port] = LavaPyType(_CONTAINERS[direction], dtype, precision)
    model = type(name, (base,), attrs)
    return implements(proc=base.PROCESS, protocol=LoihiProtocol)(
        requires(CPU)(tag(tag_name)(model)))
