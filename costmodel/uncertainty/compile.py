"""The table of uncertain inputs: every quantity that can vary, and where it enters the engine.

:func:`compile_uncertainty` builds, from a :class:`~costmodel.inputs.loading.Scenario`, the engine's
(:class:`~costmodel.appraisal.engine.Structure`, :class:`~costmodel.appraisal.engine.Params`) and a table of
:class:`UncertainInput` (each ranged quantity, with which engine parameter and index it maps to).
:func:`costmodel.uncertainty.batch.with_values` applies a matrix of input values to those arrays.

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
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..appraisal.discounting import nominal_to_real, price_conversion_factor
from ..appraisal.engine import Params, Structure, compile_scenario
from ..errors import UsageError
from .optimism import GRADE_ORDER, OptimismTable, check_capital_options

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

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
