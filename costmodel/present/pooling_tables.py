"""Pooling results as tables for the app (pandas frames; each is also the table's CSV download).

Presentation only: every figure comes from :func:`costmodel.pooling.accounting.appraise_pool`. Money columns are
present values in £ (price base year, discounted to year 0) unless the column name says otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..formatting import fy_label
from ..pooling.accounting import PoolingResult
from .pooling_report import PAYMENT_KIND_LABELS

SOLVER_RULE_LABELS = {
    "proportional": "Proportional to each partner's PV of savings",
    "cashable": "Proportional to each partner's PV of cashable savings",
}

FLOW_KIND_LABELS = {
    "savings": "Savings from the payer's spending",
    "contribution": "Pool contribution (cash)",
    "in_kind": "In-kind contribution (no cash moves)",
    "sharing": "Cashable savings paid over",
    "charge": "Responsibility charge",
}

_PARTNER_COLUMNS = {  # all present values [£]
    "pv_contribution": "Puts in (£)",
    "pv_savings_before": "Saves before sharing (£)",
    "pv_non_cashable": "Of which capacity freed, kept (£)",
    "pv_savings_after": "Saves after sharing (£)",
    "pv_charges_paid": "Charges paid (£)",
    "pv_charges_received": "Charges received (£)",
    "pv_net_before": "NPV before (£)",
    "pv_net_after": "NPV after (£)",
}
PEAK_COLUMN = "Peak cash need after (£)"
MONEY_COLUMNS = tuple(_PARTNER_COLUMNS.values())


def _role(pr: PoolingResult, partner: bool, host: bool) -> str:
    if not pr.has_pool:
        return "no pool"
    if host:
        return "partner (host)"
    return "partner" if partner else "outside the pool"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


def partner_table(pr: PoolingResult) -> pd.DataFrame:
    """One row per budget holder plus the whole public sector: the pooling agreement in PV. [£]

    "Puts in" is the present value of what the budget holder pays towards prevention under the agreement
    (its pool contribution, including in kind; its own costs when there is no pool). The NPV columns
    add up to the whole-public-sector NPV. The peak cash need is undiscounted: the most the budget
    holder must find at once under the agreement before cashable savings cover its costs and charges.
    """
    rows = []
    for p in pr.positions:
        row: dict[str, object] = {"Budget holder": p.name, "In the pool": _role(pr, p.partner, p.host)}
        row |= {label: float(getattr(p, attr)) for attr, label in _PARTNER_COLUMNS.items()}
        row["Passes alone: before"] = _yes_no(p.passes_alone_before)
        row["Passes alone: after"] = _yes_no(p.passes_alone_after)
        row[PEAK_COLUMN] = float(p.peak_cash_requirement_after)
        rows.append(row)
    frame = pd.DataFrame(rows)
    total: dict[str, object] = {"Budget holder": "Total public sector", "In the pool": ""}
    total |= {label: float(frame[label].sum()) for label in MONEY_COLUMNS}
    total |= {"Passes alone: before": "", "Passes alone: after": ""}
    # the whole public sector's peak: of the summed requirement (sharing moves money, so it is the same
    # with or without the agreement), not the sum of the partners' peaks
    whole = np.cumsum(pr.flows.cash_requirement_after.sum(axis=-1), axis=-1)
    total[PEAK_COLUMN] = float(max(whole.max(), 0.0))
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    return frame


def flows_table(pr: PoolingResult) -> pd.DataFrame:
    """Payer -> beneficiary flows in PV, biggest first within each kind (a budget holder's flows to
    itself left out). [£]"""
    names = {p.id: p.name for p in pr.positions}
    rows = [
        {
            "Pays": names.get(e.payer, e.payer),
            "Benefits": names.get(e.beneficiary, e.beneficiary),
            "Flow": FLOW_KIND_LABELS.get(e.kind, e.kind),
            "PV (£)": float(e.pv_amount),
        }
        for e in pr.flow_entries
        if e.payer != e.beneficiary
    ]
    return pd.DataFrame(rows, columns=["Pays", "Benefits", "Flow", "PV (£)"])


def cash_requirement_table(pr: PoolingResult) -> pd.DataFrame:
    """Each partner's cumulative cash requirement by year under the agreement, undiscounted, and its
    peak (every budget holder when there is no pool). [£]"""
    cumulative = np.cumsum(pr.flows.cash_requirement_after, axis=-2)
    years = [fy_label(y) for y in pr.years]
    rows = []
    for i, p in enumerate(pr.positions):
        if pr.has_pool and not p.partner:
            continue
        row: dict[str, object] = {"Partner": p.name}
        row |= {y: float(v) for y, v in zip(years, cumulative[:, i], strict=True)}
        row["Peak (£)"] = float(p.peak_cash_requirement_after)
        row["Peak without the agreement (£)"] = float(p.peak_cash_requirement_before)
        rows.append(row)
    return pd.DataFrame(rows)


PAYMENT_COLUMNS = ["Year", "Pays", "Receives", "Payment", "Cash (£)", "Real (£)"]


def payment_schedule_table(pr: PoolingResult) -> pd.DataFrame:
    """The agreement's payment schedule: who pays whom, each year, in cash (nominal, undiscounted) and in
    price-base prices (real, undiscounted). In-kind contributions move no cash and are not listed. [£]"""
    names = {p.id: p.name for p in pr.positions}
    rows = [
        {
            "Year": fy_label(p.year),
            "Pays": names.get(p.payer, p.payer),
            "Receives": names.get(p.payee, p.payee),
            "Payment": PAYMENT_KIND_LABELS[p.kind][:1].upper() + PAYMENT_KIND_LABELS[p.kind][1:],
            "Cash (£)": float(p.amount_cash),
            "Real (£)": float(p.amount_real),
        }
        for p in pr.payments
    ]
    return pd.DataFrame(rows, columns=PAYMENT_COLUMNS)


FAIR_SHARE_SHARES = (
    "Weight",
    "Proposed contribution share",
    "Proposed savings share",
    "Current savings share",
    "Mixed: savings share",
    "Mixed: contribution share",
)
"""The fair-share table's columns of shares. [fraction]"""

FAIR_SHARE_MONEY = (
    "Capacity freed, kept (£)",
    "Cash position under the proposal (£)",
    "NPV under the proposal (£)",
    "NPV now (£)",
)
"""The fair-share table's columns of money. [£]"""


def fair_share_table(pr: PoolingResult) -> pd.DataFrame:
    """The fair-share solver's proposal beside the current agreement (empty when it was not asked
    for or no agreement exists). Shares are [fraction]; NPVs [£]."""
    fs = pr.fair_share
    columns = ["Partner", *FAIR_SHARE_SHARES, *FAIR_SHARE_MONEY]
    if fs is None or not fs.feasible:
        return pd.DataFrame(columns=columns)
    names = {p.id: p.name for p in pr.positions}
    rows = [
        {
            "Partner": names.get(pid, pid),
            "Weight": fs.weights[k],
            "Proposed contribution share": fs.contribution_shares[k],
            "Proposed savings share": fs.savings_shares[k],
            "Current savings share": fs.current_savings_shares[k],
            "Mixed: savings share": fs.mixed_savings_shares[k],
            "Mixed: contribution share": fs.mixed_contribution_shares[k],
            "Capacity freed, kept (£)": fs.non_cashable[k],
            "Cash position under the proposal (£)": fs.target_cash[k],
            "NPV under the proposal (£)": fs.target_net[k],
            "NPV now (£)": fs.current_net[k],
        }
        for k, pid in enumerate(fs.partners)
    ]
    return pd.DataFrame(rows, columns=columns)
