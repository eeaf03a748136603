"""Monte Carlo simulation of the Ten Year Test: joint draws of every ranged input (independent, or
correlated as the file declares: a Gaussian copula, :mod:`costmodel.inputs.correlation`), evaluated
chunk by chunk as batched calls of the engine (:mod:`costmodel.uncertainty.batch`).

Every probability and percentile comes with its Monte Carlo standard error
(:mod:`costmodel.uncertainty.precision`); with ``target_error`` the draws go on, block by block, until
the probability of passing is known to that precision or the cap on draws is reached."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.engine import MONEY_TOLERANCE, Params, Structure, measures
from ..errors import UsageError
from ..inputs.correlation import Copula, copula, declared_rank_matrix
from ..inputs.distributions import Sampler
from .batch import chunk_size_for, npv_into, values_plan
from .compile import OptimismSettings, UncertainInput, compile_uncertainty
from .limits import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS, TARGET_BLOCK
from .memory import result_rows
from .precision import percentile_standard_error, proportion_standard_error, stopping_standard_error

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

ChunkExtra = Callable[[Structure, Params, Mapping[str, F]], Mapping[str, F]]
"""More figures per draw from a chunk's batched engine inputs and the chunk's draws of the inputs that
move no engine array (the agreement's own terms, target ``pool_term``: input id -> (n,) values):
name -> array with the draws first (e.g. the pooled positions, :func:`costmodel.pooling.draws.pool_draws`)."""


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
    correlated: tuple[str, ...] = ()  # ids of the inputs drawn with a declared correlation
    target_error: float | None = None  # the standard error asked of the probability of passing [fraction]
    cap_reached: bool = False  # the draws stopped at the cap before reaching ``target_error``
    extras: Mapping[str, F] = field(default_factory=dict)  # more figures per draw (see ChunkExtra)
    first_year: int | None = None  # the appraisal's first financial year (year 0), for labels

    @property
    def p_passes(self) -> float:
        """Probability that the proposal passes the Ten Year Test (NPV ≥ 0). [fraction]"""
        return float(np.mean(self.npv >= -MONEY_TOLERANCE))

    @property
    def p_passes_se(self) -> float:
        """Monte Carlo standard error of :attr:`p_passes`. [fraction]"""
        return float(proportion_standard_error(self.p_passes, self.draws))

    @property
    def p_npv_positive_se(self) -> F:
        """(A,) Monte Carlo standard errors of :attr:`p_npv_positive`. [fraction]"""
        return proportion_standard_error(self.p_npv_positive, self.draws)

    def percentiles_se(self, qs: Sequence[float] = (5, 50, 95)) -> F:
        """Monte Carlo standard errors of :meth:`percentiles`. [£]"""
        return percentile_standard_error(self.npv, qs)

    def agency_percentiles_se(self, qs: Sequence[float] = (5, 50, 95)) -> F:
        """(len(qs), A) Monte Carlo standard errors of :meth:`agency_percentiles`. [£]"""
        return percentile_standard_error(self.npv_by_agency, qs)

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

    @property
    def p_cash_break_even_within_firm_years_se(self) -> float:
        return float(proportion_standard_error(self.p_cash_break_even_within_firm_years, self.draws))

    @property
    def p_discounted_payback_within_firm_years_se(self) -> float:
        return float(proportion_standard_error(self.p_discounted_payback_within_firm_years, self.draws))


def check_target_error(target: object) -> float:
    """A standard error to aim at: a number above 0 and below 0.5 (a probability's largest error). [fraction]"""
    if isinstance(target, bool) or not isinstance(target, (int, float, np.floating)):
        raise UsageError(f"must be a number such as 0.005 (got {target!r})", field="target_error")
    value = float(target)
    if not (np.isfinite(value) and 0 < value < 0.5):
        raise UsageError(
            f"must be above 0 and below 0.5, a standard error as a fraction: 0.005 is half a percentage "
            f"point (got {value:g})",
            field="target_error",
        )
    return value


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


def draw_values(
    inputs: Sequence[UncertainInput], n: int, rng: np.random.Generator, cop: Copula | None = None
) -> F:
    """(n, K) draws of the inputs, each from its distribution, clipped to its domain (correlated by
    ``cop``, :func:`input_copula`, if given)."""
    return _drawer(inputs, cop)(n, rng)


def input_copula(scenario: Scenario, inputs: Sequence[UncertainInput]) -> Copula | None:
    """The copula of the correlations ``scenario``'s file declares among ``inputs`` (None: none)."""
    declared = scenario.proposal.correlations
    if not declared:
        return None
    matrix = declared_rank_matrix(declared, [i.id for i in inputs], [i.high > i.low for i in inputs])
    cop = copula(matrix)
    return cop if cop.columns.size else None


def _drawer(inputs: Sequence[UncertainInput], cop: Copula | None = None) -> Callable[[int, np.random.Generator], F]:
    """``draw(n, rng)``: :func:`draw_values` with the inputs' parameters gathered, and the sampling worked
    out, once (per simulation, not per chunk: :class:`~costmodel.inputs.distributions.Sampler`)."""
    low = np.array([i.low for i in inputs], dtype=np.float64)
    central = np.array([i.central for i in inputs], dtype=np.float64)
    high = np.array([i.high for i in inputs], dtype=np.float64)
    dists = [i.distribution or "triangular" for i in inputs]
    bounds_low = np.array([i.domain_low for i in inputs], dtype=np.float64)
    bounds_high = np.array([i.domain_high for i in inputs], dtype=np.float64)
    integer = np.array([i.integer for i in inputs], dtype=bool)

    sampler = Sampler(
        low,
        central,
        high,
        dists,
        bounds_low=bounds_low,
        bounds_high=bounds_high,
        integer=integer,
        copula=cop,
    )

    def draw(n: int, rng: np.random.Generator) -> F:
        return sampler.draw(rng, n)

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
    target_error: float | None = None,
    extra: ChunkExtra | None = None,
) -> Simulation:
    """Monte Carlo of the Ten Year Test: ``draws`` joint draws of every ranged input (independent unless
    the file declares correlations).

    Draws are generated and evaluated chunk by chunk (each chunk one batched call of the engine),
    from one ``numpy.random.Generator(PCG64(seed))``: the same seed gives identical output.

    With ``target_error`` [fraction], ``draws`` is a cap: draws are made in blocks of
    :data:`~costmodel.uncertainty.limits.TARGET_BLOCK` until the standard error of the probability of
    passing (:func:`~costmodel.uncertainty.precision.stopping_standard_error`) is at most the target,
    or the cap is reached (``cap_reached``). The draws made are the first draws of a run of that many
    draws with the same seed, so the result equals ``simulate(scenario, sim.draws, seed)``.

    ``extra`` computes more figures from each chunk's batched engine inputs (kept in ``extras``).

    The agreement's own ranged terms (pool contributions, responsibility charges:
    :func:`~costmodel.uncertainty.compile.pool_term_inputs`) are drawn too, as inputs after the others
    (so they take part in the file's correlations); they do not move the whole proposal's NPV, only
    what ``extra`` computes from them.
    """
    draws, seed = check_draws(draws, seed)
    if target_error is not None:
        target_error = check_target_error(target_error)
    c = compile_uncertainty(scenario, optimism, discount_rate_range=discount_rate_range, pool_terms=True)
    inputs = c.inputs
    terms = [(k, inp.id) for k, inp in enumerate(inputs) if inp.target == "pool_term"]
    rng = np.random.default_rng(seed)
    chunk = chunk_size or chunk_size_for(c.structure)
    n_a = len(c.agency_ids)
    npv = result_rows(draws)  # np.empty in 4 KB pages (no stall for huge pages while the draws are written)
    net_a = result_rows((draws, n_a))
    be = result_rows(draws, np.int64)
    dpay = result_rows(draws, np.int64)
    cop = input_copula(scenario, inputs)
    draw = _drawer(inputs, cop)
    plan = values_plan(inputs)  # how each input reaches the engine, worked out once
    extras: dict[str, list[F]] = {}
    # with a target: stop at the end of a block once the probability of passing is precise enough
    block = draws if target_error is None else TARGET_BLOCK
    done = 0
    while done < draws:
        block_end = min(draws, done + block)
        for start in range(done, block_end, chunk):  # chunks of draws: memory stays bounded
            stop = min(block_end, start + chunk)
            values = draw(stop - start, rng)
            out = (npv[start:stop], net_a[start:stop], be[start:stop], dpay[start:stop])
            engine = npv_into(c, inputs, values, out, plan=plan)  # one batched evaluation of the chunk
            if extra is not None:  # more figures from the same engine inputs
                for name, arr in extra(*engine, {i: values[:, k] for k, i in terms}).items():
                    extras.setdefault(name, []).append(np.asarray(arr, dtype=np.float64))
            if progress is not None:
                progress(stop, draws)
        done = block_end
        if target_error is not None:
            passes = int(np.count_nonzero(npv[:done] >= -MONEY_TOLERANCE))
            if stopping_standard_error(passes, done) <= target_error:
                break
    cap_reached = target_error is not None and stopping_standard_error(
        int(np.count_nonzero(npv[:done] >= -MONEY_TOLERANCE)), done
    ) > target_error
    central = measures(c.structure, c.params).npv  # the deterministic NPV (with any optimism corrections)
    correlated = tuple(inputs[k].id for k in cop.columns.tolist()) if cop is not None else ()
    return Simulation(
        done,
        seed,
        c.agency_ids,
        inputs,
        float(central),
        c.structure.firm_budget_years,
        npv[:done],
        net_a[:done],
        be[:done],
        dpay[:done],
        c.optimism is not None,
        correlated,
        target_error,
        cap_reached,
        {name: np.concatenate(parts) for name, parts in extras.items()},
        c.structure.first_year,
    )


def histogram(values: F, bins: int = 40) -> tuple[F, F]:
    """Counts and bin edges of ``values`` (bins ≤ 200), for charts that must not see every draw."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo < 1.0:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=min(max(bins, 1), 200), range=(lo, hi))
    return counts.astype(np.float64), edges
