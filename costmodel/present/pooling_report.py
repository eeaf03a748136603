"""Pooling results as a JSON-ready dict and a text table (used by ``costmodel run`` and ``costmodel pool``).

The ``pooling`` object is documented in ``docs/pooled-budgets.md``. Every agency appears in
``partners`` (with ``partner: true`` for pool members), so the ``pv_net_after`` values add up to the
whole-public-sector NPV.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..formatting import fy_label, money
from ..pooling.accounting import FairShareResult, PoolingResult, PoolNote
from .jsonsafe import json_number, json_series

_f = json_number
_series = json_series

PAYMENT_KIND_LABELS = {
    "contribution": "pool contribution (cash)",
    "savings_share": "cashable savings paid over",
    "charge": "change in a responsibility charge",
}


def agency_names(pr: PoolingResult) -> dict[str, str]:
    """Budget-holder names by id (notes and sentences name budget holders, not ids)."""
    return {p.id: p.name for p in pr.positions}


def note_text(note: PoolNote, names: Mapping[str, str]) -> str:
    """One pooling note in words (lower-case start, no full stop: the caller frames it)."""
    who = names.get(str(note.agency), str(note.agency))
    if note.code == "host_meets_balance":
        return (
            f"the host, {who}, pays the part of the prevention costs the partners' stated contributions "
            f"do not cover (PV £{note.amount:,.0f})"
        )
    if note.code == "host_keeps_underspend":
        return (
            f"the partners' contributions exceed the prevention costs: the host, {who}, keeps the "
            f"underspend (PV £{note.amount:,.0f})"
        )
    if note.code == "formula_share_without_contribution":
        return f"partner {who} puts nothing in but the formula gives it a share of the savings"
    if note.code == "savings_outside_pool":
        return (
            "savings also land outside the pool, on "
            + ", ".join(f"{names.get(a, a)} (PV £{v:,.0f})" for a, v in note.outside)
            + ": they keep them, as they fall"
        )
    if note.code == "no_pool_every_agency_a_partner":
        return "no pool is declared: the fair-share agreement treats every agency as a partner"
    if note.code == "non_cashable_stays":
        return (
            "the agreement shares cash only: the partners' non-cashable savings (PV "
            f"£{note.amount:,.0f}) free capacity where they fall and are never paid over"
        )
    raise ValueError(f"unknown pooling note code '{note.code}'")


def note_texts(pr: PoolingResult) -> list[str]:
    names = agency_names(pr)
    return [note_text(n, names) for n in pr.notes]


def fair_share_explanation(fs: FairShareResult) -> str:
    """What the fair-share solver found, in words: whether a cash agreement leaves every partner whole."""
    N = fs.partners_npv
    if fs.status == "short_overall":
        text = (
            f"No agreement can leave every partner no worse off: the partners' combined NPV is −£{-N:,.0f} "
            f"(PV savings £{fs.partners_pv_savings:,.0f} against PV costs £{fs.partners_pv_costs:,.0f}). Sharing "
            "and charges only move money between partners; they cannot create it."
        )
        if fs.outside_pv_savings > 0.005:
            text += (
                f" Savings of £{fs.outside_pv_savings:,.0f} fall on bodies outside the pool: bringing them in "
                "(or charging them) could close the gap."
            )
        return text
    if fs.status == "beyond_cash":
        return (
            f"No cash agreement can leave every partner no worse off: the partners' combined NPV is "
            f"£{N:,.0f}, but non-cashable savings (capacity freed) are never paid over, and making up for "
            "them would pay a partner more cash than the cashable savings that exist (PV "
            f"£{fs.partners_pv_cashable:,.0f})."
        )
    basis = "PV of savings" if fs.rule == "proportional" else "PV of cashable savings"
    text = (
        f"Every partner ends with the same fraction of the partners' combined NPV (£{N:,.0f}) as its share "
        f"of their {basis}, so none is worse off. Only cash moves: each partner keeps its own non-cashable "
        "savings (capacity freed)."
    )
    if not (fs.savings_shares_valid or fs.contribution_shares_valid):
        text += (
            " Neither lever alone delivers it: use both, each partner receiving its mixed share of the pooled "
            "cashable savings and paying its mixed share of the costs."
        )
    if fs.cash_whole:
        return text + (
            f" In cash alone the partners come out £{fs.partners_cash:,.0f} ahead, so an agreement could also "
            "leave every partner's cash whole."
        )
    return text + (
        f" In cash alone the partners are £{-fs.partners_cash:,.0f} short (PV cashable savings "
        f"£{fs.partners_pv_cashable:,.0f} against PV costs £{fs.partners_pv_costs:,.0f}): no cash agreement "
        "leaves every partner's cash whole, so some are whole only counting the capacity freed in their "
        "own services."
    )


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
                "pv_non_cashable": _f(pos.pv_non_cashable),
                "pv_cash_position_after": _f(pos.pv_cash_position_after),
                "series": {
                    "contribution": _series(pf.costs_after[:, i]),
                    "savings_before": _series(pf.savings_before[:, i]),
                    "savings_after": _series(pf.savings_after[:, i]),
                    "cashable_after": _series(pf.cashable_after[:, i]),
                    "non_cashable": _series(pf.non_cashable[:, i]),
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
        "notes": note_texts(pr),
        "note_codes": [n.code for n in pr.notes],
        "payment_schedule": payment_schedule_to_dict(pr),
    }
    fs = pr.fair_share
    if fs is not None:
        out["fair_share"] = {
            "rule": fs.rule,
            "feasible": fs.feasible,
            "status": fs.status,
            "partners_npv": _f(fs.partners_npv),
            "partners_cash": _f(fs.partners_cash),
            "cash_whole": fs.cash_whole,
            "explanation": fair_share_explanation(fs),
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
                    "mixed_savings_share": _f(fs.mixed_savings_shares[k]),
                    "mixed_contribution_share": _f(fs.mixed_contribution_shares[k]),
                    "pv_non_cashable": _f(fs.non_cashable[k]),
                    "pv_cash_position_fair": _f(fs.target_cash[k]),
                    "pv_net_fair": _f(fs.target_net[k]),
                    "pv_net_current": _f(fs.current_net[k]),
                }
                for k, p in enumerate(fs.partners)
            ],
        }
    return out


NO_CHANGE = 0.005  # [£] below this a budget holder's position is "no change"


def pooled_sentence(pr: PoolingResult) -> str:
    """'Pooled: … Under the pooled budget (…), worse off: A (−£1k); better off: B (+£2k). …' The headline's
    companion for a proposal with an agreement: where each budget holder ends under it, and that it moves
    cash only (the verdict's worse-off / better-off list is before it)."""
    positions = sorted(pr.positions, key=lambda p: p.pv_net_after)
    worse = [
        f"{p.name} ({money(p.pv_net_after, signed=True)})" for p in positions if p.pv_net_after < -NO_CHANGE
    ]
    better = [
        f"{p.name} ({money(p.pv_net_after, signed=True)})"
        for p in reversed(positions)
        if p.pv_net_after > NO_CHANGE
    ]
    what = "the pooled budget" if pr.has_pool else "the responsibility charges"
    name = f" ({pr.pool_name}, sharing rule: {pr.rule})" if pr.has_pool else ""
    parts = []
    if worse:
        parts.append("worse off: " + ", ".join(worse))
    if better:
        parts.append("better off: " + ", ".join(better))
    moved = sum(p.amount_cash for p in pr.payments)
    cash = (
        f" It moves cash only ({money(moved)} paid between budget holders over {len(pr.years)} years, nominal); "
        "non-cashable savings free capacity where they fall and are never paid over."
        if pr.payments
        else " It moves no cash."
    )
    return (
        f"Pooled: the verdict's list of who is worse or better off is before the agreement. Under {what}{name}, "
        + ("; ".join(parts) if parts else "no budget holder gains or loses")
        + ". The whole public sector's NPV is the same: the agreement moves money between budget holders."
        + cash
    )


def agreement_clause(pr: PoolingResult) -> str:
    """The headline's sentence for a proposal with an agreement: that it moves only cash, and which
    partners (every budget holder, under charges alone) are still worse off under it, in present value."""
    who = [p for p in pr.positions if p.partner] if pr.has_pool else list(pr.positions)
    worse = [f"{p.name} ({money(p.pv_net_after, signed=True)})" for p in who if p.pv_net_after < -NO_CHANGE]
    what = "the pooled agreement" if pr.has_pool else "the responsibility charges"
    if not worse:
        nobody = "no partner" if pr.has_pool else "no budget holder"
        return f"Under {what} (cash only), {nobody} is worse off."
    if len(worse) == len(who) > 1:
        return f"Under {what} (cash only), every {'partner' if pr.has_pool else 'budget holder'} is worse off."
    listed = ", ".join(worse[:-1]) + f" and {worse[-1]}" if len(worse) > 1 else worse[0]
    verb = "are" if len(worse) > 1 else "is"
    return f"Under {what} (cash only), {listed} {verb} worse off."


def payment_schedule_to_dict(pr: PoolingResult) -> dict[str, Any]:
    """The agreement's payments by year: real (price-base prices) and cash (nominal), and each agency's
    net cash received (summing to zero over agencies in every year)."""
    return {
        "prices": f"amount_real in {fy_label(pr.price_base_year)} prices; amount_cash nominal, undiscounted",
        "payments": [
            {
                "year": fy_label(p.year),
                "payer": p.payer,
                "payee": p.payee,
                "kind": p.kind,
                "amount_real": _f(p.amount_real),
                "amount_cash": _f(p.amount_cash),
            }
            for p in pr.payments
        ],
        "net_received_real": {
            pos.id: _series(pr.net_payments_real[:, i]) for i, pos in enumerate(pr.positions)
        },
        "net_received_cash": {
            pos.id: _series(pr.net_payments_real[:, i] * pr.cash_factor) for i, pos in enumerate(pr.positions)
        },
    }


def render_payment_schedule(pr: PoolingResult, *, cash: bool = True) -> list[str]:
    """The payment schedule as text lines: one line per payment and year (empty list when none)."""
    if not pr.payments:
        return []
    names = agency_names(pr)
    prices = "cash (nominal), undiscounted" if cash else f"{fy_label(pr.price_base_year)} prices"
    lines = [
        f"Payments under the agreement, who pays whom ({prices}; in-kind contributions move no cash; a fall "
        "in a charge shows as the body that forgoes it paying the body that keeps the money):"
    ]
    for p in pr.payments:
        amount = p.amount_cash if cash else p.amount_real
        lines.append(
            f"  {fy_label(p.year)}  {names.get(p.payer, p.payer)} → {names.get(p.payee, p.payee)}: "
            f"{money(amount)} ({PAYMENT_KIND_LABELS[p.kind]})"
        )
    return lines


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
    cols = [
        "put in",
        "saves",
        "non-cash",
        "after shr",
        "chg paid",
        "chg recv",
        "net bef",
        "net aft",
        "alone?",
    ]
    hdr = f"{'Agency':<{nw}} " + " ".join(f"{c:>9}" for c in cols)
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for n, p in zip(names, pr.positions, strict=True):
        alone = ("yes" if p.passes_alone_before else "no") + "→" + ("yes" if p.passes_alone_after else "no")
        vals = [
            p.pv_contribution,
            p.pv_savings_before,
            p.pv_non_cashable,
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
            "pv_non_cashable",
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
            "* pool partner. 'alone?': passes the Ten Year Test on its own, before → after the agreement. "
            "'non-cash': capacity freed, kept where it falls (only cashable savings are shared)."
        )
    lines.append("")
    lines.append("Who pays → who saves (PV):")
    labels = {
        "savings": "savings",
        "contribution": "pool contribution",
        "in_kind": "in-kind contribution, no cash",
        "sharing": "cashable savings share",
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
        lines.append(fair_share_explanation(fs))
        if fs.feasible:
            lines.append(
                f"{'Partner':<{nw}} {'weight':>8} {'contrib sh':>10} {'savings sh':>10} {'mixed sav':>10} "
                f"{'mixed con':>10} {'current sh':>10} {'NPV fair':>9} {'of which cash':>13} {'NPV now':>9}"
            )
            for k, pid in enumerate(fs.partners):
                lines.append(
                    f"{pid:<{nw}} {fs.weights[k]:>8.4f} {fs.contribution_shares[k]:>10.4f} {fs.savings_shares[k]:>10.4f} "
                    f"{fs.mixed_savings_shares[k]:>10.4f} {fs.mixed_contribution_shares[k]:>10.4f} "
                    f"{fs.current_savings_shares[k]:>10.4f} {_k(fs.target_net[k]):>9} {_k(fs.target_cash[k]):>13} "
                    f"{_k(fs.current_net[k]):>9}"
                )
            lines.append(
                "contrib sh: share of the prevention costs each pays, cashable savings falling as they fall; savings "
                "sh: share of the pooled cashable savings each receives, contributions as declared; mixed: both at "
                "once (a share of the cashable savings and a share of the costs). 'of which cash': the partner's "
                "cash position; the rest of its NPV is capacity freed in its own services, never paid over."
            )
            if not fs.contribution_shares_valid:
                use = "savings shares" if fs.savings_shares_valid else "mixed shares"
                lines.append(f"(the contribution shares include a negative one: use the {use} instead)")
            lines.append(
                f"Distance of the current agreement from it: {money(fs.distance_gbp)} would have to move between "
                f"partners ({fs.share_distance:.1%} of the pooled cashable savings re-allocated)."
            )
    schedule = render_payment_schedule(pr)
    if schedule:
        lines.append("")
        lines += schedule
    for note in note_texts(pr):
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"
