"""Lava test helpers for the fixed-point path (importing ``scripted_driver`` imports Lava).

Kept in their own package: Lava's compiler executes every sibling module of a Process's
module when it searches for ProcessModels.
"""
