"""Run folders and what they hold: unique folders marked until complete (``folder``), the
run record and weights (``record``), atomic versioned files (``files``) and figures
(``plots``)."""
