"""``make bench``'s table: rows, ratios, the README section, and one real benchmark run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCH))

from perf_rows import Row, read_rows, write_rows  # noqa: E402
from perf_table import (  # noqa: E402
    BENCHMARKS,
    END,
    START,
    format_table,
    replace_section,
    run_benchmark,
)


def test_ratio_points_to_better() -> None:
    fast = Row("b", "c", 300.0, 100.0, "samples/s", "higher", "floor")
    small = Row("b", "c", 10.0, 40.0, "MiB", "lower", "BPTT")
    assert fast.ratio == pytest.approx(3.0)
    assert small.ratio == pytest.approx(4.0)


@pytest.mark.parametrize("bad", [{"better": "faster"}, {"measured": 0.0},
                                 {"baseline": float("nan")}])
def test_bad_row_is_refused(bad: dict) -> None:
    fields = {"benchmark": "b", "case": "c", "measured": 1.0, "baseline": 2.0,
              "unit": "ms", "better": "lower", "baseline_name": "x", **bad}
    with pytest.raises(ValueError):
        Row(**fields)


def test_rows_round_trip_and_table(tmp_path: Path) -> None:
    rows = [Row("memory", "T = 25", 11.4, 46.9, "MiB", "lower", "BPTT")]
    write_rows(tmp_path / "r.json", rows)
    assert read_rows(tmp_path / "r.json") == rows
    table = format_table(rows).splitlines()
    assert table[2] == "| memory | T = 25 | 11.4 MiB | BPTT: 46.9 MiB | 4.11x |"


def test_readme_section_replaced_between_markers() -> None:
    text = f"head\n{START}\nold table\n{END}\ntail\n"
    new = replace_section(text, "| t |", "stamp")
    assert new == f"head\n{START}\nstamp\n\n| t |\n{END}\ntail\n"
    assert replace_section(new, "| t |", "stamp") == new
    with pytest.raises(ValueError, match="markers"):
        replace_section("no markers", "| t |", "stamp")


def test_every_listed_benchmark_writes_rows() -> None:
    for _, script, _ in BENCHMARKS:
        source = (BENCH / script).read_text()
        assert "write_rows(args.rows" in source, script


def test_one_benchmark_runs_end_to_end() -> None:
    rows = run_benchmark("bench_event_synapse.py",
                         ("--shape", "60", "20", "--steps", "3", "--repeats", "1"), 120)
    assert [r.case.split(", ")[1] for r in rows] == [
        "1% input activity", "5% input activity", "20% input activity",
        "100% input activity"]
    assert all(r.unit == "ms/step" and r.ratio > 0 for r in rows)


def test_failing_benchmark_raises_with_its_output() -> None:
    with pytest.raises(RuntimeError, match="failed"):
        run_benchmark("bench_event_synapse.py", ("--shape", "nope"), 60)
