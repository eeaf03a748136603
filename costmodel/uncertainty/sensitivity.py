"""Sensitivity of the Ten Year Test: the tornado, switching values, discount-rate sensitivity and the
optimism-bias effect, each a batched call of the engine (:mod:`costmodel.uncertainty.batch`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.chain import appraise
from ..appraisal.discounting import appraisal_rates
from ..appraisal.engine import MONEY_TOLERANCE, measures
from ..appraisal.optimism import Correction, OptimismSettings, file_settings
from ..errors import UsageError
from ..inputs.loading import load_reference
from .batch import npv_cases, npv_table, with_values
from .compile import Compiled, UncertainInput, compile_uncertainty
from .optimism import OptimismTable, check_capital_options, load_optimism_table

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest
    from ..inputs.loading import Scenario
    from ..inputs.models import Deflator

F = NDArray[np.float64]


# ---------------------------------------------------------------------------------------------
# Tornado
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TornadoBar:
    input: UncertainInput
    npv_low: float  # NPV with the input at its low value, others central [£]
    npv_high: float  # [£]
    npv_low_by_agency: F  # (A,) [£]
    npv_high_by_agency: F  # (A,) [£]

    @property
    def swing(self) -> float:
        return abs(self.npv_high - self.npv_low)


@dataclass(frozen=True)
class Tornado:
    central_npv: float  # the deterministic NPV [£]
    central_by_agency: F  # (A,) [£]
    agency_ids: tuple[str, ...]
    bars: tuple[TornadoBar, ...]  # sorted by swing, largest first


def tornado(c: Compiled, central: TenYearTest | None = None) -> Tornado:
    """NPV with each ranged input at its low and its high, the others central, sorted by swing."""
    result = central if central is not None else appraise(c.scenario, optimism=c.optimism or False)
    ranged = [i for i in c.inputs if i.ranged]
    K = len(ranged)
    which = np.repeat(np.arange(K), 2)  # rows 2k, 2k + 1: input k at its low, then its high
    xs = np.array([x for i in ranged for x in (i.low, i.high)], dtype=np.float64)
    res = npv_cases(c, ranged, which, xs) if K else None
    bars = []
    for k, inp in enumerate(ranged):
        assert res is not None
        bars.append(
            TornadoBar(
                inp,
                float(res.npv[2 * k]),
                float(res.npv[2 * k + 1]),
                res.npv_by_agency[2 * k],
                res.npv_by_agency[2 * k + 1],
            )
        )
    bars.sort(key=lambda b: -b.swing)
    return Tornado(result.npv, result.pv_net_by_agency, c.agency_ids, tuple(bars))


# ---------------------------------------------------------------------------------------------
# Switching values
# ---------------------------------------------------------------------------------------------

BISECTION_STEPS = 64
GRID_POINTS = 101


@dataclass(frozen=True)
class SwitchingValue:
    input: UncertainInput
    agency: str  # an agency id, or "total" for the whole public sector
    value: float | None  # the input value at which that NPV is zero (None: no such value)
    why_none: NoSwitch | None  # why there is none (the words are costmodel.present's switching_reason)
    method: str  # "linear", "bisection" or "integer scan"


@dataclass(frozen=True)
class NoSwitch:
    """Why an NPV has no switching value, as data (no words: :mod:`costmodel.present` writes them).

    ``kind``: "unchanged" (the NPV does not move with the input); "never_zero" (no value in the
    input's domain brings it to zero; ``side`` says which side it stays on and ``at`` is the value it
    would take, outside the domain, if known); "zero_only_at_edge" (zero only at the domain's end
    ``at``, ``side`` everywhere else); "whole_years_same_side" (a whole-year input: the NPV stays on
    ``side`` for every whole number of years in the domain).
    """

    kind: str
    side: str = ""  # "positive", "negative", "at or above zero"
    at: float | None = None  # [the input's unit]


def switching_values(c: Compiled, inputs: Sequence[UncertainInput] | None = None) -> list[SwitchingValue]:
    """For each input, the value at which the total NPV, and each agency's NPV, reaches zero.

    NPV is affine in cohort, baseline rate, effect, the additionality shares, per-event
    quantities, unit costs and cost amounts: two evaluations give the exact root. For drop-off,
    growth and the discount rate a grid locates the sign change nearest the central value and
    bisection refines it to machine precision. Whole-year inputs get the smallest whole number of
    years at which the NPV changes sign.
    """
    cands = list(inputs if inputs is not None else c.candidates)
    cols = ["total", *c.agency_ids]
    # 1. every input's first evaluations (two points, a grid or every whole year) in one batched call
    points = [scan_points(inp, inp.linear) for inp in cands]
    which = np.repeat(np.arange(len(cands)), [p.size for p in points])
    f = _evaluate_cases(c, cands, which, np.concatenate(points) if points else np.zeros(0))
    bounds = np.concatenate([[0], np.cumsum([p.size for p in points])]).astype(int)
    results: list[list[SwitchingValue]] = []
    brackets: list[_Bracket] = []
    for k, inp in enumerate(cands):
        fk = f[bounds[k] : bounds[k + 1]]
        if inp.integer:
            results.append(_switch_integer(inp, points[k], fk, cols))
        elif inp.linear:
            results.append(_switch_linear(inp, points[k], fk, cols))
        else:
            found, open_brackets = _switch_grid(inp, points[k], fk, cols)
            results.append(found)
            brackets += [_Bracket(k, *b) for b in open_brackets]
    # 2. bisection of every bracket of every input at once
    if brackets:
        for b, x in zip(brackets, _bisect(c, cands, brackets), strict=True):
            results[b.input].append(
                SwitchingValue(cands[b.input], cols[b.column], float(x), None, "bisection")
            )
        order = {w: i for i, w in enumerate(cols)}
        for k in {b.input for b in brackets}:
            results[k].sort(key=lambda sv: order[sv.agency])
    return [sv for found in results for sv in found]


@dataclass(frozen=True)
class _Bracket:
    """A sign change of one NPV column between two values of one input, to refine by bisection."""

    input: int  # index into the candidates
    column: int  # 0 = total, 1 + a = agency a
    low: float
    high: float
    f_low: float  # that NPV at ``low`` [£]


MAX_SCAN_YEARS = 200
"""The most whole years a switching-value scan steps through (a bound far above any horizon). [years]"""


def scan_points(inp: UncertainInput, linear: bool, grid_points: int = GRID_POINTS) -> F:
    """The values of ``inp`` at which a switching-value search first evaluates the NPVs: every whole
    year of its domain (a whole-year input), two points (an input the NPVs are ``linear`` in: the exact
    root follows), else a grid of ``grid_points`` over its domain with its central value added (an
    unbounded domain is scanned to ten times its high or central value)."""
    if inp.integer:
        return np.arange(int(inp.domain_low), int(min(inp.domain_high, MAX_SCAN_YEARS)) + 1, dtype=np.float64)
    if linear:
        x0 = inp.central
        span = max(inp.high - inp.low, abs(x0), 1.0 if inp.unit != "fraction" else 0.5)
        x1 = min(inp.domain_high, x0 + span)
        if x1 <= x0:
            x1 = max(inp.domain_low, x0 - span)
        return np.array([x0, x1])
    top = inp.domain_high if math.isfinite(inp.domain_high) else max(inp.high, inp.central) * 10 + 1
    return np.unique(np.append(np.linspace(inp.domain_low, top, grid_points), inp.central))


def _evaluate_cases(c: Compiled, inputs: Sequence[UncertainInput], which: NDArray[np.int64], xs: F) -> F:
    """(rows, 1 + A): total NPV then each agency's, with ``inputs[which[r]]`` at ``xs[r]`` in row r."""
    res = npv_cases(c, inputs, which, xs)
    return np.column_stack([res.npv, res.npv_by_agency])


def _bisect(c: Compiled, inputs: Sequence[UncertainInput], brackets: Sequence[_Bracket]) -> F:
    """Roots of every bracket's NPV column to machine precision; each step one batched call."""
    which = np.array([b.input for b in brackets], dtype=np.int64)
    col = np.array([b.column for b in brackets], dtype=np.int64)
    a = np.array([b.low for b in brackets])
    b_ = np.array([b.high for b in brackets])
    fa = np.array([b.f_low for b in brackets])
    rows = np.arange(which.size)
    for _ in range(BISECTION_STEPS):  # vectorised over every bracket at once
        m = 0.5 * (a + b_)
        fm = _evaluate_cases(c, inputs, which, m)[rows, col]
        left = np.sign(fm) == np.sign(fa)
        a = np.where(left, m, a)
        fa = np.where(left, fm, fa)
        b_ = np.where(left, b_, m)
    ends = _evaluate_cases(c, inputs, np.concatenate([which, which]), np.concatenate([a, b_]))
    fa_end = ends[rows, col]
    fb_end = ends[which.size + rows, col]
    return np.where(np.abs(fa_end) <= np.abs(fb_end), a, b_)


def _unchanged(inp: UncertainInput, who: str, method: str) -> SwitchingValue:
    """No switching value: ``who``'s NPV does not move with ``inp``."""
    return SwitchingValue(inp, who, None, NoSwitch("unchanged"), method)


def _never_zero(inp: UncertainInput, who: str, side: str, method: str, at: float | None = None) -> SwitchingValue:
    """No switching value: no value in ``inp``'s domain brings ``who``'s NPV to zero (``at``: the value
    that would, outside the domain)."""
    return SwitchingValue(inp, who, None, NoSwitch("never_zero", side, at), method)


def _switch_linear(
    inp: UncertainInput, xs: F, f: F, cols: list[str]
) -> list[SwitchingValue]:
    """Exact roots of an input the NPVs are affine in, from the NPVs ``f`` at two values ``xs``."""
    x0, x1 = float(xs[0]), float(xs[1])
    out = []
    for j, who in enumerate(cols):
        f0, f1 = float(f[0, j]), float(f[1, j])
        if abs(f1 - f0) <= MONEY_TOLERANCE:
            out.append(_unchanged(inp, who, "linear"))
            continue
        slope = (f1 - f0) / (x1 - x0)
        root = x0 - f0 / slope if math.isfinite(slope) and slope != 0 else math.inf
        if not math.isfinite(root):  # so flat that no finite value reaches zero
            side = "positive" if f0 > 0 else "negative"
            out.append(_never_zero(inp, who, side, "linear"))
            continue
        edge = 1e-9 * max(1.0, abs(x0))
        if abs(root - inp.domain_low) <= edge or abs(root - inp.domain_high) <= edge:
            # proportional: zero only at the edge of the domain, one sign everywhere else
            side = "positive" if f0 > 0 else "negative"
            end = inp.domain_low if abs(root - inp.domain_low) <= edge else inp.domain_high
            out.append(SwitchingValue(inp, who, None, NoSwitch("zero_only_at_edge", side, end), "linear"))
        elif inp.domain_low <= root <= inp.domain_high:
            out.append(SwitchingValue(inp, who, float(root), None, "linear"))
        else:
            side = "positive" if f0 > 0 else "negative"
            out.append(_never_zero(inp, who, side, "linear", float(root)))
    return out


def _switch_grid(
    inp: UncertainInput, grid: F, f: F, cols: list[str]
) -> tuple[list[SwitchingValue], list[tuple[int, float, float, float]]]:
    """From the NPVs ``f`` on a grid of ``inp``'s domain: the answers already known (no change, no
    sign change, an exact zero on the grid) and, for the other columns, the bracket nearest the
    central value (column, low, high, NPV at low) for bisection."""
    ci = int(np.searchsorted(grid, inp.central))
    out: list[SwitchingValue] = []
    brackets: list[tuple[int, float, float, float]] = []
    for j, who in enumerate(cols):
        col = f[:, j]
        if np.ptp(col) <= MONEY_TOLERANCE:
            out.append(_unchanged(inp, who, "bisection"))
            continue
        zeros = np.flatnonzero(col == 0.0)
        flips = np.flatnonzero(np.sign(col[:-1]) * np.sign(col[1:]) < 0)
        if zeros.size == 0 and flips.size == 0:
            side = "positive" if col[ci] > 0 else "negative"
            out.append(_never_zero(inp, who, side, "bisection"))
            continue
        if zeros.size and (flips.size == 0 or np.min(np.abs(zeros - ci)) <= np.min(np.abs(flips + 0.5 - ci))):
            out.append(
                SwitchingValue(inp, who, float(grid[zeros[np.argmin(np.abs(zeros - ci))]]), None, "bisection")
            )
            continue
        k = int(flips[np.argmin(np.abs(flips + 0.5 - ci))])
        brackets.append((j, float(grid[k]), float(grid[k + 1]), float(col[k])))
    return out, brackets


def _switch_integer(
    inp: UncertainInput, xs: F, f: F, cols: list[str]
) -> list[SwitchingValue]:
    """The smallest whole number of years at which each NPV changes sign, from the NPVs ``f`` at every
    whole number ``xs`` of the domain."""
    ci = int(np.flatnonzero(xs == inp.central)[0]) if inp.central in xs else 0
    out = []
    for j, who in enumerate(cols):
        col = f[:, j]
        passes = col >= -MONEY_TOLERANCE
        if np.ptp(col) <= MONEY_TOLERANCE:
            out.append(_unchanged(inp, who, "integer scan"))
            continue
        flipped = np.flatnonzero(passes != passes[ci])
        if flipped.size == 0:
            side = "at or above zero" if passes[ci] else "negative"
            out.append(SwitchingValue(inp, who, None, NoSwitch("whole_years_same_side", side), "integer scan"))
        else:
            out.append(SwitchingValue(inp, who, float(xs[flipped[0]]), None, "integer scan"))
    return out


def npv_with(c: Compiled, inp: UncertainInput, x: float) -> tuple[float, F]:
    """Total NPV and NPV by agency with ``inp`` set to ``x`` (others central). [£]"""
    res = npv_table(c, [inp], np.array([[x]]))
    return float(res.npv[0]), res.npv_by_agency[0]


# ---------------------------------------------------------------------------------------------
# Discount-rate sensitivity and optimism bias
# ---------------------------------------------------------------------------------------------

STANDARD_SCHEDULES = ("green_book_standard", "green_book_lower_rate", "green_book_health")


@dataclass(frozen=True)
class RateCase:
    """The NPV under one discount schedule; its name in words is
    :func:`costmodel.present.input_values.rate_case_label`."""

    schedule: str | None  # a shipped schedule's id, or None for a user's constant rate
    npv: float  # [£]
    npv_by_agency: F  # (A,) [£]
    rate: float | None = None  # the user's constant rate [fraction]; None for a shipped schedule


def discount_rate_sensitivity(c: Compiled, user_rates: Sequence[float] = ()) -> list[RateCase]:
    """NPV (total and by agency) under the standard, lower-rate and health schedules and any user rates."""
    ref = {s.id: s for s in load_reference().discount_schedules}
    T = c.structure.n_years
    cases: list[tuple[str | None, F, float | None]] = []
    for sid in STANDARD_SCHEDULES:
        bands = [(b.from_year, b.rate) for b in ref[sid].bands]
        cases.append((sid, appraisal_rates(bands, T, c.structure.discount_offset), None))
    for r in user_rates:
        if not 0 <= r <= 0.5:
            raise UsageError(
                f"must be fractions between 0 and 0.5, e.g. 0.035 (got {r:g})", field="user_rates"
            )
        cases.append((None, np.full(T, float(r)), float(r)))
    rates = np.stack([x[1] for x in cases])
    s, p = with_values(c, [], np.zeros((len(cases), 0)))
    p = replace(p, rates=rates)
    m = measures(s, p)
    return [
        RateCase(sid, float(m.npv[i]), m.pv_net_by_agency[i], rate)
        for i, (sid, _, rate) in enumerate(cases)
    ]


@dataclass(frozen=True)
class OptimismEffect:
    npv_without: float  # [£]
    npv_with: float  # [£]
    by_agency_without: F  # (A,)
    by_agency_with: F  # (A,)
    corrections: tuple[Correction, ...]
    table_status: str
    table_note: str
    capital_category: str

    @property
    def effect(self) -> float:
        return self.npv_with - self.npv_without


def optimism_effect(
    scenario: Scenario,
    table: OptimismTable | None = None,
    *,
    capital_category: str | None = None,
    mitigation: float = 0.0,
) -> OptimismEffect:
    """NPV with and without the optimism-bias corrections (by grade, and capital), total and by agency."""
    table = table or load_optimism_table()
    settings = OptimismSettings(table, capital_category=capital_category, mitigation=mitigation)
    cat = check_capital_options(table, capital_category, mitigation)
    without = appraise(scenario, optimism=False)
    cw = compile_uncertainty(scenario, settings)
    m = measures(cw.structure, cw.params)
    npv, net_a = m.npv, m.pv_net_by_agency
    cg = table.confidence_grades
    note = (
        cg.assumption
        if cg.status == "assumption" and cg.assumption
        else (cg.source.title if cg.source else "")
    )
    return OptimismEffect(
        without.npv,
        float(npv),
        without.pv_net_by_agency,
        np.asarray(net_a),
        cw.corrections,
        cg.status,
        note,
        cat,
    )


# ---------------------------------------------------------------------------------------------
# Everything `costmodel sensitivity` reports
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivity:
    result: TenYearTest
    tornado: Tornado
    switching_values: tuple[SwitchingValue, ...]
    discount_rates: tuple[RateCase, ...]
    optimism: OptimismEffect
    deflator_cases: tuple[DeflatorCase, ...] = ()


@dataclass(frozen=True)
class DeflatorCase:
    """The appraisal with general inflation moved by ``shift`` a year after the last outturn year; its
    name in words is :func:`costmodel.present.input_values.deflator_case_label`."""

    deflator_id: str
    first_year: int  # the first year whose inflation moves (after the last outturn year) [year]
    shift: float  # [fraction per year]
    npv: float  # [£] real, discounted: moves only through cash (nominal) inputs
    cash_net: float  # [£ cash] net cash position over the horizon, whole public sector
    cash_peak: float  # [£ cash] peak dual-running funding in cash


def shifted_deflator(d: Deflator, shift: float) -> Deflator:
    """``d`` with growth raised by ``shift`` [fraction per year] in every year after its last outturn year
    (forecasts and the long-run assumption); outturn years are unchanged."""
    years = sorted(d.index)
    first = (d.outturn_to if d.outturn_to is not None else years[0]) + 1
    index = dict(d.index)
    for y in years:  # a few dozen years, once per case: not a hot path
        if y >= first and y - 1 in d.index:
            growth = d.index[y] / d.index[y - 1] - 1.0
            index[y] = index[y - 1] * (1.0 + growth + shift)
    return d.model_copy(
        update={"index": index, "vintage": f"{d.vintage}, inflation {shift:+.0%} a year from {first}"}
    )


def deflator_sensitivity(scenario: Scenario, shifts: Sequence[float] = (-0.01, 0.01)) -> list[DeflatorCase]:
    """The appraisal and the cash view with general inflation one point lower and higher after outturn."""
    cases = []
    for shift in shifts:
        moved = replace(scenario, deflator=shifted_deflator(scenario.deflator, shift))
        r = appraise(moved)
        assert r.cash is not None
        first = (scenario.deflator.outturn_to or min(scenario.deflator.index)) + 1
        cases.append(
            DeflatorCase(
                deflator_id=scenario.deflator.id,
                first_year=first,
                shift=shift,
                npv=r.npv,
                cash_net=float(r.cash.net.sum()),
                cash_peak=r.cash.dual_running.peak_funding_requirement,
            )
        )
    return cases



def sensitivity(
    scenario: Scenario,
    *,
    user_rates: Sequence[float] = (),
    optimism_table: OptimismTable | None = None,
    capital_category: str | None = None,
    mitigation: float = 0.0,
    discount_rate_range: tuple[float, float] | None = None,
) -> Sensitivity:
    """Tornado, switching values, discount-rate sensitivity and the optimism-bias effect.

    The central case is the file's (risk-adjusted unless ``appraisal.optimism_bias: off``), with the
    table and capital options given here; the optimism-bias effect compares it with no corrections."""
    settings = file_settings(scenario, optimism_table)
    if settings is not None:
        settings = replace(settings, capital_category=capital_category, mitigation=mitigation)
    result = appraise(scenario, optimism=settings or False)
    c = compile_uncertainty(scenario, settings or False, discount_rate_range=discount_rate_range)
    return Sensitivity(
        result,
        tornado(c, result),
        tuple(switching_values(c)),
        tuple(discount_rate_sensitivity(c, user_rates)),
        optimism_effect(scenario, optimism_table, capital_category=capital_category, mitigation=mitigation),
        tuple(deflator_sensitivity(scenario)),
    )
