"""JSON and table output of ``costmodel sensitivity`` and ``costmodel simulate`` (see docs/uncertainty.md)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..formatting import fy_label, money, percent, plural
from ..uncertainty.compile import UncertainInput
from ..uncertainty.limits import MAX_DRAWS
from ..uncertainty.montecarlo import Simulation
from ..uncertainty.sensitivity import Sensitivity, SwitchingValue
from .input_values import deflator_case_label, format_value, rate_case_label
from .jsonsafe import json_number
from .optimism_words import basis_words, correction_fields, direction_words
from .pooled_draws import pooled_to_dict

if TYPE_CHECKING:
    import pandas as pd
    from numpy.typing import NDArray

    F = NDArray[np.float64]


def _p(x: float | np.floating[Any]) -> float:
    """Money to the penny, for JSON. [£]"""
    return json_number(x, places=2)


def _who(agency: str, names: dict[str, str]) -> str:
    return "the whole public sector" if agency == "total" else names.get(agency, agency)


def _domain_text(inp: UncertainInput) -> str:
    if inp.domain_high >= 1e9:
        return f"of {format_value(inp, inp.domain_low)} or more"
    return f"between {format_value(inp, inp.domain_low)} and {format_value(inp, inp.domain_high)}"


def switching_reason(v: SwitchingValue, names: dict[str, str]) -> str | None:
    """Why ``v`` has no switching value, in words (None when it has one): the sentences of
    ``costmodel sensitivity``, its JSON and the app's switching-value table."""
    why = v.why_none
    if why is None:
        return None
    npv_of = f"the NPV of {_who(v.agency, names)}"
    inp = v.input
    if why.kind == "unchanged":
        return f"{npv_of} does not change with this input"
    if why.kind == "zero_only_at_edge":
        assert why.at is not None
        return f"{npv_of} is zero only at {format_value(inp, why.at)} and {why.side} for every other value"
    if why.kind == "whole_years_same_side":
        return f"{npv_of} stays {why.side} for every whole number of years {_domain_text(inp)}"
    text = f"no value {_domain_text(inp)} brings {npv_of} to zero: it stays {why.side}"
    if why.at is None:
        return text
    # the straight line crosses zero outside what the input can be (a negative cohort, a rate above 100%):
    # say which end it stays on the same side at, not the impossible number
    edge = inp.domain_low if why.at < inp.domain_low else inp.domain_high
    if edge >= 1e9:
        return text
    return f"{text}, even at {format_value(inp, edge)}"


def change_from_central(value: float | None, central: float) -> str:
    """How far a switching value is from the central value: a percentage up to a doubling, then a
    multiple ('×12.6'); a value of the opposite sign says so ('opposite sign'), not '−355%'.

    >>> change_from_central(321, 303), change_from_central(24_200, 2_000), change_from_central(-0.255, 0.10)
    ('+6%', '×12.1', 'opposite sign')
    >>> change_from_central(None, 1.0), change_from_central(5, 0)
    ('', '')
    """
    if value is None or central == 0:
        return ""
    ratio = value / central
    if ratio < 0:
        return "opposite sign"
    if ratio >= 2:
        return f"×{ratio:,.1f}"
    return f"{ratio - 1:+,.0%}"


def switching_table(values: Sequence[SwitchingValue], names: dict[str, str]) -> pd.DataFrame:
    """One row per key input and budget (the whole public sector first, then each agency): the value at
    which that NPV reaches zero, how far that is from the central value, or why no value does."""
    import pandas as pd

    from .uncertainty_tables import TOTAL

    rows = []
    for v in values:
        inp = v.input
        change = change_from_central(v.value, inp.central)
        reason = switching_reason(v, names) or ""
        rows.append(
            {
                "Whose NPV": TOTAL if v.agency == "total" else names.get(v.agency, v.agency),
                "Input": inp.label,
                "Id": inp.id,
                "Central": format_value(inp, inp.central),
                "Switching value": format_value(inp, v.value) if v.value is not None else "none",
                "Change from central": change,
                "Why none": reason[:1].upper() + reason[1:],
            }
        )
    columns = ["Whose NPV", "Input", "Id", "Central", "Switching value", "Change from central", "Why none"]
    return pd.DataFrame(rows, columns=columns)


def _input_head(inp: UncertainInput) -> dict[str, Any]:
    return {"input": inp.id, "label": inp.label, "unit": inp.unit}


def sensitivity_to_dict(s: Sensitivity) -> dict[str, Any]:
    r = s.result
    ids = list(r.structure.agency_ids)
    names = {a.id: a.name for a in r.scenario.agencies}
    return {
        "proposal": r.scenario.proposal.id,
        "inputs_sha256": r.scenario.inputs_sha256,
        "price_base_year": fy_label(r.structure.price_base_year),
        "discount_schedule": r.scenario.schedule.id,
        "npv": _p(r.npv),
        "agencies": [
            {"id": a, "name": names[a], "npv": _p(v)} for a, v in zip(ids, r.pv_net_by_agency, strict=True)
        ],
        "tornado": [
            {
                **_input_head(b.input),
                "low": b.input.low,
                "central": b.input.central,
                "high": b.input.high,
                "npv_low": _p(b.npv_low),
                "npv_high": _p(b.npv_high),
                "swing": _p(b.swing),
                "agencies": [
                    {"id": a, "npv_low": _p(lo), "npv_high": _p(hi)}
                    for a, lo, hi in zip(ids, b.npv_low_by_agency, b.npv_high_by_agency, strict=True)
                ],
            }
            for b in s.tornado.bars
        ],
        "switching_values": [
            {
                **_input_head(v.input),
                "central": v.input.central,
                "agency": v.agency,
                "value": v.value,
                "reason": switching_reason(v, names),
                "method": v.method,
            }
            for v in s.switching_values
        ],
        "discount_rates": [
            {
                "schedule": c.schedule,
                **({"rate": c.rate} if c.rate is not None else {}),
                "label": rate_case_label(c),
                "npv": _p(c.npv),
                "agencies": [{"id": a, "npv": _p(v)} for a, v in zip(ids, c.npv_by_agency, strict=True)],
            }
            for c in s.discount_rates
        ],
        "deflator_cases": [
            {
                "label": deflator_case_label(c),
                "inflation_shift": c.shift,
                "npv": _p(c.npv),
                "cash_net": _p(c.cash_net),
                "cash_peak_funding": _p(c.cash_peak),
            }
            for c in s.deflator_cases
        ],
        "optimism_bias": {
            "npv_without": _p(s.optimism.npv_without),
            "npv_with": _p(s.optimism.npv_with),
            "effect": _p(s.optimism.effect),
            "table_status": s.optimism.table_status,
            "table_note": s.optimism.table_note,
            "capital_category": s.optimism.capital_category,
            "agencies": [
                {"id": a, "npv_without": _p(w), "npv_with": _p(x)}
                for a, w, x in zip(ids, s.optimism.by_agency_without, s.optimism.by_agency_with, strict=True)
            ],
            "corrections": [
                {
                    **correction_fields(c),
                    "correction": c.correction,
                }
                for c in s.optimism.corrections
            ],
        },
    }


def sensitivity_json(s: Sensitivity) -> str:
    return json.dumps(sensitivity_to_dict(s), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def sensitivity_table(s: Sensitivity) -> str:
    r = s.result
    names = {a.id: a.name for a in r.scenario.agencies}
    lines = [
        f"{r.scenario.proposal.title}",
        f"Sensitivity · {fy_label(r.structure.price_base_year)} prices · {r.scenario.schedule.label}",
        f"Net present value (central): {money(r.npv)}",
        "",
        "Tornado: NPV with each ranged input at its low and high, others central (largest swing first)",
    ]
    w = max([len(b.input.id) for b in s.tornado.bars] + [10])
    lines.append(
        f"{'input':<{w}}  {'low':>10} {'central':>10} {'high':>10}  {'NPV at low':>11} {'NPV at high':>11}  {'swing':>9}"
    )
    for b in s.tornado.bars:
        i = b.input
        lines.append(
            f"{i.id:<{w}}  {format_value(i, i.low):>10} {format_value(i, i.central):>10} {format_value(i, i.high):>10}  "
            f"{money(b.npv_low):>11} {money(b.npv_high):>11}  {money(b.swing):>9}"
        )
    if not s.tornado.bars:
        lines.append("(no input has a range: add low/high to an assumption to see it here)")
    lines += [
        "",
        "Switching values: the value at which the NPV reaches zero (whole public sector, then each agency)",
    ]
    current = None
    for v in s.switching_values:
        if v.input.id != current:
            current = v.input.id
            lines.append(f"{v.input.id} (central {format_value(v.input, v.input.central)})")
        who = "whole public sector" if v.agency == "total" else names.get(v.agency, v.agency)
        text = format_value(v.input, v.value) if v.value is not None else f"none: {switching_reason(v, names)}"
        lines.append(f"    {who:<34} {text}")
    lines += ["", "Discount-rate sensitivity: NPV under each schedule"]
    rate_width = max([80, *(len(rate_case_label(c)) for c in s.discount_rates)])
    for c in s.discount_rates:
        lines.append(f"    {rate_case_label(c):<{rate_width}} {money(c.npv):>10}")
    if s.deflator_cases:
        rc = r.cash
        lines += [
            "",
            "Deflator sensitivity: general inflation moved after the last outturn year (the real NPV moves only",
            "through cash inputs; the cash view moves with every year's prices)",
            f"    {'case':<64} {'NPV':>10} {'net cash':>10} {'cash peak':>10}",
        ]
        if rc is not None:
            lines.append(
                f"    {'Central (' + r.scenario.deflator.id + ')':<64} {money(r.npv):>10} "
                f"{money(float(rc.net.sum())):>10} {money(rc.dual_running.peak_funding_requirement):>10}"
            )
        for d in s.deflator_cases:
            lines.append(
                f"    {deflator_case_label(d):<64} {money(d.npv):>10} {money(d.cash_net):>10} {money(d.cash_peak):>10}"
            )
    o = s.optimism
    lines += [
        "",
        "Optimism bias by evidence grade (every line made less favourable: costs up, benefits down; for a cut "
        "the money released down and the demand added up; capital lines by the Green Book table)",
        f"    NPV without {money(o.npv_without)}, with {money(o.npv_with)}: effect {money(o.effect, signed=True)}",
    ]
    for corr in o.corrections:
        lines.append(
            f"    {corr.line:<64} {direction_words(corr):<14} {percent(corr.correction, 0):>5}  ({basis_words(corr)})"
        )
    if o.table_status == "assumption":
        lines.append(
            "    Note: the grade percentages are a stated assumption, not a published table (see the table file)."
        )
    return "\n".join(lines) + "\n"


def chance(p: float, se: float, draws: int) -> str:
    """A probability with its Monte Carlo standard error in percentage points: '39.1% ± 0.5 points';
    when every draw or none passes the standard error is zero, so the count is shown instead.

    >>> chance(0.391, 0.00488, 10_000), chance(0.0, 0.0, 2_000), chance(1.0, 0.0, 500)
    ('39.1% ± 0.5 points', '0.0% (none of 2,000 draws)', '100.0% (all 500 draws)')
    """
    count = round(p * draws)
    if draws == 1:  # one draw has no standard error to speak of
        return f"{percent(p)} (one draw)"
    if count == 0:
        return f"{percent(0.0)} (none of {draws:,} draws)"
    if count == draws:
        return f"{percent(1.0)} (all {draws:,} draws)"
    points = se * 100
    return f"{percent(p)} ± {points:.1f} points" if points >= 0.05 else f"{percent(p)} ± {points:.2f} points"


def _money_se(value: float, se: float) -> str:
    """A percentile with its Monte Carlo standard error: '−£2.35m ± £80k'. [£]"""
    return f"{money(value)} ± {money(se)}"


def simulation_to_dict(
    sim: Simulation, names: dict[str, str] | None = None, partners: Sequence[str] = ()
) -> dict[str, Any]:
    p5, p50, p95 = sim.percentiles()
    s5, s50, s95 = sim.percentiles_se()
    ap = sim.agency_percentiles()
    aps = sim.agency_percentiles_se()
    pos = sim.p_npv_positive
    pos_se = sim.p_npv_positive_se
    names = names or {}
    out = {
        "draws": sim.draws,
        "seed": sim.seed,
        "max_draws": MAX_DRAWS,
        "optimism_bias": sim.optimism_bias,
        "deterministic_npv": _p(sim.deterministic_npv),
        "p_passes": sim.p_passes,
        "p_passes_se": json_number(sim.p_passes_se),
        "npv_percentiles": {"p5": _p(p5), "p50": _p(p50), "p95": _p(p95)},
        "npv_percentiles_se": {"p5": _p(s5), "p50": _p(s50), "p95": _p(s95)},
        "npv_mean": _p(np.mean(sim.npv)),
        "p_cash_break_even_within_firm_years": sim.p_cash_break_even_within_firm_years,
        "p_cash_break_even_within_firm_years_se": json_number(sim.p_cash_break_even_within_firm_years_se),
        "p_discounted_payback_within_firm_years": sim.p_discounted_payback_within_firm_years,
        "p_discounted_payback_within_firm_years_se": json_number(sim.p_discounted_payback_within_firm_years_se),
        "firm_budget_years": sim.firm_budget_years,
        "target_error": sim.target_error,
        "cap_reached": sim.cap_reached,
        "correlated_inputs": list(sim.correlated),
        "agencies": [
            {
                "id": a,
                "name": names.get(a, a),
                "p_npv_positive": float(pos[k]),
                "p_npv_positive_se": json_number(float(pos_se[k])),
                "npv_percentiles": {"p5": _p(ap[0, k]), "p50": _p(ap[1, k]), "p95": _p(ap[2, k])},
                "npv_percentiles_se": {"p5": _p(aps[0, k]), "p50": _p(aps[1, k]), "p95": _p(aps[2, k])},
            }
            for k, a in enumerate(sim.agency_ids)
        ],
        "inputs": [
            {
                "input": i.id,
                "low": i.low,
                "central": i.central,
                "high": i.high,
                "distribution": i.distribution or "triangular",
            }
            for i in sim.inputs
        ],
    }
    pooled = pooled_to_dict(sim, names, partners)
    if pooled is not None:
        out["pool"] = pooled
    return out


def simulation_json(sim: Simulation, names: dict[str, str] | None = None, partners: Sequence[str] = ()) -> str:
    return (
        json.dumps(simulation_to_dict(sim, names, partners), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )


def _draws_line(sim: Simulation) -> str:
    k = len(sim.inputs)
    varied = (
        f"{plural(k, 'ranged input')}, {len(sim.correlated)} of them correlated as the file declares (Gaussian copula)"
        if sim.correlated
        else f"{plural(k, 'ranged input')} varied independently"
    )
    return f"Monte Carlo: {plural(sim.draws, 'draw')}, seed {sim.seed}, {varied}"


def _target_line(sim: Simulation) -> str | None:
    if sim.target_error is None:
        return None
    target = f"{sim.target_error * 100:.2g} points"
    if sim.cap_reached:
        return (
            f"Target standard error {target} NOT reached: stopped at the cap of {sim.draws:,} draws "
            f"(the probability of passing has standard error {sim.p_passes_se * 100:.2f} points); "
            "raise --draws to go further"
        )
    return f"Drew blocks of draws until the probability of passing had a standard error of at most {target}"


def simulation_table(
    sim: Simulation, title: str = "", names: dict[str, str] | None = None, partners: Sequence[str] = ()
) -> str:
    names = names or {}
    n = sim.draws
    p5, p50, p95 = sim.percentiles()
    s5, s50, s95 = sim.percentiles_se()
    ap = sim.agency_percentiles()
    aps = sim.agency_percentiles_se()
    lines = [title, _draws_line(sim)]
    target = _target_line(sim)
    if target is not None:
        lines.append(target)
    def money_se(value: float, se: float) -> str:
        return money(value) if n == 1 else _money_se(value, se)  # one draw: no standard error

    if n > 1:
        lines.append(f"(± is the Monte Carlo standard error of {n:,} draws, not the uncertainty in the inputs)")
    lines += [
        f"NPV central (deterministic)            {money(sim.deterministic_npv)}"
        + ("  [optimism-bias corrections applied]" if sim.optimism_bias else ""),
        f"NPV P5 / P50 / P95                     {money_se(p5, s5)} / {money_se(p50, s50)} / {money_se(p95, s95)}",
        f"Probability of passing (NPV >= 0)      {chance(sim.p_passes, sim.p_passes_se, n)}",
        f"Cash break-even within firm years ({sim.firm_budget_years})  "
        f"{chance(sim.p_cash_break_even_within_firm_years, sim.p_cash_break_even_within_firm_years_se, n)}",
        f"Discounted payback within firm years   "
        f"{chance(sim.p_discounted_payback_within_firm_years, sim.p_discounted_payback_within_firm_years_se, n)}",
        "",
        f"{'Budget holder':<34} {'P(NPV >= 0)':>28} {'P5':>18} {'P50':>18} {'P95':>18}",
    ]
    pos_se = sim.p_npv_positive_se
    for k, a in enumerate(sim.agency_ids):
        lines.append(
            f"{names.get(a, a):<34} {chance(float(sim.p_npv_positive[k]), float(pos_se[k]), n):>28} "
            f"{money_se(ap[0, k], aps[0, k]):>18} {money_se(ap[1, k], aps[1, k]):>18} "
            f"{money_se(ap[2, k], aps[2, k]):>18}"
        )
    pooled = pooled_to_dict(sim, names, partners)
    if pooled is not None:
        lines += [
            "",
            "Pooled budget in every draw (the agreement's ranged contributions and charges drawn too; a formula's shares as agreed)",
            f"{'Party':<34} {'P(whole) before':>28} {'P(whole) after':>28}",
        ]
        for row in pooled["parties"]:
            lines.append(
                f"{row['name']:<34} {chance(row['p_whole_before']['p'], row['p_whole_before']['se'], n):>28} "
                f"{chance(row['p_whole_after']['p'], row['p_whole_after']['se'], n):>28}"
            )
        lines += [
            "",
            "Cash the agreement moves (PV of its payment schedule: cash contributions, cashable savings paid over,",
            "changes in charges; in kind moves none): net paid by each party (negative: received), and every payment",
            f"{'Party':<34} {'P5':>18} {'P50':>18} {'P95':>18}",
        ]

        def row_text(label: str, d: dict[str, Any]) -> str:
            se = d["se"]
            return (
                f"{label:<34} {money_se(d['p5'], se['p5']):>18} {money_se(d['p50'], se['p50']):>18} "
                f"{money_se(d['p95'], se['p95']):>18}"
            )

        for row in pooled["parties"]:
            lines.append(row_text(row["name"], row["cash_paid"]))
        lines.append(row_text("Every payment, in total", pooled["cash_moved"]))
        schedules = [row for row in pooled["parties"] if row["cash_paid_by_year"]]
        if schedules:
            lines += [
                "",
                "Cash paid under the agreement by year (cash of each year, net of what it receives; negative: receives)",
                f"{'Party / year':<34} {'P5':>18} {'P50':>18} {'P95':>18}",
            ]
            for row in schedules:
                lines.append(row["name"])
                for y in row["cash_paid_by_year"]:
                    lines.append(row_text(f"  {y.get('financial_year', 'year ' + str(y['year']))}", y))
    return "\n".join(lines) + "\n"
