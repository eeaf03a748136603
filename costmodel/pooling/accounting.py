"""Pooled budgets and the wrong-pockets problem: contributions, savings sharing, responsibility charges
and a fair-share solver. Pure, vectorised numpy over the engine's arrays.

Everything works on the engine's :class:`~costmodel.appraisal.engine.Flows` (arrays shaped (*B, T, A): optional
batch axes, years, agencies) and broadcasts over the leading batch axes, so the Monte Carlo can reuse
it draw by draw without a Python loop over years or draws.

The accounting, for agency *a* and year *t* (all real £ in price-base prices)::

    C[t]             = sum_a costs[t, a]                                   total prevention costs
    contrib[t, a]    = share_of_costs[a] * C[t] + fixed[a] + in_kind[a]    in the contribution's years
    costs_after[t,a] = contrib[t, a] + host[a] * (C[t] - sum_a contrib[t, a])   (the host meets any balance)
    pooled_cash[t]   = sum_{a in pool} cashable[t, a]
    cashable_after   = cashable[t, a]                      for agencies outside the pool
                     = share[t, a] * pooled_cash[t]        for partners (as_they_fall: unchanged)
    savings_after    = (savings - cashable)[t, a] + cashable_after[t, a]   non-cashable never moves
    charge_k[t]      = -sign * rate_k * events[o_k, t]     per-event charge (the change in charges paid)
                     + fixed_k - fixed_without_k           fixed charge: the change the proposal causes
    net_after[t, a]  = savings_after - costs_after - charges_paid + charges_received

A social profit-sharing agreement moves **cash**: only cashable savings are shared; non-cashable savings
(capacity freed) stay with the budget holder they fall on. Conservation: sum_a costs_after = C,
sum_a cashable_after = sum_a cashable, and every charge is paid by one agency and received by another, so
sum_a net_after = sum_a (savings - costs): sharing and charges move money between budgets but never
create or destroy it. The payments the agreement makes (:func:`payment_matrices`: cash contributions
into the pool, cashable savings paid over, the change in charges) give a payment schedule by year.

Fair shares (:func:`fair_share`): the agreement that leaves every partner with the same fraction w[a] of
the partners' combined NPV N, net[a] = w[a] * N, with w proportional to each partner's PV of savings
("proportional") or of cashable savings ("cashable"), delivered by cash alone: each partner keeps its
own non-cashable savings NC[a] and its cash position is w[a] * N - NC[a]. When N >= 0 every partner is
then >= 0 exactly (a product of non-negative numbers), provided the cash that exists can deliver it
(shares of the pooled cashable savings between 0 and 1 and contributions >= 0); when
N < 0 no agreement can do it, because sharing only moves money. Whether every partner can also be
whole in cash alone (its cash position >= 0) depends on the partners' combined cash position N_cash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from ..appraisal.discounting import price_conversion_factor
from ..appraisal.engine import MONEY_TOLERANCE, Flows, Structure

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest
    from ..inputs.loading import Scenario

F = NDArray[np.float64]

RULES = ("as_they_fall", "pro_rata_to_contribution", "formula")
SOLVER_RULES = ("proportional", "cashable")
PAYMENT_KINDS = ("contribution", "savings_share", "charge")  # the payment schedule's kinds of payment
FAIR_SHARE_STATUSES = (
    "whole",  # N >= 0 and the cash that exists delivers it (savings shares in [0, 1], contributions >= 0)
    "short_overall",  # N < 0: no agreement can leave every partner whole
    "beyond_cash",  # N >= 0, but only by paying partners more cash than the cashable savings that exist
)
NOTE_CODES = (
    "host_meets_balance",  # amount: PV the host pays beyond the stated contributions
    "host_keeps_underspend",  # amount: PV of the contributions above the costs
    "formula_share_without_contribution",  # agency: a partner with a formula share that puts nothing in
    "savings_outside_pool",  # outside: (agency, PV savings) kept as they fall
    "no_pool_every_agency_a_partner",  # the solver treats every agency as a partner
    "non_cashable_stays",  # amount: partners' PV non-cashable savings, kept where they fall
)


# ---------------------------------------------------------------------------------------------
# Compiled pool (fixed structure + numeric parameters)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolStructure:
    """Fixed shape of the pool and charges (what does not vary between draws)."""

    agency_ids: tuple[str, ...]
    has_pool: bool
    pool_name: str
    rule: str  # one of RULES
    partner_mask: F  # (A,) 1 for partners [0/1]
    host: F  # (A,) one-hot host [0/1]; zeros without a pool
    formula_shares: F  # (T, A) pre-agreed shares by year [fraction]; zeros unless rule == formula
    contribution_years: F  # (N, T) 1 in the years each contribution applies
    contribution_partner: F  # (N, A) one-hot partner of each contribution
    contribution_kind: tuple[str, ...]  # (N,) fixed | share_of_costs | in_kind
    charge_ids: tuple[str, ...]
    charge_from: F  # (K, A) one-hot agency charged
    charge_to: F  # (K, A) one-hot agency receiving
    charge_outcome: F  # (K, O) one-hot outcome of a per-event charge (zeros for a fixed charge)
    charge_years: F  # (K, T) 1 in the years the charge applies
    charge_is_fixed: F  # (K,) 1 for a fixed charge
    sign: float  # +1 new spending, -1 cut


@dataclass(frozen=True)
class PoolParams:
    """Numeric inputs of the pool (central values, or draws with leading batch axes)."""

    contribution_value: F  # (*B, N) share [fraction] for share_of_costs, else [£ per year, price base]
    charge_value: F  # (*B, K) [£ per event], or the change in a fixed charge [£ per year], price base


def compile_pool(scenario: Scenario, structure: Structure) -> tuple[PoolStructure, PoolParams]:
    """Array form of a scenario's pool and responsibility charges (money in price-base prices)."""
    p = scenario.proposal
    T = structure.n_years
    agencies = list(structure.agency_ids)
    A = len(agencies)
    aidx = {a: i for i, a in enumerate(agencies)}
    oidx = {o: i for i, o in enumerate(structure.outcome_ids)}
    index = scenario.deflator.index
    base = structure.price_base_year
    t = np.arange(T)

    def years_mask(start: int, end: int | None) -> F:
        last = end if end is not None else T - 1
        return ((t >= start) & (t <= last)).astype(np.float64)

    partner_mask = np.zeros(A)
    host = np.zeros(A)
    formula = np.zeros((T, A))
    c_years, c_partner, c_kind, c_value = [], [], [], []
    rule, name = "as_they_fall", ""
    pool = p.pool
    if pool is not None:
        name = pool.name
        rule = pool.sharing.rule
        for partner in pool.partners:
            partner_mask[aidx[partner.agency]] = 1.0
            for c in partner.contributions:
                one = np.zeros(A)
                one[aidx[partner.agency]] = 1.0
                c_partner.append(one)
                c_years.append(years_mask(c.start_year, c.end_year))
                c_kind.append(c.kind)
                if c.share_of_costs is not None:
                    c_value.append(float(c.share_of_costs.value))
                else:
                    money = c.fixed or c.in_kind
                    assert money is not None
                    c_value.append(money.value * price_conversion_factor(index, money.real_price_year, base))
        host[aidx[pool.host or pool.partners[0].agency]] = 1.0
        if rule == "formula":
            firm = structure.firm_budget_years
            shares = pool.sharing.shares or []
            beyond = pool.sharing.shares_beyond or shares
            in_firm = t < firm
            for sh in shares:
                formula[in_firm, aidx[sh.partner]] = sh.share
            for sh in beyond:
                formula[~in_firm, aidx[sh.partner]] = sh.share

    K = len(p.responsibility_charges)
    n_outcomes = len(structure.outcome_ids)
    ch_from, ch_to = np.zeros((K, A)), np.zeros((K, A))
    ch_outcome, ch_years, ch_fixed, ch_value = (
        np.zeros((K, n_outcomes)),
        np.zeros((K, T)),
        np.zeros(K),
        np.zeros(K),
    )
    for k, ch in enumerate(p.responsibility_charges):
        ch_from[k, aidx[ch.from_agency]] = 1.0
        ch_to[k, aidx[ch.to_agency]] = 1.0
        ch_years[k] = years_mask(ch.start_year, ch.end_year)
        if ch.per_event is not None:
            assert ch.outcome is not None
            ch_outcome[k, oidx[ch.outcome]] = 1.0
            ch_value[k] = ch.per_event.value * price_conversion_factor(index, ch.per_event.price_year, base)
        else:
            assert ch.fixed is not None and ch.fixed_without_proposal is not None
            ch_fixed[k] = 1.0
            without = ch.fixed_without_proposal
            ch_value[k] = ch.fixed.value * price_conversion_factor(
                index, ch.fixed.real_price_year, base
            ) - without.value * price_conversion_factor(index, without.real_price_year, base)

    N = len(c_kind)
    ps = PoolStructure(
        agency_ids=tuple(agencies),
        has_pool=pool is not None,
        pool_name=name,
        rule=rule,
        partner_mask=partner_mask,
        host=host,
        formula_shares=formula,
        contribution_years=np.array(c_years).reshape(N, T),
        contribution_partner=np.array(c_partner).reshape(N, A),
        contribution_kind=tuple(c_kind),
        charge_ids=tuple(ch.id for ch in p.responsibility_charges),
        charge_from=ch_from,
        charge_to=ch_to,
        charge_outcome=ch_outcome,
        charge_years=ch_years,
        charge_is_fixed=ch_fixed,
        sign=structure.sign,
    )
    return ps, PoolParams(contribution_value=np.array(c_value, dtype=np.float64), charge_value=ch_value)


# ---------------------------------------------------------------------------------------------
# Pure array functions
# ---------------------------------------------------------------------------------------------


def present_values(by_year: F, factors: F) -> F:
    """PV over the years axis: (*B, T, A) with factors (*B, T) -> (*B, A). [£]"""
    return np.einsum("...ta,...t->...a", by_year, factors)


def contributions_by_year(
    total_costs: F, contribution_value: F, contribution_years: F, contribution_partner: F, is_share: F
) -> F:
    """Each partner's stated contribution by year. [£]

    Parameters
    ----------
    total_costs : (*B, T) total prevention costs [£]
    contribution_value : (*B, N) share of costs [fraction] or sum per year [£]
    contribution_years : (N, T) 1 in the contribution's years
    contribution_partner : (N, A) one-hot partner
    is_share : (N,) 1 where the value is a share of the costs

    Returns
    -------
    (*B, T, A)
    """
    value = np.asarray(contribution_value, dtype=np.float64)[..., :, None]  # (*B, N, 1)
    amount = np.where(
        is_share[:, None] > 0, value * np.asarray(total_costs)[..., None, :], value
    )  # (*B, N, T)
    amount = amount * contribution_years
    return np.einsum("...nt,na->...ta", amount, contribution_partner)


def costs_under_pool(costs: F, contributions: F, host: F) -> F:
    """Costs each agency bears under the pool: its contributions, the host also meeting the balance. [£]

    ``costs`` and ``contributions`` (*B, T, A); ``host`` (A,) one-hot. The result sums over agencies to
    the same total as ``costs`` in every year.
    """
    balance = costs.sum(axis=-1) - contributions.sum(axis=-1)  # (*B, T) overspend (+) or underspend (-)
    return contributions + balance[..., None] * host


def pro_rata_shares(pv_contributions: F, partner_mask: F) -> F:
    """Shares in proportion to each partner's PV of contributions, (*B, A) -> (*B, A). [fraction]

    Negative contributions (a host keeping an underspend) count as zero. Where no partner has put in
    anything, every share is NaN-free zero and the caller keeps savings as they fall.
    """
    basis = np.maximum(pv_contributions, 0.0) * partner_mask
    total = basis.sum(axis=-1, keepdims=True)
    return np.divide(basis, total, out=np.zeros_like(basis), where=total > 0)


def share_savings(values: F, shares: F, partner_mask: F, active: F | None = None) -> F:
    """Redistribute the partners' savings by year according to ``shares``. [£]

    ``values`` (*B, T, A) savings (or cashable savings); ``shares`` (*B, T, A) or (*B, 1, A) summing
    to 1 over partners; ``active`` (*B,) or scalar, 1 where sharing applies (else savings stay as they fall).
    """
    pooled = (values * partner_mask).sum(axis=-1, keepdims=True)  # (*B, T, 1)
    shared = values * (1.0 - partner_mask) + shares * pooled
    if active is None:
        return shared
    act = np.asarray(active, dtype=np.float64)[..., None, None]
    return act * shared + (1.0 - act) * values


def charge_amounts(
    events: F, charge_value: F, charge_outcome: F, charge_years: F, charge_is_fixed: F, sign: float
) -> F:
    """Change in each responsibility charge paid, by year, (*B, K, T). [£]

    A per-event charge changes by ``-sign * rate * events``: events avoided by new spending are charges
    no longer paid (negative), events added by a cut are extra charges (positive). For a fixed charge
    ``charge_value`` is already the change the proposal causes (with less without), in its years.
    """
    ev = np.einsum("...ot,ko->...kt", events, charge_outcome)  # (*B, K, T)
    rate = np.asarray(charge_value, dtype=np.float64)[..., :, None]
    per_event = -sign * rate * ev
    fixed = rate * charge_years
    return np.where(charge_is_fixed[:, None] > 0, fixed, per_event * charge_years)


def charges_by_agency(amounts: F, charge_from: F, charge_to: F) -> tuple[F, F]:
    """Charges paid and received by agency and year, each ≥ 0, (*B, T, A) each. [£]

    A negative change in a charge (fewer charges paid) is income forgone by the receiving body and a
    gain to the charged body, so it is booked the other way round.
    """
    pos = np.maximum(amounts, 0.0)
    neg = np.maximum(-amounts, 0.0)
    paid = np.einsum("...kt,ka->...ta", pos, charge_from) + np.einsum("...kt,ka->...ta", neg, charge_to)
    received = np.einsum("...kt,ka->...ta", pos, charge_to) + np.einsum("...kt,ka->...ta", neg, charge_from)
    return paid, received


def clearing_matrix(outflow: F) -> F:
    """Who pays whom, from each agency's net outflow (*B, T, A) summing to zero, -> (*B, T, A, A). [£]

    Each payer's outflow is split among the receivers in proportion to what they receive: entry
    [a, b] is the amount a pays b. Rows sum to the payers' outflows, columns to the receivers' inflows.
    """
    pos = np.maximum(outflow, 0.0)
    neg = np.maximum(-outflow, 0.0)
    total = neg.sum(axis=-1, keepdims=True)
    weights = np.divide(neg, total, out=np.zeros_like(neg), where=total > 0)
    return pos[..., :, None] * weights[..., None, :]


def charge_matrix(amounts: F, charge_from: F, charge_to: F) -> F:
    """Charges payer -> receiver by year, (*B, T, A, A). [£]"""
    pos = np.maximum(amounts, 0.0)
    neg = np.maximum(-amounts, 0.0)
    return np.einsum("...kt,ka,kb->...tab", pos, charge_from, charge_to) + np.einsum(
        "...kt,ka,kb->...tab", neg, charge_to, charge_from
    )


def savings_attribution_matrix(pv_costs: F, pv_savings: F) -> F:
    """Who pays -> who saves: each agency's PV savings attributed to the payers in proportion to their
    PV of prevention costs, (*B, A) -> (*B, A, A); entry [payer, beneficiary]. [£]"""
    basis = np.maximum(pv_costs, 0.0)
    total = basis.sum(axis=-1, keepdims=True)
    w = np.divide(basis, total, out=np.zeros_like(basis), where=total > 0)
    return w[..., :, None] * pv_savings[..., None, :]


@dataclass(frozen=True)
class PoolFlows:
    """Flows by year and agency before and after the agreement, shapes (*B, T, A) unless stated. [£]"""

    costs_before: F
    savings_before: F
    cashable_before: F
    contributions: F  # stated contributions (cash + in kind)
    in_kind: F  # the in-kind part of the contributions
    costs_after: F  # contributions plus the host's balance
    savings_after: F
    cashable_after: F
    charges_paid: F
    charges_received: F
    charge_amounts: F  # (*B, K, T) change in each charge paid
    shares: F  # (*B, T, A) shares of the pooled cashable savings (as they fall: each agency's own share)
    factors: F  # (*B, T)

    @property
    def net_before(self) -> F:
        return self.savings_before - self.costs_before

    @property
    def net_after(self) -> F:
        return self.savings_after - self.costs_after - self.charges_paid + self.charges_received

    @property
    def non_cashable(self) -> F:
        """Savings that free capacity but no cash: the same before and after (never paid over). [£]"""
        return self.savings_before - self.cashable_before

    @property
    def cash_requirement_before(self) -> F:
        """Prevention costs less cashable savings: the money each budget must find each year. [£]"""
        return self.costs_before - self.cashable_before

    @property
    def cash_requirement_after(self) -> F:
        return self.costs_after + self.charges_paid - self.charges_received - self.cashable_after


def evaluate_pool(ps: PoolStructure, pp: PoolParams, flows: Flows) -> PoolFlows:
    """Apply the pool, the sharing rule and the charges to the engine's flows (no loops; any batch)."""
    costs, savings, cash = flows.costs, flows.savings, flows.cashable
    is_share = np.array([k == "share_of_costs" for k in ps.contribution_kind], dtype=np.float64)
    is_kind = np.array([k == "in_kind" for k in ps.contribution_kind], dtype=np.float64)
    total = costs.sum(axis=-1)
    contrib = contributions_by_year(
        total, pp.contribution_value, ps.contribution_years, ps.contribution_partner, is_share
    )
    in_kind = contributions_by_year(
        total,
        np.asarray(pp.contribution_value) * is_kind,
        ps.contribution_years,
        ps.contribution_partner,
        is_share * 0,
    )
    if ps.has_pool:
        costs_after = costs_under_pool(costs, contrib, ps.host)
    else:
        contrib = np.zeros_like(costs)
        in_kind = np.zeros_like(costs)
        costs_after = costs

    active: F | None = None
    if ps.rule == "formula":
        shares = np.broadcast_to(ps.formula_shares, costs.shape)
    elif ps.rule == "pro_rata_to_contribution":
        pv_contrib = present_values(costs_after, flows.factors)
        shares = np.broadcast_to(pro_rata_shares(pv_contrib, ps.partner_mask)[..., None, :], costs.shape)
        active = (np.maximum(pv_contrib, 0.0) * ps.partner_mask).sum(axis=-1) > 0
    else:
        shares = None
    if shares is None:
        savings_after, cash_after = savings, cash
        pooled = (cash * ps.partner_mask).sum(axis=-1, keepdims=True)
        own = np.divide(cash * ps.partner_mask, pooled, out=np.zeros_like(cash), where=np.abs(pooled) > 0)
        shares_out = own
    else:
        # only cash is shared: the non-cashable part (capacity freed) stays where it falls
        cash_after = share_savings(cash, shares, ps.partner_mask, active)
        savings_after = (savings - cash) + cash_after
        shares_out = np.array(shares)

    amounts = charge_amounts(
        flows.events, pp.charge_value, ps.charge_outcome, ps.charge_years, ps.charge_is_fixed, ps.sign
    )
    paid, received = charges_by_agency(amounts, ps.charge_from, ps.charge_to)
    return PoolFlows(
        costs_before=costs,
        savings_before=savings,
        cashable_before=cash,
        contributions=contrib,
        in_kind=in_kind,
        costs_after=costs_after,
        savings_after=savings_after,
        cashable_after=cash_after,
        charges_paid=paid,
        charges_received=received,
        charge_amounts=amounts,
        shares=shares_out,
        factors=flows.factors,
    )


# ---------------------------------------------------------------------------------------------
# The payment schedule: who pays whom, by year, in cash
# ---------------------------------------------------------------------------------------------


def cash_contribution_outflow(costs_before: F, costs_after: F, in_kind: F, host: F) -> F:
    """Cash each agency pays into (+) or receives from (-) the pool by year, (*B, T, A); sums to 0. [£]

    A partner pays its cash contributions (fixed sums, shares of the costs) to the host, and the host
    reimburses any partner that paid a cost line. An in-kind contribution moves no cash: the partner bears
    the cost itself (e.g. a seconded practitioner's salary) and the host's bill falls by as much.
    """
    return costs_after - in_kind - costs_before + in_kind.sum(axis=-1, keepdims=True) * host


def payment_matrices(pf: PoolFlows, ps: PoolStructure) -> dict[str, F]:
    """The agreement's payments, payer -> payee by year, (*B, T, A, A) for each of PAYMENT_KINDS. [£]

    ``contribution``: cash contributions into the pool (in kind moves none); ``savings_share``: cashable
    savings paid over under the sharing rule (non-cashable savings are never paid over); ``charge``: the
    change in responsibility charges the proposal causes (a charge no longer paid is booked from the body
    that forgoes it to the body that keeps the money). Each pair is netted within a kind, so every
    amount is >= 0, and in every year what is paid equals what is received.
    """
    contribution = cash_contribution_outflow(pf.costs_before, pf.costs_after, pf.in_kind, ps.host)
    return {
        "contribution": net_transfers(clearing_matrix(contribution)),
        "savings_share": net_transfers(clearing_matrix(pf.cashable_before - pf.cashable_after)),
        "charge": net_transfers(charge_matrix(pf.charge_amounts, ps.charge_from, ps.charge_to)),
    }


def net_payments(matrices: dict[str, F]) -> F:
    """Each agency's net cash received under the agreement by year, (*B, T, A); sums to 0 over agencies. [£]"""
    total = sum(matrices.values())
    assert isinstance(total, np.ndarray)
    return total.sum(axis=-2) - total.sum(axis=-1)


# ---------------------------------------------------------------------------------------------
# Fair-share solver (closed form)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairShareArrays:
    """The fair-share agreement in arrays, (*B, A) unless stated. [£] or [fraction]"""

    rule: str
    weights: F  # share of the partners' combined NPV each partner receives [fraction]
    partners_npv: F  # (*B,) combined NPV of the partners N [£]
    partners_cash: F  # (*B,) combined cash position of the partners N_cash (non-cashable left out) [£]
    feasible: NDArray[np.bool_]  # (*B,) N >= 0 (to the half-penny) and the cash that exists delivers it
    cash_whole: NDArray[np.bool_]  # (*B,) N_cash >= 0: every partner could also be whole in cash alone
    non_cashable: F  # PV of each partner's non-cashable savings, kept where they fall [£]
    target_net: F  # w * N: each partner's NPV under the fair agreement [£]
    target_cash: F  # w * N - non_cashable: the cash position that delivers it [£]
    contribution_pv: F  # PV each partner would put in, cashable savings falling as they fall [£]
    contribution_shares: F  # contribution_pv / total PV costs [fraction]
    savings_pv: F  # PV of cashable savings each partner would receive, contributions as declared [£]
    savings_shares: F  # savings_pv / partners' PV cashable savings [fraction]
    contribution_shares_valid: NDArray[np.bool_]  # (*B,) every contribution share >= 0
    savings_shares_valid: NDArray[np.bool_]  # (*B,) every savings share in [0, 1]
    mixed_shares_valid: NDArray[np.bool_]  # (*B,) the partners' needs y > 0 add up to no more than the cash
    cash_needed: F  # y = w N - NC - R: the cash each partner must get from sharing less what it puts in [£]
    mixed_savings_shares: F  # both levers at once: shares of the pooled cashable savings in [0, 1] [fraction]
    mixed_contribution_shares: F  # ... with contribution shares >= 0 of the costs where it exists [fraction]


SHARE_TOLERANCE = 1e-12  # [fraction] a share this far outside [0, 1] is rounding, not a real overpayment


def fair_share(
    pv_savings: F,
    pv_cashable: F,
    pv_costs_after: F,
    pv_charges_net: F,
    partner_mask: F,
    rule: str = "proportional",
) -> FairShareArrays:
    """The cash agreement leaving each partner ``w[a] * N`` where N is the partners' combined NPV.

    Parameters
    ----------
    pv_savings, pv_cashable : (*B, A) PV of savings and cashable savings as they fall [£]
    pv_costs_after : (*B, A) PV of what each partner puts in under the declared pool [£]
    pv_charges_net : (*B, A) PV of charges received less charges paid [£]
    partner_mask : (A,) 1 for partners
    rule : 'proportional' (w ∝ PV savings) or 'cashable' (w ∝ PV cashable savings)

    Only cash moves: each partner keeps its non-cashable savings NC and ends with the cash position
    ``w N - NC``. Two equivalent ways to deliver it are returned: contribution shares (each partner pays
    ``Sc + R - (w N - NC)`` of the costs, cashable savings Sc as they fall) and savings shares (each
    partner receives ``C - R + w N - NC`` of the pooled cashable savings, contributions as declared).
    Either gives net = w N ≥ 0 whenever N ≥ 0, exactly, when it needs no negative contribution and no
    savings share outside [0, 1]. A third, mixed delivery uses both levers at once (shares of the cashable
    savings in [0, 1] and contributions ≥ 0); it exists exactly when the partners who must receive cash,
    ``y = w N - NC - R > 0``, need no more between them than the pooled cashable savings. The agreement
    is feasible when N ≥ 0 and one of the three exists.
    """
    if rule not in SOLVER_RULES:
        raise ValueError(f"unknown fair-share rule '{rule}': choose {' or '.join(SOLVER_RULES)}")
    m = partner_mask
    basis = np.maximum(pv_savings if rule == "proportional" else pv_cashable, 0.0) * m
    total_basis = basis.sum(axis=-1, keepdims=True)
    n_partners = max(float(m.sum()), 1.0)
    weights = np.where(
        total_basis > 0,
        np.divide(basis, total_basis, out=np.zeros_like(basis), where=total_basis > 0),
        m / n_partners,
    )
    S = pv_savings * m
    Sc = pv_cashable * m
    NC = S - Sc
    C = pv_costs_after * m
    R = pv_charges_net * m
    N = (S - C + R).sum(axis=-1)
    N_cash = (Sc - C + R).sum(axis=-1)
    target = weights * N[..., None]
    target_cash = (target - NC) * m
    contribution_pv = (Sc + R - target_cash) * m
    savings_pv = (C - R + target_cash) * m
    total_cost = C.sum(axis=-1, keepdims=True)
    total_cash = Sc.sum(axis=-1, keepdims=True)
    c_shares = np.divide(contribution_pv, total_cost, out=np.zeros_like(S), where=np.abs(total_cost) > 0)
    s_shares = np.divide(savings_pv, total_cash, out=np.zeros_like(S), where=np.abs(total_cash) > 0)
    outside = m == 0
    c_valid = np.all((c_shares >= -SHARE_TOLERANCE) | outside, axis=-1)
    s_valid = np.all(((s_shares >= -SHARE_TOLERANCE) & (s_shares <= 1 + SHARE_TOLERANCE)) | outside, axis=-1)
    s_valid = s_valid & (np.abs(total_cash[..., 0]) > 0)
    overall = N >= -MONEY_TOLERANCE
    # Both levers at once: partner a receives s[a] of the pooled cashable savings (0 <= s <= 1) and puts
    # in x[a] >= 0 of the costs, with s Sc_total - x = y. It exists exactly when the partners who must
    # receive cash (y > 0) need no more between them than the cashable savings that exist: their shares
    # y / Sc_total add up to at most 1, judged as a share like the two levers alone (SHARE_TOLERANCE), not
    # in pounds (half a penny of £0.08 of cash is a share 6% over 1). When they need more, the cash is
    # shared in proportion to their needs (the shares stay in [0, 1] and add up to 1) and the shortfall
    # shows as their negative mixed contributions.
    y = (target_cash - R) * m
    need = np.maximum(y, 0.0)
    need_total = need.sum(axis=-1, keepdims=True)
    cash_exists = need_total[..., 0] <= total_cash[..., 0] * (1.0 + SHARE_TOLERANCE)
    shared = np.maximum(total_cash, need_total)
    floor = np.divide(need, shared, out=np.zeros_like(need), where=total_cash > 0)
    spare = np.maximum(1.0 - floor.sum(axis=-1, keepdims=True), 0.0)
    own = np.maximum(Sc, 0.0)  # what is left over is shared as the cashable savings fall
    own_total = own.sum(axis=-1, keepdims=True)
    as_they_fall = np.divide(own, own_total, out=np.zeros_like(own), where=own_total > 0)
    spread = np.where(own_total > 0, as_they_fall, weights)
    mixed_s = (floor + spare * spread) * m
    mixed_x = (mixed_s * total_cash - y) * m
    mixed_c = np.divide(mixed_x, total_cost, out=np.zeros_like(S), where=np.abs(total_cost) > 0)
    return FairShareArrays(
        rule=rule,
        weights=weights,
        partners_npv=N,
        partners_cash=N_cash,
        feasible=overall & (c_valid | s_valid | cash_exists),
        cash_whole=N_cash >= -MONEY_TOLERANCE,
        non_cashable=NC,
        target_net=target,
        target_cash=target_cash,
        contribution_pv=contribution_pv,
        contribution_shares=c_shares,
        savings_pv=savings_pv,
        savings_shares=s_shares,
        contribution_shares_valid=overall & c_valid,
        savings_shares_valid=overall & s_valid,
        mixed_shares_valid=overall & cash_exists,
        cash_needed=y,
        mixed_savings_shares=mixed_s,
        mixed_contribution_shares=mixed_c,
    )


# ---------------------------------------------------------------------------------------------
# Central-case result (what the report and the CLI show)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartnerPosition:
    """One agency's position in PV over the horizon (partners and the other agencies). [£]"""

    id: str
    name: str
    partner: bool
    host: bool
    pv_contribution: float
    pv_in_kind: float
    pv_costs_before: float
    pv_savings_before: float
    pv_cashable_before: float
    pv_savings_after: float
    pv_cashable_after: float
    pv_charges_paid: float
    pv_charges_received: float
    pv_net_before: float
    pv_net_after: float
    passes_alone_before: bool
    passes_alone_after: bool
    peak_cash_requirement_before: float  # max(0, max cumulative (costs - cashable)) [£]
    peak_cash_requirement_after: float
    pv_non_cashable: float = 0.0  # capacity freed, the same before and after: never paid over [£]
    pv_cash_position_after: float = 0.0  # cashable savings after sharing - costs borne - charges net [£]


@dataclass(frozen=True)
class FlowEntry:
    payer: str
    beneficiary: str
    kind: str  # savings | contribution | in_kind | sharing | charge
    pv_amount: float  # [£]


@dataclass(frozen=True)
class Payment:
    """One payment of the agreement's schedule (netted within its kind for the pair and year)."""

    year: int  # financial year it falls in (2026 = 2026-27)
    payer: str
    payee: str
    kind: str  # one of PAYMENT_KINDS
    amount_real: float  # [£, price-base prices]
    amount_cash: float  # [£ cash, nominal: real × D[year] / D[price base]]


@dataclass(frozen=True)
class PoolNote:
    """Something the reader of the pooling results should know, as data (worded in ``present/``)."""

    code: str  # one of NOTE_CODES
    agency: str | None = None  # the agency it is about (the host, a partner)
    amount: float = 0.0  # [£] PV, where the code says
    outside: tuple[tuple[str, float], ...] = ()  # (agency, PV savings) for savings_outside_pool


@dataclass(frozen=True)
class FairShareResult:
    rule: str
    feasible: bool
    partners_npv: float
    status: str  # one of FAIR_SHARE_STATUSES
    partners_cash: float  # the partners' combined cash position (non-cashable left out) [£]
    cash_whole: bool  # partners_cash >= 0: every partner could be whole in cash alone
    partners_pv_savings: float  # [£]
    partners_pv_cashable: float  # [£]
    partners_pv_costs: float  # [£]
    outside_pv_savings: float  # PV of savings falling on bodies outside the pool [£]
    partners: tuple[str, ...]
    weights: tuple[float, ...]
    non_cashable: tuple[float, ...]
    target_cash: tuple[float, ...]
    target_net: tuple[float, ...]
    contribution_shares: tuple[float, ...]
    contribution_shares_valid: bool
    savings_shares: tuple[float, ...]
    savings_shares_valid: bool
    mixed_savings_shares: tuple[float, ...]
    mixed_contribution_shares: tuple[float, ...]
    current_net: tuple[float, ...]
    current_savings_shares: tuple[float, ...]
    distance_gbp: float  # PV that would have to move between partners to reach the fair agreement
    share_distance: float  # half the sum of |fair - current| savings shares [fraction]


@dataclass(frozen=True)
class PoolingResult:
    """Pooling results for the central case, with the arrays behind them."""

    pool_name: str
    has_pool: bool
    rule: str
    host: str | None
    structure: PoolStructure
    flows: PoolFlows
    years: tuple[int, ...]
    positions: tuple[PartnerPosition, ...]
    flow_entries: tuple[FlowEntry, ...]
    npv: float  # whole public sector [£]
    fair_share: FairShareResult | None
    notes: tuple[PoolNote, ...] = field(default=())
    payments: tuple[Payment, ...] = field(default=())  # the agreement's payment schedule, by year
    net_payments_real: F = field(default_factory=lambda: np.zeros((0, 0)))  # (T, A) net received [£]
    cash_factor: F = field(default_factory=lambda: np.zeros(0))  # (T,) D[year] / D[price base] [ratio]
    price_base_year: int = 0


def _peak(requirement: F) -> F:
    """max(0, max cumulative requirement) over years, (*B, T, A) -> (*B, A). [£]"""
    return np.maximum(np.cumsum(requirement, axis=-2).max(axis=-2), 0.0)


def flow_entries(pf: PoolFlows, ps: PoolStructure) -> tuple[FlowEntry, ...]:
    """The payer -> beneficiary flows in PV (central case), biggest first within each kind.

    Kinds: ``savings`` (the wrong-pockets attribution), ``contribution`` (cash into the pool),
    ``in_kind`` (staff or premises given to the host's service: no cash moves) and ``sharing`` (cashable
    savings paid over; non-cashable savings never move)."""
    df = pf.factors
    pv = present_values
    cash_in = cash_contribution_outflow(pf.costs_before, pf.costs_after, pf.in_kind, ps.host)
    in_kind = np.einsum("ta,b->tab", pf.in_kind, ps.host)
    matrices = {
        "savings": savings_attribution_matrix(pv(pf.costs_before, df), pv(pf.savings_before, df)),
        "contribution": np.einsum("tab,t->ab", clearing_matrix(cash_in), df),
        "in_kind": np.einsum("tab,t->ab", in_kind, df),
        "sharing": np.einsum("tab,t->ab", clearing_matrix(pf.cashable_before - pf.cashable_after), df),
    }
    agency_ids = ps.agency_ids
    out: list[FlowEntry] = []
    for kind, mat in matrices.items():
        out += _entries(kind, mat if kind == "savings" else net_transfers(mat), agency_ids)
    return tuple(out)


def net_transfers(mat: F) -> F:
    """Net each pair's payments both ways: (*, A, A) -> payer -> receiver amounts ≥ 0. [£]"""
    diff = mat - np.swapaxes(mat, -1, -2)
    return np.maximum(diff, 0.0)


def _entries(kind: str, mat: F, ids: tuple[str, ...]) -> list[FlowEntry]:
    rows = [
        FlowEntry(ids[a], ids[b], kind, float(mat[a, b]))
        for a in range(len(ids))
        for b in range(len(ids))
        if abs(mat[a, b]) > MONEY_TOLERANCE
    ]
    return sorted(rows, key=lambda e: -e.pv_amount)


def appraise_pool(result: TenYearTest, solve: str | None = None) -> PoolingResult | None:
    """Pooling results for an appraised proposal, or None when it has neither a pool nor charges."""
    sc = result.scenario
    p = sc.proposal
    if p.pool is None and not p.responsibility_charges:
        return None
    ps, pp = compile_pool(sc, result.structure)
    pf = evaluate_pool(ps, pp, result.flows)
    df = pf.factors
    pv = present_values
    ids = ps.agency_ids
    names = {a.id: a.name for a in sc.agencies}

    pv_contrib = pv(pf.costs_after, df)
    pv_kind = pv(pf.in_kind, df)
    pv_costs_b = pv(pf.costs_before, df)
    pv_sav_b = pv(pf.savings_before, df)
    pv_cash_b = pv(pf.cashable_before, df)
    pv_sav_a = pv(pf.savings_after, df)
    pv_cash_a = pv(pf.cashable_after, df)
    pv_paid = pv(pf.charges_paid, df)
    pv_recv = pv(pf.charges_received, df)
    net_b = pv_sav_b - pv_costs_b
    net_a = pv_sav_a - pv_contrib - pv_paid + pv_recv
    peak_b = _peak(pf.cash_requirement_before)
    peak_a = _peak(pf.cash_requirement_after)
    host_id = ids[int(np.argmax(ps.host))] if ps.has_pool else None
    positions = tuple(
        PartnerPosition(
            id=a,
            name=names.get(a, a),
            partner=bool(ps.partner_mask[i] > 0),
            host=a == host_id,
            pv_contribution=float(pv_contrib[i]),
            pv_in_kind=float(pv_kind[i]),
            pv_costs_before=float(pv_costs_b[i]),
            pv_savings_before=float(pv_sav_b[i]),
            pv_cashable_before=float(pv_cash_b[i]),
            pv_savings_after=float(pv_sav_a[i]),
            pv_cashable_after=float(pv_cash_a[i]),
            pv_charges_paid=float(pv_paid[i]),
            pv_charges_received=float(pv_recv[i]),
            pv_net_before=float(net_b[i]),
            pv_net_after=float(net_a[i]),
            passes_alone_before=bool(net_b[i] >= -MONEY_TOLERANCE),
            passes_alone_after=bool(net_a[i] >= -MONEY_TOLERANCE),
            peak_cash_requirement_before=float(peak_b[i]),
            peak_cash_requirement_after=float(peak_a[i]),
            pv_non_cashable=float(pv_sav_b[i] - pv_cash_b[i]),
            pv_cash_position_after=float(pv_cash_a[i] - pv_contrib[i] - pv_paid[i] + pv_recv[i]),
        )
        for i, a in enumerate(ids)
    )
    entries = list(flow_entries(pf, ps))
    charges_pv = np.einsum("tab,t->ab", charge_matrix(pf.charge_amounts, ps.charge_from, ps.charge_to), df)
    entries += _entries("charge", net_transfers(charges_pv), ids)

    notes: list[PoolNote] = []
    if ps.has_pool:
        balance = pf.costs_after - pf.contributions
        pv_balance = float(present_values(balance, df).sum())
        if pv_balance > 0.5:
            notes.append(PoolNote("host_meets_balance", host_id, pv_balance))
        elif pv_balance < -0.5:
            notes.append(PoolNote("host_keeps_underspend", host_id, -pv_balance))
        if ps.rule == "formula":
            for i, a in enumerate(ids):
                if (
                    ps.partner_mask[i]
                    and pv_contrib[i] <= MONEY_TOLERANCE
                    and ps.formula_shares[:, i].max() > 0
                ):
                    notes.append(PoolNote("formula_share_without_contribution", a))
        outside = [a for i, a in enumerate(ids) if not ps.partner_mask[i] and pv_sav_b[i] > MONEY_TOLERANCE]
        if outside:
            notes.append(
                PoolNote(
                    "savings_outside_pool", outside=tuple((a, float(pv_sav_b[ids.index(a)])) for a in outside)
                )
            )
        pv_non_cash_partners = float(((pv_sav_b - pv_cash_b) * ps.partner_mask).sum())
        if ps.rule != "as_they_fall" and pv_non_cash_partners > MONEY_TOLERANCE:
            notes.append(PoolNote("non_cashable_stays", amount=pv_non_cash_partners))

    fs = None
    if solve is not None:
        fs = _fair_share_result(
            ps, pv_sav_b, pv_cash_b, pv_contrib, pv_recv - pv_paid, net_a, pv_cash_a, ids, solve
        )
        if not ps.has_pool:
            notes.append(PoolNote("no_pool_every_agency_a_partner"))

    matrices = payment_matrices(pf, ps)
    cash_factor = np.asarray(result.structure.cash_factor, dtype=np.float64)
    by_year = np.stack([matrices[kind] for kind in PAYMENT_KINDS], axis=1)  # (T, kinds, A, A)
    t_i, k_i, a_i, b_i = np.nonzero(by_year > MONEY_TOLERANCE)  # in order: year, kind, payer, payee
    real = by_year[t_i, k_i, a_i, b_i]
    cash = real * cash_factor[t_i]
    payments = tuple(
        Payment(result.years[t], ids[a], ids[b], PAYMENT_KINDS[k], float(x), float(y))
        for t, k, a, b, x, y in zip(t_i, k_i, a_i, b_i, real, cash, strict=True)
    )
    return PoolingResult(
        pool_name=ps.pool_name,
        has_pool=ps.has_pool,
        rule=ps.rule,
        host=host_id,
        structure=ps,
        flows=pf,
        years=result.years,
        positions=positions,
        flow_entries=tuple(entries),
        npv=float(result.npv),
        fair_share=fs,
        notes=tuple(notes),
        payments=payments,
        net_payments_real=net_payments(matrices),
        cash_factor=cash_factor,
        price_base_year=result.structure.price_base_year,
    )


def _fair_share_result(
    ps: PoolStructure,
    pv_sav: F,
    pv_cash: F,
    pv_contrib: F,
    pv_charges_net: F,
    net_after: F,
    pv_cash_after: F,
    ids: tuple[str, ...],
    rule: str,
) -> FairShareResult:
    mask = ps.partner_mask if ps.has_pool else np.ones(len(ids))
    fsa = fair_share(pv_sav, pv_cash, pv_contrib, pv_charges_net, mask, rule)
    idx = [i for i in range(len(ids)) if mask[i] > 0]
    N = float(fsa.partners_npv)
    Sc_P = float((pv_cash * mask).sum())
    feasible = bool(fsa.feasible)
    status = "whole" if feasible else ("short_overall" if N < -MONEY_TOLERANCE else "beyond_cash")
    current_shares = np.divide(pv_cash_after * mask, Sc_P) if abs(Sc_P) > 0 else np.zeros_like(pv_sav)
    gap = (fsa.target_net - net_after) * mask
    return FairShareResult(
        rule=rule,
        feasible=feasible,
        partners_npv=N,
        status=status,
        partners_cash=float(fsa.partners_cash),
        cash_whole=bool(fsa.cash_whole),
        partners_pv_savings=float((pv_sav * mask).sum()),
        partners_pv_cashable=Sc_P,
        partners_pv_costs=float((pv_contrib * mask).sum()),
        outside_pv_savings=float((pv_sav * (1 - mask)).sum()),
        partners=tuple(ids[i] for i in idx),
        weights=tuple(float(fsa.weights[i]) for i in idx),
        non_cashable=tuple(float(fsa.non_cashable[i]) for i in idx),
        target_cash=tuple(float(fsa.target_cash[i]) for i in idx),
        target_net=tuple(float(fsa.target_net[i]) for i in idx),
        contribution_shares=tuple(float(fsa.contribution_shares[i]) for i in idx),
        contribution_shares_valid=bool(fsa.contribution_shares_valid),
        savings_shares=tuple(float(fsa.savings_shares[i]) for i in idx),
        savings_shares_valid=bool(fsa.savings_shares_valid),
        mixed_savings_shares=tuple(float(fsa.mixed_savings_shares[i]) for i in idx),
        mixed_contribution_shares=tuple(float(fsa.mixed_contribution_shares[i]) for i in idx),
        current_net=tuple(float(net_after[i]) for i in idx),
        current_savings_shares=tuple(float(current_shares[i]) for i in idx),
        distance_gbp=float(0.5 * np.abs(gap).sum()),
        share_distance=float(0.5 * np.abs((fsa.savings_shares - current_shares) * mask).sum()),
    )
