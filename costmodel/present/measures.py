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

from ..formatting import fy_label, fy_span, money, per_pound, percent, plural, ratio, year_span

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
            "Benefit-cost ratio",
            "Benefit-cost ratio",
            result.bcr,
            ratio(result.bcr) if cut is None else CUT_NO_RATIO,
            "PV of savings / PV of prevention costs." if cut is None else CUT_NO_RATIO_HELP,
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
            "First year from which the cumulative (undiscounted) net position stays at or above zero.",
        ),
        Measure(
            "discounted_payback_year",
            "Payback year (discounted)",
            "Discounted payback year",
            result.discounted_payback_year,
            year_text(result, result.discounted_payback_year),
            "First year from which the cumulative discounted net position stays at or above zero.",
        ),
        Measure(
            "irr",
            "IRR",
            "IRR",
            result.irr,
            percent(result.irr) if result.irr is not None else irr_note(result),
            irr_note(result),
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
    ]
    return {m.key: m for m in measures}


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
