"""The per-step table shared by ``bench_lava_dense.py`` and ``bench_fixed_dense.py``."""

from __future__ import annotations

import argparse

from perf_rows import add_rows_option

HEADER = (f"{'shape (pre x post)':>18} | {'model':>14} | {'ms/step':>8} | {'synapse ms':>10} | "
          f"{'ns/synapse':>10} | {'speed-up':>8}")


def print_synapse_rows(n_pre: int, n_post: int, base: float, stock: float, ours: float,
                       weight_note: str) -> None:
    """Print one shape's rows: plain ``Dense`` (``base``), stock ``LearningDense``
    (``stock``) and our ``STLLRDense`` (``ours``), in seconds per step. The synapse cost is
    the per-step time minus the plain ``Dense`` network's; the speed-up is stock's synapse
    cost over ours. ``weight_note`` ends the line that gives the whole-step speed-up."""
    syn_stock, syn_ours = stock - base, ours - base
    rows = [("Dense", base, None, None), ("LearningDense", stock, syn_stock, None),
            ("STLLRDense", ours, syn_ours, syn_stock / max(syn_ours, 1e-9))]
    for name, total, syn, speedup in rows:
        syn_txt = "" if syn is None else f"{syn * 1e3:10.3f}"
        ns_txt = "" if syn is None else f"{syn * 1e9 / (n_pre * n_post):10.2f}"
        sp_txt = "" if speedup is None else f"{speedup:7.1f}x"
        print(f"{f'{n_pre} x {n_post}':>18} | {name:>14} | {total * 1e3:8.3f} | "
              f"{syn_txt:>10} | {ns_txt:>10} | {sp_txt:>8}")
    print(f"{'':>18} | whole step speed-up {stock / ours:.1f}x; {weight_note}")


def start(doc: str, models: str) -> argparse.Namespace:
    """Parse ``--steps`` (timed steps), ``--rate`` (input spike probability per step),
    ``--repeats`` (best of) and ``--rows`` for the benchmark whose module docstring is
    ``doc``, then print the run's title line (naming ``models``) and :data:`HEADER`."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--rate", type=float, default=0.05, help="input spike probability")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    add_rows_option(parser)
    args = parser.parse_args()
    print(f"{args.steps} timed steps per case (best of {args.repeats}), input rate "
          f"{args.rate}, {models}")
    print(HEADER)
    return args
