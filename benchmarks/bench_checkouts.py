"""The Monte Carlo of one example in two checkouts of costmodel, side by side in one run (issue 9 §6).

    .venv/bin/python benchmarks/bench_checkouts.py OLD_CHECKOUT NEW_CHECKOUT [--repeats 5] [--draws 100000]

Each repeat runs a fresh interpreter per checkout (``PYTHONPATH`` set to it), alternating old and new, so
both see the same load on a shared machine. Inside, ``simulate`` of the youth-work example (the OLD
checkout's file, for both) is warmed once, then timed three times (best CPU and its wall time). Printed:
each side's best and median over the repeats, the new/old ratio, each side's time as a fraction of the
memory-bandwidth limit (bytes that must be touched / measured numpy copy speed, as in bench_speed.py),
and whether the two give the same draws' NPVs bit for bit.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_speed import copy_bandwidth  # this folder is on sys.path when a benchmark is run as a script

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import hashlib, json, sys, time
import numpy as np
from costmodel.uncertainty.memory import keep_freed_memory
keep_freed_memory()
from costmodel.inputs.loading import load_proposal
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.montecarlo import simulate
sc = load_proposal(sys.argv[1])
n = int(sys.argv[2])
simulate(sc, 2000, 7)
best = None
for _ in range(3):
    c0, w0 = time.process_time(), time.perf_counter()
    sim = simulate(sc, n, 7)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    if best is None or cpu < best[0]:
        best = (cpu, wall)
c = compile_uncertainty(sc)
digest = hashlib.sha256(sim.npv.tobytes() + sim.npv_by_agency.tobytes()).hexdigest()[:16]
print(json.dumps({"cpu": best[0], "wall": best[1], "k": len(c.inputs), "a": len(c.agency_ids), "sha": digest}))
"""


def _one(checkout: Path, example: Path, draws: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(example), str(draws)],
        check=True, capture_output=True, text=True, env=env, cwd=checkout,
    )  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", type=Path)
    ap.add_argument("new", type=Path)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--draws", type=int, default=100_000)
    args = ap.parse_args()
    example = args.old / "assumptions" / "proposals" / "youth_work.yaml"
    runs: dict[str, list[dict[str, float]]] = {"old": [], "new": []}
    for _ in range(args.repeats):  # interleaved: old, new, old, new ...
        runs["old"].append(_one(args.old, example, args.draws))
        runs["new"].append(_one(args.new, example, args.draws))
    bw = copy_bandwidth()
    k, a = runs["new"][0]["k"], runs["new"][0]["a"]
    bytes_needed = args.draws * 8 * (2 * k + 1 + a + 2)
    limit = bytes_needed / bw
    print(f"simulate youth_work, {args.draws:,} draws, seed 7; best CPU of 3 in each of {args.repeats} fresh processes per side")
    best = {}
    for side in ("old", "new"):
        cpus = [r["cpu"] for r in runs[side]]
        walls = [r["wall"] for r in runs[side]]
        best[side] = min(cpus)
        print(
            f"  {side} {getattr(args, side)}: CPU best {min(cpus) * 1e3:.1f} ms, median {statistics.median(cpus) * 1e3:.1f} ms; "
            f"wall median {statistics.median(walls) * 1e3:.1f} ms = {100 * limit / statistics.median(walls):.1f}% of the "
            f"memory-bandwidth limit ({limit * 1e3:.1f} ms: {bytes_needed / 1e6:.0f} MB at {bw / 1e9:.1f} GB/s)"
        )
    print(f"  new/old CPU (best): {best['new'] / best['old']:.2f}")
    same = {r["sha"] for r in runs["old"] + runs["new"]}
    print(f"  draws' NPVs bit for bit the same in both: {'yes' if len(same) == 1 else 'NO'}")


if __name__ == "__main__":
    main()
