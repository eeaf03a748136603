"""Round-trip editing of proposal files: comments and sources kept, edits validated by the loader."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.errors import AssumptionError
from costmodel.inputs.editing import (
    DELETE,
    apply_edits,
    editable_quantities,
    edited_scenario,
    problems_by_path,
)
from costmodel.inputs.loading import load_proposal

ROOT = Path(__file__).resolve().parent.parent
YOUTH = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
LIB_DIR = str(YOUTH.parent)
TEXT = YOUTH.read_text(encoding="utf-8")


def changed_lines(a: str, b: str) -> list[str]:
    return [
        ln
        for ln in difflib.unified_diff(a.splitlines(), b.splitlines(), lineterm="", n=0)
        if ln[:1] in "+-" and not ln.startswith(("+++", "---"))
    ]


def test_no_edits_returns_the_text_unchanged():
    assert apply_edits(TEXT, {}) == TEXT


def test_value_edit_changes_only_that_number():
    new = apply_edits(TEXT, {"outcomes.0.effect.value": 0.2, "appraisal.horizon_years": 12})
    diff = changed_lines(TEXT, new)
    assert sorted(diff) == sorted(
        [
            "-  horizon_years: 10",
            "+  horizon_years: 12",
            "-    effect: {value: 0.14, unit: fraction, low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
            "+    effect: {value: 0.2, unit: fraction, low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
        ]
    )


def test_adding_and_removing_keys_keeps_comments_and_sources():
    new = apply_edits(
        TEXT,
        {
            "outcomes.0.lag_years.low": DELETE,
            "outcomes.0.lag_years.high": DELETE,
            "outcomes.0.drop_off.high": 0.1,
            "outcomes.0.drop_off.low": 0.0,
        },
    )
    for line in TEXT.splitlines():
        if line.lstrip().startswith("#"):
            assert line in new  # every comment line survives
    assert new.count("source: yef_toolkit_mentoring") == TEXT.count("source: yef_toolkit_mentoring")
    assert "url: https://youthendowmentfund.org.uk/toolkit/mentoring/" in new
    sc = load_proposal(
        "edited.yaml", text=new.replace("../unit_costs.yaml", str(ROOT / "assumptions" / "unit_costs.yaml"))
    )
    oc = sc.proposal.outcomes[0]
    assert oc.lag_years.low is None and oc.lag_years.high is None
    assert (oc.drop_off.low, oc.drop_off.high) == (0.0, 0.1)


def test_edited_scenario_revalidates_and_changes_npv():
    base = appraise(load_proposal(YOUTH))
    _, sc = edited_scenario(YOUTH.name, TEXT, {"outcomes.0.cohort.value": 350}, library_dir=LIB_DIR)
    assert sc.proposal.outcomes[0].cohort.value == 350
    assert appraise(sc).pv_savings > base.pv_savings
    assert appraise(sc).pv_costs == pytest.approx(base.pv_costs)


def test_invalid_edit_is_reported_at_file_line_and_field():
    with pytest.raises(AssumptionError) as info:
        edited_scenario("youth_work.yaml", TEXT, {"outcomes.0.effect.value": 35}, library_dir=LIB_DIR)
    msg = str(info.value)
    line = next(
        i for i, ln in enumerate(TEXT.splitlines(), 1) if ln.lstrip().startswith("effect: {value: 0.14")
    )
    assert f"youth_work.yaml:{line}:" in msg
    assert "outcomes.0.effect.value" in msg and "looks like a percentage" in msg
    assigned = problems_by_path(info.value.problems, ["outcomes.0.effect.value"])
    assert "looks like a percentage" in assigned["outcomes.0.effect.value"][0]


def test_model_level_rule_is_assigned_to_the_edited_field():
    with pytest.raises(AssumptionError) as info:
        edited_scenario("y.yaml", TEXT, {"appraisal.firm_budget_years": 11}, library_dir=LIB_DIR)
    assigned = problems_by_path(info.value.problems, ["appraisal.firm_budget_years"])
    assert "cannot exceed horizon_years" in assigned["appraisal.firm_budget_years"][0]


def test_unknown_path_is_an_error_not_a_new_key():
    with pytest.raises(AssumptionError, match="no such field"):
        apply_edits(TEXT, {"outcomes.7.effect.value": 0.1})


def test_nan_is_refused():
    with pytest.raises(ValueError):
        apply_edits(TEXT, {"outcomes.0.effect.value": float("nan")})


def test_editable_quantities_cover_the_key_inputs():
    # paths are by id (the registry's convention), not by position
    paths = {q.path for q in editable_quantities(load_proposal(YOUTH).proposal)}
    for name in ("cohort", "effect", "cashable_share", "lag_years", "baseline_rate"):
        assert f"outcomes.first_time_entrants.{name}" in paths
    assert "prevention_costs.detached_team.amount" in paths
    assert "outcomes.first_time_entrants.unit_costs.court_event_under18_theft.per_event" in paths


def _swap_outcomes(text: str) -> str:
    """The youth-work file with its two outcomes in the other order."""
    head, outcomes = text.split("\noutcomes:\n", 1)
    first, rest = outcomes.split("\n  - id: repeat_offending", 1)
    second, tail = ("  - id: repeat_offending" + rest), ""
    for key in ("\nfinancing:", "\npool:", "\nresponsibility_charges:", "\ncorrelations:"):
        if key in second:
            second, tail = second.split(key, 1)[0], key + second.split(key, 1)[1]
            break
    return head + "\noutcomes:\n" + second.rstrip("\n") + "\n" + first.rstrip("\n") + "\n" + tail


def test_an_edit_by_id_follows_its_row_when_rows_are_reordered():
    edit = {"outcomes.first_time_entrants.effect.value": 0.2}
    _, original = edited_scenario(YOUTH.name, TEXT, edit, library_dir=LIB_DIR)
    swapped = _swap_outcomes(TEXT)
    _, moved = edited_scenario(YOUTH.name, swapped, edit, library_dir=LIB_DIR)
    assert [o.id for o in moved.proposal.outcomes] == ["repeat_offending", "first_time_entrants"]
    assert moved.proposal.outcomes[1].effect.value == 0.2
    assert moved.proposal.outcomes[0].effect.value == original.proposal.outcomes[1].effect.value
    # the same edit by position would have changed the other outcome
    _, by_position = edited_scenario(
        YOUTH.name, swapped, {"outcomes.0.effect.value": 0.2}, library_dir=LIB_DIR
    )
    assert by_position.proposal.outcomes[0].id == "repeat_offending"
    assert by_position.proposal.outcomes[0].effect.value == 0.2


def test_a_problem_at_a_position_is_shown_against_the_edit_by_id():
    path = "outcomes.first_time_entrants.effect.value"
    with pytest.raises(AssumptionError) as info:
        edited_scenario("y.yaml", TEXT, {path: 35}, library_dir=LIB_DIR)
    assert "outcomes.0.effect.value" in str(info.value)  # the file's own position, for file:line
    assigned = problems_by_path(info.value.problems, [path], load_proposal(YOUTH).proposal)
    assert "looks like a percentage" in assigned[path][0]


def test_an_unknown_id_is_an_error_naming_the_path():
    with pytest.raises(AssumptionError, match="outcomes.no_such_outcome.effect.value: no such field"):
        apply_edits(TEXT, {"outcomes.no_such_outcome.effect.value": 0.1})


@settings(max_examples=25, deadline=None)
@given(
    effect=st.floats(min_value=0.05, max_value=0.21, allow_nan=False),
    cohort=st.integers(min_value=150, max_value=350),
)
def test_round_trip_reads_back_exactly_what_was_written(effect, cohort):
    new = apply_edits(TEXT, {"outcomes.0.effect.value": effect, "outcomes.1.cohort.value": cohort})
    sc = load_proposal(
        "x.yaml", text=new.replace("../unit_costs.yaml", str(ROOT / "assumptions" / "unit_costs.yaml"))
    )
    assert sc.proposal.outcomes[0].effect.value == effect
    assert sc.proposal.outcomes[1].cohort.value == cohort
    # nothing but those two lines changed
    assert len(changed_lines(TEXT, new)) <= 4


def _edit_outcome(path: Path, text: str, edits: dict) -> tuple[str, object]:
    from costmodel.inputs.editing import edited_scenario

    try:
        new_text, sc = edited_scenario(path.name, text, edits, library_dir=str(path.parent))
    except AssumptionError as exc:
        return "error", str(exc)
    return new_text, appraise(sc).npv


@pytest.mark.parametrize(
    "path", sorted((ROOT / "assumptions" / "proposals").glob("*.yaml")), ids=lambda p: p.stem
)
def test_in_place_splice_gives_what_the_round_trip_gives(path, monkeypatch):
    """Edits of existing scalars are spliced at the safe parser's positions (no ruamel tree); the text,
    the figures and any error are exactly those of the round-trip path, which still handles the rest."""
    import costmodel.inputs.editing as editing
    from costmodel.inputs.yamlio import parse_yaml

    text = path.read_text(encoding="utf-8")
    data = parse_yaml(text, path.name).data
    cases: list[dict] = [
        {"appraisal.horizon_years": 12},
        {"appraisal.firm_budget_years": 3, "appraisal.horizon_years": 11.0},
        {"appraisal.horizon_years": 0},  # refused by validation, located in the edited text
        {"title": "New: title"},  # needs quoting: the round trip
    ]
    for i, outcome in enumerate(data.get("outcomes", [])[:3]):
        for key, q in outcome.items():
            if isinstance(q, dict) and isinstance(q.get("value"), (int, float)):
                cases += [
                    {f"outcomes.{outcome['id']}.{key}.value": q["value"] * 1.1},
                    {f"outcomes.{i}.{key}.high": q["value"] * 3},
                    {f"outcomes.{i}.{key}.low": None},  # a deletion: the round trip
                ]
    taken = 0
    for edits in cases:
        fast = _edit_outcome(path, text, edits)
        taken += editing._spliced_in_place(parse_yaml(text, path.name), edits, path.name) is not None
        with monkeypatch.context() as m:
            m.setattr(editing, "_spliced_in_place", lambda *a: None)
            assert _edit_outcome(path, text, edits) == fast, edits
    assert taken >= 2  # the fast path is exercised
