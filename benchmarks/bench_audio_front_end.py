"""Speed of the audio front-end: milliseconds of one core per second of audio.

Encodes the first ``--n`` shared Heidelberg Digits recordings (48 kHz FLAC) with each
channel count asked, one BLAS thread, after one warm-up call per setting (librosa's first
call and the mel filterbank are built once per process). Prints a table: reading the
file, then levels + spikes (:func:`~lava_stllr.data.audio.encode`), per second of audio,
the median over recordings.

Run: ``OMP_NUM_THREADS=1 python benchmarks/bench_audio_front_end.py [--channels 32 64 700]``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lava_stllr.data.audio import AudioFrontEnd, encode, read_audio

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "HeidelbergDigits"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--channels", type=int, nargs="+", default=[32, 64, 128, 700])
    args = parser.parse_args()
    files = sorted((args.data / "audio").glob("*.flac"))[: args.n]
    if not files:
        raise SystemExit(f"no recordings under {args.data / 'audio'}")
    print(f"{len(files)} recordings, ms of CPU per second of audio (median)")
    print("| channels | read | levels + spikes | spikes per channel and s |")
    print("|---|---|---|---|")
    for n_channels in args.channels:
        config = AudioFrontEnd(n_channels=n_channels)
        encode(*read_audio(files[0]), config)  # warm-up
        read_ms, encode_ms, rates = [], [], []
        for path in files:
            start = time.process_time()
            samples, rate = read_audio(path)
            middle = time.process_time()
            events = encode(samples, rate, config)
            end = time.process_time()
            seconds = samples.size / rate
            read_ms.append(1000 * (middle - start) / seconds)
            encode_ms.append(1000 * (end - middle) / seconds)
            rates.append(events.size / seconds / n_channels)
        print(f"| {n_channels} | {np.median(read_ms):.1f} | {np.median(encode_ms):.1f} | "
              f"{np.mean(rates):.1f} |")


if __name__ == "__main__":
    main()
