"""The Ten Year Test at a glance: verdict, headline figures, charts and the table by budget holder."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from app_pages.common import has_pooling, require_result, show_chart, show_invalid_edit_banner
from app_pages.tabs.downloads import downloads_tab
from app_pages.tabs.pooling import pooling_tab
from app_pages.tabs.uncertainty import (
    UNCERTAINTY_CHART_KINDS,
    brief_simulation,
    has_ranges,
    show_chance_of_passing,
    shown_simulation,
    uncertainty_tab,
)
from costmodel.appraisal.engine import TenYearTest
from costmodel.formatting import fy_label, fy_span, money, per_pound, percent, ratio

# The verdict and headline figures are drawn first; the chart and table libraries (Altair, pandas) are
# imported inside the tabs, after those figures have reached the browser.

d, result = require_result()
sc = result.scenario
p = sc.proposal
s = result.structure

st.title(p.title)
st.caption(
    f"{'New spending' if p.kind == 'new_spending' else 'A cut'} · {p.area} · "
    f"{fy_span(result.years[0], result.years[-1])} · real, {fy_label(s.price_base_year)} prices · "
    f"{sc.schedule.label}"
    + (
        f", discounted to {fy_label(p.appraisal.discount_origin)}"
        if p.appraisal.discount_origin != result.years[0]
        else ""
    )
    + f" · deflator: {sc.deflator.describe()} · file `{d.name}` · inputs_sha256 `{sc.inputs_sha256[:16]}…`"
)
show_invalid_edit_banner(d)

verdict_col, chance_col = st.columns([5, 2], vertical_alignment="center")
with verdict_col:
    (st.success if result.passes else st.error)(result.verdict, icon=":material/gavel:")

dr = result.dual_running
cols = st.columns(5)
cols[0].metric(
    "Net present value",
    money(result.npv),
    help="PV of savings minus PV of prevention costs, whole public sector.",
)
cols[1].metric("Benefit-cost ratio", ratio(result.bcr), help="PV of savings / PV of prevention costs.")
cols[2].metric(
    "Net return per £1",
    per_pound(result.net_return_per_pound),
    help="NPV per £1 of prevention spending (PV).",
)
cols[3].metric(
    "Payback year",
    fy_label(result.years[result.payback_year]) if result.payback_year is not None else "none",
    help="First year from which the cumulative (undiscounted) net position stays at or above zero.",
)
cols[4].metric(
    "Peak dual running",
    money(dr.peak_funding_requirement),
    help="Most money needed at once to run the new service alongside the old before cashable savings cover its costs (undiscounted).",
)
firm = s.firm_budget_years
cols = st.columns(5)
cols[0].metric(
    "NPV, firm-budget years",
    money(result.npv_firm),
    help=f"Years 0–{firm - 1} ({fy_span(result.years[0], result.years[firm - 1])}), covered by firm budgets."
    if firm
    else "No firm-budget years.",
)
cols[1].metric(
    "NPV, years beyond",
    money(result.npv_beyond),
    help=f"Years {firm}–{s.n_years - 1}: beyond the firm-budget period."
    if firm < s.n_years
    else "No years beyond the firm-budget period.",
)
cols[2].metric("PV prevention costs", money(result.pv_costs))
cols[3].metric("PV savings", money(result.pv_savings), help=f"of which cashable {money(result.pv_cashable)}")
cols[4].metric("IRR", percent(result.irr) if result.irr is not None else "n/a", help=result.irr_note)
cols = st.columns(5)
if result.committed is not None:
    cols[0].metric(
        "Committed beyond the horizon",
        money(result.committed.pv_net, signed=True),
        help="PV of the savings (less costs) that intakes within the horizon go on producing after it; "
        + ("counted in the verdict." if result.counts_committed else "not counted in the verdict."),
    )
if result.cash is not None:
    cols[1].metric(
        "Peak dual running, cash",
        money(result.cash.dual_running.peak_funding_requirement),
        help="The same peak in cash (nominal, undiscounted): what the budget must find.",
    )
    cols[2].metric(
        "Net cash over the horizon",
        money(float(result.cash.net.sum()), signed=True),
        help="Cashable savings minus prevention costs, cash (nominal), undiscounted, whole public sector.",
    )
if result.financing is not None:
    f = result.financing
    cols[3].metric(
        "Invest-to-save loan, cash",
        money(f.principal),
        help=f"{f.fund}: {f.interest_rate:.2%} nominal over {f.term_years} years, "
        f"repayment {money(f.annual_repayment)} a year.",
    )
for note in result.notes:
    st.info(note, icon=":material/info:")


def main_chart_kinds() -> list[str]:
    """The chart kinds of the Charts tab (the pooled-budget and uncertainty kinds have their own tabs)."""
    from costmodel.present.charts import CHART_KINDS, POOLING_CHART_KINDS

    return [k for k in CHART_KINDS if k not in POOLING_CHART_KINDS and k not in UNCERTAINTY_CHART_KINDS]


def image_chart_kinds(r: TenYearTest) -> list[str]:
    """The chart kinds offered as images: the Charts tab's, plus the pooled-budget ones when pooled and the
    uncertainty ones when some input has a range."""
    from costmodel.present.charts import POOLING_CHART_KINDS

    return (
        main_chart_kinds()
        + (list(UNCERTAINTY_CHART_KINDS) if has_ranges(r) else [])
        + (list(POOLING_CHART_KINDS) if has_pooling(r) else [])
    )


def charts_tab(r: TenYearTest) -> None:
    for kind in main_chart_kinds():
        show_chart(kind, r)


def table_tab(r: TenYearTest) -> None:
    from costmodel.present.tables import ten_year_table

    st.markdown(
        f"**{'Ten Year Test' if r.structure.n_years == 10 else f'{r.structure.n_years}-year appraisal'} table**: "
        "net position (savings − costs) by budget holder and year, "
        f"£ real, {fy_label(r.structure.price_base_year)} prices, undiscounted by year; present values at the right."
    )
    frame = ten_year_table(r)
    st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(c, format="%,.0f") for c in frame.columns if c != "Budget holder"
        },
    )
    st.download_button(
        "Table (CSV)",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{r.scenario.proposal.id}-ten-year-table.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    st.caption(
        f"Discount factors ({r.scenario.schedule.label}): "
        + ", ".join(f"{fy_label(y)} {f:.4f}" for y, f in zip(r.years, r.flows.factors, strict=True))
    )


def cash_tab(r: TenYearTest) -> None:
    from costmodel.present.tables import cash_table

    st.markdown(
        "**Cash view (medium-term financial table)**: by budget holder and year, £ **cash** (nominal), "
        "undiscounted. Cash = real × deflator ratio. Non-cashable savings free capacity and are not "
        "counted as cash. The appraisal and its verdict stay real and discounted."
    )
    st.caption(f"Deflator: {r.scenario.deflator.describe()}")
    frame = cash_table(r)
    st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(c, format="%,.0f")
            for c in frame.columns
            if c not in ("Budget holder", "Line")
        },
    )
    st.download_button(
        "Cash table (CSV)",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{r.scenario.proposal.id}-cash-table.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )


def conventions_tab(r: TenYearTest) -> None:
    from costmodel.present.report import CONVENTIONS

    st.markdown("\n".join(f"- {v}" for v in CONVENTIONS.values()))
    st.markdown(f"- Deflator: {r.scenario.deflator.label} ({r.scenario.deflator.describe()}).")


# Results tabs: later results (pooling, uncertainty...) add an entry here.
RESULT_TABS: list[tuple[str, Callable[[TenYearTest], None]]] = [
    ("Charts", charts_tab),
    ("Pooling", pooling_tab),
    ("Ten Year Test table", table_tab),
    ("Uncertainty", uncertainty_tab),
    ("Cash view", cash_tab),
    ("Conventions", conventions_tab),
    (
        "Downloads",
        lambda r: downloads_tab(
            r, image_chart_kinds(r), simulation=brief_simulation(r), histogram_run=shown_simulation(r)
        ),
    ),
]
TAB_KEY = "tab"  # the open results tab, also the query parameter that carries it
# Tabs shown only for results that have them (a tab not listed here is always shown).
TAB_SHOWN_WHEN: dict[str, Callable[[TenYearTest], bool]] = {"Pooling": has_pooling}

shown = [
    (label, render) for label, render in RESULT_TABS if TAB_SHOWN_WHEN.get(label, lambda _r: True)(result)
]
# Only the open tab runs (lazy tabs): switching tabs reruns the page, and the tab is in the address
# (``?tab=<label>``) so a link reopens it.
for tab, (_, render) in zip(
    st.tabs([label for label, _ in shown], key=TAB_KEY, bind="query-params"), shown, strict=True
):
    if tab.open is not False:
        with tab:
            render(result)

# Filled last: a Monte Carlo run made on the Uncertainty tab in this very run is the one quoted here.
with chance_col:
    show_chance_of_passing(result)
