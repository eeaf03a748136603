"""Benchmark: the Monte Carlo's sampling (uniforms → correlated uniforms → draws), old formulas against
new, side by side in one run (issue 9: youth-work 100,000 draws ≤ 0.1 s CPU for the whole simulate).

Run from the repository root::

    .venv/bin/python benchmarks/bench_draws.py [--draws 100000] [--repeats 7]

"Old" is the sampling code as it was before the faster sampling, kept verbatim in
``tests/reference_sampling.py`` (the test ``tests/test_sampling_bits.py`` proves the new code gives
the same bits); "new" is ``costmodel.inputs.distributions`` / ``costmodel.inputs.correlation``. Each
stage is timed on the youth-work example's own shapes (its chunk of draws, its 16 ranged inputs, the 6
its file correlates), with the allocator keeping freed memory as the CLI sets it, by CPU time (``time.process_time``), best of ``--repeats`` with old and new
alternating so that load on the shared machine hits both alike:

* the stages: Φ⁻¹ (AS 241) and Φ (Cody's erfc) on the copula's block, the copula, the triangular
  inverse CDF on the whole block (these on 39 ready-made blocks, so colder in cache than in a run),
  each summed over the chunks of ``--draws`` draws; and the draw stage, every chunk's draws from one
  generator (old: ``sample`` per chunk; new: one ``Sampler``, as the Monte Carlo now does);
* the whole ``simulate`` of the youth-work example with ``--draws`` draws, the old ``sample`` swapped
  into the Monte Carlo for the old column (the engine side is the same in both).

Every stage's old and new outputs are also compared bit for bit here (the test does it thoroughly).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import costmodel.uncertainty.montecarlo as mc  # noqa: E402
from costmodel.inputs import correlation as new_corr  # noqa: E402
from costmodel.inputs import distributions as new_dist  # noqa: E402
from costmodel.inputs.loading import load_proposal  # noqa: E402
from costmodel.uncertainty.batch import chunk_size_for  # noqa: E402
from costmodel.uncertainty.compile import compile_uncertainty  # noqa: E402
from costmodel.uncertainty.memory import keep_freed_memory  # noqa: E402
from tests import reference_sampling as old  # noqa: E402

YOUTH_WORK = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
SEED = 20_240_601


class OldSampler:
    """The old way: every chunk calls the old ``sample`` with the inputs' parameters (all its per-call
    work done again)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.args, self.kwargs = args, kwargs

    def draw(self, rng, n):  # type: ignore[no-untyped-def]
        return old.sample(rng, n, *self.args, **self.kwargs)


def cpu_of(fn: Callable[[], object]) -> float:
    c0 = time.process_time()
    fn()
    return time.process_time() - c0


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a.view(np.uint64), b.view(np.uint64)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--draws", type=int, default=100_000)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    n_draws = args.draws
    keep_freed_memory()  # as the CLI does at start (temporaries reuse freed memory, not fresh pages)

    scenario = load_proposal(YOUTH_WORK)
    compiled = compile_uncertainty(scenario, True, pool_terms=True)
    inputs = compiled.inputs
    cop = mc.input_copula(scenario, inputs)
    assert cop is not None
    chunk = chunk_size_for(compiled.structure)
    chunks = [min(chunk, n_draws - s) for s in range(0, n_draws, chunk)]
    k, m = len(inputs), cop.columns.size
    low = np.array([i.low for i in inputs])
    mid = np.array([i.central for i in inputs])
    high = np.array([i.high for i in inputs])
    dists = [i.distribution or "triangular" for i in inputs]
    kw = {
        "bounds_low": np.array([i.domain_low for i in inputs]),
        "bounds_high": np.array([i.domain_high for i in inputs]),
        "integer": np.array([i.integer for i in inputs], dtype=bool),
    }

    blocks = [np.maximum(np.random.default_rng(c).random((c, k)), 2.0**-54) for c in chunks]
    correlated = [b[:, cop.columns] for b in blocks]
    scores = [np.einsum("nk,jk->nj", new_dist.normal_quantile(b), cop.factor) for b in correlated]

    def stage(module_nq, module_cdf, apply, quantiles, sampler):  # type: ignore[no-untyped-def]
        def draws():  # type: ignore[no-untyped-def]
            s = sampler(low, mid, high, dists, copula=cop, **kw)  # once per simulation
            rng = np.random.default_rng(SEED)
            return [s.draw(rng, c) for c in chunks]

        return {
            "Φ⁻¹ (normal_quantile)": lambda: [module_nq(b) for b in correlated],
            "Φ (normal_cdf)": lambda: [module_cdf(z) for z in scores],
            "copula (apply)": lambda: [apply(b.copy()) for b in blocks],
            "triangular quantiles": lambda: [quantiles("triangular", b, low, mid, high) for b in blocks],
            "draw stage (all chunks)": draws,
        }

    old_stages = stage(
        old.normal_quantile, old.normal_cdf, lambda u: old.copula_apply(cop, u), old.quantiles, OldSampler
    )
    new_stages = stage(
        new_dist.normal_quantile, new_corr.normal_cdf, cop.apply, new_dist.quantiles, new_dist.Sampler
    )
    for name in old_stages:  # the same bits, stage by stage
        a, b = old_stages[name](), new_stages[name]()
        assert all(same_bits(x, y) for x, y in zip(a, b, strict=True)), name

    def simulate_with(sampler):  # type: ignore[no-untyped-def]
        def run():  # type: ignore[no-untyped-def]
            mc.Sampler = sampler  # type: ignore[misc]
            try:
                return mc.simulate(scenario, n_draws, SEED)
            finally:
                mc.Sampler = new_dist.Sampler  # type: ignore[misc]

        return run

    old_stages["whole simulate"] = simulate_with(OldSampler)
    new_stages["whole simulate"] = simulate_with(new_dist.Sampler)
    a, b = old_stages["whole simulate"](), new_stages["whole simulate"]()
    assert same_bits(a.npv, b.npv) and same_bits(a.npv_by_agency, b.npv_by_agency)

    best = {name: [np.inf, np.inf] for name in old_stages}
    for _ in range(args.repeats):
        for name in old_stages:
            for side, fn in enumerate((old_stages[name], new_stages[name])):
                best[name][side] = min(best[name][side], cpu_of(fn))

    print(
        f"youth-work example: {n_draws:,} draws in {len(chunks)} chunks of {chunk:,}, {k} ranged inputs, "
        f"{m} correlated; CPU ms, best of {args.repeats}, old and new alternating; same bits: yes"
    )
    print(f"  {'stage':<24} {'old':>8} {'new':>8}   new/old")
    for name, (o, n) in best.items():
        print(f"  {name:<24} {o * 1e3:8.1f} {n * 1e3:8.1f}   x{n / o:5.2f}")


if __name__ == "__main__":
    main()
