"""Every assumption a result rests on, with its value, unit, price year, source and grade.

Used by the app's Sources page (and available to exports): one row per figure in use, so a reader
can check each number against its source, or read the reason for a stated assumption.
"""

from __future__ import annotations

from typing import Any

from ..formatting import fy_label
from .loading import Scenario, walk_mappings


def _where(proposal: dict[str, Any], loc: tuple[Any, ...]) -> tuple[str, str]:
    """(group, name) in words for a quantity's location in the proposal."""
    if not loc:
        return "Proposal", ""
    head = loc[0]
    if head == "prevention_costs":
        return "Prevention costs", str(proposal["prevention_costs"][loc[1]]["label"])
    if head == "outcomes":
        oc = proposal["outcomes"][loc[1]]
        if len(loc) >= 5 and loc[2] == "unit_costs":
            return str(oc["label"]), f"units of '{oc['unit_costs'][loc[3]]['unit_cost']}' per event"
        return str(oc["label"]), str(loc[2]).replace("_", " ")
    if head == "financing":
        return "Financing", str(loc[-1]).replace("_", " ")
    return str(head), ".".join(str(p) for p in loc[1:])


def assumption_rows(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per figure in use: group, name, field path, value, unit, price year, the source's
    title/publisher/year/url and grade (or ``assumption`` with its reason), and any note."""
    proposal = scenario.proposal.model_dump(mode="json")
    sources = scenario.sources
    rows: list[dict[str, Any]] = []

    def add(group: str, name: str, path: str, value: Any, unit: str, price_year: Any, d: dict[str, Any]):
        src_id = d.get("source")
        src = sources.get(src_id) if src_id else None
        grade = d.get("grade") or (src.grade if src else ("assumption" if d.get("assumption") else ""))
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
            }
        )

    for loc, d in walk_mappings(proposal):
        if "unit" in d and ("value" in d or "values" in d) and ("source" in d or "assumption" in d):
            group, name = _where(proposal, loc)
            value = d.get("value", d.get("values"))
            add(group, name, ".".join(str(p) for p in loc), value, d["unit"], d.get("price_year"), d)

    for uc_id, uc in scenario.unit_costs.items():
        d = uc.model_dump(mode="json")
        split = ", ".join(f"{b.agency} £{b.value:,.2f}" for b in uc.bearers)
        total = sum(b.value for b in uc.bearers)
        add(
            "Unit costs",
            f"{uc.label} (per {uc.per}; {split})",
            f"unit_costs.{uc_id}",
            round(total, 2),
            "GBP_per_unit",
            uc.price_year,
            d,
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
        f"Deflator: {dfl.label} ({dfl.vintage})",
        "appraisal.deflator",
        dfl.id,
        "index",
        None,
        {"source": dfl.source, "note": dfl.note},
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
