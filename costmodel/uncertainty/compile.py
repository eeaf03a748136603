"""The table of uncertain inputs: every quantity that can vary, and where it enters the engine.

:func:`compile_uncertainty` builds, from a :class:`~costmodel.inputs.loading.Scenario`, the engine's
(:class:`~costmodel.appraisal.engine.Structure`, :class:`~costmodel.appraisal.engine.Params`) and a table of
:class:`UncertainInput` (each ranged quantity, with which engine parameter and index it maps to).
:func:`costmodel.uncertainty.batch.with_values` applies a matrix of input values to those arrays.

How each input enters the engine:

* outcome fields (cohort, baseline_rate, effect, lag_years, ...) replace their column of ``Params``;
* a cost line's ``amount`` replaces ``cost_amount`` (converted to price-base prices);
* a cost line's ``growth`` rebuilds that line's row of ``Structure.cost_shape`` per draw;
* a cut line's release ramp (``release_profile.ramp_years``) rebuilds that line's row the same way;
* a cut's closure cost ``amount`` replaces its element of ``cost_amount`` (after the cost lines);
* a unit-cost use's ``per_event`` adds ``(x - central) × (that unit cost's £ by agency)`` to the
  outcome's row of ``unit_cost``, which the engine sums over the outcome's unit costs;
* a whole unit cost (switching values only) scales its contribution to every outcome that uses it;
* the discount rate (switching values only) moves every band of the schedule by the same amount.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from ..appraisal.agreement_terms import agreement_terms
from ..appraisal.discounting import nominal_to_real, price_conversion_factor
from ..appraisal.engine import Params, Structure, active_years, line_profile, line_release, unit_cost_table
from ..appraisal.optimism import (
    Correction,
    OptimismSettings,
    compile_adjusted,
    optimism_factors,
    resolve_settings,
)
from ..errors import UsageError
from ..inputs.models import figure_grade
from ..inputs.registry import Entry, entry, outcome_entries

if TYPE_CHECKING:
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

RATE_SEARCH_HIGH = 1.0
"""Upper end of the discount rate's switching-value search. [fraction] (A constant rate given as an edit
must also be a valid schedule band, at most 0.5: ``models.RateBand``.)"""

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
    target: str  # the registry's ``applies``: a Params field, or "cost_amount", "cost_growth",
    # "unit_cost_component", "unit_cost_scale", "discount_rate"
    index: int  # outcome or cost-line index
    scale: float = 1.0  # multiplier into engine units (price conversion × optimism-bias factor ×
    # the central values of the other inputs multiplying the same Params cell)
    vector: F | None = None  # £ by agency (A,) or (O, A); growth: (2, T) active mask and exponents
    integer: bool = False
    linear: bool = False
    domain_low: float = 0.0
    domain_high: float = math.inf
    cell: tuple[tuple[str, float], ...] = ()  # every input multiplying this Params cell: (id, central),
    # this one included; empty when it is the cell's only term (see batch.with_values)

    @property
    def ranged(self) -> bool:
        return self.high > self.low


@dataclass(frozen=True)
class Compiled:
    scenario: Scenario
    structure: Structure
    params: Params
    inputs: tuple[UncertainInput, ...]  # every quantity with a range (in file order)
    candidates: tuple[UncertainInput, ...]  # inputs that get a switching value
    corrections: tuple[Correction, ...] = field(default=())
    optimism: OptimismSettings | None = None  # the corrections the arrays carry (None: unadjusted)

    @property
    def agency_ids(self) -> tuple[str, ...]:
        return self.structure.agency_ids


def _grade(scenario: Scenario, q: Any) -> str:
    return figure_grade(q, {k: s.grade for k, s in scenario.sources.items()})


def _unit_cost_grade(scenario: Scenario, uc: Any) -> str:
    return _grade(scenario, uc)


def _quantity_input(
    scenario: Scenario, q: Any, e: Entry, horizon: int, *, id: str, label: str, index: int, **kw: Any
) -> UncertainInput:
    """An input for the quantity ``q`` of registry entry ``e``: its range, and where it enters the engine."""
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
        target=e.applies,
        index=index,
        integer=e.integer,
        linear=e.linear,
        domain_low=e.domain_low,
        domain_high=e.high(horizon),
        **kw,
    )


def _amount_input(
    scenario: Scenario, line: Any, e: Entry, horizon: int, id: str, index: int, factor: float
) -> UncertainInput:
    """The ranged amount of a cost or savings ``line`` (registry entry ``e``): a real amount is converted
    to base-year prices; a cash amount carries its year-by-year conversion in the line's profile
    (engine.line_profile), so its scale is 1. ``factor`` is the optimism-bias correction."""
    amount = line.amount
    nominal = amount.prices == "nominal"
    index_ = scenario.deflator.index
    base = scenario.proposal.appraisal.price_base_year
    k = 1.0 if nominal else price_conversion_factor(index_, amount.real_price_year, base)
    prices = "(cash of each year)" if nominal else f"({amount.real_price_year} prices)"
    return _quantity_input(
        scenario, amount, e, horizon, id=id, label=f"{line.label}: {e.label} {prices}", index=index, scale=k * factor
    )


def compile_uncertainty(
    scenario: Scenario,
    optimism: OptimismSettings | None | bool = True,
    *,
    discount_rate_range: tuple[float, float] | None = None,
    pool_terms: bool = False,
) -> Compiled:
    """The engine arrays and the table of uncertain inputs for ``scenario``.

    Which quantities there are, their domains, whether the NPV is linear in them and where they enter
    the engine come from the input registry (:mod:`costmodel.inputs.registry`); the arrays from the
    engine's own compile step (:func:`costmodel.appraisal.engine.compile_scenario`).

    ``discount_rate_range`` (low, high) [fraction] makes the discount rate a ranged input too
    (triangular, mode = the schedule's first rate; every band moves with it), varied per draw.

    ``optimism`` True (the default) follows the file's ``appraisal.optimism_bias``, as
    :func:`costmodel.appraisal.chain.appraise` does; False or None: no corrections; or given settings.
    With corrections the central ``Params`` carry them (every line made less favourable:
    :mod:`costmodel.appraisal.optimism`) and every input's mapping includes them, so draws keep them.

    ``pool_terms`` adds the agreement's own ranged terms (:func:`pool_term_inputs`: pool contributions
    and responsibility charges) to ``inputs``, after the others. They move no engine array (the
    whole proposal's flows do not depend on them); :func:`costmodel.pooling.draws.pool_draws` applies
    them to each draw's agreement.
    """
    p = scenario.proposal
    base = p.appraisal.price_base_year
    index = scenario.deflator.index
    T = p.appraisal.horizon_years

    # --- optimism-bias factors (costmodel.appraisal.optimism: every line made less favourable) ----
    settings = resolve_settings(scenario, optimism)
    factors = optimism_factors(scenario, settings) if settings is not None else None
    corrections: tuple[Correction, ...] = factors.corrections if factors is not None else ()
    n_closure = len(p.closure_costs) if p.kind == "cut" else 0
    cost_factor = factors.cost if factors is not None else np.ones(len(p.prevention_costs) + n_closure)
    saving_factor = factors.savings if factors is not None else np.ones(len(p.savings))
    benefit_factors = factors.uses if factors is not None else {}
    structure, params = compile_adjusted(scenario, factors)
    _, terms = unit_cost_table(scenario, benefit_factors or None)

    inputs: list[UncertainInput] = []
    candidates: list[UncertainInput] = []

    def ranged_line_input(e: Entry, line: Any, i: int, q: Any, vector: F) -> None:
        """A ranged quantity of cost line ``i`` that rebuilds its yearly profile (its growth, its release
        ramp): an input, and a switching-value candidate. ``vector``: (2, T) the profile and the years."""
        inp = _quantity_input(
            scenario,
            q,
            e,
            T,
            id=e.template.replace("*", line.id, 1),
            label=f"{line.label}: {e.name}",
            index=i,
            vector=vector,
        )
        inputs.append(inp)
        candidates.append(inp)

    # --- cost lines: amounts and growth ------------------------------------------------------
    amount_entry, growth_entry = entry("prevention_costs.*.amount"), entry("prevention_costs.*.growth")
    for i, line in enumerate(p.prevention_costs):
        if line.amount is None:
            continue
        nominal = line.amount.prices == "nominal"
        inp = _amount_input(scenario, line, amount_entry, T, f"prevention_costs.{line.id}.amount", i, cost_factor[i])
        candidates.append(inp)
        if line.amount.low is not None:
            inputs.append(inp)
        release = line_release(line, T) if p.kind == "cut" else np.ones(T)
        ramp = line.release_profile.ramp_years if p.kind == "cut" and line.release_profile else None
        ranged_ramp = ramp is not None and ramp.low is not None and ramp.high is not None and ramp.high > ramp.low
        if line.growth is not None and line.growth.low is not None:
            if ranged_ramp:
                raise UsageError(
                    f"prevention_costs.{line.id}: both its growth and its release ramp have a range; "
                    "give a range to one of them (each rebuilds the line's yearly profile)"
                )
            active, since = active_years(line.start_year, line.end_year, T)
            if nominal:  # cash of each year: the active years carry the cash-to-real conversion
                active = active * nominal_to_real(index, p.appraisal.first_year + np.arange(T), base)
            active = active * release
            ranged_line_input(growth_entry, line, i, line.growth, np.stack([active, since]))
        if ramp is not None and ranged_ramp:  # the line's profile without its release, and years since start
            _, unreleased = line_profile(line, index, base, p.appraisal.first_year, T)
            since = np.arange(T, dtype=np.float64) - line.start_year
            release_entry = entry("prevention_costs.*.release_profile.ramp_years")
            ranged_line_input(release_entry, line, i, ramp, np.stack([unreleased, since]))

    # --- a cut's closure costs: amounts (after the cost lines in cost_amount) ---------------------
    closure_entry = entry("closure_costs.*.amount")
    for k, cc in enumerate(p.closure_costs if p.kind == "cut" else []):
        i = len(p.prevention_costs) + k
        inp = _amount_input(scenario, cc, closure_entry, T, f"closure_costs.{cc.id}.amount", i, cost_factor[i])
        candidates.append(inp)
        if cc.amount.low is not None:
            inputs.append(inp)

    # --- plain savings lines: amounts (a ranged amount varies like a cost line's) -------------
    saving_entry = entry("savings.*.amount")
    for i, sl in enumerate(p.savings):
        if sl.amount is None:
            continue
        inp = _amount_input(scenario, sl, saving_entry, T, f"savings.{sl.id}.amount", i, saving_factor[i])
        candidates.append(inp)
        if sl.amount.low is not None:
            inputs.append(inp)

    # --- outcomes: units of each unit cost per event ------------------------------------------
    per_event = entry("outcomes.*.unit_costs.*.per_event")
    uc_vectors: dict[str, F] = {}
    for term in terms:
        oc = p.outcomes[term.outcome]
        q = oc.unit_costs[term.use].per_event
        uc = scenario.unit_costs[term.unit_cost]
        uc_vectors.setdefault(term.unit_cost, np.zeros((len(p.outcomes), len(structure.agency_ids))))
        uc_vectors[term.unit_cost][term.outcome] += term.per_event * term.by_agency
        if q is not None and q.low is not None:
            inputs.append(
                _quantity_input(
                    scenario,
                    q,
                    per_event,
                    T,
                    id=f"outcomes.{oc.id}.unit_costs.{term.unit_cost}.per_event",
                    label=f"{oc.label}: {uc.label} {per_event.name}",
                    index=term.outcome,
                    vector=term.by_agency,
                )
            )

    # --- outcomes: every registered outcome quantity -----------------------------------------
    entries = outcome_entries()
    for o, oc in enumerate(p.outcomes):
        present = [(e, q) for e in entries if (q := getattr(oc, e.key, None)) is not None]
        for e, q in present:
            cell = tuple(
                (f"outcomes.{oc.id}.{x.key}", float(xq.value)) for x, xq in present if x.applies == e.applies
            )
            scale = (
                math.prod(c for cid, c in cell if cid != f"outcomes.{oc.id}.{e.key}")
                if len(cell) > 1
                else 1.0
            )
            inp = _quantity_input(
                scenario,
                q,
                e,
                T,
                id=f"outcomes.{oc.id}.{e.key}",
                label=f"{oc.label}: {e.name}",
                index=o,
                scale=scale,
                cell=cell if len(cell) > 1 else (),
            )
            if q.low is not None:
                inputs.append(inp)
            if q.low is not None or e.switching:
                candidates.append(inp)

    # --- whole unit costs (switching values only) ---------------------------------------------
    uc_entry = entry("unit_costs.*")
    for uc_id, vectors in uc_vectors.items():
        uc = scenario.unit_costs[uc_id]
        total = float(sum(b.value for b in uc.bearers))
        if total <= 0:
            continue
        candidates.append(
            UncertainInput(
                id=f"unit_costs.{uc_id}",
                label=f"Unit cost: {uc.label} ({uc.price_year} prices, all bearers)",
                unit=uc_entry.unit,
                low=total,
                central=total,
                high=total,
                distribution=None,
                grade=_unit_cost_grade(scenario, uc),
                target=uc_entry.applies,
                index=-1,
                vector=vectors,
                linear=uc_entry.linear,
                domain_low=uc_entry.domain_low,
                domain_high=uc_entry.high(T),
            )
        )
    rate0 = float(params.rates[0])
    rate_low, rate_high = discount_rate_range if discount_rate_range is not None else (rate0, rate0)
    if not 0 <= rate_low <= rate0 <= rate_high <= 0.5:
        raise UsageError(
            f"must satisfy 0 <= low <= {rate0:g} (the schedule's rate) <= high <= 0.5 "
            f"(got {rate_low:g}, {rate_high:g})",
            field="discount_rate_range",
        )
    rate = entry("appraisal.discount_rate")
    discount = UncertainInput(
        id=rate.template,
        label=rate.label,
        unit=rate.unit,
        low=float(rate_low),
        central=rate0,
        high=float(rate_high),
        distribution=None,
        grade="A",
        target=rate.applies,
        index=-1,
        linear=rate.linear,
        domain_low=rate.domain_low,
        domain_high=RATE_SEARCH_HIGH,
    )
    candidates.append(discount)
    if discount_rate_range is not None:
        inputs.append(discount)

    if pool_terms:
        inputs.extend(pool_term_inputs(scenario))

    seen: set[str] = set()
    unique = []
    for c in candidates:
        if c.id not in seen:
            seen.add(c.id)
            unique.append(c)
    return Compiled(scenario, structure, params, tuple(inputs), tuple(unique), corrections, settings)


# ---------------------------------------------------------------------------------------------
# The agreement's own terms (pooled budgets and responsibility charges)
# ---------------------------------------------------------------------------------------------


def pool_term_inputs(scenario: Scenario) -> list[UncertainInput]:
    """The agreement's ranged terms (:func:`costmodel.appraisal.agreement_terms.agreement_terms`: pool
    contributions, responsibility charges) as inputs with target ``pool_term``: ``index`` and ``scale``
    are the term's ``PoolParams`` cell and its scale; they move no engine array."""
    T = scenario.proposal.appraisal.horizon_years
    return [
        _quantity_input(scenario, t.quantity, t.entry, T, id=t.path, label=t.label, index=t.index, scale=t.scale)
        for t in agreement_terms(scenario)
    ]
