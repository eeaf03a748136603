"""Issue 14's last touches without a browser: the Compare page says its figures are risk-adjusted for
optimism bias (true to the options appraisal), the who-pays heatmap labels its cells in the app's money
format, and long axis labels wrap on a narrow screen (the spec the app sends). The browser checks are in
tests/e2e/test_browser_phone_labels.py."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages.chart_layout import LABEL_CHARS, responsive
from costmodel.appraisal.chain import appraise
from costmodel.appraisal.options import appraise_options
from costmodel.formatting import money
from costmodel.inputs.loading import load_proposal
from costmodel.inputs.options import load_options
from costmodel.present.charts import who_pays_who_saves_flows_chart

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")


def test_compare_page_says_its_verdicts_are_risk_adjusted_for_optimism_bias():
    options = appraise_options(load_options(ROOT / "assumptions" / "options" / "youth_options.yaml"))
    assert options.risk_adjusted  # the shipped files leave optimism bias on (the default central case)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    # no stray text above the title (a bare string in the page's body was written onto the page)
    assert not any("Monte Carlo draws on this page" in m.value for m in at.markdown)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Risk-adjusted for optimism bias (the central case)") for c in captions), captions
    # "each verdict gives the NPV before optimism bias beside it": every option's verdict line does
    verdicts = [m.value for m in at.markdown if "against BAU" in m.value and "Ten Year Test" in m.value]
    assert len(verdicts) == len(options.entries) - 1
    assert all("Before optimism bias:" in v for v in verdicts), verdicts


def test_who_pays_heatmap_cells_are_in_the_apps_money_format():
    result = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"))
    from costmodel.pooling.accounting import appraise_pool

    # by hand: each (kind, payer, beneficiary) cell's present value summed from the flow entries
    cells: dict[tuple[str, str, str], float] = {}
    for e in appraise_pool(result).flow_entries:
        key = (e.kind, e.payer, e.beneficiary)
        cells[key] = cells.get(key, 0.0) + float(e.pv_amount)
    spec = who_pays_who_saves_flows_chart(result).to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert len(rows) == len(cells)  # one row a cell: one label drawn in each
    for row in rows:
        assert row["pv_label"] == money(cells[(row["kind"], row["payer_id"], row["beneficiary_id"])])
        assert row["pv_label"].startswith(("£", "\u2212£")) and "M" not in row["pv_label"]
    text_layer = spec["spec"]["layer"][1]
    assert text_layer["encoding"]["text"] == {"field": "pv_label", "type": "nominal"}


def test_long_axis_labels_wrap_on_a_narrow_screen_and_not_on_a_wide_one():
    spec = {
        "datasets": {"d": [{"agency": "Council children's services"}, {"agency": "NHS"}]},
        "mark": "bar",
        "encoding": {"y": {"field": "agency", "type": "nominal", "axis": {"labelLimit": 320}}},
    }
    axis = responsive(spec)["encoding"]["y"]["axis"]
    assert "containerSize()[0] < 600" in axis["labelLimit"]["expr"] and ": 320" in axis["labelLimit"]["expr"]
    table = json.loads(axis["labelExpr"].split(" && isArray(")[1].split("[datum.label]")[0])
    assert table == {"Council children's services": ["Council children's", "services"]}  # NHS fits a line
    assert all(len(line) <= LABEL_CHARS for lines in table.values() for line in lines)
    assert axis["labelExpr"].endswith(": datum.label")  # a wide screen: the label as it is
    rotated = {**spec, "encoding": {"x": {"field": "agency", "axis": {"labelLimit": 200, "labelAngle": -35}}}}
    slanted = responsive(rotated)["encoding"]["x"]["axis"]
    assert "labelExpr" not in slanted and slanted["labelLimit"] == 200  # slanted labels are left whole


def test_a_budget_holders_name_with_odd_characters_cannot_break_the_wrapped_axis_expression():
    """Names come from files: a LINE SEPARATOR (U+2028), quotes and backslashes in a long label are data in
    the wrapping table, never the end of the expression's string (a raw U+2028 made Vega's parser fail and
    the chart vanish). The spec renders, and the label is drawn."""
    import vl_convert as vlc

    odd = "Council's \"children\u2028services\" \\ and families"  # long enough to be wrapped
    spec = {
        "datasets": {"d": [{"agency": odd, "v": 1}, {"agency": "NHS", "v": 2}]},
        "data": {"name": "d"},
        "mark": "bar",
        "encoding": {
            "y": {"field": "agency", "type": "nominal", "axis": {"labelLimit": 320}},
            "x": {"field": "v", "type": "quantitative"},
        },
    }
    wrapped = responsive(spec)
    assert "\u2028" not in wrapped["encoding"]["y"]["axis"]["labelExpr"]  # escaped as \\u2028
    svg = vlc.vegalite_to_svg(wrapped)
    assert ">NHS<" in svg
