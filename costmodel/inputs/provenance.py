"""Every assumption a result rests on, with its value, unit, price year, source and grade.

Used by the app's Sources page (and available to exports): one row per figure in use, so a reader
can check each number against its source, or read the reason for a stated assumption. Which figures
there are, their paths (by id) and units come from the input registry (:mod:`costmodel.inputs.registry`).
"""

from __future__ import annotations

from typing import Any

from ..formatting import fy_label
from .loading import Scenario
from .models import figure_grade
from .registry import Setting, entry, settings

GROUPS = {
    "prevention_costs": "Prevention costs",
    "savings": "Savings lines",
    "closure_costs": "Closure costs (a cut)",
    "financing": "Financing",
    "pool": "Pooled budget",
    "responsibility_charges": "Responsibility charges",
}


def _where(setting: Setting) -> tuple[str, str]:
    """(group, name) in words of a registered quantity: an outcome's quantities are grouped under the
    outcome, a cost line's named by the line; a row without a label (a unit-cost use, a contribution)
    is named by its id or position."""
    top = setting.entry.template.split(".")[0]
    rows = list(setting.rows)
    group = GROUPS[top] if top in GROUPS or not rows else str(getattr(rows.pop(0), "label", top))
    row_ids = setting.row_ids[len(setting.rows) - len(rows) :]
    names = [str(getattr(r, "label", None) or i) for r, i in zip(rows, row_ids, strict=True)]
    if rows and not getattr(rows[-1], "label", None):
        *head, last = names
        return group, ": ".join([*head, f"{setting.entry.label.lower()} ({last})"])
    return group, ": ".join([*names, setting.entry.name])


def assumption_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per figure in use: group, name, field path, value, unit, price year, the source's
    title/publisher/year/url and grade (or ``assumption`` with its reason), and any note."""
    sources = scenario.sources
    rows: list[dict[str, Any]] = []

    source_grades = {k: s.grade for k, s in sources.items()}

    def add(
        group: str, name: str, path: str, value: Any, unit: str, price_year: Any, d: dict[str, Any], q: Any = None
    ):
        src_id = d.get("source")
        src = sources.get(src_id) if src_id else None
        if q is not None:
            grade = figure_grade(q, source_grades)
        else:
            grade = d.get("grade") or (src.grade if src else ("assumption" if d.get("assumption") else ""))
        derived = d.get("derived") or {}
        rows.append(
            {
                "group": group,
                "name": name,
                "field": path,
                "value": value,
                "unit": unit,
                "price_year": fy_label(price_year) if isinstance(price_year, int) else "",
                "source_id": src_id or "",
                "source_title": src.title if src else "",
                "publisher": src.publisher if src else "",
                "source_year": src.year if src else None,
                "url": src.url if src else "",
                "grade": grade,
                "assumption": d.get("assumption") or "",
                "note": d.get("note") or (src.note if src and src.note else ""),
                "derived": derived.get("formula", ""),
            }
        )

    for setting in settings(scenario.proposal):
        q = setting.quantity
        if not hasattr(q, "unit") or not (getattr(q, "source", None) or getattr(q, "assumption", None)):
            continue
        group, name = _where(setting)
        value = getattr(q, "value", None)
        if value is None:
            value = list(getattr(q, "values", []))
        d = q.model_dump(mode="json")
        add(group, name, setting.path, value, q.unit, d.get("price_year"), d, q)

    uc_entry = entry("unit_costs.*")
    agency_names = {a.id: a.name for a in scenario.agencies}
    for uc_id, uc in scenario.unit_costs.items():
        d = uc.model_dump(mode="json")
        split = ", ".join(f"{agency_names.get(b.agency, b.agency)} £{b.value:,.2f}" for b in uc.bearers)
        total = sum(b.value for b in uc.bearers)
        add(
            "Unit costs",
            f"{uc.label} (per {uc.per}; {split})",
            f"unit_costs.{uc_id}",
            round(total, 2),
            uc_entry.unit,
            uc.price_year,
            d,
            uc,
        )

    sch = scenario.schedule
    bands = "; ".join(f"{b.rate:.1%} from year {b.from_year}" for b in sch.bands)
    add(
        "Appraisal",
        f"Discount schedule: {sch.label} ({bands})",
        "appraisal.discount_schedule",
        sch.id,
        "schedule",
        None,
        {"source": sch.source, "note": sch.note},
    )
    dfl = scenario.deflator
    add(
        "Appraisal",
        f"Deflator: {dfl.label} ({dfl.describe()})",
        "appraisal.deflator",
        dfl.id,
        "index",
        None,
        {"source": dfl.source, "note": dfl.note}
        if dfl.source in sources
        else {"assumption": dfl.note or "a deflator the proposal file brings, with no source"},
    )
    return rows


def source_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """Every source cited by the figures in use: id, title, publisher, year, url, grade, note."""
    return [
        {
            "id": s.id,
            "title": s.title,
            "publisher": s.publisher,
            "year": s.year,
            "url": s.url,
            "grade": s.grade,
            "note": s.note or "",
        }
        for s in scenario.sources.values()
    ]


def correlation_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per declared correlation between ranged inputs (the Monte Carlo's Gaussian copula): its
    shape (``between`` two inputs, or a ``group`` sharing one factor), the inputs by path, the rank
    correlation [fraction], and where it comes from: the source's title/publisher/year/url and grade, or
    the stated ``assumption`` (grade "assumption"), and any note."""
    sources = scenario.sources
    rows: list[dict[str, Any]] = []
    for n, c in enumerate(scenario.proposal.correlations):
        src = sources.get(c.source) if c.source else None
        rows.append(
            {
                "entry": f"correlations.{n}",
                "kind": "between" if c.between is not None else "group",
                "inputs": " ~ ".join(c.inputs) if c.between is not None else ", ".join(c.inputs),
                "rank_correlation": float(c.rank_correlation),
                "grade": src.grade if src else ("assumption" if c.assumption else "U"),
                "source_title": src.title if src else "",
                "publisher": src.publisher if src else "",
                "source_year": src.year if src else None,
                "url": src.url if src else "",
                "assumption": c.assumption or "",
                "note": c.note or "",
            }
        )
    return rows
