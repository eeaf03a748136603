"""The Edit page: a unit cost's economic and social values (the value layers) are editable as its fiscal
shares are, with the loader's rules beside the field, units in words and the change marked as local.

Youth work's library unit cost 'crime_victim_nhs_average' carries one economic component (£676 a crime,
2010-11 prices) and one social component (£1,648), GMCA Unit Cost Database CR8.0. Every layer is linear in
its components, so doubling the economic component doubles the economic layer's present value and leaves
the fiscal layer (the verdict) alone: the expectation, worked by hand, needs no engine output pasted back.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.pages import open_page

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
EDIT = "app_pages/edit_assumptions.py"
KEY = "example:youth_work"
UC = "crime_victim_nhs_average"


def _draft(at: AppTest):
    return at.session_state["drafts"][KEY]


def _edit(at: AppTest, rows: dict[int, dict[str, object]]) -> None:
    key = f"ed-{KEY}-unit-cost-layers-{_draft(at).rev}"
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_economic_and_social_values_are_in_their_own_table_with_units_in_words():
    at = open_page(EDIT)
    assert "Economic and social value per unit (beyond public budgets)" in [h.value for h in at.subheader]
    assert any("never in the Ten Year Test verdict" in c.value for c in at.caption)


def test_doubling_the_economic_value_doubles_the_economic_layer_and_leaves_the_verdict():
    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal

    at = open_page(EDIT)
    before = at.metric[0].value  # the fiscal NPV
    _edit(at, {0: {"Value": 1352.0}})  # row 0: the economic component, £676 in the file
    d = _draft(at)
    assert d.edits == {f"unit_costs.{UC}.economic.0.value": 1352.0} == d.valid_edits
    assert at.metric[0].value == before  # the Ten Year Test rests on the fiscal layer alone
    # the file with the page's edits (the library values bundled in, as the page does) appraised on its own
    from costmodel.inputs.bundling import self_contained
    from costmodel.inputs.editing import edited_scenario

    path = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    shipped = load_proposal(path)
    bundled = self_contained(path.read_text(encoding="utf-8"), shipped, "youth_work.yaml")
    _, edited = edited_scenario("youth_work.yaml", bundled, d.edits, library_dir=str(path.parent))
    old, new = appraise(shipped).value_layers, appraise(edited).value_layers
    assert new.economic.pv_benefits == pytest.approx(2 * old.economic.pv_benefits, rel=1e-12)
    assert new.social.pv_benefits == old.social.pv_benefits and new.fiscal == old.fiscal


def test_a_negative_value_is_refused_beside_the_field_and_the_figures_keep_the_last_valid_ones():
    at = open_page(EDIT)
    _edit(at, {1: {"Value": -5.0}})  # row 1: the social component
    d = _draft(at)
    assert d.valid_edits == {}  # the figures stay on the file's values
    # the loader's rule, beside the field (a problem matched to no field would be shown as code)
    assert [e.value for e in at.error] == ["input should be greater than or equal to 0 (got -5)"]


def test_a_wellbeing_change_is_edited_in_wellbys_per_unit_and_moves_the_public_value_by_hand():
    """tests/cases/hand_worked_layers.yaml (uploaded): an incident carries £30 economic, £50 social and
    0.01 WELLBY (grade A sources: no optimism-bias correction). Doubling the WELLBYs to 0.02 adds the same
    again: 0.01 × £13,000 (2019-20 prices) × 100 / 80.8738 (GDP deflator to 2024-25) per incident, on
    4, 6 and 6 incidents avoided in years 1-3, discounted at the 1.5% health rate."""
    from costmodel.formatting import money

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    text = (ROOT / "tests" / "cases" / "hand_worked_layers.yaml").read_bytes()
    at.selectbox(key="proposal_choice").set_value("upload").run()
    at.file_uploader(key="upload").set_value(("hand_worked_layers.yaml", text, "application/x-yaml")).run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(EDIT).run()
    key = at.session_state["current"]
    draft = at.session_state["drafts"][key]
    at.session_state[f"ed-{key}-unit-cost-layers-{draft.rev}"] = {
        "edited_rows": {2: {"Value": 0.02}},  # rows: economic, social, wellbeing (WELLBYs per incident)
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["drafts"][key].valid_edits == {"unit_costs.incident.wellbeing.per_unit": 0.02}
    at.switch_page("app_pages/ten_year_test.py").run()
    pv_standard = 4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3
    pv_health = 4 / 1.015 + 6 / 1.015**2 + 6 / 1.015**3
    pv_costs = 1000 * (1 + 1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3)
    wellbeing = 0.02 * 13000 * 100 / 80.8738 * pv_health
    nppv = (100 + 30 + 50) * pv_standard + wellbeing - pv_costs
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Net present public value"] == money(nppv)
