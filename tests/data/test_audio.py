"""The audio front-end: filterbank, compression, onset alignment, spiking, SHD files."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import soundfile

from lava_stllr.data import audio
from lava_stllr.data.audio import AudioFileError, AudioFrontEnd, spike_trains


def _mel_centres(config: AudioFrontEnd) -> np.ndarray:
    import librosa

    edges = librosa.mel_frequencies(config.n_channels + 2, fmin=config.f_min_hz,
                                    fmax=config.f_max_hz)
    return edges[1:-1]


@pytest.mark.parametrize("freq", [220.0, 1000.0, 3500.0])
def test_a_pure_tone_lands_in_the_channel_of_its_frequency(freq, tone):
    config = AudioFrontEnd(n_channels=32)
    events = audio.encode(tone(freq), 48000, config)
    counts = np.bincount(events["x"], minlength=config.n_channels)
    expected = int(np.argmin(np.abs(_mel_centres(config) - freq)))
    assert abs(int(np.argmax(counts)) - expected) <= 1
    # The tone's channel fires near max_rate_hz; channels far from it stay silent.
    rate = counts.max() / 0.5
    assert 0.6 * config.max_rate_hz < rate <= 1.1 * config.max_rate_hz
    far = np.abs(np.arange(config.n_channels) - expected) > 6
    assert counts[far].sum() == 0


def test_the_front_end_is_deterministic_and_sorted(tone):
    x = tone(440.0) + tone(2000.0, amplitude=0.1)
    a = audio.encode(x, 48000, AudioFrontEnd())
    b = audio.encode(x, 48000, AudioFrontEnd())
    assert a.tobytes() == b.tobytes()
    assert np.all(np.diff(a["t"]) >= 0)
    assert a.dtype.names == ("t", "x", "p") and np.all(a["p"] == 0)


def test_any_sample_rate_gives_the_same_channels(tone):
    config = AudioFrontEnd()
    peaks = [np.argmax(np.bincount(audio.encode(tone(800.0, rate=r), r, config)["x"],
                                   minlength=config.n_channels)) for r in (16000, 44100, 48000)]
    assert peaks[0] == peaks[1] == peaks[2]


def test_time_zero_is_the_onset_of_the_sound(tone):
    config = AudioFrontEnd()
    late = audio.encode(tone(800.0, start_s=0.3), 48000, config)
    assert late["t"].min() < 30_000  # 300 ms of leading silence are dropped
    kept = audio.encode(tone(800.0, start_s=0.3), 48000, AudioFrontEnd(onset_db=None))
    assert kept["t"].min() > 250_000


def test_a_louder_recording_gives_the_same_spikes(tone):
    config = AudioFrontEnd()
    quiet = audio.encode(tone(600.0, amplitude=0.01), 48000, config)
    loud = audio.encode(tone(600.0, amplitude=0.8), 48000, config)
    assert quiet.tobytes() == loud.tobytes()


def test_leaky_neurons_fire_at_the_rate_of_their_level():
    config = AudioFrontEnd(max_rate_hz=100.0, hop_ms=1.0, tau_ms=10.0)
    lowest = (1 - config.neuron_decay) / config.neuron_gain  # lower levels never fire
    levels = np.array([[1.0] * 1000, [0.8] * 1000, [lowest * 1.02] * 1000,
                       [lowest * 0.98] * 1000])
    spikes = audio.spike_trains(levels, config)
    rates = spikes.sum(axis=0)  # per second
    assert 95 <= rates[0] <= 101
    assert 0 < rates[2] < rates[1] < rates[0]
    assert rates[3] == 0


@pytest.mark.parametrize(("field", "value", "match"), [
    ("n_channels", 0, "n_channels"),
    ("f_max_hz", 9000.0, "f_max_hz must be <= sample_rate_hz / 2"),
    ("max_rate_hz", 2000.0, "at most one spike per step"),
    ("tau_ms", -1.0, "tau_ms"),
    ("onset_db", 0.0, "onset_db"),
])
def test_bad_settings_are_refused(field, value, match):
    with pytest.raises(ValueError, match=match):
        AudioFrontEnd(**{field: value})


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(AudioFrontEnd)])
def test_the_cache_key_changes_with_every_setting(field):
    base = AudioFrontEnd()
    assert base.cache_key() == AudioFrontEnd().cache_key()
    value = getattr(base, field)
    changed = {"n_channels": 33, "sample_rate_hz": 22050, "onset_db": None,
               "integrator": True}.get(
        field, value * 0.9 if isinstance(value, float) else value)
    assert base.cache_key() != AudioFrontEnd(**{field: changed}).cache_key()


def test_bad_files_get_one_clear_error(tmp_path, tone):
    text = tmp_path / "notes.flac"
    text.write_text("not audio")
    with pytest.raises(AudioFileError, match="not a readable sound file"):
        audio.read_audio(text)
    silent = tmp_path / "silent.wav"
    soundfile.write(silent, np.zeros(8000), 16000)
    with pytest.raises(AudioFileError, match="silent"):
        audio.read_audio(silent)
    odd = tmp_path / "odd.wav"
    soundfile.write(odd, tone(440.0, 0.1, 12345), 12345)
    with pytest.raises(AudioFileError, match="unknown sample rate 12345"):
        audio.read_audio(odd)
    long = tmp_path / "long.wav"
    soundfile.write(long, np.full(8000 * 600, 0.1), 8000, subtype="PCM_U8")
    with pytest.raises(AudioFileError, match="lasts 600.0 s"):
        audio.read_audio(long)


def test_nan_and_too_short_recordings_are_refused(tmp_path, tone):
    nan = tmp_path / "nan.wav"
    x = tone(440.0, 0.2, 16000)
    x[100] = np.nan
    soundfile.write(nan, x, 16000, subtype="FLOAT")
    with pytest.raises(AudioFileError, match="NaN or infinite"):
        audio.read_audio(nan)
    short = tmp_path / "short.wav"
    soundfile.write(short, tone(440.0, 0.02, 16000), 16000)
    with pytest.raises(AudioFileError, match="lasts 20 ms"):
        audio.read_audio(short)


def test_stereo_is_averaged_to_mono(tmp_path, tone):
    path = tmp_path / "stereo.wav"
    x = tone(440.0, 0.2, 16000)
    soundfile.write(path, np.stack([x, x], axis=1), 16000)
    samples, rate = audio.read_audio(path)
    assert rate == 16000 and samples.ndim == 1
    np.testing.assert_allclose(samples, x, atol=1e-4)


def test_converted_audio_reads_as_shd(tmp_path, tone):
    from lava_stllr.data.tonic_datasets import SHDDataset

    config = AudioFrontEnd(n_channels=700)
    events = [audio.encode(tone(f, 0.3), 48000, config) for f in (300.0, 3000.0)]
    audio.write_shd_h5(tmp_path / "SHD" / "shd_train.h5", events, np.array([3, 17]),
                       np.array([0, 1]))
    shd = SHDDataset(tmp_path, train=True)
    assert list(shd.labels) == [3, 17]
    for i, ev in enumerate(events):
        read = shd.read_events(i)
        np.testing.assert_array_equal(read["x"], ev["x"])
        np.testing.assert_allclose(read["t"], ev["t"], atol=1.0)
    low, _ = shd[0]
    high, _ = shd[1]
    assert low.sum() > 0 and high.sum() > 0
    assert np.argmax(low.sum(0)) < np.argmax(high.sum(0))


def test_shd_files_need_one_entry_per_recording(tmp_path):
    with pytest.raises(ValueError, match="one entry per recording"):
        audio.write_shd_h5(tmp_path / "x.h5", [], np.array([1]), np.array([0]))
    assert not (tmp_path / "x.h5").exists()


def test_the_leak_free_population_fires_where_the_leaky_one_stays_silent():
    """Step 5: inputs n..2n-1 integrate without leak, so a faint level that never drives
    the leaky neuron to threshold still fires, at ``level * max_rate_hz``."""
    config = AudioFrontEnd(n_channels=2, integrator=True)
    assert config.n_inputs == 4 and config.populations == 2
    levels = np.array([np.full(1000, 0.3), np.full(1000, 1.0)])
    spikes = spike_trains(levels, config)
    assert spikes.shape == (1000, 4)
    leaky_alone = spike_trains(levels, AudioFrontEnd(n_channels=2))
    np.testing.assert_array_equal(spikes[:, :2], leaky_alone)
    assert spikes[:, 0].sum() == 0  # 0.3 is below the leaky neuron's floor
    assert spikes[:, 2].sum() == pytest.approx(0.3 * config.max_rate_hz, abs=1)
    assert spikes[:, 3].sum() == pytest.approx(config.max_rate_hz, abs=1)
