"""Altair chart builders shared by the Streamlit app, ``costmodel chart`` and the briefing.

Each chart kind has two functions: a *data* function returning a tidy :class:`pandas.DataFrame`
(which is also the chart's CSV download) and a *chart* function building the Altair chart from that
frame. :data:`CHART_KINDS` maps each kind to both, with a one-line caption stating what the chart shows
and in which prices and discounting. Altair and pandas are imported lazily by callers of this module
only; the CLI imports it only for ``costmodel chart``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import altair as alt
import numpy as np
import pandas as pd

from ..formatting import fy_label, money, plural
from ..pooling.accounting import appraise_pool
from ..uncertainty.compile import compile_uncertainty
from ..uncertainty.limits import DEFAULT_DRAWS, DEFAULT_SEED
from ..uncertainty.montecarlo import histogram, simulate
from ..uncertainty.sensitivity import tornado as make_tornado
from .input_values import format_value

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest

GOV_RED = "#d4351c"
GOV_GREEN = "#00703c"
GOV_BLUE = "#1d70b8"
GOV_GREY = "#505a5f"
GOV_ORANGE = "#f47738"
PALETTE = [
    "#1d70b8",
    "#d4351c",
    "#00703c",
    "#f47738",
    "#4c2c92",
    "#28a197",
    "#b58840",
    "#f499be",
    "#6f72af",
    "#912b88",
    "#85994b",
    "#505a5f",
]


def _prices(result: TenYearTest) -> str:
    return f"{fy_label(result.structure.price_base_year)} prices"


def _discounting(result: TenYearTest) -> str:
    return f"discounted at the {result.scenario.schedule.label.split(' (')[0]} (year 0 = {fy_label(result.years[0])}, undiscounted)"


# ---------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------


def savings_by_department_data(result: TenYearTest) -> pd.DataFrame:
    """Discounted prevention costs (negative) and savings (positive) by budget holder and year. [£]"""
    fl = result.flows
    df = fl.factors
    rows = []
    for i, a in enumerate(result.scenario.agencies):
        for t, year in enumerate(result.years):
            rows.append(
                {
                    "year": fy_label(year),
                    "agency_id": a.id,
                    "agency": a.name,
                    "flow": "savings",
                    "discounted_gbp": float(fl.savings[t, i] * df[t]),
                    "real_gbp": float(fl.savings[t, i]),
                }
            )
            rows.append(
                {
                    "year": fy_label(year),
                    "agency_id": a.id,
                    "agency": a.name,
                    "flow": "costs",
                    "discounted_gbp": float(-fl.costs[t, i] * df[t]),
                    "real_gbp": float(-fl.costs[t, i]),
                }
            )
    frame = pd.DataFrame(rows)
    return frame[(frame["real_gbp"].abs() > 0.005)].reset_index(drop=True) if len(frame) else frame


def cumulative_position_data(result: TenYearTest) -> pd.DataFrame:
    """Cumulative net position of the public sector by year: all savings, cashable savings only, and discounted. [£]"""
    fl = result.flows
    costs = fl.costs.sum(axis=1)
    savings = fl.savings.sum(axis=1)
    cash = fl.cashable.sum(axis=1)
    df = fl.factors
    years = [fy_label(y) for y in result.years]
    series = {
        "Cumulative net (all savings)": np.cumsum(savings - costs),
        "Cumulative net (cashable savings only)": np.cumsum(cash - costs),
        "Cumulative net, discounted": np.cumsum((savings - costs) * df),
    }
    rows = [
        {"year": y, "order": t, "measure": name, "gbp": float(vals[t])}
        for name, vals in series.items()
        for t, y in enumerate(years)
    ]
    return pd.DataFrame(rows)


def who_pays_who_saves_data(result: TenYearTest) -> pd.DataFrame:
    """Present value of each budget holder's costs, savings and net position. [£]"""
    rows = []
    for i, a in enumerate(result.scenario.agencies):
        rows.append(
            {
                "agency_id": a.id,
                "agency": a.name,
                "pv_costs": float(result.pv_costs_by_agency[i]),
                "pv_savings": float(result.pv_savings_by_agency[i]),
                "pv_net": float(result.pv_net_by_agency[i]),
                "position": "better off"
                if result.pv_net_by_agency[i] > 0.005
                else ("worse off" if result.pv_net_by_agency[i] < -0.005 else "no change"),
            }
        )
    return pd.DataFrame(rows)


def dual_running_data(result: TenYearTest) -> pd.DataFrame:
    """Prevention costs, cashable savings and the extra funding needed each year (dual running). [£]"""
    fl = result.flows
    dr = result.dual_running
    rows = []
    for t, year in enumerate(result.years):
        rows.append(
            {
                "year": fy_label(year),
                "order": t,
                "measure": "Prevention costs",
                "gbp": float(fl.costs[t].sum()),
            }
        )
        rows.append(
            {
                "year": fy_label(year),
                "order": t,
                "measure": "Cashable savings",
                "gbp": float(fl.cashable[t].sum()),
            }
        )
        rows.append(
            {
                "year": fy_label(year),
                "order": t,
                "measure": "Cumulative funding requirement",
                "gbp": float(dr.cumulative_requirement[t]),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------------


TEXT_COLOUR = "#333333"  # 12.6:1 on white: chart text reads at WCAG AA (4.5:1) and above


def _base_config(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure_axis(
            labelFontSize=12, titleFontSize=12, labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR
        )
        .configure_legend(labelFontSize=12, titleFontSize=12, labelColor=TEXT_COLOUR, titleColor=TEXT_COLOUR)
        .configure_title(fontSize=14, anchor="start", color=TEXT_COLOUR, subtitleColor=TEXT_COLOUR)
    )


def _titled(data: pd.DataFrame, title: str, subtitle: str | list[str]) -> alt.Chart:
    """A chart of ``data`` with its title and the subtitle that gives its units and basis."""
    return alt.Chart(data, title=alt.TitleParams(title, subtitle=subtitle))


def _pounds(channel: Any, field: str, title: str, **kw: Any) -> Any:
    """A £ axis (``alt.X`` or ``alt.Y``) labelled in short form (4M, 500k)."""
    return channel(field, title=title, **kw, axis=alt.Axis(format="~s"))


def _rule(channel: Literal["x", "y"], at: float = 0, **mark: Any) -> alt.Chart:
    """A reference line across the chart where the ``channel`` axis is ``at`` (zero by default)."""
    return alt.Chart(pd.DataFrame({channel: [at]})).mark_rule(**mark).encode(**{channel: f"{channel}:Q"})


def savings_by_department_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = savings_by_department_data(result) if data is None else data
    order = [a.name for a in result.scenario.agencies]
    chart = (
        _titled(
            data,
            "Discounted savings and costs by budget holder",
            subtitle=f"£, {_prices(result)}; costs below zero",
        )
        .mark_bar()
        .encode(
            x=alt.X("year:O", title="Financial year", sort=[fy_label(y) for y in result.years]),
            y=_pounds(alt.Y, "sum(discounted_gbp):Q", "Present value (£)"),
            color=alt.Color(
                "agency:N",
                title="Budget holder",
                sort=order,
                scale=alt.Scale(domain=order, range=PALETTE[: len(order)]),
            ),
            order=alt.Order("flow:N"),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("agency:N", title="Budget holder"),
                alt.Tooltip("flow:N", title="Flow"),
                alt.Tooltip("discounted_gbp:Q", title="Present value (£)", format=",.0f"),
                alt.Tooltip("real_gbp:Q", title="Undiscounted (£)", format=",.0f"),
            ],
        )
        .properties(width=620, height=340)
    )
    rule = _rule("y", color=GOV_GREY)
    return chart + rule


def cumulative_position_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = cumulative_position_data(result) if data is None else data
    dr = result.dual_running
    sub = f"£, {_prices(result)}. Peak dual-running funding {money(dr.peak_funding_requirement)}"
    if dr.break_even_year is not None:
        sub += f"; cash break-even {fy_label(result.years[dr.break_even_year])}"
    else:
        sub += "; no cash break-even within the horizon"
    domain = [
        "Cumulative net (all savings)",
        "Cumulative net (cashable savings only)",
        "Cumulative net, discounted",
    ]
    lines = (
        _titled(data, "Cumulative net position of the public sector: the dual-running gap", subtitle=sub)
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("year:O", title="Financial year", sort=[fy_label(y) for y in result.years]),
            y=_pounds(alt.Y, "gbp:Q", "Cumulative savings − costs (£)"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=domain, range=[GOV_BLUE, GOV_ORANGE, GOV_GREY]),
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
            strokeDash=alt.StrokeDash(
                "measure:N", scale=alt.Scale(domain=domain, range=[[1, 0], [6, 3], [2, 2]]), legend=None
            ),
            tooltip=[
                alt.Tooltip("year:O"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("gbp:Q", title="£", format=",.0f"),
            ],
        )
        .properties(width=620, height=340)
    )
    cash = data[data["measure"] == "Cumulative net (cashable savings only)"].copy()
    cash["zero"] = 0.0
    gap = (
        alt.Chart(cash)
        .mark_area(opacity=0.15, color=GOV_RED)
        .encode(x=alt.X("year:O", sort=[fy_label(y) for y in result.years]), y="gbp:Q", y2="zero:Q")
        .transform_filter("datum.gbp < 0")
    )
    rule = _rule("y", color="black")
    return gap + lines + rule


def who_pays_who_saves_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = who_pays_who_saves_data(result) if data is None else data
    chart = (
        _titled(
            data,
            "Who pays and who saves: net present value by budget holder",
            subtitle=f"£ over {plural(result.structure.n_years, 'year')}, {_prices(result)}, {_discounting(result)}",
        )
        .mark_bar()
        .encode(
            y=alt.Y(
                "agency:N",
                title=None,
                sort=alt.EncodingSortField("pv_net", order="ascending"),
                axis=alt.Axis(labelLimit=320),
            ),
            x=_pounds(alt.X, "pv_net:Q", "Net present value (£): savings − costs"),
            color=alt.Color(
                "position:N",
                title=None,
                scale=alt.Scale(
                    domain=["worse off", "better off", "no change"], range=[GOV_RED, GOV_GREEN, GOV_GREY]
                ),
                legend=alt.Legend(orient="bottom"),  # below: the bars keep the width (phones too)
            ),
            tooltip=[
                alt.Tooltip("agency:N", title="Budget holder"),
                alt.Tooltip("pv_costs:Q", title="PV costs (£)", format=",.0f"),
                alt.Tooltip("pv_savings:Q", title="PV savings (£)", format=",.0f"),
                alt.Tooltip("pv_net:Q", title="NPV (£)", format=",.0f"),
            ],
        )
        .properties(width=620, height=max(160, 36 * len(data)))
    )

    # worse off / better off in words at each bar, not by red against green alone
    # (on the empty side of the zero line: right of it for a bar that goes left, and the other way round)
    def words(side: str, align: Literal["left", "right"], dx: int) -> alt.Chart:
        return (
            alt.Chart(data)
            .transform_filter(f"datum.pv_net {side} 0")
            .mark_text(align=align, dx=dx, fontSize=11, color=TEXT_COLOUR)
            .encode(
                y=alt.Y("agency:N", sort=alt.EncodingSortField("pv_net", order="ascending")),
                x=alt.datum(0),
                text=alt.Text("position:N"),
            )
        )

    rule = _rule("x", color="black")
    return chart + words("<", "left", 4) + words(">=", "right", -4) + rule


def dual_running_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = dual_running_data(result) if data is None else data
    years = [fy_label(y) for y in result.years]
    bars = (
        _titled(
            data[data["measure"] != "Cumulative funding requirement"],
            "Dual running: prevention costs against cashable savings",
            subtitle=f"£ a year, {_prices(result)}, undiscounted",
        )
        .mark_bar(opacity=0.85)
        .encode(
            x=alt.X("year:O", title="Financial year", sort=years),
            xOffset=alt.XOffset("measure:N"),
            y=_pounds(alt.Y, "gbp:Q", "£ a year"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["Prevention costs", "Cashable savings"], range=[GOV_RED, GOV_GREEN]),
                legend=alt.Legend(orient="bottom", labelLimit=320),
            ),
            tooltip=[
                alt.Tooltip("year:O"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("gbp:Q", title="£", format=",.0f"),
            ],
        )
        .properties(width=620, height=320)
    )
    return bars


@dataclass(frozen=True)
class ChartKind:
    title: str
    caption: Callable[[TenYearTest], str]
    data: Callable[[TenYearTest], pd.DataFrame]
    chart: Callable[..., alt.TopLevelMixin]


CHART_KINDS: dict[str, ChartKind] = {
    "savings-by-department": ChartKind(
        "Discounted savings and costs by budget holder",
        lambda r: (
            f"Stacked bars: each budget holder's savings (above zero) and prevention costs (below zero) by year, "
            f"in present-value £ ({_prices(r)}, {_discounting(r)})."
        ),
        savings_by_department_data,
        savings_by_department_chart,
    ),
    "cumulative-position": ChartKind(
        "Cumulative net position and the dual-running gap",
        lambda r: (
            f"Cumulative savings minus costs for the whole public sector; the shaded area is the dual-running gap "
            f"before cashable savings catch up (undiscounted and discounted, {_prices(r)})."
        ),
        cumulative_position_data,
        cumulative_position_chart,
    ),
    "who-pays-who-saves": ChartKind(
        "Who pays and who saves",
        lambda r: (
            f"Net present value by budget holder over {plural(r.structure.n_years, 'year')}: red bars end up worse off, green better off "
            f"({_prices(r)}, {_discounting(r)})."
        ),
        who_pays_who_saves_data,
        who_pays_who_saves_chart,
    ),
    "dual-running": ChartKind(
        "Dual running by year",
        lambda r: (
            f"Prevention costs against the savings that can actually be taken out of budgets, each year, undiscounted ({_prices(r)})."
        ),
        dual_running_data,
        dual_running_chart,
    ),
}


def build_chart(kind: str, result: TenYearTest, data: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    """The configured chart of ``kind`` for a result (raises KeyError for an unknown kind).

    ``data`` is the kind's tidy frame when the caller already has it (e.g. for the CSV download).
    """
    spec = CHART_KINDS[kind]
    return _base_config(spec.chart(result, spec.data(result) if data is None else data))


# ---------------------------------------------------------------------------------------------
# Pooled budgets (costmodel.pooling.accounting): shown only for proposals with a pool or responsibility charges
# ---------------------------------------------------------------------------------------------


def _pooling(result: TenYearTest):
    return appraise_pool(result)


def pooling_partners_data(result: TenYearTest) -> pd.DataFrame:
    """Each agency's NPV before and after the pooling agreement and charges (empty if not pooled). [£]"""
    pr = _pooling(result)
    columns = ["agency_id", "agency", "partner", "when", "pv_net_gbp", "pv_contribution", "pv_savings"]
    if pr is None:
        return pd.DataFrame(columns=columns)
    rows = []
    for p in pr.positions:
        for when, net, sav in (
            ("before the agreement", p.pv_net_before, p.pv_savings_before),
            ("after the agreement", p.pv_net_after, p.pv_savings_after),
        ):
            rows.append(
                {
                    "agency_id": p.id,
                    "agency": p.name,
                    "partner": "partner" if p.partner else "outside the pool",
                    "when": when,
                    "pv_net_gbp": float(net),
                    "pv_contribution": float(
                        p.pv_contribution if when.startswith("after") else p.pv_costs_before
                    ),
                    "pv_savings": float(sav),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def pooling_partners_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = pooling_partners_data(result) if data is None else data
    domain = ["before the agreement", "after the agreement"]
    bars = (
        _titled(
            data,
            "Each budget holder's net position before and after the pooling agreement",
            subtitle=f"Net present value (£) over {plural(result.structure.n_years, 'year')}, {_prices(result)}",
        )
        .mark_bar()
        .encode(
            y=alt.Y("agency:N", title=None, axis=alt.Axis(labelLimit=320)),
            yOffset=alt.YOffset("when:N", sort=domain),
            x=_pounds(alt.X, "pv_net_gbp:Q", "Net present value (£)"),
            color=alt.Color(
                "when:N",
                title=None,
                sort=domain,
                scale=alt.Scale(domain=domain, range=[GOV_GREY, GOV_BLUE]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("agency:N", title="Budget holder"),
                alt.Tooltip("partner:N", title="In the pool"),
                alt.Tooltip("when:N", title="When"),
                alt.Tooltip("pv_contribution:Q", title="PV costs / contribution (£)", format=",.0f"),
                alt.Tooltip("pv_savings:Q", title="PV savings (£)", format=",.0f"),
                alt.Tooltip("pv_net_gbp:Q", title="NPV (£)", format=",.0f"),
            ],
        )
        .properties(width=620, height=max(160, 48 * max(1, len(data) // 2)))
    )
    rule = _rule("x", color="black")
    return bars + rule


def who_pays_who_saves_flows_data(result: TenYearTest) -> pd.DataFrame:
    """Payer → beneficiary flows in PV (savings, pool contributions in cash and in kind, cashable savings
    shares, charges); empty if not pooled. [£]"""
    pr = _pooling(result)
    columns = ["payer_id", "payer", "beneficiary_id", "beneficiary", "kind", "pv_gbp"]
    if pr is None:
        return pd.DataFrame(columns=columns)
    names = {p.id: p.name for p in pr.positions}
    rows = [
        {
            "payer_id": e.payer,
            "payer": names.get(e.payer, e.payer),
            "beneficiary_id": e.beneficiary,
            "beneficiary": names.get(e.beneficiary, e.beneficiary),
            "kind": e.kind,
            "pv_gbp": float(e.pv_amount),
        }
        for e in pr.flow_entries
    ]
    return pd.DataFrame(rows, columns=columns)


def who_pays_who_saves_flows_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = who_pays_who_saves_flows_data(result) if data is None else data
    data = data.assign(
        kind_label=data["kind"].map(
            {
                "savings": "Savings from the payer's spending",
                "contribution": "Pool contributions (cash)",
                "in_kind": "In-kind contributions (no cash)",
                "sharing": "Cashable savings paid over",
                "charge": "Responsibility charges",
            }
        )
    )
    order = [a.name for a in result.scenario.agencies]
    kinds = [
        "Savings from the payer's spending",
        "Pool contributions (cash)",
        "In-kind contributions (no cash)",
        "Cashable savings paid over",
        "Responsibility charges",
    ]
    # one row a cell (payer, beneficiary, kind), labelled in the app's money format (£4.04m, not 4.04M)
    keys = [c for c in data.columns if c != "pv_gbp"]
    data = data.groupby(keys, as_index=False, sort=False, dropna=False)["pv_gbp"].sum()
    data = data.assign(pv_label=[money(v) for v in data["pv_gbp"]])
    base = alt.Chart(data).encode(
        y=alt.Y("payer:N", title="Pays", sort=order, axis=alt.Axis(labelLimit=300)),
        x=alt.X(
            "beneficiary:N",
            title="Benefits",
            sort=order,
            axis=alt.Axis(labelAngle=-35, labelLimit=200, labelOverlap=False),
        ),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color(
            "sum(pv_gbp):Q",
            title="PV (£)",
            scale=alt.Scale(scheme="blues"),
            # £4m, £500k: the app's money format (Vega's "~s" writes 4M and 500k with no £)
            legend=alt.Legend(labelExpr="'£' + replace(replace(format(datum.value, '.3~s'), 'M', 'm'), 'G', 'bn')"),
        ),
        tooltip=[
            alt.Tooltip("kind_label:N", title="Flow"),
            alt.Tooltip("payer:N", title="Pays"),
            alt.Tooltip("beneficiary:N", title="Benefits"),
            alt.Tooltip("sum(pv_gbp):Q", title="PV (£)", format=",.0f"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(text=alt.Text("pv_label:N"))
    n = max(1, len(order))
    return (
        (cells + text)
        .properties(width=min(620, 72 * n), height=26 * len(set(data["payer"])) if len(data) else 30)
        .facet(
            row=alt.Row(
                "kind_label:N",
                title=None,
                sort=kinds,
                header=alt.Header(labelFontSize=12, labelAngle=0, labelOrient="top", labelAnchor="start"),
            ),
            title=alt.TitleParams(
                "Who pays, who saves: money flowing between budget holders",
                subtitle=f"Present value (£) over {plural(result.structure.n_years, 'year')}, {_prices(result)}; rows pay, columns benefit",
            ),
        )
    )


CHART_KINDS["pooling-partners"] = ChartKind(
    "Pooled budget: each partner before and after the agreement",
    lambda r: (
        f"Net present value of each budget holder without the agreement (grey) and under the pool, savings-sharing "
        f"rule and responsibility charges (blue) ({_prices(r)}, {_discounting(r)}). Shown only for pooled proposals."
    ),
    pooling_partners_data,
    pooling_partners_chart,
)
CHART_KINDS["who-pays-who-saves-flows"] = ChartKind(
    "Who pays, who saves: flows between budget holders",
    lambda r: (
        f"Present value of money flowing from each payer (rows) to each beneficiary (columns): savings from the "
        f"payers' prevention spending, pool contributions, savings shares and responsibility charges ({_prices(r)}, "
        f"{_discounting(r)}). Shown only for pooled proposals."
    ),
    who_pays_who_saves_flows_data,
    who_pays_who_saves_flows_chart,
)


# ---------------------------------------------------------------------------------------------
# Pooled budgets: each partner's cash requirement by year (dual running per partner)
# ---------------------------------------------------------------------------------------------


def pooling_cash_requirement_data(result: TenYearTest) -> pd.DataFrame:
    """Each partner's cash requirement by year, before and under the agreement, undiscounted. [£]

    The requirement is prevention costs (or pool contribution) plus charges paid, less charges received
    and cashable savings; its running total is the money the partner must find before savings cover
    it (pool partners only, or every budget holder when only responsibility charges are declared).
    """
    pr = _pooling(result)
    columns = ["agency_id", "agency", "year", "year_index", "when", "cash_requirement_gbp", "cumulative_gbp"]
    if pr is None:
        return pd.DataFrame(columns=columns)
    pf = pr.flows
    years = [fy_label(y) for y in result.years]
    rows = []
    for i, p in enumerate(pr.positions):
        if pr.has_pool and not p.partner:
            continue
        for when, req in (
            ("before the agreement", pf.cash_requirement_before[:, i]),
            ("under the agreement", pf.cash_requirement_after[:, i]),
        ):
            cumulative = np.cumsum(req)
            for t, y in enumerate(years):
                rows.append(
                    {
                        "agency_id": p.id,
                        "agency": p.name,
                        "year": y,
                        "year_index": t,
                        "when": when,
                        "cash_requirement_gbp": float(req[t]),
                        "cumulative_gbp": float(cumulative[t]),
                    }
                )
    return pd.DataFrame(rows, columns=columns)


def pooling_cash_requirement_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.Chart:
    data = pooling_cash_requirement_data(result) if data is None else data
    years = [fy_label(y) for y in result.years]
    domain = ["before the agreement", "under the agreement"]
    lines = (
        _titled(
            data,
            "Each partner's cash requirement under the agreement",
            subtitle=[
                f"Cumulative £ each partner must find before cashable savings cover its share, {_prices(result)}, "
                "undiscounted",
                "Solid lines: under the agreement; dashed lines: without it",
            ],
        )
        .mark_line(point=True)
        .encode(
            x=alt.X("year:O", title="Financial year", sort=years, axis=alt.Axis(labelAngle=0)),
            y=_pounds(alt.Y, "cumulative_gbp:Q", "Cumulative cash requirement (£)"),
            color=alt.Color(
                "agency:N",
                title=None,
                scale=alt.Scale(range=PALETTE),
                legend=alt.Legend(orient="bottom", labelLimit=320, columns=3),
            ),
            strokeDash=alt.StrokeDash(
                "when:N",
                title=None,
                sort=domain,
                scale=alt.Scale(domain=domain, range=[[4, 3], [1, 0]]),
                legend=None,  # the subtitle says which is which (a dash legend draws no symbol here)
            ),
            tooltip=[
                alt.Tooltip("agency:N", title="Budget holder"),
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("when:N", title="When"),
                alt.Tooltip("cash_requirement_gbp:Q", title="In the year (£)", format=",.0f"),
                alt.Tooltip("cumulative_gbp:Q", title="Cumulative (£)", format=",.0f"),
            ],
        )
        .properties(width=620, height=320)
    )
    rule = _rule("y", color="black")
    return lines + rule


CHART_KINDS["pooling-cash-requirement"] = ChartKind(
    "Pooled budget: each partner's cash requirement by year",
    lambda r: (
        f"Running total of each partner's prevention costs or pool contribution plus charges paid, less charges "
        f"received and cashable savings, without the agreement (dashed) and under it (solid); a positive figure is "
        f"money the partner must find to run the new service alongside the old ({_prices(r)}, undiscounted). "
        f"Shown only for pooled proposals."
    ),
    pooling_cash_requirement_data,
    pooling_cash_requirement_chart,
)

# The pooled-budget kinds, shown in the app's Pooling tab rather than with the other charts.
POOLING_CHART_KINDS = ("pooling-partners", "who-pays-who-saves-flows", "pooling-cash-requirement")


# ---------------------------------------------------------------------------------------------
# Uncertainty charts (costmodel.uncertainty): tornado and the Monte Carlo NPV distribution
# ---------------------------------------------------------------------------------------------


def _short_input_label(label: str, limit: int = 38) -> str:
    """'Line label: parameter' -> 'parameter · Line label' with the line label shortened, so the
    parameter that varies stays readable on a chart axis."""
    line, sep, param = label.rpartition(": ")
    if not sep:
        return label
    line = line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return f"{param} · {line}"


def tornado_data(result: TenYearTest, tornado: object | None = None) -> pd.DataFrame:
    """One row per ranged input and end of its range: the NPV with that input at its low or high. [£]"""
    t = tornado if tornado is not None else make_tornado(compile_uncertainty(result.scenario), result)
    rows = []
    for rank, bar in enumerate(t.bars):  # type: ignore[attr-defined]
        inp = bar.input
        for end, value, npv in (("low", inp.low, bar.npv_low), ("high", inp.high, bar.npv_high)):
            rows.append(
                {
                    "rank": rank,
                    "input": inp.id,
                    "label": inp.label,
                    "axis_label": _short_input_label(inp.label),
                    "end": f"at its {end}",
                    "value": value,
                    "central_value": inp.central,
                    # the values in words, in their own unit, as the tornado table writes them (£152k, 14.0%)
                    "value_text": format_value(inp, value),
                    "central_text": format_value(inp, inp.central),
                    "npv": npv,
                    "central_npv": t.central_npv,  # type: ignore[attr-defined]
                    "change": npv - t.central_npv,  # type: ignore[attr-defined]
                    "swing": bar.swing,
                }
            )
    columns = [
        "rank",
        "input",
        "label",
        "axis_label",
        "end",
        "value",
        "central_value",
        "value_text",
        "central_text",
        "npv",
        "central_npv",
        "change",
        "swing",
    ]
    return pd.DataFrame(rows, columns=columns)


def tornado_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.LayerChart:
    data = tornado_data(result) if data is None else data
    order = list(dict.fromkeys(data.sort_values("rank")["axis_label"]))
    bars = (
        _titled(
            data,
            "Tornado: which assumptions move the net present value most",
            subtitle=f"NPV with each ranged input at its low and high, others central (£, {_prices(result)})",
        )
        .mark_bar()
        .encode(
            y=alt.Y("axis_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=420)),
            x=_pounds(alt.X, "npv:Q", "Net present value (£)"),
            x2="central_npv:Q",
            color=alt.Color(
                "end:N",
                title=None,
                scale=alt.Scale(domain=["at its low", "at its high"], range=[GOV_BLUE, GOV_ORANGE]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Input"),
                alt.Tooltip("end:N", title="Set"),
                alt.Tooltip("value_text:N", title="Value"),
                alt.Tooltip("central_text:N", title="Central value"),
                alt.Tooltip("npv:Q", title="NPV (£)", format=",.0f"),
                alt.Tooltip("change:Q", title="Change from central (£)", format="+,.0f"),
            ],
        )
        .properties(width=620, height=max(160, 26 * len(order)))
    )
    central = _rule("x", result.npv, color="black")
    zero = _rule("x", 0.0, color=GOV_RED, strokeDash=[4, 3])
    return bars + central + zero


MAX_HISTOGRAM_BINS = 60


def npv_distribution_data(result: TenYearTest, simulation: object | None = None) -> pd.DataFrame:
    """Histogram of Monte Carlo NPVs (at most 60 rows: Altair never sees the draws themselves). [£]"""
    sim = simulation if simulation is not None else simulate(result.scenario, DEFAULT_DRAWS, DEFAULT_SEED)
    counts, edges = histogram(sim.npv, bins=40)  # type: ignore[attr-defined]
    mids = (edges[:-1] + edges[1:]) / 2
    total = counts.sum()
    return pd.DataFrame(
        {
            "npv_from": edges[:-1],
            "npv_to": edges[1:],
            "draws": counts.astype(int),
            "share": counts / total,
            "outcome": np.where(mids >= 0, "passes (NPV ≥ 0)", "fails (NPV < 0)"),
            "p_passes": sim.p_passes,  # type: ignore[attr-defined]
            "n_draws": sim.draws,  # type: ignore[attr-defined]
            "seed": sim.seed,  # type: ignore[attr-defined]
        }
    )


def npv_distribution_chart(result: TenYearTest, data: pd.DataFrame | None = None) -> alt.LayerChart:
    data = npv_distribution_data(result) if data is None else data
    p = float(data["p_passes"].iloc[0]) if len(data) else 0.0
    n = int(data["n_draws"].iloc[0]) if len(data) else 0
    bars = (
        _titled(
            data,
            "Monte Carlo: how likely is the proposal to pass the Ten Year Test?",
            subtitle=f"{plural(n, 'draw')}; probability NPV ≥ 0: {p:.1%} (£, {_prices(result)})",
        )
        .mark_bar()
        .encode(
            x=_pounds(alt.X, "npv_from:Q", "Net present value (£)", bin="binned"),
            x2="npv_to:Q",
            y=alt.Y("draws:Q", title="Draws"),
            color=alt.Color(
                "outcome:N",
                title=None,
                scale=alt.Scale(domain=["fails (NPV < 0)", "passes (NPV ≥ 0)"], range=[GOV_RED, GOV_GREEN]),
                legend=alt.Legend(orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("npv_from:Q", title="NPV from (£)", format=",.0f"),
                alt.Tooltip("npv_to:Q", title="NPV to (£)", format=",.0f"),
                alt.Tooltip("draws:Q", title="Draws"),
                alt.Tooltip("share:Q", title="Share", format=".1%"),
            ],
        )
        .properties(width=620, height=300)
    )
    central = _rule("x", result.npv, color="black")
    # fails / passes in words either side of zero, not by red against green alone
    zero_rule = _rule("x", 0.0, color=TEXT_COLOUR, strokeDash=[4, 3])
    sides = alt.Chart(
        pd.DataFrame({"x": [0.0, 0.0], "label": ["← fails", "passes →"], "side": ["right", "left"]})
    )
    fails = (
        sides.transform_filter("datum.side == 'right'")
        .mark_text(align="right", baseline="top", dx=-4, y=4, fontSize=11, color=TEXT_COLOUR)
        .encode(x="x:Q", text="label:N")
    )
    passes = (
        sides.transform_filter("datum.side == 'left'")
        .mark_text(align="left", baseline="top", dx=4, y=4, fontSize=11, color=TEXT_COLOUR)
        .encode(x="x:Q", text="label:N")
    )
    return bars + zero_rule + fails + passes + central


CHART_KINDS.update(
    {
        "tornado": ChartKind(
            "Tornado sensitivity",
            lambda r: (
                f"Net present value with each ranged assumption at the low and high end of its range, the others at "
                f"their central values; the black line is the central NPV, the dashed red line zero ({_prices(r)}, "
                f"{_discounting(r)})."
            ),
            tornado_data,
            tornado_chart,
        ),
        "npv-distribution": ChartKind(
            "Distribution of the net present value (Monte Carlo)",
            lambda r: (
                "Histogram of the NPV over 10,000 joint draws of every ranged assumption (independent, seed fixed); "
                f"green bars pass the Ten Year Test, red bars fail; the black line is the central NPV ({_prices(r)})."
            ),
            npv_distribution_data,
            npv_distribution_chart,
        ),
    }
)


# ---------------------------------------------------------------------------------------------
# Options appraisal (costmodel.present.options_report.options_dict)
# ---------------------------------------------------------------------------------------------


def options_npv_by_holder_data(d: dict) -> pd.DataFrame:
    """Each option's NPV against BAU by budget holder (tidy: option, budget holder, £)."""
    rows = [
        {
            "option": e["name"],
            "budget_holder": name,
            "npv_gbp": e["incremental"]["by_budget_holder"][aid]["npv"],
        }
        for e in d["entries"]
        if e["role"] != "bau"
        for aid, name in d["budget_holders"].items()
    ]
    return pd.DataFrame(rows, columns=["option", "budget_holder", "npv_gbp"])


def options_npv_by_holder_caption(d: dict) -> str:
    b = d["basis"]
    return (
        f"Net present value of each option against BAU by budget holder (£, {fy_label(b['price_base_year'])} "
        f"prices, discounted to {fy_label(b['discount_year'])}): above zero the budget holder gains, below it loses."
    )


def options_npv_by_holder_chart(d: dict, data: pd.DataFrame | None = None) -> alt.TopLevelMixin:
    data = options_npv_by_holder_data(d) if data is None else data
    order = list(d["budget_holders"].values())
    options = [e["name"] for e in d["entries"] if e["role"] != "bau"]
    bars = (
        _titled(data, "Incremental NPV by budget holder", subtitle="£ against BAU; losses below zero")
        .mark_bar()
        .encode(
            x=alt.X("option:N", title=None, sort=options, axis=alt.Axis(labelAngle=0, labelLimit=180)),
            y=_pounds(alt.Y, "sum(npv_gbp):Q", "NPV against BAU (£)"),
            color=alt.Color(
                "budget_holder:N",
                title="Budget holder",
                sort=order,
                scale=alt.Scale(domain=order, range=(PALETTE * 3)[: len(order)]),
            ),
            tooltip=[
                alt.Tooltip("option:N", title="Option"),
                alt.Tooltip("budget_holder:N", title="Budget holder"),
                alt.Tooltip("npv_gbp:Q", title="NPV against BAU (£)", format=",.0f"),
            ],
        )
        .properties(width=620, height=340)
    )
    rule = _rule("y", color=GOV_GREY)
    return _base_config(bars + rule)
