"""Benchmark: ``costmodel batch`` at scale (issue 15, item 6), measured side by side in one run.

Run from the repository root::

    .venv/bin/python benchmarks/bench_batch.py            # every case (about 5 minutes on 2 cores)
    .venv/bin/python benchmarks/bench_batch.py --quick    # the small cases only

Cases, each in a fresh process (so its peak resident memory is its own):

* 300 areas × 10,000 draws, ``--jobs 1`` and ``--jobs 2`` (target: ≤ 10 s wall on 2 cores);
* 33,000 areas × 1,000 draws, ``--jobs 2`` (target: ≤ 3 min wall, peak memory ≤ 2 GB);
* time per area-draw at 10, 100, 1,000, 10,000 and 33,000 areas × 1,000 draws (target: flat);
* the baseline it replaces: one ``costmodel simulate`` process per area (10,000 draws), timed on a
  few areas and scaled (it is linear in areas).

The area tables are synthetic (each area's baseline rates drawn uniformly around the youth-work
proposal's): speed does not depend on the values. Results are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROPOSAL = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
PY = sys.executable
FTE = "outcomes.first_time_entrants.baseline_rate"
REPEAT = "outcomes.repeat_offending.baseline_rate"

META = f"""\
title: Synthetic benchmark areas
coverage: synthetic values for timing only, not data
sources: []
columns:
  {FTE}: {{unit: fraction, assumption: synthetic}}
  {REPEAT}: {{unit: fraction, assumption: synthetic}}
"""


def make_table(folder: Path, n: int) -> Path:
    import numpy as np

    rng = np.random.default_rng(n)
    fte = rng.uniform(0.04, 0.12, n)
    rep = fte * 0.325
    path = folder / f"areas_{n}.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"id,name,{FTE},{REPEAT}\n")
        for i in range(n):
            fh.write(f"a{i},Area {i},{fte[i]:.6f},{rep[i]:.6f}\n")
    (folder / f"areas_{n}.meta.yaml").write_text(META, encoding="utf-8")
    return path


def child(table: str, draws: int, jobs: int) -> None:
    """Run in a fresh process: time run_areas (reading the table included) and report peak RSS."""
    sys.path.insert(0, str(ROOT))
    from costmodel.inputs.areas import read_area_table
    from costmodel.inputs.loading import load_proposal
    from costmodel.uncertainty.areas import run_areas

    t0 = time.perf_counter()
    scenario = load_proposal(PROPOSAL)
    areas = read_area_table(table, scenario)
    t1, c1 = time.perf_counter(), time.process_time()
    r = run_areas(scenario, areas, draws, 1, jobs=jobs)
    wall = time.perf_counter() - t0
    run = time.perf_counter() - t1
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - c1 + kids.ru_utime + kids.ru_stime  # this process's and its workers' CPU time
    peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MB (Linux: kB)
    peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"wall": wall, "run": run, "cpu": cpu, "areas": r.n, "draws": draws, "jobs": jobs,
                      "peak_mb": peak_self, "peak_worker_mb": peak_children}))  # fmt: skip


def measure(table: Path, draws: int, jobs: int) -> dict:
    out = subprocess.run(
        [PY, __file__, "--child", str(table), str(draws), str(jobs)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def cli_per_area(n: int, draws: int) -> float:
    """Seconds per area of the old way: one `costmodel simulate` process per area."""
    exe = str(Path(PY).parent / "costmodel")
    t0 = time.perf_counter()
    for _ in range(n):
        subprocess.run([exe, "simulate", str(PROPOSAL), "--draws", str(draws), "--format", "json"],
                       capture_output=True, check=True)  # fmt: skip
    return (time.perf_counter() - t0) / n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="skip the 33,000-area cases")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]), int(args.child[2]))
        return
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start; "
          f"proposal {PROPOSAL.name}; each case in a fresh process")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t300 = make_table(folder, 300)
        per_cli = cli_per_area(3, 10_000)
        print(f"baseline, one `costmodel simulate` process per area (10,000 draws): {per_cli:.2f} s an area")
        for jobs in (1, 2):
            m = measure(t300, 10_000, jobs)
            print(
                f"300 areas x 10,000 draws, --jobs {jobs}: {m['wall']:.2f} s wall (target <= 10 s), {m['cpu']:.2f} s CPU; "
                f"{m['wall'] / 300 * 1000:.1f} ms an area, {per_cli * 300 / m['wall']:.0f}x faster than 300 CLI processes; "
                f"peak {max(m['peak_mb'], m['peak_worker_mb']):.0f} MB"
            )
        sizes = [10, 100, 1_000, 10_000] + ([] if args.quick else [33_000])
        print("time per area-draw, 1,000 draws an area, --jobs 1:")
        for n in sizes:
            m = measure(make_table(folder, n), 1_000, 1)
            print(
                f"  {n:>6,} areas: {m['wall']:8.2f} s wall (reading the table {m['wall'] - m['run']:.2f} s), "
                f"{m['run'] / (n * 1_000) * 1e6:6.2f} us wall and {m['cpu'] / (n * 1_000) * 1e6:5.2f} us CPU an area-draw "
                f"in run_areas, peak {m['peak_mb']:.0f} MB"
            )
        if not args.quick:
            m = measure(make_table(folder, 33_000), 1_000, 2)
            print(
                f"33,000 areas x 1,000 draws, --jobs 2: {m['wall']:.1f} s wall (target <= 180 s), {m['cpu']:.1f} s CPU; "
                f"peak {m['peak_mb']:.0f} MB parent, {m['peak_worker_mb']:.0f} MB largest worker (target <= 2,048 MB)"
            )
            est = m["cpu"] / (33_000 * 1_000) * 32_844 * 10_000 / 60  # CPU-minutes
            print(f"so England's 32,844 LSOAs (2011, ONS) x 10,000 draws: about {est:.0f} CPU-minutes (derived: scaled linearly)")


if __name__ == "__main__":
    main()
