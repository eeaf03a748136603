"""Several proposals side by side (e.g. youth work vs a cut vs the status quo)."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from typing import Any

from ..appraisal.chain import appraise
from ..appraisal.engine import TenYearTest
from ..formatting import fy_label, fy_span, money, per_pound, ratio
from .csv_safety import safe_row
from .measures import headline_measures
from .report import _f, layers_json, unadjusted_json

COMPARE_MEASURES = (
    "pv_costs",
    "pv_savings",
    "npv",
    "npv_firm",
    "npv_beyond",
    "bcr",
    "peak_funding",
    "npv_public_value",
    "bcr_public_value",
)
"""The headline measures compared as figures, in order; then the payback year and the verdict."""


CUT_COMPARE_MEASURES = ("money_released", "closure_costs", "costs_shunted", "shunted_per_pound_released")
"""A cut's own figures, compared when any proposal is a cut (n/a for new spending, whose benefit-cost
ratio is n/a for the cut)."""

PER_POUND_ROWS = ("Shunted per £1 released",)
"""Rows shown as £ per £1."""


def _short(key: str, measures: list[dict[str, Any]]) -> str:
    """A measure's short label, from the first result that has it."""
    return next(m[key].short for m in measures if key in m)


def align(results: list[TenYearTest]) -> tuple[list[TenYearTest], list[str]]:
    """Put every proposal on one price base (the latest) and one discount year (the earliest), and say so.

    A proposal that cannot be moved (its deflator does not cover the common price base, or the common
    discount year lies outside what its appraisal allows) keeps its own settings, with a plain warning;
    nothing is mixed silently.
    """
    if len(results) < 2:
        return results, []
    base = max(r.scenario.proposal.appraisal.price_base_year for r in results)
    origin = min(r.scenario.proposal.appraisal.discount_origin for r in results)
    aligned: list[TenYearTest] = []
    notes = [f"All proposals are compared in {fy_label(base)} prices, discounted to {fy_label(origin)}."]
    vintages = {r.scenario.deflator.vintage for r in results}
    if len(vintages) > 1:
        notes.append("Warning: the proposals use different deflators: " + "; ".join(sorted(vintages)) + ".")
    else:
        notes.append(f"Deflator: {results[0].scenario.deflator.describe()}.")
    for r in results:
        sc = r.scenario
        ap = sc.proposal.appraisal
        problem = None
        if base not in sc.deflator.index:
            problem = f"its deflator '{sc.deflator.id}' has no value for {fy_label(base)}"
        elif ap.first_year - origin > 30:
            problem = f"{fy_label(origin)} is more than 30 years before its first year"
        if problem is not None:
            notes.append(
                f"Warning: '{sc.proposal.id}' cannot be aligned ({problem}); it keeps its own price base "
                f"{fy_label(ap.price_base_year)} and discount year {fy_label(ap.discount_origin)}."
            )
            aligned.append(r)
            continue
        if ap.price_base_year == base and ap.discount_origin == origin:
            aligned.append(r)
            continue
        new_ap = ap.model_copy(update={"price_base_year": base, "discount_year": origin})
        moved = replace(sc, proposal=sc.proposal.model_copy(update={"appraisal": new_ap}))
        aligned.append(appraise(moved, count_committed=r.counts_committed))
    return aligned, notes


RATIO_ROWS = ("Fiscal return on investment", "Released per £1", "Benefit-cost ratio")
"""Rows whose figures are ratios, not money (by label start)."""


def column_name(r: TenYearTest) -> str:
    """A proposal's column: its id, and the named scenario applied, if any (``youth_work [pessimistic]``)."""
    name = r.scenario.scenario_name
    return r.scenario.proposal.id + (f" [{name}]" if name else "")


def compare_rows(results: list[TenYearTest]) -> tuple[list[str], list[tuple[str, list[Any]]]]:
    """Header (proposal ids) and rows (measure, values) shared by the table, CSV and the app."""
    header = [column_name(r) for r in results]
    measures = [headline_measures(r) for r in results]
    rows: list[tuple[str, list[Any]]] = [
        ("Kind", [r.scenario.proposal.kind.replace("_", " ") for r in results]),
        ("Years", [fy_span(r.years[0], r.years[-1]) for r in results]),
        ("Price base", [fy_label(r.scenario.proposal.appraisal.price_base_year) for r in results]),
        ("Discounted to", [fy_label(r.scenario.proposal.appraisal.discount_origin) for r in results]),
    ]
    keys = list(COMPARE_MEASURES)
    if any(r.cut is not None for r in results):  # a cut's own figures (n/a for new spending)
        keys[keys.index("bcr") + 1 : keys.index("bcr") + 1] = CUT_COMPARE_MEASURES
    for key in keys:  # figures as numbers (the table formats them, the CSV keeps every digit)
        short = _short(key, measures)
        rows.append((short, [m[key].value if key in m else None for m in measures]))
    for key in ("payback_year", "passes"):  # states in words
        rows.append((measures[0][key].short, [m[key].text for m in measures]))
    if any(r.unadjusted is not None for r in results):  # the risk-adjusted figures' sensitivity
        rows.append(
            ("NPV before optimism bias", [r.unadjusted.npv if r.unadjusted is not None else r.npv for r in results])
        )
        rows.append(
            (
                "Passes before optimism bias",
                [("yes" if (r.unadjusted or r).passes else "no") for r in results],
            )
        )
    rows.append((measures[0]["committed"].short, [m["committed"].value or 0.0 for m in measures]))
    agencies: dict[str, str] = {}
    for r in results:
        for a in r.scenario.agencies:
            agencies.setdefault(a.id, a.name)
    for aid, name in agencies.items():
        vals = []
        for r in results:
            ids = [a.id for a in r.scenario.agencies]
            vals.append(float(r.pv_net_by_agency[ids.index(aid)]) if aid in ids else 0.0)
        rows.append((f"NPV: {name}", vals))
    return header, rows


def compare_table(results: list[TenYearTest], *, csv_format: bool = False) -> str:
    header, rows = compare_rows(results)
    if csv_format:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(safe_row(["measure", *header]))
        for name, vals in rows:
            w.writerow(
                safe_row(
                    [name, *[repr(float(v)) if isinstance(v, float) else ("" if v is None else v) for v in vals]]
                )
            )
        return buf.getvalue()

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return money(v)
        return "n/a" if v is None else str(v)

    def cell_row(name: str, vals: list[Any]) -> list[str]:
        if name in PER_POUND_ROWS:
            return [per_pound(v) if v is not None else "n/a" for v in vals]
        return [ratio(v) if name.startswith(RATIO_ROWS) else cell(v) for v in vals]

    table = [["", *header]] + [[name, *cell_row(name, vals)] for name, vals in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
        for r in table
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines) + "\n"


LAYER_KEYS = ("fiscal", "economic", "social", "public_value")
"""The value-layer blocks each compared proposal carries, as ``costmodel run --format json`` writes them."""


def compare_json(results: list[TenYearTest], notes: list[str] | None = None) -> str:
    header, rows = compare_rows(results)
    out = {
        "notes": list(notes or []),
        "proposals": [
            {
                "id": r.scenario.proposal.id,
                **({"scenario": r.scenario.scenario_name} if r.scenario.scenario_name else {}),
                "title": r.scenario.proposal.title,
                "file": r.scenario.path,
                "inputs_sha256": r.scenario.inputs_sha256,
                "price_base_year": r.scenario.proposal.appraisal.price_base_year,
                "discount_year": r.scenario.proposal.appraisal.discount_origin,
                "deflator_vintage": r.scenario.deflator.vintage,
                "npv": _f(r.npv),
                "pv_costs": _f(r.pv_costs),
                "pv_savings": _f(r.pv_savings),
                "bcr": _f(r.bcr),
                "fiscal_return_on_investment": _f(r.value_layers.fiscal_return_on_investment),
                "net_present_public_value": _f(r.value_layers.net_present_public_value),
                "benefit_cost_ratio_public_value": _f(r.value_layers.benefit_cost_ratio),
                **(
                    {}
                    if r.cut is None
                    else {
                        "money_released": _f(r.cut.pv_released),
                        "closure_costs": _f(r.cut.pv_closure),
                        "costs_shunted": _f(r.cut.pv_shunted),
                    }
                ),
                "passes": r.passes,
                "verdict": r.verdict,
                "risk_adjusted": r.risk_adjusted,
                "npv_unadjusted": _f(r.unadjusted.npv if r.unadjusted is not None else r.npv),
                "passes_unadjusted": (r.unadjusted or r).passes,
                "agencies": {
                    a.id: _f(v) for a, v in zip(r.scenario.agencies, r.pv_net_by_agency, strict=True)
                },
                # the value layers and the figures before optimism bias under run's keys (docs/json-output.md)
                **{k: v for k, v in layers_json(r).items() if k in LAYER_KEYS},
                "unadjusted": unadjusted_json(r),
            }
            for r in results
        ],
    }
    return json.dumps(out, indent=2, ensure_ascii=False) + "\n"
