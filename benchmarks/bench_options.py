"""Benchmark: the options appraisal's Monte Carlo (common random numbers across every option) against
simulating each proposal of the options on its own, measured side by side in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_options.py [--draws 100000]

Both paths evaluate the same proposals the same number of times (BAU, the do-minimum and each option's
proposals), so the ratio is the cost of the shared uniform block and of mapping it through each option's
distributions. CPU time (``time.process_time``), best of three.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costmodel.appraisal.options import appraise_options  # noqa: E402
from costmodel.inputs.options import load_options  # noqa: E402
from costmodel.uncertainty.montecarlo import simulate  # noqa: E402
from costmodel.uncertainty.options import option_switching_values, option_tornado, simulate_options  # noqa: E402

EXAMPLE = ROOT / "assumptions" / "options" / "youth_options.yaml"


def best_of(n: int, f) -> float:  # noqa: ANN001
    times = []
    for _ in range(n):
        t = time.process_time()
        f()
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=100_000)
    args = ap.parse_args()
    appraisal = appraise_options(load_options(EXAMPLE))
    scenarios = [sc for e in appraisal.options.entries for sc in e.scenarios]
    options = best_of(3, lambda: simulate_options(appraisal, args.draws, 1))
    separate = best_of(3, lambda: [simulate(sc, args.draws, 1) for sc in scenarios])
    switching = best_of(3, lambda: option_switching_values(appraisal))
    tornado = best_of(3, lambda: option_tornado(appraisal))
    print(
        f"{args.draws:,} draws, {len(appraisal.entries)} entries, {len(scenarios)} proposal evaluations per draw"
    )
    print(f"options Monte Carlo (common random numbers): {options:.3f} s CPU")
    print(f"each proposal simulated on its own:          {separate:.3f} s CPU")
    print(f"ratio options / separate:                    {options / separate:.2f}")
    print(f"switching values between options:           {switching:.3f} s CPU (grid, then batched bisection)")
    print(f"tornado of every option against BAU:        {tornado:.3f} s CPU")
    print(f"ratio switching values / options Monte Carlo: {switching / options:.2f}")


if __name__ == "__main__":
    main()
