"""The engine against proposals worked by hand (tests/cases/hand_worked.yaml).

Hand working for the hand-worked case (every figure in 2024-25 prices, standard 3.5% schedule):

* effect profile of one intake (lag 1, persistence 2, drop-off 0.5): years after intake 0,1,2,3 -> 0, 1, 0.5, 0
* full-effect events per intake: cohort 100 x baseline 0.1 x effect 0.5 = 5
* gross events by year: t0 0; t1 5x1 = 5; t2 5x0.5 + 5x1 = 7.5; t3 5x0.5 + 5x1 = 7.5
* net of deadweight 0.2: 0, 4, 6, 6
* savings: police 60 per event -> 0, 240, 360, 360; NHS 40 -> 0, 160, 240, 240
* cashable from year 0 + lag 1 + delay 1 = 2, half of savings: 0, 0, 300, 300
* costs: council 1,000 a year
"""

from __future__ import annotations

import numpy as np
import pytest

from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import (
    additionality_factor,
    first_year_staying_nonnegative,
    intake_convolution,
    persistence_profile,
)
from costmodel.inputs.loading import Overrides, load_proposal

from .conftest import ROOT

HAND = ROOT / "tests" / "cases" / "hand_worked.yaml"
D = [1.0, 1 / 1.035, 1 / 1.035**2, 1 / 1.035**3]


@pytest.fixture(scope="module")
def hand():
    return appraise(load_proposal(HAND))


def test_flows_by_agency_and_year(hand):
    ids = [a.id for a in hand.scenario.agencies]
    assert ids == ["council", "police", "nhs"]
    np.testing.assert_allclose(hand.flows.costs[:, 0], [1000, 1000, 1000, 1000])
    np.testing.assert_allclose(hand.flows.savings[:, 1], [0, 240, 360, 360])
    np.testing.assert_allclose(hand.flows.savings[:, 2], [0, 160, 240, 240])
    np.testing.assert_allclose(hand.flows.cashable.sum(axis=1), [0, 0, 300, 300])
    np.testing.assert_allclose(hand.flows.events[0], [0, 4, 6, 6])


def test_present_values_and_headlines(hand):
    pv_costs = 1000 * sum(D)
    pv_police = 240 * D[1] + 360 * D[2] + 360 * D[3]
    pv_nhs = 160 * D[1] + 240 * D[2] + 240 * D[3]
    assert hand.pv_costs == pytest.approx(pv_costs, abs=1e-9)
    assert hand.pv_savings == pytest.approx(pv_police + pv_nhs, abs=1e-9)
    assert hand.npv == pytest.approx(pv_police + pv_nhs - pv_costs, abs=1e-9)
    assert hand.pv_net_by_agency.tolist() == pytest.approx([-pv_costs, pv_police, pv_nhs])
    assert hand.bcr == pytest.approx((pv_police + pv_nhs) / pv_costs)
    assert hand.net_return_per_pound == pytest.approx((pv_police + pv_nhs - pv_costs) / pv_costs)
    assert hand.pv_cashable == pytest.approx(300 * D[2] + 300 * D[3])
    # firm-budget years are years 0 and 1
    assert hand.npv_firm == pytest.approx(-1000 + (400 - 1000) * D[1])
    assert hand.npv_beyond == pytest.approx((600 - 1000) * D[2] + (600 - 1000) * D[3])
    assert not hand.passes
    assert hand.worse_off == ("council",) and set(hand.better_off) == {"police", "nhs"}
    assert hand.payback_year is None and hand.irr is None


def test_cashable_position_split_by_firm_budget_years(hand):
    # cashable savings - costs by year: -1000, -1000, 300 - 1000, 300 - 1000; firm-budget years 0 and 1
    firm = -1000 - 1000 * D[1]
    beyond = -700 * D[2] - 700 * D[3]
    assert hand.pv_cash_net_firm == pytest.approx(firm, abs=1e-9)
    assert hand.pv_cash_net_beyond == pytest.approx(beyond, abs=1e-9)
    assert hand.pv_cash_net == pytest.approx(firm + beyond, abs=1e-9)


def test_ten_year_table_cashable_row_reads_the_result(hand):
    from costmodel.present.tables import ten_year_table

    row = ten_year_table(hand).iloc[-1]
    assert row["Budget holder"].strip() == "of which cashable"
    assert row["PV firm-budget years"] == pytest.approx(-1000 - 1000 * D[1], abs=1e-9)
    assert row["PV years beyond"] == pytest.approx(-700 * D[2] - 700 * D[3], abs=1e-9)
    assert row["NPV"] == pytest.approx(-1000 - 1000 * D[1] - 700 * D[2] - 700 * D[3], abs=1e-9)
    assert [row[c] for c in ten_year_table(hand).columns[1:5]] == pytest.approx([-1000, -1000, -700, -700])


def test_dual_running(hand):
    dr = hand.dual_running
    np.testing.assert_allclose(dr.funding_requirement, [1000, 1000, 700, 700])
    np.testing.assert_allclose(dr.cumulative_requirement, [1000, 2000, 2700, 3400])
    assert dr.peak_funding_requirement == pytest.approx(3400)
    assert dr.years == 4 and not dr.ends_within_horizon and dr.break_even_year is None


def test_verdict_names_who_loses(hand):
    assert hand.verdict.startswith("Fails the 4-year appraisal")  # issue 11: only ten years is the Ten Year Test
    assert "Worse off: Council (−£3,802)" in hand.verdict
    assert "Better off: Police (+£893) and NHS (+£595)" in hand.verdict


def test_cut_reverses_every_flow(tmp_path):
    text = HAND.read_text().replace("kind: new_spending", "kind: cut")
    cut = appraise(load_proposal(tmp_path / "cut.yaml", text=text))
    spend = appraise(load_proposal(HAND))
    np.testing.assert_allclose(cut.flows.costs, -spend.flows.costs)
    np.testing.assert_allclose(cut.flows.savings, -spend.flows.savings)
    assert cut.npv == pytest.approx(-spend.npv)
    assert cut.passes  # the spend loses money, so cutting it saves money overall
    # issue 12 §4: a cut has no benefit-cost ratio (money released over demand added inverted its
    # meaning); the two present values that ratio divided are reported by name instead
    assert cut.bcr is None and cut.net_return_per_pound is None
    assert cut.cut is not None
    assert cut.cut.pv_released == pytest.approx(spend.pv_costs)  # money released = the spend's PV costs
    assert cut.cut.pv_shunted == pytest.approx(spend.pv_savings)  # demand added = the spend's PV savings
    assert cut.cut.pv_released / cut.cut.pv_shunted == pytest.approx(spend.pv_costs / spend.pv_savings)
    assert "the cut saves Council £3,802" in cut.verdict


def test_horizon_override_and_constant_discount_rate():
    r = appraise(load_proposal(HAND, Overrides(horizon_years=2, discount_rate=0.0)))
    assert r.flows.factors.tolist() == [1.0, 1.0]
    assert r.npv == pytest.approx(-1000 + (400 - 1000))
    assert r.structure.firm_budget_years == 2


def test_price_conversion_applies_deflator(tmp_path):
    # The same incident cost written in 2008-09 prices is uprated by 100 / 66.8397 (HMT deflator, March 2026)
    text = HAND.read_text().replace(
        "    price_year: 2024\n    source: test_source\n    total: 100",
        "    price_year: 2008\n    source: test_source\n    total: 100",
    )
    r = appraise(load_proposal(tmp_path / "p.yaml", text=text))
    np.testing.assert_allclose(r.flows.savings[:, 1], np.array([0, 240, 360, 360]) * 100 / 66.8397)


def test_persistence_profile_by_hand():
    np.testing.assert_allclose(
        persistence_profile(np.array([1.0]), np.array([3.0]), np.array([0.2]), 6)[0], [0, 1, 0.8, 0.64, 0, 0]
    )


def test_events_convolution_by_hand():
    """The engine's own convolution (``intake_convolution``, which replaced a separate ``events_by_year``
    that only this test used): effects in year t from every earlier year's intake."""
    intake = np.array([[10.0, 10.0, 0.0]])
    profile = np.array([[0.5, 0.25, 0.0]])
    np.testing.assert_allclose(intake_convolution(profile, intake)[0], [5.0, 7.5, 2.5])


def test_additionality_order_is_documented_product():
    assert additionality_factor(0.2, 0.1, 0.25, 0.1) == pytest.approx(0.8 * 0.9 * 0.75 * 0.9)


def test_payback_is_first_year_staying_nonnegative():
    assert first_year_staying_nonnegative(np.array([-5.0, 1.0, -1.0, 2.0, 3.0])) == 3
    assert first_year_staying_nonnegative(np.array([-5.0, -1.0])) == -1
    assert first_year_staying_nonnegative(np.array([[0.0, 1.0], [-1.0, 1.0]])).tolist() == [0, 1]


def test_irr_for_conventional_flows(tmp_path):
    # 1,000 up front, then big savings: a conventional series has one IRR
    text = (
        HAND.read_text()
        .replace(
            "kind: recurring\n    amount: {value: 1000, unit: GBP_per_year",
            "kind: one_off\n    amount: {value: 1000, unit: GBP",
        )
        .replace("cohort: {value: 100,", "cohort: {value: 1000,")
    )
    r = appraise(load_proposal(tmp_path / "p.yaml", text=text))
    import numpy_financial as npf

    net = r.flows.net.sum(axis=1)
    assert net[0] < 0 and np.all(net[1:] > 0)
    assert r.irr == pytest.approx(float(npf.irr(net)))
    assert sum(v / (1 + r.irr) ** t for t, v in enumerate(net)) == pytest.approx(0, abs=1e-6)
    assert r.payback_year == 1


def test_financing_repayment_uses_pmt_and_nper(tmp_path):
    text = (
        HAND.read_text()
        .replace("cohort: {value: 100,", "cohort: {value: 400,")
        .replace("horizon_years: 4", "horizon_years: 10")
        + "financing:\n  fund: Early action fund\n  interest_rate: {value: 0.02, unit: fraction, source: test_source}\n"
        "  term_years: {value: 5, unit: years, source: test_source}\n"
    )
    r = appraise(load_proposal(tmp_path / "p.yaml", text=text))
    f = r.financing
    assert f is not None
    assert r.cash is not None
    principal = r.cash.dual_running.peak_funding_requirement  # issue 11: the loan is in cash (nominal rate)
    # level repayment by hand: P r / (1 - (1+r)^-n)
    assert f.annual_repayment == pytest.approx(principal * 0.02 / (1 - 1.02**-5))
    if f.years_to_repay is not None:
        # nper by hand: -ln(1 - P r / A) / ln(1 + r)
        cap = f.repayment_capacity
        assert f.years_to_repay == pytest.approx(-np.log(1 - principal * 0.02 / cap) / np.log(1.02))


def test_youth_work_example_is_finite_and_consistent():
    from .conftest import YOUTH_WORK

    r = appraise(load_proposal(YOUTH_WORK))
    assert np.isfinite(r.npv)
    assert r.pv_net_by_agency.sum() == pytest.approx(r.npv, rel=1e-12)
    assert r.pv_net_firm_by_agency.sum() + r.pv_net_beyond_by_agency.sum() == pytest.approx(r.npv)


def test_gross_savings_before_additionality(hand):
    # gross events 0, 5, 7.5, 7.5 (before deadweight 0.2): police 60 per event
    assert hand.flows.gross_savings is not None
    np.testing.assert_allclose(hand.flows.gross_savings[:, 1], [0, 300, 450, 450])
    np.testing.assert_allclose(hand.flows.savings, 0.8 * hand.flows.gross_savings)


def test_long_horizon_profile_and_convolution_match_the_direct_sums():
    """Beyond LONG_HORIZON_YEARS the engine uses running products and running sums; every value must
    equal the direct double sum sum_s intake[s] * (1 - drop_off) ** (t - s - lag) over the active years,
    computed here with plain Python loops (and the zeros must be exact zeros)."""
    from costmodel.appraisal.engine import LONG_HORIZON_YEARS, intake_convolution, persistence_profile

    T = LONG_HORIZON_YEARS + 20
    rng = np.random.default_rng(5)
    lag = rng.integers(0, 6, (3, 4)).astype(float)
    persistence = rng.integers(1, T, (3, 4)).astype(float)
    drop_off = rng.random((3, 4)) * 0.6
    windows = [(0, T - 1), (3, 10), (T, T - 1), (T - 1, T - 1)]  # the third has no intake
    mask = np.zeros((4, T))
    for o, (a, b) in enumerate(windows):
        mask[o, a : b + 1] = 1.0
    got = intake_convolution(persistence_profile(lag, persistence, drop_off, T), mask)
    for b in range(3):
        for o, (first, last) in enumerate(windows):
            for t in range(T):
                expected = 0.0
                for s in range(first, min(last, t) + 1):
                    j = t - s - lag[b, o]
                    if 0 <= j < persistence[b, o]:
                        expected += (1.0 - drop_off[b, o]) ** j
                assert got[b, o, t] == pytest.approx(expected, rel=1e-12, abs=1e-13)
                if expected == 0.0:
                    assert got[b, o, t] == 0.0


def test_long_horizon_running_products_and_sums_stop_where_effects_end_bit_for_bit():
    """Beyond LONG_HORIZON_YEARS the profile's running product and the convolution's running sum stop at
    effect_support (the years any effect can reach): every value must equal, bit for bit, the running
    product and running sum over the whole horizon (what the engine computed before)."""
    from costmodel.appraisal.engine import (
        LONG_HORIZON_YEARS,
        effect_support,
        intake_convolution,
        persistence_profile,
    )

    T = LONG_HORIZON_YEARS + 70
    rng = np.random.default_rng(11)
    lag = np.concatenate([rng.integers(0, 4, (40, 2)), rng.random((40, 1)) * 3], axis=1)
    persistence = np.concatenate([rng.integers(1, 7, (40, 2)), 1 + rng.random((40, 1)) * 5], axis=1)
    drop_off = rng.random((40, 3)) * 0.5
    since = np.arange(T) - lag[..., None]
    active = (since >= 0) & (since < persistence[..., None])
    whole = np.where(active, np.cumprod(np.where(since > 0, 1.0 - drop_off[..., None], 1.0), axis=-1), 0.0)
    support = effect_support(lag, persistence, T)
    assert support < T and not whole[..., support:].any()
    profile = persistence_profile(lag, persistence, drop_off, T)
    np.testing.assert_array_equal(profile, whole)
    full = np.ones((3, T))
    got = intake_convolution(profile, full, support)
    np.testing.assert_array_equal(got, np.cumsum(whole, axis=-1))
    assert got.tobytes() == np.cumsum(whole, axis=-1).tobytes()  # signs of zeros too
    assert effect_support(lag, np.full_like(persistence, np.inf), T) == T


def test_batched_measures_element_equals_the_deterministic_result():
    """measures() over a batch of draws gives, for a row holding the central values, exactly the figures
    summarise reports (one code path), and its cash break-even is dual running's."""
    from costmodel.appraisal.engine import compile_scenario, measures
    from costmodel.uncertainty.batch import with_values
    from costmodel.uncertainty.compile import compile_uncertainty
    from costmodel.uncertainty.montecarlo import draw_values

    from .conftest import YOUTH_WORK

    sc = load_proposal(YOUTH_WORK)
    r = appraise(sc)
    c = compile_uncertainty(sc)
    values = draw_values(c.inputs, 50, np.random.default_rng(3))
    values[0] = [i.central for i in c.inputs]
    m = measures(*with_values(c, c.inputs, values))
    assert float(m.npv[0]) == r.npv
    np.testing.assert_array_equal(m.pv_net_by_agency[0], r.pv_net_by_agency)
    assert int(m.discounted_payback_year[0]) == (-1 if r.discounted_payback_year is None else r.discounted_payback_year)
    np.testing.assert_array_equal(m.cash_break_even_year, m.dual_running.break_even_year)
    central = measures(*compile_scenario(sc))  # no optimism-bias corrections: the unadjusted figures
    assert r.unadjusted is not None
    assert float(central.npv) == r.unadjusted.npv


def test_results_are_read_only(hand):
    """The engine's records (engine.record) are as frozen as dataclass(frozen=True): no field of a result,
    its structure, parameters or flows can be assigned or deleted, nor an attribute added; replace makes
    a new one. They compare as objects (their arrays have no single truth value)."""
    import dataclasses

    for obj in (hand, hand.structure, hand.params, hand.flows):
        name = dataclasses.fields(obj)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, name, getattr(obj, name))
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(obj, name)
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.extra = 1  # type: ignore[attr-defined]
    again = dataclasses.replace(hand, verdict="changed")
    assert again.verdict == "changed" and hand.verdict != "changed" and again.npv == hand.npv
    assert hand == hand and again != hand


def test_results_read_as_dataclasses_do(hand):
    """A record's repr is the text dataclass writes: the class name and each field's repr."""
    import dataclasses

    for obj in (hand.committed, hand.structure, hand.dual_running, hand):
        names = [f.name for f in dataclasses.fields(obj)]
        twin = dataclasses.make_dataclass(type(obj).__name__, names, frozen=True)(*(getattr(obj, n) for n in names))
        assert repr(obj) == repr(twin)
