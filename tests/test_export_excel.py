"""The Excel workbook reconciles with the engine, and its formulas are live formulas.

Expectations come from the engine (an independent numpy implementation) or by hand (discount
factors from the Green Book rate); the workbook's figures come from evaluating its formula text.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import CALC, INPUTS, OUTPUTS, PROVENANCE, workbook_bytes, workbook_cells
from costmodel.export.formula import Evaluator
from costmodel.inputs.loading import Overrides, load_proposal

ROOT = Path(__file__).resolve().parent.parent
YOUTH_WORK = ROOT / "assumptions" / "proposals" / "youth_work.yaml"

PENNY = 0.005


@pytest.fixture(scope="module")
def result():
    return appraise(load_proposal(YOUTH_WORK))


@pytest.fixture(scope="module")
def books(result):
    data = workbook_bytes(result)
    return (
        openpyxl.load_workbook(io.BytesIO(data), data_only=True),
        openpyxl.load_workbook(io.BytesIO(data)),
    )


def find_row(ws, label: str) -> int:
    for row in ws.iter_rows(min_col=1, max_col=1):
        if row[0].value == label:
            return row[0].row
    raise AssertionError(f"no row labelled {label!r} on {ws.title}")


def as_cells(wb) -> dict:
    return {
        ws.title: {
            (c.row - 1, c.column - 1): c.value for row in ws.iter_rows() for c in row if c.value is not None
        }
        for ws in wb.worksheets
    }


def test_sheets_in_fast_order(books):
    values, _ = books
    assert values.sheetnames == [INPUTS, CALC, OUTPUTS, "Cash", PROVENANCE]  # issue 11: the cash view


def test_cached_npv_equals_engine_to_the_penny(books, result):
    values, _ = books
    out = values[OUTPUTS]
    npv_row = find_row(out, "Net present value (NPV)")
    assert out.cell(npv_row, 5).value == pytest.approx(result.npv, abs=PENNY)
    assert out.cell(find_row(out, "Present value of prevention costs"), 5).value == pytest.approx(
        result.pv_costs, abs=PENNY
    )
    assert out.cell(
        find_row(out, "Present value of savings (after additionality)"), 5
    ).value == pytest.approx(result.pv_savings, abs=PENNY)
    assert out.cell(find_row(out, "  of which cashable"), 5).value == pytest.approx(
        result.pv_cashable, abs=PENNY
    )
    assert out.cell(find_row(out, "Peak dual-running funding requirement"), 5).value == pytest.approx(
        result.dual_running.peak_funding_requirement, abs=PENNY
    )
    for i, a in enumerate(result.scenario.agencies):
        r = find_row(out, a.name)
        assert out.cell(r, 5).value == pytest.approx(result.pv_net_by_agency[i], abs=PENNY)
        assert out.cell(r, 3).value == pytest.approx(result.pv_net_firm_by_agency[i], abs=PENNY)
        assert out.cell(r, 4).value == pytest.approx(result.pv_net_beyond_by_agency[i], abs=PENNY)
        net = result.flows.savings[:, i] - result.flows.costs[:, i]
        for t in range(result.structure.n_years):
            assert out.cell(r, 8 + t).value == pytest.approx(net[t], abs=PENNY)
    total = find_row(out, "Total public sector")
    assert out.cell(total, 5).value == pytest.approx(result.npv, abs=PENNY)
    assert out.cell(total, 6).value == ("passes" if result.passes else "fails")


def test_excel_npv_check_reconciles(books, result):
    values, formulas = books
    out_v, out_f = values[OUTPUTS], formulas[OUTPUTS]
    row = next(r for r in range(1, out_v.max_row + 1) if str(out_v.cell(r, 1).value).startswith("Check: H"))
    total = find_row(out_v, "Total public sector")
    assert (
        out_f.cell(row, 5).value
        == f"=H{total}+NPV(Calculations!I{find_row(formulas[CALC], 'Real discount rate')},I{total}:Q{total})"
    )
    assert out_v.cell(row, 5).value == pytest.approx(result.npv, abs=PENNY)
    # and the text states the convention
    texts = [str(c.value) for c in out_v["A"] if c.value]
    assert any("year 0 is undiscounted" in t.lower() and "NPV(rate, C:K)" in t for t in texts)


def test_discount_factors_are_live_formulas_matching_the_green_book(books):
    values, formulas = books
    cv, cf = values[CALC], formulas[CALC]
    df = find_row(cf, "Discount factor")
    rate = find_row(cf, "Real discount rate")
    assert cv.cell(df, 8).value == 1.0  # DF_0 = 1: year 0 undiscounted
    for t in range(1, 10):
        col = openpyxl.utils.get_column_letter(8 + t)
        prev = openpyxl.utils.get_column_letter(7 + t)
        assert cf.cell(df, 8 + t).value == f"={prev}{df}/(1+{col}{rate})"
        assert cv.cell(df, 8 + t).value == pytest.approx(1 / 1.035**t, rel=1e-12)  # by hand, 3.5%
        assert cf.cell(rate, 8 + t).value.startswith("=LOOKUP(")


def test_present_values_and_flows_are_formulas_not_numbers(books, result):
    _, formulas = books
    cf = formulas[CALC]
    df = find_row(cf, "Discount factor")
    for a in result.scenario.agencies:
        for label in ("Prevention costs", "Savings (after additionality)", "Cashable savings"):
            r = find_row(cf, f"{a.name}: {label}")
            assert cf.cell(r, 7).value == f"=SUMPRODUCT(H{r}:Q{r},H${df}:Q${df})"
            for t in range(10):
                v = cf.cell(r, 8 + t).value
                assert isinstance(v, str) and "SUMIF(" in v, v
    # every Calculations cell on the timeline (except the year-0 index) is a formula; DF_0 too, since
    # issue 11 (it is (1 + r)^-(first year - discount year), 1 when they are the same year)
    numbers = [
        (c.row, c.column)
        for row in cf.iter_rows(min_row=5, min_col=8)
        for c in row
        if isinstance(c.value, (int, float))
    ]
    assert sorted(numbers) == sorted([(find_row(cf, "Appraisal year (0 = first year, undiscounted)"), 8)])
    assert cf.cell(df, 8).value.startswith("=(1+")
    # and no hard-coded money in any formula: only small integers (0, 1, 2) and -1 appear as literals
    for row in cf.iter_rows():
        for c in row:
            if isinstance(c.value, str) and c.value.startswith("="):
                bare = re.sub(r"(\$?[A-Z]{1,3}\$?\d+|\"[^\"]*\")", "", c.value)
                for lit in re.findall(r"\d+(?:\.\d+)?", bare):
                    assert lit in {"0", "1", "2"}, (c.coordinate, c.value)


def test_cached_values_are_what_the_formulas_compute(books):
    values, formulas = books
    ev = Evaluator(as_cells(formulas))
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, str) and c.value.startswith("="):
                    cached = values[ws.title].cell(c.row, c.column).value
                    got = ev.value(ws.title, c.row - 1, c.column - 1)
                    if isinstance(got, float):
                        assert cached == pytest.approx(got, rel=1e-12, abs=1e-9), (ws.title, c.coordinate)
                    else:
                        assert cached == got, (ws.title, c.coordinate)
                    checked += 1
    assert checked > 500


def _npv_after_edit(cells: dict, sheet: str, label: str, value: float) -> float:
    inputs = cells[sheet]
    row = next(r for (r, c), v in inputs.items() if c == 0 and v == label)
    inputs[(row, 1)] = value
    ev = Evaluator(cells)
    out = cells[OUTPUTS]
    npv_row = next(r for (r, c), v in out.items() if c == 0 and v == "Net present value (NPV)")
    return ev.value(OUTPUTS, npv_row, 4)


def test_changing_an_input_recomputes_like_the_engine(books):
    _, formulas = books
    # a constant 3% discount rate instead of 3.5%
    cells = as_cells(formulas)
    got = _npv_after_edit(cells, INPUTS, "Real discount rate from appraisal year 0", 0.03)
    expected = appraise(load_proposal(YOUTH_WORK, Overrides(discount_rate=0.03))).npv
    assert got == pytest.approx(expected, abs=PENNY)
    # a larger cohort for the first outcome (the first 'Cohort' row)
    text = YOUTH_WORK.read_text()
    edited = text.replace("cohort: {value: 250,", "cohort: {value: 300,", 1)
    assert edited != text
    expected = appraise(load_proposal(YOUTH_WORK, text=edited)).npv
    got = _npv_after_edit(as_cells(formulas), INPUTS, "Cohort: people reached each year", 300.0)
    assert got == pytest.approx(expected, abs=PENNY)


def test_inputs_are_styled_and_panes_frozen(books):
    _, formulas = books
    ws = formulas[INPUTS]
    r = find_row(ws, "Cohort: people reached each year")
    cell = ws.cell(r, 2)
    assert cell.font.color.rgb.endswith("0000FF")
    assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    assert ws.cell(r, 3).value == "people per year"  # unit beside it
    assert ws.cell(r, 6).value == "assumption"
    for name in (INPUTS, CALC, OUTPUTS):
        assert formulas[name].freeze_panes is not None


def test_inputs_list_every_source_and_provenance_links_them(books, result):
    values, formulas = books
    used = {c.value for c in values[INPUTS]["E"] if c.value and c.value != "assumption"}
    prov = formulas[PROVENANCE]
    listed = {}
    for row in prov.iter_rows():
        if row[0].value in result.scenario.sources and row[4].hyperlink is not None:
            listed[row[0].value] = row[4].hyperlink.target
    assert used - {"Source id"} <= set(listed)
    assert set(listed) == set(result.scenario.sources)
    assert all(listed[k] == s.url for k, s in result.scenario.sources.items())
    texts = {str(c.value) for row in prov.iter_rows() for c in row if c.value is not None}
    assert result.scenario.inputs_sha256 in texts
    assert any(result.scenario.deflator.vintage in t for t in texts)


def test_a_cut_reconciles_too():
    text = YOUTH_WORK.read_text().replace("kind: new_spending", "kind: cut", 1)
    result = appraise(load_proposal(YOUTH_WORK, text=text))
    cells = workbook_cells(result)
    ev = Evaluator(cells)
    out = cells[OUTPUTS]
    npv_row = next(r for (r, c), v in out.items() if c == 0 and v == "Net present value (NPV)")
    assert result.npv > 0
    assert ev.value(OUTPUTS, npv_row, 4) == pytest.approx(result.npv, abs=PENNY)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cohort=st.integers(min_value=0, max_value=2000),
    effect=st.floats(min_value=0.0, max_value=1.0),
    lag=st.integers(min_value=0, max_value=4),
    persistence=st.integers(min_value=1, max_value=8),
    drop_off=st.floats(min_value=0.0, max_value=0.9),
    horizon=st.integers(min_value=1, max_value=14),
)
def test_workbook_npv_equals_engine_for_any_inputs(cohort, effect, lag, persistence, drop_off, horizon):
    text = YOUTH_WORK.read_text()
    old = "cohort: {value: 250, unit: people_per_year, low: 150, high: 350,"
    assert old in text
    text = text.replace(old, f"cohort: {{value: {cohort}, unit: people_per_year,", 1)
    text = re.sub(
        r"repeat_offending(.*?)effect: \{value: 0.19, unit: fraction, low: 0.1, high: 0.25,",
        lambda m: f"repeat_offending{m.group(1)}effect: {{value: {effect!r}, unit: fraction,",
        text,
        count=1,
        flags=re.S,
    )
    text = (
        text.replace("lag_years: {value: 2, unit: years,", f"lag_years: {{value: {lag}, unit: years,", 1)
        .replace(
            "persistence_years: {value: 4, unit: years, low: 2, high: 6,",
            f"persistence_years: {{value: {persistence}, unit: years,",
            1,
        )
        .replace(
            "drop_off: {value: 0.25, unit: fraction, low: 0.1, high: 0.4,",
            f"drop_off: {{value: {drop_off!r}, unit: fraction,",
            1,
        )
    )
    # the inputs above lose their ranges, so the file's correlations between them go too (a correlation on
    # an input without a range is refused); correlations is the file's last section
    text = text[: text.index("\ncorrelations:")] + "\n"
    result = appraise(load_proposal(YOUTH_WORK, Overrides(horizon_years=horizon), text=text))
    cells = workbook_cells(result)
    ev = Evaluator(cells)
    out = cells[OUTPUTS]
    npv_row = next(r for (r, c), v in out.items() if c == 0 and v == "Net present value (NPV)")
    assert ev.value(OUTPUTS, npv_row, 4) == pytest.approx(result.npv, abs=PENNY)


def test_plain_formula_preparation_matches_xlsxwriters_own(result):
    """The shortcut past XlsxWriter's prefix substitutions stores exactly what XlsxWriter would, for every
    formula of the workbook, and leaves formulas calling other functions (Excel 365 ones) to XlsxWriter."""
    import xlsxwriter

    from costmodel.export.sheets import plain_formulas as _plain_formulas

    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    reference, fast = wb.add_worksheet("a"), wb.add_worksheet("b")
    _plain_formulas(fast)
    formulas = [v for sheet in workbook_cells(result).values() for v in sheet.values() if isinstance(v, str) and v.startswith("=")]
    assert len(formulas) > 100
    for f in formulas + ["=FILTER(A1:A3,B1:B3)", "=SUM(A1)+XLOOKUP(1,A1:A3,B1:B3)", "=x.SORT(A1:A2)", '="a"&UNIQUE(A1:A2)']:
        assert fast._prepare_formula(f) == reference._prepare_formula(f), f
    assert "_xlfn." in fast._prepare_formula("=FILTER(A1:A3,B1:B3)")
    wb.close()
