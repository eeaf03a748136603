"""An options appraisal in words and tables: the JSON every surface reads, the text table, the CSV,
and the appraisal summary table (Markdown here; HTML and PDF in :mod:`costmodel.export.options_export`).

Every surface is written from :func:`options_dict` (money rounded to the penny once, there), so the
summary, the CLI's JSON and CSV and the workbook show the same numbers.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..appraisal.engine import MONEY_TOLERANCE
from ..appraisal.options import fiscal_return
from ..formatting import MINUS, fy_label, fy_span, money, percent, ratio
from ..uncertainty.precision import percentile_standard_error, proportion_standard_error
from .csv_safety import safe_row
from .input_values import format_value
from .jsonsafe import json_number, json_series
from .markup import inline, literal
from .uncertainty_report import chance

if TYPE_CHECKING:
    from ..appraisal.options import OptionResult, OptionsAppraisal
    from ..uncertainty.options import OptionsSimulation, OptionSwitch, OptionTornadoBar

DIRECTION_WORDS = {
    "positive": "leaving it out understates the value",
    "negative": "leaving it out overstates the value",
    "uncertain": "either way",
}

TORNADO_SHOWN = 2
"""Tornado bars per option the table shows (the largest swings; the two-page summary shows one); JSON and
the workbook carry every one."""

SWITCHES_SHOWN = 6
"""Switching values the summary shows (the nearest to their central values); JSON and the workbook
carry every one."""

BASELINE_CHANCE = "\u2014 (baseline)"
"""Business as usual's own cell for the chance of beating BAU: it is the baseline, not a 0% chance."""

BASELINE_REASON = (
    "Business as usual is the baseline every option is measured against: it cannot beat itself, so there "
    "is no chance to give (not a 0% chance)."
)
"""The JSON's ``beats_bau_reason`` for business as usual (null for every other entry)."""

ITSELF_CHANCE = "\u2014 (itself)"
"""An entry's own cell in the pairwise rows (the chance of beating itself): no chance to give, not 0%."""

ITSELF_REASON = (
    "An entry cannot beat itself: its own column in the rows of beating each other entry has no chance "
    "to give (not a 0% chance)."
)
"""The JSON's ``beats_itself_reason``, beside ``beats_itself`` (null) for every entry."""


def _m(x: float) -> float:
    return json_number(x, places=2)


def _verdict(e: OptionResult, test_name: str) -> str:
    inc = e.incremental
    if e.role == "bau":
        return "BAU: the reference every option is measured against."
    verb = "passes" if e.passes else "does not pass"
    counted = abs(inc.npv_committed_counted) > MONEY_TOLERANCE
    tail = f", {money(_m(inc.npv_committed_counted))} committed beyond the horizon" if counted else ""
    text = (
        f"{e.name} {verb} {test_name} against BAU: incremental NPV {money(_m(inc.npv_counted))} "
        f"({money(_m(inc.npv_firm))} in the firm-budget years, {money(_m(inc.npv_beyond))} beyond{tail})."
    )
    if counted:
        text += (
            " The committed tail (savings that intakes within the horizon go on producing after it) is counted "
            "because its proposal's file says appraisal.count_committed; over the horizon alone the incremental "
            f"NPV is {money(_m(inc.npv))}."
        )
    elif abs(inc.npv_committed) > MONEY_TOLERANCE:
        text += (
            f" Not counted: {money(_m(inc.npv_committed))} committed beyond the horizon (no proposal's file "
            "sets appraisal.count_committed)."
        )
    if e.unadjusted is not None:
        flip = "" if e.passes_unadjusted == e.passes else "; the risk adjustment changes the verdict"
        text += f" Before optimism bias: {money(_m(e.unadjusted.npv_counted))}{flip}."
    return text


def _tornado_dict(bar: OptionTornadoBar) -> dict[str, Any]:
    return {
        "input": bar.input.id,
        "label": bar.input.label,
        "unit": bar.input.unit,
        "central": json_number(bar.input.central),
        "low": json_number(bar.input.low),
        "high": json_number(bar.input.high),
        "low_text": format_value(bar.input, bar.input.low),
        "high_text": format_value(bar.input, bar.input.high),
        "incremental_npv_low": _m(bar.incremental_npv_low),
        "incremental_npv_high": _m(bar.incremental_npv_high),
        "swing": _m(bar.swing),
    }


def _entry_dict(
    a: OptionsAppraisal,
    k: int,
    sim: OptionsSimulation | None,
    test_name: str,
    tornado: list[OptionTornadoBar] | None = None,
) -> dict[str, Any]:
    e = a.entries[k]
    inc = e.incremental
    dr = e.dual_running
    cum = inc.cash_net.cumsum()
    out: dict[str, Any] = {
        "id": e.id,
        "name": e.name,
        "role": e.role,
        "description": e.entry.spec.description,
        "proposals": [
            {"file": p, "id": r.scenario.proposal.id, "inputs_sha256": r.scenario.inputs_sha256}
            for p, r in zip(e.entry.paths, e.results, strict=True)
        ],
        "edits": {
            p: {"value": ed.value, "source": ed.source, "assumption": ed.assumption}
            for p, ed in e.entry.spec.edits.items()
        },  # fmt: skip
        "incremental": {
            "pv_costs": _m(inc.pv_costs),
            "pv_savings": _m(inc.pv_savings),
            "pv_cashable": _m(inc.pv_cashable),
            "pv_non_cashable": _m(inc.pv_savings - inc.pv_cashable),
            "npv": _m(inc.npv),
            "npv_firm": _m(inc.npv_firm),
            "npv_beyond": _m(inc.npv_beyond),
            "npv_committed": _m(inc.npv_committed),
            "npv_committed_counted": _m(inc.npv_committed_counted),
            "npv_counted": _m(inc.npv_counted),
            # a cut's part of the increment, inside pv_costs: money released (negative: a budget kept
            # that BAU's cut releases) and closure costs
            "pv_money_released": _m(inc.pv_released),
            "pv_closure_costs": _m(inc.pv_closure),
            "fiscal_return_on_investment": json_number(e.fiscal_return, places=4),
            "layers": {
                "fiscal": {
                    "pv_benefits": _m(inc.pv_savings),
                    "pv_costs": _m(inc.pv_costs),
                    "npv": _m(inc.npv),
                    "pv_cashable": _m(inc.pv_cashable),
                    "pv_non_cashable": _m(inc.pv_savings - inc.pv_cashable),
                },
                "economic": {"pv_benefits": _m(inc.pv_economic)},
                "social": {"pv_benefits": _m(inc.pv_social), "pv_wellbeing": _m(inc.pv_wellbeing)},
            },
            "public_value": {
                "net_present_public_value": _m(inc.net_present_public_value),
                "benefit_cost_ratio": json_number(inc.benefit_cost_ratio, places=4),
            },
            "ten_year_test": {"passes": e.passes, "verdict": _verdict(e, test_name)},
            "by_budget_holder": {
                aid: {"pv_costs": _m(c), "pv_savings": _m(s), "npv": _m(n)}
                for aid, c, s, n in zip(
                    a.agency_ids,
                    inc.pv_costs_by_agency,
                    inc.pv_savings_by_agency,
                    inc.pv_net_by_agency,
                    strict=True,
                )
            },
            "dual_running": {
                "peak_funding_requirement": _m(dr.peak_funding_requirement),
                "peak_year": None if dr.peak_year is None else a.years[dr.peak_year],
                "years": dr.years,
                "ends_within_horizon": dr.ends_within_horizon,
                "cash_break_even_year": None if dr.break_even_year is None else a.years[dr.break_even_year],
            },
            "cash": {
                "costs": json_series(inc.cash_costs, places=2),
                "cashable": json_series(inc.cash_cashable, places=2),
                "net": json_series(inc.cash_net, places=2),
                "cumulative": json_series(cum, places=2),
            },
        },
        "unadjusted": None
        if e.unadjusted is None
        else {
            "pv_costs": _m(e.unadjusted.pv_costs),
            "pv_savings": _m(e.unadjusted.pv_savings),
            "npv": _m(e.unadjusted.npv),
            "npv_firm": _m(e.unadjusted.npv_firm),
            "npv_beyond": _m(e.unadjusted.npv_beyond),
            "npv_counted": _m(e.unadjusted.npv_counted),
            "fiscal_return_on_investment": json_number(
                None
                if e.unadjusted.releases_money
                else fiscal_return(e.unadjusted.pv_savings, e.unadjusted.pv_costs),
                places=4,
            ),
            "net_present_public_value": _m(e.unadjusted.net_present_public_value),
            "passes": e.passes_unadjusted,
        },
        "absolute": {
            "pv_costs": _m(e.absolute.pv_costs),
            "pv_savings": _m(e.absolute.pv_savings),
            "npv": _m(e.absolute.npv),
        },  # fmt: skip
    }
    if tornado is not None:
        out["tornado"] = [_tornado_dict(b) for b in tornado if b.entry == e.id]
    if sim is not None:
        p = sim.p_beats_bau
        beats = sim.p_beats
        pct = sim.incremental_percentiles()
        pct_se = percentile_standard_error(sim.incremental[:, k], (5, 50, 95))
        baseline = e.role == "bau"  # BAU against itself: no chance to give (null, with the reason)
        out["probability"] = {
            "draws": sim.draws,
            "beats_bau": None if baseline else json_number(p[k], places=4),
            "beats_bau_standard_error": None
            if baseline
            else json_number(float(proportion_standard_error(p[k], sim.draws)), places=4),
            "beats_bau_reason": BASELINE_REASON if baseline else None,
            "beats": {
                other.id: json_number(beats[k, j], places=4) for j, other in enumerate(a.entries) if j != k
            },
            "beats_standard_error": {
                other.id: json_number(float(proportion_standard_error(beats[k, j], sim.draws)), places=4)
                for j, other in enumerate(a.entries)
                if j != k
            },
            # the pairwise rows' own cell: an entry against itself (the table shows a dash, not 0%)
            "beats_itself": None,
            "beats_itself_reason": ITSELF_REASON,
            "incremental_npv_p5": _m(pct[0, k]),
            "incremental_npv_p50": _m(pct[1, k]),
            "incremental_npv_p95": _m(pct[2, k]),
            "incremental_npv_p5_standard_error": _m(pct_se[0]),
            "incremental_npv_p50_standard_error": _m(pct_se[1]),
            "incremental_npv_p95_standard_error": _m(pct_se[2]),
        }
    return out


def _switch_dict(sw: OptionSwitch) -> dict[str, Any]:
    return {
        "leader": sw.leader,
        "other": sw.other,
        "input": sw.input.id,
        "label": sw.input.label,
        "unit": sw.input.unit,
        "central": json_number(sw.input.central),
        "value": json_number(sw.value),
        "central_text": format_value(sw.input, sw.input.central),
        "value_text": None if sw.value is None else format_value(sw.input, sw.value),
        "relative_change": json_number(sw.relative_change, places=4),
        "gap": _m(sw.gap),
        "method": sw.method,
    }


def _switch_order(sw: OptionSwitch) -> tuple[int, float]:
    rel = sw.relative_change
    return (0, abs(rel)) if rel is not None else (1 if sw.value is not None else 2, 0.0)


def _unmonetised(a: OptionsAppraisal) -> list[dict[str, Any]]:
    """The options file's unmonetised impacts, then each proposal's (once each, naming where from)."""
    out = [{**u.model_dump(mode="json"), "from": "options file"} for u in a.options.file.unmonetised]
    seen = {u["impact"] for u in out}
    for e in a.entries:
        for r in e.results:
            for u in r.scenario.proposal.unmonetised:
                if u.impact not in seen:
                    seen.add(u.impact)
                    out.append({**u.model_dump(mode="json"), "from": r.scenario.proposal.id})
    return out


def options_dict(
    a: OptionsAppraisal,
    sim: OptionsSimulation | None = None,
    switches: list[OptionSwitch] | None = None,
    tornado: list[OptionTornadoBar] | None = None,
) -> dict[str, Any]:
    """The JSON object of ``costmodel options --format json``: every figure of every surface."""
    o = a.options
    f = o.file
    first = next(r for e in a.entries for r in e.results)
    test_name = first.test_name
    return {
        "options_file": o.path,
        "id": f.id,
        "title": f.title,
        "description": f.description,
        "area": f.area,
        "basis": {
            "first_year": o.first_year,
            "horizon_years": o.horizon_years,
            "firm_budget_years": o.firm_budget_years,
            "price_base_year": o.price_base_year,
            "discount_year": o.discount_year,
            "discount_schedule": first.scenario.schedule.label,
            "deflator": first.scenario.deflator.describe(),
            "central_case": (
                "risk-adjusted for optimism bias (every entry's proposals, BAU's included, made less favourable), "
                "the NPV before it beside; the verdict is fiscal"
                if a.risk_adjusted
                else "before optimism bias (the files turn it off); the verdict is fiscal"
            ),
            "risk_adjusted": a.risk_adjusted,
        },
        "test_name": test_name,
        "scenario": o.scenario_name,
        "notes": [*o.notes, *_cut_notes(a)],
        "budget_holders": dict(zip(a.agency_ids, a.agency_names, strict=True)),
        "years": list(a.years),
        "entries": [_entry_dict(a, k, sim, test_name, tornado) for k in range(len(a.entries))],
        "committed_beyond_horizon": _committed_note(a),
        "simulation": None
        if sim is None
        else {
            "draws": sim.draws,
            "seed": sim.seed,
            "ranged_inputs": sim.ranged_inputs,
            "common_random_numbers": True,
        },  # fmt: skip
        "switching_values": [_switch_dict(s) for s in sorted(switches or [], key=_switch_order)],
        "key_risks": list(f.key_risks),
        "unmonetised": _unmonetised(a),
        "distributional": None
        if f.distributional is None
        else {"notes": f.distributional.notes, "tags": list(f.distributional.tags)},
        "sources": [s.model_dump(mode="json") for s in f.sources],
    }


def _committed_note(a: OptionsAppraisal) -> dict[str, Any]:
    """Which proposal files count the savings committed beyond the horizon in the verdict, in words."""
    counting = a.committed_counting
    counted = [p for p, c in counting if c]
    if not counted:
        words = (
            "The verdicts rest on the NPV over the horizon: no proposal's file sets appraisal.count_committed, "
            "so savings committed beyond it are shown, not counted."
        )
    else:
        which = (
            "every proposal's file" if len(counted) == len(counting) else "the files of " + ", ".join(counted)
        )
        words = (
            f"The verdicts count the savings committed beyond the horizon where {which} says "
            "appraisal.count_committed (as costmodel run does). The probabilities, percentiles, tornado and "
            "switching values are on the NPV over the horizon: the committed tail is a central figure, not drawn."
        )
        if len(counted) != len(counting):
            words += " The files differ on this, so an option and BAU may be measured over different spans."
    return {"files": {p: c for p, c in counting}, "note": words}


def options_json(d: dict[str, Any]) -> str:
    return json.dumps(d, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def _cut_notes(a: OptionsAppraisal) -> list[str]:
    """What the increments are when BAU or an option is a cut (issue 12 §4), or nothing."""
    cuts = [e for e in a.entries if any(r.cut is not None for r in e.results)]
    if not cuts:
        return []
    bau = a.entries[0]
    who = (
        f"BAU is a cut ({bau.name})"
        if cuts[0] is bau
        else "Among the options, " + ", ".join(e.name for e in cuts) + (" is a cut" if len(cuts) == 1 else " are cuts")
    )
    text = (
        f"{who}: a cut's money released counts as a negative cost and the demand it shunts onto other budgets "
        "as negative savings, so against a BAU that cuts, a budget an option keeps is a cost (the budget kept) "
        "and the demand it avoids a saving."
    )
    releasing = [e.name for e in a.entries[1:] if e.incremental.releases_money]
    if releasing:
        text += (
            " No fiscal return on investment or benefit-cost ratio is shown for "
            + ", ".join(releasing)
            + (": it releases" if len(releasing) == 1 else ": each releases")
            + " money against BAU, and a ratio (demand shunted per £1 released) would read as better value "
            "the less it saves."
        )
    return [text]


# ---------------------------------------------------------------------------------------------
# Rows shared by the text table, the CSV, the workbook and the app
# ---------------------------------------------------------------------------------------------

Cell = float | int | str | bool | tuple[float, ...] | None
"""A cell's value; kind 'chance' is (probability, its standard error, draws), kind 'money±' is
(amount, its standard error)."""


def _chance(e: dict[str, Any], other: str | None) -> Cell:
    """(probability, standard error, draws) that entry ``e`` beats ``other`` (None: BAU), or None;
    :data:`BASELINE_CHANCE` for BAU against itself, :data:`ITSELF_CHANCE` for any other entry against
    itself."""
    p = e["probability"]
    if other is None:
        if p["beats_bau"] is None:  # BAU's own column: the baseline, shown as a dash, never "0.0%"
            return BASELINE_CHANCE
        return (p["beats_bau"], p["beats_bau_standard_error"], p["draws"])
    if other == e["id"]:  # an entry's own column in the pairwise rows: a dash, never a blank or "0.0%"
        return ITSELF_CHANCE
    if other not in p["beats"]:
        return None
    return (p["beats"][other], p["beats_standard_error"][other], p["draws"])


def _percentile(e: dict[str, Any], q: int) -> Cell:
    p = e["probability"]
    return (p[f"incremental_npv_p{q}"], p[f"incremental_npv_p{q}_standard_error"])


def _cut_rows(es: list[dict[str, Any]]) -> list[tuple[str, str, list[Cell]]]:
    """The cut's part of the incremental costs, where any entry's increment has one: the budget kept
    (+, a cost) or released (−), and the closure costs."""
    released = [e["incremental"]["pv_money_released"] for e in es]
    closure = [e["incremental"]["pv_closure_costs"] for e in es]
    if all(abs(x) <= MONEY_TOLERANCE for x in [*released, *closure]):
        return []
    return [
        ("  of which budget kept from a cut (+) or released by one (−)", "money", [-x for x in released]),
        ("  of which closure costs of a cut (− = avoided)", "money", closure),
    ]


def options_rows(d: dict[str, Any]) -> tuple[list[str], list[tuple[str, str, list[Cell]]]]:
    """Header (entry names) and rows (label, kind, values); kind is 'money', 'ratio', 'probability'
    or 'text'. Figures are incremental against BAU."""
    es = d["entries"]
    rows: list[tuple[str, str, list[Cell]]] = [
        ("Role", "text", [e["role"].replace("_", "-") if e["role"] != "bau" else "BAU" for e in es]),
        ("Incremental PV costs", "money", [e["incremental"]["pv_costs"] for e in es]),
        *_cut_rows(es),
        ("Incremental PV savings (fiscal)", "money", [e["incremental"]["pv_savings"] for e in es]),
        ("  of which cashable", "money", [e["incremental"]["pv_cashable"] for e in es]),
        ("Incremental NPV (fiscal)", "money", [e["incremental"]["npv"] for e in es]),
        ("  firm-budget years", "money", [e["incremental"]["npv_firm"] for e in es]),
        ("  years beyond", "money", [e["incremental"]["npv_beyond"] for e in es]),
        ("  before optimism bias", "money", [(e["unadjusted"] or e["incremental"])["npv"] for e in es]),
        ("Fiscal return on investment", "ratio", [e["incremental"]["fiscal_return_on_investment"] for e in es]),
        (f"Passes {d['test_name']} against BAU", "text",
         ["reference" if e["role"] == "bau" else ("yes" if e["incremental"]["ten_year_test"]["passes"] else "no")
          for e in es]),
        ("Peak dual-running funding (cash)", "money",
         [e["incremental"]["dual_running"]["peak_funding_requirement"] for e in es]),
        ("Cumulative cash net at the end", "money", [e["incremental"]["cash"]["cumulative"][-1] for e in es]),
    ]  # fmt: skip
    if d["simulation"] is not None:
        rows.append(("P(beats BAU)", "chance", [_chance(e, None) for e in es]))
        for other in es[1:]:
            rows.append((f"P(beats {other['name']})", "chance", [_chance(e, other["id"]) for e in es]))
    for aid, name in d["budget_holders"].items():
        rows.append((f"NPV: {name}", "money", [e["incremental"]["by_budget_holder"][aid]["npv"] for e in es]))
    return [e["name"] for e in es], rows


def cell_text(kind: str, v: Cell) -> str:
    if v is None:
        return "n/a" if kind not in ("probability", "chance") else ""
    if isinstance(v, tuple):
        if kind == "chance":
            return chance(float(v[0]), float(v[1]), int(v[2]))
        return f"{money(float(v[0]))} ± {money(float(v[1]))}"
    if kind in ("money", "net"):
        return money(float(v))
    if kind == "ratio":
        return ratio(float(v))
    if kind == "probability":
        return percent(float(v))
    return str(v)


def options_table(d: dict[str, Any]) -> str:
    header, rows = options_rows(d)
    table = [["", *header]] + [[label, *(cell_text(kind, v) for v in vals)] for label, kind, vals in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = [
        "  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r))
        for r in table
    ]
    lines.insert(1, "-" * len(lines[0]))
    title = f"{d['title']}\nAgainst BAU ({d['entries'][0]['name']}); figures are incremental: each option minus BAU.\n"
    sim = d["simulation"]
    tail = [*d["notes"]]
    if sim is not None:
        tail.append(
            f"Probabilities from {sim['draws']:,} draws (seed {sim['seed']}) of {sim['ranged_inputs']} ranged "
            "inputs, the same draws for every option (common random numbers)."
        )
    tail.append(d["committed_beyond_horizon"]["note"])
    tail += tornado_sentences(d)
    for s in shown_switches(d):
        tail.append(switch_sentence(d, s))
    return title + "\n" + "\n".join(lines) + "\n\n" + "".join(f"{t}\n" for t in tail)


def options_csv(d: dict[str, Any]) -> str:
    header, rows = options_rows(d)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(safe_row(["measure", *[e["id"] for e in d["entries"]]]))
    w.writerow(safe_row(["name", *header]))

    def plain(v: Cell) -> Cell:
        return "" if v is None else (repr(v) if isinstance(v, float) else v)

    for label, kind, vals in rows:
        if kind == "chance":  # the probability, then its standard error, each a number (empty: none)
            w.writerow(safe_row([label.strip(), *(plain(v[0] if isinstance(v, tuple) else None) for v in vals)]))
            w.writerow(
                safe_row(
                    [
                        f"{label.strip()} standard error",
                        *(plain(v[1] if isinstance(v, tuple) else None) for v in vals),
                    ]
                )
            )
            continue
        w.writerow(safe_row([label.strip(), *(plain(v) for v in vals)]))
    return buf.getvalue()


def _entry_name(d: dict[str, Any], id: str) -> str:
    return next(e["name"] for e in d["entries"] if e["id"] == id)


def shown_switches(d: dict[str, Any], per_pair: int = 2) -> list[dict[str, Any]]:
    """The switching values a summary shows: the nearest ``per_pair`` for each other entry, leader first
    against the runner-up (at most :data:`SWITCHES_SHOWN`)."""
    by_npv = sorted(d["entries"], key=lambda e: -e["incremental"]["npv"])
    order = {e["id"]: k for k, e in enumerate(by_npv)}
    picked: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    for s in d["switching_values"]:  # already nearest first
        if s["value"] is not None and counts.get(s["other"], 0) < per_pair:
            picked.append(s)
            counts[s["other"]] = counts.get(s["other"], 0) + 1
    picked.sort(key=lambda s: order[s["other"]])
    return picked[:SWITCHES_SHOWN]


def tornado_sentences(d: dict[str, Any], per_option: int = TORNADO_SHOWN) -> list[str]:
    """The largest swings of each option's incremental NPV against BAU (the tornado), in words."""
    out = []
    for e in d["entries"][1:]:
        for b in e.get("tornado", [])[:per_option]:
            out.append(
                f"{e['name']}: {b['label']} from {b['low_text']} to {b['high_text']} moves its incremental NPV "
                f"from {money(b['incremental_npv_low'])} to {money(b['incremental_npv_high'])}."
            )
    return out


def switch_sentence(d: dict[str, Any], s: dict[str, Any]) -> str:
    """One switching value between options in words."""
    lead, other = _entry_name(d, s["leader"]), _entry_name(d, s["other"])
    what = f"{s['label']} ({s['central_text']})"
    if s["value"] is None:
        return f"{lead} stays ahead of {other} whatever the value of {what} within its allowed range."
    rel = s["relative_change"]
    change = f" ({'+' if rel > 0 else ''}{percent(rel, 0).replace('-', MINUS)})" if rel is not None else ""
    return f"{lead} stays ahead of {other} unless {what} moves to {s['value_text']}{change}."


# ---------------------------------------------------------------------------------------------
# The appraisal summary table (Green Book layout)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SummarySection:
    title: str
    rows: list[tuple[str, str, list[Cell]]]  # label, kind, one value per entry


@dataclass(frozen=True)
class SummaryContent:
    title: str
    area: str
    description: str
    basis: str
    columns: list[str]
    descriptions: list[str]
    sections: list[SummarySection]
    switches: list[str]
    tornado: list[str]
    risks: list[str]
    unmonetised: list[str]
    distributional: str
    tags: list[str]
    notes: list[str] = field(default_factory=list)
    proposals: list[str] = field(default_factory=list)


def summary_content(d: dict[str, Any]) -> SummaryContent:
    """The appraisal summary table's content, from :func:`options_dict` only."""
    es = d["entries"]
    b = d["basis"]

    def inc(key: str) -> list[Cell]:
        return [e["incremental"][key] for e in es]

    def layer(name: str) -> list[Cell]:
        return [e["incremental"]["layers"][name]["pv_benefits"] for e in es]

    def public(key: str) -> list[Cell]:
        return [e["incremental"]["public_value"][key] for e in es]

    value = SummarySection(
        "Net present value against BAU, by value layer",
        [
            ("PV costs to the public sector", "money", inc("pv_costs")),
            ("PV savings: cashable (saves the public purse)", "money", inc("pv_cashable")),
            ("PV savings: non-cashable (frees capacity)", "money", inc("pv_non_cashable")),
            ("Net present value (fiscal)", "net", inc("npv")),
            *(
                [("  before optimism bias (unadjusted)", "net", [e["unadjusted"]["npv"] for e in es])]
                if all(e["unadjusted"] is not None for e in es)
                else []
            ),
            ("Fiscal return on investment (savings per £1)", "ratio", inc("fiscal_return_on_investment")),
            ("PV economic layer (output and earnings)", "net", layer("economic")),
            ("PV social layer (harm avoided, wellbeing)", "net", layer("social")),
            ("Net present public value (all layers)", "net", public("net_present_public_value")),
            ("Benefit-cost ratio (public value)", "ratio", public("benefit_cost_ratio")),
        ],
    )
    verdicts_unadjusted: list[Cell] = (
        [
            "reference"
            if e["role"] == "bau"
            else ("passes" if e["unadjusted"]["passes"] else "does not pass")
            for e in es
        ]
        if all(e["unadjusted"] is not None for e in es)
        else []
    )
    ten = SummarySection(
        f"{d['test_name'][0].upper()}{d['test_name'][1:]} (fiscal)",
        [
            ("Verdict against BAU", "text",
             ["reference" if e["role"] == "bau" else ("passes" if e["incremental"]["ten_year_test"]["passes"]
                                                      else "does not pass") for e in es]),
            *([("Verdict before optimism bias", "text", verdicts_unadjusted)] if verdicts_unadjusted else []),
            ("NPV, firm-budget years", "net", inc("npv_firm")),
            ("NPV, years beyond", "net", inc("npv_beyond")),
            ("Peak dual-running funding (cash)", "money",
             [e["incremental"]["dual_running"]["peak_funding_requirement"] for e in es]),
            ("Cash break-even year", "text",
             ["reference" if e["role"] == "bau"
              else (fy_label(y) if (y := e["incremental"]["dual_running"]["cash_break_even_year"]) is not None
                    else "not within horizon") for e in es]),
        ],
    )  # fmt: skip
    holders = SummarySection(
        "Who pays and who saves (NPV against BAU by budget holder)",
        [(name, "net", [e["incremental"]["by_budget_holder"][aid]["npv"] for e in es])
         for aid, name in d["budget_holders"].items()
         if any(abs(e["incremental"]["by_budget_holder"][aid]["npv"]) >= 0.5 for e in es)],
    )  # fmt: skip
    sections = [value, ten, holders]
    if d["simulation"] is not None:
        sim = d["simulation"]
        rows: list[tuple[str, str, list[Cell]]] = [
            ("Probability of beating BAU", "chance", [_chance(e, None) for e in es]),
            ("Incremental NPV, 5th percentile", "money±", [_percentile(e, 5) for e in es]),
            ("Incremental NPV, 95th percentile", "money±", [_percentile(e, 95) for e in es]),
        ]
        for other in es[1:]:
            rows.append(
                (f"Probability of beating {other['name']}", "chance", [_chance(e, other["id"]) for e in es])
            )
        sections.append(
            SummarySection(
                f"Uncertainty ({sim['draws']:,} draws, seed {sim['seed']}, the same draws for every option; "
                "± one Monte Carlo standard error)",
                rows,
            )
        )
    dist = d["distributional"] or {}
    last = b["first_year"] + b["horizon_years"] - 1
    return SummaryContent(
        title=d["title"],
        area=d["area"],
        description=d["description"],
        basis=(
            f"{fy_span(b['first_year'], last)}, {fy_label(b['price_base_year'])} prices, discounted to "
            f"{fy_label(b['discount_year'])}; {b['firm_budget_years']} firm-budget years. Central case: "
            f"{b['central_case']}."
        ),
        columns=[e["name"] for e in es],
        descriptions=[e["description"] or "" for e in es],
        sections=sections,
        switches=[switch_sentence(d, s) for s in shown_switches(d)],
        tornado=tornado_sentences(d, per_option=1),
        risks=list(d["key_risks"]),
        unmonetised=[
            f"{u['impact']} ({DIRECTION_WORDS[u['direction']]}; {u['from']}): {u['evidence']}"
            for u in d["unmonetised"]
        ],
        distributional=dist.get("notes") or "",
        tags=list(dist.get("tags") or []),
        notes=[*d["notes"], d["committed_beyond_horizon"]["note"]],
        proposals=sorted({f"{p['id']} ({p['file']})" for e in es for p in e["proposals"]}),
    )


def summary_markdown(c: SummaryContent) -> str:
    """The appraisal summary table as Markdown (text from files escaped, never markup)."""
    out = [f"# Appraisal summary: {literal(c.title)}", "", f"{literal(c.area)}. {inline(c.basis)}", ""]
    head = "| | " + " | ".join(literal(n) for n in c.columns) + " |"
    rule = "|---|" + "---:|" * len(c.columns)
    for s in c.sections:
        out += [f"## {inline(s.title)}", "", head, rule]
        for label, kind, vals in s.rows:
            cells = " | ".join(literal(cell_text(kind, v)) for v in vals)
            out.append(f"| {literal(label.strip())} | {cells} |")
        out.append("")
    for title, items in (
        ("Switching values between options", c.switches),
        ("What moves each option against BAU most (tornado)", c.tornado),
        ("Key risks and uncertainties", c.risks),
        ("Unmonetised impacts", c.unmonetised),
    ):
        out += [f"## {title}", ""] + [f"- {inline(x)}" for x in items or ["none recorded"]] + [""]
    out += ["## Distributional notes", "", inline(c.distributional or "none recorded")]
    if c.tags:
        out += ["", "Tags: " + ", ".join(literal(t) for t in c.tags)]
    out += ["", "## Basis", ""] + [f"- {inline(n)}" for n in c.notes]
    out += ["", "Proposals: " + "; ".join(literal(p) for p in c.proposals), ""]
    return "\n".join(out)
