"""Benchmark: what the value layers (economic and social PVs) add to the batched Monte Carlo path.

Run from the repository root::

    .venv/bin/python benchmarks/bench_layers.py [--draws 100000]

Times, side by side in one run (interleaved, best of 15), ``measures()`` on the youth-work example's
draws with its layer values and with them removed, and ``layer_summary`` alone (the extra work: one
weighted sum of each outcome's discounted events per layer), as a share of ``measures()``.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costmodel.appraisal.engine import discount_factors, layer_summary, measures, outcome_terms  # noqa: E402
from costmodel.inputs.loading import load_proposal  # noqa: E402
from costmodel.uncertainty.batch import with_values  # noqa: E402
from costmodel.uncertainty.compile import compile_uncertainty  # noqa: E402
from costmodel.uncertainty.montecarlo import draw_values  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100_000)
    args = ap.parse_args()
    c = compile_uncertainty(load_proposal(ROOT / "assumptions/proposals/youth_work.yaml"))
    s, p = with_values(c, c.inputs, draw_values(c.inputs, args.draws, np.random.default_rng(1)))
    bare = replace(p, economic_value=np.zeros(0), social_value=np.zeros(0), wellbeing_value=np.zeros(0))

    def once(params) -> float:
        start = time.perf_counter()
        m = measures(s, params)
        _ = (m.npv, m.net_present_public_value)  # computed when first read
        return time.perf_counter() - start

    df = discount_factors(p.rates, s.discount_offset)
    gross, keep, _, _ = outcome_terms(s, p)
    events = gross * keep[..., None]
    pv_events = np.sum(events * df[..., None, :], axis=-1)
    without, with_layers, extra = [], [], []
    for _ in range(15):
        without.append(once(bare))
        with_layers.append(once(p))
        start = time.perf_counter()
        layer_summary(pv_events, events, p, s, df)
        extra.append(time.perf_counter() - start)
    a, b, e = min(without), min(with_layers), min(extra)
    print(f"draws                          {args.draws:,}")
    print(f"measures(), no layer values    {a:.3f} s")
    print(f"measures(), with layers        {b:.3f} s (ratio {b / a:.2f}; noisy on a shared machine)")
    print(f"layer_summary alone            {e * 1000:.1f} ms ({e / b:.1%} of measures() with layers)")


if __name__ == "__main__":
    main()
