"""Read a netx HDF5 file (as written by :mod:`lava_stllr.export.netx_write`) back into dicts."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _read_str(dataset: Any) -> str:
    value = dataset[0] if dataset.shape else dataset[()]
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


def read_netx(path: str | Path) -> list[dict[str, Any]]:
    """Read a netx file's layers back as dicts (``type``, ``shape``, ``weight``, ...,
    ``neuron`` dict, ``attrs``), in layer order.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If it is not an HDF5 file with a ``layer`` group.
    """
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"netx file not found: {path}")
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise ValueError(f"{path} is not an HDF5 file ({exc})") from None
    with f:
        if "layer" not in f:
            raise ValueError(f"{path} has no 'layer' group: not a netx network")
        out = []
        for key in sorted(f["layer"], key=int):
            group = f["layer"][key]
            layer: dict[str, Any] = {"type": _read_str(group["type"]),
                                     "attrs": dict(group.attrs)}
            for name, item in group.items():
                if name == "neuron":
                    layer["neuron"] = {
                        k: (_read_str(v) if k == "type" else v[()]) for k, v in item.items()
                    }
                elif name != "type":
                    layer[name] = item[()]
            out.append(layer)
    return out
