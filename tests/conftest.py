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


def make_tone(freq_hz: float, seconds: float = 0.5, rate: int = 48000, amplitude: float = 0.3,
              start_s: float = 0.0):
    """A pure tone of ``freq_hz`` after ``start_s`` of silence (float64 samples)."""
    import numpy as np

    t = np.arange(int(round((start_s + seconds) * rate))) / rate
    x = amplitude * np.sin(2 * np.pi * freq_hz * t)
    x[t < start_s] = 0.0
    return x


def write_digit_files(root: Path, speakers=(0, 1, 4), digits=range(3),
                       languages=("english", "german"), rate: int = 16000) -> Path:
    """``root/audio/lang-<lang>_speaker-<NN>_trial-0_digit-<D>.flac``: a tone per file whose
    frequency encodes the class (so a network can tell them apart); returns ``root``."""
    import soundfile

    folder = root / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    for speaker in speakers:
        for li, lang in enumerate(languages):
            for d in digits:
                freq = 300.0 * (1 + d + 4 * li) * (1 + 0.02 * speaker)
                soundfile.write(folder / f"lang-{lang}_speaker-{speaker:02d}_trial-0_digit-"
                                f"{d}.flac", make_tone(freq, 0.3, rate), rate)
    return root


@pytest.fixture
def tone():
    """:func:`make_tone`."""
    return make_tone


@pytest.fixture
def write_digits():
    """:func:`write_digit_files`."""
    return write_digit_files


@pytest.fixture(scope="module")
def ray_local():
    """One local Ray (2 CPUs) for a test module; its sweeps use it and leave it running."""
    ray = pytest.importorskip("ray", reason="the sweep extra (ray[tune]) is not installed")
    pytest.importorskip("ray.tune", reason="the sweep extra (ray[tune]) is not installed")
    os.environ.setdefault("RAY_AUTH_MODE", "disabled")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    yield ray
    ray.shutdown()
