"""Give a shared model base the Lava types and decorators of one tag."""

from __future__ import annotations

from collections.abc import Callable, Mapping

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


def tagged(tag_name: str, precision: str, role_types: RoleTypes
           ) -> Callable[[type[ProgramModel]], type[ProgramModel]]:
    """A class decorator: the model becomes the ``@implements``/``@requires(CPU)``/``@tag``
    model of its base's ``PROCESS`` for ``tag_name``, running programs of ``precision``.

    Each port and Var of the base's ``PORT_ROLES`` gets the Lava type of its role in
    ``role_types``; ``ROLE_DTYPES`` maps each role to its NumPy dtype.
    """

    def decorate(model: type[ProgramModel]) -> type[ProgramModel]:
        model.PRECISION = precision
        model.ROLE_DTYPES = {role: np.dtype(dtype) for role, (dtype, _) in role_types.items()}
        for port, (direction, role) in model.PORT_ROLES.items():
            dtype, bits = role_types[role]
            setattr(model, port, LavaPyType(_CONTAINERS[direction], dtype, bits))
        return implements(proc=model.PROCESS, protocol=LoihiProtocol)(
            requires(CPU)(tag(tag_name)(model)))

    return decorate
