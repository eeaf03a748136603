"""The headline measures of a Ten Year Test result, listed once for every surface.

:func:`headline_measures` gives each measure's key, its labels, its value and its text, with one
wording for each state (a year that is not reached within the horizon is always
:data:`NOT_WITHIN_HORIZON`; a ratio with no meaningful denominator is always "n/a"). The text table
of ``costmodel run``, ``costmodel compare``, the briefing and the app's Ten Year Test and Compare
pages read their figures from here; each surface chooses which measures it shows and whether it
uses the full or the short label.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..formatting import (
    cash_and_capacity,
    fy_label,
    fy_span,
    money,
    per_pound,
    percent,
    plural,
    ratio,
    year_span,
)

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest

NOT_WITHIN_HORIZON = "not within horizon"
"""The words for a year (payback, cash break-even) that is not reached within the appraisal horizon."""


@dataclass(frozen=True)
class Measure:
    """One headline measure of one result."""

    key: str  # stable id, e.g. "npv", "payback_year"
    label: str  # full label (the text table of `costmodel run`)
    short: str  # short label (side-by-side tables, the app's metrics)
    value: float | int | bool | None  # the figure: £, a ratio, a year index into result.years, or a flag
    text: str  # the figure in words and numbers, e.g. "−£1.74m", "2031-32", "not within horizon"
    help: str = ""  # what it means, in one sentence


def year_text(result: TenYearTest, index: int | None) -> str:
    """The financial year of an appraisal-year index, or :data:`NOT_WITHIN_HORIZON`."""
    return fy_label(result.years[index]) if index is not None else NOT_WITHIN_HORIZON


def headline_measures(result: TenYearTest) -> dict[str, Measure]:
    """Every headline measure of ``result`` by key, in the order the full text table shows them."""
    s = result.structure
    T, firm = s.n_years, s.firm_budget_years
    dr = result.dual_running
    cash_peak = result.cash.dual_running.peak_funding_requirement if result.cash is not None else None
    committed = result.committed.pv_net if result.committed is not None and result.committed.years else None
    cut = result.cut
    firm_span = f" ({year_span(0, firm - 1)})" if firm else ""
    beyond_span = f" ({year_span(firm, T - 1)})" if firm < T else ""
    layers = result.value_layers
    cash_pp, capacity_pp = cash_and_capacity_per_pound(result)
    measures = [
        Measure(
            "pv_costs", "PV prevention costs", "PV prevention costs", result.pv_costs, money(result.pv_costs)
        ),
        Measure(
            "pv_savings",
            "PV savings (after additionality)",
            "PV savings",
            result.pv_savings,
            money(result.pv_savings),
            f"of which cashable {money(result.pv_cashable)}",
        ),
        Measure(
            "pv_cashable",
            "  of which cashable",
            "PV cashable savings",
            result.pv_cashable,
            money(result.pv_cashable),
            "Savings that can be taken out of budgets as cash.",
        ),
        Measure(
            "pv_non_cashable",
            "  of which freed capacity",
            "PV freed capacity",
            layers.pv_non_cashable,
            money(layers.pv_non_cashable),
            "Savings that free staff time and capacity but release no cash.",
        ),
        Measure(
            "npv",
            "Net present value",
            "NPV",
            result.npv,
            money(result.npv),
            "PV of savings minus PV of prevention costs, whole public sector.",
        ),
        Measure(
            "npv_firm",
            f"  firm-budget years{firm_span}",
            "NPV firm-budget years",
            result.npv_firm,
            money(result.npv_firm),
            f"Years 0–{firm - 1} ({fy_span(result.years[0], result.years[firm - 1])}), covered by firm budgets."
            if firm
            else "No firm-budget years.",
        ),
        Measure(
            "npv_beyond",
            f"  years beyond{beyond_span}",
            "NPV years beyond",
            result.npv_beyond,
            money(result.npv_beyond),
            f"Years {firm}–{T - 1}: beyond the firm-budget period."
            if firm < T
            else "No years beyond the firm-budget period.",
        ),
        Measure(
            "bcr",
            "Fiscal return on investment",
            "Fiscal return on investment",
            result.bcr,
            ratio(result.bcr) if cut is None else CUT_NO_RATIO,
            "PV of savings to public budgets (cash and freed capacity) / PV of prevention costs: "
            "the return to public budgets, not a benefit-cost ratio."
            if cut is None
            else CUT_NO_RATIO_HELP,
        ),
        Measure(
            "cash_and_capacity_per_pound",
            "  per £1: cash / freed capacity",
            "Cash and capacity per £1",
            cash_pp,
            "n/a"
            if cash_pp is None or capacity_pp is None
            else "{1} in cash and {2} in freed capacity".format(*cash_and_capacity(cash_pp, capacity_pp)),
            "PV cashable savings and PV non-cashable savings, each per £1 of prevention spending (PV).",
        ),
        Measure(
            "net_return_per_pound",
            "Net return per £1",
            "Net return per £1",
            result.net_return_per_pound,
            per_pound(result.net_return_per_pound) if cut is None else CUT_NO_RATIO,
            "NPV per £1 of prevention spending (PV)." if cut is None else CUT_NO_RATIO_HELP,
        ),
        *_cut_measures(result),
        Measure(
            "payback_year",
            "Payback year (undiscounted)",
            "Payback year",
            result.payback_year,
            year_text(result, result.payback_year),
            "First year from which the cumulative (undiscounted) net position stays at or above zero; "
            "it counts all fiscal savings, cashable and not, less the prevention costs (for cash alone, "
            "see the cash break-even year).",
        ),
        Measure(
            "discounted_payback_year",
            "Payback year (discounted)",
            "Discounted payback year",
            result.discounted_payback_year,
            year_text(result, result.discounted_payback_year),
            "First year from which the cumulative discounted net position stays at or above zero; it counts "
            "all fiscal savings, cashable and not, less the prevention costs.",
        ),
        Measure(
            "payback_flows",
            "  payback counts",
            "Payback counts",
            None,
            "fiscal savings (cash and freed capacity) − costs; cash alone: cash break-even",
            "Both payback years count all fiscal savings, cashable and not, less the prevention costs; the "
            "cash break-even year counts cashable savings only.",
        ),
        Measure(
            "irr",
            "IRR (real)",
            "IRR (real)",
            result.irr,
            percent(result.irr) if result.irr is not None else irr_note(result),
            irr_note(result)
            + "; a real rate (flows in constant prices), to compare with the real discount rate, "
            "not a cash interest rate",
        ),
        Measure(
            "peak_funding",
            "Peak dual-running funding (real)",
            "Peak dual-running funding",
            dr.peak_funding_requirement,
            money(dr.peak_funding_requirement),
            "Most money needed at once to run the new service alongside the old before cashable savings "
            "cover its costs (undiscounted).",
        ),
        Measure(
            "peak_funding_cash",
            "Peak dual-running funding (cash)",
            "Peak dual running, cash",
            cash_peak,
            money(cash_peak) if cash_peak is not None else "n/a",
            "The same peak in cash (nominal, undiscounted): what the budget must find.",
        ),
        Measure(
            "dual_running_years",
            "Dual running lasts",
            "Dual running",
            dr.years,
            plural(dr.years, "year") + ("" if dr.ends_within_horizon else " (beyond the horizon)"),
        ),
        Measure(
            "cash_break_even_year",
            "Cash break-even year",
            "Cash break-even",
            dr.break_even_year,
            year_text(result, dr.break_even_year),
            "First year from which cumulative cashable savings cover cumulative costs, and stay covering.",
        ),
        Measure(
            "passes",
            "Passes the Ten Year Test",
            "Passes the Ten Year Test",
            result.passes,
            ("yes" if result.passes else "no")
            if T == 10
            else f"n/a ({T}-year appraisal: {'positive' if result.passes else 'negative'})",
        ),
        Measure(
            "committed",
            "Committed beyond the horizon (PV)",
            "Committed beyond the horizon (PV)",
            committed,
            (
                money(committed, signed=True)
                + (" (counted in the verdict)" if result.counts_committed else " (not counted)")
            )
            if committed is not None
            else "n/a",
            "PV of the savings (less costs) that intakes within the horizon go on producing after it; "
            + ("counted in the verdict." if result.counts_committed else "not counted in the verdict."),
        ),
        Measure(
            "pv_economic",
            "PV economic value",
            "PV economic value",
            layers.economic.pv_benefits,
            money(layers.economic.pv_benefits),
            "Economic layer: value to people and the economy beyond public budgets, e.g. output lost by "
            "victims of crime; not in the Ten Year Test.",
        ),
        Measure(
            "pv_social",
            "PV social value (harm, wellbeing)",
            "PV social value",
            layers.social.pv_benefits,
            money(layers.social.pv_benefits),
            "Social layer: e.g. physical and emotional harm to victims avoided, and wellbeing (WELLBYs and "
            "QALYs, discounted at the Green Book health rate); not in the Ten Year Test.",
        ),
        Measure(
            "npv_public_value",
            "Net present public value",
            "Net present public value",
            layers.net_present_public_value,
            money(layers.net_present_public_value),
            "Fiscal, economic and social present values less the PV of prevention costs.",
        ),
        Measure(
            "bcr_public_value",
            "Benefit-cost ratio (public value)",
            "Benefit-cost ratio (public value)",
            layers.benefit_cost_ratio,
            ratio(layers.benefit_cost_ratio),
            "PV of benefits in all three layers / PV of costs to the public sector (Green Book: PV benefits "
            "/ PV costs).",
        ),
    ]
    return {m.key: m for m in measures}


def cash_and_capacity_per_pound(result: TenYearTest) -> tuple[float | None, float | None]:
    """PV cashable savings and PV freed capacity (non-cashable savings), each per £1 of PV prevention
    spending; (None, None) when nothing is spent (or for a cut). [£ per £]"""
    layers = result.value_layers
    c = layers.pv_public_costs
    if result.structure.sign < 0 or not c > 0.005:
        return None, None
    return layers.pv_cashable / c, layers.pv_non_cashable / c


def returns_sentence(result: TenYearTest) -> str | None:
    """'returns £A in cash and £B in freed capacity for every £1 spent' (PV, fiscal layer), or None."""
    cash_pp, capacity_pp = cash_and_capacity_per_pound(result)
    if cash_pp is None or capacity_pp is None:
        return None
    _, cash, capacity = cash_and_capacity(cash_pp, capacity_pp)
    return f"returns {cash} in cash and {capacity} in freed capacity for every £1 spent"


DIRECTION_WORDS = {
    "positive": "would add value",
    "negative": "would take value away",
    "uncertain": "either way",
}
"""An unmonetised impact's direction in the "not counted" list."""

STANDARD_EXCLUSIONS = (
    "Distributional weights (who gains, by income): not applied.",
    "Effects not listed as an outcome or a savings line.",
)
"""What no appraisal counts, listed in every output's "not counted" list."""


def not_counted(result: TenYearTest) -> list[str]:
    """The short "not counted" list: the file's unmonetised impacts, then the standard exclusions."""
    p = result.scenario.proposal
    items = [f"{u.impact} ({DIRECTION_WORDS[u.direction]})." for u in p.unmonetised]
    fiscal_only = [
        oc.label
        for oc in p.outcomes
        if not any(
            (uc := result.scenario.unit_costs[use.unit_cost]).economic or uc.social or uc.wellbeing
            for use in oc.unit_costs
        )
    ]
    if fiscal_only:
        items.append("Economic and social value of outcomes costed at their fiscal cost only: " + "; ".join(fiscal_only) + ".")
    committed = result.committed
    if committed is not None and committed.years and not result.counts_committed:
        items.append(
            f"Savings committed beyond the horizon ({money(committed.pv_net, signed=True)} PV, fiscal): "
            "shown, not counted in the verdict."
        )
    items += list(STANDARD_EXCLUSIONS)
    return items


CUT_NO_RATIO = "n/a (a cut: see money released and costs shunted)"
"""The words in a ratio's place for a cut: a benefit-cost ratio of a cut (money released over demand
added) inverts the meaning of the ratio, so none is given."""

CUT_NO_RATIO_HELP = (
    "No benefit-cost ratio for a cut: it would put the money released over the demand added elsewhere, "
    "the inverse of what the ratio means for spending. A cut reports money released, closure costs and "
    "costs shunted instead."
)

CUT_MEASURES = (
    "money_released",
    "closure_costs",
    "costs_shunted",
    "economic_value_lost",
    "social_value_lost",
    "shunted_per_pound_released",
)
"""The measures only a cut has (see :func:`_cut_measures`), in the order the text table shows them."""


def _cut_measures(result: TenYearTest) -> list[Measure]:
    """A cut's own headline measures: money released, closure costs, costs shunted and costs shunted per
    £1 released (a ratio defined in words beside it). New spending has none."""
    cut = result.cut
    if cut is None:
        return []
    released, shunted = cut.pv_released, cut.pv_shunted
    per = shunted / released if released > 0.005 else None
    return [
        Measure(
            "money_released",
            "PV money released",
            "PV money released",
            released,
            money(released),
            "Present value of the budget the cut stops spending, as it is released year by year.",
        ),
        Measure(
            "closure_costs",
            "PV closure costs",
            "PV closure costs",
            cut.pv_closure,
            money(cut.pv_closure),
            "Present value of the one-off costs of making the cut (redundancy, contract exit, buildings).",
        ),
        Measure(
            "costs_shunted",
            "PV costs shunted elsewhere",
            "PV costs shunted",
            shunted,
            money(shunted),
            f"Present value of the extra demand the cut adds to other budget holders; of which cashable "
            f"{money(cut.pv_shunted_cashable)} (extra cash spending), the rest absorbed as stretched capacity.",
        ),
        Measure(
            "economic_value_lost",
            "PV economic value lost",
            "PV economic value lost",
            cut.pv_lost_economic,
            _lost_text(cut.pv_lost_economic),
            "Present value of output and earnings lost outside public budgets (the economic layer).",
        ),
        Measure(
            "social_value_lost",
            "PV social value lost",
            "PV social value lost",
            cut.pv_lost_social,
            _lost_text(cut.pv_lost_social),
            "Present value of harm to victims and wellbeing lost (the social layer; wellbeing discounted at "
            "the Green Book health rate). While it is empty the fiscal figure is a lower bound on the harm.",
        ),
        Measure(
            "shunted_per_pound_released",
            "Costs shunted per £1 released",
            "Shunted per £1 released",
            per,
            f"{per_pound(per)} (PV costs shunted ÷ PV money released)" if per is not None else "n/a (no money released)",
            "For every £1 the cut releases, this much comes back as extra demand on other budget holders "
            "(both present values).",
        ),
    ]


def _lost_text(value: float) -> str:
    """Value lost in words: the money, or that the file values none (so none is counted)."""
    return money(value) if abs(value) > 0.005 else "none counted (no values in the file)"


def irr_note(result: TenYearTest) -> str:
    """What the IRR is, or why there is none, in words (from the engine's ``irr_case``)."""
    case = result.irr_case
    if case in ("zero", "positive", "negative"):
        return f"no IRR: the net cash flow is {case} in every year"
    if case == "non_conventional":
        return (
            f"no unique IRR: the net cash flow changes sign {result.irr_sign_changes} times (non-conventional)"
        )
    if case == "no_root":
        return "no IRR: numpy-financial found no real root"
    kind = "the discount rate at which the NPV is zero"
    if case == "conventional_cut":
        kind += " (a cut: the rate at which the money released up front equals the later costs)"
    return kind
