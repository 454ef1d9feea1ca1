"""``lava-stllr sweep``: a grid of ``lava-stllr train`` runs on Ray.

:mod:`~lava_stllr.sweep.grid` expands ``--grid`` and ``--seeds`` into trials (one train
command line each), :mod:`~lava_stllr.sweep.check` validates every trial with train's own
parser and checks before any trial starts, :mod:`~lava_stllr.sweep.folder` claims the
sweep folder and says which trials are finished, :mod:`~lava_stllr.sweep.runner` runs the
others as Ray tasks, or Ray Tune trials with ``--asha`` (local or ``--address``), and
:mod:`~lava_stllr.sweep.results` writes the results table and figure. Ray is the optional
extra ``sweep`` and imported only by the runner.
"""
