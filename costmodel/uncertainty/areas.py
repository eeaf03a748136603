"""The Ten Year Test of one proposal in every area of a table, with a Monte Carlo per area.

Every area is a row of the batched engine: the central figures of all areas are one batched call
of :func:`costmodel.appraisal.engine.measures` (in memory-bounded chunks), and the Monte Carlo
evaluates areas × draws rows the same way (:func:`costmodel.uncertainty.batch.npv_table`). There is
no Python loop over areas around the engine, nor over draws or years; the only per-area step is
drawing the area's random numbers from its own generator.

**Seeds.** Area *i* draws from ``Generator(PCG64(SeedSequence(seed, spawn_key=(i,))))``, the
*i*-th child of ``SeedSequence(seed).spawn(n)``. Areas are grouped into fixed blocks (their size set
by the draws and a memory budget, never by the number of worker processes) and the totals are added
block by block in order, so the same seed gives identical results whatever ``jobs`` is.
"""

from __future__ import annotations

import math
import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import MONEY_TOLERANCE, measures
from ..errors import ComputationError, UsageError
from ..inputs.areas import AreaTable, area_ranges, column_factors
from ..inputs.correlation import Copula, copula, declared_rank_matrix
from ..inputs.distributions import sample
from ..inputs.loading import edit_proposal
from ..inputs.registry import settings
from .batch import chunk_size_for, npv_table, with_values
from .compile import Compiled, UncertainInput, compile_uncertainty
from .limits import MAX_DRAWS

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

BLOCK_ROWS = 65_536
"""Areas × draws evaluated per block (one task of a worker): about 6 MB of drawn values for a dozen
inputs. The block size depends on the draws only, so results do not depend on the worker count."""
MAX_JOBS = 64
PERCENTILES = (5.0, 50.0, 95.0)


@dataclass(frozen=True)
class AreaResults:
    """The Ten Year Test in every area: central figures, and the Monte Carlo's summary per area.

    Money is in the proposal's price-base prices [£]. With ``draws == 0`` the Monte Carlo arrays
    are empty. ``risk_adjusted``: the central case and every draw carry the optimism-bias corrections
    (the default; off when the file says ``appraisal.optimism_bias: off``); there are no unadjusted
    figures beside them in a batch.
    """

    table: AreaTable
    agency_ids: tuple[str, ...]
    agency_names: tuple[str, ...]
    price_base_year: int
    draws: int
    seed: int
    npv: F  # (n,) whole-public-sector NPV (the fiscal layer, on which the verdict rests) [£]
    npv_by_agency: F  # (n, A) [£]
    pv_costs: F  # (n,) [£]
    pv_savings: F  # (n,) [£]
    pv_cashable: F  # (n,) [£]
    peak_dual_running: F  # (n,) peak cumulative funding needed while savings are not yet cashable [£]
    p_pass: F  # (n,) share of draws with NPV >= 0 [fraction]
    npv_mean: F  # (n,) [£]
    npv_percentiles: F  # (n, 3) P5, P50, P95 [£]
    total_npv_draws: F  # (draws,) the sum over areas of each draw's NPV [£]
    public_value_npv: F = field(default_factory=lambda: np.zeros(0))  # (n,) fiscal + economic + social [£]
    risk_adjusted: bool = False  # every figure (central case and draws) carries the optimism-bias corrections
    optimism_table_status: str | None = None  # "assumption" or "published": the table's grade percentages

    @property
    def n(self) -> int:
        return self.table.n

    @property
    def passes(self) -> NDArray[np.bool_]:
        """(n,) whether each area passes the Ten Year Test (central NPV >= 0)."""
        return self.npv >= -MONEY_TOLERANCE

    @property
    def p_pass_se(self) -> F:
        """(n,) Monte Carlo standard error of :attr:`p_pass`: sqrt(p (1 - p) / draws). [fraction]"""
        if self.draws == 0:
            return np.zeros(0)
        p = self.p_pass
        return np.sqrt(p * (1.0 - p) / self.draws)

    @property
    def cashable_share(self) -> F:
        """(n,) PV of cashable savings / PV of all savings; NaN where there are no savings. [fraction]"""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.pv_savings > MONEY_TOLERANCE, self.pv_cashable / self.pv_savings, np.nan)

    @property
    def biggest_loser(self) -> NDArray[np.int64]:
        """(n,) index of the budget holder with the most negative NPV, or -1 if none is worse off."""
        worst = np.argmin(self.npv_by_agency, axis=1)
        loses = np.take_along_axis(self.npv_by_agency, worst[:, None], axis=1)[:, 0] < -MONEY_TOLERANCE
        return np.where(loses, worst, -1).astype(np.int64)

    @property
    def n_passing(self) -> int:
        return int(np.count_nonzero(self.passes))


@dataclass(frozen=True)
class _Plan:
    """Everything a worker needs: the compiled proposal, the inputs and each area's low/value/high."""

    compiled: Compiled
    inputs: tuple[UncertainInput, ...]
    low: F  # (n, K)
    mid: F  # (n, K)
    high: F  # (n, K)
    draws: int
    seed: int
    block: int  # areas per block
    copula: Copula | None = None  # the correlations the proposal declares among the inputs


def check_jobs(jobs: object) -> int:
    if isinstance(jobs, bool) or not isinstance(jobs, (int, np.integer)) or not 1 <= int(jobs) <= MAX_JOBS:
        raise UsageError(f"must be a whole number between 1 and {MAX_JOBS} (got {jobs!r})", field="jobs")
    return int(jobs)


def check_batch_draws(draws: object) -> int:
    """0 (central figures only) to MAX_DRAWS draws per area."""
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)) or not 0 <= int(draws) <= MAX_DRAWS:
        raise UsageError(
            f"must be a whole number between 0 (no Monte Carlo) and {MAX_DRAWS:,} (got {draws!r})", field="draws"
        )
    return int(draws)


def _plan(scenario: Scenario, table: AreaTable, draws: int, seed: int) -> _Plan:
    """Compile the proposal with every column of the table as an input, and each area's values."""
    found = {s.path: s for s in settings(scenario.proposal, unit_costs=scenario.unit_costs)}
    c0 = compile_uncertainty(scenario)
    known = {i.id for i in (*c0.inputs, *c0.candidates)}
    # a column the uncertainty table does not list (no range, no switching value): give it a zero-width
    # range so the compile step says where it enters the engine; no value changes
    edits: dict[str, Any] = {}
    for p in table.paths:
        if p not in known and p in found:
            v = float(found[p].quantity.value)
            edits[f"{p}.low"], edits[f"{p}.high"] = v, v
    c = compile_uncertainty(replace(scenario, proposal=edit_proposal(scenario.proposal, edits))) if edits else c0
    by_id = {i.id: i for i in (*c.candidates, *c.inputs)}
    inputs = list(c.inputs)
    ids = [i.id for i in inputs]
    for p in table.paths:
        if p not in ids:
            inputs.append(by_id[p])
            ids.append(p)
    n = table.n
    mid = np.tile(np.array([i.central for i in inputs]), (n, 1))
    low = np.tile(np.array([i.low for i in inputs]), (n, 1))
    high = np.tile(np.array([i.high for i in inputs]), (n, 1))
    a_low, a_high = area_ranges(table, scenario)
    factors = column_factors(table, scenario)  # money into each input's own price year
    for j, p in enumerate(table.paths):
        k = ids.index(p)
        factor = float(factors[j])
        mid[:, k] = table.values[:, j] * factor
        low[:, k] = a_low[:, j] * factor
        high[:, k] = a_high[:, j] * factor
    block = max(1, BLOCK_ROWS // max(draws, 1))
    declared = scenario.proposal.correlations
    cop = copula(declared_rank_matrix(declared, ids, [True] * len(ids))) if declared else None
    return _Plan(c, tuple(inputs), low, mid, high, draws, seed, block, cop)


def _central(plan: _Plan) -> tuple[F, F, F, F, F, F, F]:
    """Central figures of every area: batched calls of the engine over chunks of areas."""
    c, n = plan.compiled, plan.mid.shape[0]
    A = len(c.agency_ids)
    chunk = chunk_size_for(c.structure)
    npv, costs, savings, cash, peak, public_value = (np.empty(n) for _ in range(6))
    by_agency = np.empty((n, A))
    for start in range(0, n, chunk):  # chunks of areas, each one batched call
        stop = min(n, start + chunk)
        m = measures(*with_values(c, plan.inputs, plan.mid[start:stop], broadcast=False))
        npv[start:stop] = m.npv
        by_agency[start:stop] = m.pv_net_by_agency
        costs[start:stop] = m.pv_costs_by_agency.sum(axis=-1)
        savings[start:stop] = m.pv_savings_by_agency.sum(axis=-1)
        cash[start:stop] = np.sum(m.summary.cashable * m.summary.factors, axis=-1)
        peak[start:stop] = m.dual_running.peak
        public_value[start:stop] = m.net_present_public_value
    checked = (
        ("NPV", npv), ("NPV by budget holder", by_agency), ("peak dual running", peak),
        ("net present public value", public_value),
    )  # fmt: skip
    for name, arr in checked:
        if not np.all(np.isfinite(arr)):
            raise ComputationError(f"an area produced a non-finite {name}; check the table's values")
    return npv, by_agency, costs, savings, cash, peak, public_value


_WORKER_PLAN: _Plan | None = None


def _init_worker(plan: _Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _block_in_worker(start: int, stop: int) -> tuple[F, F, F, F]:
    assert _WORKER_PLAN is not None
    return _block(_WORKER_PLAN, start, stop)


def _block(plan: _Plan, start: int, stop: int) -> tuple[F, F, F, F]:
    """Monte Carlo of areas ``start:stop``: (p_pass, mean, percentiles (m, 3), sum over areas (draws,))."""
    inputs, draws = plan.inputs, plan.draws
    dists = [i.distribution or "triangular" for i in inputs]
    lo_b = [i.domain_low for i in inputs]
    hi_b = [i.domain_high for i in inputs]
    integer = [i.integer for i in inputs]
    values = np.empty(((stop - start) * draws, len(inputs)))
    for a in range(start, stop):  # each area's random numbers from its own generator (not the engine)
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(plan.seed, spawn_key=(a,))))
        row = (a - start) * draws
        values[row : row + draws] = sample(
            rng, draws, plan.low[a], plan.mid[a], plan.high[a], dists,
            bounds_low=lo_b, bounds_high=hi_b, integer=integer, copula=plan.copula,
        )  # fmt: skip
    npv = npv_table(plan.compiled, inputs, values).npv.reshape(stop - start, draws)
    p_pass = np.mean(npv >= -MONEY_TOLERANCE, axis=1)
    pct = np.percentile(npv, PERCENTILES, axis=1).T
    return p_pass, npv.mean(axis=1), pct, np.add.reduce(npv, axis=0)


def run_areas(
    scenario: Scenario,
    table: AreaTable,
    draws: int = 1_000,
    seed: int = 20_240_601,
    *,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> AreaResults:
    """The Ten Year Test of ``scenario`` in every area of ``table``, with ``draws`` Monte Carlo draws
    per area (0: central figures only), across ``jobs`` worker processes."""
    draws = check_batch_draws(draws)
    jobs = check_jobs(jobs)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise UsageError(f"must be a whole number between 0 and 2^63 - 1 (got {seed!r})", field="seed")
    plan = _plan(scenario, table, draws, int(seed))
    npv, by_agency, costs, savings, cash, peak, public_value = _central(plan)
    n = table.n
    p_pass, mean, pct = np.zeros(0), np.zeros(0), np.zeros((0, 3))
    total = np.zeros(draws)
    if draws:
        blocks = [(s, min(n, s + plan.block)) for s in range(0, n, plan.block)]
        parts: list[tuple[F, F, F, F] | None] = [None] * len(blocks)
        done = 0
        if jobs == 1 or len(blocks) == 1:
            for b, (s, e) in enumerate(blocks):
                parts[b] = _block(plan, s, e)
                done += e - s
                if progress is not None:
                    progress(done, n)
        else:
            # fork starts a worker in milliseconds; it is safe from a single-threaded program (the CLI).
            # Anywhere with other threads (the app's server), a fresh interpreter is started instead.
            alone = threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if alone else "spawn")
            with ProcessPoolExecutor(min(jobs, len(blocks)), mp_context=ctx, initializer=_init_worker,
                                     initargs=(plan,)) as pool:  # fmt: skip
                futures = {pool.submit(_block_in_worker, s, e): b for b, (s, e) in enumerate(blocks)}
                for fut in as_completed(futures):
                    b = futures[fut]
                    parts[b] = fut.result()
                    done += blocks[b][1] - blocks[b][0]
                    if progress is not None:
                        progress(done, n)
        got = [p for p in parts if p is not None]
        p_pass = np.concatenate([p[0] for p in got])
        mean = np.concatenate([p[1] for p in got])
        pct = np.concatenate([p[2] for p in got])
        for part in got:  # block order: the same sum whatever the worker count
            total = total + part[3]
        if not (np.all(np.isfinite(pct)) and np.all(np.isfinite(total))):
            raise ComputationError("a Monte Carlo draw produced a non-finite NPV; check the table's ranges")
    names = {a.id: a.name for a in scenario.agencies}
    agency_ids = plan.compiled.agency_ids
    opt = plan.compiled.optimism  # the corrections the compiled arrays carry (None: unadjusted)
    cg = opt.table.confidence_grades if opt is not None else None
    return AreaResults(
        table=table,
        agency_ids=agency_ids,
        agency_names=tuple(names.get(a, a) for a in agency_ids),
        price_base_year=scenario.proposal.appraisal.price_base_year,
        draws=draws,
        seed=int(seed),
        npv=npv,
        npv_by_agency=by_agency,
        pv_costs=costs,
        pv_savings=savings,
        pv_cashable=cash,
        peak_dual_running=peak,
        p_pass=p_pass,
        npv_mean=mean,
        npv_percentiles=pct,
        total_npv_draws=total,
        public_value_npv=public_value,
        risk_adjusted=opt is not None,
        optimism_table_status=cg.status if cg is not None else None,
    )


def total_p_pass(results: AreaResults) -> float:
    """Share of draws in which the sum over areas of the NPV is >= 0 (NaN without draws). [fraction]"""
    if results.draws == 0:
        return math.nan
    return float(np.mean(results.total_npv_draws >= -MONEY_TOLERANCE))
