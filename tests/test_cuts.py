"""Cuts told straight (issue 12 §4): money released by year, closure costs and costs shunted by budget
holder, no inverted ratio; a release profile and closure costs, checked by hand; invariants (Hypothesis).

The hand-worked case is ``tests/cases/hand_worked_cut.yaml``: the hand-worked £1,000 a year service (2024-25
prices, the price base, so nothing is deflated) as a cut, released half in year 0 and all of it after; a
£600 redundancy cost (Council, year 0) and a £300 building closure (Council property services, year 1).
Its one outcome adds 4, 6 and 6 incidents in years 1-3 (100 × 0.1 × 0.5 × (1 − 0.2) × (1, 1 + 0.5,
1 + 0.5)), each costing the Police £60 and the NHS £40 (tests/test_engine.py works the same outcome).
"""

from __future__ import annotations

import copy
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import evaluate_summary
from costmodel.cli import main
from costmodel.export.brief import CUT_LOWER_BOUND, brief_content, brief_markdown
from costmodel.export.excel import OUTPUTS, workbook_cells
from costmodel.export.formula import Evaluator
from costmodel.inputs.loading import load_proposal
from costmodel.present.measures import headline_measures
from costmodel.present.report import render_csv, render_table, result_to_dict
from costmodel.uncertainty.batch import with_changes
from costmodel.uncertainty.compile import compile_uncertainty

from .test_properties import SETTINGS, money_value, proposals, q, run

CASES = Path(__file__).resolve().parent / "cases"
CUT = CASES / "hand_worked_cut.yaml"
CUT_TEXT = CUT.read_text(encoding="utf-8")
SHARES = "      shares: {unit: fraction, values: [0.5], source: test_source}"

R = 1.035  # Green Book standard rate, years 0-30
DF = [1.0, 1 / R, 1 / R**2, 1 / R**3]  # end-of-year, year 0 undiscounted

# by hand: the year-by-year flows [£, 2024-25 prices]
RELEASED = [0.5 * 1000, 1000, 1000, 1000]  # half the budget in year 0, all of it after
CLOSURE_COUNCIL = [600, 0, 0, 0]
CLOSURE_PROPERTY = [0, 300, 0, 0]
SHUNTED_POLICE = [0, 4 * 60, 6 * 60, 6 * 60]
SHUNTED_NHS = [0, 4 * 40, 6 * 40, 6 * 40]


def pv(flows: list[float]) -> float:
    return sum(f * d for f, d in zip(flows, DF, strict=True))


PV_RELEASED = 500 + 1000 * (1 / R + 1 / R**2 + 1 / R**3)  # £3,301.64
PV_CLOSURE = 600 + 300 / R  # £889.86
PV_SHUNTED = 400 / R + 600 / R**2 + 600 / R**3  # £1,487.75
NPV = PV_RELEASED - PV_CLOSURE - PV_SHUNTED  # £924.04


def load(text: str, tmp_path: Path, name: str = "cut.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return appraise(load_proposal(path))


@pytest.fixture(scope="module")
def cut():
    return appraise(load_proposal(CUT))


def test_hand_worked_figures_are_what_the_arithmetic_says():
    # the discount factors are the Green Book table's (docs/methodology.md, 6 d.p.)
    assert [round(d, 6) for d in DF] == [1.0, 0.966184, 0.933511, 0.901943]
    assert round(PV_RELEASED, 2) == 3301.64
    assert round(PV_CLOSURE, 2) == 889.86
    assert round(PV_SHUNTED, 2) == 1487.75
    assert round(NPV, 2) == 924.04


def test_a_cut_released_over_time_with_closure_costs_by_hand(cut):
    c = cut.cut
    assert c is not None
    agencies = [a.id for a in cut.scenario.agencies]
    council, police, nhs, prop = (agencies.index(a) for a in ("council", "police", "nhs", "property"))
    np.testing.assert_allclose(c.released[:, council], RELEASED)
    np.testing.assert_allclose(c.released.sum(axis=1), RELEASED)
    np.testing.assert_allclose(c.closure[:, council], CLOSURE_COUNCIL)
    np.testing.assert_allclose(c.closure[:, prop], CLOSURE_PROPERTY)
    np.testing.assert_allclose(c.shunted[:, police], SHUNTED_POLICE)
    np.testing.assert_allclose(c.shunted[:, nhs], SHUNTED_NHS)
    assert c.pv_released == pytest.approx(PV_RELEASED, abs=0.005)
    assert c.pv_closure == pytest.approx(PV_CLOSURE, abs=0.005)
    assert c.pv_shunted == pytest.approx(PV_SHUNTED, abs=0.005)
    assert c.pv_closure_by_agency[prop] == pytest.approx(300 / R, abs=0.005)
    assert c.pv_shunted_by_agency[police] == pytest.approx(pv(SHUNTED_POLICE), abs=0.005)
    # the fiscal NPV is money released less closure costs less costs shunted
    assert cut.npv == pytest.approx(NPV, abs=0.005)
    assert c.pv_net == pytest.approx(NPV, abs=0.005)
    # by budget holder: the council releases the budget and pays the redundancy
    assert cut.pv_net_by_agency[council] == pytest.approx(PV_RELEASED - 600, abs=0.005)
    assert cut.pv_net_by_agency[prop] == pytest.approx(-300 / R, abs=0.005)
    # cash = real × D[year] / D[2024]: the engine's own deflator ratios, year by year
    k = cut.structure.cash_factor
    np.testing.assert_allclose(c.released_cash.sum(axis=1), np.array(RELEASED) * k)
    np.testing.assert_allclose(c.closure_cash.sum(axis=1), (np.array(CLOSURE_COUNCIL) + CLOSURE_PROPERTY) * k)


def test_no_inverted_ratio_and_the_cut_in_words(cut):
    assert cut.bcr is None and cut.net_return_per_pound is None
    m = headline_measures(cut)
    assert m["bcr"].text.startswith("n/a (a cut")
    assert m["money_released"].text == "£3,302"
    assert m["closure_costs"].text == "£890"
    assert m["costs_shunted"].text == "£1,488"
    # a ratio, when shown, is defined in words beside it: £1,487.75 / £3,301.64 = £0.45 per £1
    assert m["shunted_per_pound_released"].text == "£0.45 (PV costs shunted ÷ PV money released)"
    table = render_table(cut)
    assert "Benefit-cost ratio" not in table and "Net return per £1" not in table
    assert "PV money released                  £3,302" in table
    assert cut.verdict.startswith(
        "Passes the 4-year appraisal: the cut saves Council £3,302, costs £890 to close and, after the extra "
        "demand it shunts elsewhere (£1,488), saves the public purse £924 over 4 years"
    )


def test_json_has_money_released_by_year_in_cash_and_prices(cut):
    d = result_to_dict(cut)
    assert d["totals"]["bcr"] is None and d["totals"]["net_return_per_pound"] is None
    mr = d["money_released"]
    assert mr["by_year"]["real"] == pytest.approx(RELEASED)
    assert mr["by_year"]["cash"] == pytest.approx(list(np.array(RELEASED) * cut.structure.cash_factor))
    assert mr["pv"] == pytest.approx(PV_RELEASED, abs=0.005)
    assert mr["release_share"] == [{"cost_line": "service", "share": [0.5, 1.0, 1.0, 1.0]}]
    assert d["closure_costs"]["pv"] == pytest.approx(PV_CLOSURE, abs=0.005)
    assert [x["id"] for x in d["closure_costs"]["lines"]] == ["redundancy", "building"]
    shunted = {a["id"]: a for a in d["costs_shunted"]["agencies"]}
    assert set(shunted) == {"police", "nhs"}
    assert shunted["police"]["real"] == pytest.approx(SHUNTED_POLICE)
    assert d["value_lost"]["economic"]["pv"] == 0.0 and d["value_lost"]["social"]["pv"] == 0.0
    assert d["cut_net"]["pv"] == pytest.approx(NPV, abs=0.005)
    json.dumps(d, allow_nan=False)  # no NaN or infinity
    spend = result_to_dict(appraise(load_proposal(CASES / "hand_worked.yaml")))
    assert not {"money_released", "closure_costs", "costs_shunted", "value_lost"} & set(spend)


def test_csv_rows_for_a_cut(cut):
    rows = {tuple(r.split(",")[:3]): r.split(",")[3:] for r in render_csv(cut).splitlines()[1:]}
    assert [float(v) for v in rows[("total", "Total public sector", "money_released")][:4]] == RELEASED
    assert float(rows[("total", "Total public sector", "closure_costs")][-1]) == pytest.approx(PV_CLOSURE)
    assert float(rows[("police", "Police", "costs_shunted")][-1]) == pytest.approx(pv(SHUNTED_POLICE))


def test_briefing_headline_says_lower_bound(cut):
    c = brief_content(cut)
    assert c.headline.startswith("This cut releases £3,302 over 4 years, costs £890 to close, and for every £1")
    assert c.headline.endswith(CUT_LOWER_BOUND)
    assert "lower bound on the harm" in CUT_LOWER_BOUND
    labels = [k for k, _, _ in c.figures]
    assert "Benefit-cost ratio" not in labels
    assert "for every £1 released £0.45 comes back as extra demand elsewhere" in c.headline  # 1,487.75 / 3,301.64
    md = brief_markdown(cut)
    assert "| Budget holder | Released | Costs | Net | |" in md
    assert "| **Total public sector** [1–3] | £3,302 | £2,378 | +£924 | passes |" in md  # 889.86 + 1487.75


def test_workbook_recomputes_the_cut(cut):
    cells = workbook_cells(cut)
    ev = Evaluator(cells)
    out = cells[OUTPUTS]

    def value(prefix: str):
        row = next(r for (r, c), v in out.items() if c == 0 and isinstance(v, str) and v.startswith(prefix))
        return ev.value(OUTPUTS, row, 4)

    assert value("Net present value (NPV)") == pytest.approx(NPV, abs=0.005)
    assert value("A cut: PV money released") == pytest.approx(PV_RELEASED, abs=0.005)
    assert value("A cut: PV closure costs") == pytest.approx(PV_CLOSURE, abs=0.005)
    assert value("A cut: PV costs shunted") == pytest.approx(PV_SHUNTED, abs=0.005)
    assert value("Benefit-cost ratio") == "n/a"


def test_a_ramp_of_one_year_is_half_then_all(tmp_path, cut):
    ramp = load(CUT_TEXT.replace(SHARES, "      ramp_years: {value: 1, unit: years, source: test_source}"), tmp_path)
    assert ramp.cut is not None and cut.cut is not None
    np.testing.assert_allclose(ramp.cut.released, cut.cut.released)  # (0 + 1) / (1 + 1) = 0.5, then 1
    three = load(CUT_TEXT.replace(SHARES, "      ramp_years: {value: 3, unit: years, source: test_source}"), tmp_path)
    assert three.cut is not None
    np.testing.assert_allclose(three.cut.released.sum(axis=1), [250, 500, 750, 1000])  # quarters
    cells = workbook_cells(three)
    ev = Evaluator(cells)
    row = next(r for (r, c), v in cells[OUTPUTS].items() if c == 0 and v == "Net present value (NPV)")
    assert ev.value(OUTPUTS, row, 4) == pytest.approx(three.npv, abs=0.005)


def test_ranged_release_ramp_and_closure_cost_vary_like_an_edit(tmp_path):
    """A draw of the release ramp or of a closure cost gives the figures of the file edited to that value."""
    text = CUT_TEXT.replace(SHARES, "      ramp_years: {value: 1, unit: years, low: 0, high: 3, source: test_source}")
    path = tmp_path / "ranged.yaml"
    path.write_text(text, encoding="utf-8")
    sc = load_proposal(path)
    c = compile_uncertainty(sc)
    ids = [i.id for i in c.inputs]
    assert ids == ["prevention_costs.service.release_profile.ramp_years", "closure_costs.redundancy.amount"]
    which = np.array([0, 0, 1])
    xs = np.array([0.0, 3.0, 900.0])
    s, p = with_changes(c, c.inputs, which, xs)
    npv = evaluate_summary(s, p)
    got = npv.pv_savings.sum(axis=-1) - npv.pv_costs.sum(axis=-1)
    edits = [
        text.replace("ramp_years: {value: 1, unit: years, low: 0, high: 3", "ramp_years: {value: 0, unit: years"),
        text.replace("ramp_years: {value: 1, unit: years, low: 0, high: 3", "ramp_years: {value: 3, unit: years"),
        text.replace("value: 600, unit: GBP, price_year: 2024, low: 400, high: 900", "value: 900, unit: GBP, price_year: 2024"),
    ]
    expected = [load(t, tmp_path, f"e{k}.yaml").npv for k, t in enumerate(edits)]
    np.testing.assert_allclose(got, expected, atol=1e-6)
    # by hand: all released at once adds £500 in year 0; a £900 redundancy costs £300 more in year 0
    assert expected[0] == pytest.approx(NPV + 500, abs=0.005)
    assert expected[2] == pytest.approx(NPV - 300, abs=0.005)


# --- invariants (Hypothesis) ------------------------------------------------------------------------


@SETTINGS
@given(proposals(kind="new_spending"))
def test_a_cut_released_at_once_without_closure_costs_mirrors_the_spend(data):
    """Same inputs, sign flipped, full release in year 0 (an explicit profile of one share of 1), no
    closure costs: the cut's money released, costs shunted and NPV mirror the spend's costs, savings and
    NPV, by budget holder."""
    data["appraisal"]["optimism_bias"] = "off"  # the mirror holds before optimism bias, which makes both
    # less favourable (tests/test_risk_adjusted.py)
    spend = run(data)
    cut_data = copy.deepcopy(data)
    cut_data["kind"] = "cut"
    for line in cut_data["prevention_costs"]:
        line["release_profile"] = {"shares": {"unit": "fraction", "values": [1.0], "source": "s"}}
    cut = run(cut_data)
    assert cut.cut is not None
    scale = 1e-9 * max(1.0, abs(spend.pv_costs), abs(spend.pv_savings))
    np.testing.assert_allclose(cut.cut.released, spend.flows.costs, atol=1e-9)
    np.testing.assert_allclose(cut.cut.shunted, spend.flows.savings, atol=1e-9)
    np.testing.assert_allclose(cut.cut.pv_released_by_agency, spend.pv_costs_by_agency, atol=scale)
    np.testing.assert_allclose(cut.cut.pv_shunted_by_agency, spend.pv_savings_by_agency, atol=scale)
    assert cut.cut.pv_closure == 0.0
    assert math.isclose(cut.npv, -spend.npv, abs_tol=scale)
    assert math.isclose(cut.cut.pv_net, -spend.npv, abs_tol=scale)
    assert cut.bcr is None


@st.composite
def cuts(draw):
    """A generated cut with, at random, release profiles (shares or a ramp) and closure costs."""
    data = draw(proposals(kind="cut"))
    horizon = data["appraisal"]["horizon_years"]
    for line in data["prevention_costs"]:
        kind = draw(st.sampled_from(["none", "shares", "ramp"]))
        if kind == "shares":
            values = draw(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=5))
            line["release_profile"] = {"shares": {"unit": "fraction", "values": values, "source": "s"}}
        elif kind == "ramp":
            line["release_profile"] = {"ramp_years": q(draw(st.integers(0, 6)), "years")}
    data["closure_costs"] = [
        {
            "id": f"close{k}",
            "label": "closure",
            "paid_by": draw(st.sampled_from(["council", "police", "courts", "nhs"])),
            "year": draw(st.integers(0, horizon)),
            "amount": q(draw(money_value), "GBP", price_year=draw(st.sampled_from([2015, 2024]))),
        }
        for k in range(draw(st.integers(0, 3)))
    ]
    return data


@SETTINGS
@given(cuts())
def test_zero_effect_shunts_no_cost(data):
    for oc in data["outcomes"]:
        oc["effect"] = q(0.0, "fraction")
    r = run(data)
    assert r.cut is not None
    assert np.all(r.cut.shunted == 0.0) and np.all(r.cut.pv_shunted_by_agency == 0.0)
    assert r.cut.pv_shunted == 0.0
    assert math.isclose(r.npv, r.cut.pv_released - r.cut.pv_closure, rel_tol=1e-9, abs_tol=1e-6)


@SETTINGS
@given(cuts())
def test_the_cut_view_adds_up_to_the_flows(data):
    """Money released less closure costs is minus the cost flows; costs shunted is minus the savings; a
    release profile never releases more than the whole budget; closure costs are never negative."""
    r = run(data)
    assert r.cut is not None
    scale = 1e-9 * max(1.0, float(np.abs(r.flows.costs).sum()), float(np.abs(r.flows.savings).sum()))
    np.testing.assert_allclose(r.cut.released - r.cut.closure, -r.flows.costs, atol=scale + 1e-6)
    np.testing.assert_allclose(r.cut.shunted, -r.flows.savings, atol=scale + 1e-6)
    assert math.isclose(r.cut.pv_net, r.npv, abs_tol=scale + 1e-6)
    assert np.all(r.cut.closure >= 0.0) and np.all(r.cut.released >= 0.0)
    whole = copy.deepcopy(data)
    whole["closure_costs"] = []
    for line in whole["prevention_costs"]:
        line.pop("release_profile", None)
    at_once = run(whole)
    assert at_once.cut is not None
    assert np.all(r.cut.released <= at_once.cut.released + 1e-9 * (1 + at_once.cut.released))


# --- bad input: one located line each ----------------------------------------------------------------


def run_cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(list(args), out=out, err=err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("old", "new", "where", "contains"),
    [
        (SHARES, "      shares: {unit: fraction, values: [50], source: test_source}", "prevention_costs.0.release_profile.shares.values",
         "write 0.5 for 50%"),
        (SHARES, "      shares: {unit: fraction, values: [-0.2], source: test_source}", "prevention_costs.0.release_profile.shares.values",
         "between 0 and 1"),
        (SHARES, SHARES + "\n      ramp_years: {value: 1, unit: years, source: test_source}", "prevention_costs.0.release_profile",
         "exactly one of 'shares'"),
        ("kind: cut", "kind: new_spending", "prevention_costs.0.release_profile", "applies to a cut"),
        ("    paid_by: property", "    paid_by: nobody", "closure_costs.1.paid_by", "unknown agency 'nobody'"),
        ("value: 300, unit: GBP,", "value: 300, unit: GBP_per_year,", "closure_costs.1", "one-off sum"),
        ("  - id: building", "  - id: service", "closure_costs.1.id", "also a cost line id"),
        ("    year: 1\n", "    year: -1\n", "closure_costs.1.year", "greater than or equal to 0"),
    ],
)  # fmt: skip
def test_bad_cut_inputs_are_located(tmp_path, old, new, where, contains):
    assert old in CUT_TEXT
    path = tmp_path / "bad.yaml"
    path.write_text(CUT_TEXT.replace(old, new, 1), encoding="utf-8")
    code, out, err = run_cli("run", str(path))
    assert code == 1 and out == "" and "Traceback" not in err
    lines = err.strip().splitlines()
    first = next(ln for ln in lines if f": {where}: " in ln)
    assert first.startswith(f"{path}:") and contains in first, err
    assert len(first.split(":")) >= 4  # file:line:col: field: rule


def test_closure_costs_on_new_spending_are_refused(tmp_path):
    text = CUT_TEXT.replace(SHARES + "\n", "").replace("kind: cut", "kind: new_spending")
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    code, _, err = run_cli("run", str(path))
    assert code == 1
    assert ": closure_costs.0: closure costs apply to a cut" in err
    assert ": closure_costs.1: closure costs apply to a cut" in err


# --- value lost beyond public budgets (the value layers, issue 12 §1) ----------------------------------

WIDER = (
    "      - {agency: nhs, value: 40}\n",
    "      - {agency: nhs, value: 40}\n"
    "    economic:\n      - {component: lost output, value: 30}\n"
    "    social:\n      - {component: physical and emotional harm, value: 50}\n",
)


def test_value_lost_by_hand_and_the_headline_drops_the_lower_bound(tmp_path):
    r = load(CUT_TEXT.replace(*WIDER), tmp_path)
    c = r.cut
    assert c is not None
    events = [0, 4, 6, 6]  # incidents added each year (see the module docstring)
    np.testing.assert_allclose(c.lost_economic, [30 * e for e in events])
    np.testing.assert_allclose(c.lost_social, [50 * e for e in events])
    pv_events = 4 / R + 6 / R**2 + 6 / R**3
    assert c.pv_lost_economic == pytest.approx(30 * pv_events, abs=0.005)  # £446.32
    assert c.pv_lost_social == pytest.approx(50 * pv_events, abs=0.005)  # £743.87
    assert r.npv == pytest.approx(NPV, abs=0.005)  # the verdict stays fiscal
    assert c.pv_net_public_value == pytest.approx(NPV - 80 * pv_events, abs=0.005)
    # the layers engine says the same, with the cut's sign: value lost is negative value
    assert r.value_layers.social.pv_benefits == pytest.approx(-c.pv_lost_social, abs=1e-9)
    assert r.value_layers.net_present_public_value == pytest.approx(c.pv_net_public_value, abs=1e-6)
    m = headline_measures(r)
    assert m["social_value_lost"].text == "£744" and m["economic_value_lost"].text == "£446"
    d = result_to_dict(r)["value_lost"]
    assert d["social_counted"] is True and d["note"] is None
    assert d["social"]["pv"] == pytest.approx(50 * pv_events, abs=0.005)
    headline = brief_content(r).headline
    assert CUT_LOWER_BOUND not in headline
    # £924.04 - (30 + 50) x 14.8774 = -£266.15
    assert "Beyond public budgets it loses £744 of social value and £446 of economic value: −£266 net" in headline


def test_no_social_value_means_a_lower_bound(cut):
    assert cut.cut is not None and cut.cut.pv_lost_social == 0.0 and cut.cut.pv_lost_economic == 0.0
    d = result_to_dict(cut)["value_lost"]
    assert d["social_counted"] is False and "lower bound on the harm" in d["note"]
    assert headline_measures(cut)["social_value_lost"].text == "none counted (no values in the file)"


def test_irr_of_a_cut_with_a_sub_penny_year_does_not_crash():
    """Found by the Hypothesis cuts above: £0.90 released, £1.40 of closure costs, then 1e-306 of demand
    added made numpy-financial's root finder raise on inf/NaN. Years within half a penny of zero count as
    zero, so the IRR is that of (0.9, -1.4): 0.9 × (1 + r) = 1.4, r = 0.5 / 0.9."""
    from costmodel.appraisal.engine import _irr

    value, case, changes = _irr(np.array([0.9, -1.4, 1e-306]))
    assert case == "conventional_cut" and changes == 1
    assert value == pytest.approx(0.5 / 0.9, rel=1e-12)
