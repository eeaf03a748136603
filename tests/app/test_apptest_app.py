"""The Streamlit app's page logic, driven by Streamlit's AppTest (no browser)."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
EXAMPLES = sorted(p.stem for p in (ROOT / "assumptions" / "proposals").glob("*.yaml"))
EDIT = "app_pages/edit_assumptions.py"


def start() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def npv(at: AppTest) -> str:
    return at.metric[0].value


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_default_page_shows_the_youth_work_example():
    at = start()
    assert at.title[0].value.startswith("Targeted detached youth work")
    labels = [m.label for m in at.metric]
    for wanted in (
        "Net present value",
        "Fiscal return on investment",  # the fiscal ratio, never a benefit-cost ratio (issue 12)
        "Benefit-cost ratio (public value)",
        "Net present public value",
        "Net return per £1",
        "Payback year",
        "Peak dual running",
        "NPV, firm-budget years",
        "NPV, years beyond",
    ):
        assert wanted in labels
    assert any("inputs_sha256" in c.value for c in at.caption)
    assert any("Ten Year Test" in s.value for s in [*at.success, *at.error])
    assert [t.label for t in at.tabs][:2] == ["Charts", "Ten Year Test table"]


@pytest.mark.parametrize("stem", EXAMPLES)
def test_each_example_loads(stem):
    at = start()
    at.selectbox(key="proposal_choice").set_value(f"example:{stem}").run()
    assert not at.exception
    assert npv(at).startswith(("£", "−£"))


def test_blank_template_loads():
    at = start()
    at.selectbox(key="proposal_choice").set_value("template").run()
    assert not at.exception
    assert at.title[0].value.startswith("My prevention proposal")


def test_edit_changes_npv_and_survives_page_switch():
    at = start()
    before = npv(at)
    at.switch_page(EDIT).run()
    at.number_input(key="ap-example:youth_work-appraisal.horizon_years").set_value(15).run()
    assert not at.exception
    after = npv(at)
    assert after != before
    at.switch_page("app_pages/ten_year_test.py").run()
    assert npv(at) == after
    at.switch_page(EDIT).run()
    assert at.number_input(key="ap-example:youth_work-appraisal.horizon_years").value == 15


def test_the_optimism_bias_switch_gives_the_unadjusted_figures():
    """Edit page: switching the risk adjustment off shows the figures before optimism bias (issue 12 §3)."""
    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money
    from costmodel.inputs.loading import load_proposal

    r = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml"))
    assert r.unadjusted is not None
    at = start()
    assert npv(at) == money(r.npv)  # risk-adjusted by default
    assert any("Risk-adjusted for optimism bias" in c.value for c in at.caption)
    at.switch_page(EDIT).run()
    at.toggle(key="ap-example:youth_work-appraisal.optimism_bias").set_value(False).run()
    assert not at.exception
    at.switch_page("app_pages/ten_year_test.py").run()
    assert npv(at) == money(r.unadjusted.npv)
    assert not any("Risk-adjusted for optimism bias" in c.value for c in at.caption)


def test_table_edit_changes_npv():
    at = start()
    before = npv(at)
    at.switch_page(EDIT).run()
    # row 2 of the first outcome's table is the effect (the input registry's order, costmodel.inputs.registry)
    at.session_state["ed-example:youth_work-1-0"] = {
        "edited_rows": {2: {"Value": 20.0}},  # shown as a percentage: 20 is 20%, 0.2 in the file
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    # 0.2 exceeds the file's high (0.21)? no: it is within range, so it is valid
    assert npv(at) != before
    assert not at.warning


def test_invalid_edit_shows_error_and_keeps_last_valid_result():
    at = start()
    at.switch_page(EDIT).run()
    at.number_input(key="ap-example:youth_work-appraisal.horizon_years").set_value(12).run()
    valid = npv(at)
    at.number_input(key="ap-example:youth_work-appraisal.firm_budget_years").set_value(20).run()
    assert not at.exception
    assert any("firm_budget_years (20) cannot exceed horizon_years (12)" in e for e in errors(at))
    assert npv(at) == valid
    assert at.warning  # "the figures are from the last valid assumptions"
    at.switch_page("app_pages/ten_year_test.py").run()
    assert npv(at) == valid
    assert at.warning


def test_fraction_written_as_percentage_is_refused_next_to_the_field():
    at = start()
    at.switch_page(EDIT).run()
    before = npv(at)
    at.session_state["ed-example:youth_work-1-0"] = {
        # shown as percentages (14 is 14%): 1400 and 2100 are 14 and 21 in the file, a percentage where a
        # fraction belongs
        "edited_rows": {2: {"Value": 1400.0, "High": 2100.0}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert any("looks like a percentage" in e for e in errors(at))
    assert npv(at) == before


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.selectbox(key="proposal_choice").set_value("upload").run()
    at.file_uploader(key="upload").set_value((name, data, "application/x-yaml")).run()
    assert not at.exception
    return at


def test_upload_of_invalid_proposal_shows_file_line_error_and_app_stays_usable():
    at = start()
    before = npv(at)
    text = (ROOT / "assumptions" / "proposals" / "youth_work.yaml").read_text()
    bad = text.replace("effect: {value: 0.14,", "effect: {value: 14,", 1)
    _upload(at, "mine.yaml", bad.encode())
    msgs = " ".join(errors(at))
    line = next(i for i, ln in enumerate(bad.splitlines(), 1) if "effect: {value: 14," in ln)
    assert f"mine.yaml:{line}:" in msgs and "outcomes.0.effect.value" in msgs
    assert npv(at) == before  # the previous proposal stays in use


def test_upload_of_valid_proposal_resolves_the_shipped_library():
    at = start()
    text = (ROOT / "assumptions" / "proposals" / "youth_work.yaml").read_text()
    changed = text.replace("cohort: {value: 250,", "cohort: {value: 300,", 1)
    _upload(at, "bigger.yaml", changed.encode())
    assert not at.sidebar.error
    assert any("bigger.yaml" in m.value for m in at.sidebar.markdown)


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("notes.yaml", b"\x89PNG\r\n\x1a\n\x00\x00binary", "binary"),
        ("list.yaml", b"- a\n- b\n", "expected a YAML mapping"),
        ("bomb.yaml", b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", "anchors and aliases"),
        ("big.yaml", b"a: " + b"x" * (3 * 1024 * 1024), "larger than the 2 MB limit"),
        ("tags.yaml", b"a: !!python/object/apply:os.system ['true']\n", "tags are not allowed"),
    ],
)
def test_bad_uploads_give_a_clear_message(name, data, expected):
    at = start()
    before = npv(at)
    _upload(at, name, data)
    msgs = " ".join(errors(at))
    assert expected in msgs and name in msgs
    assert npv(at) == before


def test_other_pages_render():
    at = start()
    for page in ("app_pages/compare.py", "app_pages/sources.py", EDIT):
        at.switch_page(page).run()
        assert not at.exception, (page, [e.value for e in at.exception])
    at.switch_page("app_pages/sources.py").run()
    frame = at.dataframe[0].value
    assert {"value", "unit", "price_year", "grade", "url"} <= set(frame.columns)
    assert (frame["grade"] != "").all()


def test_ten_year_test_page_shows_the_cash_view_and_the_deflator_vintage():
    """Issue 11: the MTFS cash table by budget holder and year, labelled cash, and the vintage."""
    at = start()
    assert any("HM Treasury GDP deflators, March 2026" in c.value for c in at.caption)
    labels = [m.label for m in at.metric]
    assert "Committed beyond the horizon" in labels and "Peak dual running, cash" in labels
    assert "Cash view" in [t.label for t in at.tabs]
    from .tabs import open_tab

    tab = open_tab(at, "Cash view")  # lazy tabs: only the open tab runs
    cash = [df.value for df in tab.dataframe if "Line" in df.value.columns]
    assert cash, "no cash table"
    frame = cash[0]
    assert set(frame["Line"]) >= {"prevention costs", "cashable savings", "net cash position", "cumulative net cash"}
    assert "Total public sector" in set(frame["Budget holder"])
    assert any("cash" in m.value and "undiscounted" in m.value for m in tab.markdown)


def test_one_invalid_value_does_not_block_later_valid_edits():
    """Issue 14 item 9: an effect above its range's high is held aside with its error; a later valid edit
    (the horizon) is applied, and the figures are those of the file with that edit alone."""
    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money
    from costmodel.inputs.editing import edited_scenario

    at = start()
    at.switch_page(EDIT).run()
    before = npv(at)
    at.session_state["ed-example:youth_work-1-0"] = {
        "edited_rows": {2: {"Value": 0.9}},  # the effect, far above its high (0.21)
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert errors(at) and npv(at) == before  # held aside, its error shown
    at.number_input(key="ap-example:youth_work-appraisal.horizon_years").set_value(12).run()
    assert not at.exception
    path = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    _, sc = edited_scenario(
        path.name,
        path.read_text(encoding="utf-8"),
        {"appraisal.horizon_years": 12},
        library_dir=str(path.parent),
    )
    assert npv(at) == money(appraise(sc).npv) != before  # the valid edit applied on its own
    assert errors(at)  # the effect's error is still beside its field


def test_value_layers_beside_the_fiscal_verdict():
    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money, ratio
    from costmodel.inputs.loading import load_proposal

    at = start()
    r = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml"))
    metrics = {m.label: m.value for m in at.metric}
    # by hand: the fiscal return is PV savings / PV costs; public value adds the wider layers (youth work
    # counts its victims' costs avoided: economic and social value)
    assert metrics["Fiscal return on investment"] == ratio(r.pv_savings / r.pv_costs)
    v = r.value_layers
    wider = v.economic.pv_benefits + v.social.pv_benefits
    assert v.economic.pv_benefits > 0 and v.social.pv_benefits > 0
    assert metrics["Net present public value"] == money(r.pv_savings - r.pv_costs + wider)
    assert metrics["Net present value"] == money(r.pv_savings - r.pv_costs)  # the verdict stays fiscal
    table = next(t.value for t in at.table if "Per £1 of public cost" in t.value.columns)
    rows = table.set_index("Layer")
    assert rows.loc["Fiscal: cash", "PV benefits"] == money(v.pv_cashable, exact=True)
    assert rows.loc["Fiscal: freed capacity", "PV benefits"] == money(r.pv_savings - v.pv_cashable, exact=True)
    assert rows.loc["Economic", "PV benefits"] == money(v.economic.pv_benefits, exact=True)
    assert rows.loc["Social", "PV benefits"] == money(v.social.pv_benefits, exact=True)
    assert rows.loc["Public value (all layers)", "NPV"] == money(r.pv_savings - r.pv_costs + wider, exact=True)
    # every layer before optimism bias beside it: the file's figures with optimism bias off
    u = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml"), optimism=False)
    w = u.value_layers
    assert rows.loc["Economic", "PV benefits before optimism bias"] == money(w.economic.pv_benefits, exact=True)
    assert rows.loc["Social", "PV benefits before optimism bias"] == money(w.social.pv_benefits, exact=True)
    assert rows.loc["Public value (all layers)", "NPV before optimism bias"] == money(
        u.pv_savings - u.pv_costs + w.economic.pv_benefits + w.social.pv_benefits, exact=True
    )
    assert w.economic.pv_benefits > v.economic.pv_benefits  # the correction cuts benefits


def test_empty_wider_layers_are_listed_as_not_counted():
    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money
    from costmodel.inputs.loading import load_proposal

    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["example"] = "early_help_pooled"
    at.run()
    assert not at.exception
    r = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"))
    v = r.value_layers
    assert v.economic.pv_benefits == 0 and v.social.pv_benefits == 0
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Net present public value"] == money(r.pv_savings - r.pv_costs) == metrics["Net present value"]
    listed = " ".join(m.value for m in at.markdown)
    assert "Economic value (output and earnings gained): none is valued" in listed
    assert "Social value (harm to victims, wellbeing): none is valued" in listed


def test_the_verdict_is_risk_adjusted_with_the_unadjusted_figure_beside_it():
    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money
    from costmodel.inputs.loading import load_proposal

    at = AppTest.from_file(APP, default_timeout=30)
    at.query_params["example"] = "early_help_pooled"
    at.run()
    assert not at.exception
    sc = load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml")
    adjusted, unadjusted = appraise(sc), appraise(sc, optimism=False)
    assert adjusted.risk_adjusted and adjusted.npv < unadjusted.npv  # costs up, benefits down
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Net present value"] == money(adjusted.npv)
    assert metrics["NPV before optimism bias"] == money(unadjusted.npv)
    # early help passes unadjusted and fails risk-adjusted: the verdict (an error box) says the answer changes
    assert unadjusted.passes and not adjusted.passes
    assert any("adjustment changes the answer" in e.value for e in at.error)
