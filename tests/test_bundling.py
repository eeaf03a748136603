"""A proposal downloaded self-contained (the library values it uses bundled in) stands alone and gives the
same figures; a library unit cost edited in the bundle behaves as the same change made another way; an
edit replaces the inline comment it may have made false."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from costmodel.appraisal.chain import appraise
from costmodel.inputs.bundling import needs_bundle, self_contained
from costmodel.inputs.editing import apply_edits, edited_scenario, note_edits_in_comments
from costmodel.inputs.loading import load_proposal
from costmodel.inputs.yamlio import parse_yaml

ROOT = Path(__file__).resolve().parents[1]
PROPOSALS = sorted((ROOT / "assumptions" / "proposals").glob("*.yaml"))


@pytest.mark.parametrize("path", PROPOSALS, ids=lambda p: p.stem)
def test_a_self_contained_proposal_validates_alone_and_gives_the_same_figures(path, tmp_path):
    text = path.read_text(encoding="utf-8")
    scenario = load_proposal(path)
    bundled = self_contained(text, scenario, path.name)
    alone = tmp_path / "elsewhere" / path.name  # no unit_costs.yaml anywhere near it
    alone.parent.mkdir()
    alone.write_text(bundled, encoding="utf-8")
    again = load_proposal(alone)
    assert again.library_path is None
    assert again.proposal.unit_cost_library is None
    a, b = appraise(scenario), appraise(again)
    assert b.npv == a.npv
    assert np.array_equal(b.pv_net_by_agency, a.pv_net_by_agency)
    assert [x.id for x in again.agencies] == [x.id for x in scenario.agencies]
    assert again.unit_costs == scenario.unit_costs
    assert set(again.sources) == set(scenario.sources)
    # the proposal's own lines are all still there, comments included; only the library line changed
    old_lines = text.splitlines()
    new_lines = bundled.splitlines()
    missing = [ln for ln in old_lines if ln not in new_lines]
    assert missing == ["unit_cost_library: ../unit_costs.yaml"]
    assert "unit_cost_library: null  # was ../unit_costs.yaml" in bundled
    # only what the proposal uses: a unit cost no outcome uses is not copied
    library = parse_yaml((ROOT / "assumptions" / "unit_costs.yaml").read_text(encoding="utf-8"), "lib").data
    copied = {u["id"] for u in parse_yaml(bundled, "b").data.get("unit_costs", [])}
    assert copied == set(scenario.unit_costs) < {u["id"] for u in library["unit_costs"]}
    # bundling twice changes nothing more
    assert self_contained(bundled, again, path.name) == bundled


def test_a_file_without_a_library_is_left_as_it_is(tmp_path):
    path = PROPOSALS[0]
    bundled = self_contained(path.read_text(encoding="utf-8"), load_proposal(path), path.name)
    shutil.copy(ROOT / "assumptions" / "unit_costs.yaml", tmp_path / "unit_costs.yaml")  # not used
    sc = load_proposal(tmp_path / "p.yaml", text=bundled)
    assert self_contained(bundled, sc) == bundled
    assert not needs_bundle({"unit_costs.arrest_detained.bearers.0.value": 400}, sc)


def test_doubling_a_library_unit_cost_equals_doubling_its_units_per_event():
    """Units per event x £ per unit is a product: doubling every bearer of the arrest unit cost (and its
    published total) in the bundle gives the NPV of doubling the arrests per first-time entrant."""
    path = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    text = path.read_text(encoding="utf-8")
    scenario = load_proposal(path)
    arrest = scenario.unit_costs["arrest_detained"]
    assert [b.value for b in arrest.bearers] == [342, 245, 6] and arrest.total == 593  # as published
    bundled = self_contained(text, scenario, path.name)
    doubled = {
        f"unit_costs.arrest_detained.bearers.{j}.value": 2 * b.value for j, b in enumerate(arrest.bearers)
    }
    doubled["unit_costs.arrest_detained.total"] = 2 * 593
    _, by_cost = edited_scenario(path.name, bundled, doubled)
    lib_dir = str(path.parent)
    _, by_units = edited_scenario(
        path.name, text, {"outcomes.first_time_entrants.unit_costs.arrest_detained.per_event.value": 2},
        library_dir=lib_dir,
    )  # fmt: skip
    a, b = appraise(by_cost), appraise(by_units)
    assert a.npv == pytest.approx(b.npv, rel=1e-12)
    assert np.allclose(a.pv_net_by_agency, b.pv_net_by_agency, rtol=1e-12, atol=1e-6)
    assert a.npv > appraise(scenario).npv  # more avoided cost per arrest: a better NPV


def test_an_edit_replaces_the_inline_comment_it_made_false():
    path = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    text = path.read_text(encoding="utf-8")
    edits = {"appraisal.first_year": 2028, "outcomes.first_time_entrants.effect.value": 0.2}
    edited = apply_edits(text, edits)
    noted = note_edits_in_comments(text, edited, edits, path.name)
    assert "  first_year: 2027            # 2027-28 is year 0 (undiscounted)" in text
    assert "  first_year: 2028  # 2028-29 is year 0 (undiscounted); edited, was 2027" in noted
    assert "2027-28 is year 0" not in noted
    line = next(ln for ln in noted.splitlines() if ln.lstrip().startswith("effect: {value: 0.2,"))
    assert line.endswith("# edited, was 0.14")
    assert parse_yaml(noted, "n").data == parse_yaml(edited, "e").data  # the data are untouched
    changed = [ln for ln in noted.splitlines() if ln not in text.splitlines()]
    assert len(changed) == 2  # no other line moves
    assert note_edits_in_comments(text, text, {}, path.name) == text
