"""Listing dataset folders: a class folder or a file that cannot be read is an error.

``pathlib``'s ``glob`` and ``os.walk`` (which tonic uses) skip a folder they cannot list
without a word, so a class folder left unreadable (``chmod 000``, another user's copy)
used to drop that class from the dataset and training went on without it. The readers
list their folders with :func:`list_folder` and check their files with
:func:`check_readable` instead: :class:`UnreadableDataError` names the path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["UnreadableDataError", "check_readable", "list_folder"]


class UnreadableDataError(PermissionError):
    """A dataset folder or file that cannot be read; the message names it (an
    ``OSError``: the command line prints it as one line)."""


#: How folders are listed and files checked (tests replace them: root reads everything).
_scandir = os.scandir


def _readable(path: Path) -> bool:
    return os.access(path, os.R_OK)


def list_folder(folder: str | os.PathLike, what: str) -> list[Path]:
    """The entries of ``folder``, sorted by name.

    Parameters
    ----------
    folder : str or Path
        An existing folder.
    what : str
        What it is, for the message (e.g. ``"N-MNIST digit folder"``).

    Raises
    ------
    UnreadableDataError
        If ``folder`` cannot be listed (no read or search permission).
    """
    try:
        with _scandir(folder) as entries:
            return sorted((Path(e.path) for e in entries), key=lambda p: p.name)
    except PermissionError as err:
        raise UnreadableDataError(
            f"{what} {folder} cannot be read ({err.strerror or 'permission denied'}): "
            "every class folder must be readable, or that class would be left out of the "
            "dataset") from None


def check_readable(paths: Iterable[str | os.PathLike], what: str) -> None:
    """Raise :class:`UnreadableDataError` naming the first of ``paths`` that cannot be read
    (``what``: e.g. ``"N-MNIST file"``) and how many cannot."""
    bad = [Path(p) for p in paths if not _readable(Path(p))]
    if bad:
        more = f" (and {len(bad) - 1} more)" if len(bad) > 1 else ""
        raise UnreadableDataError(f"{what} {bad[0]} cannot be read (permission denied){more}")
