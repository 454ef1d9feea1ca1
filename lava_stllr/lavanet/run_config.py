"""``STLLRSimCfg``: Lava's CPU-simulation run config that finds the lava-stllr models."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from lava.magma.core.model.model import AbstractProcessModel
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.magma.core.sync.domain import SyncDomain

from lava_stllr.processes import PROCESSES, STLLRDense
from lava_stllr.processes.wiring import check_learning_wiring


class RegistryModelMap(Mapping):
    """A ``{Process: ProcessModel}`` map for Lava's ``exception_proc_model_map``.

    Lava's compiler looks a Process *instance* up in this map before its own model
    discovery, and a run config looks the *class* up. Any instance or class of a
    lava-stllr Process resolves to its registered model for ``tag``; user entries
    (instances or classes) take precedence; every other Process falls through to
    Lava's normal discovery.
    """

    def __init__(self, tag: str, user_map: Mapping | None = None) -> None:
        from process_models.registry import models_for_tag

        self.tag = tag
        self._models = models_for_tag(tag)
        self._user = dict(user_map or {})

    def _resolve(self, key: Any) -> type[AbstractProcessModel] | None:
        if key in self._user:
            return self._user[key]
        cls = key if isinstance(key, type) else type(key)
        if cls in self._user:
            return self._user[cls]
        return self._models.get(cls) if cls in PROCESSES else None

    def __contains__(self, key: object) -> bool:
        return self._resolve(key) is not None

    def __getitem__(self, key: Any) -> type[AbstractProcessModel]:
        model = self._resolve(key)
        if model is None:
            raise KeyError(key)
        if isinstance(key, STLLRDense):
            check_learning_wiring(key)  # unconnected or stock learning ports: fail, not hang
        check = getattr(model, "check_process", None)
        if check is not None and not isinstance(key, type):
            check(key)  # a model may reject a Process instance at compile time
        return model

    def __iter__(self) -> Iterator:
        return iter([*self._user, *self._models])

    def __len__(self) -> int:
        return len(self._user) + len(self._models)


class STLLRSimCfg(Loihi2SimCfg):
    """``Loihi2SimCfg`` that resolves the lava-stllr Processes through
    ``process_models.registry``, with the models of one precision.

    At compile time it also checks every ``STLLRDense``'s learning ports
    (:func:`lava_stllr.processes.wiring.check_learning_wiring`): an unconnected,
    swapped or stock-neuron-driven ``s_in_y2``/``s_in_y3`` raises ``ValueError`` instead
    of never learning or hanging the run; and every Process's programs must be of the
    selected precision.

    Parameters
    ----------
    precision : {"float", "fixed"}
        The arithmetic of the models: float64, or Loihi 2's bit-approximate integers. It
        selects the Lava model tag (``floating_pt`` / ``fixed_pt``), with which Lava's own
        Processes (``Dense``, ``LearningDense``, ``Monitor``...) are selected too.
    select_tag : str, optional
        Lava's name for the same choice (a registered tag); give one of the two.
    exception_proc_model_map : dict, optional
        Extra ``{Process class or instance: ProcessModel}`` overrides.
    custom_sync_domains, select_sub_proc_model, loglevel
        As for ``Loihi2SimCfg``.
    """

    def __init__(self, precision: str | None = None, *,
                 select_tag: str | None = None,
                 custom_sync_domains: list[SyncDomain] | None = None,
                 select_sub_proc_model: bool = False,
                 exception_proc_model_map: dict[type[AbstractProcess] | AbstractProcess,
                                                type[AbstractProcessModel]] | None = None,
                 loglevel: int = logging.WARNING) -> None:
        from process_models.registry import precision_of, tag_for

        if precision is not None and not isinstance(precision, str):
            raise ValueError(f"STLLRSimCfg's first argument is the precision ('float' or "
                             f"'fixed'), got {precision!r}; pass custom_sync_domains=... by "
                             f"name")
        if precision is not None and select_tag is not None:
            raise ValueError("give precision or select_tag, not both")
        if select_tag is None:
            select_tag = tag_for("float" if precision is None else precision)
        self.precision = precision_of(select_tag)
        super().__init__(custom_sync_domains=custom_sync_domains, select_tag=select_tag,
                         select_sub_proc_model=select_sub_proc_model, loglevel=loglevel)
        self.exception_proc_model_map = RegistryModelMap(select_tag, exception_proc_model_map)
