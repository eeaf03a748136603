"""The input registry (costmodel/inputs/registry.py): every settable quantity is declared once, paths are
by id, and a new outcome parameter reaches every surface through a model field and one registry entry.

The walk-through: an ``engagement_rate`` (the share of the cohort who actually take part) multiplying
the cohort. It is added here exactly as a maintainer would add it — a field on the outcome model and one
``Entry`` — and, with nothing else changed, the engine, the Edit page's list, the uncertainty inputs
(tornado, switching values, Monte Carlo), provenance and the workbook pick it up. Each expectation is
checked against the model *without* the parameter and a cohort scaled by hand (engagement 0.8 of 500
people reached is the same as 400 people reached), never against the new code path's own output.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from pydantic import Field

from costmodel.appraisal.chain import appraise
from costmodel.errors import UsageError
from costmodel.inputs import registry
from costmodel.inputs.editing import editable_quantities
from costmodel.inputs.loading import edit_proposal, load_proposal, walk_mappings
from costmodel.inputs.models import FractionQ, Outcome, Proposal
from costmodel.inputs.provenance import assumption_rows
from costmodel.uncertainty.batch import npv_table
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.sensitivity import npv_with, switching_values, tornado

from .conftest import YOUTH_WORK

ROOT_PROPOSALS = sorted(YOUTH_WORK.parent.glob("*.yaml"))
ENGAGEMENT = "outcomes.first_time_entrants.engagement_rate"
COHORT = "outcomes.first_time_entrants.cohort"


# --- the registry covers every quantity, and paths are by id ---------------------------------------


@pytest.mark.parametrize("path", ROOT_PROPOSALS, ids=lambda p: p.stem)
def test_every_quantity_in_the_shipped_examples_is_registered(path):
    """Every figure with a unit and a source or assumption (what provenance used to find by duck typing)
    matches a registry entry, and the registry lists each of them once."""
    proposal = load_proposal(path).proposal
    found = set()
    for loc, d in walk_mappings(proposal.model_dump(mode="json")):
        if "unit" in d and ("value" in d or "values" in d) and ("source" in d or "assumption" in d):
            found.add(registry.id_path(proposal, ".".join(str(x) for x in loc)))
    listed = [s.path for s in registry.settings(proposal) if hasattr(s.quantity, "unit")]
    assert sorted(listed) == sorted(found)
    assert len(listed) == len(set(listed))


def test_paths_by_id_and_by_position_convert_both_ways():
    p = load_proposal(YOUTH_WORK).proposal
    by_id = "outcomes.first_time_entrants.unit_costs.court_event_under18_theft.per_event.value"
    by_position = "outcomes.0.unit_costs.1.per_event.value"
    assert registry.index_path(p, by_id) == by_position
    assert registry.id_path(p, by_position) == by_id
    assert registry.template_of(by_id) == "outcomes.*.unit_costs.*.per_event.value"
    assert registry.index_path(p, "prevention_costs.detached_team.amount") == "prevention_costs.0.amount"


def test_each_outcome_entry_sets_a_params_field_the_engine_has():
    from costmodel.appraisal.engine import Params

    fields = {f.name for f in dataclasses.fields(Params)}
    for e in registry.outcome_entries():
        assert e.applies in fields, e.template


def test_edits_are_checked_against_the_registry_and_name_the_field():
    p = load_proposal(YOUTH_WORK).proposal
    with pytest.raises(UsageError) as info:
        edit_proposal(p, {"appraisal.horizon_years": 500})
    assert info.value.field == "appraisal.horizon_years"
    assert str(info.value) == "appraisal.horizon_years must be between 1 and 100 years (got 500)"
    assert "--" not in str(info.value)  # the library never names a command-line flag
    with pytest.raises(UsageError, match="appraisal.firm_budget_years must be between 0 and 8 years"):
        edit_proposal(p, {"appraisal.horizon_years": 8, "appraisal.firm_budget_years": 9})
    with pytest.raises(UsageError, match="outcomes.first_time_entrants.effect must be between -1 and 1"):
        edit_proposal(p, {"outcomes.first_time_entrants.effect": 35})
    edited = edit_proposal(p, {"outcomes.first_time_entrants.effect": 0.2, "appraisal.discount_rate": 0.0})
    assert edited.outcomes[0].effect.value == 0.2 and edited.appraisal.discount_rate == 0.0
    back = edit_proposal(edited, {"appraisal.discount_schedule": "green_book_health"})
    assert back.appraisal.discount_rate is None and back.appraisal.discount_schedule == "green_book_health"


def test_a_constant_rate_edit_discounts_by_hand():
    r = appraise(load_proposal(YOUTH_WORK, {"appraisal.discount_rate": 0.05}))
    assert r.scenario.schedule.id == "constant"  # no rate encoded in an id
    np.testing.assert_allclose(r.flows.factors, 1 / 1.05 ** np.arange(10))


# --- the walk-through: a new outcome parameter --------------------------------------------------------


@pytest.fixture
def engaged(monkeypatch):
    """The youth-work scenario with an engagement rate of 0.8 (range 0.6 to 0.9) on its first outcome,
    added by a model field and one registry entry only."""
    entry = registry.Entry(
        "outcomes.*.engagement_rate",
        "fraction",
        "Engagement: share of the cohort who take part",
        0.0,
        1.0,
        "cohort",
        role="scales",
        linear=True,
        optional=True,
        default=1.0,
        description="Share of the people reached who take part. [fraction]",
    )
    monkeypatch.setattr(registry, "ENTRIES", (*registry.ENTRIES, entry))

    class EngagedOutcome(Outcome):  # the model change: one optional field
        engagement_rate: FractionQ | None = Field(
            default=None, description=registry.describe("outcomes.*.engagement_rate")
        )

    class EngagedProposal(Proposal):
        outcomes: list[EngagedOutcome] = Field(default_factory=list)  # type: ignore[assignment]

    base = load_proposal(YOUTH_WORK)
    data = base.proposal.model_dump()
    data["outcomes"][0]["engagement_rate"] = {
        "value": 0.8,
        "low": 0.6,
        "high": 0.9,
        "unit": "fraction",
        "assumption": "test: four in five of those reached take part",
    }
    return base, dataclasses.replace(base, proposal=EngagedProposal.model_validate(data))


def _with_cohort_times(base, factor: float):
    """The scenario without the new parameter, the first outcome's cohort scaled by hand."""
    q = base.proposal.outcomes[0].cohort
    edits = {
        f"{COHORT}.{k}": getattr(q, k) * factor for k in ("value", "low", "high") if getattr(q, k) is not None
    }
    return dataclasses.replace(base, proposal=edit_proposal(base.proposal, edits))


def test_the_engine_applies_the_new_parameter(engaged):
    base, scenario = engaged
    assert appraise(scenario).npv == pytest.approx(appraise(_with_cohort_times(base, 0.8)).npv, abs=0.01)
    assert appraise(scenario).npv != pytest.approx(appraise(base).npv, abs=1.0)


def test_the_edit_page_lists_the_new_parameter(engaged):
    _, scenario = engaged
    quantities = {q.path: q for q in editable_quantities(scenario.proposal)}
    q = quantities[ENGAGEMENT]
    assert (q.label, q.value, q.low, q.high, q.unit) == (
        "Engagement: share of the cohort who take part",
        0.8,
        0.6,
        0.9,
        "fraction",
    )


def test_provenance_lists_the_new_parameter(engaged):
    _, scenario = engaged
    row = next(r for r in assumption_rows(scenario) if r["field"] == ENGAGEMENT)
    assert (row["value"], row["unit"], row["grade"]) == (0.8, "fraction", "assumption")
    assert row["name"] == "engagement rate"


def test_the_uncertainty_inputs_tornado_and_switching_value_use_the_new_parameter(engaged):
    base, scenario = engaged
    c = compile_uncertainty(scenario)
    inp = next(i for i in c.inputs if i.id == ENGAGEMENT)
    assert (inp.low, inp.central, inp.high, inp.linear, inp.target) == (0.6, 0.8, 0.9, True, "cohort")
    bar = next(b for b in tornado(c).bars if b.input.id == ENGAGEMENT)
    assert bar.npv_low == pytest.approx(appraise(_with_cohort_times(base, 0.6)).npv, abs=0.01)
    assert bar.npv_high == pytest.approx(appraise(_with_cohort_times(base, 0.9)).npv, abs=0.01)
    total = next(v for v in switching_values(c) if v.input.id == ENGAGEMENT and v.agency == "total")
    if total.value is not None:
        assert npv_with(c, inp, total.value)[0] == pytest.approx(0.0, abs=0.01)
    else:  # NPV linear in engagement: no root in [0, 1] means one sign at both ends
        ends = [npv_with(c, inp, x)[0] for x in (0.0, 1.0)]
        assert (ends[0] > 0) == (ends[1] > 0)


def test_draws_of_the_cohort_and_the_new_parameter_multiply(engaged):
    base, scenario = engaged
    c = compile_uncertainty(scenario)
    pair = [next(i for i in c.inputs if i.id == k) for k in (COHORT, ENGAGEMENT)]
    cohort = base.proposal.outcomes[0].cohort
    assert cohort.low is not None  # the youth-work cohort is ranged, so both vary in one draw
    got = npv_table(c, pair, np.array([[cohort.low, 0.6]])).npv[0]
    assert got == pytest.approx(
        appraise(_with_cohort_times(base, 0.6 * cohort.low / cohort.value)).npv, abs=0.01
    )


def test_the_workbook_recomputes_the_new_parameter(engaged):
    from costmodel.export.excel import OUTPUTS, workbook_cells
    from costmodel.export.formula import Evaluator

    _, scenario = engaged
    result = appraise(scenario)
    cells = workbook_cells(result)
    out = cells[OUTPUTS]
    npv_row = next(r for (r, col), v in out.items() if col == 0 and v == "Net present value (NPV)")
    assert Evaluator(cells).value(OUTPUTS, npv_row, 4) == pytest.approx(result.npv, abs=0.01)
    inputs = cells["Inputs"]
    assert "Engagement: share of the cohort who take part" in inputs.values()


def test_a_row_id_given_twice_is_refused_with_its_line():
    """Inputs are addressed by row ids, so an id that names two rows is an error, located in the file
    (without this check the uncertainty table would silently drop one of two inputs sharing a path)."""
    from costmodel.errors import AssumptionError

    text = YOUTH_WORK.read_text(encoding="utf-8")
    twice = text.replace("  - id: repeat_offending", "  - id: first_time_entrants", 1)
    twice = twice.replace("  - id: set_up_and_training", "  - id: detached_team", 1)
    twice = twice.replace("      - unit_cost: yot_practitioner_hour", "      - unit_cost: arrest_detained", 1)
    with pytest.raises(AssumptionError) as info:
        load_proposal(YOUTH_WORK.parent / "p.yaml", text=twice)  # beside the library it names
    found = {(p.field, p.message) for p in info.value.problems}
    assert found == {
        ("prevention_costs.1.id", "duplicate cost line id 'detached_team' (first given as item 0)"),
        ("outcomes.1.id", "duplicate outcome id 'first_time_entrants' (first given as item 0)"),
        (
            "outcomes.0.unit_costs.2.unit_cost",
            "duplicate unit cost of this outcome 'arrest_detained' (first given as item 0); "
            "give its units per event once",
        ),
    }
    line = twice.splitlines().index("  - id: first_time_entrants", twice.splitlines().index("outcomes:") + 2)
    assert next(p.line for p in info.value.problems if p.field == "outcomes.1.id") == line + 1
