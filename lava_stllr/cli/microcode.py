"""``lava-stllr microcode``: the Loihi 2 learning-engine listing of S-TLLR."""

from __future__ import annotations

import argparse
import json
from typing import Any

from lava_stllr.cli.common import build_params
from lava_stllr.cli.parser import add_command, add_params_options


def add_parser(sub: Any) -> None:
    """Add the ``microcode`` command to the subparsers ``sub``."""
    p = add_command(sub, "microcode", run, help="print the learning-engine microcode listing",
                    description="Print the Loihi 2 learning-rule microcode and "
                                "register-level parameters of S-TLLR.")
    p.add_argument("--json", action="store_true", help="print the listing as JSON")
    p.add_argument("--update", choices=("step", "sample"), default="step",
                   help="the rule per step, or per sample through the synaptic tag "
                        "(dt, dw) (default: step)")
    add_params_options(p)


def run(args: argparse.Namespace) -> int:
    """Print the listing of the parameters ``args`` give; return 0."""
    from lava_stllr.loihi.microcode import format_microcode, microcode_listing

    listing = microcode_listing(build_params(args), update=args.update)
    if args.json:
        print(json.dumps(listing, indent=2, default=str))
    else:
        print(format_microcode(listing))
    return 0
