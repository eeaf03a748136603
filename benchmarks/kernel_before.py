"""A frozen copy of the Monte Carlo's engine path as it was before the kernel work (issue 9, session 4):
``measures`` (evaluate_summary, outcome_terms, persistence_profile, intake_convolution, layer_summary,
BatchMeasures) and ``with_values``, copied verbatim from costmodel/appraisal/engine.py and
costmodel/uncertainty/batch.py at commit 4f67eec. benchmarks/bench_kernel.py times it beside the
current code and checks that both give the same bits. Not used by the package.
"""
# ruff: noqa
# mypy: ignore-errors

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from costmodel.appraisal.discounting import discount_factors
from costmodel.appraisal.engine import (
    MONEY_TOLERANCE,
    Params,
    Structure,
    additionality_factor,
    dual_running_arrays,
    DualRunningArrays,
)
from costmodel.uncertainty.batch import DIRECT_TARGETS, PARAM_FIELDS
from costmodel.uncertainty.compile import Compiled, UncertainInput

F = NDArray[np.float64]
LONG_HORIZON_YEARS = 30

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
        out = np.zeros((*np.broadcast_shapes(lag.shape, persistence.shape, keep.shape[:-1]), n_years))
        out[..., :support] = np.where(active, np.cumprod(np.where(since > 0, keep, 1.0), axis=-1), 0.0)
        return out
    since = np.arange(n_years, dtype=np.float64) - lag[..., None]
    active = (since >= 0) & (since < persistence[..., None])
    return np.where(active, keep ** np.maximum(since, 0.0), 0.0)


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

def first_year_staying_nonnegative(cumulative: F, tolerance: float = MONEY_TOLERANCE) -> NDArray[np.int64]:
    """Index of the first year from which ``cumulative`` stays ≥ 0 to the end, or -1 if it never does.

    ``cumulative`` has shape (..., T); returns (...,).
    """
    bad = ~(cumulative >= -tolerance)  # (..., T); NaN counts as below zero
    n = bad.shape[-1]
    if n == 0:
        return np.full(bad.shape[:-1], -1, dtype=np.int64)
    first = np.where(bad.any(axis=-1), n - np.argmax(bad[..., ::-1], axis=-1), 0)  # after the last bad year
    return np.where(first < n, first, -1).astype(np.int64)

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
        first, last = windows
        # out[t] = running[t - first + 1] - running[t - last] with running[k] = sum_{j<k} profile[j]
        # (0 before the first intake year, no subtraction before the last), one slice per distinct run
        running = _running_sum(profile, support)  # running[k - 1]
        if not first.any() and bool(np.all(last >= T - 1)):  # every outcome's intake runs all horizon
            return running
        out = np.zeros((*batch, n_outcomes, T))
        for a, b in sorted(set(zip(first.tolist(), last.tolist(), strict=True))):  # intake runs (a few)
            o = np.flatnonzero((first == a) & (last == b))
            if a < T:
                out[..., o, a:] = running[..., o, : T - a]
            if b + 1 < T:
                out[..., o, b + 1 :] -= running[..., o, : T - b - 1]
        return out
    lagidx = np.arange(T)[:, None] - np.arange(T)[None, :]  # (T, T): t - j
    toeplitz = np.where(lagidx >= 0, intake_mask[..., np.clip(lagidx, 0, T - 1)], 0.0)  # (O, T, T)
    # one stacked matrix product for every outcome at once: (O, N, T) @ (O, T, T), N = the draws
    by_outcome = np.moveaxis(profile.reshape(math.prod(batch), n_outcomes, T), 1, 0)  # (O, N, T)
    convolved = np.moveaxis(by_outcome @ toeplitz.transpose(0, 2, 1), 0, 1)  # (N, O, T)
    return convolved.reshape(*batch, n_outcomes, T)


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


def cash_share_by_year(release: F, share: F, n_years: int) -> F:
    """Share of each year's saving that is cashable: ``share`` from the ``release`` year on, 0 before.

    ``release`` and ``share`` (*B, O); returns (*B, O, n_years). [fraction]
    """
    share = share[..., None]
    return np.where(np.arange(n_years) >= release[..., None], share, 0.0 * share)


def _times(a: F, b: F) -> F:
    """``a * b``, written over ``a`` when ``a`` is a fresh array of the result's shape (no temporary)."""
    if a.flags.writeable and a.flags.owndata and a.shape == np.broadcast_shapes(a.shape, b.shape):
        return np.multiply(a, b, out=a)
    return a * b

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

@dataclass(frozen=True)
class Summary:
    """What a Monte Carlo needs from each draw, without (draws × years × agencies) arrays."""

    pv_costs: F  # (*B, A) [£]
    pv_savings: F  # (*B, A) [£]
    costs: F  # (*B, T) all agencies, undiscounted [£]
    savings: F  # (*B, T) [£]
    cashable: F  # (*B, T) [£]
    factors: F  # (*B, T) [fraction]
    pv_economic: F | None = None  # (*B,) economic layer [£]
    pv_social: F | None = None  # (*B,) social layer, wellbeing at the health rate [£]


def evaluate_summary(s: Structure, p: Params) -> Summary:
    """Present values by agency and yearly totals for a batch of draws: the same figures as
    :func:`evaluate` reduced early (discounting before spreading over agencies), so memory and time
    scale with draws × (years + agencies), not draws × years × agencies."""
    df = discount_factors(p.rates, s.discount_offset)  # (*B, T)
    amount = np.asarray(p.cost_amount, dtype=np.float64)  # (*B, L)
    if s.cost_shape.ndim == 2:
        line_pv = amount * (df @ s.cost_shape.T)  # (*B, L) [£]
        costs_t = amount @ s.cost_shape  # (*B, T)
    else:
        line_pv = amount * np.einsum("...lt,...t->...l", s.cost_shape, df)
        costs_t = np.einsum("...l,...lt->...t", amount, s.cost_shape)
    pv_costs = line_pv @ s.cost_payer  # (*B, A)

    gross, keep, release, share, unit = outcome_terms(s, p)
    T = s.n_years
    batch = np.broadcast_shapes(
        pv_costs.shape[:-1],
        gross.shape[:-2],
        keep.shape[:-1],
        release.shape[:-1],
        share.shape[:-1],
        unit.shape[:-2],
        df.shape[:-1],
    )
    # the same products as evaluate(), in the same order, written over a few (*B, O, T) buffers
    unit_total = unit.sum(axis=-1)  # (*B, O) [£ per event, all agencies]
    events = _times(gross, keep[..., None])  # (*B, O, T) [events]
    work = events * df[..., None, :]  # (*B, O, T) [events, discounted]
    pv_events = np.sum(work, axis=-1)  # (*B, O)
    fits = work.shape == np.broadcast_shapes(events.shape, (*unit_total.shape, 1))
    valued = np.multiply(events, unit_total[..., None], out=work if fits else None)  # (*B, O, T) [£]
    savings_t = _sum_outcomes(valued, -2, (*batch, T))
    # cashable: valued × share from the release year, 0 before (the zeros' sign cannot change a sum from 0.0)
    before = np.greater_equal(np.arange(T), release[..., None])
    np.logical_not(before, out=before)  # (*B, O, T) years before the release year
    cash = _times(valued, share[..., None])
    if cash.shape != (shape := np.broadcast_shapes(cash.shape, before.shape)):
        cash = np.broadcast_to(cash, shape).copy()
    np.copyto(cash, 0.0, where=before)
    cashable_t = _sum_outcomes(cash, -2, (*batch, T))
    pv_savings = np.einsum("...o,...oa->...a", pv_events, unit)
    if s.savings_line_ids:
        s_amount = np.asarray(p.savings_amount, dtype=np.float64)  # (*B, S)
        pv_savings = pv_savings + (s_amount * (df @ s.savings_shape.T)) @ s.savings_holder
        fiscal_lines = s.savings_holder.sum(axis=-1)  # (S,) 1 for a fiscal line, 0 beyond public budgets
        savings_t = savings_t + s_amount @ (s.savings_shape * fiscal_lines[:, None])
        cashable_t = cashable_t + s_amount @ (s.savings_shape * s.savings_cash)
    sign = s.sign
    pv_economic, pv_social = layer_summary(pv_events, events, p, s, df)
    return Summary(
        sign * pv_costs,
        sign * pv_savings,
        sign * costs_t,
        sign * savings_t,
        sign * cashable_t,
        df,
        pv_economic=np.broadcast_to(pv_economic, batch).copy(),
        pv_social=np.broadcast_to(pv_social, batch).copy(),
    )

@dataclass(frozen=True)
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



def _growth_rows(inp: UncertainInput, x: F) -> F:
    """A cost line's yearly amount multipliers with real growth ``x`` (n,), or, for a cut line's release
    ramp, with ``x`` years to full release (engine.release_shares): (n, T) [ratio]."""
    assert inp.vector is not None
    if inp.target == "cost_release":
        unreleased, since = inp.vector
        return unreleased * np.where(since >= 0, np.minimum(1.0, (since + 1.0) / (x[:, None] + 1.0)), 1.0)
    active, expo = inp.vector
    return active * (1.0 + x[:, None]) ** expo



@dataclass(frozen=True)
class ValuesPlan:
    """How each column of a values matrix reaches the engine, worked out once per input table
    (:func:`values_plan`), so each chunk of draws costs one fancy-indexed assignment per field."""

    # (field, columns, index, scale, in_order, unscaled): ``in_order`` when index is 0, 1, 2 ... (the columns
    # may then be the whole field), ``unscaled`` when every scale is 1 (no multiply needed)
    direct: tuple[tuple[str, NDArray[np.int64], NDArray[np.int64], F, bool, bool], ...]
    shared: tuple[int, ...]  # columns whose cell several varying inputs multiply
    varying: dict[str, int]  # input id -> column
    # one group per rank of a unit-cost component within its outcome: (columns, outcome, central, vectors)
    components: tuple[tuple[NDArray[np.int64], NDArray[np.int64], F, F], ...]
    others: tuple[int, ...]  # unit-cost scales, the discount rate and growth rates (a few)


def values_plan(inputs: Sequence[UncertainInput]) -> ValuesPlan:
    """The :class:`ValuesPlan` of ``inputs`` (the columns of the values matrices)."""
    # "pool_term": the agreement's own terms move no engine array (costmodel.pooling.draws applies them)
    known = {
        *DIRECT_TARGETS,
        "unit_cost_component",
        "unit_cost_scale",
        "discount_rate",
        "cost_growth",
        "cost_release",
        "pool_term",
    }
    unknown = {inp.target for inp in inputs} - known
    if unknown:  # pragma: no cover - a programming error
        raise ValueError(f"unknown input target {sorted(unknown)!r}")
    targets = np.array([inp.target for inp in inputs], dtype=object)
    varying = {inp.id: k for k, inp in enumerate(inputs)}
    shared = np.array([sum(cid in varying for cid, _ in inp.cell) > 1 for inp in inputs], dtype=bool)
    direct = []
    for name in DIRECT_TARGETS:
        cols = np.flatnonzero((targets == name) & ~shared)
        if cols.size:
            index = np.array([inputs[k].index for k in cols.tolist()], dtype=np.int64)
            scale = np.array([inputs[k].scale for k in cols.tolist()], dtype=np.float64)
            in_order = bool(np.array_equal(index, np.arange(index.size)))
            direct.append((name, cols, index, scale, in_order, bool(np.all(scale == 1.0))))
    components = []
    cols = np.flatnonzero(targets == "unit_cost_component")
    if cols.size:
        # several components of one outcome add up in input order: apply them rank by rank, each rank
        # touching every outcome at most once
        outcome = np.array([inputs[k].index for k in cols.tolist()], dtype=np.int64)
        count: dict[int, int] = {}
        rank = np.empty(cols.size, dtype=np.int64)
        for j, o in enumerate(outcome.tolist()):
            rank[j] = count.get(o, 0)
            count[o] = rank[j] + 1
        vectors = np.stack([np.asarray(inputs[k].vector, dtype=np.float64) for k in cols.tolist()])  # (Kc, A)
        central = np.array([inputs[k].central for k in cols.tolist()], dtype=np.float64)
        for r in range(int(rank.max()) + 1):  # components per outcome (a few), not draws
            sel = np.flatnonzero(rank == r)
            components.append((cols[sel], outcome[sel], central[sel], vectors[sel]))
    others = np.flatnonzero(np.isin(targets, ("unit_cost_scale", "discount_rate", "cost_growth", "cost_release")))
    return ValuesPlan(
        tuple(direct), tuple(np.flatnonzero(shared).tolist()), varying, tuple(components), tuple(others.tolist())
    )



class _Batch:
    """Central ``Params`` broadcast to B rows; a field is copied only when a row of it changes."""

    def __init__(self, c: Compiled, B: int, *, broadcast: bool = True) -> None:
        self.c = c
        self.B = B
        # without ``broadcast``, a field no row changes keeps its central shape: the engine broadcasts it,
        # so work on it (e.g. discount factors when the rate does not vary) is done once, not per row
        self.arrays: dict[str, F] = {n: getattr(c.params, n) for n in PARAM_FIELDS}
        if broadcast:
            self.arrays = {n: np.broadcast_to(a, (B, *np.shape(a))) for n, a in self.arrays.items()}
        self.owned: set[str] = set()
        self.cost_shape = c.structure.cost_shape

    def writable(self, name: str) -> F:
        if name not in self.owned:
            central = getattr(self.c.params, name)
            self.arrays[name] = np.array(
                np.broadcast_to(central, (self.B, *np.shape(central))), dtype=np.float64
            )
            self.owned.add(name)
        return self.arrays[name]

    def own(self, name: str, values: F) -> None:
        """Field ``name`` is ``values`` (B, ...), a fresh array of the field's batched shape."""
        self.arrays[name] = values
        self.owned.add(name)

    def writable_cost_shape(self) -> F:
        if self.cost_shape.ndim == 2:
            self.cost_shape = np.array(np.broadcast_to(self.cost_shape, (self.B, *self.cost_shape.shape)))
        return self.cost_shape

    def result(self) -> tuple[Structure, Params]:
        base = self.c.structure
        structure = base if self.cost_shape is base.cost_shape else replace(base, cost_shape=self.cost_shape)
        return structure, Params(**self.arrays)


def with_values(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    values: F,
    *,
    broadcast: bool = True,
    plan: ValuesPlan | None = None,
) -> tuple[Structure, Params]:
    """Batched engine inputs: row b of ``values`` (shape (B, K)) sets input k to ``values[b, k]``.

    Inputs not listed stay at their central (compiled) values. Returns a ``Structure`` (whose
    ``cost_shape`` gains the batch axis only if a growth rate varies) and ``Params`` with leading
    axis B. The inputs are applied a group at a time (one fancy-indexed assignment per engine
    field), not one input at a time; ``plan`` (:func:`values_plan` of ``inputs``) saves working the
    groups out again for each chunk. With ``broadcast=False`` the fields no input changes keep their
    central shape (no batch axis), which the engine broadcasts.
    """
    values = np.asarray(values, dtype=np.float64)
    plan = plan if plan is not None else values_plan(inputs)
    batch = _Batch(c, values.shape[0], broadcast=broadcast)
    for name, cols, index, scale, in_order, unscaled in plan.direct:
        x = values[:, cols]  # a fresh (B, n) array; x * 1.0 is x, so a scale of 1 is not multiplied
        if not unscaled:
            np.multiply(x, scale, out=x)
        if in_order and np.shape(getattr(c.params, name)) == (index.size,):
            batch.own(name, x)  # every element of the field varies: no central copy to write over
        else:
            batch.writable(name)[:, index] = x
    for k in plan.shared:
        # several varying inputs multiply this cell (a registry entry that scales a Params field): the
        # product of each one's value in this row, or its central value if it does not vary
        inp = inputs[k]
        terms = [values[:, plan.varying[cid]] if cid in plan.varying else central for cid, central in inp.cell]
        batch.writable(inp.target)[:, inp.index] = math.prod(terms)
    if plan.components:
        unit = batch.writable("unit_cost")
        for cols, outcome, central, vectors in plan.components:
            unit[:, outcome, :] += (values[:, cols] - central)[:, :, None] * vectors
    for k in plan.others:
        inp, x = inputs[k], values[:, k]
        if inp.target == "unit_cost_scale":
            assert inp.vector is not None
            batch.writable("unit_cost")[:] += (x / inp.central - 1.0)[:, None, None] * inp.vector
        elif inp.target == "discount_rate":
            batch.writable("rates")[:] += (x - inp.central)[:, None]
        else:
            batch.writable_cost_shape()[:, inp.index, :] = _growth_rows(inp, x)
    return batch.result()




def simulate_before(scenario, draws: int, seed: int, *, chunk_size: int | None = None):
    """``costmodel.uncertainty.montecarlo.simulate`` (no target error, no extras) as it was: the same draws
    from the same generator, each chunk through npv_table -> with_values -> measures above.
    Returns (npv, npv_by_agency, cash_break_even_year, discounted_payback_year)."""
    from costmodel.uncertainty.batch import _check_finite_values, _furthest_input, chunk_size_for
    from costmodel.uncertainty.compile import compile_uncertainty
    from costmodel.uncertainty.montecarlo import _drawer, input_copula

    c = compile_uncertainty(scenario, True, pool_terms=True)
    inputs = c.inputs
    rng = np.random.default_rng(seed)
    chunk = chunk_size or chunk_size_for(c.structure)
    n_a = len(c.agency_ids)
    npv = np.empty(draws)
    net_a = np.empty((draws, n_a))
    be = np.empty(draws, dtype=np.int64)
    dpay = np.empty(draws, dtype=np.int64)
    draw = _drawer(inputs, input_copula(scenario, inputs))
    plan = values_plan(inputs)
    for start in range(0, draws, chunk):
        stop = min(draws, start + chunk)
        values = draw(stop - start, rng)
        _check_finite_values(c, inputs, values)
        # npv_table's _npv_rows with one chunk
        n = values.shape[0]
        r_npv, r_net = np.empty(n), np.empty((n, n_a))
        r_be, r_dpay = np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64)
        m = measures(*with_values(c, inputs, values, broadcast=False, plan=plan))
        r_npv[:], r_net[:] = m.npv, m.pv_net_by_agency
        r_be[:], r_dpay[:] = m.cash_break_even_year, m.discounted_payback_year
        if not (np.all(np.isfinite(r_npv)) and np.all(np.isfinite(r_net))):
            raise _furthest_input(c, inputs, values)(0)
        npv[start:stop], net_a[start:stop], be[start:stop], dpay[start:stop] = r_npv, r_net, r_be, r_dpay
    return npv, net_a, be, dpay
