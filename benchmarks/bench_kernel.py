"""Benchmark: the Monte Carlo's engine side (issue 9, session 4), before vs now, measured side by side.

Run from the repository root::

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_kernel.py [--repeats 7] [--draws 100000] [--base REV] [--base-only]

"before" is a frozen copy of the engine path as it was (benchmarks/kernel_before.py: with_values,
evaluate_summary, BatchMeasures and simulate's chunk loop); "now" is the package. Both draw the same
inputs from the same generator, so the sampling costs the same in both; the script first checks that
both give the same bits for every draw (NPV, NPV by budget holder, cash break-even and discounted
payback years) for every shipped example at 10 and 100 years, then prints CPU time bests over
interleaved repeats (the machine is shared) for:

* the whole ``simulate`` of the youth-work example, 10-year and 100-year horizons, ``--draws`` draws;
* the engine alone on one chunk's draws, scaled to ``--draws``: ``with_values`` + the four measures;
* the whole ``simulate`` of the generated 100-cost-line x 100-outcome proposal, 10,000 draws.

``--base REV`` (default 8080bdd, main before the kernel2 work) also times the package as it was at that
commit against the package now: ``git archive REV costmodel`` unpacked into a temporary folder as a
second package, ``costmodel_base`` (its imports are relative, so it runs on its own), each loading the
example with its own loader. It first checks that both give the same bits for every draw of every shipped
example (own horizon and 100 years), then prints CPU time bests over interleaved repeats of the whole
``simulate`` of the youth-work example (``--draws`` draws, 10 and 100 years) and of 1,000,000 draws, and
of the generated 100 x 100 proposal (10,000 draws, same bits checked on 2,000), then bench_speed's
1,000,000-draw figure: the first such call of a fresh process, over ``--repeats`` processes of each,
interleaved. ``--base ''`` skips it.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import kernel_before as before  # noqa: E402

from costmodel.appraisal.engine import measures  # noqa: E402
from costmodel.inputs.loading import Overrides, load_proposal  # noqa: E402
from costmodel.uncertainty.batch import chunk_size_for, values_plan, with_values  # noqa: E402
from costmodel.uncertainty.compile import compile_uncertainty  # noqa: E402
from costmodel.uncertainty.memory import keep_freed_memory  # noqa: E402
from costmodel.uncertainty.montecarlo import _drawer, simulate  # noqa: E402

PROPOSALS = ROOT / "assumptions" / "proposals"
YOUTH_WORK = PROPOSALS / "youth_work.yaml"


def _now(sc, draws: int, seed: int) -> tuple[np.ndarray, ...]:
    sim = simulate(sc, draws, seed)
    return sim.npv, sim.npv_by_agency, sim.cash_break_even_year, sim.discounted_payback_year


def check_same_bits(draws: int = 3000) -> int:
    """Every shipped example, 10 (or its own) and 100 years: the same bits before and now. Returns cases."""
    cases = 0
    for path in sorted(PROPOSALS.glob("*.yaml")):
        for horizon in (None, 100):
            sc = load_proposal(path, Overrides(horizon_years=horizon)) if horizon else load_proposal(path)
            for a, b, name in zip(before.simulate_before(sc, draws, 7), _now(sc, draws, 7), ("npv", "npv_by_agency", "cash_break_even_year", "discounted_payback_year"), strict=True):
                if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
                    raise SystemExit(f"{path.name} horizon {horizon}: {name} differs before vs now")
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


def engine_only(sc, draws: int) -> tuple[object, object]:
    """with_values + the four measures simulate reads, on one chunk of draws, looped to ``draws``."""
    c = compile_uncertainty(sc, True, pool_terms=True)
    inputs = c.inputs
    plan = values_plan(inputs)
    n = chunk_size_for(c.structure)
    values = _drawer(inputs)(n, np.random.default_rng(1))
    loops = -(-draws // n)

    def run(wv, ms, plan):  # type: ignore[no-untyped-def]
        def go() -> None:
            for _ in range(loops):
                m = ms(*wv(c, inputs, values, broadcast=False, plan=plan))
                m.npv, m.pv_net_by_agency, m.cash_break_even_year, m.discounted_payback_year  # noqa: B018

        return go

    return run(before.with_values, before.measures, before.values_plan(inputs)), run(with_values, measures, plan)


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


def base_package(rev: str):  # type: ignore[no-untyped-def]
    """The costmodel package as it was at commit ``rev``, imported as ``costmodel_base``."""
    where = Path(tempfile.mkdtemp(prefix="costmodel-base-"))
    archive = subprocess.run(["git", "archive", rev, "costmodel"], cwd=ROOT, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    (where / "costmodel").rename(where / "costmodel_base")
    sys.path.insert(0, str(where))
    importlib.import_module("costmodel_base.inputs.loading")
    importlib.import_module("costmodel_base.uncertainty.montecarlo")
    return sys.modules["costmodel_base"]


def _load(loader, overrides, path: Path, horizon: int | None):  # type: ignore[no-untyped-def]
    return loader(path, overrides(horizon_years=horizon)) if horizon else loader(path)


def against_base(rev: str, draws: int, repeats: int) -> None:
    """The package now against commit ``rev``: the same bits, then simulate's CPU time side by side."""
    base = base_package(rev)
    base_load, base_simulate = base.inputs.loading.load_proposal, base.uncertainty.montecarlo.simulate
    cases = 0
    for path in sorted(PROPOSALS.glob("*.yaml")):
        for horizon in (None, 100):
            old = base_simulate(_load(base_load, base.inputs.loading.Overrides, path, horizon), 3000, 7)
            new = simulate(_load(load_proposal, Overrides, path, horizon), 3000, 7)
            for name in ("npv", "npv_by_agency", "cash_break_even_year", "discounted_payback_year"):
                a, b = getattr(old, name), getattr(new, name)
                if a.dtype != b.dtype or a.shape != b.shape or a.tobytes() != b.tobytes():
                    raise SystemExit(f"{path.name} horizon {horizon}: {name} differs at {rev} vs now")
            cases += 1
    print(f"same bits at {rev} and now: {cases} cases (every shipped example, own horizon and 100 years), yes")
    sizes = [(10, draws), (100, draws), (10, 1_000_000)]
    fns = {}
    for horizon, n in sizes:
        old_sc = base_load(YOUTH_WORK, base.inputs.loading.Overrides(horizon_years=horizon))
        new_sc = load_proposal(YOUTH_WORK, Overrides(horizon_years=horizon))
        base_simulate(old_sc, 2000, 1), simulate(new_sc, 2000, 1)  # warm
        fns[f"{horizon} {n} base"] = lambda sc=old_sc, n=n: base_simulate(sc, n, 1)
        fns[f"{horizon} {n} now"] = lambda sc=new_sc, n=n: simulate(sc, n, 1)
    # the generated 100-cost-line x 100-outcome proposal (bench_speed part 2), 10,000 draws
    from big_proposal import write_big_proposal

    big_path = write_big_proposal(Path(tempfile.mkdtemp(prefix="costmodel-bench-")))
    old_big, new_big = base_load(big_path), load_proposal(big_path)
    a, b = base_simulate(old_big, 2000, 3), simulate(new_big, 2000, 3)
    for name in ("npv", "npv_by_agency", "cash_break_even_year", "discounted_payback_year"):
        if getattr(a, name).tobytes() != getattr(b, name).tobytes():
            raise SystemExit(f"100 x 100 proposal: {name} differs at {rev} vs now")
    fns["big base"] = lambda: base_simulate(old_big, 10_000, 1)
    fns["big now"] = lambda: simulate(new_big, 10_000, 1)
    best = _best(fns, repeats)
    print(
        f"100 lines x 100 outcomes, 10,000 draws, whole simulate (same bits)   CPU best: {rev} "
        f"{best['big base'] * 1e3:7.1f} ms, now {best['big now'] * 1e3:7.1f} ms ({best['big base'] / best['big now']:.2f}x faster)"
    )
    for horizon, n in sizes:
        b, a = best[f"{horizon} {n} base"], best[f"{horizon} {n} now"]
        print(
            f"youth_work {horizon:3d} years, {n:>9,} draws, whole simulate   CPU best: {rev} {b * 1e3:7.1f} ms, "
            f"now {a * 1e3:7.1f} ms ({b / a:.2f}x faster)"
        )
    # bench_speed's 1,000,000-draw figure: the first such call in a fresh process, base and now interleaved
    runs: dict[str, list[dict[str, float]]] = {"base": [], "now": []}
    for _ in range(repeats):
        runs["base"].append(fresh_million(Path(base.__file__).parent.parent, "costmodel_base"))
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
    ap.add_argument("--base", default="8080bdd", help="commit to time the package against ('' to skip)")
    ap.add_argument("--base-only", action="store_true", help="only the comparison with --base")
    args = ap.parse_args()
    keep_freed_memory()  # as the CLI does at start
    if args.base:
        against_base(args.base, args.draws, args.repeats)
    if args.base_only:
        return 0
    print(f"same bits before and now: {check_same_bits()} cases (every shipped example, own horizon and 100 years)")
    n = args.draws
    for horizon in (10, 100):
        sc = load_proposal(YOUTH_WORK, Overrides(horizon_years=horizon))
        old_engine, new_engine = engine_only(sc, n)
        best = _best(
            {
                "simulate before": lambda sc=sc: before.simulate_before(sc, n, 1),
                "simulate now": lambda sc=sc: simulate(sc, n, 1),
                "engine before": old_engine,
                "engine now": new_engine,
            },
            args.repeats,
        )
        for what in ("simulate", "engine"):
            b, a = best[f"{what} before"], best[f"{what} now"]
            label = "whole simulate" if what == "simulate" else "engine only (with_values + measures)"
            print(
                f"youth_work {horizon:3d} years, {n:,} draws, {label:38s} CPU best: before {b * 1e3:7.1f} ms, "
                f"now {a * 1e3:7.1f} ms ({b / a:.2f}x faster)"
            )
    # the generated 100-cost-line x 100-outcome proposal (bench_speed part 2), 10,000 draws in process
    import tempfile

    from big_proposal import write_big_proposal

    big = load_proposal(write_big_proposal(Path(tempfile.mkdtemp(prefix="costmodel-bench-"))))
    for a, b_, name in zip(before.simulate_before(big, 2000, 3), _now(big, 2000, 3), ("npv", "npv_by_agency", "be", "dpay"), strict=True):
        if a.tobytes() != b_.tobytes():
            raise SystemExit(f"100 x 100 proposal: {name} differs before vs now")
    best = _best({"before": lambda: before.simulate_before(big, 10_000, 1), "now": lambda: simulate(big, 10_000, 1)}, max(3, args.repeats // 2))
    print(
        f"100 lines x 100 outcomes, 10,000 draws, whole simulate (same bits)     CPU best: before {best['before'] * 1e3:7.1f} ms, "
        f"now {best['now'] * 1e3:7.1f} ms ({best['before'] / best['now']:.2f}x faster)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
