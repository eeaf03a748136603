"""Cost of the risk-adjusted central case (a benchmark, not a test): run with
`.venv/bin/python benchmarks/bench_risk.py`.

``appraise`` now computes the figures twice (with the optimism-bias corrections, and without them for the
``unadjusted`` figures beside the headline). This prints, for each shipped example, the median time of
the default (risk-adjusted) appraisal and of ``appraise(..., optimism=False)``, measured side by side in
one run, and their ratio.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costmodel.appraisal.chain import appraise  # noqa: E402
from costmodel.inputs.loading import load_proposal  # noqa: E402


def medians_ms(fns: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median time of each of ``fns`` [ms], the calls interleaved (a, b, a, b, ...) so that load on a shared
    machine falls on all of them alike."""
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            start = time.perf_counter()
            fn()
            times[k].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t) for t in times]


def main(repeats: int = 100) -> None:
    print(f"{'example':<40} {'risk-adjusted':>14} {'unadjusted':>11} {'ratio':>6}")
    for path in sorted((ROOT / "assumptions" / "proposals").glob("*.yaml")):
        sc = load_proposal(path)
        appraise(sc)  # warm caches (the shipped optimism table is read once per process)
        adjusted, unadjusted = medians_ms(
            [lambda sc=sc: appraise(sc), lambda sc=sc: appraise(sc, optimism=False)], repeats
        )
        print(f"{path.stem:<40} {adjusted:>11.2f} ms {unadjusted:>8.2f} ms {adjusted / unadjusted:>5.2f}x")


if __name__ == "__main__":
    main()
