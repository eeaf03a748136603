"""Value beyond the budget on the Ten Year Test page (issue 12's value layers, from the engine's
``TenYearTest.value_layers``): the fiscal layer split into cash and freed capacity, the economic and
social layers, the net present public value with the benefit-cost ratio (public value), and the
"not counted" list. The verdict itself stays fiscal. No calculation here.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from costmodel.appraisal.engine import TenYearTest
from costmodel.formatting import fy_label, money, per_pound, ratio
from costmodel.present import markup

DIRECTION_WORDS = {
    "positive": "leaving it out understates the value",
    "negative": "leaving it out overstates the value",
    "uncertain": "leaving it out may over- or understate the value",
}


def not_counted(r: TenYearTest) -> list[str]:
    """What no figure counts: the impacts the file names (``unmonetised``), then the standard exclusions
    that apply to this proposal (an empty layer, the years beyond the horizon)."""
    items = [
        f"{u.impact} ({DIRECTION_WORDS.get(u.direction, u.direction)}): {u.evidence}"
        for u in r.scenario.proposal.unmonetised
    ]
    layers = r.value_layers
    if abs(layers.economic.pv_benefits) < 0.5:
        items.append("Economic value (output and earnings gained): none is valued for this proposal.")
    if abs(layers.social.pv_benefits) < 0.5:
        items.append("Social value (harm to victims, wellbeing): none is valued for this proposal.")
    last = r.years[-1]
    items.append(f"Anything after {fy_label(last)}, the appraisal's last year.")
    return items


def layer_rows(r: TenYearTest) -> list[dict[str, Any]]:
    """The layers as table rows: PV benefits, PV costs, NPV and per £1 of public cost, in words; for
    risk-adjusted figures, each layer's PV benefits and NPV before optimism bias beside them."""
    v = r.value_layers
    costs = v.pv_public_costs
    before = _layer_figures(r.unadjusted.value_layers) if r.unadjusted is not None else None

    def per(x: float) -> str:
        return per_pound(x / costs) if costs > 0.5 else "n/a"

    cash_note = "saves the public purse" if v.pv_cashable >= 0 else "adds to public spending"
    what = {
        "Fiscal: cash": cash_note,
        "Fiscal: freed capacity": "frees capacity, releases no cash",
        "Fiscal (the Ten Year Test)": "public budgets",
        "Economic": "output and earnings",
        "Social": "harm avoided, wellbeing",
        "Public value (all layers)": "fiscal + economic + social",
    }
    rows = []
    for name, (benefits, pv_costs) in _layer_figures(v).items():
        row = {
            "Layer": name,
            "What it is": what[name],
            "PV benefits": money(benefits, exact=True),
            "PV costs": "" if pv_costs is None else money(pv_costs, exact=True),
            "NPV": "" if pv_costs is None else money(benefits - pv_costs, exact=True),
            "Per £1 of public cost": per(benefits),
        }
        if before is not None:  # the same layer before optimism bias (costs not raised, benefits not cut)
            b_benefits, b_costs = before[name]
            row["PV benefits before optimism bias"] = money(b_benefits, exact=True)
            row["NPV before optimism bias"] = "" if b_costs is None else money(b_benefits - b_costs, exact=True)
        rows.append(row)
    return rows


def _layer_figures(v: Any) -> dict[str, tuple[float, float | None]]:
    """Each row's (PV benefits, PV costs or None) from a ``ValueLayers`` [£]."""
    return {
        "Fiscal: cash": (v.pv_cashable, None),
        "Fiscal: freed capacity": (v.pv_non_cashable, None),
        "Fiscal (the Ten Year Test)": (v.fiscal.pv_benefits, v.fiscal.pv_costs),
        "Economic": (v.economic.pv_benefits, None),
        "Social": (v.social.pv_benefits, None),
        "Public value (all layers)": (v.pv_benefits, v.pv_public_costs),
    }


def show_value_measures(r: TenYearTest, cols: Any) -> None:
    """Three metrics: the net present public value, the benefit-cost ratio (public value) and the fiscal
    return on investment (never called a benefit-cost ratio)."""
    v = r.value_layers
    cols[0].metric(
        "Net present public value",
        money(v.net_present_public_value),
        help="Fiscal + economic + social value, less the costs to the public sector (present values). "
        "The Ten Year Test verdict rests on the fiscal layer alone.",
    )
    cols[1].metric(
        "Benefit-cost ratio (public value)",
        ratio(v.benefit_cost_ratio),
        help="PV benefits of all layers / PV costs to the public sector (HM Treasury Green Book).",
    )


def show_value_layers(r: TenYearTest) -> None:
    """The layers table and the "not counted" list (in an expander: the verdict and figures come first)."""
    import pandas as pd

    from app_pages.common import markdown_frame

    v = r.value_layers
    title = (
        f"Value beyond the budget: net present public value {money(v.net_present_public_value)}"
        if v.has_wider_value
        else "Value layers: only fiscal value is counted for this proposal"
    )
    with st.expander(title, icon=":material/layers:"):
        st.markdown(
            f"Present values, £ real, {fy_label(r.structure.price_base_year)} prices. The Ten Year Test verdict "
            "is the fiscal layer's; economic and social value are shown beside it, never in it."
        )
        st.table(markdown_frame(pd.DataFrame(layer_rows(r))), hide_index=True)
        st.markdown("**Not counted**")
        st.markdown("\n".join(f"- {markup.literal(item)}" for item in not_counted(r)))
