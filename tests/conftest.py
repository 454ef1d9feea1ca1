"""Test-suite settings shared by every folder.

Hypothesis runs derandomized by default (the examples follow from each test's source),
so a failure in CI is a failure on every machine and replays the same way.
``HYPOTHESIS_PROFILE=explore`` opts into fresh random examples for a local hunt.
"""

import importlib.util
import os
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, database=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", database=None, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def _load_module(path: Path) -> ModuleType:
    """Import the Python file ``path`` as a module named after it."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def load_module():
    """Import a file by path (``tests/`` and ``tutorials/`` are not packages)."""
    return _load_module


def _probe_hidden_spikes(net, num_steps: int):
    """Put a Lava ``Monitor`` on every hidden layer's ``s_out`` of ``net`` (an
    ``STLLRNetwork``) for ``num_steps`` steps; returns a function that reads them
    (one ``(num_steps, n)`` array per layer) while the runtime is still up."""
    import numpy as np
    from lava.proc.monitor.process import Monitor

    monitors = []
    for lif in net.hidden:
        monitor = Monitor()
        monitor.probe(target=lif.s_out, num_steps=num_steps)
        monitors.append(monitor)

    def read() -> list:
        return [np.asarray(m.get_data()[lif.name]["s_out"])
                for m, lif in zip(monitors, net.hidden, strict=True)]

    return read


@pytest.fixture
def probe_hidden_spikes():
    """:func:`_probe_hidden_spikes`: the hidden layers' spikes of a Lava network."""
    return _probe_hidden_spikes
