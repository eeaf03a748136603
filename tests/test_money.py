"""Money and time (issue 11): cash (nominal) inputs, the cash view, one discount date, savings committed
beyond the horizon, plain savings lines and signed effects.

Expectations are worked by hand or taken from published tables (Green Book 2022 Table 1; Green Book
2003 Box 15), never pasted back from the engine.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.cli import main
from costmodel.errors import AssumptionError
from costmodel.inputs.loading import load_proposal

from .conftest import ROOT

DOCS = ROOT / "docs"
EXAMPLES = DOCS / "examples"
NOMINAL = Path(__file__).parent / "cases" / "hand_worked_nominal.yaml"
PENNY = 0.005


def cli(*args: str) -> tuple[int, str, str]:
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# --- Green Book worked examples, from the files the docs show -----------------------------------


def test_docs_show_the_worked_example_files_verbatim():
    text = (DOCS / "assumption-files.md").read_text(encoding="utf-8")
    for name in ("green_book_box15.yaml", "green_book_table1.yaml"):
        body = (EXAMPLES / name).read_text(encoding="utf-8")
        assert body in text, f"docs/assumption-files.md must show docs/examples/{name} verbatim"


def test_green_book_table1_nominal_to_real():
    # Green Book 2022 Table 1: nominal £1,000 in each of years 0-5 at a constant 2% deflator
    r = appraise(load_proposal(EXAMPLES / "green_book_table1.yaml"))
    real = r.flows.costs.sum(axis=1)
    assert [round(x) for x in real] == [1000, 980, 961, 942, 924, 906]
    # and the cash view gives the cash back
    assert r.cash is not None
    np.testing.assert_allclose(r.cash.costs.sum(axis=1), [1000.0] * 6, atol=1e-9)


def test_green_book_2003_box15_npv():
    # Box 15: £1m at year 0, £150,000 a year saved in years 1-10, NPV £247,491 at 3.5%
    r = appraise(load_proposal(EXAMPLES / "green_book_box15.yaml"))
    assert round(r.npv) == 247_491
    annuity = sum(1 / 1.035**t for t in range(1, 11))  # 8.316605
    assert r.npv == pytest.approx(150_000 * annuity - 1_000_000, abs=PENNY)
    assert r.test_name == "the 11-year appraisal"  # eleven years (0-10): not the Ten Year Test
    assert "Ten Year Test" not in r.verdict


# --- a nominal example worked by hand, to the penny --------------------------------------------


def test_hand_worked_nominal_to_the_penny():
    r = appraise(load_proposal(NOMINAL))
    # deflator: 100, 102, 104.04 (2% a year from 2026-27, the price base)
    # council: cash 10,000, 10,200, 10,404 -> real 10,000 each year
    np.testing.assert_allclose(r.flows.costs[:, 0], [10_000, 10_000, 10_000], atol=PENNY)
    # NHS: £6,000 a year real from year 1, half cashable
    np.testing.assert_allclose(r.flows.savings[:, 1], [0, 6_000, 6_000], atol=PENNY)
    np.testing.assert_allclose(r.flows.cashable[:, 1], [0, 3_000, 3_000], atol=PENNY)
    df1, df2 = 1 / 1.035, 1 / 1.035**2
    npv = -10_000 - 10_000 * df1 - 10_000 * df2 + 6_000 * df1 + 6_000 * df2
    assert round(r.npv, 2) == round(npv, 2) == -17_598.78
    assert round(r.pv_net_by_agency[0], 2) == round(-10_000 * (1 + df1 + df2), 2)
    assert round(r.pv_net_by_agency[1], 2) == round(6_000 * (df1 + df2), 2)
    # cash view: real x 1.02^t, undiscounted
    c = r.cash
    assert c is not None
    np.testing.assert_allclose(c.costs[:, 0], [10_000, 10_200, 10_404], atol=PENNY)
    np.testing.assert_allclose(c.cashable[:, 1], [0, 3_060, 3_121.20], atol=PENNY)
    np.testing.assert_allclose(c.non_cashable[:, 1], [0, 3_060, 3_121.20], atol=PENNY)
    np.testing.assert_allclose(c.net.sum(axis=1), [-10_000, -7_140, -7_282.80], atol=PENNY)
    np.testing.assert_allclose(c.cumulative.sum(axis=1), [-10_000, -17_140, -24_422.80], atol=PENNY)
    # dual running in cash: peak £24,422.80 in the last year, never covered within three years
    assert round(c.dual_running.peak_funding_requirement, 2) == 24_422.80
    assert c.dual_running.peak_year == 2 and not c.dual_running.ends_within_horizon
    # the loan: borrow the cash peak at 5% nominal over 3 years: level repayment P r / (1 - 1.05^-3)
    f = r.financing
    assert f is not None
    assert round(f.principal, 2) == 24_422.80
    assert round(f.annual_repayment, 2) == round(24_422.80 * 0.05 / (1 - 1.05**-3), 2) == 8_968.26
    assert f.repayment_capacity == 0.0 and f.years_to_repay is None and not f.affordable


def test_cash_view_in_json_csv_and_table():
    code, out, _ = cli("run", str(NOMINAL), "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["cash"]["prices"] == "cash (nominal), undiscounted"
    assert d["cash"]["total"]["cumulative_net"][-1] == pytest.approx(-24_422.80, abs=PENNY)
    assert d["cash"]["agencies"][1]["cashable_savings"] == pytest.approx([0, 3060, 3121.2])
    assert d["conventions"]["deflator_vintage"].startswith("Constant 2% a year (test)")
    assert d["financing"]["prices"] == "cash"
    code, out, _ = cli("run", str(NOMINAL), "--format", "csv")
    first = out.splitlines()[0]
    assert first.startswith("# ") and "deflator: Constant 2% a year" in first
    row = next(r for r in out.splitlines() if r.startswith("total,Total public sector,cash_net,"))
    assert [round(float(x), 2) for x in row.split(",")[3:6]] == [-10_000, -7_140, -7_282.80]
    code, out, _ = cli("run", str(NOMINAL), "--view", "cash")
    assert "Cash view (medium-term financial table): £, cash (nominal), undiscounted" in out
    assert "−24,423" in out
    code, _, err = cli("run", str(NOMINAL), "--format", "json", "--view", "cash")
    assert code != 0 and "--view" in err


# --- the shipped deflator states its vintage everywhere ----------------------------------------


def test_every_run_output_states_the_deflator_vintage():
    path = str(ROOT / "assumptions" / "proposals" / "youth_work.yaml")
    vintage = "HM Treasury GDP deflators, March 2026"
    assert vintage in cli("run", path)[1]
    assert vintage in cli("run", path, "--view", "cash")[1]
    # one text cell: the CSV comment has no commas (a comma would start a cell a spreadsheet might run)
    assert vintage.replace(",", ";") in cli("run", path, "--format", "csv")[1].splitlines()[0]
    d = json.loads(cli("run", path, "--format", "json")[1])
    assert d["conventions"]["deflator_vintage"].startswith(vintage)
    assert d["conventions"]["deflator_forecast_years"] == [y for y in d["years"] if y >= 2025]


# --- one discount date ---------------------------------------------------------------------------


def test_discount_year_discounts_a_later_start_back_to_it(tmp_path):
    text = NOMINAL.read_text().replace(
        "  first_year: 2026\n", "  first_year: 2028\n  discount_year: 2026\n", 1
    )
    text = text.replace(
        "    first_year: 2026\n    last_year: 2030", "    first_year: 2026\n    last_year: 2032"
    )
    (tmp_path / "p.yaml").write_text(text)
    r = appraise(load_proposal(tmp_path / "p.yaml"))
    np.testing.assert_allclose(r.flows.factors, [1.035**-2, 1.035**-3, 1.035**-4], rtol=1e-12)
    d = json.loads(cli("run", str(tmp_path / "p.yaml"), "--format", "json")[1])
    assert d["conventions"]["discount_year"] == 2026
    assert "discounted to 2026-27" in r.verdict


def test_discount_year_too_late_is_a_located_error(tmp_path):
    text = NOMINAL.read_text().replace(
        "  first_year: 2026\n", "  first_year: 2026\n  discount_year: 2030\n", 1
    )
    with pytest.raises(AssumptionError) as e:
        load_proposal(tmp_path / "p.yaml", text=text)
    msg = str(e.value)
    assert re.search(r"p\.yaml:\d+:\d+: appraisal\.discount_year: discount_year 2030 is more than", msg)


# --- committed beyond the horizon ------------------------------------------------------------------


def test_committed_beyond_the_horizon_early_help():
    path = str(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml")
    # the figure is before optimism bias: --unadjusted (the risk-adjusted tail is smaller)
    d = json.loads(cli("run", path, "--format", "json", "--unadjusted")[1])
    tail = d["totals"]["committed_beyond_horizon"]
    assert tail["pv_savings"] > 0 and tail["years_after_horizon"] > 0
    per = [a["committed_beyond_horizon"]["pv_net"] for a in d["agencies"]]
    assert sum(per) == pytest.approx(tail["pv_net"], abs=PENNY)
    # the "about £1.14m" (2024-25 prices, before main re-checked the example's sources): now in
    # 2026-27 prices, x 105.3095 / 100
    assert tail["pv_savings"] * 100 / 105.3095 == pytest.approx(1.14e6, rel=0.02)
    assert d["totals"]["counts_committed"] is False and d["totals"]["npv_counted"] == d["totals"]["npv"]
    counted = json.loads(cli("run", path, "--format", "json", "--count-committed", "--unadjusted")[1])
    assert counted["totals"]["npv_counted"] == pytest.approx(d["totals"]["npv"] + tail["pv_net"], abs=PENNY)
    assert "committed beyond the horizon" in counted["ten_year_test"]["verdict"]


def test_committed_tail_by_hand():
    # tests/cases/hand_worked.yaml: intakes of 100 in years 0-3, effect from lag 1 for 2 years
    # (1, then 0.5); events per intake year: 100 x 0.1 x 0.5 x 0.8 = 4; £100 an event.
    # Intake year 3's effect falls in years 4 (x1) and 5 (x0.5); intake year 2's in year 4 (x0.5).
    r = appraise(load_proposal(Path(__file__).parent / "cases" / "hand_worked.yaml"))
    c = r.committed
    assert c is not None and c.years == 3
    df = {t: 1.035**-t for t in range(8)}
    by_hand = 4 * 100 * (1.0 * df[4] + 0.5 * df[4] + 0.5 * df[5])
    assert float(c.pv_savings_by_agency.sum()) == pytest.approx(by_hand, abs=1e-9)
    assert float(c.pv_costs_by_agency.sum()) == 0.0


# --- plain savings lines and signed flows ----------------------------------------------------------


@given(
    amount=st.floats(min_value=0, max_value=1e7, allow_nan=False),
    start=st.integers(min_value=0, max_value=2),
    share=st.floats(min_value=0, max_value=1),
)
def test_negative_savings_line_mirrors_a_positive_one(amount, start, share):
    base = NOMINAL.read_text()

    def line(v: float) -> str:
        return (
            "savings_extra:\n"
            "  - id: extra\n    label: Extra\n    saved_by: council\n"
            f"    amount: {{value: {v!r}, unit: GBP_per_year, price_year: 2026, source: test_source}}\n"
            f"    start_year: {start}\n"
            f"    cashable_share: {{value: {share!r}, unit: fraction, source: test_source}}\n"
        )

    def with_line(v: float) -> str:
        extra = line(v).split("\n", 1)[1]
        return base.replace("financing:", extra + "financing:")

    plus, minus = with_line(amount), with_line(-amount)
    none = appraise(load_proposal(NOMINAL))
    rp = appraise(load_proposal("plus.yaml", text=plus))
    rm = appraise(load_proposal("minus.yaml", text=minus))
    np.testing.assert_allclose(
        rp.flows.savings - none.flows.savings, none.flows.savings - rm.flows.savings, atol=1e-6
    )
    np.testing.assert_allclose(
        rp.flows.cashable - none.flows.cashable, none.flows.cashable - rm.flows.cashable, atol=1e-6
    )
    assert rp.npv - none.npv == pytest.approx(none.npv - rm.npv, abs=1e-6)


@given(
    inflation=st.floats(min_value=-0.05, max_value=0.2),
    cost=st.floats(min_value=0, max_value=1e7),
    saving=st.floats(min_value=-1e7, max_value=1e7),
)
def test_conservation_across_budget_holders(inflation, cost, saving):
    text = (
        NOMINAL.read_text()
        .replace("inflation: 0.02", f"inflation: {inflation!r}")
        .replace("values: [10000, 10200, 10404]", f"values: [{cost!r}, {cost!r}, {cost!r}]")
        .replace("value: 6000,", f"value: {saving!r},")
    )
    r = appraise(load_proposal("p.yaml", text=text))
    c = r.cash
    assert c is not None
    # every budget holder's figures add up to the whole public sector's, real and cash
    assert float(r.pv_net_by_agency.sum()) == pytest.approx(r.npv, abs=1e-6)
    total_real = r.flows.cashable.sum(axis=1) - r.flows.costs.sum(axis=1)
    np.testing.assert_allclose(c.net.sum(axis=1), total_real * c.factor, atol=1e-6)
    np.testing.assert_allclose(c.cumulative[-1].sum(), c.net.sum(), atol=1e-6)
    # cash = real x (1 + inflation)^t from the 2026-27 price base
    np.testing.assert_allclose(c.factor, (1 + inflation) ** np.arange(3), rtol=1e-12)


def test_an_outcome_that_adds_demand(tmp_path):
    hand = Path(__file__).parent / "cases" / "hand_worked.yaml"
    text = hand.read_text().replace("effect: {value: 0.5,", "effect: {value: -0.5,")
    up = appraise(load_proposal(tmp_path / "p.yaml", text=text))
    down = appraise(load_proposal(hand))
    np.testing.assert_allclose(up.flows.savings, -down.flows.savings)
    assert "police" in up.worse_off and "nhs" in up.worse_off


# --- located one-line errors --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "pattern"),
    [
        (  # a price year outside the deflator
            "amount: {value: 6000, unit: GBP_per_year, price_year: 2026,",
            "amount: {value: 6000, unit: GBP_per_year, price_year: 2040,",
            r"savings\.0\.amount\.price_year: no deflator value for price year 2040",
        ),
        (  # a savings line for an unknown budget holder
            "saved_by: nhs",
            "saved_by: dwp",
            r"savings\.0\.saved_by: unknown budget holder 'dwp'",
        ),
        (  # a negative amount where only positive is meaningful (a cost)
            "values: [10000, 10200, 10404]",
            "values: [10000, -10200, 10404]",
            r"prevention_costs\.0\.by_year\.values\.1: ",
        ),
        (  # a nominal figure with no deflator for the years it is spent
            "    last_year: 2030",
            "    last_year: 2027",
            r"does not cover appraisal year 2028-29",
        ),
        (  # a nominal figure that also names a price year
            "prices: nominal, source",
            "prices: nominal, price_year: 2026, source",
            r"prevention_costs\.0\.by_year: a nominal \(cash\) figure",
        ),
    ],
)
def test_bad_money_input_is_one_located_line(tmp_path, old, new, pattern):
    text = NOMINAL.read_text()
    assert old in text
    path = tmp_path / "p.yaml"
    path.write_text(text.replace(old, new))
    code, out, err = cli("validate", str(path))
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert any(re.search(r"p\.yaml:\d+:\d+: ", ln) and re.search(pattern, ln) for ln in lines), err
    assert "Traceback" not in err


# --- compare on one discount date and price base; sensitivity; words -------------------------------


def test_compare_aligns_discount_date_and_price_base(tmp_path):
    later = tmp_path / "later.yaml"
    later.write_text(
        NOMINAL.read_text()
        .replace("  first_year: 2026\n", "  first_year: 2028\n", 1)
        .replace("    last_year: 2030", "    last_year: 2032")
    )
    code, out, err = cli("compare", str(NOMINAL), str(later), "--format", "json")
    assert code == 0
    d = json.loads(out)
    assert d["notes"][0] == "All proposals are compared in 2026-27 prices, discounted to 2026-27."
    assert [p["discount_year"] for p in d["proposals"]] == [2026, 2026]
    assert [p["price_base_year"] for p in d["proposals"]] == [2026, 2026]
    # the later proposal is the first one two years on, discounted two more years: its cash 10,000,
    # 10,200, 10,404 now falls in 2028-29 to 2030-31, so each is 10,000 / 1.02^2 in 2026-27 prices;
    # the NHS saves 6,000 a year real from its year 1
    df = [1.035**-t for t in range(2, 5)]
    by_hand = -10_000 / 1.02**2 * sum(df) + 6_000 * (df[1] + df[2])
    assert d["proposals"][1]["npv"] == pytest.approx(by_hand, abs=PENNY)
    code, out, _ = cli("compare", str(NOMINAL), str(later))
    assert "All proposals are compared in 2026-27 prices, discounted to 2026-27." in out


def test_compare_warns_when_a_proposal_cannot_be_aligned():
    youth = str(ROOT / "assumptions" / "proposals" / "youth_work.yaml")
    code, out, _ = cli("compare", youth, str(NOMINAL))
    assert code == 0
    assert "Warning: the proposals use different deflators" in out
    assert "Warning: 'hand_worked_nominal' cannot be aligned" not in out or "keeps its own" in out


def test_sensitivity_moves_inflation_a_point_each_way():
    code, out, _ = cli("sensitivity", str(NOMINAL), "--format", "json")
    assert code == 0
    cases = json.loads(out)["deflator_cases"]
    assert [c["inflation_shift"] for c in cases] == [-0.01, 0.01]
    # council cash of 10,000 / 10,200 / 10,404 is fixed in cash: at 3% inflation from 2027-28 it is worth
    # less in real terms, so the real NPV rises; the NHS saving is real, so its cash rises
    up = cases[1]
    df1, df2 = 1 / 1.035, 1 / 1.035**2
    d1, d2 = 1.03, 1.03 * 1.03
    npv = -10_000 - 10_200 / d1 * df1 - 10_404 / d2 * df2 + 6_000 * (df1 + df2)
    assert up["npv"] == pytest.approx(npv, abs=PENNY)
    cash = -10_000 + (3_000 * d1 - 10_200) + (3_000 * d2 - 10_404)
    assert up["cash_net"] == pytest.approx(cash, abs=PENNY)


def test_validate_counts_only_the_files_own_sources():
    code, out, _ = cli("validate", str(ROOT / "assumptions" / "templates" / "blank.yaml"))
    assert code == 0 and "0 sources of its own" in out
    code, out, _ = cli("validate", str(EXAMPLES / "green_book_box15.yaml"))
    assert "1 savings line, 1 source of its own" in out


def test_blank_template_uses_the_documented_default_firm_years():
    from costmodel.inputs.models import Appraisal

    text = (ROOT / "assumptions" / "templates" / "blank.yaml").read_text()
    default = Appraisal.model_fields["firm_budget_years"].default
    assert default == 5 and f"firm_budget_years: {default} " in text


@pytest.mark.parametrize("path", sorted((ROOT / "assumptions" / "proposals").glob("*.yaml")), ids=lambda p: p.stem)
def test_briefing_with_the_cash_column_still_prints_on_one_page(path):
    from costmodel.export.brief import brief_html, find_chromium

    r = appraise(load_proposal(path))
    assert "Cash column: net cash over the horizon, nominal, undiscounted" in brief_html(r, charts=False)
    if find_chromium() is None:
        pytest.skip("Chromium is not installed")
    from costmodel.export.brief import RESERVE_MM, brief_fit, html_to_pdf

    def pages(pdf: bytes) -> int:
        return len(re.findall(rb"/Type\s*/Page[^s]", pdf))

    # the briefing is printed at the largest scale at which it fits one page with RESERVE_MM (10 mm) of
    # blank space to spare below its last line (the reserve is part of the printed document)
    scale, pdf = brief_fit(r)
    assert RESERVE_MM >= 10 and scale >= 0.9
    # the cash column adds no page (at the scale the briefing is printed at)
    html = brief_html(r, scale=scale, reserve=True)
    assert '<div class="reserve"' in html and '<div class="reserve"' not in brief_html(r, charts=False)
    without = re.sub(r"<th>Cash</th>", "", html)
    without = re.sub(r"(</td>)(<td[^>]*>[^<]*</td>)(</tr>)", r"\1\3", without)
    assert pages(pdf) == pages(html_to_pdf(without))
    assert pages(pdf) == 1  # every shipped example, big_local_neighbourhood's seven sources included


def test_briefing_scale_zooms_the_page_and_keeps_its_width():
    from costmodel.export.brief import brief_html

    r = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml"))
    assert "<body>" in brief_html(r, charts=False)  # full size: no zoom
    # 186 mm of A4 content width / 0.9 = 206.67 mm of layout width, zoomed to 186 mm on paper
    assert '<body style="zoom: 0.9; max-width: 206.67mm">' in brief_html(r, charts=False, scale=0.9)
    for bad in (0.0, 1.5, -1.0):
        with pytest.raises(ValueError):
            brief_html(r, charts=False, scale=bad)


def test_workbook_reconciles_with_a_discount_year(tmp_path):
    from costmodel.export.excel import OUTPUTS, _Builder, _evaluate

    text = NOMINAL.read_text().replace("  first_year: 2026\n", "  first_year: 2028\n  discount_year: 2026\n", 1)
    text = text.replace("    last_year: 2030", "    last_year: 2032")
    r = appraise(load_proposal(tmp_path / "p.yaml", text=text))
    b = _Builder(r)
    ev = _evaluate(b.build())
    assert ev.value(OUTPUTS, b.headline["npv"], 4) == pytest.approx(r.npv, abs=PENNY)
    assert ev.value(OUTPUTS, b.check_diff_row, 4) == pytest.approx(0.0, abs=PENNY)


def test_price_year_per_value_and_a_cash_savings_line(tmp_path):
    # an MTFS line in a different year's prices each year, and a savings line in cash, with the shipped
    # HMT March 2026 deflator (2024-25 = 100; 2025-26 103.2388; 2026-27 105.3095; 2027-28 107.3546)
    text = (
        NOMINAL.read_text()
        .replace("  deflator: two_per_cent\n", "")
        .replace(
            "by_year: {values: [10000, 10200, 10404], unit: GBP_per_year, prices: nominal, source: test_source}",
            "by_year: {values: [1000, 2000, 3000], unit: GBP_per_year, price_years: [2024, 2025, 2026], "
            "source: test_source}",
        )
        .replace(
            "amount: {value: 6000, unit: GBP_per_year, price_year: 2026, source: test_source}",
            "amount: {value: 6000, unit: GBP_per_year, prices: nominal, source: test_source}",
        )
    )
    r = appraise(load_proposal(tmp_path / "p.yaml", text=text))
    d = {2024: 100.0, 2025: 103.2388, 2026: 105.3095, 2027: 107.3546, 2028: 109.3571}
    base = d[2026]
    np.testing.assert_allclose(
        r.flows.costs[:, 0], [1000 * base / d[2024], 2000 * base / d[2025], 3000 * base / d[2026]], rtol=1e-12
    )
    np.testing.assert_allclose(r.flows.savings[:, 1], [0, 6000 * base / d[2027], 6000 * base / d[2028]], rtol=1e-12)
    # and in cash the savings line is its cash again
    assert r.cash is not None
    np.testing.assert_allclose(r.cash.cashable[:, 1] + r.cash.non_cashable[:, 1], [0, 6000, 6000], rtol=1e-12)


def test_price_years_must_match_the_values(tmp_path):
    text = NOMINAL.read_text().replace(
        "by_year: {values: [10000, 10200, 10404], unit: GBP_per_year, prices: nominal, source: test_source}",
        "by_year: {values: [1, 2, 3], unit: GBP_per_year, price_years: [2026, 2027], source: test_source}",
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    code, _, err = cli("validate", str(path))
    assert code == 1
    assert re.search(r"p\.yaml:\d+:\d+: prevention_costs\.0\.by_year: 'price_years' has 2 entries but 'values' has 3", err)


def test_a_file_deflator_that_misses_a_library_unit_cost_year_is_a_located_error(tmp_path):
    youth = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    text = youth.read_text().replace(
        "  deflator: hmt_gdp_deflator\n",
        "  deflator: mtfs\n",
    ) + (
        "deflators:\n  - id: mtfs\n    label: Council MTFS inflation\n    inflation: 0.025\n"
        "    first_year: 2020\n    last_year: 2040\n    assumption: The council's MTFS assumption (test).\n"
    )
    library = ROOT / "assumptions" / "unit_costs.yaml"
    text = text.replace("unit_cost_library: ../unit_costs.yaml", f"unit_cost_library: {library}")
    path = tmp_path / "_tmp_mtfs_test.yaml"
    path.write_text(text)
    code, out, err = cli("validate", str(path))
    assert code == 1 and "Traceback" not in err
    assert re.search(r"_tmp_mtfs_test\.yaml:\d+:\d+: outcomes\.\d+\.unit_costs\.\d+\.unit_cost: unit cost '\w+' is in 20\d\d-\d\d prices", err)


def test_optimism_bias_corrects_a_plain_savings_line_down():
    # Box 15 with the shipped confidence-grade table: the cost (grade B source) up 10%, the savings
    # line (grade B) down 10%: NPV = 0.9 x 150,000 x 8.316605 - 1.1 x 1,000,000
    code, out, _ = cli("sensitivity", str(EXAMPLES / "green_book_box15.yaml"), "--format", "json")
    assert code == 0
    ob = json.loads(out)["optimism_bias"]
    annuity = sum(1 / 1.035**t for t in range(1, 11))
    assert ob["npv_with"] == pytest.approx(0.9 * 150_000 * annuity - 1.1 * 1_000_000, abs=PENNY)
    assert {c["line"]: c["direction"] for c in ob["corrections"]}["savings.annual_saving"] == "benefits down"


def test_a_ranged_savings_line_is_in_the_tornado_and_its_switching_value_is_box15s(tmp_path):
    text = (EXAMPLES / "green_book_box15.yaml").read_text().replace(
        "amount: {value: 150000, unit: GBP_per_year, price_year: 2026, source: green_book_2003_box15}",
        "amount: {value: 150000, unit: GBP_per_year, price_year: 2026, low: 100000, high: 200000, "
        "source: green_book_2003_box15}",
    )
    path = tmp_path / "box15.yaml"
    path.write_text(text)
    code, out, _ = cli("sensitivity", str(path), "--format", "json")
    assert code == 0
    d = json.loads(out)
    annuity = sum(1 / 1.035**t for t in range(1, 11))
    bar = next(b for b in d["tornado"] if b["input"] == "savings.annual_saving.amount")
    assert bar["npv_low"] == pytest.approx(100_000 * annuity - 1_000_000, abs=PENNY)
    assert bar["npv_high"] == pytest.approx(200_000 * annuity - 1_000_000, abs=PENNY)
    # the switching value: the annual saving at which the NPV is zero, 1,000,000 / 8.316605 = £120,241
    sv = next(v for v in d["switching_values"] if v["input"] == "savings.annual_saving.amount" and v["agency"] == "total")
    assert sv["value"] == pytest.approx(1_000_000 / annuity, abs=0.01)


def test_the_long_run_deflator_covers_every_horizon_a_file_may_ask_for():
    """The 2.0% long-run assumption reaches the last year an appraisal needs, past the tabulated
    ``extend_to`` (2125-26): a 100-year horizon from 2200-01, the latest first year a file may give,
    ends in 2299-2300. (A 100-year appraisal of a 2027-28 start was refused once.)"""
    from costmodel.inputs.loading import Overrides, load_reference

    table = load_reference().deflators[0]
    deflator = table.extended(through=2299)
    assert max(deflator.index) == 2299 and max(table.extended().index) == 2125
    grown = deflator.index[2299] / deflator.index[2030]
    assert grown == pytest.approx(1.02 ** (2299 - 2030), rel=1e-12)
    youth = ROOT / "assumptions" / "proposals" / "youth_work.yaml"
    result = appraise(load_proposal(youth, Overrides(horizon_years=100)))
    assert len(result.years) == 100 and np.isfinite(result.npv)


def test_ranged_amount_labels_name_the_kind_of_line(tmp_path):
    """A ranged savings amount is labelled 'saving', a cost amount 'amount', each with its price year."""
    from costmodel.inputs.loading import load_proposal as load
    from costmodel.uncertainty.compile import compile_uncertainty

    c = compile_uncertainty(load(DOCS / "examples" / "green_book_box15.yaml"))
    labels = {i.id: i.label for i in c.candidates}
    saving = next(v for k, v in labels.items() if k.startswith("savings."))
    cost = next(v for k, v in labels.items() if k.startswith("prevention_costs."))
    assert ": saving (" in saving and saving.endswith(" prices)")
    assert ": amount (" in cost and cost.endswith(" prices)")
