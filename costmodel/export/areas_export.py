"""What people take away from ``costmodel batch``: Parquet, the workbook, the ranked chart as an
image and the one-page briefing for the set of areas. Each returns bytes or text (written atomically
by the CLI, offered as downloads by the app). Every figure comes from
:func:`costmodel.present.areas_report.area_rows` and :func:`~costmodel.present.areas_report.totals`.
"""

from __future__ import annotations

import base64
import html
import io
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..appraisal.engine import MONEY_TOLERANCE
from ..formatting import fy_label, money, percent
from ..present.areas_report import (
    COLUMNS,
    area_rows,
    basis,
    batch_frame,
    figures_note,
    headline,
    ranked_chart,
    totals,
)
from ..present.markup import code, inline, literal, url
from .images import ImageFormat, render_image

if TYPE_CHECKING:
    from ..inputs.loading import Scenario
    from ..uncertainty.areas import AreaResults


def parquet_bytes(r: AreaResults, scenario: Scenario) -> bytes:
    """The per-area table as Parquet (pyarrow), with the proposal, seed and sources in its metadata."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(batch_frame(r), preserve_index=False)
    meta = dict(table.schema.metadata or {})
    meta[b"costmodel"] = json.dumps(
        {
            "proposal": scenario.proposal.id,
            "inputs_sha256": scenario.inputs_sha256,
            "price_base_year": r.price_base_year,
            "draws": r.draws,
            "seed": r.seed,
            "area_table": r.table.path,
            "sources": [s.model_dump(mode="json") for s in r.table.metadata.sources],
        }
    ).encode("utf-8")
    buf = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buf)
    return buf.getvalue()


def chart_bytes(r: AreaResults, scenario: Scenario, fmt: ImageFormat = "png", *, scale: float = 2.0) -> bytes:
    """The ranked dot-plot of NPV by area as PNG or SVG."""
    return render_image(ranked_chart(r, scenario), fmt, scale=scale)


def workbook_bytes(r: AreaResults, scenario: Scenario) -> bytes:
    """An .xlsx workbook: Areas (one row per area, totals as SUM formulas with their values cached),
    By budget holder, Sources (the table's sources and each column's provenance), then the proposal's
    own sheets (Inputs, Calculations, Outputs, Cash, Provenance: :mod:`costmodel.export.excel`) for the
    total of the areas, when it can be built (:func:`costmodel.inputs.areas.combined_scenario`). Text
    cells are written as strings, never as formulas."""
    import xlsxwriter

    from ..appraisal.chain import appraise
    from ..inputs.areas import combined_scenario
    from .excel import add_sheets

    total, why_not = combined_scenario(r.table, scenario)

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = wb.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    gbp = wb.add_format({"num_format": "£#,##0;-£#,##0"})
    pct = wb.add_format({"num_format": "0.0%"})
    ws = wb.add_worksheet("Areas")
    rows = area_rows(r)
    keys = [k for k, _ in COLUMNS] + list(r.table.paths)
    labels = [label for _, label in COLUMNS] + list(r.table.paths)
    ws.write_string(0, 0, f"{headline(r, scenario)} {figures_note(r)}", bold)  # what the figures are
    for c, label in enumerate(labels):
        ws.write_string(2, c, label, bold)
    for i, row in enumerate(rows):
        for c, k in enumerate(keys):
            v = row[k]
            if v is None:
                continue
            if isinstance(v, str):
                ws.write_string(3 + i, c, v)
            else:
                fmt = gbp if k.endswith("_gbp") else (pct if k in ("p_pass", "cashable_share") else None)
                ws.write_number(3 + i, c, float(v), fmt)
    last = 3 + len(rows)
    tot = totals(r)
    ws.write_string(last, 1, "Total (sum of areas)", bold)
    summed = (
        "npv_gbp", "public_value_npv_gbp", "pv_costs_gbp", "pv_savings_gbp", "pv_cashable_gbp",
        "peak_dual_running_gbp",
    )  # fmt: skip
    from xlsxwriter.utility import xl_rowcol_to_cell

    for k in summed:
        c = keys.index(k)
        first, end = xl_rowcol_to_cell(3, c), xl_rowcol_to_cell(last - 1, c)
        cached = math.fsum(row[k] for row in rows)  # what the spreadsheet computes from the cells above
        ws.write_formula(last, c, f"=SUM({first}:{end})", gbp, cached)
    ws.write_string(last, keys.index("verdict"), f"{tot['areas_passing']} of {tot['areas']} pass")
    sheets = (
        "The sheets Inputs, Calculations, Outputs, Cash and Provenance are the proposal's own workbook for the "
        "total of these areas (every area's cost lines and outcomes side by side, with live formulas); "
        "its NPV is the total above."
        if total is not None
        else f"The proposal's own sheets for the total are not included: {why_not}."
    )
    ws.write_string(1, 0, sheets)
    ws.set_column(0, len(keys) - 1, 16)
    ws.freeze_panes(3, 2)
    _by_budget_holder(wb.add_worksheet("By budget holder"), r, bold, gbp)
    src = wb.add_worksheet("Sources")
    src.write_string(0, 0, r.table.metadata.title, bold)
    src.write_string(1, 0, " ".join(r.table.metadata.coverage.split()))
    heads = ["id", "title", "publisher", "year", "url", "table", "grade"]
    for c, h in enumerate(heads):
        src.write_string(3, c, h, bold)
    for i, s in enumerate(r.table.metadata.sources):
        d = s.model_dump(mode="json")
        for c, h in enumerate(heads):
            src.write_string(4 + i, c, str(d[h]))
    base = 6 + len(r.table.metadata.sources)
    for c, h in enumerate(["column", "unit", "price year", "provenance"]):
        src.write_string(base, c, h, bold)
    for i, (name, cm) in enumerate(r.table.metadata.columns.items()):
        how = f"derived: {cm.derived}" if cm.derived else (f"assumption: {cm.assumption}" if cm.assumption else f"source: {cm.source}")
        src.write_string(base + 1 + i, 0, name)
        src.write_string(base + 1 + i, 1, cm.unit)
        src.write_string(base + 1 + i, 2, str(cm.price_year or ""))
        src.write_string(base + 1 + i, 3, how)
    src.set_column(0, 6, 30)
    if total is not None:
        add_sheets(wb, appraise(total))
    wb.close()
    return buf.getvalue()


def _by_budget_holder(ws: Any, r: AreaResults, bold: Any, gbp: Any) -> None:
    """Each area's NPV by budget holder (to the penny), and the total of each budget holder as a SUM of
    the areas above it: who gains and who loses if every area did this."""
    from xlsxwriter.utility import xl_rowcol_to_cell

    ws.write_string(0, 0, f"NPV by budget holder and area, £, {fy_label(r.price_base_year)} prices", bold)
    ws.write_string(2, 0, "Area id", bold)
    ws.write_string(2, 1, "Area", bold)
    for a, name in enumerate(r.agency_names):
        ws.write_string(2, 2 + a, name, bold)
    values = [[round(float(v), 2) for v in row] for row in r.npv_by_agency]
    for i in range(r.n):
        ws.write_string(3 + i, 0, r.table.ids[i])
        ws.write_string(3 + i, 1, r.table.names[i])
        for a, v in enumerate(values[i]):
            ws.write_number(3 + i, 2 + a, v + 0.0, gbp)
    last = 3 + r.n
    ws.write_string(last, 1, "Total (sum of areas)", bold)
    for a in range(len(r.agency_names)):
        first, end = xl_rowcol_to_cell(3, 2 + a), xl_rowcol_to_cell(last - 1, 2 + a)
        ws.write_formula(last, 2 + a, f"=SUM({first}:{end})", gbp, math.fsum(row[a] for row in values))
    ws.set_column(0, 1 + len(r.agency_names), 18)
    ws.freeze_panes(3, 2)


def _brief_parts(r: AreaResults, scenario: Scenario) -> dict[str, Any]:
    tot = totals(r)
    p = scenario.proposal
    ap = p.appraisal
    same = bool(np.all(np.abs(r.public_value_npv - r.npv) <= MONEY_TOLERANCE))  # no economic or social value
    if_all = (
        f"If every area in the table did this, the fiscal NPVs (whole public sector) of its {r.n} rows would add up "
        f"to {money(tot['npv_gbp'])} over {ap.horizon_years} years ({fy_label(r.price_base_year)} prices, {basis(r)}; "
        "a total for the places only where the rows do not overlap: see the coverage note)"
        + (f", and the sum would pass the test in {percent(tot['p_total_passes'])} of the draws" if tot["p_total_passes"] is not None else "")
        + f"; the budget holder that loses most overall: {tot['loses_most']}. "
        f"Their net present public value (the public-value layer: fiscal + economic + social) would add up to "
        f"{money(tot['public_value_npv_gbp'])}, {basis(r)} too"
        + (
            " (the same as the fiscal total: the economic and social layers add nothing in any area)."
            if same
            else "."
        )
    )
    return {"tot": tot, "if_all": if_all, "title": f"{p.title}: every area at once"}


def brief_markdown(r: AreaResults, scenario: Scenario) -> str:
    """The one-page briefing for the set of areas, as Markdown (text from files is shown, never run)."""
    parts = _brief_parts(r, scenario)
    rows = sorted(area_rows(r), key=lambda x: -x["npv_gbp"])
    out = [f"# {_md(parts['title'])}", "", f"**{headline(r, scenario)}**", "", inline(parts["if_all"]), ""]
    out += [
        "| Area | NPV (fiscal) | Verdict | P(pass) | Public value | Loses most |",
        "|---|---:|---|---:|---:|---|",
    ]
    for row in rows:
        pp = percent(row["p_pass"]) if row["p_pass"] is not None else "n/a"
        out.append(
            f"| {_md(row['area_name'])} | {money(row['npv_gbp'])} | {row['verdict']} | {pp} | "
            f"{money(row['public_value_npv_gbp'])} | {_md(row['loses_most'])} |"
        )
    out += ["", inline(figures_note(r))]
    out += ["", f"Coverage: {_md(' '.join(r.table.metadata.coverage.split()))}", "", "Sources:", ""]
    for s in r.table.metadata.sources:
        out.append(f"- {_md(s.title)}. {_md(s.publisher)}, {s.year}. {_md(s.table)}. <{url(s.url)}> (grade {s.grade})")
    for name, cm in r.table.metadata.columns.items():
        if cm.derived:
            out.append(f"- {code(name)} is derived: {_md(cm.derived)}")
    if r.draws:
        out += ["", f"Monte Carlo: {r.draws:,} draws per area, seed {r.seed}."]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Text from a file, shown in Markdown as written (never a link, HTML or formatting)."""
    return literal(text)


def brief_html(r: AreaResults, scenario: Scenario) -> str:
    """The one-page briefing as self-contained HTML, with the ranked chart as an embedded SVG image."""
    parts = _brief_parts(r, scenario)
    svg = base64.b64encode(chart_bytes(r, scenario, "svg")).decode("ascii")
    rows = sorted(area_rows(r), key=lambda x: -x["npv_gbp"])
    e = html.escape
    body = [
        f"<h1>{e(parts['title'])}</h1>",
        f"<p><strong>{e(headline(r, scenario))}</strong></p>",
        f"<p>{e(parts['if_all'])}</p>",
        f'<img alt="{e(headline(r, scenario))}" src="data:image/svg+xml;base64,{svg}" style="max-width:100%">',
        "<table><thead><tr><th>Area</th><th>NPV (fiscal)</th><th>Verdict</th><th>P(pass)</th><th>Public value</th>"
        "<th>Loses most</th></tr></thead><tbody>",
    ]
    for row in rows:
        pp = percent(row["p_pass"]) if row["p_pass"] is not None else "n/a"
        body.append(
            f"<tr><td>{e(row['area_name'])}</td><td>{e(money(row['npv_gbp']))}</td><td>{e(row['verdict'])}</td>"
            f"<td>{e(pp)}</td><td>{e(money(row['public_value_npv_gbp']))}</td><td>{e(row['loses_most'])}</td></tr>"
        )
    body.append("</tbody></table>")
    body.append(f"<p>{e(figures_note(r))}</p>")
    body.append(f"<p>Coverage: {e(' '.join(r.table.metadata.coverage.split()))}</p><h2>Sources</h2><ul>")
    for s in r.table.metadata.sources:
        body.append(
            f'<li>{e(s.title)}. {e(s.publisher)}, {s.year}. {e(s.table)}. <a href="{e(s.url)}">{e(s.url)}</a> (grade {e(s.grade)})</li>'
        )
    for name, cm in r.table.metadata.columns.items():
        if cm.derived:
            body.append(f"<li><code>{e(name)}</code> is derived: {e(cm.derived)}</li>")
    body.append("</ul>")
    style = "body{font-family:Arial,sans-serif;max-width:46em;margin:2em auto;color:#0b0c0c}td,th{padding:2px 8px;text-align:left}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(parts["title"])}</title>'
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>\n"
    )
