"""Monte Carlo simulation of the Ten Year Test: joint draws of every ranged input, evaluated chunk by
chunk as batched calls of the engine (:mod:`costmodel.uncertainty.batch`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import MONEY_TOLERANCE, measures
from ..errors import UsageError
from ..inputs.distributions import sample
from .batch import chunk_size_for, npv_table, values_plan
from .compile import OptimismSettings, UncertainInput, compile_uncertainty
from .limits import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]


# ---------------------------------------------------------------------------------------------
# Monte Carlo
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """Monte Carlo results: every draw's NPV, total and by agency."""

    draws: int
    seed: int
    agency_ids: tuple[str, ...]
    inputs: tuple[UncertainInput, ...]
    deterministic_npv: float  # [£]
    firm_budget_years: int
    npv: F  # (N,) [£]
    npv_by_agency: F  # (N, A) [£]
    cash_break_even_year: NDArray[np.int64]  # (N,) appraisal year index or -1
    discounted_payback_year: NDArray[np.int64]  # (N,)
    optimism_bias: bool = False  # whether the optimism-bias corrections were applied to every draw

    @property
    def p_passes(self) -> float:
        """Probability that the proposal passes the Ten Year Test (NPV ≥ 0). [fraction]"""
        return float(np.mean(self.npv >= -MONEY_TOLERANCE))

    @property
    def p_npv_positive(self) -> F:
        """Per agency, probability that its NPV is ≥ 0 (it breaks even or gains). [fraction] (A,)"""
        return np.mean(self.npv_by_agency >= -MONEY_TOLERANCE, axis=0)

    def percentiles(self, qs: Sequence[float] = (5, 50, 95)) -> F:
        return np.percentile(self.npv, qs)

    def agency_percentiles(self, qs: Sequence[float] = (5, 50, 95)) -> F:
        """(len(qs), A) [£]"""
        return np.percentile(self.npv_by_agency, qs, axis=0)

    @property
    def p_cash_break_even_within_firm_years(self) -> float:
        """Probability that cumulative cashable savings cover cumulative costs, and stay covering, from a
        year within the firm-budget years. [fraction]"""
        be = self.cash_break_even_year
        return float(np.mean((be >= 0) & (be < self.firm_budget_years)))

    @property
    def p_discounted_payback_within_firm_years(self) -> float:
        """Probability that the cumulative discounted net position turns (and stays) non-negative within
        the firm-budget years. [fraction]"""
        d = self.discounted_payback_year
        return float(np.mean((d >= 0) & (d < self.firm_budget_years)))


def check_draws(draws: object, seed: object) -> tuple[int, int]:
    """Validate the number of draws and the seed; one clear line if either is out of range."""
    if isinstance(draws, bool) or not isinstance(draws, (int, np.integer)):
        raise UsageError(f"must be a whole number between 1 and {MAX_DRAWS:,} (got {draws!r})", field="draws")
    if not 1 <= int(draws) <= MAX_DRAWS:
        raise UsageError(
            f"must be between 1 and {MAX_DRAWS:,} (got {int(draws):,}); "
            "10,000 draws give probabilities to within about ±1 percentage point",
            field="draws",
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise UsageError(f"must be a whole number between 0 and 2^63 - 1 (got {seed!r})", field="seed")
    return int(draws), int(seed)


def draw_values(inputs: Sequence[UncertainInput], n: int, rng: np.random.Generator) -> F:
    """(n, K) draws of the inputs, each from its distribution, clipped to its domain."""
    return _drawer(inputs)(n, rng)


def _drawer(inputs: Sequence[UncertainInput]) -> Callable[[int, np.random.Generator], F]:
    """``draw(n, rng)``: :func:`draw_values` with the inputs' parameters gathered once (per simulation,
    not per chunk)."""
    low = np.array([i.low for i in inputs], dtype=np.float64)
    central = np.array([i.central for i in inputs], dtype=np.float64)
    high = np.array([i.high for i in inputs], dtype=np.float64)
    dists = [i.distribution or "triangular" for i in inputs]
    bounds_low = np.array([i.domain_low for i in inputs], dtype=np.float64)
    bounds_high = np.array([i.domain_high for i in inputs], dtype=np.float64)
    integer = np.array([i.integer for i in inputs], dtype=bool)

    def draw(n: int, rng: np.random.Generator) -> F:
        return sample(
            rng, n, low, central, high, dists, bounds_low=bounds_low, bounds_high=bounds_high, integer=integer
        )

    return draw


def simulate(
    scenario: Scenario,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    *,
    optimism: OptimismSettings | None | bool = True,
    discount_rate_range: tuple[float, float] | None = None,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Simulation:
    """Monte Carlo of the Ten Year Test: ``draws`` joint draws of every ranged input (independent).

    Draws are generated and evaluated chunk by chunk (each chunk one batched call of the engine),
    from one ``numpy.random.Generator(PCG64(seed))``: the same seed gives identical output.
    """
    draws, seed = check_draws(draws, seed)
    c = compile_uncertainty(scenario, optimism, discount_rate_range=discount_rate_range)
    inputs = c.inputs
    rng = np.random.default_rng(seed)
    chunk = chunk_size or chunk_size_for(c.structure)
    n_a = len(c.agency_ids)
    npv = np.empty(draws)
    net_a = np.empty((draws, n_a))
    be = np.empty(draws, dtype=np.int64)
    dpay = np.empty(draws, dtype=np.int64)
    draw = _drawer(inputs)
    plan = values_plan(inputs)  # how each input reaches the engine, worked out once
    for start in range(0, draws, chunk):  # chunks of draws: memory stays bounded
        stop = min(draws, start + chunk)
        values = draw(stop - start, rng)
        res = npv_table(c, inputs, values, detail=True, chunk_size=chunk, plan=plan)
        npv[start:stop] = res.npv
        net_a[start:stop] = res.npv_by_agency
        be[start:stop] = res.cash_break_even_year
        dpay[start:stop] = res.discounted_payback_year
        if progress is not None:
            progress(stop, draws)
    central = measures(c.structure, c.params).npv  # the deterministic NPV (with any optimism corrections)
    return Simulation(
        draws,
        seed,
        c.agency_ids,
        inputs,
        float(central),
        c.structure.firm_budget_years,
        npv,
        net_a,
        be,
        dpay,
        c.optimism is not None,
    )


def histogram(values: F, bins: int = 40) -> tuple[F, F]:
    """Counts and bin edges of ``values`` (bins ≤ 200), for charts that must not see every draw."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo < 1.0:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=min(max(bins, 1), 200), range=(lo, hi))
    return counts.astype(np.float64), edges
