"""Result tables as pandas data frames (for the app's tables and their CSV downloads)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..formatting import fy_label

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest


def ten_year_table(result: TenYearTest) -> pd.DataFrame:
    """The Ten Year Test table: net position (savings − costs) by budget holder (rows) and financial
    year (columns), undiscounted [£, price-base-year prices], then the present values of the
    firm-budget years, the years beyond and the whole horizon [£]; a total row for the public sector
    and one for the cashable position."""
    fl = result.flows
    years = [fy_label(y) for y in result.years]
    net = fl.savings - fl.costs
    rows: list[dict[str, str | float]] = []
    for i, a in enumerate(result.scenario.agencies):
        row: dict[str, str | float] = {"Budget holder": a.name}
        row |= {y: float(net[t, i]) for t, y in enumerate(years)}
        row |= {
            "PV firm-budget years": float(result.pv_net_firm_by_agency[i]),
            "PV years beyond": float(result.pv_net_beyond_by_agency[i]),
            "NPV": float(result.pv_net_by_agency[i]),
        }
        rows.append(row)
    total = net.sum(axis=1)
    row = {"Budget holder": "Total public sector"}
    row |= {y: float(total[t]) for t, y in enumerate(years)}
    row |= {"PV firm-budget years": result.npv_firm, "PV years beyond": result.npv_beyond, "NPV": result.npv}
    rows.append(row)
    cash = fl.cashable.sum(axis=1) - fl.costs.sum(axis=1)
    row = {"Budget holder": "  of which cashable"}
    row |= {y: float(cash[t]) for t, y in enumerate(years)}
    row |= {
        "PV firm-budget years": result.pv_cash_net_firm,
        "PV years beyond": result.pv_cash_net_beyond,
        "NPV": result.pv_cash_net,
    }
    rows.append(row)
    return pd.DataFrame(rows)


def cash_table(result: TenYearTest) -> pd.DataFrame:
    """The medium-term financial table: for each budget holder (and the whole public sector) and each
    financial year, prevention costs, cashable savings, non-cashable savings (capacity, not cash), net
    cash position and cumulative net cash [£ cash, nominal, undiscounted]."""
    c = result.cash
    assert c is not None
    years = [fy_label(y) for y in result.years]
    rows: list[dict[str, str | float]] = []
    blocks = [(a.name, i) for i, a in enumerate(result.scenario.agencies)] + [("Total public sector", None)]
    for name, i in blocks:
        def pick(arr, _i=i):  # type: ignore[no-untyped-def]
            return arr.sum(axis=1) if _i is None else arr[:, _i]

        net = pick(c.net)
        for line, values in (
            ("prevention costs", pick(c.costs)),
            ("cashable savings", pick(c.cashable)),
            ("non-cashable savings (capacity)", pick(c.non_cashable)),
            ("net cash position", net),
            ("cumulative net cash", net.cumsum()),
        ):
            row: dict[str, str | float] = {"Budget holder": name, "Line": line}
            row |= {y: float(values[t]) for t, y in enumerate(years)}
            rows.append(row)
    return pd.DataFrame(rows)
