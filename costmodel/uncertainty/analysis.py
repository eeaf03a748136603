"""Uncertainty: ranged inputs, tornado sensitivity, switching values, optimism bias, discount-rate
sensitivity and a vectorised Monte Carlo simulation of the Ten Year Test.

Everything here is pure and works on the engine's array form: :func:`compile_uncertainty` builds,
from a :class:`~costmodel.inputs.loading.Scenario`, the engine's (:class:`~costmodel.appraisal.engine.Structure`,
:class:`~costmodel.appraisal.engine.Params`) and a table of :class:`UncertainInput` (each ranged quantity,
with which engine parameter and index it maps to). :func:`with_values` turns a matrix of input
values (rows = draws or sensitivity cases, columns = inputs) into batched ``Params`` with a leading
axis, which :func:`costmodel.appraisal.engine.evaluate` evaluates at once; :func:`npv_table` does this in
chunks sized from a memory budget. There is no Python loop over draws or years.

How each input enters the engine:

* outcome fields (cohort, baseline_rate, effect, lag_years, ...) replace their column of ``Params``;
* a cost line's ``amount`` replaces ``cost_amount`` (converted to price-base prices);
* a cost line's ``growth`` rebuilds that line's row of ``Structure.cost_shape`` per draw;
* a unit-cost use's ``per_event`` adds ``(x - central) × (that unit cost's £ by agency)`` to the
  outcome's row of ``unit_cost``, which the engine sums over the outcome's unit costs;
* a whole unit cost (switching values only) scales its contribution to every outcome that uses it;
* the discount rate (switching values only) moves every band of the schedule by the same amount.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..appraisal.chain import appraise
from ..appraisal.discounting import appraisal_rates, nominal_to_real, price_conversion_factor
from ..appraisal.engine import (
    MONEY_TOLERANCE,
    Params,
    Structure,
    compile_scenario,
    evaluate_summary,
    first_year_staying_nonnegative,
)
from ..errors import ComputationError, UsageError
from ..formatting import MINUS, money, percent
from ..inputs.distributions import sample
from ..inputs.loading import load_reference
from .optimism import GRADE_ORDER, OptimismTable, check_capital_options, load_optimism_table

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest
    from ..inputs.loading import Scenario
    from ..inputs.models import Deflator

F = NDArray[np.float64]

from .limits import DEFAULT_DRAWS, DEFAULT_SEED, MAX_DRAWS  # noqa: E402  (re-exported)

MEMORY_BUDGET_BYTES = 24 * 1024 * 1024
"""Estimated working memory allowed for one chunk of batched evaluation. [bytes]

Deliberately small: chunks of about 1,500 draws of the youth-work example keep numpy's temporaries
in the CPU cache and run about twice as fast as chunks of 5,000 or more (benchmarks/bench_simulate.py)."""
MAX_CHUNK = 50_000

PARAM_FIELDS = tuple(f.name for f in fields(Params))

# outcome field in the YAML -> (Params field, linear in NPV, whole years)
OUTCOME_FIELDS: dict[str, tuple[str, bool, bool]] = {
    "cohort": ("cohort", True, False),
    "baseline_rate": ("baseline_rate", True, False),
    "effect": ("effect", True, False),
    "lag_years": ("lag", False, True),
    "persistence_years": ("persistence", False, True),
    "drop_off": ("drop_off", False, False),
    "deadweight": ("deadweight", True, False),
    "displacement": ("displacement", True, False),
    "attribution": ("attribution", True, False),
    "optimism_bias": ("optimism_bias", True, False),
    "cashable_share": ("cashable_share", True, False),
    "cashable_delay_years": ("cashable_delay", False, True),
}
SWITCHING_OUTCOME_FIELDS = ("cohort", "baseline_rate", "effect", "lag_years", "drop_off", "cashable_share")
"""Outcome inputs that always get a switching value, ranged or not (the Green Book's key inputs)."""


# ---------------------------------------------------------------------------------------------
# The input table
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UncertainInput:
    """One numeric input that can vary, and where it enters the engine.

    ``low``, ``central`` and ``high`` are in the input's own unit (money in its own price year);
    ``domain_low``/``domain_high`` bound the values it can take (for clipping draws and for
    switching values).
    """

    id: str  # e.g. "outcomes.first_time_entrants.effect"
    label: str
    unit: str
    low: float
    central: float
    high: float
    distribution: str | None
    grade: str  # A, B, C, U or "assumption"
    target: str  # a Params field, or "unit_cost_component", "unit_cost_scale", "growth", "discount_rate"
    index: int  # outcome or cost-line index
    scale: float = 1.0  # multiplier into engine units (price conversion × optimism-bias factor)
    vector: F | None = None  # £ by agency (A,) or (O, A); growth: (2, T) active mask and exponents
    integer: bool = False
    linear: bool = False
    domain_low: float = 0.0
    domain_high: float = math.inf

    @property
    def ranged(self) -> bool:
        return self.high > self.low


@dataclass(frozen=True)
class Correction:
    """One optimism-bias correction applied to a cost or benefit line."""

    line: str
    direction: str  # "costs up" or "benefits down"
    grade: str
    basis: str
    correction: float  # [fraction]


@dataclass(frozen=True)
class OptimismSettings:
    """Which optimism-bias corrections to apply, and from which table."""

    table: OptimismTable
    grades: bool = True
    capital: bool = True
    capital_category: str | None = None
    mitigation: float = 0.0  # [fraction] of the capital upper bound removed by mitigation


@dataclass(frozen=True)
class Compiled:
    scenario: Scenario
    structure: Structure
    params: Params
    inputs: tuple[UncertainInput, ...]  # every quantity with a range (in file order)
    candidates: tuple[UncertainInput, ...]  # inputs that get a switching value
    corrections: tuple[Correction, ...] = field(default=())

    @property
    def agency_ids(self) -> tuple[str, ...]:
        return self.structure.agency_ids


def _grade(scenario: Scenario, q: Any) -> str:
    src = getattr(q, "source", None)
    if src is None:
        return "assumption"
    s = scenario.sources.get(src)
    return s.grade if s is not None else "U"


def _unit_cost_grade(scenario: Scenario, uc: Any) -> str:
    if uc.grade is not None:
        return str(uc.grade)
    return _grade(scenario, uc)


def _weakest(grades: Sequence[str]) -> str:
    return max(grades, key=lambda g: GRADE_ORDER[g]) if grades else "A"


def _quantity_input(
    scenario: Scenario, q: Any, *, id: str, label: str, target: str, index: int, **kw: Any
) -> UncertainInput:
    value = float(q.value)
    low = float(q.low) if q.low is not None else value
    high = float(q.high) if q.high is not None else value
    return UncertainInput(
        id=id,
        label=label,
        unit=str(q.unit),
        low=low,
        central=value,
        high=high,
        distribution=q.distribution,
        grade=_grade(scenario, q),
        target=target,
        index=index,
        **kw,
    )


def compile_uncertainty(
    scenario: Scenario,
    optimism: OptimismSettings | None = None,
    *,
    discount_rate_range: tuple[float, float] | None = None,
) -> Compiled:
    """The engine arrays and the table of uncertain inputs for ``scenario``.

    ``discount_rate_range`` (low, high) [fraction] makes the discount rate a ranged input too
    (triangular, mode = the schedule's first rate; every band moves with it), varied per draw.

    With ``optimism`` the central ``Params`` carry the optimism-bias corrections (costs up,
    benefits down) and every input's mapping includes them, so draws keep the corrections.
    """
    structure, params = compile_scenario(scenario)
    p = scenario.proposal
    base = p.appraisal.price_base_year
    index = scenario.deflator.index
    T = structure.n_years
    aidx = {a: i for i, a in enumerate(structure.agency_ids)}
    n_agencies, n_outcomes = len(aidx), len(p.outcomes)
    corrections: list[Correction] = []

    # --- costs: optimism-bias factors and inputs -------------------------------------------
    cost_factor = np.ones(len(p.prevention_costs))
    if optimism is not None:
        table = optimism.table
        category = check_capital_options(table, optimism.capital_category, optimism.mitigation)
        for i, line in enumerate(p.prevention_costs):
            grade = _grade(scenario, line.money)
            if line.kind == "capital" and optimism.capital:
                cat = table.capital.categories[category]
                pct = cat.capex_upper * (1.0 - optimism.mitigation)
                basis = f"Green Book capital optimism bias, {cat.label}, capex upper bound" + (
                    f" × (1 − {optimism.mitigation:g} mitigation)" if optimism.mitigation else ""
                )
            elif optimism.grades:
                pct = table.confidence_grades.grades[grade].costs  # type: ignore[index]
                basis = f"confidence grade {grade}"
            else:
                continue
            cost_factor[i] = 1.0 + pct
            corrections.append(Correction(f"prevention_costs.{line.id}", "costs up", grade, basis, pct))

    inputs: list[UncertainInput] = []
    candidates: list[UncertainInput] = []
    t = np.arange(T, dtype=np.float64)
    for i, line in enumerate(p.prevention_costs):
        if line.amount is None:
            continue
        nominal = line.amount.prices == "nominal"
        # a cash amount carries its year-by-year conversion in the cost shape (engine.line_profile)
        k = 1.0 if nominal else price_conversion_factor(index, line.amount.real_price_year, base)
        inp = _quantity_input(
            scenario,
            line.amount,
            id=f"prevention_costs.{line.id}.amount",
            label=f"{line.label}: amount "
            + ("(cash of each year)" if nominal else f"({line.amount.real_price_year} prices)"),
            target="cost_amount",
            index=i,
            scale=k * cost_factor[i],
            linear=True,
            domain_high=1e12,
        )
        candidates.append(inp)
        if line.amount.low is not None:
            inputs.append(inp)
        if line.growth is not None and line.growth.low is not None:
            end = line.end_year if line.end_year is not None else T - 1
            active = ((t >= line.start_year) & (t <= end)).astype(np.float64)
            if nominal:  # cash of each year: the active years carry the cash-to-real conversion
                active = active * nominal_to_real(index, p.appraisal.first_year + np.arange(T), base)
            expo = np.maximum(t - line.start_year, 0.0)
            g = _quantity_input(
                scenario,
                line.growth,
                id=f"prevention_costs.{line.id}.growth",
                label=f"{line.label}: real growth a year",
                target="growth",
                index=i,
                vector=np.stack([active, expo]),
                domain_low=-0.5,
                domain_high=0.5,
            )
            inputs.append(g)
            candidates.append(g)

    # --- outcomes: unit-cost components (with benefit optimism bias) ------------------------
    unit = np.zeros((n_outcomes, n_agencies))
    uc_vectors: dict[str, F] = {}
    for o, oc in enumerate(p.outcomes):
        for use in oc.unit_costs:
            uc = scenario.unit_costs[use.unit_cost]
            per = use.per_event.value if use.per_event is not None else 1.0
            k = price_conversion_factor(index, uc.price_year, base)
            f = 1.0
            if optimism is not None and optimism.grades:
                cg = optimism.table.confidence_grades
                counted = {
                    "cohort": _grade(scenario, oc.cohort),
                    "baseline_rate": _grade(scenario, oc.baseline_rate),
                    "effect": _grade(scenario, oc.effect),
                    "unit_cost": _unit_cost_grade(scenario, uc),
                    "per_event": _grade(scenario, use.per_event) if use.per_event is not None else "A",
                }
                grade = _weakest([counted[name] for name in cg.benefit_grade_from])
                pct = cg.grades[grade].benefits  # type: ignore[index]
                f = 1.0 - pct
                corrections.append(
                    Correction(
                        f"outcomes.{oc.id}.unit_costs.{use.unit_cost}",
                        "benefits down",
                        grade,
                        f"weakest confidence grade of {', '.join(cg.benefit_grade_from)}",
                        pct,
                    )
                )
            vec = np.zeros(n_agencies)
            for b in uc.bearers:
                # same arithmetic and order as engine.compile_scenario, times the benefit factor
                unit[o, aidx[b.agency]] += per * b.value * k * f
                vec[aidx[b.agency]] += b.value * k * f
            uc_vectors.setdefault(use.unit_cost, np.zeros((n_outcomes, n_agencies)))
            uc_vectors[use.unit_cost][o] += per * vec
            if use.per_event is not None:
                inp = _quantity_input(
                    scenario,
                    use.per_event,
                    id=f"outcomes.{oc.id}.unit_costs.{use.unit_cost}.per_event",
                    label=f"{oc.label}: {uc.label} per event",
                    target="unit_cost_component",
                    index=o,
                    vector=vec,
                    linear=True,
                    domain_high=1e6,
                )
                if use.per_event.low is not None:
                    inputs.append(inp)

    for o, oc in enumerate(p.outcomes):
        for name, (target, linear, integer) in OUTCOME_FIELDS.items():
            q = getattr(oc, name)
            if integer:
                lo_dom, hi_dom = (1.0 if name == "persistence_years" else 0.0), float(T)
            elif name == "cohort":
                lo_dom, hi_dom = 0.0, 1e9
            else:
                lo_dom, hi_dom = 0.0, 1.0
            inp = _quantity_input(
                scenario,
                q,
                id=f"outcomes.{oc.id}.{name}",
                label=f"{oc.label}: {name.replace('_', ' ')}",
                target=target,
                index=o,
                linear=linear,
                integer=integer,
                domain_low=lo_dom,
                domain_high=hi_dom,
            )
            if q.low is not None:
                inputs.append(inp)
            if q.low is not None or name in SWITCHING_OUTCOME_FIELDS:
                candidates.append(inp)

    for uc_id, vectors in uc_vectors.items():
        uc = scenario.unit_costs[uc_id]
        total = float(sum(b.value for b in uc.bearers))
        if total <= 0:
            continue
        candidates.append(
            UncertainInput(
                id=f"unit_costs.{uc_id}",
                label=f"Unit cost: {uc.label} ({uc.price_year} prices, all bearers)",
                unit="GBP_per_unit",
                low=total,
                central=total,
                high=total,
                distribution=None,
                grade=_unit_cost_grade(scenario, uc),
                target="unit_cost_scale",
                index=-1,
                vector=vectors,
                linear=True,
                domain_high=1e12,
            )
        )
    rate0 = float(params.rates[0])
    rate_low, rate_high = discount_rate_range if discount_rate_range is not None else (rate0, rate0)
    if not 0 <= rate_low <= rate0 <= rate_high <= 0.5:
        raise UsageError(
            f"a discount-rate range must satisfy 0 <= low <= {rate0:g} (the schedule's rate) <= high <= 0.5 "
            f"(got {rate_low:g}, {rate_high:g})"
        )
    discount = UncertainInput(
        id="appraisal.discount_rate",
        label="Discount rate (real; later bands of the schedule move with it)",
        unit="fraction",
        low=float(rate_low),
        central=rate0,
        high=float(rate_high),
        distribution=None,
        grade="A",
        target="discount_rate",
        index=-1,
        domain_high=1.0,
    )
    candidates.append(discount)
    if discount_rate_range is not None:
        inputs.append(discount)

    if optimism is not None:
        params = replace(params, cost_amount=params.cost_amount * cost_factor, unit_cost=unit)
    seen: set[str] = set()
    unique = []
    for c in candidates:
        if c.id not in seen:
            seen.add(c.id)
            unique.append(c)
    return Compiled(scenario, structure, params, tuple(inputs), tuple(unique), tuple(corrections))


# ---------------------------------------------------------------------------------------------
# Batched evaluation
# ---------------------------------------------------------------------------------------------


def with_values(c: Compiled, inputs: Sequence[UncertainInput], values: F) -> tuple[Structure, Params]:
    """Batched engine inputs: row b of ``values`` (shape (B, K)) sets input k to ``values[b, k]``.

    Inputs not listed stay at their central (compiled) values. Returns a ``Structure`` (whose
    ``cost_shape`` gains the batch axis only if a growth rate varies) and ``Params`` with leading
    axis B.
    """
    values = np.asarray(values, dtype=np.float64)
    B = values.shape[0]
    p = c.params
    arrays: dict[str, F] = {n: getattr(p, n) for n in PARAM_FIELDS}
    batched = {n: np.broadcast_to(a, (B, *np.shape(a))) for n, a in arrays.items()}
    owned: set[str] = set()

    def writable(name: str) -> F:
        if name not in owned:
            batched[name] = np.array(batched[name], dtype=np.float64, copy=True)
            owned.add(name)
        return batched[name]

    cost_shape = c.structure.cost_shape
    for k, inp in enumerate(inputs):
        x = values[:, k]
        tgt = inp.target
        if tgt in arrays and tgt not in ("unit_cost", "rates"):
            writable(tgt)[:, inp.index] = x * inp.scale
        elif tgt == "unit_cost_component":
            assert inp.vector is not None
            writable("unit_cost")[:, inp.index, :] += (x - inp.central)[:, None] * inp.vector
        elif tgt == "unit_cost_scale":
            assert inp.vector is not None
            writable("unit_cost")[:] += (x / inp.central - 1.0)[:, None, None] * inp.vector
        elif tgt == "discount_rate":
            writable("rates")[:] += (x - inp.central)[:, None]
        elif tgt == "growth":
            assert inp.vector is not None
            if cost_shape.ndim == 2:
                cost_shape = np.array(np.broadcast_to(cost_shape, (B, *cost_shape.shape)))
            active, expo = inp.vector
            cost_shape[:, inp.index, :] = active * (1.0 + x[:, None]) ** expo
        else:  # pragma: no cover - a programming error
            raise ValueError(f"unknown input target {tgt!r}")
    structure = (
        c.structure if cost_shape is c.structure.cost_shape else replace(c.structure, cost_shape=cost_shape)
    )
    return structure, Params(**batched)


def bytes_per_draw(s: Structure) -> int:
    """Rough working memory one draw needs inside :func:`costmodel.appraisal.engine.evaluate`. [bytes]"""
    n_o, n_t, n_a, n_l = len(s.outcome_ids), s.n_years, len(s.agency_ids), len(s.cost_line_ids)
    return 8 * (4 * n_o * n_t * n_t + 16 * n_o * n_t + 12 * n_t * n_a + 3 * n_l * n_t + 4 * n_o * n_a + 64)


def chunk_size_for(s: Structure, budget: int = MEMORY_BUDGET_BYTES) -> int:
    """Draws per chunk so one chunk stays within ``budget`` bytes (at least 1, at most MAX_CHUNK)."""
    return int(max(1, min(MAX_CHUNK, budget // bytes_per_draw(s))))


@dataclass(frozen=True)
class BatchResult:
    npv: F  # (B,) whole public sector [£]
    npv_by_agency: F  # (B, A) [£]
    cash_break_even_year: NDArray[np.int64]  # (B,) first year cumulative cashable net stays >= 0, or -1
    discounted_payback_year: NDArray[np.int64]  # (B,)


def _summarise_batch(s: Structure, p: Params, *, detail: bool) -> tuple[Any, ...]:
    sm = evaluate_summary(s, p)
    net_a = sm.pv_savings - sm.pv_costs
    npv = sm.pv_savings.sum(axis=-1) - sm.pv_costs.sum(axis=-1)  # the same order as engine.summarise
    if not detail:
        return npv, net_a
    be = first_year_staying_nonnegative(np.cumsum(sm.cashable - sm.costs, axis=-1))
    dpay = first_year_staying_nonnegative(np.cumsum((sm.savings - sm.costs) * sm.factors, axis=-1))
    return npv, net_a, be, dpay


def npv_table(
    c: Compiled,
    inputs: Sequence[UncertainInput],
    values: F,
    *,
    detail: bool = False,
    chunk_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> BatchResult:
    """NPV (total and by agency) for every row of ``values``, evaluated in memory-bounded chunks."""
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    A = len(c.agency_ids)
    chunk = chunk_size or chunk_size_for(c.structure)
    npv = np.empty(n)
    net_a = np.empty((n, A))
    be = np.empty(n, dtype=np.int64) if detail else np.zeros(0, dtype=np.int64)
    dpay = np.empty(n, dtype=np.int64) if detail else np.zeros(0, dtype=np.int64)
    for start in range(0, n, chunk):  # a loop over chunks of draws, not over draws
        stop = min(n, start + chunk)
        s, p = with_values(c, inputs, values[start:stop])
        out = _summarise_batch(s, p, detail=detail)
        npv[start:stop], net_a[start:stop] = out[0], out[1]
        if detail:
            be[start:stop], dpay[start:stop] = out[2], out[3]
        if progress is not None:
            progress(stop, n)
    if not (np.all(np.isfinite(npv)) and np.all(np.isfinite(net_a))):
        raise ComputationError("a sensitivity case produced a non-finite NPV; check the inputs' ranges")
    return BatchResult(npv, net_a, be, dpay)


def _central_values(inputs: Sequence[UncertainInput]) -> F:
    return np.array([i.central for i in inputs], dtype=np.float64)


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
    result = central if central is not None else appraise(c.scenario)
    ranged = [i for i in c.inputs if i.ranged]
    K = len(ranged)
    values = np.tile(_central_values(ranged), (2 * K, 1))
    rows = np.arange(K)
    values[2 * rows, rows] = [i.low for i in ranged]
    values[2 * rows + 1, rows] = [i.high for i in ranged]
    res = npv_table(c, ranged, values) if K else None
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
    reason: str | None  # why there is none, in words
    method: str  # "linear", "bisection" or "integer scan"


def format_value(inp: UncertainInput, x: float) -> str:
    """An input's value in its own unit, as people write it: £ for money, % for fractions (the discount
    rate as a decimal), whole years, plain numbers otherwise."""
    if inp.integer:
        return f"{x:.0f} year" + ("" if x == 1 else "s")
    if inp.unit == "fraction":
        return f"{x:.4g}" if inp.target == "discount_rate" else percent(x, 1)
    if inp.unit.startswith("GBP"):
        sign = MINUS if x < 0 else ""
        return money(x, exact=abs(x) < 1e4) if abs(x) >= 1 or x == 0 else f"{sign}£{abs(x):.2f}"
    return f"{x:,.4g}".replace("-", MINUS)


_fmt = format_value


def _who(agency: str, names: dict[str, str]) -> str:
    return "the whole public sector" if agency == "total" else names.get(agency, agency)


def _npv_of(agency: str, names: dict[str, str]) -> str:
    return f"the NPV of {_who(agency, names)}"


def switching_values(c: Compiled, inputs: Sequence[UncertainInput] | None = None) -> list[SwitchingValue]:
    """For each input, the value at which the total NPV, and each agency's NPV, reaches zero.

    NPV is affine in cohort, baseline rate, effect, the additionality shares, per-event
    quantities, unit costs and cost amounts: two evaluations give the exact root. For drop-off,
    growth and the discount rate a grid locates the sign change nearest the central value and
    bisection refines it to machine precision. Whole-year inputs get the smallest whole number of
    years at which the NPV changes sign.
    """
    cands = list(inputs if inputs is not None else c.candidates)
    names = {a.id: a.name for a in c.scenario.agencies}
    cols = ["total", *c.agency_ids]
    out: list[SwitchingValue] = []
    for inp in cands:
        if inp.integer:
            out += _switch_integer(c, inp, cols, names)
        elif inp.linear:
            out += _switch_linear(c, inp, cols, names)
        else:
            out += _switch_bisect(c, inp, cols, names)
    return out


def _evaluate_at(c: Compiled, inp: UncertainInput, xs: F) -> F:
    """(len(xs), 1 + A): total NPV then each agency's, with ``inp`` at each of ``xs``."""
    res = npv_table(c, [inp], np.asarray(xs, dtype=np.float64)[:, None])
    return np.column_stack([res.npv, res.npv_by_agency])


def _unchanged(inp: UncertainInput, who: str, names: dict[str, str], method: str) -> SwitchingValue:
    """No switching value: ``who``'s NPV does not move with ``inp``."""
    return SwitchingValue(inp, who, None, f"{_npv_of(who, names)} does not change with this input", method)


def _never_zero(
    inp: UncertainInput, who: str, names: dict[str, str], side: str, method: str, detail: str = ""
) -> SwitchingValue:
    """No switching value: no value in ``inp``'s domain brings ``who``'s NPV to zero."""
    message = f"no value {_domain_text(inp)} brings {_npv_of(who, names)} to zero: it stays {side}"
    return SwitchingValue(inp, who, None, message + detail, method)


def _domain_text(inp: UncertainInput) -> str:
    if inp.domain_high >= 1e9:
        return f"of {_fmt(inp, inp.domain_low)} or more"
    return f"between {_fmt(inp, inp.domain_low)} and {_fmt(inp, inp.domain_high)}"


def _switch_linear(
    c: Compiled, inp: UncertainInput, cols: list[str], names: dict[str, str]
) -> list[SwitchingValue]:
    x0 = inp.central
    span = max(inp.high - inp.low, abs(x0), 1.0 if inp.unit != "fraction" else 0.5)
    x1 = min(inp.domain_high, x0 + span)
    if x1 <= x0:
        x1 = max(inp.domain_low, x0 - span)
    f = _evaluate_at(c, inp, np.array([x0, x1]))
    out = []
    for j, who in enumerate(cols):
        f0, f1 = float(f[0, j]), float(f[1, j])
        if abs(f1 - f0) <= MONEY_TOLERANCE:
            out.append(_unchanged(inp, who, names, "linear"))
            continue
        slope = (f1 - f0) / (x1 - x0)
        root = x0 - f0 / slope
        edge = 1e-9 * max(1.0, abs(x0))
        if abs(root - inp.domain_low) <= edge or abs(root - inp.domain_high) <= edge:
            # proportional: zero only at the edge of the domain, one sign everywhere else
            side = "positive" if f0 > 0 else "negative"
            end = inp.domain_low if abs(root - inp.domain_low) <= edge else inp.domain_high
            out.append(
                SwitchingValue(
                    inp,
                    who,
                    None,
                    f"{_npv_of(who, names)} is zero only at {_fmt(inp, end)} and {side} for every other value",
                    "linear",
                )
            )
        elif inp.domain_low <= root <= inp.domain_high:
            out.append(SwitchingValue(inp, who, float(root), None, "linear"))
        else:
            side = "positive" if f0 > 0 else "negative"
            out.append(_never_zero(inp, who, names, side, "linear", f" (it would take {_fmt(inp, root)})"))
    return out


def _switch_bisect(
    c: Compiled, inp: UncertainInput, cols: list[str], names: dict[str, str]
) -> list[SwitchingValue]:
    grid = np.unique(np.append(np.linspace(inp.domain_low, inp.domain_high, GRID_POINTS), inp.central))
    f = _evaluate_at(c, inp, grid)  # (G, C)
    ci = int(np.searchsorted(grid, inp.central))
    out: list[SwitchingValue] = []
    lo_x, hi_x, lo_f, who_idx = [], [], [], []
    for j, who in enumerate(cols):
        col = f[:, j]
        if np.ptp(col) <= MONEY_TOLERANCE:
            out.append(_unchanged(inp, who, names, "bisection"))
            continue
        zeros = np.flatnonzero(col == 0.0)
        flips = np.flatnonzero(np.sign(col[:-1]) * np.sign(col[1:]) < 0)
        if zeros.size == 0 and flips.size == 0:
            side = "positive" if col[ci] > 0 else "negative"
            out.append(_never_zero(inp, who, names, side, "bisection"))
            continue
        if zeros.size and (flips.size == 0 or np.min(np.abs(zeros - ci)) <= np.min(np.abs(flips + 0.5 - ci))):
            out.append(
                SwitchingValue(inp, who, float(grid[zeros[np.argmin(np.abs(zeros - ci))]]), None, "bisection")
            )
            continue
        k = int(flips[np.argmin(np.abs(flips + 0.5 - ci))])
        lo_x.append(grid[k])
        hi_x.append(grid[k + 1])
        lo_f.append(col[k])
        who_idx.append(j)
    if who_idx:
        a = np.array(lo_x)
        b = np.array(hi_x)
        fa = np.array(lo_f)
        sel = np.array(who_idx)
        for _ in range(BISECTION_STEPS):  # vectorised over every agency's bracket at once
            m = 0.5 * (a + b)
            fm = _evaluate_at(c, inp, m)[np.arange(m.size), sel]
            left = np.sign(fm) == np.sign(fa)
            a = np.where(left, m, a)
            fa = np.where(left, fm, fa)
            b = np.where(left, b, m)
        fa_end = _evaluate_at(c, inp, a)[np.arange(a.size), sel]
        fb_end = _evaluate_at(c, inp, b)[np.arange(b.size), sel]
        root = np.where(np.abs(fa_end) <= np.abs(fb_end), a, b)
        for x, j in zip(root, who_idx, strict=True):
            out.append(SwitchingValue(inp, cols[j], float(x), None, "bisection"))
    order = {w: i for i, w in enumerate(cols)}
    return sorted(out, key=lambda s: order[s.agency])


def _switch_integer(
    c: Compiled, inp: UncertainInput, cols: list[str], names: dict[str, str]
) -> list[SwitchingValue]:
    xs = np.arange(int(inp.domain_low), int(inp.domain_high) + 1, dtype=np.float64)
    f = _evaluate_at(c, inp, xs)
    ci = int(np.flatnonzero(xs == inp.central)[0]) if inp.central in xs else 0
    out = []
    for j, who in enumerate(cols):
        col = f[:, j]
        passes = col >= -MONEY_TOLERANCE
        if np.ptp(col) <= MONEY_TOLERANCE:
            out.append(_unchanged(inp, who, names, "integer scan"))
            continue
        flipped = np.flatnonzero(passes != passes[ci])
        if flipped.size == 0:
            side = "at or above zero" if passes[ci] else "negative"
            out.append(
                SwitchingValue(
                    inp,
                    who,
                    None,
                    f"{_npv_of(who, names)} stays {side} for every whole number of years {_domain_text(inp)}",
                    "integer scan",
                )
            )
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
    schedule: str  # schedule id, or "constant_0_05" for a user rate
    label: str
    npv: float  # [£]
    npv_by_agency: F  # (A,) [£]


def discount_rate_sensitivity(c: Compiled, user_rates: Sequence[float] = ()) -> list[RateCase]:
    """NPV (total and by agency) under the standard, lower-rate and health schedules and any user rates."""
    ref = {s.id: s for s in load_reference().discount_schedules}
    T = c.structure.n_years
    cases: list[tuple[str, str, F]] = []
    for sid in STANDARD_SCHEDULES:
        sch = ref[sid]
        bands = [(b.from_year, b.rate) for b in sch.bands]
        cases.append((sid, sch.label, appraisal_rates(bands, T, c.structure.discount_offset)))
    for r in user_rates:
        if not 0 <= r <= 0.5:
            raise UsageError(f"a discount rate must be a fraction between 0 and 0.5, e.g. 0.035 (got {r:g})")
        cases.append(
            (f"constant_{r:g}".replace(".", "_"), f"Constant {r:.2%} real (user rate)", np.full(T, float(r)))
        )
    rates = np.stack([x[2] for x in cases])
    s, p = with_values(c, [], np.zeros((len(cases), 0)))
    p = replace(p, rates=rates)
    npv, net_a = _summarise_batch(s, p, detail=False)
    return [RateCase(sid, label, float(npv[i]), net_a[i]) for i, (sid, label, _) in enumerate(cases)]


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
    without = appraise(scenario)
    cw = compile_uncertainty(scenario, settings)
    npv, net_a = _summarise_batch(cw.structure, cw.params, detail=False)
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
        raise UsageError(f"--draws must be a whole number between 1 and {MAX_DRAWS:,} (got {draws!r})")
    if not 1 <= int(draws) <= MAX_DRAWS:
        raise UsageError(
            f"--draws must be between 1 and {MAX_DRAWS:,} (got {int(draws):,}); "
            "10,000 draws give probabilities to within about ±1 percentage point"
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= int(seed) < 2**63:
        raise UsageError(f"--seed must be a whole number between 0 and 2^63 - 1 (got {seed!r})")
    return int(draws), int(seed)


def draw_values(inputs: Sequence[UncertainInput], n: int, rng: np.random.Generator) -> F:
    """(n, K) draws of the inputs, each from its distribution, clipped to its domain."""
    return sample(
        rng,
        n,
        [i.low for i in inputs],
        [i.central for i in inputs],
        [i.high for i in inputs],
        [i.distribution or "triangular" for i in inputs],
        bounds_low=[i.domain_low for i in inputs],
        bounds_high=[i.domain_high for i in inputs],
        integer=[i.integer for i in inputs],
    )


def simulate(
    scenario: Scenario,
    draws: int = DEFAULT_DRAWS,
    seed: int = DEFAULT_SEED,
    *,
    optimism: OptimismSettings | None = None,
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
    for start in range(0, draws, chunk):  # chunks of draws: memory stays bounded
        stop = min(draws, start + chunk)
        values = draw_values(inputs, stop - start, rng)
        res = npv_table(c, inputs, values, detail=True, chunk_size=chunk)
        npv[start:stop] = res.npv
        net_a[start:stop] = res.npv_by_agency
        be[start:stop] = res.cash_break_even_year
        dpay[start:stop] = res.discounted_payback_year
        if progress is not None:
            progress(stop, draws)
    central = (
        appraise(scenario).npv
        if optimism is None
        else float(_summarise_batch(c.structure, c.params, detail=False)[0])
    )
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
        optimism is not None,
    )


def histogram(values: F, bins: int = 40) -> tuple[F, F]:
    """Counts and bin edges of ``values`` (bins ≤ 200), for charts that must not see every draw."""
    lo, hi = float(np.min(values)), float(np.max(values))
    if hi - lo < 1.0:
        lo, hi = lo - 0.5, hi + 0.5
    counts, edges = np.histogram(values, bins=min(max(bins, 1), 200), range=(lo, hi))
    return counts.astype(np.float64), edges


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
    """The appraisal with general inflation moved by ``shift`` a year after the last outturn year."""

    label: str
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
                label=f"Inflation {shift * 100:+.0f} point a year from {first}-{(first + 1) % 100:02d} ({scenario.deflator.id})",
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
    """Tornado, switching values, discount-rate sensitivity and the optimism-bias effect."""
    result = appraise(scenario)
    c = compile_uncertainty(scenario, discount_rate_range=discount_rate_range)
    return Sensitivity(
        result,
        tornado(c, result),
        tuple(switching_values(c)),
        tuple(discount_rate_sensitivity(c, user_rates)),
        optimism_effect(scenario, optimism_table, capital_category=capital_category, mitigation=mitigation),
        tuple(deflator_sensitivity(scenario)),
    )
