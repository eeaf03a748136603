"""Pooling results as a JSON-ready dict and a text table (used by ``costmodel run`` and ``costmodel pool``).

The ``pooling`` object is documented in ``docs/pooled-budgets.md``. Every agency appears in
``partners`` (with ``partner: true`` for pool members), so the ``pv_net_after`` values add up to the
whole-public-sector NPV.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..formatting import fy_label, money
from ..pooling.accounting import PoolingResult
from .jsonsafe import json_number, json_series

_f = json_number
_series = json_series


def pooling_to_dict(pr: PoolingResult) -> dict[str, Any]:
    """The ``pooling`` object of the JSON output."""
    pf = pr.flows
    partners = []
    for i, pos in enumerate(pr.positions):
        partners.append(
            {
                "id": pos.id,
                "name": pos.name,
                "partner": pos.partner,
                "host": pos.host,
                "pv_contribution": _f(pos.pv_contribution),
                "pv_in_kind": _f(pos.pv_in_kind),
                "pv_costs_before": _f(pos.pv_costs_before),
                "pv_savings_before": _f(pos.pv_savings_before),
                "pv_savings_after": _f(pos.pv_savings_after),
                "pv_cashable_before": _f(pos.pv_cashable_before),
                "pv_cashable_after": _f(pos.pv_cashable_after),
                "pv_charges_paid": _f(pos.pv_charges_paid),
                "pv_charges_received": _f(pos.pv_charges_received),
                "pv_net_before": _f(pos.pv_net_before),
                "pv_net_after": _f(pos.pv_net_after),
                "passes_alone_before": pos.passes_alone_before,
                "passes_alone_after": pos.passes_alone_after,
                "peak_cash_requirement_before": _f(pos.peak_cash_requirement_before),
                "peak_cash_requirement_after": _f(pos.peak_cash_requirement_after),
                "series": {
                    "contribution": _series(pf.costs_after[:, i]),
                    "savings_before": _series(pf.savings_before[:, i]),
                    "savings_after": _series(pf.savings_after[:, i]),
                    "charges_paid": _series(pf.charges_paid[:, i]),
                    "charges_received": _series(pf.charges_received[:, i]),
                    "net_after": _series(pf.net_after[:, i]),
                    "cash_requirement_after": _series(pf.cash_requirement_after[:, i]),
                    "cumulative_cash_requirement_after": _series(np.cumsum(pf.cash_requirement_after[:, i])),
                },
            }
        )
    out: dict[str, Any] = {
        "pool": pr.pool_name or None,
        "has_pool": pr.has_pool,
        "sharing_rule": pr.rule if pr.has_pool else None,
        "host": pr.host,
        "years": list(pr.years),
        "npv": _f(pr.npv),
        "partners": partners,
        "flows": [
            {"payer": e.payer, "beneficiary": e.beneficiary, "kind": e.kind, "pv_amount": _f(e.pv_amount)}
            for e in pr.flow_entries
        ],
        "notes": list(pr.notes),
    }
    fs = pr.fair_share
    if fs is not None:
        out["fair_share"] = {
            "rule": fs.rule,
            "feasible": fs.feasible,
            "partners_npv": _f(fs.partners_npv),
            "explanation": fs.explanation,
            "distance_gbp": _f(fs.distance_gbp),
            "share_distance": _f(fs.share_distance),
            "contribution_shares_valid": fs.contribution_shares_valid,
            "savings_shares_valid": fs.savings_shares_valid,
            "shares": [
                {
                    "partner": p,
                    "weight": _f(fs.weights[k]),
                    "contribution_share": _f(fs.contribution_shares[k]),
                    "savings_share": _f(fs.savings_shares[k]),
                    "current_savings_share": _f(fs.current_savings_shares[k]),
                    "pv_net_fair": _f(fs.target_net[k]),
                    "pv_net_current": _f(fs.current_net[k]),
                }
                for k, p in enumerate(fs.partners)
            ],
        }
    return out


def _k(v: float) -> str:
    x = round(v / 1000)
    return f"{x:,.0f}".replace("-", "\u2212") if x != 0 else "0"  # never "−0"


def render_pooling_table(pr: PoolingResult, price_base_year: int) -> str:
    """The pooling section of the text table."""
    lines: list[str] = []
    title = f"Pooled budget: {pr.pool_name}" if pr.has_pool else "Responsibility charges"
    lines.append(title)
    if pr.has_pool:
        lines.append(
            f"Sharing rule: {pr.rule.replace('_', ' ')} · host {pr.host} · PV £ thousands, {fy_label(price_base_year)} prices"
        )
    else:
        lines.append(f"PV £ thousands, {fy_label(price_base_year)} prices")
    names = [p.name + (" *" if p.partner else "") for p in pr.positions]
    nw = max([len(n) for n in names] + [len("Total public sector"), 14])
    cols = ["put in", "saves", "after shr", "chg paid", "chg recv", "net bef", "net aft", "alone?"]
    hdr = f"{'Agency':<{nw}} " + " ".join(f"{c:>9}" for c in cols)
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for n, p in zip(names, pr.positions, strict=True):
        alone = ("yes" if p.passes_alone_before else "no") + "→" + ("yes" if p.passes_alone_after else "no")
        vals = [
            p.pv_contribution,
            p.pv_savings_before,
            p.pv_savings_after,
            p.pv_charges_paid,
            p.pv_charges_received,
            p.pv_net_before,
            p.pv_net_after,
        ]
        lines.append(f"{n:<{nw}} " + " ".join(f"{_k(v):>9}" for v in vals) + f" {alone:>9}")
    lines.append("-" * len(hdr))
    tot = [
        sum(getattr(p, k) for p in pr.positions)
        for k in (
            "pv_contribution",
            "pv_savings_before",
            "pv_savings_after",
            "pv_charges_paid",
            "pv_charges_received",
            "pv_net_before",
            "pv_net_after",
        )
    ]
    lines.append(f"{'Total public sector':<{nw}} " + " ".join(f"{_k(v):>9}" for v in tot))
    if pr.has_pool:
        lines.append(
            "* pool partner. 'alone?': passes the Ten Year Test on its own, before → after the agreement."
        )
    lines.append("")
    lines.append("Who pays → who saves (PV):")
    labels = {
        "savings": "savings",
        "contribution": "pool contribution",
        "sharing": "savings share",
        "charge": "charge",
    }
    for e in pr.flow_entries:
        if e.payer == e.beneficiary:
            continue
        lines.append(f"  {e.payer} → {e.beneficiary}: {money(e.pv_amount)} ({labels.get(e.kind, e.kind)})")
    if pr.has_pool:
        lines.append("")
        lines.append(
            "Cash requirement by year under the agreement (costs + charges − cashable savings), £ thousands:"
        )
        years = [fy_label(y)[2:] for y in pr.years]
        lines.append(f"{'':<{nw}} " + " ".join(f"{y:>7}" for y in years) + f" {'peak':>8}")
        for i, p in enumerate(pr.positions):
            if not p.partner:
                continue
            row = " ".join(f"{_k(v):>7}" for v in np.cumsum(pr.flows.cash_requirement_after[:, i]))
            lines.append(f"{p.name:<{nw}} {row} {_k(p.peak_cash_requirement_after):>8}")
        lines.append(
            "(cumulative; a positive figure is money the partner must find, e.g. from reserves or a fund)"
        )
    fs = pr.fair_share
    if fs is not None:
        lines.append("")
        basis = "PV savings" if fs.rule == "proportional" else "PV cashable savings"
        lines.append(f"Fair-share agreement (each partner's NPV in proportion to its {basis}):")
        lines.append(fs.explanation)
        if fs.feasible:
            lines.append(
                f"{'Partner':<{nw}} {'weight':>8} {'contrib sh':>10} {'savings sh':>10} {'current sh':>10} {'NPV fair':>9} {'NPV now':>9}"
            )
            for k, pid in enumerate(fs.partners):
                lines.append(
                    f"{pid:<{nw}} {fs.weights[k]:>8.4f} {fs.contribution_shares[k]:>10.4f} {fs.savings_shares[k]:>10.4f} "
                    f"{fs.current_savings_shares[k]:>10.4f} {_k(fs.target_net[k]):>9} {_k(fs.current_net[k]):>9}"
                )
            lines.append(
                "contrib sh: share of the prevention costs each pays, savings falling as they fall; savings sh: share of "
                "the pooled savings each receives, contributions as declared."
            )
            if not fs.contribution_shares_valid:
                lines.append(
                    "(the contribution shares include a negative one: use the savings shares instead)"
                )
            lines.append(
                f"Distance of the current agreement from it: {money(fs.distance_gbp)} would have to move between "
                f"partners ({fs.share_distance:.1%} of the pooled savings re-allocated)."
            )
    for note in pr.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"
