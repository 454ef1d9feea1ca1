"""Untagged bases of the ProcessModels: one ``run_spk`` per Process for every tag.

Each base runs the step function of :mod:`lava_stllr.onchip.steps` with the program its
Process carries and declares the *role* of each of its ports and Vars once
(``PORT_ROLES``); a tag package maps roles to Lava types once and decorates one subclass
per base with :func:`process_models.shared.tagged.tagged` (role types and precision).
The bases carry no ``@implements``: only the tagged classes are models of a Process.
"""
