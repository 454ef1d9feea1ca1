"""Untagged bases of the ProcessModels: one ``run_spk`` per Process for both tags.

Each base runs the step function of :mod:`lava_stllr.onchip.steps` with a program; the
tagged models in ``floating_pt``/``fixed_pt`` only declare their port types and build
their program (``make_program``). The bases carry no ``@implements`` (Lava refuses a
subclass of an already-decorated model).
"""
