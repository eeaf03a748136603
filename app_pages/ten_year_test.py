"""The Ten Year Test at a glance: verdict, headline figures, charts and the table by budget holder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from app_pages.common import (
    csv_button,
    has_pooling,
    money_columns,
    require_result,
    show_chart,
    show_invalid_edit_banner,
)
from app_pages.links import tab_label
from app_pages.pooled_headline import show_pooled_position
from app_pages.quotable import show_quotable_headline
from app_pages.tabs.downloads import downloads_tab
from app_pages.tabs.pooling import pooling_tab
from app_pages.tabs.uncertainty import (
    UNCERTAINTY_CHART_KINDS,
    brief_simulation,
    current_simulation,
    has_ranges,
    show_chance_of_passing,
    shown_simulation,
    uncertainty_tab,
)
from app_pages.value_layers import show_value_layers, show_value_measures
from costmodel.appraisal.engine import TenYearTest
from costmodel.formatting import fy_label, fy_span, money
from costmodel.present import markup
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
    # the verdict is the risk-adjusted case's and says so (the engine's sentence ends with the unadjusted
    # NPV and whether the adjustment changes the answer); the unadjusted NPV is also a metric below
    if result.risk_adjusted:  # the basis in words (off on the Edit page: the figures before optimism bias)
        st.caption("Risk-adjusted for optimism bias. " + markup.inline(risk_adjustment_convention(result)))
    show_pooled_position(d, result)

m = headline_measures(result)


def metric(col: Any, label: str, key: str) -> None:
    """One headline measure as a metric: this page's label, the figure and help from present/measures.py."""
    col.metric(
        label, m[key].text if key != "irr" or result.irr is not None else "n/a", help=m[key].help or None
    )


cols = st.columns(5)
metric(cols[0], "Net present value", "npv")
if result.cut is not None:  # a cut has no benefit-cost ratio: money released over demand added inverts it
    metric(cols[1], "Costs shunted per £1 released", "shunted_per_pound_released")
    metric(cols[2], "Closure costs (PV)", "closure_costs")
else:
    # the fiscal ratio is the fiscal return on investment (issue 12): never a benefit-cost ratio
    cols[1].metric(
        "Fiscal return on investment",
        m["bcr"].text,
        help="PV of fiscal savings (cash and freed capacity) / PV of prevention costs: £ back to public budgets "
        "per £1 spent.",
    )
    metric(cols[2], "Net return per £1", "net_return_per_pound")
metric(cols[3], "Payback year", "payback_year")
metric(cols[4], "Peak dual running", "peak_funding")
cols = st.columns(5)
metric(cols[0], "NPV, firm-budget years", "npv_firm")
metric(cols[1], "NPV, years beyond", "npv_beyond")
if result.cut is not None:  # a cut, in its own words: the spending it stops and the costs it pushes elsewhere
    metric(cols[2], "Money released (PV)", "money_released")
    metric(cols[3], "Costs shunted (PV)", "costs_shunted")
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
if result.cut is not None:  # value a cut loses beyond public budgets (the economic and social layers)
    metric(cols[3], "Social value lost (PV)", "social_value_lost")
    metric(cols[4], "Economic value lost (PV)", "economic_value_lost")
if result.financing is not None:
    f = result.financing
    cols[3].metric(
        "Invest-to-save loan, cash",
        money(f.principal),
        help=f"{markup.literal(f.fund)}: {f.interest_rate:.2%} nominal over {f.term_years} years, "
        f"repayment {money(f.annual_repayment)} a year.",
    )
cols = st.columns(5)
if result.layers is not None:
    show_value_measures(result, cols)
if result.risk_adjusted and result.unadjusted is not None:
    # the central case is risk-adjusted (optimism bias applied); the unadjusted figure sits beside it
    cols[2].metric(
        "NPV before optimism bias",
        money(result.unadjusted.npv),
        help="The same appraisal without the optimism-bias corrections (costs up, benefits down by each "
        "input's evidence grade): the sensitivity. The verdict and the figures above are risk-adjusted; "
        f"the corrections move the NPV by {money(result.npv - result.unadjusted.npv, signed=True)}.",
    )
show_quotable_headline(result)
if result.layers is not None:
    show_value_layers(result)
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
    csv_button("Table (CSV)", frame, f"{r.scenario.proposal.id}-ten-year-table.csv")
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
    csv_button("Cash table (CSV)", frame, f"{r.scenario.proposal.id}-cash-table.csv")
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


# Results tabs: later results (pooling, uncertainty...) add an entry here: (stable id, label, render).
# The id is what the address carries (``?tab=<id>``): a label may be reworded without breaking links.
RESULT_TABS: list[tuple[str, str, Callable[[TenYearTest], None]]] = [
    ("charts", "Charts", charts_tab),
    ("pooling", "Pooling", pooling_tab),
    ("table", "Ten Year Test table", table_tab),
    ("uncertainty", "Uncertainty", uncertainty_tab),
    ("cash", "Cash view", cash_tab),
    ("conventions", "Conventions", conventions_tab),
    (
        "downloads",
        "Downloads",
        lambda r: downloads_tab(
            r,
            image_chart_kinds(r),
            simulation=brief_simulation(r),
            histogram_run=shown_simulation(r),
            default_run=current_simulation(r) is None,
        ),
    ),
]
TAB_KEY = "tab"  # the open results tab's label (widget state); the query parameter carries its id
TAB_FROM_LINK = "tab_from_link_done"
TAB_KEPT = "open_tab"  # a plain copy of the open tab's label, kept across page switches  # a link's tab is opened once per session, not on every rerun
# Tabs shown only for results that have them (a tab not listed here is always shown).
TAB_SHOWN_WHEN: dict[str, Callable[[TenYearTest], bool]] = {"pooling": has_pooling}

shown = [
    (tab_id, label, render)
    for tab_id, label, render in RESULT_TABS
    if TAB_SHOWN_WHEN.get(tab_id, lambda _r: True)(result)
]
labels = [label for _, label, _ in shown]
requested = None
if not st.session_state.get(TAB_FROM_LINK):  # a link's tab (by id, or by label in links made before ids)
    requested = tab_label(st.query_params.get(TAB_KEY), [(i, label) for i, label, _ in shown])
elif TAB_KEY not in st.session_state:  # back from another page (Streamlit forgets an undrawn widget's state)
    requested = st.session_state.get(TAB_KEPT)
if requested in labels:
    st.session_state[TAB_KEY] = requested
st.session_state[TAB_FROM_LINK] = True
# Only the open tab runs (lazy tabs): switching tabs reruns the page, and the tab's id goes into the
# address so a link reopens it.
for tab, (_, _, render) in zip(st.tabs(labels, key=TAB_KEY, on_change="rerun"), shown, strict=True):
    if tab.open is not False:
        with tab:
            render(result)
st.session_state[TAB_KEPT] = st.session_state.get(TAB_KEY)
open_id = next((i for i, label, _ in shown if label == st.session_state.get(TAB_KEY)), shown[0][0])
if st.query_params.get(TAB_KEY) != open_id:
    st.query_params[TAB_KEY] = open_id

# Filled last: a Monte Carlo run made on the Uncertainty tab in this very run is the one quoted here.
with chance_col:
    show_chance_of_passing(result)
