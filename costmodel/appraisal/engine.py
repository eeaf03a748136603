"""The Ten Year Test engine: pure, vectorised numpy over (batch ×) years × agencies × lines.

Layout, in the style of pvlib:

* pure functions over arrays (:func:`persistence_profile`,
  :func:`additionality_factor`, :func:`intake_convolution`, :func:`evaluate`, :func:`first_year_staying_nonnegative`);
* :func:`compile_scenario` turns a resolved :class:`~costmodel.inputs.loading.Scenario` into a fixed
  :class:`Structure` and central :class:`Params` (all money already in price-base-year prices);
* :func:`summarise` reduces the flows to the headline figures of a :class:`TenYearTest`; the thin
  orchestrator :func:`costmodel.appraisal.chain.appraise` runs the steps in order and adds the verdict.

Every function broadcasts over optional leading batch axes (``*B``), so the same code evaluates one
central case or a chunk of Monte Carlo draws. There is no Python loop over years or draws.

Outcome arithmetic, for outcome *o*, intake year *s*, appraisal year *t*, agency *a*::

    intake[s]      = cohort                      while intake_start <= s <= intake_end, else 0
    profile[j]     = (1 - drop_off) ** (j - lag)  for lag <= j < lag + persistence, else 0
    gross[t]       = baseline_rate * effect * sum_s intake[s] * profile[t - s]        [events]
    net[t]         = gross[t] * (1 - deadweight) * (1 - displacement) * (1 - attribution)
                                * (1 - optimism_bias)                                    [events]
    saving[t, a]   = net[t] * unit_cost[a]                                             [£]
    cashable[t, a] = saving[t, a] * cashable_share   once t >= intake_start + lag + cashable_delay

For a cut every flow changes sign: the cut budget's "cost" is negative (money released) and the
outcome "savings" are negative (acute demand added). A cut budget is released over time by its release
profile (share released in each year, :func:`release_shares`); a cut's closure costs (redundancy,
contract exit, buildings) are one-off spending, kept positive: their rows of ``cost_shape`` carry -1, so
the cut's sign makes them costs. :class:`CutView` reports money released, closure costs and the costs
shunted onto other budget holders separately.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypeVar, dataclass_transform

import numpy as np
from numpy.typing import NDArray

from ..errors import ComputationError
from ..inputs.loading import load_reference
from ..inputs.registry import Entry, outcome_entries
from .discounting import appraisal_rates, discount_factors, nominal_to_real, price_conversion_factor

if TYPE_CHECKING:
    from ..inputs.loading import Scenario
    from ..inputs.models import ClosureCost, CostLine, SavingsLine

F = NDArray[np.float64]

MONEY_TOLERANCE = 0.005
"""Half a penny [£]: cumulative positions within this of zero count as break-even."""


# ---------------------------------------------------------------------------------------------
# Pure array functions
# ---------------------------------------------------------------------------------------------


LONG_HORIZON_YEARS = 30
"""Horizons longer than this [years] build the persistence profile by a running product and convolve it
with the intake years by differences of running sums: time and memory grow with years, not years².
Up to it, powers and a (years × years) product: the arithmetic of every figure published so far,
kept bit for bit (the two agree to rounding; tests/test_engine.py)."""


def persistence_profile(lag: F, persistence: F, drop_off: F, n_years: int) -> F:
    """Share of a year's intake effect still present j years after intake, j = 0..n_years-1. [fraction]

    Parameters
    ----------
    lag : array (*B, O)
        Years before the effect starts. [years]
    persistence : array (*B, O)
        Years the effect lasts. [years]
    drop_off : array (*B, O)
        Share of the remaining effect lost each year after the first. [fraction]
    n_years : int
        Length of the profile. [years]

    Returns
    -------
    array (*B, O, n_years)
    """
    lag = np.asarray(lag, dtype=np.float64)
    persistence = np.asarray(persistence, dtype=np.float64)
    keep = 1.0 - np.asarray(drop_off, dtype=np.float64)[..., None]
    if n_years > LONG_HORIZON_YEARS:
        # keep ** since by a running product (one multiply per year), over the years an effect can reach;
        # every later year is an exact zero (inactive), so the running product stops there
        support = effect_support(lag, persistence, n_years)
        since = np.arange(support, dtype=np.float64) - lag[..., None]
        active = (since >= 0) & (since < persistence[..., None])
        out = np.zeros((*broadcast_shape(lag.shape, persistence.shape, keep.shape[:-1]), n_years))
        out[..., :support] = np.where(active, np.cumprod(np.where(since > 0, keep, 1.0), axis=-1), 0.0)
        return out
    # keep ** since only in the active years (elementwise, so the same bits as powers of every year
    # selected by np.where(active, keep ** max(since, 0), 0.0)), 0.0 elsewhere. since and active are laid
    # out years-first in memory (views with the years last), so their broadcasts run along the draws, not
    # along a few years per (draw, outcome) row; each element the same subtraction and comparisons
    shape = broadcast_shape(lag.shape, persistence.shape, keep.shape[:-1])
    size = math.prod(shape)
    years_last = (*range(1, len(shape) + 1), 0)
    since_first = np.empty((n_years, *shape))
    since = since_first.transpose(years_last)  # (*B, O, n_years)
    np.subtract(np.arange(n_years, dtype=np.float64), lag[..., None], out=since)
    active_first = np.empty((n_years, *shape), dtype=bool)
    active = active_first.transpose(years_last)
    within = np.empty((n_years, *shape), dtype=bool).transpose(years_last)
    np.greater_equal(since, 0, out=active)
    np.less(since, persistence[..., None], out=within)
    np.logical_and(active, within, out=active)
    on = np.flatnonzero(active_first)  # year * size + cell
    year = on // size if size else on
    cell = on - year * size
    rows = keep[..., 0] if keep.shape[:-1] == shape else np.broadcast_to(keep[..., 0], shape)
    rows = np.ascontiguousarray(rows).reshape(-1)
    out = np.zeros((*shape, n_years))
    out.reshape(-1)[cell * n_years + year] = rows.take(cell) ** since_first.reshape(-1).take(on)
    return out


def effect_support(lag: F, persistence: F, n_years: int) -> int:
    """Years after intake within which any effect can fall [years]: the persistence profile of
    :func:`persistence_profile` is exactly zero from this year on (every ``since = j - lag`` there is at
    least ``persistence``). At most ``n_years``; ``n_years`` when a lag or persistence is not finite."""
    reach = np.asarray(lag, dtype=np.float64) + np.asarray(persistence, dtype=np.float64)
    if reach.size == 0:
        return 0
    furthest = float(np.max(reach))
    if not math.isfinite(furthest):
        return n_years
    # one year of margin over floor(lag + persistence) covers the rounding of j - lag
    return int(min(n_years, max(0.0, math.floor(furthest) + 2.0)))


def additionality_factor(deadweight: F, displacement: F, attribution: F, optimism_bias: F) -> F:
    """Share of the gross change that is additional and credited to the proposal. [fraction]

    Applied in the documented order deadweight → displacement → attribution → optimism bias, each
    multiplying what remains by (1 - rate) (SROI guide; HCA/BIS additionality guide). Being a
    product, the order does not change the result.
    """
    return (1.0 - deadweight) * (1.0 - displacement) * (1.0 - attribution) * (1.0 - optimism_bias)


def first_year_staying_nonnegative(cumulative: F, tolerance: float = MONEY_TOLERANCE) -> NDArray[np.int64]:
    """Index of the first year from which ``cumulative`` stays ≥ 0 to the end, or -1 if it never does.

    ``cumulative`` has shape (..., T); returns (...,). The rule is
    :func:`first_year_staying_nonnegative_years_first`'s, read through a view with the years first.
    """
    cumulative = np.asarray(cumulative)
    return first_year_staying_nonnegative_years_first(np.moveaxis(cumulative, -1, 0), tolerance)


def _shape(x: F) -> tuple[int, ...]:
    """``np.shape(x)``, read straight from an array (np.shape is a Python wrapper around the same)."""
    return x.shape if isinstance(x, np.ndarray) else np.shape(x)


def broadcast_shape(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """``np.broadcast_shapes(*shapes)`` for a few short shapes, in plain Python (numpy's builds arrays to
    find it, a few microseconds each time: the Monte Carlo's chunk path asks a dozen times per chunk).
    Raises ValueError when the shapes do not broadcast, as numpy does.

    >>> broadcast_shape((4, 1, 3), (2, 1), ())
    (4, 2, 3)
    """
    if len(shapes) == 2 and shapes[0] == shapes[1]:
        return tuple(shapes[0])
    ndim = max((len(shape) for shape in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for k, size in enumerate(shape, start=ndim - len(shape)):
            if size != 1 and size != out[k]:
                if out[k] != 1:
                    raise ValueError(f"shapes {shapes} do not broadcast to one shape")
                out[k] = size
    return tuple(out)


def first_year_staying_nonnegative_years_first(cumulative: F, tolerance: float = MONEY_TOLERANCE) -> NDArray[np.int64]:
    """:func:`first_year_staying_nonnegative` of positions laid out years-first, ``cumulative`` (T, ...) ->
    (...): the year after the last year below ``-tolerance`` (NaN counts as below), found as the largest
    (year + 1) over the years below by one maximum over the years (each year a contiguous row of draws,
    not one argmax per draw); T (the last year is below) means -1, 0 that none is."""
    n = cumulative.shape[0]
    below = cumulative >= -tolerance
    np.logical_not(below, out=below)
    years = np.arange(1, n + 1, dtype=np.min_scalar_type(n)).reshape(n, *([1] * (cumulative.ndim - 1)))
    after = np.maximum.reduce(np.multiply(below.view(np.uint8), years), axis=0, initial=0)
    first = np.asarray(after, dtype=np.int64)
    np.copyto(first, -1, where=after == n)
    return first


def first_year_true(flags: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Index of the first True along the last axis, or -1."""
    return np.where(flags.any(axis=-1), np.argmax(flags, axis=-1), -1).astype(np.int64)


# ---------------------------------------------------------------------------------------------
# Compiled scenario
# ---------------------------------------------------------------------------------------------

R = TypeVar("R")


def _set_once(self: Any, name: str, value: Any) -> None:
    if name in self.__dict__ or name not in self.__dataclass_fields__:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")
    object.__setattr__(self, name, value)


def _no_delete(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _fields_repr(self: Any) -> str:
    return f"{type(self).__qualname__}({', '.join(f'{f.name}={getattr(self, f.name)!r}' for f in fields(self) if f.repr)})"


@dataclass_transform(eq_default=False, frozen_default=True, field_specifiers=(field,))
def record(cls: type[R]) -> type[R]:
    """A read-only dataclass of arrays: the engine's compiled scenario, flows and results.

    As ``dataclass(frozen=True, eq=False)`` (mypy reads it so): ``__init__`` sets each field once and
    nothing can assign or delete one afterwards (:class:`~dataclasses.FrozenInstanceError`). What it saves,
    for each such class, when the module is imported (together ~2.5% of a cold run's instructions under
    callgrind, most of what importing this module cost):

    * writing and compiling a ``__setattr__`` and a ``__delattr__`` for it (frozen=True does; these two
      functions serve them all);
    * writing and compiling an ``__eq__`` and a ``__hash__``: comparing these records field by field would
      ask numpy arrays for one truth value, an error, so no code compares them; they compare, and
      hash, as objects;
    * writing and compiling a ``__repr__``: one function writes the same text as dataclass's for each.
    """
    cls = dataclass(eq=False, repr=False)(cls)
    cls.__setattr__ = _set_once  # type: ignore[assignment]
    cls.__delattr__ = _no_delete  # type: ignore[assignment]
    cls.__repr__ = _fields_repr  # type: ignore[assignment]
    return cls


@record
class Structure:
    """Fixed shape of a compiled scenario (what does not vary between draws)."""

    n_years: int
    first_year: int
    firm_budget_years: int
    price_base_year: int
    sign: float  # +1 new spending, -1 cut
    agency_ids: tuple[str, ...]
    cost_line_ids: tuple[str, ...]
    outcome_ids: tuple[str, ...]
    cost_shape: F  # (L, T): amount multiplier per year (growth, timing) [ratio]
    cost_payer: F  # (L, A) one-hot payer
    intake_mask: F  # (O, T) 1 in intake years
    intake_start: F  # (O,) [years]
    savings_line_ids: tuple[str, ...] = ()
    savings_shape: F = field(default_factory=lambda: np.zeros((0, 0)))  # (S, T) [ratio, base prices]
    savings_holder: F = field(default_factory=lambda: np.zeros((0, 0)))  # (S, A) one-hot budget holder
    savings_cash: F = field(default_factory=lambda: np.zeros((0, 0)))  # (S, T) cashable share by year
    # (S, 2) one-hot [economic, social] for savings lines beyond public budgets (fiscal lines: zeros;
    # they land on savings_holder instead)
    savings_layer: F = field(default_factory=lambda: np.zeros((0, 2)))
    discount_offset: int = 0  # first_year - discount year [years]
    cash_factor: F = field(default_factory=lambda: np.zeros(0))  # (T,) D[year_t] / D[base] [ratio]
    closure_lines: int = 0  # the last closure_lines cost lines are a cut's closure costs [count]

    # worked out once per structure, not once per chunk of draws
    @cached_property
    def intake_toeplitz(self) -> F:
        """(O, T, T) each outcome's Toeplitz matrix of its intake pattern (:func:`intake_convolution`)."""
        return _toeplitz(self.intake_mask)

    @cached_property
    def intake_runs(self) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
        """:func:`intake_windows` of the intake pattern, for horizons beyond LONG_HORIZON_YEARS (else None)."""
        return intake_windows(self.intake_mask) if self.n_years > LONG_HORIZON_YEARS else None


@record
class Params:
    """Numeric inputs that may vary (central values, or draws with leading batch axes)."""

    cost_amount: F  # (*B, L) [£ price base; per year for recurring]
    cohort: F  # (*B, O) [people per year]
    baseline_rate: F  # (*B, O) [fraction]
    effect: F  # (*B, O) [fraction]
    lag: F  # (*B, O) [years]
    persistence: F  # (*B, O) [years]
    drop_off: F  # (*B, O) [fraction]
    deadweight: F  # (*B, O) [fraction]
    displacement: F  # (*B, O) [fraction]
    attribution: F  # (*B, O) [fraction]
    optimism_bias: F  # (*B, O) [fraction]
    cashable_share: F  # (*B, O) [fraction]
    cashable_delay: F  # (*B, O) [years]
    unit_cost: F  # (*B, O, A) [£ per event, price base]
    rates: F  # (*B, T) discount rate per year [fraction]
    savings_amount: F = field(default_factory=lambda: np.zeros(0))  # (*B, S) [£ base prices, per year]
    # value layers beyond public budgets (empty: none). Economic and social £ values are discounted at
    # ``rates``; wellbeing (WELLBYs, QALYs valued in £) at ``health_rates`` only
    economic_value: F = field(default_factory=lambda: np.zeros(0))  # (*B, O) [£ per event, price base]
    social_value: F = field(default_factory=lambda: np.zeros(0))  # (*B, O) [£ per event, price base]
    wellbeing_value: F = field(default_factory=lambda: np.zeros(0))  # (*B, O) [£ per event, price base]
    health_rates: F = field(default_factory=lambda: np.zeros(0))  # (*B, T) health discount rate [fraction]


@record
class Flows:
    """Real (undiscounted) flows by year and agency, and the discount factors. Shapes (*B, T, A)."""

    costs: F  # prevention spending [£]
    savings: F  # acute costs avoided, after additionality [£]
    cashable: F  # the part of savings that can be released from budgets [£]
    events: F  # (*B, O, T) net events avoided (added, for a cut) [events]
    savings_by_outcome: F  # (*B, O, T) savings summed over agencies [£]
    factors: F  # (*B, T) discount factors [fraction]
    gross_savings: F | None = None  # (*B, T, A) savings before additionality adjustments [£]
    layers: LayerFlows | None = None  # economic and social value by year (None: no outcome carries any)

    @property
    def net(self) -> F:
        return self.savings - self.costs


def release_shares(
    start_year: int, n_years: int, *, shares: Sequence[float] | None = None, ramp_years: F | float | None = None
) -> F:
    """Share of a cut line's full amount released in each appraisal year, (*B, n_years). [fraction]

    ``shares`` gives the share in each year from ``start_year`` in order, all of it after the last;
    ``ramp_years`` (*B,) a ramp in equal steps: (k + 1) / (ramp_years + 1) in year k after
    ``start_year``, all of it from year ``ramp_years`` (0: all at once). Neither: all of it at once.
    Before ``start_year`` the share is 1 (the line's own timing is 0 there).
    """
    since = np.arange(n_years, dtype=np.float64) - start_year  # (T,) [years]
    if shares is not None:
        given = np.asarray(shares, dtype=np.float64)
        k = np.clip(since, 0, len(given) - 1).astype(np.int64)
        return np.where((since >= 0) & (since < len(given)), given[k], 1.0)
    if ramp_years is not None:
        ramp = np.asarray(ramp_years, dtype=np.float64)[..., None]
        return np.where(since >= 0, np.minimum(1.0, (since + 1.0) / (ramp + 1.0)), 1.0)
    return np.ones(n_years)


def line_release(line: CostLine, n_years: int) -> F:
    """A cut line's release shares by year (n_years,) from its ``release_profile`` (all at once if none). [fraction]"""
    rp = line.release_profile
    if rp is None:
        return np.ones(n_years)
    if rp.shares is not None:
        return release_shares(line.start_year, n_years, shares=rp.shares.values)
    assert rp.ramp_years is not None
    return release_shares(line.start_year, n_years, ramp_years=float(rp.ramp_years.value))


def closure_profile(cc: ClosureCost, index: dict[int, float], base: int, first_year: int, T: int) -> tuple[float, F]:
    """Amount [£, base prices] and yearly multiplier [ratio] of a cut's closure cost: -1 in its year (the
    cut's sign then makes it a cost), times the cash-to-real conversion for a nominal amount."""
    money = cc.amount
    row = np.zeros(T)
    if cc.year < T:
        row[cc.year] = -1.0
    if money.prices == "nominal":
        return money.value, row * nominal_to_real(index, first_year + np.arange(T), base)
    return money.value * price_conversion_factor(index, money.real_price_year, base), row


@record
class LayerFlows:
    """Value beyond public budgets by year, real (undiscounted), with its discount factors. Shapes (*B, T).

    ``social`` includes ``wellbeing`` (the WELLBY/QALY part), which alone is discounted at
    ``health_factors`` (the Green Book health rate); the rest of both layers at the standard factors.
    """

    economic: F  # output and earnings [£]
    social: F  # harm avoided and wellbeing, all of it [£]
    wellbeing: F  # the part of ``social`` valued in WELLBYs or QALYs [£]
    health_factors: F  # (*B, T) discount factors at the health rate [fraction]


def layer_present_values(layers: LayerFlows | None, factors: F) -> tuple[F, F]:
    """Present values of the economic and social layers, (*B,) each. [£]

    pv_economic = sum_t economic[t] * DF[t]
    pv_social   = sum_t (social[t] - wellbeing[t]) * DF[t] + sum_t wellbeing[t] * DF_health[t]
    """
    if layers is None:
        z = np.zeros(np.shape(factors)[:-1])
        return z, z.copy()
    pv_economic = np.sum(layers.economic * factors, axis=-1)
    pv_social = np.sum((layers.social - layers.wellbeing) * factors, axis=-1) + np.sum(
        layers.wellbeing * layers.health_factors, axis=-1
    )
    return pv_economic, pv_social


def active_years(start: int, end: int | None, n_years: int) -> tuple[F, F]:
    """A recurring line's timing: 1.0 in the years ``start``..``end`` (default: the last year), else 0.0,
    and the years since ``start`` (0 before it), the exponent of its growth. Both (n_years,). [years]"""
    t = np.arange(n_years, dtype=np.float64)
    last = end if end is not None else n_years - 1
    active = ((t >= start) & (t <= last)).astype(np.float64)
    return active, np.maximum(t - start, 0.0)


@record
class UnitCostTerm:
    """One outcome's use of a unit cost, in price-base prices (times any benefit factor)."""

    outcome: int  # outcome index
    use: int  # index among the outcome's unit costs
    unit_cost: str  # unit-cost id
    per_event: float  # units per event [units per event]
    by_agency: F  # (A,) £ per unit by agency [£ per unit, price base]


def unit_cost_table(
    scenario: Scenario, benefit_factors: dict[tuple[int, int], float] | None = None
) -> tuple[F, list[UnitCostTerm]]:
    """Each outcome's £ per event by agency, (O, A), and the uses it sums.

    ``unit[o, a]`` adds, over the outcome's unit costs and their bearers in file order, units per event
    × the bearer's £ per unit × the price conversion × the use's benefit factor (1 unless given, e.g. an
    optimism-bias correction keyed by (outcome index, use index)).
    """
    p = scenario.proposal
    base = p.appraisal.price_base_year
    index = scenario.deflator.index
    aidx = {a.id: i for i, a in enumerate(scenario.agencies)}
    unit = np.zeros((len(p.outcomes), len(aidx)))
    uses: list[UnitCostTerm] = []
    for o, oc in enumerate(p.outcomes):
        for j, use in enumerate(oc.unit_costs):
            uc = scenario.unit_costs[use.unit_cost]
            per = use.per_event.value if use.per_event is not None else 1.0
            k = price_conversion_factor(index, uc.price_year, base)
            f = benefit_factors.get((o, j), 1.0) if benefit_factors else 1.0
            vec = np.zeros(len(aidx))
            for b in uc.bearers:
                unit[o, aidx[b.agency]] += per * b.value * k * f  # × 1.0 is exact
                vec[aidx[b.agency]] += b.value * k * f
            uses.append(UnitCostTerm(o, j, use.unit_cost, float(per), vec))
    return unit, uses


def outcome_columns(outcomes: Sequence[Any]) -> dict[str, F]:
    """The outcome columns of :class:`Params`, (O,) each, read from the input registry
    (:mod:`costmodel.inputs.registry`): each entry sets its ``Params`` field, or multiplies it."""

    def column(e: Entry) -> F:
        return np.array(
            [float(q.value) if (q := getattr(oc, e.key, None)) is not None else e.default for oc in outcomes],
            dtype=np.float64,
        )

    entries = outcome_entries()
    columns = {e.applies: column(e) for e in entries if e.role == "sets"}
    for e in entries:
        if e.role == "scales":
            columns[e.applies] = columns[e.applies] * column(e)
    return columns


def compile_scenario(
    scenario: Scenario, benefit_factors: dict[tuple[int, int], float] | None = None
) -> tuple[Structure, Params]:
    """Turn a resolved scenario into array form, converting every amount to price-base prices.

    ``benefit_factors`` multiplies a unit-cost use's £ per event (see :func:`unit_cost_table`).
    """
    p = scenario.proposal
    ap = p.appraisal
    T = ap.horizon_years
    agencies = [a.id for a in scenario.agencies]
    aidx = {a: i for i, a in enumerate(agencies)}
    index = scenario.deflator.index
    base = ap.price_base_year
    t = np.arange(T, dtype=np.float64)

    closures = p.closure_costs if p.kind == "cut" else []
    n_lines = len(p.prevention_costs)
    L = n_lines + len(closures)
    shape = np.zeros((L, T))
    amount = np.zeros(L)
    payer = np.zeros((L, len(agencies)))
    for i, line in enumerate(p.prevention_costs):
        payer[i, aidx[line.paid_by]] = 1.0
        amount[i], shape[i] = line_profile(line, index, base, ap.first_year, T)
        if p.kind == "cut" and line.release_profile is not None:
            shape[i] = shape[i] * line_release(line, T)
    for k, cc in enumerate(closures):
        payer[n_lines + k, aidx[cc.paid_by]] = 1.0
        amount[n_lines + k], shape[n_lines + k] = closure_profile(cc, index, base, ap.first_year, T)

    S = len(p.savings)
    s_shape = np.zeros((S, T))
    s_amount = np.zeros(S)
    s_holder = np.zeros((S, len(agencies)))
    s_cash = np.zeros((S, T))
    s_layer = np.zeros((S, 2))
    for i, sl in enumerate(p.savings):
        s_amount[i], s_shape[i] = line_profile(sl, index, base, ap.first_year, T)
        if sl.saved_by is None:  # an economic or social line: no budget holder, never cash
            s_layer[i, 0 if sl.layer == "economic" else 1] = 1.0
            continue
        s_holder[i, aidx[sl.saved_by]] = 1.0
        share = sl.cashable_share.value if sl.cashable_share is not None else 1.0
        s_cash[i] = share * (t >= sl.start_year + sl.cashable_delay_years)
    calendar = ap.first_year + np.arange(T)
    offset = ap.first_year - ap.discount_origin

    n_outcomes = len(p.outcomes)
    intake_mask = np.zeros((n_outcomes, T))
    for o, oc in enumerate(p.outcomes):
        end = oc.intake_end_year if oc.intake_end_year is not None else T - 1
        intake_mask[o] = ((t >= oc.intake_start_year) & (t <= end)).astype(np.float64)
    unit, _ = unit_cost_table(scenario, benefit_factors)

    structure = Structure(
        n_years=T,
        first_year=ap.first_year,
        firm_budget_years=ap.firm_budget_years,
        price_base_year=base,
        sign=1.0 if p.kind == "new_spending" else -1.0,
        agency_ids=tuple(agencies),
        cost_line_ids=tuple(line.id for line in p.prevention_costs) + tuple(cc.id for cc in closures),
        outcome_ids=tuple(oc.id for oc in p.outcomes),
        cost_shape=shape,
        cost_payer=payer,
        intake_mask=intake_mask,
        intake_start=np.array([float(oc.intake_start_year) for oc in p.outcomes]),
        savings_line_ids=tuple(sl.id for sl in p.savings),
        savings_layer=s_layer,
        savings_shape=s_shape,
        savings_holder=s_holder,
        savings_cash=s_cash,
        discount_offset=offset,
        cash_factor=1.0 / nominal_to_real(index, calendar, base),
        closure_lines=len(closures),
    )
    params = Params(
        cost_amount=amount,
        unit_cost=unit,
        rates=appraisal_rates([(b.from_year, b.rate) for b in scenario.schedule.bands], T, offset),
        savings_amount=s_amount,
        **outcome_columns(p.outcomes),
        **layer_columns(scenario, benefit_factors, offset),
    )
    return structure, params


def layer_columns(
    scenario: Scenario, benefit_factors: dict[tuple[int, int], float] | None, offset: int
) -> dict[str, F]:
    """The value-layer fields of :class:`Params` (none when no unit cost the outcomes use carries an
    economic, social or wellbeing value, so those appraisals run exactly as before):

    economic_value[o]  = sum_j per_event[o, j] * economic £[j] * k[j] * f[o, j]            [£ per event]
    social_value[o]    = sum_j per_event[o, j] * social £[j] * k[j] * f[o, j]              [£ per event]
    wellbeing_value[o] = sum_j per_event[o, j] * measure per unit[j] * £ per measure * k_m * f[o, j]

    with k the price conversion to the price base (HMT GDP deflator), f the use's benefit factor (1
    unless an optimism-bias correction is given), k_m the conversion of the measure's Green Book value
    (WELLBY, QALY) from its price year; ``health_rates`` is the schedule those values name (the health
    rate), by appraisal year.
    """
    p = scenario.proposal
    used = [scenario.unit_costs[u.unit_cost] for oc in p.outcomes for u in oc.unit_costs]
    if not any(uc.economic or uc.social or uc.wellbeing is not None for uc in used):
        return {}
    ref = load_reference()
    values = {v.id: v for v in ref.appraisal_values}
    base = p.appraisal.price_base_year
    index = scenario.deflator.index
    n_outcomes = len(p.outcomes)
    economic = np.zeros(n_outcomes)
    social = np.zeros(n_outcomes)
    wellbeing = np.zeros(n_outcomes)
    schedule_id: str | None = None
    for o, oc in enumerate(p.outcomes):
        for j, use in enumerate(oc.unit_costs):
            uc = scenario.unit_costs[use.unit_cost]
            per = use.per_event.value if use.per_event is not None else 1.0
            f = benefit_factors.get((o, j), 1.0) if benefit_factors else 1.0
            k = price_conversion_factor(index, uc.price_year, base)
            economic[o] += per * uc.economic_value * k * f
            social[o] += per * uc.social_value * k * f
            if uc.wellbeing is not None:
                v = values[uc.wellbeing.measure]
                k_m = price_conversion_factor(index, v.price_year, base)
                wellbeing[o] += per * uc.wellbeing.per_unit * v.value * k_m * f
                schedule_id = v.discount_schedule
    columns = {"economic_value": economic, "social_value": social, "wellbeing_value": wellbeing}
    if schedule_id is not None:  # the health rate, only for WELLBY and QALY values
        health = {sch.id: sch for sch in ref.discount_schedules}[schedule_id]
        bands = [(b.from_year, b.rate) for b in health.bands]
        columns["health_rates"] = appraisal_rates(bands, p.appraisal.horizon_years, offset)
    return columns


def line_profile(
    line: CostLine | SavingsLine, index: dict[int, float], base: int, first_year: int, T: int
) -> tuple[float, F]:
    """Amount [£, base prices] and yearly multiplier [ratio] of a cost or savings line over T years.

    A real amount is converted once (``D[base] / D[price_year]``); a nominal (cash) amount is converted
    year by year (``D[base] / D[year spent]``, Green Book 2022 Table 1), so its multiplier carries the
    conversion; a by-year series carries its amounts in the multiplier (amount 1).
    """
    t = np.arange(T, dtype=np.float64)
    row = np.zeros(T)
    to_real = nominal_to_real(index, first_year + np.arange(T), base)  # (T,) cash -> base prices
    if line.by_year is not None:
        by = line.by_year
        n = len(by.values)
        years = first_year + line.start_year + np.arange(n)
        if by.prices == "nominal":
            k = nominal_to_real(index, np.minimum(years, max(index)), base)
        elif by.price_years is not None:
            k = nominal_to_real(index, by.price_years, base)
        else:
            k = np.full(n, price_conversion_factor(index, by.real_price_year, base))
        vals = np.asarray(by.values, dtype=np.float64) * k
        stop = min(T, line.start_year + n)
        if stop > line.start_year:
            row[line.start_year : stop] = vals[: stop - line.start_year]
        return 1.0, row
    money = line.amount
    assert money is not None
    nominal = money.prices == "nominal"
    amount = money.value * (1.0 if nominal else price_conversion_factor(index, money.real_price_year, base))
    if line.kind == "recurring":
        end = line.end_year if line.end_year is not None else T - 1
        g = line.growth.value if line.growth is not None else 0.0
        active = (t >= line.start_year) & (t <= end)
        row = np.where(active, (1.0 + g) ** np.maximum(t - line.start_year, 0), 0.0)
    elif line.start_year < T:
        row[line.start_year] = 1.0
    return amount, row * to_real if nominal else row


def intake_windows(intake_mask: F) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
    """First and last intake year of each outcome (O,), if every outcome's intake is one run of whole
    years (an outcome without intake gets an empty run); None otherwise."""
    n_outcomes, T = intake_mask.shape
    on = intake_mask != 0.0
    first = np.where(on.any(axis=-1), np.argmax(on, axis=-1), T)
    last = np.where(on.any(axis=-1), T - 1 - np.argmax(on[:, ::-1], axis=-1), T - 1)
    t = np.arange(T)
    window = (t >= first[:, None]) & (t <= last[:, None])
    if not np.array_equal(intake_mask, window.astype(np.float64)):
        return None
    return first.astype(np.int64), last.astype(np.int64)


def intake_convolution(profile: F, intake_mask: F, support: int | None = None) -> F:
    """Effects in year t per person of yearly intake: ``sum_s intake_mask[o, s] * profile[..., o, t - s]``.

    ``profile`` (*B, O, T), ``intake_mask`` (O, T); returns (*B, O, T). ``support``, if given, says the
    profile is zero from that year on (:func:`effect_support`), so running sums stop there. Up to
    :data:`LONG_HORIZON_YEARS`, one stacked matrix product with each outcome's (T, T) Toeplitz matrix
    of the intake pattern; beyond, for intakes that are runs of years, the difference of two running
    sums of the profile (the sum over the intake run), so the cost grows with T, not T².
    """
    n_outcomes, T = intake_mask.shape
    batch = profile.shape[:-2]
    windows = intake_windows(intake_mask) if T > LONG_HORIZON_YEARS else None
    if windows is not None:
        return _convolve_runs(profile, windows, support, -2)
    by_outcome = np.moveaxis(profile.reshape(math.prod(batch), n_outcomes, T), 1, 0)  # (O, N, T)
    convolved = np.moveaxis(_convolve_by_outcome(by_outcome, _toeplitz(intake_mask)), 0, 1)  # (N, O, T)
    return convolved.reshape(*batch, n_outcomes, T)


def _convolve_by_outcome(by_outcome: F, toeplitz: F) -> F:
    """:func:`intake_convolution`'s matrix product on an outcome-major profile (O, N, T): one stacked
    product (O, N, T) @ (O, T, T) with each outcome's Toeplitz matrix of its intake pattern (:func:`_toeplitz`)."""
    return by_outcome @ toeplitz.transpose(0, 2, 1)


def _toeplitz(intake_mask: F) -> F:
    """Each outcome's Toeplitz matrix of its intake pattern, ``[o, t, j] = intake_mask[o, t - j]`` for
    j <= t, else 0: (O, T, T). [fraction]"""
    T = intake_mask.shape[-1]
    lagidx = np.arange(T)[:, None] - np.arange(T)[None, :]  # (T, T): t - j
    return np.where(lagidx >= 0, intake_mask[..., np.clip(lagidx, 0, T - 1)], 0.0)  # (O, T, T)


def _convolve_runs(
    profile: F, windows: tuple[NDArray[np.int64], NDArray[np.int64]], support: int | None, axis: int
) -> F:
    """:func:`intake_convolution` for intakes that are runs of whole years (``windows``: first and last
    intake year of each outcome), by differences of running sums; ``axis`` is the profile's outcome axis
    (-2 for (*B, O, T), 0 for an outcome-major (O, N, T))."""
    first, last = windows
    T = profile.shape[-1]
    # out[t] = running[t - first + 1] - running[t - last] with running[k] = sum_{j<k} profile[j]
    # (0 before the first intake year, no subtraction before the last), one slice per distinct run
    running = _running_sum(profile, support)  # running[k - 1]
    if not first.any() and bool(np.all(last >= T - 1)):  # every outcome's intake runs all horizon
        return running
    out = np.zeros(profile.shape)
    view, run_view = np.moveaxis(out, axis, -2), np.moveaxis(running, axis, -2)  # (..., O, T) views
    for a, b in sorted(set(zip(first.tolist(), last.tolist(), strict=True))):  # intake runs (a few)
        o = np.flatnonzero((first == a) & (last == b))
        if a < T:
            view[..., o, a:] = run_view[..., o, : T - a]
        if b + 1 < T:
            view[..., o, b + 1 :] -= run_view[..., o, : T - b - 1]
    return out


def _running_sum(profile: F, support: int | None) -> F:
    """``np.cumsum(profile, axis=-1)``, bit for bit, summing only the first ``support`` years when the
    profile is zero after them (each later running sum is the last one plus zeros: ``v + 0.0``)."""
    T = profile.shape[-1]
    if support is None or support >= T:
        return np.cumsum(profile, axis=-1)
    out = np.empty(profile.shape)
    if support <= 0:
        out[...] = 0.0
        return out
    np.cumsum(profile[..., :support], axis=-1, out=out[..., :support])
    np.add(out[..., support - 1 : support], 0.0, out=out[..., support:])
    return out


def outcome_terms(s: Structure, p: Params) -> tuple[F, F, F, F, F]:
    """The per-outcome arrays both evaluations share.

    Returns
    -------
    gross : (*B, O, T)
        Events avoided before additionality: baseline_rate × effect × cohort × (intake pattern
        convolved with the persistence profile). [events]
    keep : (*B, O)
        Additionality factor. [fraction]
    release : (*B, O)
        First year savings are cashable (intake start + lag + cashable delay). [years]
    share : (*B, O)
        Share of each year's saving that is cashable from the release year on. [fraction]
    unit : (*B, O, A)
        Cost per event by agency. [£ per event]
    """
    T = s.n_years
    profile = persistence_profile(p.lag, p.persistence, p.drop_off, T)  # (*B, O, T)
    support = effect_support(p.lag, p.persistence, T) if T > LONG_HORIZON_YEARS else None
    scale = np.asarray(p.baseline_rate) * np.asarray(p.effect) * np.asarray(p.cohort)  # (*B, O)
    gross = _times(intake_convolution(profile, s.intake_mask, support), scale[..., None])
    keep = np.asarray(additionality_factor(p.deadweight, p.displacement, p.attribution, p.optimism_bias))
    release = s.intake_start + np.asarray(p.lag) + np.asarray(p.cashable_delay)  # (*B, O) first cashable year
    share = np.asarray(p.cashable_share, dtype=np.float64)
    return gross, keep, release, share, np.asarray(p.unit_cost, dtype=np.float64)


def _by_outcome(x: F, batch: tuple[int, ...], n: int) -> F:
    """An outcome field (*B, O) or (O,) as an outcome-major (O, N) view, N = prod(batch) draws; (O, 1)
    when it has no batch axis (it broadcasts over the draws)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        return x[:, None]
    if x.shape[:-1] != batch:
        x = np.broadcast_to(x, (*batch, x.shape[-1]))
    return x.reshape(n, x.shape[-1]).T


def _outcome_events(s: Structure, p: Params, batch: tuple[int, ...], n: int) -> F:
    """Net events avoided, outcome-major (O, N, T) (or (O, 1, T) when no outcome input has a batch
    axis): the same products as :func:`outcome_terms` ``gross * keep``, element by element, laid out so
    that sums over outcomes run over contiguous (N, T) slabs. [events]"""
    T = s.n_years
    lag, persistence = _by_outcome(p.lag, batch, n), _by_outcome(p.persistence, batch, n)
    profile = persistence_profile(lag, persistence, _by_outcome(p.drop_off, batch, n), T)  # (O, N, T)
    windows = s.intake_runs
    if windows is not None:
        support = effect_support(p.lag, p.persistence, T)
        convolved = _convolve_runs(profile, windows, support, 0)
    else:
        convolved = _convolve_by_outcome(profile, s.intake_toeplitz)
    scale = np.asarray(p.baseline_rate) * np.asarray(p.effect) * np.asarray(p.cohort)  # (*B, O)
    gross = _times(convolved, _by_outcome(scale, batch, n)[..., None])
    keep = np.asarray(additionality_factor(p.deadweight, p.displacement, p.attribution, p.optimism_bias))
    return _times(gross, _by_outcome(keep, batch, n)[..., None])


def cash_share_by_year(release: F, share: F, n_years: int) -> F:
    """Share of each year's saving that is cashable: ``share`` from the ``release`` year on, 0 before.

    ``release`` and ``share`` (*B, O); returns (*B, O, n_years). [fraction]
    """
    share = share[..., None]
    return np.where(np.arange(n_years) >= release[..., None], share, 0.0 * share)


def _times(a: F, b: F) -> F:
    """``a * b``, written over ``a`` when ``a`` is a fresh array of the result's shape (no temporary)."""
    if a.flags.writeable and a.flags.owndata and a.shape == broadcast_shape(a.shape, b.shape):
        return np.multiply(a, b, out=a)
    return a * b


def layer_flows(events: F, p: Params, s: Structure) -> LayerFlows | None:
    """Economic and social value by year from net events (*B, O, T) and each outcome's £ per event of
    each layer, plus the savings lines beyond public budgets; None when there is none of either.

    economic[t]  = sum_o events[o, t] * economic_value[o] + sum_l amount[l] * shape[l, t] * [l economic]
    wellbeing[t] = sum_o events[o, t] * wellbeing_value[o]                                          [£]
    social[t]    = sum_o events[o, t] * social_value[o] + wellbeing[t] + sum_l ... * [l social]     [£]

    signed as the other flows (negative for a cut).
    """
    econ = np.asarray(p.economic_value, dtype=np.float64)
    soc = np.asarray(p.social_value, dtype=np.float64)
    well = np.asarray(p.wellbeing_value, dtype=np.float64)
    has_lines = bool(s.savings_line_ids) and bool(s.savings_layer.any())
    if econ.size == 0 and soc.size == 0 and well.size == 0 and not has_lines:
        return None
    sign, discount_offset = s.sign, s.discount_offset
    batch = events.shape[:-2]
    T = events.shape[-1]

    def by_year(value: F) -> F:
        if value.size == 0 or not value.any():  # no outcome carries this layer: nothing to multiply
            return np.zeros((*batch, T))
        terms = events * value[..., None]  # (*B, O, T) [£]
        return _sum_outcomes(terms, -2, (*terms.shape[:-2], T))

    economic = by_year(econ)
    wellbeing = by_year(well)
    social = by_year(soc) + wellbeing
    if has_lines:  # (*B, S) amounts x (S, T) profiles, by layer
        plain = np.asarray(p.savings_amount, dtype=np.float64)[..., :, None] * s.savings_shape  # (*B, S, T)
        by_layer = np.swapaxes(plain, -1, -2) @ s.savings_layer  # (*B, T, 2)
        economic = economic + by_layer[..., 0]
        social = social + by_layer[..., 1]
    health = np.asarray(p.health_rates, dtype=np.float64)
    health_factors = discount_factors(health, discount_offset) if health.size else np.zeros((*batch, T))
    return LayerFlows(sign * economic, sign * social, sign * wellbeing, health_factors)


def layer_summary(pv_events: F, events: F, p: Params, s: Structure, df: F) -> tuple[F, F]:
    """Present values of the economic and social layers for a batch, (*B,) each, reduced early (as the
    fiscal PVs of :func:`evaluate_summary`): the same figures as :func:`layer_present_values` of
    :func:`layer_flows`, without building their (*B, T) series. [£]

    pv_economic = sum_o PV(events[o]) * economic_value[o] + PV of economic savings lines
    pv_social   = sum_o PV(events[o]) * social_value[o] + sum_o PV_health(events[o]) * wellbeing_value[o]
                  + PV of social savings lines
    """
    econ = np.asarray(p.economic_value, dtype=np.float64)
    soc = np.asarray(p.social_value, dtype=np.float64)
    well = np.asarray(p.wellbeing_value, dtype=np.float64)
    batch = pv_events.shape[:-1]
    pv_economic = np.zeros(batch)
    pv_social = np.zeros(batch)
    if econ.size and econ.any():
        pv_economic = np.sum(pv_events * econ, axis=-1)
    if soc.size and soc.any():
        pv_social = np.sum(pv_events * soc, axis=-1)
    health = np.asarray(p.health_rates, dtype=np.float64)
    if well.size and well.any() and health.size:
        health_df = discount_factors(health, s.discount_offset)  # (*B, T)
        pv_social = pv_social + np.sum(np.sum(events * health_df[..., None, :], axis=-1) * well, axis=-1)
    if s.savings_line_ids and s.savings_layer.any():
        s_amount = np.asarray(p.savings_amount, dtype=np.float64)  # (*B, S)
        by_layer = (s_amount * (df @ s.savings_shape.T)) @ s.savings_layer  # (*B, 2)
        pv_economic = pv_economic + by_layer[..., 0]
        pv_social = pv_social + by_layer[..., 1]
    return s.sign * pv_economic, s.sign * pv_social


def _sum_outcomes(terms: F, axis: int, shape: tuple[int, ...]) -> F:
    """Sum ``terms`` over its outcome ``axis`` in outcome order, starting from zero (a running total,
    so a figure does not depend on how many draws are batched with it), broadcast to ``shape``."""
    total = np.add.reduce(terms, axis=axis, initial=0.0)
    return total if total.shape == shape else np.broadcast_to(total, shape).copy()


def evaluate(s: Structure, p: Params, *, detail: bool = True) -> Flows:
    """Real flows by year and agency for central values or a batch of draws.

    Vectorised over years, agencies, outcomes and any leading batch axes (draws): no Python loop. With
    ``detail=False`` the gross savings before additionality are not computed.
    """
    T = s.n_years
    n_lines, n_agencies = s.cost_payer.shape
    amount = np.asarray(p.cost_amount, dtype=np.float64)
    if s.cost_shape.ndim == 2:  # costs[..., t, a] = sum_l amount[..., l] * shape[l, t] * payer[l, a]
        weights = (s.cost_shape[:, :, None] * s.cost_payer[:, None, :]).reshape(n_lines, T * n_agencies)
        costs = (amount @ weights).reshape(*amount.shape[:-1], T, n_agencies)
    else:  # a growth rate varies by draw, so the shape carries the batch axis
        costs = np.swapaxes(amount[..., :, None] * s.cost_shape, -1, -2) @ s.cost_payer

    gross, keep, release, share, unit = outcome_terms(s, p)
    cash_share = cash_share_by_year(release, share, T)  # (*B, O, T)
    batch = np.broadcast_shapes(
        costs.shape[:-2],
        gross.shape[:-2],
        keep.shape[:-1],
        cash_share.shape[:-2],
        unit.shape[:-2],
        np.shape(p.rates)[:-1],
    )
    events = gross * keep[..., None]  # (*B, O, T) [events]
    u = unit[..., :, None, :]  # (*B, O, 1, A) [£ per event]
    # sums over outcomes in outcome order, from zero: savings[t, a] = sum_o events[o, t] * unit[o, a]
    savings = _sum_outcomes(events[..., None] * u, -3, (*batch, T, n_agencies))
    cashable = _sum_outcomes((events * cash_share)[..., None] * u, -3, (*batch, T, n_agencies))
    gross_savings = _sum_outcomes(gross[..., None] * u, -3, (*batch, T, n_agencies)) if detail else None
    if events.shape != (*batch, len(s.outcome_ids), T):
        events = np.broadcast_to(events, (*batch, len(s.outcome_ids), T)).copy()
    by_outcome = events * np.sum(unit, axis=-1)[..., None]
    if s.savings_line_ids:  # plain savings lines: amount × profile, landing on one budget holder each
        plain = np.asarray(p.savings_amount, dtype=np.float64)[..., :, None] * s.savings_shape  # (*B, S, T)
        savings = savings + np.swapaxes(plain, -1, -2) @ s.savings_holder
        cashable = cashable + np.swapaxes(plain * s.savings_cash, -1, -2) @ s.savings_holder
        if gross_savings is not None:
            gross_savings = gross_savings + np.swapaxes(plain, -1, -2) @ s.savings_holder
    sign = s.sign
    return Flows(
        costs=sign * costs,
        savings=sign * savings,
        cashable=sign * cashable,
        events=events,
        savings_by_outcome=sign * by_outcome,
        factors=discount_factors(p.rates, s.discount_offset),
        gross_savings=None if gross_savings is None else sign * gross_savings,
        layers=layer_flows(events, p, s),
    )


@record
class Summary:
    """What a Monte Carlo needs from each draw, without (draws × years × agencies) arrays.

    The value layers' present values are worked out when first read (``layers``), so a caller that does
    not read them (the Monte Carlo) does not pay for them."""

    pv_costs: F  # (*B, A) [£]
    pv_savings: F  # (*B, A) [£]
    costs: F  # (*B, T) all agencies, undiscounted [£]
    savings: F  # (*B, T) [£]
    cashable: F  # (*B, T) [£]
    factors: F  # (*B, T) [fraction]
    layers: Callable[[], tuple[F, F]] | None = None  # () -> (pv_economic, pv_social), each (*B,) [£]

    @cached_property
    def _layer_values(self) -> tuple[F | None, F | None]:
        return self.layers() if self.layers is not None else (None, None)

    @property
    def pv_economic(self) -> F | None:
        """(*B,) economic layer [£]"""
        return self._layer_values[0]

    @property
    def pv_social(self) -> F | None:
        """(*B,) social layer, wellbeing at the health rate [£]"""
        return self._layer_values[1]


def evaluate_summary(s: Structure, p: Params) -> Summary:
    """Present values by agency and yearly totals for a batch of draws: the same figures as
    :func:`evaluate` reduced early (discounting before spreading over agencies), so memory and time
    scale with draws × (years + agencies), not draws × years × agencies.

    The (outcomes × years) work runs outcome-major, (O, N, T) with N the draws, so each sum over
    outcomes adds contiguous (N, T) slabs in outcome order from 0.0; every product is the one
    :func:`evaluate` forms, element by element, so the figures are the same bits as the draw-major layout.
    """
    df = discount_factors(p.rates, s.discount_offset)  # (*B, T)
    amount = np.asarray(p.cost_amount, dtype=np.float64)  # (*B, L)
    if s.cost_shape.ndim == 2:
        line_pv = amount * (df @ s.cost_shape.T)  # (*B, L) [£]
        costs_t = amount @ s.cost_shape  # (*B, T)
    else:
        line_pv = amount * np.einsum("...lt,...t->...l", s.cost_shape, df)
        costs_t = np.einsum("...l,...lt->...t", amount, s.cost_shape)
    pv_costs = line_pv @ s.cost_payer  # (*B, A)

    T = s.n_years
    unit = np.asarray(p.unit_cost, dtype=np.float64)  # (*B, O, A)
    event_batch = broadcast_shape(*[_shape(getattr(p, name))[:-1] for name in EVENT_FIELDS], df.shape[:-1])
    batch = broadcast_shape(
        pv_costs.shape[:-1],
        event_batch,
        _shape(p.cashable_delay)[:-1],
        _shape(p.cashable_share)[:-1],
        unit.shape[:-2],
    )
    n = math.prod(batch)
    events = _outcome_events(s, p, batch, n)  # (O, N or 1, T) [events]
    # the same products as evaluate(), in the same order, written over a few (O, N, T) buffers
    dfo = df.reshape(-1, T) if df.ndim > 1 else df  # (N or 1, T) or (T,)
    work = events * dfo  # (O, N, T) [events, discounted]
    pv_by_outcome = np.add.reduce(work, axis=-1)  # (O, N) per draw and outcome, rows of T summed as before (np.sum)
    unit_total = _by_outcome(unit.sum(axis=-1), batch, n)  # (O, N) [£ per event, all agencies]
    fits = work.shape == broadcast_shape(events.shape, (*unit_total.shape, 1))
    valued = np.multiply(events, unit_total[..., None], out=work if fits else None)  # (O, N, T) [£]
    savings_t = _add_outcomes(valued, batch, T)
    # cashable: valued × share from the release year, 0 before (the zeros' sign cannot change a sum from 0.0)
    release = _by_outcome(s.intake_start + np.asarray(p.lag) + np.asarray(p.cashable_delay), batch, n)  # (O, N)
    # every year from ``head`` on is at or after every release year, so only the years before it are masked
    last = float(release.max()) if release.size else 0.0
    head = int(min(T, max(0.0, math.floor(last) + 1.0))) if math.isfinite(last) else T
    # the comparison laid out years-first (its broadcast runs along the draws), then as 1.0 / 0.0 (what a
    # product casts True / False to), so the product below multiplies floats without a cast per row
    released_first = np.empty((head, *release.shape), dtype=bool)
    released = released_first.transpose(*range(1, release.ndim + 1), 0)  # (O, N, head)
    np.greater_equal(np.arange(head, dtype=np.float64), release[..., None], out=released)
    released_factor = released_first.astype(np.float64).transpose(*range(1, release.ndim + 1), 0)
    cash = _times(valued, _by_outcome(p.cashable_share, batch, n)[..., None])
    if cash.shape[:-1] != released.shape[:-1]:
        cash = np.broadcast_to(cash, (*broadcast_shape(cash.shape[:-1], released.shape[:-1]), T)).copy()
    # × the released-years mask: before release × 0.0 gives ±0.0, which cannot change a running sum from
    # +0.0 (it never becomes -0.0); a non-finite saving there would show as a non-finite total in those
    # years, so the masked select (several times slower) is needed only then, to give the same figures
    np.multiply(cash[..., :head], released_factor, out=cash[..., :head])
    cashable_t = _add_outcomes(cash, batch, T)
    if not bool(np.isfinite(cashable_t[..., :head]).all()):
        valued = events * unit_total[..., None]  # afresh: the buffer above was written over
        cash = _times(valued, _by_outcome(p.cashable_share, batch, n)[..., None])
        if cash.shape[:-1] != released.shape[:-1]:
            cash = np.broadcast_to(cash, (*broadcast_shape(cash.shape[:-1], released.shape[:-1]), T)).copy()
        np.copyto(cash[..., :head], 0.0, where=~released)
        cashable_t = _add_outcomes(cash, batch, T)
    # (*B, O) as the draw-major evaluation laid it out, for the sums over outcomes by agency
    pv_batch = batch if pv_by_outcome.shape[1] == n and event_batch else ()
    pv_events = pv_by_outcome.T.reshape(*pv_batch, -1)  # the draws contiguous, as before (einsum's speed)
    pv_savings = np.einsum("...o,...oa->...a", pv_events, unit)
    if s.savings_line_ids:
        s_amount = np.asarray(p.savings_amount, dtype=np.float64)  # (*B, S)
        pv_savings = pv_savings + (s_amount * (df @ s.savings_shape.T)) @ s.savings_holder
        fiscal_lines = s.savings_holder.sum(axis=-1)  # (S,) 1 for a fiscal line, 0 beyond public budgets
        savings_t = savings_t + s_amount @ (s.savings_shape * fiscal_lines[:, None])
        cashable_t = cashable_t + s_amount @ (s.savings_shape * s.savings_cash)
    sign = s.sign

    def layers() -> tuple[F, F]:
        ev_batch = batch if events.shape[1] == n and event_batch else ()
        events_by_draw = np.ascontiguousarray(np.swapaxes(events, 0, 1)).reshape(*ev_batch, -1, T)  # (*B, O, T)
        pv_economic, pv_social = layer_summary(pv_events, events_by_draw, p, s, df)
        return np.broadcast_to(pv_economic, batch).copy(), np.broadcast_to(pv_social, batch).copy()

    def signed(x: F) -> F:
        return x if sign == 1.0 else sign * x  # 1.0 * x is x, bit for bit

    return Summary(
        signed(pv_costs),
        signed(pv_savings),
        signed(costs_t),
        signed(savings_t),
        signed(cashable_t),
        df,
        layers=layers,
    )


EVENT_FIELDS = (
    "lag",
    "persistence",
    "drop_off",
    "baseline_rate",
    "effect",
    "cohort",
    "deadweight",
    "displacement",
    "attribution",
    "optimism_bias",
)
"""The :class:`Params` outcome fields that net events depend on (the rest: cashable share and delay,
unit costs, values)."""


def _add_outcomes(terms: F, batch: tuple[int, ...], T: int) -> F:
    """Sum outcome-major ``terms`` (O, N, T) over outcomes in outcome order, starting from zero (a running
    total, so a figure does not depend on how many draws are batched with it), as (*batch, T)."""
    total = np.add.reduce(terms, axis=0, initial=0.0)  # (N or 1, T)
    if total.shape[0] == math.prod(batch):
        return total.reshape(*batch, T)
    return np.broadcast_to(total[0], (*batch, T)).copy()  # no input varies by draw here


@record
class DualRunningArrays:
    """Dual running over leading batch axes (*B): the arithmetic behind :class:`DualRunning`."""

    requirement: F  # (*B, T) costs - cashable savings, by year [£]
    cumulative: F  # (*B, T) [£]
    peak: F  # (*B,) max(0, max cumulative) [£]
    peak_year: NDArray[np.int64]  # (*B,) year index of the peak, -1 if no funding is needed
    years: NDArray[np.int64]  # (*B,) years before annual cashable savings first cover annual costs
    ends_within_horizon: NDArray[np.bool_]  # (*B,)
    break_even_year: NDArray[np.int64]  # (*B,) first year cumulative cashable net stays >= 0, or -1


def dual_running_arrays(costs: F, cashable: F) -> DualRunningArrays:
    """Dual running from yearly costs and cashable savings (*B, T), all agencies [£].

    The funding requirement is costs - cashable savings; dual running lasts until the first year in
    which cashable savings cover that year's costs; cash break-even is the first year from which the
    cumulative requirement stays at or below zero.
    """
    requirement = costs - cashable
    cum = np.cumsum(requirement, axis=-1)
    if cum.shape[-1]:
        peak = np.maximum(0.0, cum.max(axis=-1))
        peak_year = np.where(peak > MONEY_TOLERANCE, np.argmax(cum, axis=-1), -1)
    else:
        peak = np.zeros(cum.shape[:-1])
        peak_year = np.full(cum.shape[:-1], -1)
    first_cover = first_year_true(cashable >= costs - MONEY_TOLERANCE)
    return DualRunningArrays(
        requirement=requirement,
        cumulative=cum,
        peak=peak,
        peak_year=peak_year.astype(np.int64),
        years=np.where(first_cover >= 0, first_cover, costs.shape[-1]).astype(np.int64),
        ends_within_horizon=first_cover >= 0,
        break_even_year=first_year_staying_nonnegative(-cum),
    )


@record
class BatchMeasures:
    """The Ten Year Test figures every draw, sensitivity case or area needs, over batch axes (*B).

    :func:`summarise` reads the central case's figures from here (batch shape ()), and the Monte
    Carlo, tornado and switching values read theirs from the same object, so a simulation with
    zero-width ranges reproduces the deterministic figures exactly. Payback years and dual running
    are computed when first read, so a caller pays only for the figures it uses.
    """

    summary: Summary

    @cached_property
    def pv_costs_by_agency(self) -> F:
        """(*B, A) [£]"""
        return self.summary.pv_costs

    @cached_property
    def pv_savings_by_agency(self) -> F:
        """(*B, A) [£]"""
        return self.summary.pv_savings

    @cached_property
    def pv_net_by_agency(self) -> F:
        """(*B, A) [£]"""
        return self.summary.pv_savings - self.summary.pv_costs

    @cached_property
    def npv(self) -> F:
        """(*B,) whole public sector [£]"""
        return self.summary.pv_savings.sum(axis=-1) - self.summary.pv_costs.sum(axis=-1)

    @cached_property
    def pv_economic(self) -> F:
        """(*B,) economic layer (output and earnings), standard rate [£]"""
        pv = self.summary.pv_economic
        return np.zeros(self.summary.pv_costs.shape[:-1]) if pv is None else pv

    @cached_property
    def pv_social(self) -> F:
        """(*B,) social layer (harm and wellbeing; WELLBY/QALY values at the health rate) [£]"""
        pv = self.summary.pv_social
        return np.zeros(self.summary.pv_costs.shape[:-1]) if pv is None else pv

    @cached_property
    def net_present_public_value(self) -> F:
        """(*B,) fiscal NPV + economic + social present values: the net present public value [£]"""
        return self.npv + self.pv_economic + self.pv_social

    @cached_property
    def net_by_year(self) -> F:
        """(*B, T) savings - costs, all agencies, undiscounted [£]"""
        return self.summary.savings - self.summary.costs

    @cached_property
    def payback_year(self) -> NDArray[np.int64]:
        """(*B,) first year the cumulative undiscounted net stays >= 0; -1 if not within the horizon"""
        return first_year_staying_nonnegative(np.cumsum(self.net_by_year, axis=-1))

    @cached_property
    def discounted_payback_year(self) -> NDArray[np.int64]:
        """(*B,) as :attr:`payback_year`, discounted; -1 if not within the horizon"""
        return first_year_staying_nonnegative(np.cumsum(self.net_by_year * self.summary.factors, axis=-1))

    @cached_property
    def cash_break_even_year(self) -> NDArray[np.int64]:
        """(*B,) first year from which cumulative cashable savings cover cumulative costs, and stay
        covering; -1 if not within the horizon (:attr:`dual_running`'s break-even, without the rest)"""
        # cumsum(cashable - costs) is exactly -cumsum(costs - cashable) (IEEE rounding is symmetric)
        return first_year_staying_nonnegative(np.cumsum(self.summary.cashable - self.summary.costs, axis=-1))

    @cached_property
    def dual_running(self) -> DualRunningArrays:
        """Dual running from the yearly totals of all agencies."""
        return dual_running_arrays(self.summary.costs, self.summary.cashable)


def measures(s: Structure, p: Params) -> BatchMeasures:
    """Present values, NPV, payback and dual running for central values or a batch of draws.

    Vectorised over leading batch axes; memory and time scale with draws × (years + agencies).
    """
    return BatchMeasures(evaluate_summary(s, p))


def measures_into(
    s: Structure,
    p: Params,
    npv: F,
    pv_net_by_agency: F,
    cash_break_even_year: NDArray[np.int64],
    discounted_payback_year: NDArray[np.int64],
) -> None:
    """The four figures a Monte Carlo keeps of each draw, written into the given arrays (N,), (N, A), (N,),
    (N,): :func:`measures`' ``npv``, ``pv_net_by_agency``, ``cash_break_even_year`` and
    ``discounted_payback_year``, the same operations on the same values (so the same bits), without the
    :class:`BatchMeasures` object, its cached properties or a copy of each figure."""
    summary = evaluate_summary(s, p)
    savings, costs = summary.pv_savings, summary.pv_costs
    np.subtract(savings, costs, out=pv_net_by_agency)
    np.subtract(savings.sum(axis=-1), costs.sum(axis=-1), out=npv)
    # both running sums in one cumsum (a row's running sum is the same whatever rows sit beside it): the
    # discounted net position and the cashable net position, (2, *B, T), written years-first (the same
    # running sums, in another memory layout) for the search of the years below zero
    shape = broadcast_shape(summary.savings.shape, summary.costs.shape, summary.cashable.shape, summary.factors.shape)
    rows = np.empty((2, *shape))
    discounted, cash = rows[0], rows[1]
    np.subtract(summary.savings, summary.costs, out=discounted)
    np.multiply(discounted, summary.factors, out=discounted)
    np.subtract(summary.cashable, summary.costs, out=cash)
    running = np.empty((shape[-1], 2, *shape[:-1]))
    np.cumsum(rows, axis=-1, out=running.transpose(*range(1, len(shape) + 1), 0))
    years = first_year_staying_nonnegative_years_first(running)
    discounted_payback_year[...] = years[0]
    cash_break_even_year[...] = years[1]


# ---------------------------------------------------------------------------------------------
# Orchestrator and result
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DualRunning:
    """Dual running: funding needed while prevention is paid for and acute budgets not yet released."""

    funding_requirement: F  # (T,) costs - cashable savings, by year [£]
    cumulative_requirement: F  # (T,) [£]
    peak_funding_requirement: float  # max(0, max cumulative) [£]
    peak_year: int | None  # appraisal year of the peak, None if no funding needed
    years: int  # years before annual cashable savings first cover annual costs [years]
    ends_within_horizon: bool
    break_even_year: int | None  # first year from which cumulative cashable net stays >= 0


@dataclass(frozen=True)
class FinancingResult:
    """The invest-to-save loan, in cash at its nominal rate (the peak cash funding requirement)."""

    fund: str
    principal: float  # [£] the peak funding requirement, borrowed
    interest_rate: float  # [fraction]
    term_years: int
    annual_repayment: float  # [£ per year] level repayment over the term (pmt)
    repayment_capacity: float  # [£ per year] average cashable surplus once dual running ends
    years_to_repay: float | None  # [years] nper at that capacity; None if it never repays
    repaid_within_horizon: bool
    affordable: bool  # annual repayment <= capacity


@record
class CashView:
    """The medium-term financial table: cash (nominal, undiscounted) by year and budget holder.

    Cash = real (base-year prices) × D[year] / D[base]; nothing is discounted. Shapes (T, A) unless
    stated; totals over budget holders are the whole public sector.
    """

    factor: F  # (T,) D[year_t] / D[price base] [ratio]
    costs: F  # prevention costs [£ cash]
    cashable: F  # cashable savings [£ cash]
    non_cashable: F  # savings that free capacity but no cash [£ cash]
    net: F  # cashable - costs [£ cash]
    cumulative: F  # running total of net [£ cash]
    dual_running: DualRunning  # on cash flows, whole public sector
    financing: FinancingResult | None  # the loan in cash at its nominal rate


@record
class CutView:
    """A cut told straight: the money it releases, what making it costs, and the costs it shunts onto
    other budget holders, by year and budget holder. Shapes (T, A) unless stated; every figure is
    positive when it is what its name says (money released, a closure cost paid, demand added).

    Real figures are in price-base prices; ``*_cash`` are cash (nominal, undiscounted: real × D[year] /
    D[base]); ``pv_*`` are present values (real, discounted). The fiscal net present value is
    ``pv_released - pv_closure - pv_shunted`` (the result's NPV). Value lost outside public budgets is
    the economic and social layers' value, positive when lost (``lost_*``, real by year; ``pv_lost_*``
    discounted as the layers are: wellbeing at the health rate); zero when the file values none.
    """

    released: F  # money released from the cut budget(s) [£]
    closure: F  # closure costs: redundancy, contract exit, buildings [£]
    shunted: F  # acute demand the cut adds to each budget holder [£]
    shunted_cashable: F  # the part of it that is extra cash spending [£]
    released_cash: F  # [£ cash]
    closure_cash: F  # [£ cash]
    shunted_cash: F  # [£ cash]
    shunted_cashable_cash: F  # [£ cash]
    pv_released_by_agency: F  # (A,) [£]
    pv_closure_by_agency: F  # (A,) [£]
    pv_shunted_by_agency: F  # (A,) [£]
    pv_shunted_cashable_by_agency: F  # (A,) [£]
    lost_economic: F = field(default_factory=lambda: np.zeros(0))  # (T,) output and earnings lost [£]
    lost_social: F = field(default_factory=lambda: np.zeros(0))  # (T,) harm and wellbeing lost [£]
    pv_lost_economic: float = 0.0  # [£]
    pv_lost_social: float = 0.0  # [£]

    @property
    def pv_value_lost(self) -> float:
        """Economic and social value lost (present value). [£]"""
        return self.pv_lost_economic + self.pv_lost_social

    @property
    def pv_net_public_value(self) -> float:
        """The fiscal net less the value lost outside public budgets. [£]"""
        return self.pv_net - self.pv_value_lost

    @property
    def pv_released(self) -> float:
        return float(self.pv_released_by_agency.sum())

    @property
    def pv_closure(self) -> float:
        return float(self.pv_closure_by_agency.sum())

    @property
    def pv_shunted(self) -> float:
        return float(self.pv_shunted_by_agency.sum())

    @property
    def pv_shunted_cashable(self) -> float:
        return float(self.pv_shunted_cashable_by_agency.sum())

    @property
    def pv_net(self) -> float:
        """Money released less closure costs less costs shunted (the fiscal NPV). [£]"""
        return self.pv_released - self.pv_closure - self.pv_shunted


def cut_view(s: Structure, p: Params, flows: Flows) -> CutView:
    """Split a cut's central flows into money released, closure costs and costs shunted (see
    :class:`CutView`). Each cost line's real flow is its amount × its yearly profile: the cut lines'
    are money released; the closure lines' (profile -1 in their year) are costs."""
    amount = np.asarray(p.cost_amount, dtype=np.float64)
    lines = amount[:, None] * s.cost_shape  # (L, T) [£]
    n_cut = len(s.cost_line_ids) - s.closure_lines
    released = lines[:n_cut].T @ s.cost_payer[:n_cut]  # (T, A)
    closure = -(lines[n_cut:].T @ s.cost_payer[n_cut:])
    shunted = -flows.savings
    shunted_cashable = -flows.cashable
    df = flows.factors
    k = s.cash_factor[:, None]
    # value beyond public budgets: the layers carry the cut's sign (negative = value lost)
    pv_economic, pv_social = layer_present_values(flows.layers, df)
    T = s.n_years
    lost_economic = -flows.layers.economic if flows.layers is not None else np.zeros(T)
    lost_social = -flows.layers.social if flows.layers is not None else np.zeros(T)
    return CutView(
        released=released,
        closure=closure,
        shunted=shunted,
        shunted_cashable=shunted_cashable,
        released_cash=released * k,
        closure_cash=closure * k,
        shunted_cash=shunted * k,
        shunted_cashable_cash=shunted_cashable * k,
        pv_released_by_agency=df @ released,
        pv_closure_by_agency=df @ closure,
        pv_shunted_by_agency=df @ shunted,
        pv_shunted_cashable_by_agency=df @ shunted_cashable,
        lost_economic=lost_economic + 0.0,
        lost_social=lost_social + 0.0,
        pv_lost_economic=-float(pv_economic) + 0.0,
        pv_lost_social=-float(pv_social) + 0.0,
    )


@record
class Committed:
    """Savings (and costs) set in motion within the horizon that fall after it (central values).

    Intakes within the horizon keep producing savings after it (lags and persistence). Present values
    at the same discount date and prices as the appraisal.
    """

    years: int  # years after the horizon the tail runs [years]
    pv_savings_by_agency: F  # (A,) [£]
    pv_cashable_by_agency: F  # (A,) [£]
    pv_costs_by_agency: F  # (A,) [£]

    @property
    def pv_net_by_agency(self) -> F:
        return self.pv_savings_by_agency - self.pv_costs_by_agency

    @property
    def pv_net(self) -> float:
        return float(self.pv_net_by_agency.sum())


@dataclass(frozen=True)
class Layer:
    """One value layer's present values (central case). [£]

    ``pv_benefits`` is the layer's value (for the fiscal layer, acute costs avoided by public budgets);
    ``pv_costs`` the costs that fall in the layer (the proposal's spending, all public: fiscal only);
    ``per_pound`` is ``pv_benefits / PV public costs`` (None when there is no positive public cost, as
    for a cut). For the fiscal layer it is the fiscal return on investment.
    """

    name: str  # one of LAYERS
    pv_benefits: float  # [£]
    pv_costs: float  # [£]
    per_pound: float | None  # [£ per £1 of public cost]

    @property
    def npv(self) -> float:
        """pv_benefits - pv_costs [£]"""
        return self.pv_benefits - self.pv_costs


@dataclass(frozen=True)
class ValueLayers:
    """The fiscal, economic and social layers and their total, the net present public value.

    Green Book 2022 (5.54-5.56): NPSV = PV benefits - PV costs; BCR = PV benefits / PV costs. Here the
    benefits are those of all three layers and the costs are the costs to the public sector (the
    proposal's spending), so the benefit-cost ratio (public value) = (fiscal + economic + social PV) /
    PV public costs, and the net present public value = the sum of the three layers' NPVs.
    """

    fiscal: Layer
    economic: Layer
    social: Layer
    pv_cashable: float  # the cash part of the fiscal layer's benefits [£]
    pv_wellbeing: float  # the part of the social layer valued in WELLBYs or QALYs (health rate) [£]

    @property
    def pv_non_cashable(self) -> float:
        """Fiscal benefits that free capacity but release no cash [£]"""
        return self.fiscal.pv_benefits - self.pv_cashable

    @property
    def layers(self) -> tuple[Layer, Layer, Layer]:
        return (self.fiscal, self.economic, self.social)

    @property
    def pv_public_costs(self) -> float:
        """PV costs to the public sector [£]"""
        return self.fiscal.pv_costs

    @property
    def pv_benefits(self) -> float:
        """PV benefits of all layers [£]"""
        return self.fiscal.pv_benefits + self.economic.pv_benefits + self.social.pv_benefits

    @property
    def net_present_public_value(self) -> float:
        """Sum of the layers' NPVs: all benefits less all costs [£]"""
        return self.fiscal.npv + self.economic.npv + self.social.npv

    @property
    def benefit_cost_ratio(self) -> float | None:
        """Benefit-cost ratio (public value): PV benefits of all layers / PV public costs; None unless
        public costs are positive (a cut releases money rather than spending it)."""
        c = self.pv_public_costs
        return self.pv_benefits / c if c > MONEY_TOLERANCE else None

    @property
    def fiscal_return_on_investment(self) -> float | None:
        """PV fiscal benefits (cashable and not) / PV public costs (the GMCA 'fiscal return on
        investment'; never a benefit-cost ratio)."""
        return self.fiscal.per_pound

    @property
    def has_wider_value(self) -> bool:
        """Whether any economic or social value is counted."""
        return abs(self.economic.pv_benefits) > MONEY_TOLERANCE or abs(self.social.pv_benefits) > MONEY_TOLERANCE


def value_layers(pv_costs: float, pv_savings: float, pv_cashable: float, pv_economic: float,
                 pv_social: float, pv_wellbeing: float) -> ValueLayers:
    """The three layers from their present values [£]: costs fall in the fiscal layer only."""

    def per_pound(v: float) -> float | None:
        return v / pv_costs if pv_costs > MONEY_TOLERANCE else None

    return ValueLayers(
        fiscal=Layer("fiscal", pv_savings, pv_costs, per_pound(pv_savings)),
        economic=Layer("economic", pv_economic, 0.0, per_pound(pv_economic)),
        social=Layer("social", pv_social, 0.0, per_pound(pv_social)),
        pv_cashable=pv_cashable,
        pv_wellbeing=pv_wellbeing,
    )


@record
class TenYearTest:
    """Everything the Ten Year Test reports for one proposal (deterministic, central values)."""

    scenario: Scenario
    structure: Structure
    params: Params
    flows: Flows
    years: tuple[int, ...]  # financial years (start year) [year]
    pv_costs_by_agency: F  # (A,) [£]
    pv_savings_by_agency: F  # (A,) [£]
    pv_cashable_by_agency: F  # (A,) [£]
    pv_net_by_agency: F  # (A,) [£]
    pv_net_firm_by_agency: F  # (A,) firm-budget years [£]
    pv_net_beyond_by_agency: F  # (A,) years beyond [£]
    pv_savings_by_outcome: F  # (O,) [£]
    pv_costs: float
    pv_savings: float
    pv_cashable: float
    npv: float
    npv_firm: float
    npv_beyond: float
    # the cashable position (cashable savings - costs, whole public sector), discounted [£]
    pv_cash_net: float
    pv_cash_net_firm: float  # firm-budget years [£]
    pv_cash_net_beyond: float  # years beyond [£]
    bcr: float | None
    net_return_per_pound: float | None
    cashable_return_per_pound: float | None
    payback_year: int | None  # undiscounted
    discounted_payback_year: int | None
    irr: float | None
    irr_case: str  # IRR_CASES: why there is an IRR or not; present.measures.irr_note says it in words
    irr_sign_changes: int  # sign changes of the net cash flow (its non-zero years) [count]
    dual_running: DualRunning
    financing: FinancingResult | None
    passes: bool
    worse_off: tuple[str, ...]
    better_off: tuple[str, ...]
    verdict: str
    notes: tuple[str, ...] = field(default=())
    cash: CashView | None = None
    committed: Committed | None = None
    counts_committed: bool = False  # the verdict counts the committed tail
    cut: CutView | None = None  # a cut: money released, closure costs and costs shunted
    layers: ValueLayers | None = None  # fiscal, economic and social value (summarise always sets it)
    # the risk-adjusted central case (issue 12 §3): these figures carry the optimism-bias corrections
    # when ``risk_adjusted``; ``unadjusted`` is the same appraisal without them (the sensitivity)
    risk_adjusted: bool = False
    corrections: tuple[Any, ...] = ()  # costmodel.appraisal.optimism.Correction, one per corrected line
    optimism_table_status: str | None = None  # "published" or "assumption": the grade table's status
    unadjusted: TenYearTest | None = None

    @property
    def value_layers(self) -> ValueLayers:
        """The value layers (fiscal, economic, social) and the net present public value."""
        assert self.layers is not None
        return self.layers

    @property
    def npv_counted(self) -> float:
        """The NPV the verdict rests on: the horizon's, plus the committed tail when it is counted. [£]"""
        if self.counts_committed and self.committed is not None:
            return self.npv + self.committed.pv_net
        return self.npv

    @property
    def test_name(self) -> str:
        """'the Ten Year Test' at a ten-year horizon, otherwise 'the N-year appraisal'."""
        return test_name(self.structure.n_years)


def test_name(n_years: int) -> str:
    """What to call the appraisal: only a ten-year horizon is the Ten Year Test."""
    return "the Ten Year Test" if n_years == 10 else f"the {n_years}-year appraisal"


def committed_tail(scenario: Scenario, s: Structure, p: Params) -> Committed:
    """PV by budget holder of what intakes within the horizon save after it (central values).

    The same pure functions run over an extended window: intakes and costs stop at the horizon, the
    effects they started run on for up to ``max(lag + persistence)`` years; only years after the
    horizon are kept.
    """
    T = s.n_years
    A = len(s.agency_ids)
    tail = int(np.max(np.asarray(p.lag) + np.asarray(p.persistence))) if s.outcome_ids else 0
    if tail <= 0:
        z = np.zeros(A)
        return Committed(0, z, z.copy(), z.copy())
    n = T + tail

    def pad(a: F) -> F:
        return np.concatenate([a, np.zeros((*a.shape[:-1], tail))], axis=-1)

    ext = replace(
        s,
        n_years=n,
        cost_shape=pad(s.cost_shape),
        intake_mask=pad(s.intake_mask),
        savings_shape=pad(s.savings_shape),
        savings_cash=pad(s.savings_cash),
        cash_factor=np.zeros(n),
    )
    bands = [(b.from_year, b.rate) for b in scenario.schedule.bands]
    # the tail is fiscal: the wider layers are not extended (health rates dropped: their length is T)
    extended = replace(p, rates=appraisal_rates(bands, n, s.discount_offset), health_rates=np.zeros(0))
    flows = evaluate(ext, extended, detail=False)
    after = np.arange(n) >= T
    df = flows.factors * after
    return Committed(
        years=tail,
        pv_savings_by_agency=np.einsum("ta,t->a", flows.savings, df),
        pv_cashable_by_agency=np.einsum("ta,t->a", flows.cashable, df),
        pv_costs_by_agency=np.einsum("ta,t->a", flows.costs, df),
    )


def cash_view(scenario: Scenario, s: Structure, flows: Flows) -> CashView:
    """The cash (nominal, undiscounted) table from the real flows: cash = real × D[year] / D[base]."""
    k = s.cash_factor[:, None]
    costs = flows.costs * k
    cashable = flows.cashable * k
    non_cashable = (flows.savings - flows.cashable) * k
    net = cashable - costs
    dual = dual_running_of(costs.sum(axis=1), cashable.sum(axis=1))
    financing = _financing(scenario, dual, costs.sum(axis=1), cashable.sum(axis=1), s.n_years)
    return CashView(
        factor=s.cash_factor,
        costs=costs,
        cashable=cashable,
        non_cashable=non_cashable,
        net=net,
        cumulative=np.cumsum(net, axis=0),
        dual_running=dual,
        financing=financing,
    )


def summarise(
    scenario: Scenario, s: Structure, p: Params, flows: Flows, *, count_committed: bool = False
) -> TenYearTest:
    """Headline figures from central flows (batch shape ()); the verdict is left empty for the words."""
    df = flows.factors
    T = s.n_years
    firm = s.firm_budget_years
    in_firm = np.arange(T) < firm

    # present values, NPV and payback years from the batched path the Monte Carlo uses (batch shape ()),
    # so that a simulation with zero-width ranges reproduces these figures exactly
    batch = measures(s, p)
    pv_costs_a = batch.pv_costs_by_agency
    pv_sav_a = batch.pv_savings_by_agency
    pv_cash_a = np.einsum("ta,t->a", flows.cashable, df)
    net = flows.net
    pv_net_a = batch.pv_net_by_agency
    pv_firm_a = np.einsum("ta,t->a", net, df * in_firm)
    pv_beyond_a = pv_net_a - pv_firm_a
    pv_outcome = flows.savings_by_outcome @ df if flows.savings_by_outcome.size else np.zeros(0)

    pv_costs = float(pv_costs_a.sum())
    pv_savings = float(pv_sav_a.sum())
    pv_cash = float(pv_cash_a.sum())
    npv = float(batch.npv)
    npv_firm = float(pv_firm_a.sum())
    pv_cash_net_t = (flows.cashable.sum(axis=1) - flows.costs.sum(axis=1)) * df  # (T,) [£]

    net_total = net.sum(axis=1)
    payback = int(batch.payback_year)
    dpayback = int(batch.discounted_payback_year)

    # ratios of new spending only: for a cut, "benefit-cost ratio" would put money released over demand
    # added, inverting the meaning; a cut reports money released, closure costs and costs shunted instead
    spend = s.sign > 0 and pv_costs > MONEY_TOLERANCE
    bcr = pv_savings / pv_costs if spend else None
    net_return = npv / pv_costs if spend else None
    cash_return = pv_cash / pv_costs if spend else None
    cut = cut_view(s, p, flows) if s.sign < 0 else None

    pv_wellbeing = (
        float(np.sum(flows.layers.wellbeing * flows.layers.health_factors)) if flows.layers is not None else 0.0
    )
    layers = value_layers(
        pv_costs, pv_savings, pv_cash, float(batch.pv_economic), float(batch.pv_social), pv_wellbeing
    )

    irr, irr_case, irr_sign_changes = _irr(net_total)
    dual = dual_running_of(flows.costs.sum(axis=1), flows.cashable.sum(axis=1))
    cash = cash_view(scenario, s, flows)
    committed = committed_tail(scenario, s, p)

    agencies = scenario.agencies
    counted_a = pv_net_a + committed.pv_net_by_agency if count_committed else pv_net_a
    worse = tuple(a.id for a, v in zip(agencies, counted_a, strict=True) if v < -MONEY_TOLERANCE)
    better = tuple(a.id for a, v in zip(agencies, counted_a, strict=True) if v > MONEY_TOLERANCE)
    passes = (npv + (committed.pv_net if count_committed else 0.0)) >= -MONEY_TOLERANCE

    result = TenYearTest(
        scenario=scenario,
        structure=s,
        params=p,
        flows=flows,
        years=tuple(s.first_year + i for i in range(T)),
        pv_costs_by_agency=pv_costs_a,
        pv_savings_by_agency=pv_sav_a,
        pv_cashable_by_agency=pv_cash_a,
        pv_net_by_agency=pv_net_a,
        pv_net_firm_by_agency=pv_firm_a,
        pv_net_beyond_by_agency=pv_beyond_a,
        pv_savings_by_outcome=pv_outcome,
        pv_costs=pv_costs,
        pv_savings=pv_savings,
        pv_cashable=pv_cash,
        npv=npv,
        npv_firm=npv_firm,
        npv_beyond=npv - npv_firm,
        pv_cash_net=float(pv_cash_net_t.sum()),
        pv_cash_net_firm=float(pv_cash_net_t[:firm].sum()),
        pv_cash_net_beyond=float(pv_cash_net_t[firm:].sum()),
        bcr=bcr,
        net_return_per_pound=net_return,
        cashable_return_per_pound=cash_return,
        payback_year=payback if payback >= 0 else None,
        discounted_payback_year=dpayback if dpayback >= 0 else None,
        irr=irr,
        irr_case=irr_case,
        irr_sign_changes=irr_sign_changes,
        dual_running=dual,
        financing=cash.financing,
        passes=passes,
        worse_off=worse,
        better_off=better,
        verdict="",  # words come after the figures: costmodel.appraisal.chain.appraise adds them
        notes=scenario.notes,
        cash=cash,
        committed=committed,
        counts_committed=count_committed,
        cut=cut,
        layers=layers,
    )
    check_finite(result)
    return result


IRR_CASES = ("zero", "positive", "negative", "non_conventional", "no_root", "conventional", "conventional_cut")
"""Why the IRR is what it is: no IRR for a flow that is zero, positive or negative in every year, that
changes sign more than once, or whose root numpy-financial cannot find; an IRR for a conventional flow
(one sign change), of new spending or of a cut (money released first)."""


def _irr(net: F) -> tuple[float | None, str, int]:
    """IRR of a conventional series (one sign change) via numpy-financial, with its case (IRR_CASES)
    and the number of sign changes."""
    nz = net[np.abs(net) > MONEY_TOLERANCE]
    if nz.size == 0:
        return None, "zero", 0
    changes = int(np.count_nonzero(np.diff(np.sign(nz)) != 0))
    if changes == 0:
        return None, "positive" if nz[0] > 0 else "negative", 0
    if changes > 1:
        return None, "non_conventional", changes
    import numpy_financial as npf

    # years within half a penny of zero count as zero, as above: a tiny non-zero last year (1e-306) made the
    # polynomial's leading coefficient underflow and numpy-financial's root finder raise on inf/NaN
    counted = np.where(np.abs(net) > MONEY_TOLERANCE, net, 0.0)
    try:
        value = float(npf.irr(counted))
    except np.linalg.LinAlgError:
        return None, "no_root", changes
    if not np.isfinite(value):
        return None, "no_root", changes
    return value, "conventional_cut" if nz[0] > 0 else "conventional", changes


def dual_running_of(costs: F, cashable: F) -> DualRunning:
    """Dual running of one case's flows (funding needed while costs run ahead of cashable savings). [£]"""
    d = dual_running_arrays(costs, cashable)
    return DualRunning(
        funding_requirement=d.requirement,
        cumulative_requirement=d.cumulative,
        peak_funding_requirement=float(d.peak),
        peak_year=int(d.peak_year) if d.peak_year >= 0 else None,
        years=int(d.years),
        ends_within_horizon=bool(d.ends_within_horizon),
        break_even_year=int(d.break_even_year) if d.break_even_year >= 0 else None,
    )


def _financing(
    scenario: Scenario, dual: DualRunning, costs: F, cashable: F, T: int
) -> FinancingResult | None:
    fin = scenario.proposal.financing
    if fin is None:
        return None
    import numpy_financial as npf

    r = float(fin.interest_rate.value)
    term = int(fin.term_years.value)
    principal = dual.peak_funding_requirement
    annual = float(-npf.pmt(r, term, principal)) if principal > 0 and term > 0 else 0.0
    surplus = cashable - costs
    after = surplus[dual.years :] if dual.ends_within_horizon else surplus[:0]
    capacity = float(np.mean(np.maximum(after, 0.0))) if after.size else 0.0
    if principal <= MONEY_TOLERANCE:
        years_to_repay: float | None = 0.0
    elif capacity > principal * r + MONEY_TOLERANCE:
        years_to_repay = float(npf.nper(r, -capacity, principal))
    else:
        years_to_repay = None
    start = dual.peak_year + 1 if dual.peak_year is not None else 0
    repaid = years_to_repay is not None and start + years_to_repay <= T + 1e-9
    return FinancingResult(
        fund=fin.fund,
        principal=principal,
        interest_rate=r,
        term_years=term,
        annual_repayment=annual,
        repayment_capacity=capacity,
        years_to_repay=years_to_repay,
        repaid_within_horizon=bool(repaid),
        affordable=bool(annual <= capacity + MONEY_TOLERANCE),
    )


def check_finite(result: TenYearTest) -> None:
    """Refuse to return any NaN or infinity (a guard; validated inputs should never produce one)."""
    arrays = {
        "costs": result.flows.costs,
        "savings": result.flows.savings,
        "cashable": result.flows.cashable,
        "discount factors": result.flows.factors,
        "pv by agency": result.pv_net_by_agency,
    }
    for name, arr in arrays.items():
        if not np.all(np.isfinite(arr)):
            raise ComputationError(
                f"the appraisal produced a non-finite value in {name}; check the inputs' magnitudes"
            )
    for name in ("pv_costs", "pv_savings", "npv", "bcr", "irr"):
        v = getattr(result, name)
        if v is not None and not np.isfinite(v):
            raise ComputationError(f"the appraisal produced a non-finite {name}")
    if result.layers is not None:
        for layer in result.layers.layers:
            for v in (layer.pv_benefits, layer.pv_costs, layer.per_pound):
                if v is not None and not np.isfinite(v):
                    raise ComputationError(f"the appraisal produced a non-finite value in the {layer.name} layer")
