"""An options appraisal on paper and in a workbook: the appraisal summary table as HTML (two A4 pages
at most, by its print CSS) and PDF (printed by headless Chromium, as the briefing is), and a workbook
with the summary, its working as live formulas (:mod:`.excel_options`), one sheet per option, the
switching values and the basis.

Everything else is written from :func:`costmodel.present.options_report.options_dict`, so the summary,
the workbook and ``costmodel options --format json`` show the same numbers. Text from files is escaped
(HTML) or written as text cells (never a formula).
"""

from __future__ import annotations

import html
import io
import re
from typing import TYPE_CHECKING, Any

from ..formatting import fy_label
from ..present.options_report import SummaryContent, cell_text, summary_content
from .brief import html_to_pdf
from .excel_options import COMPARISON, FIRST_ENTRY_COL, SHEET_NAMES, options_working_sheets
from .sheets import evaluate, write_sheets

if TYPE_CHECKING:
    from ..appraisal.options import OptionsAppraisal

MAX_SUMMARY_PAGES = 2

_CSS = """
@page { size: A4 landscape; margin: 9mm 10mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: #0b0c0c;
       font-size: 8pt; line-height: 1.25; margin: 0 auto; max-width: 277mm; }
header { border-bottom: 3px solid #1d70b8; padding-bottom: 1mm; margin-bottom: 1.5mm; }
h1 { font-size: 13pt; margin: 0 0 0.5mm 0; line-height: 1.2; }
.area, .basis { color: #505a5f; font-size: 7.5pt; margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 7.6pt; table-layout: fixed; }
col.label { width: 24%; }
th, td { padding: 0.4mm 1mm; border-bottom: 1px solid #b1b4b6; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
thead th { border-bottom: 2px solid #0b0c0c; vertical-align: bottom; }
thead .what { font-weight: normal; color: #505a5f; font-size: 6.8pt; }
tr.section td { font-weight: bold; text-align: left; background: #f3f2f1; border-bottom: 1px solid #0b0c0c; }
.neg { color: #d4351c; } .pos { color: #00703c; }
.cols { display: flex; gap: 5mm; margin-top: 1.5mm; break-inside: avoid; }
.cols > div { flex: 1 1 0; min-width: 0; }
h2 { font-size: 9pt; margin: 1.5mm 0 0.5mm 0; }
ul { margin: 0; padding-left: 4mm; } li { margin-bottom: 0.3mm; }
footer { font-size: 6.8pt; color: #505a5f; margin-top: 1.5mm; }
@media screen { body { margin: 8mm auto; } }
"""


def _cell(kind: str, v: Any) -> str:
    text = html.escape(cell_text(kind, v))
    cls = ""
    if kind == "net" and isinstance(v, (int, float)) and not isinstance(v, bool):
        cls = ' class="neg"' if v < -0.005 else (' class="pos"' if v > 0.005 else "")
    return f"<td{cls}>{text}</td>"


def summary_html_from(c: SummaryContent) -> str:
    e = html.escape
    head = "".join(
        f'<th>{e(n)}<br><span class="what">{e(d)}</span></th>'
        for n, d in zip(c.columns, c.descriptions, strict=True)
    )
    body = []
    span = len(c.columns) + 1
    for s in c.sections:
        body.append(f'<tr class="section"><td colspan="{span}">{e(s.title)}</td></tr>')
        for label, kind, vals in s.rows:
            body.append(f"<tr><td>{e(label.strip())}</td>{''.join(_cell(kind, v) for v in vals)}</tr>")

    def items(xs: list[str]) -> str:
        return "<ul>" + "".join(f"<li>{e(x)}</li>" for x in (xs or ["none recorded"])) + "</ul>"

    tags = f"<p>Tags: {e(', '.join(c.tags))}</p>" if c.tags else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Appraisal summary: {e(c.title)}</title><style>{_CSS}</style></head>
<body>
<header><h1>Appraisal summary: {e(c.title)}</h1>
<p class="area">{e(c.area)}. {e(c.description)}</p>
<p class="basis">{e(c.basis)} Figures are incremental: each option minus BAU.</p></header>
<table><colgroup><col class="label">{"".join("<col>" for _ in c.columns)}</colgroup>
<thead><tr><th></th>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>
<div class="cols">
<div><h2>Switching values between options</h2>{items(c.switches)}
<h2>Key risks and uncertainties</h2>{items(c.risks)}</div>
<div><h2>What moves each option against BAU most (tornado)</h2>{items(c.tornado)}
<h2>Unmonetised impacts</h2>{items(c.unmonetised)}
<h2>Distributional notes</h2><p>{e(c.distributional or "none recorded")}</p>{tags}</div>
</div>
<footer>{"<br>".join(e(n) for n in c.notes)}<br>Proposals: {e("; ".join(c.proposals))}</footer>
</body></html>
"""


def summary_html(d: dict[str, Any]) -> str:
    """The appraisal summary table as a self-contained HTML document."""
    return summary_html_from(summary_content(d))


def pdf_page_count(pdf: bytes) -> int:
    """Pages in a PDF (its page objects)."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def summary_pdf(d: dict[str, Any]) -> bytes:
    """The summary printed by headless Chromium; refused if it runs beyond two A4 pages."""
    from ..errors import OutputError

    pdf = html_to_pdf(summary_html(d))
    pages = pdf_page_count(pdf)
    if pages > MAX_SUMMARY_PAGES:
        raise OutputError(
            f"the appraisal summary runs to {pages} pages (at most {MAX_SUMMARY_PAGES}): shorten the key risks, "
            "unmonetised impacts or distributional notes"
        )
    return pdf


# ---------------------------------------------------------------------------------------------
# Workbook
# ---------------------------------------------------------------------------------------------

_BAD_SHEET = re.compile(r"[\[\]:*?/\\']")


def sheet_name(id: str, taken: set[str]) -> str:
    base = _BAD_SHEET.sub("_", id)[:28] or "option"
    name, n = base, 2
    while name.lower() in taken:
        name, n = f"{base[:26]}_{n}", n + 1
    taken.add(name.lower())
    return name


def options_workbook_bytes(d: dict[str, Any], appraisal: OptionsAppraisal) -> bytes:
    """Workbook: Summary (the appraisal summary table's figures, as values), the working as live formulas
    (Inputs: each entry's yearly flows by proposal and budget holder; Calculations: discount factors,
    present values, each entry minus BAU; Comparison: NPV against BAU, the verdict and the ranking; see
    :mod:`.excel_options`), one sheet per entry (incremental by budget holder and by year, values),
    Switching values, Tornado and Basis. ``d`` is :func:`~costmodel.present.options_report.options_dict`
    of ``appraisal``."""
    import xlsxwriter
    from xlsxwriter.utility import xl_col_to_name

    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False},
    )
    wb.set_calc_mode("auto")
    bold = wb.add_format({"bold": True})
    title = wb.add_format({"bold": True, "font_size": 13})
    money = wb.add_format({"num_format": "£#,##0;[Red]-£#,##0"})
    prob = wb.add_format({"num_format": "0.0%"})
    rat = wb.add_format({"num_format": "0.00"})
    fmt = {"money": money, "net": money, "probability": prob, "ratio": rat, "chance": prob, "money±": money}
    taken: set[str] = {"summary", "switching values", "tornado", "basis", *(n.lower() for n in SHEET_NAMES)}

    def put(ws: Any, r: int, c: int, v: Any, kind: str = "text") -> None:
        if v is None:
            ws.write_blank(r, c, None)
        elif isinstance(v, bool):
            ws.write_boolean(r, c, v)
        elif isinstance(v, (int, float)):
            ws.write_number(r, c, v, fmt.get(kind))
        else:
            ws.write_string(r, c, str(v))

    ws = wb.add_worksheet("Summary")
    ws.set_column(0, 0, 46)
    ws.set_column(1, len(d["entries"]), 22)
    ws.write_string(0, 0, f"Appraisal summary: {d['title']}", title)
    c = summary_content(d)
    ws.write_string(1, 0, c.basis)
    r = 3
    ws.write_string(r, 0, "Option", bold)
    for j, e in enumerate(d["entries"]):
        ws.write_string(r, 1 + j, e["name"], bold)
    r += 1
    for s in c.sections:
        r += 1
        ws.write_string(r, 0, s.title, bold)
        r += 1
        for label, kind, vals in s.rows:
            ws.write_string(r, 0, label.strip())
            if kind in ("chance", "money±"):  # the figure, then its Monte Carlo standard error below
                # a text cell (an entry's own chance of beating itself: a dash) stands in both rows
                for j, v in enumerate(vals):
                    put(ws, r, 1 + j, v[0] if isinstance(v, tuple) else v, kind)
                r += 1
                ws.write_string(r, 0, f"{label.strip()} (standard error)")
                for j, v in enumerate(vals):
                    put(ws, r, 1 + j, v[1] if isinstance(v, tuple) else v, kind)
            else:
                for j, v in enumerate(vals):
                    put(ws, r, 1 + j, v, kind)
            r += 1
    r += 1
    for heading, xs in (("Key risks and uncertainties", c.risks), ("Unmonetised impacts", c.unmonetised),
                        ("Distributional notes", [c.distributional] if c.distributional else [])):  # fmt: skip
        ws.write_string(r, 0, heading, bold)
        r += 1
        for x in xs or ["none recorded"]:
            ws.write_string(r, 0, x)
            r += 1

    working = options_working_sheets(appraisal)
    write_sheets(wb, working, evaluate(working))
    column = {e["id"]: xl_col_to_name(FIRST_ENTRY_COL + k) for k, e in enumerate(d["entries"])}
    for e in d["entries"]:
        ws = wb.add_worksheet(sheet_name(e["id"], taken))
        ws.set_column(0, 0, 40)
        ws.set_column(1, len(d["years"]) + 1, 14)
        ws.write_string(0, 0, e["name"], title)
        ws.write_string(1, 0, e["description"] or "")
        ws.write_string(2, 0, "Figures are incremental against BAU (this option minus BAU).")
        ws.write_string(
            3, 0, f"Worked out as live formulas from the yearly flows: the {COMPARISON} sheet, column {column[e['id']]}."
        )
        inc = e["incremental"]
        r = 4
        for label, key in (("PV costs", "pv_costs"), ("PV savings", "pv_savings"), ("PV cashable savings", "pv_cashable"),
                           ("NPV (fiscal)", "npv"), ("NPV, firm-budget years", "npv_firm"),
                           ("NPV, years beyond", "npv_beyond")):  # fmt: skip
            ws.write_string(r, 0, label)
            put(ws, r, 1, inc[key], "money")
            r += 1
            if key == "pv_costs" and (abs(inc["pv_money_released"]) > 0.005 or abs(inc["pv_closure_costs"]) > 0.005):
                ws.write_string(r, 0, "  of which budget kept from a cut (+) or released by one (−)")
                put(ws, r, 1, -inc["pv_money_released"], "money")
                ws.write_string(r + 1, 0, "  of which closure costs of a cut (− = avoided)")
                put(ws, r + 1, 1, inc["pv_closure_costs"], "money")
                r += 2
        ws.write_string(r, 0, "Fiscal return on investment")
        put(ws, r, 1, inc["fiscal_return_on_investment"], "ratio")
        r += 1
        ws.write_string(r, 0, "Ten Year Test against BAU")
        ws.write_string(r, 1, inc["ten_year_test"]["verdict"])
        r += 2
        ws.write_string(r, 0, "Budget holder", bold)
        for j, h in enumerate(("PV costs", "PV savings", "NPV")):
            ws.write_string(r, 1 + j, h, bold)
        r += 1
        for aid, name in d["budget_holders"].items():
            ws.write_string(r, 0, name)
            for j, key in enumerate(("pv_costs", "pv_savings", "npv")):
                put(ws, r, 1 + j, inc["by_budget_holder"][aid][key], "money")
            r += 1
        r += 1
        ws.write_string(r, 0, "Cash by year (nominal, undiscounted)", bold)
        for j, y in enumerate(d["years"]):
            ws.write_string(r, 1 + j, fy_label(y), bold)
        r += 1
        for label, key in (("Costs", "costs"), ("Cashable savings", "cashable"), ("Net", "net"),
                           ("Cumulative net", "cumulative")):  # fmt: skip
            ws.write_string(r, 0, label)
            for j, v in enumerate(inc["cash"][key]):
                put(ws, r, 1 + j, v, "money")
            r += 1
        r += 1
        ws.write_string(r, 0, "Peak dual-running funding (cash)")
        put(ws, r, 1, inc["dual_running"]["peak_funding_requirement"], "money")
        r += 2
        ws.write_string(r, 0, "Proposals", bold)
        r += 1
        for p in e["proposals"]:
            ws.write_string(r, 0, p["id"])
            ws.write_string(r, 1, p["file"])
            ws.write_string(r, 2, p["inputs_sha256"])
            r += 1
        for path, ed in e["edits"].items():
            ws.write_string(r, 0, f"edit {path}")
            put(ws, r, 1, ed["value"])
            ws.write_string(r, 2, ed["source"] or f"assumption: {ed['assumption']}")
            r += 1

    ws = wb.add_worksheet("Switching values")
    ws.set_column(0, 2, 24)
    ws.set_column(3, 3, 60)
    for j, h in enumerate(("Leader", "Other", "Input", "Label", "Unit", "Central", "Switching value",
                           "Relative change", "Method")):  # fmt: skip
        ws.write_string(0, j, h, bold)
    for i, s in enumerate(d["switching_values"], start=1):
        for j, key in enumerate(("leader", "other", "input", "label", "unit", "central", "value",
                                 "relative_change", "method")):  # fmt: skip
            put(ws, i, j, s[key], "probability" if key == "relative_change" else "text")

    ws = wb.add_worksheet("Tornado")
    ws.set_column(0, 1, 24)
    ws.set_column(2, 2, 60)
    heads = ("Option", "Input", "Label", "Unit", "Low", "High", "Incremental NPV at low", "Incremental NPV at high",
             "Swing")  # fmt: skip
    for j, h in enumerate(heads):
        ws.write_string(0, j, h, bold)
    r = 1
    for e in d["entries"][1:]:
        for b in e.get("tornado", []):
            for j, key in enumerate(("input", "label", "unit", "low", "high", "incremental_npv_low",
                                     "incremental_npv_high", "swing"), start=1):  # fmt: skip
                put(ws, r, j, b[key], "money" if key.startswith(("incremental", "swing")) else "text")
            ws.write_string(r, 0, e["id"])
            r += 1

    ws = wb.add_worksheet("Basis")
    ws.set_column(0, 0, 120)
    lines = [*d["notes"], f"Central case: {d['basis']['central_case']}."]
    if d["simulation"] is not None:
        s = d["simulation"]
        lines.append(
            f"Monte Carlo: {s['draws']} draws, seed {s['seed']}, common random numbers across options."
        )
    for i, line in enumerate(lines):
        ws.write_string(i, 0, line)
    wb.close()
    return buf.getvalue()
