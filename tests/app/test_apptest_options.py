"""The Compare page as an options appraisal (issue 13 §1): options as columns by their own names, the
chart of incremental NPV by budget holder, the summary table with the CLI's figures, the downloads; and
options built from the proposals open in the session."""

from __future__ import annotations

import io
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from costmodel.cli import main
from costmodel.present.options_report import cell_text
from costmodel.present.uncertainty_report import chance
from tests.app.pages import open_page

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
COMPARE = "app_pages/compare.py"
EXAMPLE = ROOT / "assumptions" / "options" / "youth_options.yaml"


def test_compare_page_shows_the_shipped_options_with_the_cli_figures():
    at = open_page(COMPARE)
    out, err = io.StringIO(), io.StringIO()
    assert main(["options", str(EXAMPLE), "--format", "json", "--draws", "2000"], out, err) == 0, (
        err.getvalue()
    )
    d = json.loads(out.getvalue())
    frames = [df.value for df in at.dataframe]
    names = [e["name"] for e in d["entries"]]
    value = next(f for f in frames if "Net present value against BAU" in f.columns[0])
    assert list(value.columns[1:]) == names  # options as columns, by their own names
    npv_row = value[value.iloc[:, 0] == "Net present value (fiscal)"].iloc[0, 1:].tolist()
    assert npv_row == [cell_text("net", e["incremental"]["npv"]) for e in d["entries"]]
    uncertainty = next(f for f in frames if f.columns[0].startswith("Uncertainty"))
    p_row = uncertainty[uncertainty.iloc[:, 0] == "Probability of beating BAU"].iloc[0, 1:].tolist()
    # the probability with its Monte Carlo standard error, as the CLI's summary writes it (the same draws)
    # (BAU's own column: a dash, the baseline, never "0.0% (none of N draws)")
    assert p_row == ["— (baseline)"] + [
        chance(
            e["probability"]["beats_bau"],
            e["probability"]["beats_bau_standard_error"],
            e["probability"]["draws"],
        )
        for e in d["entries"][1:]
    ]
    # the pairwise rows: an option's own column is a dash too ("— (itself)"), never a blank cell
    for j, other in enumerate(d["entries"][1:], start=1):
        row = uncertainty[uncertainty.iloc[:, 0] == f"Probability of beating {other['name']}"].iloc[0, 1:].tolist()
        assert row[j] == "— (itself)"
        assert row[:j] + row[j + 1 :] == [
            chance(e["probability"]["beats"][other["id"]], e["probability"]["beats_standard_error"][other["id"]],
                   e["probability"]["draws"])
            for e in d["entries"] if e["id"] != other["id"]
        ]  # fmt: skip
    labels = [b.label for b in at.get("download_button")]
    for wanted in (
        "Summary (HTML)",
        "Summary (Markdown)",
        "Workbook (Excel)",
        "Figures (JSON)",
        "Table (CSV)",
    ):
        assert wanted in labels
    assert len(at.get("vega_lite_chart")) == 1


def test_compare_page_builds_options_from_open_proposals():
    at = open_page(COMPARE)
    at.radio(key="compare-source").set_value("The proposals open in this session").run()
    assert not at.exception, [e.value for e in at.exception]
    at.multiselect(key="compare").set_value(["example:youth_work", "example:big_local_neighbourhood"]).run()
    assert not at.exception, [e.value for e in at.exception]
    frames = [df.value for df in at.dataframe]
    value = next(f for f in frames if "Net present value against BAU" in f.columns[0])
    assert list(value.columns[1:]) == [
        "BAU: nothing changes",
        "Targeted detached youth work for young people at risk of offending",
        "Big Local-style neighbourhood investment against crime and anti-social behaviour",
    ]
    # early help starts a year earlier: refused, saying which entry and why
    at.multiselect(key="compare").set_value(["example:youth_work", "example:early_help_pooled"]).run()
    assert not at.exception
    assert any("differs from" in e.value and "first year" in e.value for e in at.error)


def test_scenario_picker_applies_a_named_scenario():
    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money
    from costmodel.inputs.loading import load_proposal

    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    before = at.metric[0].value
    path = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    pessimistic = appraise(load_proposal(path, scenario="pessimistic"))
    at.sidebar.selectbox(key="scenario-pick-example:youth_work").set_value("pessimistic").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == money(pessimistic.npv) != before
    at.sidebar.selectbox(key="scenario-pick-example:youth_work").set_value("(the file's values)").run()
    assert at.metric[0].value == before


def test_compare_page_scenario_picker_applies_the_scenario():
    at = open_page(COMPARE)
    at.selectbox(key="compare-scenario").set_value("pessimistic").run()
    assert not at.exception, [e.value for e in at.exception]
    out, err = io.StringIO(), io.StringIO()
    argv = ["options", str(EXAMPLE), "--format", "json", "--draws", "0", "--scenario", "pessimistic"]
    assert main(argv, out, err) == 0, err.getvalue()
    d = json.loads(out.getvalue())
    value = next(df.value for df in at.dataframe if "Net present value against BAU" in df.value.columns[0])
    npv_row = value[value.iloc[:, 0] == "Net present value (fiscal)"].iloc[0, 1:].tolist()
    assert npv_row == [cell_text("net", e["incremental"]["npv"]) for e in d["entries"]]
    assert any("scenario 'pessimistic' applied to youth_work" in i.value for i in at.info)
