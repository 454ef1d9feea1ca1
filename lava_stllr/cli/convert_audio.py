"""``lava-stllr convert-audio``: Heidelberg Digits recordings to SHD's HDF5 files."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import CLIError, add_command, positive_int


def add_parser(sub: Any) -> None:
    """Add the ``convert-audio`` command to the subparsers ``sub``."""
    p = add_command(sub, "convert-audio", run,
                    help="write spoken-digit recordings as SHD files (spikes/times, units)",
                    description="Run the audio front-end over a folder of Heidelberg Digits "
                                "recordings (audio/*.flac) and write OUT/SHD/shd_train.h5 and "
                                "shd_test.h5 (test: speakers 04 and 05, train: the others) in "
                                "SHD's HDF5 layout, so that --dataset shd --data-dir OUT "
                                "reads them.")
    p.add_argument("data_dir", type=Path, metavar="DATA_DIR",
                   help="folder holding audio/lang-..._speaker-NN_trial-K_digit-D.flac")
    p.add_argument("out", type=Path, metavar="OUT", help="folder to write SHD/*.h5 into")
    p.add_argument("--channels", type=positive_int, default=700, metavar="N",
                   help="front-end channels (default 700: SHD's shape, which --dataset shd "
                        "expects)")
    p.add_argument("--overwrite", action="store_true", help="replace existing SHD files")


def run(args: argparse.Namespace) -> int:
    """Convert every recording of both splits; return 0."""
    import numpy as np

    from lava_stllr.data.audio import AudioFrontEnd, encode_file, write_shd_h5
    from lava_stllr.data.heidelberg_digits import HeidelbergDigitsFolder

    front_end = AudioFrontEnd(n_channels=args.channels)
    targets = {split: args.out / "SHD" / f"shd_{split}.h5" for split in ("train", "test")}
    existing = [str(p) for p in targets.values() if p.exists()]
    if existing and not args.overwrite:
        raise CLIError(f"{', '.join(existing)} exist (--overwrite replaces them)")
    for split, target in targets.items():
        try:
            folder = HeidelbergDigitsFolder(args.data_dir, split)
        except ValueError as exc:
            if "holds no recordings" not in str(exc):
                raise
            target.unlink(missing_ok=True)  # never leave a file of another conversion
            other = "train" if split == "test" else "test"
            print(f"{split}: no recordings, {target} not written (train with --split "
                  f"{other} --val-split {other})")
            continue
        events = [encode_file(path, front_end) for path in folder.files]
        write_shd_h5(target, events, folder.labels, folder.speakers)
        print(f"{split}: {len(events)} recordings -> {target} "
              f"({int(np.sum([e.size for e in events]))} spikes)")
    return 0
