"""The Ten Year Test at a glance: verdict, headline figures, charts and the table by budget holder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app_pages.common import has_pooling, money_columns, require_result, show_chart, show_invalid_edit_banner
from app_pages.pooled_headline import show_pooled_position
from app_pages.quotable import show_quotable_headline
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
from costmodel.formatting import fy_label, fy_span, money
from costmodel.present import markup
from costmodel.present.csv_safety import frame_csv
from costmodel.present.measures import headline_measures
from costmodel.present.optimism_words import risk_adjustment_convention

# The verdict and headline figures are drawn first; the chart and table libraries (Altair, pandas) are
# imported inside the tabs, after those figures have reached the browser.

d, result = require_result()
sc = result.scenario
p = sc.proposal
s = result.structure

st.title(markup.literal(p.title))
st.caption(
    f"{'New spending' if p.kind == 'new_spending' else 'A cut'} · {markup.literal(p.area)} · "
    f"{fy_span(result.years[0], result.years[-1])} · real, {fy_label(s.price_base_year)} prices · "
    f"{markup.literal(sc.schedule.label)}"
    + (
        f", discounted to {fy_label(p.appraisal.discount_origin)}"
        if p.appraisal.discount_origin != result.years[0]
        else ""
    )
    + f" · deflator: {markup.literal(sc.deflator.describe())} · file {markup.code(d.name)} · "
    f"inputs_sha256 `{sc.inputs_sha256[:16]}…`"
)
show_invalid_edit_banner(d)

verdict_col, chance_col = st.columns([5, 2], vertical_alignment="center")
with verdict_col:
    (st.success if result.passes else st.error)(markup.inline(result.verdict), icon=":material/gavel:")
    if result.unadjusted is not None:  # the risk-adjusted headline, with the figures before it beside
        before = result.unadjusted
        st.caption(
            f"Risk-adjusted for optimism bias. Unadjusted: {'passes' if before.passes else 'fails'}, "
            f"net present value {markup.literal(money(before.npv_counted))}"
            + (" (the adjustment changes the answer)" if before.passes != result.passes else "")
            + ". "
            + markup.inline(risk_adjustment_convention(result))
        )
    show_pooled_position(d, result)

m = headline_measures(result)


def metric(col: Any, label: str, key: str) -> None:
    """One headline measure as a metric: this page's label, the figure and help from present/measures.py."""
    col.metric(
        label, m[key].text if key != "irr" or result.irr is not None else "n/a", help=m[key].help or None
    )


cols = st.columns(5)
metric(cols[0], "Net present value", "npv")
metric(cols[1], "Benefit-cost ratio", "bcr")
metric(cols[2], "Net return per £1", "net_return_per_pound")
metric(cols[3], "Payback year", "payback_year")
metric(cols[4], "Peak dual running", "peak_funding")
cols = st.columns(5)
metric(cols[0], "NPV, firm-budget years", "npv_firm")
metric(cols[1], "NPV, years beyond", "npv_beyond")
if s.sign < 0:  # a cut, in its own words: the spending it stops and the costs it pushes elsewhere
    cols[2].metric(
        "Money released (PV)",
        money(-result.pv_costs),
        help="Present value of the spending the cut stops (the prevention costs, negative for a cut).",
    )
    cols[3].metric(
        "Costs shunted (PV)",
        money(-result.pv_savings),
        help="Present value of the extra demand the cut pushes onto other budgets (negative savings).",
    )
else:
    metric(cols[2], "PV prevention costs", "pv_costs")
    metric(cols[3], "PV savings", "pv_savings")
metric(cols[4], "IRR", "irr")
cols = st.columns(5)
if m["committed"].value is not None:
    metric(cols[0], "Committed beyond the horizon", "committed")
if result.cash is not None:
    metric(cols[1], "Peak dual running, cash", "peak_funding_cash")
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
        help=f"{markup.literal(f.fund)}: {f.interest_rate:.2%} nominal over {f.term_years} years, "
        f"repayment {money(f.annual_repayment)} a year.",
    )
show_quotable_headline(result)
for note in result.notes:
    st.info(markup.inline(note), icon=":material/info:")


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
        f"£ real, {fy_label(r.structure.price_base_year)} prices, undiscounted by year; the present values (NPV, firm-budget years, years beyond) come first."
    )
    frame = ten_year_table(r)
    totals = ["NPV", "PV firm-budget years", "PV years beyond"]
    years = [c for c in frame.columns if c != "Budget holder" and c not in totals]
    # the totals first, beside the budget holder (pinned: it stays in view when the years scroll sideways)
    st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        column_order=["Budget holder", *[c for c in totals if c in frame.columns], *years],
        column_config={"Budget holder": st.column_config.TextColumn("Budget holder", pinned=True)}
        | money_columns(c for c in frame.columns if c != "Budget holder"),
    )
    st.download_button(
        "Table (CSV)",
        frame_csv(frame),
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
    st.caption(f"Deflator: {markup.literal(r.scenario.deflator.describe())}")
    frame = cash_table(r)
    st.dataframe(
        frame,
        width="stretch",
        hide_index=True,
        column_config=money_columns(c for c in frame.columns if c not in ("Budget holder", "Line")),
    )
    st.download_button(
        "Cash table (CSV)",
        frame_csv(frame),
        file_name=f"{r.scenario.proposal.id}-cash-table.csv",
        mime="text/csv",
        on_click="ignore",
        icon=":material/download:",
    )
    if has_pooling(r):
        from app_pages.common import current_draft, draft_pooling
        from app_pages.tabs.pooling import show_payment_schedule

        d = current_draft()
        pr = None if d is None else draft_pooling(d, None)  # type: ignore[arg-type]
        if pr is not None and pr.payments:
            st.markdown(
                "**Payments under the agreement**: who pays whom each year, £ cash (nominal, undiscounted) and "
                "real. The agreement moves cash only: non-cashable savings are never paid over."
            )
            show_payment_schedule(pr, r.scenario.proposal.id, key="cash-payments-csv")


def conventions_tab(r: TenYearTest) -> None:
    from costmodel.present.report import CONVENTIONS

    st.markdown("\n".join(f"- {v}" for v in CONVENTIONS.values()))
    st.markdown(
        f"- Deflator: {markup.literal(r.scenario.deflator.label)} ({markup.literal(r.scenario.deflator.describe())})."
    )


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
