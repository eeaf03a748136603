"""Cold `costmodel run FILE` in two checkouts of costmodel against a bare `python -c "import numpy, pydantic"`,
side by side in one run (issue 9 §6: the cold-start target is <= 2.5x the bare import).

    .venv/bin/python benchmarks/bench_cold_checkouts.py OLD_CHECKOUT NEW_CHECKOUT [--repeats 15] [--instructions]

Each repeat starts, in turn, the bare import, then the installed ``costmodel`` script with ``PYTHONPATH`` set to
the old checkout, then to the new one (the shared venv's editable install points at one checkout; PYTHONPATH
comes first), so the three see the same load on a shared machine. Both checkouts' packages are compiled
to bytecode first (what an install does), and each process is run once to warm the file cache. Printed:
each one's median wall time and CPU time (children's user + system) and their ratios to the bare import.

Wall times on a shared machine move by a third from one minute to the next (the bare import's own median
from 0.10 s to 0.17 s); ``--instructions`` also counts each process's instructions once under
``valgrind --tool=callgrind`` (PYTHONHASHSEED=0), which no other load moves: a change of 1% is real.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
EXE = str(Path(sys.executable).with_name("costmodel"))


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU time of one process [s]."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def _instructions(cmd: list[str], env: dict[str, str]) -> int:
    """Instructions one process executes, counted by callgrind."""
    res = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
        capture_output=True, text=True, env=dict(env, PYTHONHASHSEED="0"), cwd=ROOT, check=True,
    )
    return int(re.search(r"Collected : (\d+)", res.stderr).group(1))  # type: ignore[union-attr]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("old", help="checkout of costmodel (the folder holding its costmodel package)")
    ap.add_argument("new", help="another checkout")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--file", default=str(ROOT / "assumptions" / "proposals" / "youth_work.yaml"))
    ap.add_argument("--instructions", action="store_true", help="also count instructions (valgrind)")
    args = ap.parse_args()
    runs: dict[str, tuple[list[str], dict[str, str]]] = {
        "bare import numpy, pydantic": ([PY, "-c", "import numpy, pydantic"], dict(os.environ)),
    }
    for label, checkout in (("old", args.old), ("new", args.new)):
        package = Path(checkout).resolve() / "costmodel"
        subprocess.run([PY, "-m", "compileall", "-q", str(package)], check=True, capture_output=True)
        runs[f"{label}: costmodel run ({checkout})"] = (
            [EXE, "run", args.file], dict(os.environ, PYTHONPATH=str(package.parent))
        )
    for cmd, env in runs.values():  # warm the file cache
        _timed(cmd, env)
    walls: dict[str, list[float]] = {k: [] for k in runs}
    cpus: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(args.repeats):
        for name, (cmd, env) in runs.items():
            wall, cpu = _timed(cmd, env)
            walls[name].append(wall)
            cpus[name].append(cpu)
    bare = next(iter(runs))
    bare_wall, bare_cpu = statistics.median(walls[bare]), statistics.median(cpus[bare])
    counts = {}
    if args.instructions and shutil.which("valgrind"):
        counts = {name: _instructions(cmd, env) for name, (cmd, env) in runs.items()}
    for name in runs:
        wall, cpu = statistics.median(walls[name]), statistics.median(cpus[name])
        line = (
            f"{name:60s} wall median {wall:.3f} s ({wall / bare_wall:.2f}x)   "
            f"CPU median {cpu:.3f} s ({cpu / bare_cpu:.2f}x)"
        )
        if counts:
            line += f"   {counts[name] / 1e6:,.0f} M instructions ({counts[name] / counts[bare]:.2f}x)"
        print(line)


if __name__ == "__main__":
    main()
