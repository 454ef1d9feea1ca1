"""Every performance benchmark in one table: what each one measured beside the baseline it
measured in the same process, and how many times better (``make bench``).

Each benchmark runs as its own subprocess (Lava runtimes stay apart) with short settings,
writes its rows with ``--rows`` (:mod:`perf_rows`), and this script prints them as one
markdown table. ``--readme`` also rewrites the README's performance table (between the
``perf-table`` markers) with it. Accuracy benchmarks (minutes to hours) are not part of it.

Run: ``python benchmarks/perf_table.py [--only NAME ...] [--readme README.md]
[--timeout 900]``
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from perf_rows import Row, read_rows

HERE = Path(__file__).resolve().parent
#: (name, script, short arguments) of every benchmark in the table, in table order.
BENCHMARKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("trainer", "bench_float32.py", ("--repeats", "3", "--batches", "2")),
    ("memory", "bench_memory.py", ("--steps", "25", "200")),
    ("conv", "bench_conv.py", ("--repeats", "2", "--memory-steps", "25", "100")),
    ("event", "bench_event_synapse.py", ("--repeats", "2")),
    ("lava-float", "bench_lava_dense.py", ("--steps", "100", "--repeats", "2")),
    ("lava-fixed", "bench_fixed_dense.py", ("--steps", "100", "--repeats", "2")),
    ("lava-network", "bench_lava_fuse.py", ("--samples", "10", "--repeats", "2")),
)
START, END = "<!-- perf-table:start -->", "<!-- perf-table:end -->"


def run_benchmark(script: str, arguments: tuple[str, ...], timeout: float) -> list[Row]:
    """Run ``script`` with ``arguments`` and ``--rows``; its rows.

    Raises
    ------
    RuntimeError
        The benchmark failed, timed out or wrote no rows (its output tail is included).
    """
    with tempfile.TemporaryDirectory() as tmp:
        rows_path = Path(tmp) / "rows.json"
        command = [sys.executable, str(HERE / script), *arguments, "--rows", str(rows_path)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  cwd=HERE.parent)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"{script} ran past {timeout:.0f} s") from None
        if done.returncode != 0 or not rows_path.exists():
            tail = (done.stdout + done.stderr)[-2000:]
            raise RuntimeError(f"{script} failed (exit {done.returncode}):\n{tail}")
        return read_rows(rows_path)


def _number(value: float) -> str:
    return f"{value:.3g}" if value < 1000 else f"{value:.0f}"


def format_table(rows: list[Row]) -> str:
    """The markdown table of ``rows``: benchmark, case, measured, baseline, ratio."""
    lines = ["| benchmark | case | measured | baseline (same run) | ratio |",
             "|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.benchmark} | {r.case} | {_number(r.measured)} {r.unit} | "
                     f"{r.baseline_name}: {_number(r.baseline)} {r.unit} | "
                     f"{r.ratio:.2f}x |")
    return "\n".join(lines)


def replace_section(text: str, table: str, stamp: str) -> str:
    """``text`` with everything between :data:`START` and :data:`END` replaced by
    ``stamp`` and ``table``.

    Raises
    ------
    ValueError
        The markers are missing or out of order.
    """
    start, end = text.find(START), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"the file needs the markers {START} and {END}, in that order")
    return f"{text[:start + len(START)]}\n{stamp}\n\n{table}\n{text[end:]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = [name for name, _, _ in BENCHMARKS]
    parser.add_argument("--only", nargs="+", choices=names, help="run only these")
    parser.add_argument("--readme", type=Path, help="rewrite this file's perf-table section")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds one benchmark may take (900)")
    args = parser.parse_args()
    if args.only and args.readme:
        parser.error("--readme rewrites the whole table: run every benchmark (drop --only)")
    rows: list[Row] = []
    for name, script, arguments in BENCHMARKS:
        if args.only and name not in args.only:
            continue
        print(f"running {script} {' '.join(arguments)}", file=sys.stderr, flush=True)
        rows += run_benchmark(script, arguments, args.timeout)
    table = format_table(rows)
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    stamp = (f"`make bench` ({datetime.date.today().isoformat()}, {os.cpu_count()} CPUs, "
             f"load average {load}). Ratio: how many times better than the baseline "
             "(higher samples/s, lower ms or MiB).")
    print(stamp)
    print()
    print(table)
    if args.readme:
        args.readme.write_text(replace_section(args.readme.read_text(), table, stamp))
        print(f"rewrote {args.readme}", file=sys.stderr)


if __name__ == "__main__":
    main()
