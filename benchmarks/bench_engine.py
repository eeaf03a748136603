"""Benchmark: in-process appraisal of the youth-work example, and a cold `costmodel run` process.

Targets (issue 2, on the project's 2-core machine): in-process appraisal median <= 2 ms; a cold
`costmodel run` process <= 0.6 s. Run from the repository root:

    .venv/bin/python benchmarks/bench_engine.py

"In-process appraisal" is `appraisal.chain.appraise(scenario)` on an already loaded scenario (what the app
re-runs after an edit); loading and validating the YAML is timed separately.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "assumptions" / "proposals" / "youth_work.yaml"


def timeit(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal

    scenario = load_proposal(EXAMPLE)
    appraise(scenario)  # warm up
    engine = timeit(lambda: appraise(scenario), 500)
    load = timeit(lambda: load_proposal(EXAMPLE), 30)
    exe = Path(sys.executable).with_name("costmodel")
    cmd = [str(exe), "run", str(EXAMPLE), "--format", "json"]
    subprocess.run(cmd, check=True, capture_output=True)  # warm the OS file cache
    cold = timeit(lambda: subprocess.run(cmd, check=True, capture_output=True), 15)

    def ms(xs: list[float]) -> str:
        return f"median {statistics.median(xs) * 1e3:7.2f} ms   min {min(xs) * 1e3:7.2f} ms   max {max(xs) * 1e3:7.2f} ms"

    print(f"appraise(youth_work), in process   {ms(engine)}   (target median <= 2 ms; n={len(engine)})")
    print(f"load_proposal(youth_work.yaml)     {ms(load)}   (YAML parse + validation; n={len(load)})")
    print(f"cold `costmodel run --format json` {ms(cold)}   (target <= 600 ms; n={len(cold)})")


if __name__ == "__main__":
    main()
