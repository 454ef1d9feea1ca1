"""A short soak (issue 29): a Lava network trained in several calls keeps its open file
descriptors, threads and shared-memory segments, and its memory stays flat after the
first call. The long version is ``benchmarks/bench_long_run_memory.py --samples 20000``."""

from __future__ import annotations

from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_long_run_memory.py"


@pytest.mark.timeout(300)
@pytest.mark.parametrize("precision", ["float", "fixed"])
def test_a_long_lava_run_holds_no_more_resources_as_it_goes(load_module, precision) -> None:
    bench = load_module(BENCH)
    rows, _, _ = bench.soak(samples=401, chunk=100, distinct=100, precision=precision)
    warm, last = rows[1], rows[-1]  # after the first 100-sample call, and at the end
    assert len(rows) == 5 and last.done == 401
    assert last.fds <= warm.fds and last.threads <= warm.threads and last.shm <= warm.shm
    # resident memory of every process (PSS also moves as forked children un-share the
    # parent's copy-on-write pages, which is not growth)
    growth = {pid: last.rss[pid] - warm.rss[pid] for pid in warm.rss if pid in last.rss}
    assert len(growth) == len(warm.rss) and max(growth.values()) < 4.0, growth  # MiB
