"""Benchmark: the Monte Carlo (issue 9, session 4), the package at a base commit vs now, side by side.

Run from the repository root::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_kernel.py [--repeats 7] [--draws 100000] [--base REV]

Every "before" figure comes from the package as it was at commit ``--base`` (default 4f67eec: main before
this session's speed work, issue 9 session 4): ``git archive REV costmodel`` unpacked into a temporary
folder as a second package, ``costmodel_base`` (its imports are relative, so it runs on its own, with its
own loader, sampling and engine); "now" is the package in this checkout. The script first checks that both
give the same bits for every draw (NPV, NPV by budget holder, cash break-even and discounted payback years)
of every shipped example at its own horizon and at 100 years, then prints CPU time bests over interleaved
repeats (the machine is shared) for:

* the engine alone on one chunk's draws of the youth-work example, 10 and 100 years, looped to
  ``--draws`` (rounded up to whole chunks): each package's own ``with_values`` (with its ``values_plan``, where REV has one) and the
  four figures a Monte Carlo keeps (``measures_into`` where the package has it, else ``measures``), on
  the same draws (same bits checked);
* the whole ``simulate`` of the youth-work example, 10 and 100 years, ``--draws`` draws, and 1,000,000
  draws at 10 years (sampling included: the base draws with its own sampling code);
* the whole ``simulate`` of the generated 100-cost-line x 100-outcome proposal, 10,000 draws (same bits
  checked on 2,000);

then bench_speed's 1,000,000-draw figure: the first such call of a fresh process, over ``--repeats``
processes of each, interleaved. REV's loader must read today's shipped examples (commits much older than
4f67eec stop at an unknown key, with the file's own error).
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import inspect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import costmodel.appraisal.engine  # noqa: E402
import costmodel.inputs.loading  # noqa: E402
import costmodel.uncertainty.batch  # noqa: E402
import costmodel.uncertainty.compile  # noqa: E402
import costmodel.uncertainty.montecarlo  # noqa: E402
from costmodel.uncertainty.memory import keep_freed_memory  # noqa: E402

PROPOSALS = ROOT / "assumptions" / "proposals"
YOUTH_WORK = PROPOSALS / "youth_work.yaml"
DEFAULT_BASE = "4f67eec"  # main before this session's speed work (issue 9, session 4)
FIGURES = ("npv", "npv_by_agency", "cash_break_even_year", "discounted_payback_year")


def _temporary_folder(prefix: str) -> Path:
    where = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, where, ignore_errors=True)
    return where


def base_package(rev: str) -> ModuleType:
    """The costmodel package as it was at commit ``rev``, imported as ``costmodel_base``."""
    where = _temporary_folder("costmodel-base-")
    archive = subprocess.run(["git", "archive", rev, "costmodel"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    (where / "costmodel").rename(where / "costmodel_base")
    sys.path.insert(0, str(where))
    for module in ("appraisal.engine", "inputs.loading", "uncertainty.batch", "uncertainty.compile", "uncertainty.montecarlo"):
        importlib.import_module(f"costmodel_base.{module}")
    return sys.modules["costmodel_base"]


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _load(pkg: ModuleType, path: Path, horizon: int | None = None):  # type: ignore[no-untyped-def]
    loading = pkg.inputs.loading
    return loading.load_proposal(path, loading.Overrides(horizon_years=horizon)) if horizon else loading.load_proposal(path)


def check_same_bits(base: ModuleType, rev: str, draws: int = 3000) -> int:
    """Every shipped example, its own horizon and 100 years: the same bits at ``rev`` and now. Returns cases."""
    cases = 0
    for path in sorted(PROPOSALS.glob("*.yaml")):
        for horizon in (None, 100):
            old = base.uncertainty.montecarlo.simulate(_load(base, path, horizon), draws, 7)
            new = costmodel.uncertainty.montecarlo.simulate(_load(costmodel, path, horizon), draws, 7)
            for name in FIGURES:
                if not _same_bits(getattr(old, name), getattr(new, name)):
                    raise SystemExit(f"{path.name} horizon {horizon}: {name} differs at {rev} vs now")
            cases += 1
    return cases


def _best(fns: dict[str, object], repeats: int) -> dict[str, float]:
    best = {k: float("inf") for k in fns}
    for _ in range(repeats):  # interleaved, so load on the shared machine hits both alike
        for k, f in fns.items():
            t0 = time.process_time()
            f()  # type: ignore[operator]
            best[k] = min(best[k], time.process_time() - t0)
    return best


def engine_stage(pkg: ModuleType, scenario, values: np.ndarray, loops: int):  # type: ignore[no-untyped-def]
    """The chunk's engine stage of ``pkg`` (whatever that version has): its own compile, ``with_values``
    (with its ``values_plan`` if it has one) and the four figures a Monte Carlo keeps (``measures_into``
    if it has it, else ``measures``), on the given draws ``values`` (n, K). Returns a function running it
    ``loops`` times and the four figures of one run, or None if ``pkg`` has no ``with_values``."""
    batch, engine = pkg.uncertainty.batch, pkg.appraisal.engine
    if not hasattr(batch, "with_values") or not hasattr(engine, "measures"):
        return None
    compile_uncertainty = pkg.uncertainty.compile.compile_uncertainty
    pooled = "pool_terms" in inspect.signature(compile_uncertainty).parameters
    c = compile_uncertainty(scenario, True, pool_terms=True) if pooled else compile_uncertainty(scenario, True)
    inputs = c.inputs
    accepts = inspect.signature(batch.with_values).parameters
    options: dict[str, object] = {"broadcast": False} if "broadcast" in accepts else {}
    if "plan" in accepts and hasattr(batch, "values_plan"):
        options["plan"] = batch.values_plan(inputs)
    n = values.shape[0]
    out = (np.empty(n), np.empty((n, len(c.agency_ids))), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64))
    if hasattr(engine, "measures_into"):

        def once() -> None:
            engine.measures_into(*batch.with_values(c, inputs, values, **options), *out)

    else:

        def once() -> None:
            m = engine.measures(*batch.with_values(c, inputs, values, **options))
            out[0][:], out[1][:] = m.npv, m.pv_net_by_agency
            out[2][:], out[3][:] = m.cash_break_even_year, m.discounted_payback_year

    def run() -> None:
        for _ in range(loops):
            once()

    once()
    return run, tuple(a.copy() for a in out)


def _chunk_draws(scenario) -> np.ndarray:  # type: ignore[no-untyped-def]
    """One chunk of the youth-work draws, drawn by the package now (both engines get the same values)."""
    from costmodel.uncertainty.batch import chunk_size_for
    from costmodel.uncertainty.compile import compile_uncertainty
    from costmodel.uncertainty.montecarlo import _drawer

    c = compile_uncertainty(scenario, True, pool_terms=True)
    return _drawer(c.inputs)(chunk_size_for(c.structure), np.random.default_rng(1))


_FRESH = """
import json, resource, sys, time
from {pkg}.uncertainty.memory import keep_freed_memory
keep_freed_memory()  # as the CLI does at start
from {pkg}.inputs.loading import load_proposal
from {pkg}.uncertainty.montecarlo import simulate
sc = load_proposal(sys.argv[1])
simulate(sc, 1000, 1)
r0 = resource.getrusage(resource.RUSAGE_SELF)
t0, c0 = time.perf_counter(), time.process_time()
simulate(sc, 1_000_000, 1)  # the first 1,000,000-draw call of a fresh process, as bench_speed times it
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
r1 = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"wall": wall, "cpu": cpu, "sys": r1.ru_stime - r0.ru_stime}}))
"""


def fresh_million(where: Path, pkg: str) -> dict[str, float]:
    """Wall, CPU and system time of a fresh process's first 1,000,000-draw simulate (bench_speed's figure)."""
    out = subprocess.run(
        [sys.executable, "-c", _FRESH.format(pkg=pkg), str(YOUTH_WORK)],
        cwd=ROOT, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(where)},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def _faster(rev: str, b: float, a: float, unit: float = 1e3) -> str:
    return f"CPU best: {rev} {b * unit:7.1f} ms, now {a * unit:7.1f} ms ({b / a:.2f}x faster)"


def against_base(rev: str, draws: int, repeats: int) -> None:
    """The package now against commit ``rev``: the same bits, then CPU time side by side."""
    base = base_package(rev)
    print(f"same bits at {rev} and now: {check_same_bits(base, rev)} cases (every shipped example, own horizon and 100 years), yes")
    base_simulate, now_simulate = base.uncertainty.montecarlo.simulate, costmodel.uncertainty.montecarlo.simulate
    fns: dict[str, object] = {}
    engine_rows: list[tuple[int, int]] = []
    simulate_rows: list[tuple[int, int]] = []
    for horizon in (10, 100):
        old_sc, new_sc = _load(base, YOUTH_WORK, horizon), _load(costmodel, YOUTH_WORK, horizon)
        values = _chunk_draws(new_sc)
        loops = -(-draws // values.shape[0])
        old_engine, new_engine = engine_stage(base, old_sc, values, loops), engine_stage(costmodel, new_sc, values, loops)
        if old_engine is None:
            print(f"engine only: {rev} has no with_values and measures, so no engine-only figure at {horizon} years")
        else:
            assert new_engine is not None
            for name, a, b in zip(FIGURES, old_engine[1], new_engine[1], strict=True):
                if not _same_bits(a, b):
                    raise SystemExit(f"youth_work {horizon} years, engine only: {name} differs at {rev} vs now")
            fns[f"engine {horizon} base"], fns[f"engine {horizon} now"] = old_engine[0], new_engine[0]
            engine_rows.append((horizon, loops * values.shape[0]))
        sizes = [(horizon, draws)] + ([(horizon, 1_000_000)] if horizon == 10 else [])
        base_simulate(old_sc, 2000, 1), now_simulate(new_sc, 2000, 1)  # warm
        simulate_rows += sizes
        for _, n in sizes:
            fns[f"{horizon} {n} base"] = lambda sc=old_sc, n=n: base_simulate(sc, n, 1)
            fns[f"{horizon} {n} now"] = lambda sc=new_sc, n=n: now_simulate(sc, n, 1)
    # the generated 100-cost-line x 100-outcome proposal (bench_speed part 2), 10,000 draws
    from big_proposal import write_big_proposal

    big_path = write_big_proposal(_temporary_folder("costmodel-bench-"))
    old_big, new_big = _load(base, big_path), _load(costmodel, big_path)
    a, b = base_simulate(old_big, 2000, 3), now_simulate(new_big, 2000, 3)
    for name in FIGURES:
        if not _same_bits(getattr(a, name), getattr(b, name)):
            raise SystemExit(f"100 x 100 proposal: {name} differs at {rev} vs now")
    fns["big base"] = lambda: base_simulate(old_big, 10_000, 1)
    fns["big now"] = lambda: now_simulate(new_big, 10_000, 1)
    best = _best(fns, repeats)
    for horizon, n in engine_rows:
        print(
            f"youth_work {horizon:3d} years, {n:>9,} draws, {'engine only (with_values + measures, same bits)':49s} "
            + _faster(rev, best[f"engine {horizon} base"], best[f"engine {horizon} now"])
        )
    for horizon, n in simulate_rows:
        print(
            f"youth_work {horizon:3d} years, {n:>9,} draws, {'whole simulate':49s} "
            + _faster(rev, best[f"{horizon} {n} base"], best[f"{horizon} {n} now"])
        )
    print(
        f"100 lines x 100 outcomes, {10_000:>9,} draws, {'whole simulate (same bits)':49s} "
        + _faster(rev, best["big base"], best["big now"])
    )
    # bench_speed's 1,000,000-draw figure: the first such call in a fresh process, base and now interleaved
    runs: dict[str, list[dict[str, float]]] = {"base": [], "now": []}
    for _ in range(repeats):
        runs["base"].append(fresh_million(Path(str(base.__file__)).parent.parent, "costmodel_base"))
        runs["now"].append(fresh_million(ROOT, "costmodel"))
    for who, label in (("base", rev), ("now", "now")):
        wall = sorted(r["wall"] for r in runs[who])
        cpu = sorted(r["cpu"] for r in runs[who])
        sys_ = sorted(r["sys"] for r in runs[who])
        print(
            f"youth_work 1,000,000 draws, fresh process ({label:>7s}, {repeats} runs): wall best {wall[0]:.3f} s, "
            f"median {statistics.median(wall):.3f} s; CPU best {cpu[0]:.3f} s, median {statistics.median(cpu):.3f} s "
            f"(of which system {statistics.median(sys_):.3f} s)"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--base", default=DEFAULT_BASE, help=f"commit to time the package against (default {DEFAULT_BASE})")
    args = ap.parse_args()
    if not args.base:
        ap.error("--base needs a commit: every 'before' figure is the package at that commit")
    keep_freed_memory()  # as the CLI does at start
    against_base(args.base, args.draws, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
