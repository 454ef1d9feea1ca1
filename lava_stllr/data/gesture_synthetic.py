"""Synthetic DVS Gesture clips, written in tonic's DVS Gesture folder layout (no download).

A stand-in for the IBM DVS Gesture release when it is not there: 128 x 128 pixels, two
polarities, the 11 labels, files that
:class:`~lava_stllr.data.tonic_datasets.DVSGestureDataset` (through tonic) reads exactly
like the real ones::

    ROOT/DVSGesture/ibmGestureTrain/user<NN>_<lighting>/<label>.npy   (and ibmGestureTest)

Each ``.npy`` holds a float64 ``(N, 4)`` array of columns ``x, y, p, t`` with ``t`` in
milliseconds, sorted by time (tonic multiplies ``t`` by 1000 to get microseconds). A user
folder holds one clip per label, so ``n_per_class`` clips per class give ``n_per_class``
user folders.

A clip is a blob of events (a disc of radius ``radius`` pixels, Poisson events every
``frame_ms``) whose motion carries the class, plus uniform background noise:

====  ==========================  ====  ==========================
 id   motion                       id   motion
====  ==========================  ====  ==========================
 0    two blobs meeting (a clap)   6    circle, counter-clockwise
 1    right                        7    down-right diagonal
 2    left                         8    up-left diagonal
 3    down                         9    up-right diagonal
 4    up                           10   blob standing still
 5    circle, clockwise
====  ==========================  ====  ==========================

Per clip, the start position, speed and radius are drawn around the class's, so the
classes overlap in position and differ in motion. Events on the half of the disc ahead of
the motion are ON (``p = 1``), behind it OFF, as an edge passing a DVS pixel gives.
Everything is drawn from ``np.random.default_rng`` of ``(seed, split, user, label)``: the
same arguments give the same bits.

Command line: ``python -m lava_stllr.data.gesture_synthetic DIR [--per-class N]
[--test-per-class N] [--seed S]`` writes both parts under ``DIR``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

import numpy as np

from lava_stllr import validate

SIDE = 128
N_CLASSES = 11
#: tonic's lighting names of the real release's user folders.
LIGHTINGS = ("fluorescent", "fluorescent_led", "lab", "led", "natural")
_SPLITS = {"train": ("ibmGestureTrain", 0), "test": ("ibmGestureTest", 1)}
#: Unit direction (dx, dy) per linear class (y grows downwards, as the sensor's rows).
_DIRECTIONS = {1: (1, 0), 2: (-1, 0), 3: (0, 1), 4: (0, -1), 7: (1, 1), 8: (-1, -1),
               9: (1, -1)}


def write_gesture_file(path: str | os.PathLike, x: np.ndarray, y: np.ndarray, p: np.ndarray,
                       t_ms: np.ndarray) -> Path:
    """Write one recording as tonic's release stores it: float64 (N, 4) of ``x, y, p,
    t`` (``t`` in ms), creating the folders (atomically: a full disk leaves no partial
    clip, and raises :class:`~lava_stllr.files.WriteError` naming the file)."""
    from lava_stllr.files import atomic_write

    path = Path(path)
    clip = np.stack([x, y, p, t_ms], axis=1).astype(np.float64)
    atomic_write(path, lambda fh: np.save(fh, clip), size=clip.nbytes + 128)
    return path


def _centres(label: int, frac: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Blob centre tracks (frames, 2) of class ``label`` at clip fractions ``frac``."""
    jitter = rng.uniform(-12, 12, size=2)
    speed = rng.uniform(0.8, 1.2)
    mid = SIDE / 2 + jitter
    if label in _DIRECTIONS:
        d = np.array(_DIRECTIONS[label], dtype=float)
        d /= np.linalg.norm(d)
        half = 40 * speed  # pixels travelled each side of the middle
        return [mid + np.outer(2 * frac - 1, d) * half]
    if label in (5, 6):
        turns = 1.0 * speed
        sign = 1 if label == 5 else -1  # clockwise on screen (y down) is +angle
        angle = rng.uniform(0, 2 * np.pi) + sign * 2 * np.pi * turns * frac
        return [mid + 30 * np.stack([np.cos(angle), np.sin(angle)], axis=1)]
    if label == 0:
        gap = 45 * (1 - np.abs(np.sin(2 * np.pi * speed * frac)))  # meet twice
        return [mid + np.outer(gap, [-1, 0]), mid + np.outer(gap, [1, 0])]
    return [np.tile(mid, (frac.size, 1))]  # 10: still


def synthetic_clip(label: int, rng: np.random.Generator, duration_ms: float = 1500.0,
                   frame_ms: float = 10.0, events_per_frame: float = 30.0,
                   noise_per_frame: float = 3.0) -> tuple[np.ndarray, ...]:
    """One clip of class ``label``: ``(x, y, p, t_ms)`` arrays sorted by ``t``.

    Per frame ``f`` (time ``f * frame_ms``), each blob emits ``Poisson(events_per_frame)``
    events uniform in its disc, and ``Poisson(noise_per_frame)`` noise events fall
    anywhere with a random polarity; times are uniform within the frame.
    """
    label = validate.whole("label", label, 0, N_CLASSES - 1)
    n_frames = max(2, int(round(duration_ms / frame_ms)))
    frac = np.arange(n_frames) / (n_frames - 1)
    radius = rng.uniform(6, 9)
    xs, ys, ps, ts = [], [], [], []
    for track in _centres(label, frac, rng):
        velocity = np.gradient(track, axis=0)
        counts = rng.poisson(events_per_frame, size=n_frames)
        frame = np.repeat(np.arange(n_frames), counts)
        r = radius * np.sqrt(rng.random(frame.size))
        phi = rng.uniform(0, 2 * np.pi, frame.size)
        offset = np.stack([r * np.cos(phi), r * np.sin(phi)], axis=1)
        pos = track[frame] + offset
        ahead = (offset * velocity[frame]).sum(axis=1)
        pol = np.where(ahead == 0, rng.integers(0, 2, frame.size), ahead > 0)
        for out, part in zip((xs, ys, ps, ts), (pos[:, 0], pos[:, 1], pol, frame),
                             strict=True):
            out.append(part)
    n_noise = rng.poisson(noise_per_frame * n_frames)
    for out, part in zip((xs, ys, ps, ts), (
            rng.uniform(0, SIDE, n_noise), rng.uniform(0, SIDE, n_noise),
            rng.integers(0, 2, n_noise), rng.integers(0, n_frames, n_noise)), strict=True):
        out.append(part)
    x, y = (np.clip(np.floor(np.concatenate(a)), 0, SIDE - 1) for a in (xs, ys))
    p = np.concatenate(ps).astype(np.float64)
    t = (np.concatenate(ts) + rng.random(x.size)) * frame_ms
    order = np.argsort(t, kind="stable")
    return x[order], y[order], p[order], np.floor(t[order])


def write_synthetic_gesture(root: str | os.PathLike, n_per_class: int, seed: int,
                            split: str = "train", overwrite: bool = False,
                            **clip_kwargs: float) -> list[Path]:
    """Write ``n_per_class`` clips of each of the 11 classes under
    ``root/DVSGesture/ibmGesture{Train,Test}/user<NN>_<lighting>/<label>.npy``.

    Parameters
    ----------
    root : path
        tonic's ``save_to`` folder (what ``--data-dir`` / ``DataRequest.root`` takes).
    n_per_class : int
        Clips per class (= user folders, ``user01`` ...), in [1, 99].
    seed : int
        Seed; with ``split``, user and label it seeds each clip's generator.
    split : {"train", "test"}
    overwrite : bool
        Replace the clips of this split already under ``root`` (all of them, so none of
        an earlier set stays).
    **clip_kwargs
        Passed to :func:`synthetic_clip` (``duration_ms``, ``frame_ms``, ...).

    Returns
    -------
    list of Path
        The files written, by user then label.

    Raises
    ------
    ValueError
        Bad sizes or seed, or ``root`` already holds clips of this split and
        ``overwrite`` is False.
    """
    n_per_class = validate.whole("n_per_class", n_per_class, 1, 99)
    seed = validate.whole("seed", seed, 0)
    folder_name, stream = _SPLITS[validate.choice("split", split, tuple(_SPLITS))]
    folder = Path(root) / "DVSGesture" / folder_name
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise ValueError(f"{folder} already holds clips: refusing to mix or replace them "
                         "(give an empty folder, or --overwrite / overwrite=True)")
    if overwrite and folder.exists():
        shutil.rmtree(folder)  # no stale clips of an earlier, larger set
    written = []
    for user in range(1, n_per_class + 1):
        lighting = LIGHTINGS[(user - 1) % len(LIGHTINGS)]
        for label in range(N_CLASSES):
            rng = np.random.default_rng([seed, stream, user, label])
            clip = synthetic_clip(label, rng, **clip_kwargs)
            written.append(write_gesture_file(
                folder / f"user{user:02d}_{lighting}" / f"{label}.npy", *clip))
    return written


def main(argv: list[str] | None = None) -> int:
    """``python -m lava_stllr.data.gesture_synthetic DIR``: write a train and a test part."""
    parser = argparse.ArgumentParser(
        prog="python -m lava_stllr.data.gesture_synthetic",
        description="Write synthetic DVS Gesture clips in tonic's layout "
                    "(train with --dataset dvsgesture --data-dir DIR).")
    parser.add_argument("root", type=Path, help="output folder (tonic's save_to)")
    parser.add_argument("--per-class", type=int, default=8, help="training clips per class")
    parser.add_argument("--test-per-class", type=int, default=3, help="test clips per class")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--overwrite", action="store_true",
                        help="replace clips already under DIR/DVSGesture")
    args = parser.parse_args(argv)
    try:
        n = len(write_synthetic_gesture(args.root, args.per_class, args.seed, "train",
                                        overwrite=args.overwrite))
        n += len(write_synthetic_gesture(args.root, args.test_per_class, args.seed, "test",
                                         overwrite=args.overwrite))
    except ValueError as exc:
        parser.error(str(exc))
    except OSError as exc:  # a full disk: one line that names the file
        print(f"{parser.prog}: error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {n} clips under {args.root / 'DVSGesture'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
