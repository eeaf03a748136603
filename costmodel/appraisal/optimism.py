"""Optimism bias: the corrections that make the central case risk-adjusted (issue 12 §3).

Every line of the appraisal either **helps** the case (its present value adds to the NPV: savings of new
spending, the money a cut releases) or **hurts** it (costs of new spending, the demand a cut shunts
elsewhere). Optimism bias makes each line less favourable, never more:

* a line that hurts grows by the ``costs`` correction of its evidence grade (a capital cost line of new
  spending by the Green Book capital table's upper bound for its category, × (1 − mitigation));
* a line that helps shrinks by the ``benefits`` correction of its evidence grade.

So the NPV after adjustment is ``Σ c_i × f_i`` with ``f_i ≤ 1`` where ``c_i > 0`` and ``f_i ≥ 1`` where
``c_i < 0``: it is never above the unadjusted NPV (``c_i`` is line *i*'s contribution to the NPV).
For a cut the roles swap: the budget it releases helps (money released goes down by the benefits
correction of the budget line's grade) and the acute demand it adds hurts (up by the costs correction).

An outcome's benefit line (one outcome × one unit cost) takes the weakest grade of the inputs the table
names (``benefit_grade_from``: cohort, rates, effect, the unit cost, units per event).

The corrections are data (:class:`Correction`, with codes from :data:`DIRECTIONS` and :data:`BASES`);
their words are written in :mod:`costmodel.present.optimism_words`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from ..inputs.models import figure_grade, weakest_grade
from ..inputs.optimism_table import OptimismTable, check_capital_options, shipped_optimism_table
from .discounting import discount_factors
from .engine import Params, Structure, compile_scenario, outcome_terms, unit_cost_table

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

Direction = Literal["costs_up", "benefits_down", "released_down", "demand_up"]
DIRECTIONS: tuple[Direction, ...] = ("costs_up", "benefits_down", "released_down", "demand_up")
"""What a correction does: new spending's costs up or savings down; a cut's money released down or the
demand it adds up."""

Basis = Literal["grade", "weakest_grade", "capital"]
BASES: tuple[Basis, ...] = ("grade", "weakest_grade", "capital")
"""Where a correction's percentage comes from: the line's own evidence grade, the weakest grade of an
outcome's inputs (``inputs``), or the Green Book capital table (``category``, ``mitigation``)."""


@dataclass(frozen=True)
class Correction:
    """One optimism-bias correction applied to a cost, savings or benefit line (data; words in present/)."""

    line: str  # e.g. "prevention_costs.detached_team", "outcomes.fte.unit_costs.arrest"
    direction: Direction
    grade: str  # the evidence grade the percentage follows (A, B, C, U or "assumption")
    basis: Basis
    correction: float  # [fraction]
    inputs: tuple[str, ...] = ()  # basis "weakest_grade": the inputs whose weakest grade counts
    category: str | None = None  # basis "capital": the Green Book project category id
    category_label: str | None = None  # its label in the table
    mitigation: float = 0.0  # basis "capital": share of the upper bound removed by mitigation [fraction]

    @property
    def factor(self) -> float:
        """The multiplier on the line: 1 + correction for costs_up / demand_up, else 1 − correction."""
        return 1.0 + self.correction if self.direction in ("costs_up", "demand_up") else 1.0 - self.correction


@dataclass(frozen=True)
class OptimismSettings:
    """Which optimism-bias corrections to apply, and from which table."""

    table: OptimismTable
    grades: bool = True
    capital: bool = True
    capital_category: str | None = None
    mitigation: float = 0.0  # [fraction] of the capital upper bound removed by mitigation


@dataclass(frozen=True, eq=False)
class OptimismFactors:
    """The multipliers the corrections put on each line, and the corrections themselves."""

    cost: F  # (L,) on each cost line's amount [ratio]
    savings: F  # (S,) on each plain savings line's amount [ratio]
    uses: dict[tuple[int, int], float]  # (outcome index, unit-cost use index) -> factor [ratio]
    corrections: tuple[Correction, ...] = field(default=())


def file_settings(scenario: Scenario, table: OptimismTable | None = None) -> OptimismSettings | None:
    """The corrections the proposal file asks for: ``appraisal.optimism_bias: apply`` (the default) gives the
    shipped table (or ``table``) at full strength; ``off`` gives None (the unadjusted figures)."""
    if scenario.proposal.appraisal.optimism_bias == "off":
        return None
    return OptimismSettings(table if table is not None else shipped_optimism_table())


def resolve_settings(
    scenario: Scenario, optimism: OptimismSettings | None | bool
) -> OptimismSettings | None:
    """True: the file's choice (:func:`file_settings`); False or None: no corrections; settings: those."""
    if optimism is True:
        return file_settings(scenario)
    return optimism if isinstance(optimism, OptimismSettings) else None


def optimism_factors(
    scenario: Scenario, settings: OptimismSettings, compiled: tuple[Structure, Params] | None = None
) -> OptimismFactors:
    """The correction on every line of ``scenario`` (see the module docstring for the rule).

    ``compiled`` is the scenario's unadjusted arrays (:func:`compile_scenario`), if already at hand."""
    p = scenario.proposal
    table = settings.table
    category = check_capital_options(table, settings.capital_category, settings.mitigation)
    cat = table.capital.categories[category]
    grades = table.confidence_grades.grades
    source_grades = {k: s.grade for k, s in scenario.sources.items()}

    def _grade(_: Scenario, q: Any) -> str:
        return figure_grade(q, source_grades)

    structure, params = compiled if compiled is not None else compile_scenario(scenario)
    cut = structure.sign < 0
    df = discount_factors(params.rates, structure.discount_offset)
    corrections: list[Correction] = []

    def direction(helps: bool) -> Direction:
        if cut:
            return "released_down" if helps else "demand_up"
        return "benefits_down" if helps else "costs_up"

    def by_grade(line: str, grade: str, helps: bool, basis: Basis = "grade", inputs: tuple[str, ...] = ()) -> float:
        pct = grades[grade].benefits if helps else grades[grade].costs  # type: ignore[index]
        c = Correction(line, direction(helps), grade, basis, pct, inputs=inputs)
        corrections.append(c)
        return c.factor

    # --- cost lines: a cost hurts new spending; the budget a cut releases helps it ------------------
    cost_factor = np.ones(len(p.prevention_costs))
    for i, line in enumerate(p.prevention_costs):
        contribution = -structure.sign * float(params.cost_amount[i]) * float(structure.cost_shape[i] @ df)
        helps = contribution > 0 if contribution != 0 else cut
        grade = _grade(scenario, line.money)
        name = f"prevention_costs.{line.id}"
        if line.kind == "capital" and settings.capital and not helps:
            pct = cat.capex_upper * (1.0 - settings.mitigation)
            c = Correction(
                name, direction(False), grade, "capital", pct,
                category=category, category_label=cat.label, mitigation=settings.mitigation,
            )
            corrections.append(c)
            cost_factor[i] = c.factor
        elif settings.grades:
            cost_factor[i] = by_grade(name, grade, helps)

    # --- a cut's closure costs (redundancy, contract exit, buildings): spending, so costs up ---------
    if cut and p.closure_costs:
        closure_factor = np.ones(len(p.closure_costs))
        if settings.grades:
            for k, cc in enumerate(p.closure_costs):
                grade = _grade(scenario, cc.amount)
                pct = grades[grade].costs  # type: ignore[index]
                c = Correction(f"closure_costs.{cc.id}", "costs_up", grade, "grade", pct)
                corrections.append(c)
                closure_factor[k] = c.factor
        cost_factor = np.concatenate([cost_factor, closure_factor])

    # --- plain savings lines: a saving helps new spending; in a cut it is demand added ---------------
    saving_factor = np.ones(len(p.savings))
    if settings.grades:
        for i, sl in enumerate(p.savings):
            contribution = structure.sign * float(params.savings_amount[i]) * float(structure.savings_shape[i] @ df)
            helps = contribution > 0 if contribution != 0 else not cut
            saving_factor[i] = by_grade(f"savings.{sl.id}", _grade(scenario, sl.money), helps)

    # --- outcomes: each unit-cost use, at the weakest grade of the inputs the table names ------------
    use_factors: dict[tuple[int, int], float] = {}
    if settings.grades and p.outcomes:
        names = tuple(table.confidence_grades.benefit_grade_from)
        gross, keep, _, _, _ = outcome_terms(structure, params)
        pv_events = (gross * keep[..., None]) @ df  # (O,) net events, discounted [events]
        _, terms = unit_cost_table(scenario)
        for term in terms:
            oc = p.outcomes[term.outcome]
            use = oc.unit_costs[term.use]
            counted = {
                "cohort": _grade(scenario, oc.cohort),
                "baseline_rate": _grade(scenario, oc.baseline_rate),
                "effect": _grade(scenario, oc.effect),
                "unit_cost": _grade(scenario, scenario.unit_costs[use.unit_cost]),
                "per_event": _grade(scenario, use.per_event) if use.per_event is not None else "A",
            }
            grade = weakest_grade([counted[n] for n in names])
            contribution = structure.sign * float(pv_events[term.outcome]) * term.per_event * float(term.by_agency.sum())
            helps = contribution > 0 if contribution != 0 else not cut
            use_factors[(term.outcome, term.use)] = by_grade(
                f"outcomes.{oc.id}.unit_costs.{use.unit_cost}", grade, helps, "weakest_grade", names
            )
    return OptimismFactors(cost_factor, saving_factor, use_factors, tuple(corrections))


def compile_adjusted(scenario: Scenario, factors: OptimismFactors | None) -> tuple[Structure, Params]:
    """The engine arrays with the corrections applied (exactly :func:`compile_scenario` without them)."""
    structure, params = compile_scenario(scenario, (factors.uses or None) if factors is not None else None)
    if factors is None:
        return structure, params
    return structure, replace(
        params,
        cost_amount=params.cost_amount * factors.cost,
        savings_amount=params.savings_amount * factors.savings,
    )
