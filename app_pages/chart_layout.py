"""Charts that fit a phone: the app's Vega-Lite specifications made responsive (no Streamlit here).

The chart builders in ``costmodel.present.charts`` size labels for a page or an exported image: long budget
holder names get up to 300-420 px. On a 390 px phone those labels leave no room for the bars. The app
therefore rewrites each label limit as an expression on the chart's container width: the full limit on a
wide screen, about a third of the width (at least 90 px) on a narrow one; an unrotated axis (budget holders
beside bars) gets 45% of a narrow width and its long labels break onto two lines, and a slanted axis keeps its
limit (its labels take height, not the bars' width), so that names read in full.

>>> spec = {"encoding": {"y": {"axis": {"labelLimit": 320}}}, "legend": {"labelLimit": 40}}
>>> responsive(spec)["encoding"]["y"]["axis"]["labelLimit"]
{'expr': 'containerSize()[0] < 600 ? max(90, containerSize()[0] * 0.45) : 320'}
>>> responsive({"axis": {"labelLimit": 200, "labelAngle": -35}})["axis"]["labelLimit"]  # slanted: kept whole
200
>>> responsive(spec)["legend"]["labelLimit"]
40
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

NARROW = 600  # [px] below this container width, labels get a third of it
SMALL_LIMIT = 120  # [px] limits at or below this are left alone


def _limit(value: float) -> dict[str, str]:
    return {"expr": f"containerSize()[0] < {NARROW} ? max(90, containerSize()[0] * 0.33) : {value:g}"}


TITLE_CHARS = 40  # characters of a bold 13 px title line that fit a 390 px phone's chart
SUBTITLE_CHARS = 52  # of an 11 px subtitle line


def wrap_lines(text: str, width: int) -> list[str]:
    """``text`` broken at spaces into lines of at most ``width`` characters (a longer word stays whole).

    >>> wrap_lines("Who pays and who saves: net present value by budget holder", 40)
    ['Who pays and who saves: net present', 'value by budget holder']
    """
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _wrapped(text: Any, width: int) -> Any:
    """A title text that wraps on a narrow screen and stays one line on a wide one."""
    lines = [text] if isinstance(text, str) else text
    if not isinstance(lines, list) or not all(isinstance(x, str) for x in lines):
        return text
    if all(len(x) <= width for x in lines):
        return text
    narrow = [part for line in lines for part in wrap_lines(line, width)]
    return {"expr": f"containerSize()[0] < {NARROW} ? {json.dumps(narrow)} : {json.dumps(text)}"}


def _title(value: Any) -> Any:
    if isinstance(value, str):
        return {"text": _wrapped(value, TITLE_CHARS)}
    if isinstance(value, dict):
        out = dict(value)
        if "text" in out:
            out["text"] = _wrapped(out["text"], TITLE_CHARS)
        if "subtitle" in out:
            out["subtitle"] = _wrapped(out["subtitle"], SUBTITLE_CHARS)
        return out
    return value


def _bottom_legend(legend: dict[str, Any]) -> dict[str, Any]:
    """A legend below the chart: one entry a line on a narrow screen, each label given the chart's width."""
    out = dict(legend)
    columns = out.get("columns", 0)
    out["columns"] = {"expr": f"containerSize()[0] < {NARROW} ? 1 : {columns}"}
    limit = out.get("labelLimit")
    if isinstance(limit, int | float):
        out["labelLimit"] = {
            "expr": f"containerSize()[0] < {NARROW} ? max(120, containerSize()[0] - 40) : {limit:g}"
        }
    return out


WRAPPED_SHARE = 0.45  # of a narrow chart's width given to an axis whose labels wrap (160 px on a 390 px phone)
LABEL_CHARS = 20  # characters of a 12 px axis label line in that width (about 6 px a character, with room)
LABEL_LINE_HEIGHT = 13  # [px] two lines of a wrapped label fit a 26 px row (the who-pays heatmap's)


def _long_labels(datasets: Any) -> dict[str, list[str]]:
    """Every text value of the chart's data too long for one line of a narrow axis, broken into lines."""
    out: dict[str, list[str]] = {}
    if not isinstance(datasets, dict):
        return out
    for rows in datasets.values():
        for row in rows if isinstance(rows, list) else []:
            for v in row.values() if isinstance(row, dict) else []:
                if isinstance(v, str) and LABEL_CHARS < len(v) <= 120 and v not in out:
                    out[v] = wrap_lines(v, LABEL_CHARS)
    return out


def _wrapped_axis(axis: dict[str, Any], labels: dict[str, list[str]]) -> dict[str, Any]:
    """An axis whose labels (budget holders' names) break onto several lines on a narrow screen instead of
    being cut at a third of its width: each long label's lines looked up in a table of the chart's data."""
    out = dict(axis)
    out["labelLimit"] = {
        "expr": f"containerSize()[0] < {NARROW} ? max(90, containerSize()[0] * {WRAPPED_SHARE}) : {axis['labelLimit']:g}"
    }
    if labels:
        out["labelLineHeight"] = LABEL_LINE_HEIGHT
        table = json.dumps(labels)  # ASCII escapes: a U+2028 in a name would end a Vega expression string
        out["labelExpr"] = (
            f"containerSize()[0] < {NARROW} && isArray({table}[datum.label]) ? {table}[datum.label] : datum.label"
        )
    return out


def responsive(spec: Any) -> Any:
    """A copy of a Vega-Lite spec (dict) with every large ``labelLimit`` made to depend on the width, the
    long labels of an unrotated axis wrapped onto several lines, and the chart's title and subtitle wrapped
    on a narrow screen (never cut off)."""
    return _responsive(spec, _long_labels(spec.get("datasets") if isinstance(spec, dict) else None))


def _responsive(spec: Any, labels: dict[str, list[str]]) -> Any:
    if isinstance(spec, dict):
        out = {}
        for key, value in spec.items():
            if key == "labelLimit" and isinstance(value, int | float) and value > SMALL_LIMIT:
                out[key] = _limit(value)
            elif (
                key == "axis"
                and isinstance(value, dict)
                and isinstance(value.get("labelLimit"), int | float)
                and value["labelLimit"] > SMALL_LIMIT
                and not value.get("labelAngle")
                and "labelExpr" not in value
            ):
                out[key] = _wrapped_axis(value, labels)
            elif key == "axis" and isinstance(value, dict) and value.get("labelAngle"):
                # slanted labels (the heatmap's beneficiaries) take height, not the bars' width: kept whole
                out[key] = dict(value)
            elif key == "legend" and isinstance(value, dict) and value.get("orient") == "bottom":
                out[key] = _bottom_legend(value)
            elif (
                key == "color"
                and isinstance(value, dict)
                and "field" in value
                and value.get("legend", {}) is not None
            ):
                # a legend on the right (the default) takes half a phone's width: in the app, below the plot
                legend = value.get("legend") or {}
                moved = (
                    {"orient": "bottom", "labelLimit": 320, "columns": 2} | legend
                    if "orient" not in legend
                    else legend
                )
                out[key] = _responsive({k: v for k, v in value.items() if k != "legend"}, labels) | {
                    "legend": _bottom_legend(moved) if moved.get("orient") == "bottom" else _responsive(moved, labels)
                }
            elif key == "title" and (
                "mark" in spec or "layer" in spec or "facet" in spec or "$schema" in spec
            ):
                out[key] = _title(value)  # a chart's title (not an axis or legend title)
            else:
                out[key] = _responsive(value, labels)
        return out
    if isinstance(spec, list):
        return [_responsive(v, labels) for v in spec]
    return spec


# ---------------------------------------------------------------------------------------------
# A chart's data as a table a reader can use (the chart's text alternative)
# ---------------------------------------------------------------------------------------------

HIDDEN = {"order", "year_index", "rank", "input", "axis_label", "p_passes", "n_draws", "seed", "end"}
NAMES = {
    "agency": "Budget holder",
    "payer": "Pays",
    "beneficiary": "Benefits",
    "year": "Year",
    "flow": "Flow",
    "measure": "Measure",
    "position": "Position",
    "partner": "Partner",
    "when": "When",
    "kind": "Flow",
    "label": "Input",
    "outcome": "Outcome",
    "draws": "Draws",
    "share": "Share of draws",
    "value": "Input value",
    "central_value": "Central input value",
    "value_text": "Input value",
    "central_text": "Central input value",
}
MONEY = {
    "discounted_gbp": "Present value (£)",
    "real_gbp": "Real terms (£)",
    "gbp": "£",
    "pv_costs": "PV costs (£)",
    "pv_savings": "PV savings (£)",
    "pv_net": "NPV (£)",
    "pv_net_gbp": "NPV (£)",
    "pv_contribution": "PV contribution (£)",
    "pv_gbp": "PV (£)",
    "cash_requirement_gbp": "Cash requirement (£)",
    "cumulative_gbp": "Cumulative (£)",
    "npv": "NPV (£)",
    "central_npv": "Central NPV (£)",
    "change": "Change in NPV (£)",
    "swing": "Swing (£)",
    "npv_from": "NPV from (£)",
    "npv_to": "NPV to (£)",
}


def pounds(value: float) -> str:
    """Whole pounds with thousands separators and a true minus sign: one money format for every table.

    >>> pounds(-344307.4), pounds(9106.0), pounds(0.2)
    ('−£344,307', '£9,106', '£0')
    """
    rounded = round(float(value))
    return f"{'−' if rounded < 0 else ''}£{abs(rounded):,}"


def readable_table(frame: pd.DataFrame) -> pd.DataFrame:
    """A chart's tidy data for people: no ids or plotting helpers, columns named in words, money in
    whole pounds, shares as percentages (the CSV download keeps the raw columns)."""
    # a value also given in words (the tornado's inputs, each in its own unit) is shown in words only
    worded = {c.removesuffix("_text") for c in frame.columns if str(c).endswith("_text")}
    worded |= {"central_value"} if "central_text" in frame.columns else set()
    keep = [c for c in frame.columns if not str(c).endswith("_id") and c not in HIDDEN and c not in worded]
    out = frame[keep].copy()
    for column in keep:
        if column in MONEY:
            out[column] = [pounds(v) for v in out[column]]
        elif column == "share":
            out[column] = [f"{float(v):.1%}" for v in out[column]]
    return out.rename(
        columns={c: MONEY.get(c, NAMES.get(c, str(c).replace("_", " ").capitalize())) for c in keep}
    )
