"""Money axes and legends read as the tables do (costmodel/formatting.py money()): a true minus sign
before the pound sign, lower-case k and m ("−£3m", "£250k"), never Vega's short SI format ("−3M").
The labels are drawn by one constant Vega expression (charts.MONEY_LABEL_EXPR) that holds no text from
any file. Expectations are written out by hand; the charts are rendered offline by vl-convert."""

from __future__ import annotations

import json
import re

import altair as alt
import pandas as pd
import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.areas_export import chart_bytes
from costmodel.export.images import chart_image, chart_kinds, render_image
from costmodel.inputs.areas import read_area_table
from costmodel.inputs.loading import load_proposal
from costmodel.present.areas_report import ranked_chart
from costmodel.present.charts import MONEY_LABEL_EXPR, build_chart, money_axis, options_npv_by_holder_chart
from tests.conftest import ASSUMPTIONS

MONEY_LABEL = re.compile(r"^−?£(0|[1-9]\d{0,2}(,\d{3})?(\.\d+)?|\d+(\.\d+)?(k|m|bn))$")
"""A money label: −£3m, £250k, £1.5m, £2,500, £0 (never 3M, −3M, £−3m or 250K)."""

POOLED = appraise(load_proposal(ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"))


def _labels(svg: str, role: str = "axis-label") -> list[list[str]]:
    """The text of each axis's (or legend's) labels in a rendered SVG, one list per axis."""
    groups = re.findall(rf'class="mark-text role-{role}"[^>]*>(.*?)</g>', svg, re.S)
    return [re.findall(r"<text[^>]*>([^<]*)</text>", g) for g in groups]


def test_the_expression_writes_money_as_the_tables_do():
    # value -> label, by hand: 3 significant figures, k from £10,000 (as money()), m from £1m, bn from £1bn
    expected = {
        -1.25e9: "−£1.25bn",
        -3e6: "−£3m",
        -500: "−£500",
        0: "£0",
        2500: "£2,500",
        9999: "£10,000",
        10000: "£10k",
        12500: "£12.5k",
        250000: "£250k",
        1.5e6: "£1.5m",
        2.423e6: "£2.42m",
    }
    values = list(expected)
    frame = pd.DataFrame({"x": [min(values), max(values)], "y": [0, 1]})
    chart = alt.Chart(frame).mark_point().encode(x=alt.X("x:Q", axis=money_axis(values=values)), y="y:Q")
    svg = render_image(chart, "svg").decode("utf-8")
    assert _labels(svg)[0] == [expected[v] for v in sorted(values)]


def test_the_expression_holds_no_file_text():
    # one constant: the value is the only input (no field, label or name from a file is spliced in)
    assert MONEY_LABEL_EXPR.count("datum.") == MONEY_LABEL_EXPR.count("datum.value")
    assert '"' not in MONEY_LABEL_EXPR and "datum.label" not in MONEY_LABEL_EXPR


def _money_axes(spec: object) -> list[dict]:
    """Every x/y encoding of a chart spec whose title is in pounds."""
    found = []
    if isinstance(spec, dict):
        for key, value in spec.items():
            in_pounds = key in ("x", "y") and isinstance(value, dict) and "£" in str(value.get("title", ""))
            if in_pounds and value.get("type") == "quantitative":
                found.append(value)
            found += _money_axes(value)
    elif isinstance(spec, list):
        for item in spec:
            found += _money_axes(item)
    return found


@pytest.mark.parametrize("kind", chart_kinds())
def test_every_chart_kind_labels_its_money_in_the_tables_style(kind):
    spec = build_chart(kind, POOLED).to_dict()
    text = json.dumps(spec, ensure_ascii=False)
    assert '"~s"' not in text and "~s'" not in text  # no short SI format left anywhere
    for axis in _money_axes(spec):
        assert axis["axis"]["labelExpr"] == MONEY_LABEL_EXPR, axis.get("title")
    svg = chart_image(kind, POOLED, "svg").decode("utf-8")
    money_labels = [
        labels
        for labels in _labels(svg) + _labels(svg, "legend-label")
        if labels and all(re.match(r"^[−-]?£?[\d.,]+[kKmMGbn]*$", x) for x in labels)
    ]
    assert any(any("£" in x for x in labels) for labels in money_labels), kind  # it has money labels
    for labels in money_labels:  # every numeric label set in pounds, and written the tables' way
        if kind == "npv-distribution" and not any("£" in x for x in labels):
            continue  # the histogram's count of draws
        assert all(MONEY_LABEL.match(x) for x in labels), (kind, labels)
    assert not re.search(r">−?\d+(\.\d+)?[MGk]<", svg), kind  # no "−3M" or "250k" without £


def test_the_batch_and_options_charts_use_the_money_axis():
    scenario = load_proposal(ASSUMPTIONS / "proposals" / "youth_work.yaml")
    from costmodel.uncertainty.areas import run_areas

    table = read_area_table(ASSUMPTIONS / "areas" / "youth_justice_fte_2024.csv", scenario)
    results = run_areas(scenario, table, draws=0)
    spec = ranked_chart(results, scenario).to_dict()
    assert [a["axis"]["labelExpr"] for a in _money_axes(spec)] == [MONEY_LABEL_EXPR]
    svg = chart_bytes(results, scenario, "svg").decode("utf-8")
    npv_axis = next(labels for labels in _labels(svg) if any("£" in x for x in labels))
    assert all(MONEY_LABEL.match(x) for x in npv_axis), npv_axis

    import io

    from costmodel.cli import main

    out, err = io.StringIO(), io.StringIO()
    options = str(ASSUMPTIONS / "options" / "youth_options.yaml")
    assert main(["options", options, "--format", "json", "--draws", "0"], out, err) == 0
    d = json.loads(out.getvalue())
    spec = options_npv_by_holder_chart(d).to_dict()
    assert [a["axis"]["labelExpr"] for a in _money_axes(spec)] == [MONEY_LABEL_EXPR]
    svg = render_image(options_npv_by_holder_chart(d), "svg").decode("utf-8")
    npv_axis = next(labels for labels in _labels(svg) if any("£" in x for x in labels))
    assert all(MONEY_LABEL.match(x) for x in npv_axis) and any(x.startswith("−£") for x in npv_axis), npv_axis
