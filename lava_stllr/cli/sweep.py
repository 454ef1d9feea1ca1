"""``lava-stllr sweep``: a grid of ``lava-stllr train`` runs over seeds, on Ray.

``lava-stllr sweep --grid alpha_post=-1,0,1 --seeds 0,1,2 --out sweeps/a -- train ...``
runs every setting of the grid with every seed as an ordinary run folder under
``sweeps/a/trials/``, then writes the results table and figure. Every trial is checked
with train's own parser and checks before any starts; the same command resumes an
interrupted sweep (only unfinished trials run; failed ones run again), and on a finished
sweep runs nothing and writes the results again. Exit status: 0 when every trial
finished or was stopped by ``--asha``, 1 when some failed (each with its one-line reason
in ``results.md``), 2 when the sweep is refused before any trial, 130 on Ctrl-C. See
:mod:`lava_stllr.sweep`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from lava_stllr.cli.parser import (
    PROG,
    CLIError,
    Parser,
    add_command,
    add_common,
    out_path,
    positive_int,
)


def add_parser(sub: Any) -> None:
    """Add the ``sweep`` command to the subparsers ``sub``."""
    p = add_command(
        sub, "sweep", run, help="run a grid of train runs over seeds on Ray",
        description="Run every setting of a grid with every seed as a 'lava-stllr train' "
                    "run (an ordinary run folder each) as Ray tasks, locally or on a Ray "
                    "cluster, and write a results table (mean +- std over seeds) and "
                    "figure. The same command resumes an interrupted sweep: only the "
                    "trials whose run folder is not complete run again. Needs the extra "
                    "'sweep' (pip install 'lava-stllr[sweep]').",
        epilog="example: lava-stllr sweep --grid alpha_post=-1,0,1 --grid psi=triangle,"
               "rational --seeds 0,1,2 --out sweeps/ablation -- train --dataset nmnist "
               "--data-dir DIR --backend reference")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="values of a train option (lr, hidden, signal, ...) or an "
                        "STLLRParams field (psi, alpha_post, ...; given to train as --set); "
                        "repeatable: every combination runs")
    p.add_argument("--seeds", default="0", metavar="S1,S2,...",
                   help="seeds of every setting (default: 0)")
    p.add_argument("--out", type=out_path, required=True, metavar="PATH",
                   help="sweep folder (trials/, results.md, results.csv, results.png, "
                        "command.sh); an existing one of the same sweep is resumed")
    p.add_argument("--address", default=None, metavar="HOST:PORT",
                   help="join this Ray cluster (or auto) instead of starting Ray here; "
                        "--out must then be on a file system all its nodes share")
    p.add_argument("--cpus", type=positive_int, default=None, metavar="N",
                   help="CPUs of the local Ray (default: all cores); a trial takes 1 "
                        "(reference backend) or 2 (lava)")
    p.add_argument("--asha", action="store_true",
                   help="stop trials early whose held-out accuracy lags (Ray Tune's "
                        "ASHAScheduler, halving at each rung); a stopped trial is recorded "
                        "as such and not run again; needs a held-out set")
    p.add_argument("--grace-epochs", type=positive_int, default=1, metavar="N",
                   help="--asha: epochs every trial runs before it may be stopped "
                        "(default: 1)")
    p.add_argument("train", nargs=argparse.REMAINDER, metavar="-- train ...",
                   help="the train command every trial runs (after --)")


def _train_argv(rest: list[str]) -> list[str]:
    if rest and rest[0] == "--":
        rest = rest[1:]
    if not rest or rest[0] != "train":
        raise CLIError("give the train command after --, e.g. -- train --backend reference")
    return rest[1:]


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """A ``lava-stllr`` parser with the ``train`` command only, and its train parser."""
    from lava_stllr.cli import train

    parser = Parser(prog=PROG)
    add_common(parser)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    train.add_parser(sub)
    return parser, sub.choices["train"]


def run(args: argparse.Namespace) -> int:
    """Check every trial, claim the folder, run the unfinished trials, write the results;
    return 0 when every trial finished, 1 when some failed."""
    from lava_stllr.sweep import check, grid, results, runner
    from lava_stllr.sweep import folder as sweep_folder

    train_argv = _train_argv(args.train)
    parser, train_parser = _parsers()
    trials = grid.expand(grid.parse_grid(args.grid), grid.parse_seeds(args.seeds),
                         train_argv, train_parser)
    checked = check.check_trials(trials, parser)
    backends = {name: a.backend for name, a in checked.items()}
    if args.asha and any(a.val_samples == 0 for a in checked.values()):
        raise CLIError("--asha stops trials on their held-out accuracy: give train "
                       "--val-samples N (N >= 1), not 0")
    out: Path = args.out
    spec = {"grid": args.grid, "seeds": args.seeds, "train": train_argv,
            "trials": grid.describe(trials)}
    sweep_folder.check_out(out, spec)
    if args.address is not None:
        runner.check_address(args.address)
    runner.import_ray(tune=args.asha)
    per_trial = max(runner.CPUS_PER_TRIAL[b] for b in backends.values())
    if args.address is None:
        per_trial = min(per_trial, args.cpus or runner.local_cpus())
    sweep_folder.claim(out)
    started = False
    try:
        sweep_folder.write_spec(out, spec, [PROG, *getattr(args, "argv", [])])
        todo = sweep_folder.prepare(out, trials)
        where = args.address or f"{args.cpus or runner.local_cpus()} local CPUs"
        print(f"sweep {out}: {len(trials)} trials, {len(trials) - len(todo)} finished "
              f"already, {len(todo)} to run on Ray ({where}, {per_trial} per trial)",
              flush=True)
        if todo:
            started = runner.start_ray(args.address, args.cpus)
            runner.run_trials(todo, out, per_trial,
                              args.grace_epochs if args.asha else None)
        summary = results.write_results(out, trials)
    finally:
        if started:
            runner.stop_ray()
        sweep_folder.release(out)
    print((out / results.RESULTS_MD).read_text(), end="")
    print(f"sweep folder: {out}  ({results.RESULTS_MD}, {results.RESULTS_CSV}, "
          f"{results.TRIALS_CSV}, {results.FIGURE}, {sweep_folder.COMMAND_FILE})")
    failed = sum(s["seeds"] - s["finished"] - s["stopped"] for s in summary)
    if failed:
        print(f"{PROG}: {failed} trial(s) did not finish (see {out / results.RESULTS_MD}); "
              "run the same command again to run them again", file=sys.stderr)
        return 1
    return 0
