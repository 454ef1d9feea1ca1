"""ProcessModels of the lava-stllr Processes, one sub-package per tag.

Lava cannot discover models outside a Process's own folder: :mod:`process_models.registry`
maps each Process to its models by tag, and :class:`lava_stllr.lavanet.run_config.STLLRSimCfg`
uses it.
"""
