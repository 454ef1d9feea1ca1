"""Exports of trained networks to other tools' formats (lava-dl netx HDF5)."""
