"""Pooled budgets, savings sharing, responsibility charges and the fair-share solver.

Hand-worked examples use a two-year proposal small enough to check with a calculator; the invariants
(conservation, as-they-fall, zero partners, solver ≥ 0) are checked with Hypothesis on random arrays.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import Flows
from costmodel.cli import main
from costmodel.errors import AssumptionError
from costmodel.inputs.loading import load_proposal
from costmodel.pooling.accounting import (
    PoolParams,
    PoolStructure,
    appraise_pool,
    clearing_matrix,
    evaluate_pool,
    fair_share,
    present_values,
)
from costmodel.present.pooling_report import fair_share_explanation

ROOT = Path(__file__).resolve().parent.parent
EARLY_HELP = ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"
EXCLUSIONS = ROOT / "assumptions" / "proposals" / "school_exclusion_responsibility_charge.yaml"

# ---------------------------------------------------------------------------------------------
# A hand-worked proposal: 2 years, 2024-25 prices throughout.
#   Council pays £100 a year. 10 people a year, baseline 1.0, effect 0.5 -> 5 events a year, no
#   additionality losses, all cashable. Each event costs council £6, police £10, NHS £8 (£24):
#   savings a year council 30, police 50, NHS 40 (120). NPV a year 120 - 100 = 20.
# ---------------------------------------------------------------------------------------------

HAND_HEAD = """\
schema_version: 1
id: hand
title: Hand-worked pool
description: Small numbers a person can check.
area: Test
kind: new_spending
appraisal: {{first_year: 2024, horizon_years: 2, firm_budget_years: 1, price_base_year: 2024,
            optimism_bias: off, {schedule}}}
unit_cost_library: null
"""


def hand_body(cashable_share: float) -> str:
    """The hand-worked proposal's agencies, unit cost, cost line and outcome (shared with
    test_pooling_cash): the council pays £100 a year; 10 people a year, baseline 1.0, effect 0.5 -> 5
    events a year, no additionality losses; each event costs the council £6, the police £10, the NHS £8;
    ``cashable_share`` of every saving is cashable, at once."""
    return f"""\
agencies:
  - {{id: council, name: Council}}
  - {{id: police, name: Police}}
  - {{id: nhs, name: NHS}}
unit_costs:
  - id: event
    label: One event
    per: event
    unit: GBP_per_unit
    price_year: 2024
    assumption: test
    bearers:
      - {{agency: council, value: 6}}
      - {{agency: police, value: 10}}
      - {{agency: nhs, value: 8}}
prevention_costs:
  - id: service
    label: Service
    paid_by: council
    kind: recurring
    amount: {{value: 100, unit: GBP_per_year, price_year: 2024, assumption: test}}
outcomes:
  - id: events
    label: Events avoided
    cohort: {{value: 10, unit: people_per_year, assumption: test}}
    baseline_rate: {{value: 1.0, unit: fraction, assumption: test}}
    effect: {{value: 0.5, unit: fraction, assumption: test}}
    unit_costs: [{{unit_cost: event}}]
    lag_years: {{value: 0, unit: years, assumption: test}}
    persistence_years: {{value: 1, unit: years, assumption: test}}
    drop_off: {{value: 0.0, unit: fraction, assumption: test}}
    deadweight: {{value: 0.0, unit: fraction, assumption: test}}
    displacement: {{value: 0.0, unit: fraction, assumption: test}}
    attribution: {{value: 0.0, unit: fraction, assumption: test}}
    optimism_bias: {{value: 0.0, unit: fraction, assumption: test}}
    cashable_share: {{value: {cashable_share}, unit: fraction, assumption: test}}
    cashable_delay_years: {{value: 0, unit: years, assumption: test}}
"""


def pool_block(name: str, nhs_contribution: str) -> str:
    """The hand-worked pool (shared with test_pooling_cash): the council hosts; the police pay £30 a
    year in cash; the NHS gives ``nhs_contribution``; savings shared 50% / 30% / 20%."""
    return f"""\
pool:
  name: {name}
  host: council
  partners:
    - {{agency: council}}
    - agency: police
      contributions:
        - fixed: {{value: 30, unit: GBP_per_year, price_year: 2024, assumption: test}}
    - agency: nhs
      contributions:
        - {nhs_contribution}
  sharing:
    rule: formula
    shares:
      - {{partner: council, share: 0.5}}
      - {{partner: police, share: 0.3}}
      - {{partner: nhs, share: 0.2}}
    assumption: test
"""


POOL = pool_block("Test pool", "share_of_costs: {value: 0.2, unit: fraction, assumption: test}")

CHARGE = """\
responsibility_charges:
  - id: police_charge
    label: Police pay the council per event
    from_agency: police
    to_agency: council
    outcome: events
    per_event: {value: 2, unit: GBP_per_event, price_year: 2024, assumption: test}
"""


def hand_text(extra: str = POOL, schedule: str = "discount_rate: 0") -> str:
    return HAND_HEAD.format(schedule=schedule) + hand_body(1.0) + extra + "\n"


def hand(extra: str = POOL, schedule: str = "discount_rate: 0", name: str = "hand.yaml"):
    return appraise(load_proposal(name, text=hand_text(extra, schedule)))


def by_id(pr):
    return {p.id: p for p in pr.positions}


def test_hand_worked_pool_undiscounted():
    pr = appraise_pool(hand(), "proportional")
    pos = by_id(pr)
    # Before: council 2 x (30 - 100) = -140; police 2 x 50 = 100; NHS 2 x 40 = 80; total 40.
    assert pos["council"].pv_net_before == pytest.approx(-140)
    assert pos["police"].pv_net_before == pytest.approx(100)
    assert pos["nhs"].pv_net_before == pytest.approx(80)
    # Contributions: police 30/yr; NHS 20% of 100 = 20/yr; council (host) the rest 50/yr.
    assert pos["police"].pv_contribution == pytest.approx(60)
    assert pos["nhs"].pv_contribution == pytest.approx(40)
    assert pos["council"].pv_contribution == pytest.approx(100)
    # Pooled savings 120/yr shared 0.5/0.3/0.2 -> 60, 36, 24 a year.
    assert pos["council"].pv_savings_after == pytest.approx(120)
    assert pos["police"].pv_savings_after == pytest.approx(72)
    assert pos["nhs"].pv_savings_after == pytest.approx(48)
    # After: council 120 - 100 = 20; police 72 - 60 = 12; NHS 48 - 40 = 8; total still 40.
    assert pos["council"].pv_net_after == pytest.approx(20)
    assert pos["police"].pv_net_after == pytest.approx(12)
    assert pos["nhs"].pv_net_after == pytest.approx(8)
    assert not pos["council"].passes_alone_before and pos["council"].passes_alone_after
    # Fair share (proportional): S = 60, 100, 80 (240), N = 40 -> w = 1/4, 5/12, 1/3;
    # fair NPVs 10, 16.67, 13.33; contribution shares = w; savings shares (C - R + wN)/S:
    # (100 + 10)/240, (60 + 16.67)/240, (40 + 13.33)/240.
    fs = pr.fair_share
    assert fs.feasible and fs.partners_npv == pytest.approx(40)
    assert fs.weights == pytest.approx((0.25, 5 / 12, 1 / 3))
    assert fs.target_net == pytest.approx((10, 50 / 3, 40 / 3))
    assert fs.contribution_shares == pytest.approx((0.25, 5 / 12, 1 / 3))
    assert fs.savings_shares == pytest.approx((110 / 240, (60 + 50 / 3) / 240, (40 + 40 / 3) / 240))
    # Distance: current 20, 12, 8 vs fair 10, 16.67, 13.33 -> 10 must move.
    assert fs.distance_gbp == pytest.approx(10)


def test_hand_worked_discounted_two_years():
    # At 3.5%: year 1 is worth 1/1.035. NPV = 20 + 20/1.035 = 39.3237...
    pr = appraise_pool(hand(schedule="discount_schedule: green_book_standard"))
    df1 = 1 / 1.035
    assert sum(p.pv_net_after for p in pr.positions) == pytest.approx(20 + 20 * df1)
    assert by_id(pr)["police"].pv_net_after == pytest.approx(6 + 6 * df1)


def test_hand_worked_responsibility_charge():
    # Police would pay the council £2 per event; 5 events a year avoided -> police pay £10 a year less
    # (a gain to the police, income forgone by the council): 20 over two years.
    pr = appraise_pool(hand(extra=CHARGE))
    pos = by_id(pr)
    assert pos["police"].pv_charges_received == pytest.approx(20)
    assert pos["council"].pv_charges_paid == pytest.approx(20)
    assert pos["council"].pv_net_after == pytest.approx(-140 - 20)
    assert pos["police"].pv_net_after == pytest.approx(100 + 20)
    assert sum(p.pv_net_after for p in pr.positions) == pytest.approx(40)
    charge = [e for e in pr.flow_entries if e.kind == "charge"]
    assert [(e.payer, e.beneficiary) for e in charge] == [("council", "police")]
    assert charge[0].pv_amount == pytest.approx(20)


def test_infeasible_explained():
    # Cost £200 a year instead of £100: NPV = 2 x (120 - 200) = -160 < 0, so no agreement can work.
    text = hand_text(POOL, "discount_rate: 0").replace(
        "value: 100, unit: GBP_per_year", "value: 200, unit: GBP_per_year"
    )
    fs = appraise_pool(appraise(load_proposal("hand.yaml", text=text)), "proportional").fair_share
    assert not fs.feasible
    # the solver says so as data (a status and the numbers); the words are written in present/
    assert fs.status == "short_overall" and fs.partners_npv == pytest.approx(-160)
    explanation = fair_share_explanation(fs)
    assert "No agreement can leave every partner no worse off" in explanation
    assert "−£160" in explanation
    assert not fs.contribution_shares_valid and not fs.savings_shares_valid


# ---------------------------------------------------------------------------------------------
# Invariants on random arrays (Hypothesis)
# ---------------------------------------------------------------------------------------------

money = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)


@st.composite
def pool_case(draw, rule=None):
    B = draw(st.integers(1, 3))
    T = draw(st.integers(1, 6))
    A = draw(st.integers(2, 5))
    O = 2  # noqa: E741
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1.0, 1e3, 1e6]))
    costs = rng.uniform(0, 1, (B, T, A)) * scale * (rng.uniform(0, 1, (1, 1, A)) < 0.6)
    savings = rng.uniform(0, 1, (B, T, A)) * scale * (rng.uniform(0, 1, (1, 1, A)) < 0.7)
    cash = savings * rng.uniform(0, 1, (B, T, A))
    events = rng.uniform(0, 10, (B, O, T))
    rates = np.full((B, T), draw(st.sampled_from([0.0, 0.035, 0.1])))
    from costmodel.appraisal.discounting import discount_factors

    flows = Flows(
        costs=costs,
        savings=savings,
        cashable=cash,
        events=events,
        savings_by_outcome=np.zeros((B, O, T)),
        factors=discount_factors(rates),
    )
    partner = (rng.uniform(0, 1, A) < 0.7).astype(float)
    partner[0] = 1.0
    # every payer is a partner (the loader enforces it)
    partner = np.maximum(partner, (costs.sum(axis=(0, 1)) > 0).astype(float))
    host = np.zeros(A)
    host[0] = 1.0
    rule = rule or draw(st.sampled_from(["as_they_fall", "pro_rata_to_contribution", "formula"]))
    raw = rng.uniform(0, 1, (T, A)) * partner
    formula = raw / raw.sum(axis=-1, keepdims=True)
    N = draw(st.integers(0, 4))
    c_partner = np.zeros((N, A))
    kinds = []
    values = []
    for n in range(N):
        a = int(rng.choice(np.flatnonzero(partner)))
        c_partner[n, a] = 1.0
        k = draw(st.sampled_from(["fixed", "share_of_costs", "in_kind"]))
        kinds.append(k)
        values.append(rng.uniform(0, 0.3) if k == "share_of_costs" else rng.uniform(0, 1) * scale)
    K = draw(st.integers(0, 3))
    ch_from = np.zeros((K, A))
    ch_to = np.zeros((K, A))
    for k in range(K):
        a, b = rng.choice(A, 2, replace=False)
        ch_from[k, a] = ch_to[k, b] = 1.0
    ch_outcome = np.zeros((K, O))
    ch_outcome[np.arange(K), rng.integers(0, O, K)] = 1.0
    ps = PoolStructure(
        agency_ids=tuple(f"a{i}" for i in range(A)),
        has_pool=True,
        pool_name="random",
        rule=rule,
        partner_mask=partner,
        host=host,
        formula_shares=formula,
        contribution_years=(rng.uniform(0, 1, (N, T)) < 0.8).astype(float),
        contribution_partner=c_partner,
        contribution_kind=tuple(kinds),
        charge_ids=tuple(f"c{k}" for k in range(K)),
        charge_from=ch_from,
        charge_to=ch_to,
        charge_outcome=ch_outcome,
        charge_years=np.ones((K, T)),
        charge_is_fixed=(rng.uniform(0, 1, K) < 0.5).astype(float),
        sign=1.0,
    )
    pp = PoolParams(
        contribution_value=np.broadcast_to(np.array(values, dtype=float), (B, N)).copy(),
        charge_value=rng.uniform(0, 1, (B, K)) * scale,
    )
    return flows, ps, pp


def _tol(*arrays):
    return 1e-9 * max(1.0, *(float(np.abs(a).max(initial=0.0)) for a in arrays)) * 10


def two_partner_case(costs, savings, cashable, charge_from, charge_value, partner=None):
    """One year, no discounting, one draw: agencies a0 (the host, paying what the pool costs) and a1 and
    so on, no contributions declared, savings as they fall, and one fixed charge a year of
    ``charge_value`` [£] paid by agency ``charge_from`` to the host (or by the host to agency 1 when
    ``charge_from`` is 0). For the Hypothesis tests' explicit examples, written out by hand."""
    A = len(costs)
    row = lambda v: np.array([[v]], dtype=float)  # noqa: E731  (B=1, T=1, A)
    flows = Flows(
        costs=row(costs),
        savings=row(savings),
        cashable=row(cashable),
        events=np.zeros((1, 1, 1)),
        savings_by_outcome=np.zeros((1, 1, 1)),
        factors=np.ones((1, 1)),
    )
    partner_mask = np.ones(A) if partner is None else np.array(partner, dtype=float)
    host = np.zeros(A)
    host[0] = 1.0
    payee = 1 if charge_from == 0 else 0
    ps = PoolStructure(
        agency_ids=tuple(f"a{i}" for i in range(A)),
        has_pool=True,
        pool_name="by hand",
        rule="as_they_fall",
        partner_mask=partner_mask,
        host=host,
        formula_shares=partner_mask[None, :] / partner_mask.sum(),
        contribution_years=np.zeros((0, 1)),
        contribution_partner=np.zeros((0, A)),
        contribution_kind=(),
        charge_ids=("c0",),
        charge_from=np.eye(A)[[charge_from]],
        charge_to=np.eye(A)[[payee]],
        charge_outcome=np.ones((1, 1)),
        charge_years=np.ones((1, 1)),
        charge_is_fixed=np.ones(1),
        sign=1.0,
    )
    pp = PoolParams(contribution_value=np.zeros((1, 0)), charge_value=np.array([[charge_value]]))
    return flows, ps, pp


# Needs that overshoot the cash by less than half a penny (worked out in test_pooling_cash.py's
# test_needs_over_the_cash_by_less_than_half_a_penny_are_not_delivered): partners a0 (host: costs 1,
# savings 3 of which 1 cashable) and a1 (savings 1, none cashable, paying a0 a charge of 1.254). The
# combined NPV is 3, so a1's fair NPV is 1/4 x 3 = 0.75 and it needs 1.004 of cash where 1 exists.
HALF_PENNY_SHORT = two_partner_case([1.0, 0.0], [3.0, 1.0], [1.0, 0.0], charge_from=1, charge_value=1.254)


@settings(max_examples=60, deadline=None)
@given(pool_case())
def test_conservation(case):
    flows, ps, pp = case
    pf = evaluate_pool(ps, pp, flows)
    tol = _tol(pf.costs_before, pf.savings_before, pf.charges_paid)
    # every year, sharing and charges neither create nor destroy money
    np.testing.assert_allclose(pf.costs_after.sum(-1), pf.costs_before.sum(-1), atol=tol)
    np.testing.assert_allclose(pf.savings_after.sum(-1), pf.savings_before.sum(-1), atol=tol)
    np.testing.assert_allclose(pf.cashable_after.sum(-1), pf.cashable_before.sum(-1), atol=tol)
    np.testing.assert_allclose(pf.charges_paid.sum(-1), pf.charges_received.sum(-1), atol=tol)
    np.testing.assert_allclose(pf.net_after.sum(-1), pf.net_before.sum(-1), atol=tol)
    pv_after = present_values(pf.net_after, pf.factors).sum(-1)
    pv_before = present_values(pf.net_before, pf.factors).sum(-1)
    np.testing.assert_allclose(pv_after, pv_before, atol=tol)
    assert np.all(np.isfinite(pf.net_after))


@settings(max_examples=40, deadline=None)
@given(pool_case(rule="as_they_fall"))
def test_as_they_fall_keeps_savings_where_they_land(case):
    flows, ps, pp = case
    pf = evaluate_pool(ps, pp, flows)
    np.testing.assert_array_equal(pf.savings_after, pf.savings_before)
    np.testing.assert_array_equal(pf.cashable_after, pf.cashable_before)


@settings(max_examples=40, deadline=None)
@given(pool_case())
def test_batch_equals_draw_by_draw(case):
    flows, ps, pp = case
    pf = evaluate_pool(ps, pp, flows)
    for b in range(flows.costs.shape[0]):
        one = Flows(
            *(
                getattr(flows, f)[b]
                for f in ("costs", "savings", "cashable", "events", "savings_by_outcome", "factors")
            )
        )
        pf1 = evaluate_pool(ps, PoolParams(pp.contribution_value[b], pp.charge_value[b]), one)
        np.testing.assert_allclose(pf1.net_after, pf.net_after[b], rtol=1e-12, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(pool_case(rule="pro_rata_to_contribution"), st.booleans())
def test_partner_with_nothing_in_and_nothing_saved_ends_at_zero(case, also_as_they_fall):
    flows, ps, pp = case
    A = ps.partner_mask.size
    idle = A - 1
    if ps.host[idle] or ps.contribution_partner[:, idle].any() or flows.costs[..., idle].any():
        return
    for arr in (flows.savings, flows.cashable):
        arr[..., idle] = 0.0
    ps2 = PoolStructure(
        **{
            **ps.__dict__,
            "charge_from": ps.charge_from * 0,
            "charge_to": ps.charge_to * 0,
            "rule": "as_they_fall" if also_as_they_fall else ps.rule,
        }
    )
    pf = evaluate_pool(ps2, pp, flows)
    assert np.all(pf.net_after[..., idle] == 0.0)


@settings(max_examples=80, deadline=None)
@given(pool_case(), st.sampled_from(["proportional", "cashable"]))
@example(HALF_PENNY_SHORT, "proportional")
def test_fair_share_leaves_every_partner_whole_when_total_nonnegative(case, rule):
    flows, ps, pp = case
    pf = evaluate_pool(ps, pp, flows)
    df = pf.factors
    pv = present_values
    charges_net = pv(pf.charges_received - pf.charges_paid, df)
    fs = fair_share(
        pv(pf.savings_before, df),
        pv(pf.cashable_before, df),
        pv(pf.costs_after, df),
        charges_net,
        ps.partner_mask,
        rule,
    )
    m = ps.partner_mask
    # the fair NPVs add up to the partners' combined NPV, and are all >= 0 (to the penny) when it is
    np.testing.assert_allclose(
        fs.target_net.sum(-1), fs.partners_npv, atol=_tol(fs.partners_npv, fs.target_net)
    )
    ok = fs.partners_npv >= 0
    assert np.all(fs.target_net[ok] * m >= -0.005)
    # delivering it as savings shares (a formula constant over the years) gives exactly those NPVs; only
    # cash moves (issue 12 §5): the shares apply to the cashable savings, the non-cashable stay put
    shares = fs.savings_shares[:, None, :] * np.ones_like(pf.savings_before)
    from costmodel.pooling.accounting import share_savings

    cash_after = share_savings(pf.cashable_before, shares, m)
    sav_after = pf.savings_before - pf.cashable_before + cash_after
    net = pv(sav_after - pf.costs_after - pf.charges_paid + pf.charges_received, df)
    tol = _tol(pv(pf.savings_before, df), pv(pf.costs_after, df)) * 100
    deliverable = (pv(pf.cashable_before, df) * m).sum(-1) > 0  # with no cash there is nothing to share
    np.testing.assert_allclose((net * m)[deliverable], (fs.target_net * m)[deliverable], atol=max(tol, 1e-6))
    assert np.all((net * m)[ok & deliverable] >= -0.005 - tol)
    np.testing.assert_allclose(fs.savings_shares[deliverable].sum(-1), 1.0, rtol=1e-9)
    # feasible means the cash that exists delivers it: savings shares in [0, 1], no negative contribution,
    # or both levers at once with the partners who must receive cash needing no more than the cash savings
    feasible = np.asarray(fs.feasible)
    in_range = np.all(((fs.savings_shares >= -1e-12) & (fs.savings_shares <= 1 + 1e-12)) | (m == 0), axis=-1)
    no_refund = np.all((fs.contribution_shares >= -1e-12) | (m == 0), axis=-1)
    cash = (pv(pf.cashable_before, df) * m).sum(-1)
    # (as a share of the cash, like the two levers alone: half a penny over £0.08 is 6% more than exists)
    enough = np.maximum(fs.cash_needed, 0).sum(-1) <= cash * (1 + 1e-12)
    np.testing.assert_array_equal(feasible[ok], ((in_range & deliverable) | no_refund | enough)[ok])
    assert not np.any(feasible & (fs.partners_npv < -0.005))


def test_clearing_matrix_rows_and_columns():
    out = np.array([[30.0, -10.0, -20.0, 0.0]])
    mat = clearing_matrix(out)[0]
    assert mat[0].tolist() == [0.0, 10.0, 20.0, 0.0]
    np.testing.assert_allclose(mat.sum(axis=0), [0, 10, 20, 0])


# ---------------------------------------------------------------------------------------------
# Bad input: one clear located line each
# ---------------------------------------------------------------------------------------------


def _error(extra: str) -> str:
    with pytest.raises(AssumptionError) as info:
        hand(extra=extra, name="bad.yaml")
    return str(info.value)


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            ("share: 0.2}\n    assumption", "share: 0.1}\n    assumption"),
            "pool.sharing.shares",
            "add up to 0.9",
        ),
        (("- {partner: nhs,", "- {partner: fire,"), "pool.sharing.shares.2.partner", "not a partner"),
        (("- agency: nhs", "- agency: ambulance"), "pool.partners.2.agency", "unknown agency 'ambulance'"),
        (
            ("value: 30,", "value: -30,"),
            "pool.partners.1.contributions.0.fixed.value",
            "contribution cannot be negative",
        ),
        (("host: council", "host: police2"), "pool.host", "not a partner"),
        (("    - {agency: council}\n", ""), "prevention_costs.0.paid_by", "not a pool partner"),
    ],
)
def test_pool_errors_are_located(change, field, words):
    message = _error(POOL.replace(*change))
    lines = message.splitlines()
    # every problem is one located line; knock-on problems (e.g. a removed partner's share) are listed too
    assert all(line.split(":")[0] == "bad.yaml" and line.split(":")[1].isdigit() for line in lines), message
    assert any(f" {field}:" in line and words in line for line in lines), message


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (("to_agency: council", "to_agency: police"), "responsibility_charges.0.to_agency", "to itself"),
        (
            ("outcome: events", "outcome: arrests"),
            "responsibility_charges.0.outcome",
            "unknown outcome 'arrests'",
        ),
        (
            ("from_agency: police", "from_agency: schools"),
            "responsibility_charges.0.from_agency",
            "unknown agency",
        ),
        (
            ("value: 2,", "value: -2,"),
            "responsibility_charges.0.per_event.value",
            "charge cannot be negative",
        ),
    ],
)
def test_charge_errors_are_located(change, field, words):
    message = _error(CHARGE.replace(*change))
    assert message.count("\n") == 0, message
    assert f" {field}:" in message and words in message, message
    line = int(message.split(":")[1])
    assert line > 40  # points into the appended block, not at the top of the file


# ---------------------------------------------------------------------------------------------
# Shipped examples and the command line
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [EARLY_HELP, EXCLUSIONS])
def test_examples_conserve_and_solve(path):
    result = appraise(load_proposal(path))
    pr = appraise_pool(result, "proportional")
    assert sum(p.pv_net_after for p in pr.positions) == pytest.approx(result.npv, abs=0.01)
    assert sum(p.pv_net_before for p in pr.positions) == pytest.approx(result.npv, abs=0.01)
    fs = pr.fair_share
    if fs.feasible:
        assert min(fs.target_net) >= -0.005


def test_early_help_tells_the_wrong_pockets_story():
    # before optimism bias the whole public sector gains, so a fair agreement exists
    pr = appraise_pool(appraise(load_proposal(EARLY_HELP), optimism=False), "proportional")
    pos = by_id(pr)
    assert not pos["council_childrens_services"].passes_alone_before
    assert pos["police"].partner and pos["nhs"].partner
    assert pr.fair_share.feasible
    # risk-adjusted (the default) the whole public sector loses: no agreement can leave everyone whole
    adjusted = appraise_pool(appraise(load_proposal(EARLY_HELP)), "proportional")
    assert not adjusted.fair_share.feasible


def test_cli_pool_json_and_run_table():
    out, err = StringIO(), StringIO()
    assert main(["pool", str(EARLY_HELP), "--format", "json", "--solve", "cashable"], out, err) == 0, (
        err.getvalue()
    )
    data = json.loads(out.getvalue())["pooling"]
    keys = {
        "id",
        "pv_contribution",
        "pv_savings_before",
        "pv_savings_after",
        "pv_charges_paid",
        "pv_charges_received",
        "pv_net_after",
        "passes_alone_before",
        "passes_alone_after",
    }
    assert keys <= set(data["partners"][0])
    assert {"payer", "beneficiary", "pv_amount"} <= set(data["flows"][0])
    assert data["fair_share"]["rule"] == "cashable"
    out = StringIO()
    assert main(["run", str(EARLY_HELP)], out, err) == 0
    assert "Pooled budget:" in out.getvalue()
    out = StringIO()
    assert main(["run", str(EARLY_HELP), "--format", "json"], out, err) == 0
    assert "fair_share" not in json.loads(out.getvalue())["pooling"]


def test_cli_pool_without_pool_is_a_usage_error():
    out, err = StringIO(), StringIO()
    assert main(["pool", str(ROOT / "assumptions/proposals/youth_work.yaml")], out, err) == 1
    assert "nothing to share" in err.getvalue()


def test_pooling_charts_only_for_pooled_proposals():
    from costmodel.present.charts import CHART_KINDS, build_chart

    pooled = appraise(load_proposal(EARLY_HELP))
    plain = appraise(load_proposal(ROOT / "assumptions/proposals/youth_work.yaml"))
    for kind in ("pooling-partners", "who-pays-who-saves-flows"):
        assert len(CHART_KINDS[kind].data(pooled)) > 0
        assert len(CHART_KINDS[kind].data(plain)) == 0
        build_chart(kind, pooled).to_dict()
    frame = CHART_KINDS["pooling-partners"].data(pooled)
    after = frame[frame["when"] == "after the agreement"]["pv_net_gbp"].sum()
    assert after == pytest.approx(pooled.npv, abs=0.01)


def test_docs_worked_example_runs():
    text = (ROOT / "docs" / "pooled-budgets.md").read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```python\n")[1:]]
    assert blocks
    for block in blocks:
        exec(compile(block, "docs/pooled-budgets.md", "exec"), {})
