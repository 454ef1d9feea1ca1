"""Explicit registry: each lava-stllr Process class -> its ProcessModel per tag.

Lava's compiler does not find models outside a Process's folder, so
:class:`lava_stllr.lavanet.run_config.STLLRSimCfg` asks this registry instead. Adding a tag is
one line in :data:`TAG_PACKAGES` (plus the package of models, listing them in ``MODELS``
and the ``PRECISION`` of the programs they run).
"""

from __future__ import annotations

import importlib
from functools import cache

from lava.magma.core.model.model import AbstractProcessModel
from lava.magma.core.process.process import AbstractProcess

from lava_stllr.processes import PROCESSES

#: Tag -> package whose ``MODELS`` tuple holds that tag's ProcessModels.
TAG_PACKAGES: dict[str, str] = {
    "floating_pt": "process_models.floating_pt",
    "fixed_pt": "process_models.fixed_pt",
}


def tags() -> tuple[str, ...]:
    """The registered tags."""
    return tuple(TAG_PACKAGES)


def tag_for(precision: str) -> str:
    """The tag whose models run programs of ``precision`` (``"float"`` or ``"fixed"``);
    ``ValueError`` for a precision no tag runs."""
    for tag in TAG_PACKAGES:
        if importlib.import_module(TAG_PACKAGES[tag]).PRECISION == precision:
            return tag
    known = [importlib.import_module(p).PRECISION for p in TAG_PACKAGES.values()]
    raise ValueError(f"precision must be one of {known}, got {precision!r}")


def precision_of(tag: str) -> str:
    """The precision of the programs ``tag``'s models run."""
    if tag not in TAG_PACKAGES:
        raise ValueError(f"unknown model tag {tag!r}; registered tags: {tags()}")
    return importlib.import_module(TAG_PACKAGES[tag]).PRECISION


@cache
def models_for_tag(tag: str) -> dict[type[AbstractProcess], type[AbstractProcessModel]]:
    """``{Process class: ProcessModel class}`` of one tag.

    Raises ``ValueError`` for an unknown tag, and ``LookupError`` if a model does not
    implement one of the plugin's Processes, lacks the tag, or duplicates another.
    """
    if tag not in TAG_PACKAGES:
        raise ValueError(f"unknown model tag {tag!r}; registered tags: {tags()}")
    package = importlib.import_module(TAG_PACKAGES[tag])
    mapping: dict[type[AbstractProcess], type[AbstractProcessModel]] = {}
    for model in package.MODELS:
        proc = getattr(model, "implements_process", None)
        if proc not in PROCESSES:
            raise LookupError(f"{model.__name__} does not implement a lava-stllr Process")
        if tag not in getattr(model, "tags", ()):
            raise LookupError(f"{model.__name__} is listed under tag {tag!r} but not tagged "
                              f"with it")
        if proc in mapping:
            raise LookupError(f"two {tag!r} models for {proc.__name__}: "
                              f"{mapping[proc].__name__} and {model.__name__}")
        mapping[proc] = model
    return mapping


def model_for(proc_type: type[AbstractProcess], tag: str) -> type[AbstractProcessModel]:
    """The ProcessModel of ``proc_type`` (exact class) for ``tag``.

    Raises ``KeyError`` naming the Process and tag if there is none.
    """
    models = models_for_tag(tag)
    if proc_type not in models:
        raise KeyError(f"no {tag!r} ProcessModel registered for {proc_type.__name__}")
    return models[proc_type]
