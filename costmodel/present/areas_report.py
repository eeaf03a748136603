"""``costmodel batch`` in words, tables and a chart: one row per area, and the totals.

:func:`area_rows` is the one list of per-area figures every output reads (text table, CSV, JSON,
Parquet, workbook, chart, briefing, the app's Batch page), so they cannot disagree; :func:`totals`
adds the areas up (sums of the per-area figures, so the totals equal the sum of the rows).
"""

from __future__ import annotations

import csv
import io
import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np

from ..appraisal.engine import MONEY_TOLERANCE
from ..formatting import fy_label, money, percent, plural
from ..uncertainty.areas import AreaResults, total_p_pass
from .csv_safety import neutralise as _neutralise
from .jsonsafe import json_number

if TYPE_CHECKING:
    import altair as alt
    import pandas as pd

    from ..inputs.loading import Scenario

COLUMNS: tuple[tuple[str, str], ...] = (
    ("area_id", "Area id"),
    ("area_name", "Area"),
    ("code", "Official code"),
    ("table_line", "Line in the area table"),
    ("source", "Source of the row"),
    ("npv_gbp", "Whole-public-sector NPV (£)"),
    ("verdict", "Ten Year Test"),
    ("public_value_npv_gbp", "Net present public value (£): fiscal + economic + social"),
    ("p_pass", "Probability of passing"),
    ("p_pass_se", "Standard error of that probability"),
    ("npv_p5_gbp", "NPV, 5th percentile (£)"),
    ("npv_p50_gbp", "NPV, median (£)"),
    ("npv_p95_gbp", "NPV, 95th percentile (£)"),
    ("pv_costs_gbp", "PV of costs (£)"),
    ("pv_savings_gbp", "PV of savings (£)"),
    ("pv_cashable_gbp", "PV of cashable savings (£)"),
    ("cashable_share", "Cashable share of savings"),
    ("peak_dual_running_gbp", "Peak dual-running funding (£)"),
    ("loses_most", "Budget holder that loses most"),
    ("loses_most_npv_gbp", "Its NPV (£)"),
)


def _num(x: float, places: int | None = 2) -> float | None:
    return None if not math.isfinite(float(x)) else json_number(float(x), places=places)


def area_rows(r: AreaResults) -> list[dict[str, Any]]:
    """One dict per area (keys: :data:`COLUMNS`, then the table's input columns), in table order.
    Money in £ rounded to the penny; probabilities unrounded; a missing figure is None."""
    t = r.table
    loser = r.biggest_loser
    share = r.cashable_share
    rows = []
    mc = r.draws > 0
    se = r.p_pass_se
    for i in range(t.n):
        src = t.source_of(i)
        row: dict[str, Any] = {
            "area_id": t.ids[i],
            "area_name": t.names[i],
            "code": t.codes[i],
            "table_line": t.lines[i],
            "source": src.url if src is not None else "",
            "npv_gbp": _num(r.npv[i]),
            "verdict": "passes" if r.passes[i] else "fails",
            "public_value_npv_gbp": _num(r.public_value_npv[i]),
            "p_pass": _num(r.p_pass[i], None) if mc else None,
            "p_pass_se": _num(se[i], None) if mc else None,
            "npv_p5_gbp": _num(r.npv_percentiles[i, 0]) if mc else None,
            "npv_p50_gbp": _num(r.npv_percentiles[i, 1]) if mc else None,
            "npv_p95_gbp": _num(r.npv_percentiles[i, 2]) if mc else None,
            "pv_costs_gbp": _num(r.pv_costs[i]),
            "pv_savings_gbp": _num(r.pv_savings[i]),
            "pv_cashable_gbp": _num(r.pv_cashable[i]),
            "cashable_share": _num(share[i], None),
            "peak_dual_running_gbp": _num(r.peak_dual_running[i]),
            "loses_most": r.agency_names[loser[i]] if loser[i] >= 0 else "none",
            "loses_most_npv_gbp": _num(r.npv_by_agency[i, loser[i]]) if loser[i] >= 0 else None,
        }
        for j, p in enumerate(t.paths):
            row[p] = _num(t.values[i, j], None)
        rows.append(row)
    return rows


def totals(r: AreaResults) -> dict[str, Any]:
    """The areas added up: sums of each area's figures (the peak is the sum of the areas' peaks, which
    is more than the peak of the sum when areas peak in different years)."""
    by_agency = r.npv_by_agency.sum(axis=0)
    worst = int(np.argmin(by_agency)) if by_agency.size else -1
    loses = worst >= 0 and by_agency[worst] < -MONEY_TOLERANCE
    pv_sav = float(r.pv_savings.sum())
    p_total = total_p_pass(r)
    return {
        "areas": r.n,
        "areas_passing": r.n_passing,
        "npv_gbp": _num(r.npv.sum()),
        "public_value_npv_gbp": _num(r.public_value_npv.sum()),
        "pv_costs_gbp": _num(r.pv_costs.sum()),
        "pv_savings_gbp": _num(pv_sav),
        "pv_cashable_gbp": _num(r.pv_cashable.sum()),
        "cashable_share": _num(r.pv_cashable.sum() / pv_sav, None) if pv_sav > MONEY_TOLERANCE else None,
        "sum_of_peak_dual_running_gbp": _num(r.peak_dual_running.sum()),
        "p_total_passes": None if math.isnan(p_total) else p_total,
        "loses_most": r.agency_names[worst] if loses else "none",
        "loses_most_npv_gbp": _num(by_agency[worst]) if loses else None,
    }


def basis(r: AreaResults) -> str:
    """What every figure of the batch is, in a few words: 'risk-adjusted for optimism bias' or not."""
    return "risk-adjusted for optimism bias" if r.risk_adjusted else "not risk-adjusted for optimism bias"


def headline(r: AreaResults, scenario: Scenario) -> str:
    """'In N of M areas the proposal passes the Ten Year Test ...': the verdict is the fiscal layer's
    central case in each area (risk-adjusted for optimism bias unless the file says otherwise)."""
    ap = scenario.proposal.appraisal
    return (
        f"In {r.n_passing} of {plural(r.n, 'area')} the proposal passes the Ten Year Test "
        f"(fiscal: whole-public-sector NPV of at least £0 over {plural(ap.horizon_years, 'year')}, "
        f"{fy_label(r.price_base_year)} prices; central case, {basis(r)})."
    )


def figures_note(r: AreaResults) -> str:
    """Which layer each money column is and whether it is risk-adjusted, in two or three sentences."""
    if r.risk_adjusted:
        adjusted = (
            "Every figure is risk-adjusted for optimism bias, in the central case and in every Monte Carlo draw: "
            "each cost, saving and benefit line made less favourable by the strength of its evidence"
            + ("; the percentages by grade are a stated assumption, not a published table" if r.optimism_table_status == "assumption" else "")
            + ". No unadjusted figures are shown beside them in a batch (costmodel run gives both for one place)."
        )
    else:
        adjusted = (
            "No figure is risk-adjusted for optimism bias (appraisal.optimism_bias: off): "
            "these are the figures before any correction."
        )
    return (
        "NPV: the fiscal layer, the whole-public-sector NPV the Ten Year Test's verdict rests on. Public value: "
        "the net present public value, that NPV plus the economic and social layers' value of the outcomes avoided. "
        + adjusted
    )


def batch_table(r: AreaResults, scenario: Scenario) -> str:
    """The per-area results as a plain-text table, the totals and the sources."""
    rows = area_rows(r)
    mc = r.draws > 0
    head = ["Area", "NPV", "Verdict", "Public value"] + (["P(pass) ± se", "NPV P5 to P95"] if mc else [])
    head += ["Peak dual running", "Loses most"]
    body = []
    for row in rows:
        cells = [row["area_name"], money(row["npv_gbp"]), row["verdict"], money(row["public_value_npv_gbp"])]
        if mc:
            cells += [
                f"{percent(row['p_pass'])} ± {percent(row['p_pass_se'])}",
                f"{money(row['npv_p5_gbp'])} to {money(row['npv_p95_gbp'])}",
            ]
        cells += [money(row["peak_dual_running_gbp"]), row["loses_most"]]
        body.append(cells)
    tot = totals(r)
    total_cells = [
        "Total (sum of areas)", money(tot["npv_gbp"]), f"{tot['areas_passing']} of {tot['areas']} pass",
        money(tot["public_value_npv_gbp"]),
    ]  # fmt: skip
    if mc:
        p = tot["p_total_passes"]
        total_cells += [f"{percent(p)} (sum passes)" if p is not None else "", ""]
    total_cells += [money(tot["sum_of_peak_dual_running_gbp"]) + " (sum)", tot["loses_most"]]
    body.append(total_cells)
    widths = [max(len(str(x[k])) for x in [head, *body]) for k in range(len(head))]

    def line(cells: list[Any]) -> str:
        return "  ".join(
            str(c).ljust(w) if k in (0, 2) or k == len(cells) - 1 else str(c).rjust(w)
            for k, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    p = scenario.proposal
    out = [
        f"{p.title}: the Ten Year Test in every area of {r.table.metadata.title}",
        headline(r, scenario),
        "",
        line(head),
        line(["-" * w for w in widths]),
        *(line(c) for c in body[:-1]),
        line(["-" * w for w in widths]),
        line(body[-1]),
        "",
        figures_note(r),
    ]
    if mc:
        out.append(
            f"Monte Carlo: {r.draws:,} draws per area, seed {r.seed} (each area its own stream); "
            "P(pass) is the share of draws with NPV >= 0."
        )
    out += [f"Coverage: {' '.join(r.table.metadata.coverage.split())}", "Sources:"]
    for s in r.table.metadata.sources:
        out.append(f"  [{s.id}] {s.title}. {s.publisher}, {s.year}. {s.table}. {s.url} (grade {s.grade})")
    for name, cm in r.table.metadata.columns.items():
        how = f"derived: {cm.derived}" if cm.derived else (f"assumption: {cm.assumption}" if cm.assumption else f"source: {cm.source}")
        out.append(f"  {name} [{cm.unit}]: {how}")
    return "\n".join(out) + "\n"


def batch_csv(r: AreaResults) -> str:
    """One row per area, then a TOTAL row, then a NOTE row (:func:`figures_note`: the layers and whether
    the figures are risk-adjusted); text cells a spreadsheet would run are neutralised."""
    rows = area_rows(r)
    keys = [k for k, _ in COLUMNS] + list(r.table.paths)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([_neutralise(k) for k in keys])
    for row in rows:
        w.writerow([_neutralise("" if row[k] is None else str(row[k])) for k in keys])
    tot = totals(r)
    total_row = {
        "area_id": "TOTAL",
        "area_name": "Total (sum of areas)",
        "npv_gbp": tot["npv_gbp"],
        "verdict": f"{tot['areas_passing']} of {tot['areas']} pass",
        "public_value_npv_gbp": tot["public_value_npv_gbp"],
        "p_pass": tot["p_total_passes"],
        "pv_costs_gbp": tot["pv_costs_gbp"],
        "pv_savings_gbp": tot["pv_savings_gbp"],
        "pv_cashable_gbp": tot["pv_cashable_gbp"],
        "cashable_share": tot["cashable_share"],
        "peak_dual_running_gbp": tot["sum_of_peak_dual_running_gbp"],
        "loses_most": tot["loses_most"],
        "loses_most_npv_gbp": tot["loses_most_npv_gbp"],
    }
    w.writerow([_neutralise("" if total_row.get(k) is None else str(total_row[k])) for k in keys])
    note_row = {"area_id": "NOTE", "area_name": figures_note(r)}  # after the figures: the header stays line 1
    w.writerow([_neutralise(note_row.get(k, "")) for k in keys])
    return buf.getvalue()


def batch_dict(r: AreaResults, scenario: Scenario) -> dict[str, Any]:
    t = r.table
    p = scenario.proposal
    return {
        "proposal": {"id": p.id, "title": p.title, "file": scenario.path},
        "inputs_sha256": scenario.inputs_sha256,
        "price_base_year": r.price_base_year,
        "area_table": {
            "file": t.path,
            "title": t.metadata.title,
            "coverage": " ".join(t.metadata.coverage.split()),
            "sources": [s.model_dump(mode="json") for s in t.metadata.sources],
            "columns": {k: v.model_dump(mode="json", exclude_none=True) for k, v in t.metadata.columns.items()},
        },
        "draws": r.draws,
        "seed": r.seed,
        "headline": headline(r, scenario),
        "risk_adjusted": r.risk_adjusted,
        "layers": {
            "npv_gbp": "fiscal",
            "public_value_npv_gbp": "public_value",
        },
        "notes": [figures_note(r)],
        "areas": area_rows(r),
        "totals": totals(r),
    }


def batch_json(r: AreaResults, scenario: Scenario) -> str:
    return json.dumps(batch_dict(r, scenario), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def batch_frame(r: AreaResults) -> pd.DataFrame:
    """The per-area rows as a pandas frame (the app's table, the Parquet file)."""
    import pandas as pd

    return pd.DataFrame(area_rows(r))


# --- the ranked dot-plot -----------------------------------------------------------------------

LABELLED_AREAS = 60
"""Up to this many areas the chart names each one; beyond, areas are shown by rank."""


def ranked_chart_data(r: AreaResults) -> pd.DataFrame:
    import pandas as pd

    order = np.argsort(-r.npv, kind="stable")
    mc = r.draws > 0
    return pd.DataFrame(
        {
            "rank": np.arange(1, r.n + 1),
            "area": [r.table.names[i] for i in order],
            "npv_gbp": r.npv[order],
            "p5_gbp": r.npv_percentiles[order, 0] if mc else r.npv[order],
            "p95_gbp": r.npv_percentiles[order, 2] if mc else r.npv[order],
            "result": ["passes" if r.passes[i] else "fails" for i in order],
        }
    )


def ranked_chart(r: AreaResults, scenario: Scenario) -> alt.TopLevelMixin:
    """NPV by area, ranked, with P5-P95 whiskers; passes and fails in words and colour."""
    import altair as alt

    from .charts import GOV_GREEN, GOV_GREY, GOV_RED, _base_config, money_axis

    data = ranked_chart_data(r)
    labelled = r.n <= LABELLED_AREAS
    y = (
        alt.Y("area:N", sort=list(data["area"]), title=None, axis=alt.Axis(labelLimit=320))
        if labelled
        else alt.Y("rank:Q", title="Area, ranked by NPV", axis=alt.Axis(format="d"))
    )
    colour = alt.Color(
        "result:N",
        title="Ten Year Test",
        scale=alt.Scale(domain=["passes", "fails"], range=[GOV_GREEN, GOV_RED]),
    )
    whiskers = "P5 to P95 of the Monte Carlo" if r.draws else "no Monte Carlo"
    base = alt.Chart(
        data,
        title=alt.TitleParams(
            headline(r, scenario),
            subtitle=[
                f"Fiscal NPV (whole public sector) by area, £, {fy_label(r.price_base_year)} prices, {basis(r)}; "
                f"whiskers: {whiskers}",
                f"Source: costmodel batch of {scenario.proposal.id} over {r.table.metadata.title}",
            ],
        ),
    )
    rule = base.mark_rule(color=GOV_GREY).encode(x=alt.X("p5_gbp:Q", title="NPV (£)", axis=money_axis()), x2="p95_gbp:Q", y=y)
    dots = base.mark_point(filled=True, size=60).encode(
        x="npv_gbp:Q",
        y=y,
        color=colour,
        shape=alt.Shape("result:N", scale=alt.Scale(domain=["passes", "fails"], range=["circle", "square"])),
        tooltip=[
            alt.Tooltip("area:N", title="Area"),
            alt.Tooltip("npv_gbp:Q", title="NPV (£)", format=",.0f"),
            alt.Tooltip("p5_gbp:Q", title="P5 (£)", format=",.0f"),
            alt.Tooltip("p95_gbp:Q", title="P95 (£)", format=",.0f"),
            alt.Tooltip("result:N", title="Ten Year Test"),
        ],
    )
    import pandas as pd

    zero = (
        alt.Chart(pd.DataFrame({"x": [0.0], "what": ["NPV of £0: the Ten Year Test's line"]}))
        .mark_rule(color="#333", strokeDash=[4, 4])
        .encode(x="x:Q", tooltip=[alt.Tooltip("what:N", title="Line")])
    )
    height = max(120, min(24 * r.n, 600)) if labelled else 400
    return _base_config(alt.layer(rule, dots, zero).properties(width=560, height=height))
