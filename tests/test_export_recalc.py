"""The Excel workbook reconciles in a real spreadsheet engine: LibreOffice recalculates every formula
from the inputs (all cached values removed first) and must reproduce costmodel's figures.

Needs LibreOffice Calc (`apt-get install libreoffice-calc-nogui`, which scripts/test does as root);
skipped where it is absent, except on CI, where its absence is a failure."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import workbook_bytes
from costmodel.inputs.loading import load_proposal

from .conftest import PROPOSALS, ROOT

# issue 11: the cash (nominal) inputs, plain savings lines and file deflators recompute too
MONEY_CASES = [
    ROOT / "tests" / "cases" / "hand_worked_nominal.yaml",
    ROOT / "tests" / "cases" / "hand_worked_nominal_later.yaml",  # discounted to an earlier year
    ROOT / "docs" / "examples" / "green_book_box15.yaml",
    ROOT / "docs" / "examples" / "green_book_table1.yaml",
    ROOT / "tests" / "cases" / "hand_worked_layers.yaml",  # issue 12: value layers, health-rate discounting
    ROOT / "tests" / "cases" / "hand_worked_cut.yaml",  # issue 12 §4: release shares and closure costs
]
# issue 12 §5 / issue 14 item 3: the Pooling sheet's agreement recomputes too (cash only, pro rata, a fixed charge)
POOL_CASES = [
    ROOT / "tests" / "cases" / "hand_worked_cash_pool.yaml",
    ROOT / "tests" / "cases" / "hand_worked_cash_pool_pro_rata.yaml",
]
WORKBOOKS = [*PROPOSALS, *MONEY_CASES, *POOL_CASES]

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    if SOFFICE is None:
        if os.environ.get("CI"):
            pytest.fail(
                "LibreOffice is not installed: on CI, scripts/test must install libreoffice-calc-nogui"
            )
        pytest.skip("LibreOffice is not installed")
    import openpyxl

    work = tmp_path_factory.mktemp("recalc")
    (work / "stripped").mkdir()
    results = {}
    for path in WORKBOOKS:
        result = appraise(load_proposal(path))
        original = work / f"{path.stem}.xlsx"
        original.write_bytes(workbook_bytes(result))
        wb = openpyxl.load_workbook(original)  # formulas only: saving drops every cached value
        wb.save(work / "stripped" / original.name)
        results[path.stem] = (result, original)
    # issue 12: the optimism-bias switch on the Inputs sheet set to 0 gives the unadjusted figures
    early = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"))
    assert early.unadjusted is not None
    wb = openpyxl.load_workbook(work / "early_help_pooled.xlsx")
    [switch] = [row[1] for row in wb["Inputs"].iter_rows() if str(row[0].value).startswith("Apply the optimism-bias")]
    switch.value = 0
    wb.save(work / "stripped" / "early_help_pooled_unadjusted.xlsx")
    results["early_help_pooled_unadjusted"] = (early.unadjusted, work / "early_help_pooled_unadjusted.xlsx")
    subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{work / 'profile'}", "--headless", "--calc",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(work / "out"),
         *[str(work / "stripped" / f"{stem}.xlsx") for stem in results]],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    return {stem: (r, orig, work / "out" / orig.name) for stem, (r, orig) in results.items()}


@pytest.mark.parametrize("stem", [p.stem for p in WORKBOOKS])
def test_libreoffice_recomputes_every_formula(recalculated, stem):
    import openpyxl

    result, original, recalc = recalculated[stem]
    cached = openpyxl.load_workbook(original, data_only=True)
    formulas = openpyxl.load_workbook(original)
    lo = openpyxl.load_workbook(recalc, data_only=True)
    checked = 0
    for ws in formulas.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    ours = cached[ws.title][cell.coordinate].value
                    theirs = lo[ws.title][cell.coordinate].value
                    if isinstance(ours, (int, float)) and not isinstance(ours, bool):
                        assert theirs == pytest.approx(ours, rel=1e-9, abs=0.005), (
                            ws.title,
                            cell.coordinate,
                            cell.value,
                        )
                    else:
                        assert (theirs or "") == (ours or ""), (ws.title, cell.coordinate, cell.value)
                    checked += 1
    assert checked > (500 if stem not in {p.stem for p in [*MONEY_CASES, *POOL_CASES]} else 100)
    # and the recalculated NPV is the engine's, to the penny
    values = [c.value for row in lo["Outputs"].iter_rows() for c in row]
    assert any(isinstance(v, float) and abs(v - result.npv) < 0.005 for v in values)


def test_libreoffice_optimism_switch_off_gives_the_unadjusted_figures(recalculated):
    """The corrections are live formulas: with the switch at 0 LibreOffice recomputes the figures before
    optimism bias (the engine's ``unadjusted``), to the penny."""
    import openpyxl

    unadjusted, _, recalc = recalculated["early_help_pooled_unadjusted"]
    lo = openpyxl.load_workbook(recalc, data_only=True)["Outputs"]
    [npv] = [r[4].value for r in lo.iter_rows(min_col=1, max_col=5) if r[0].value == "Net present value (NPV)"]
    assert npv == pytest.approx(unadjusted.npv, abs=0.005)
    adjusted = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"))
    assert abs(npv - adjusted.npv) > 1e6  # the switch moves the figure (−£2.23m risk-adjusted, £234k before)


@pytest.mark.parametrize("stem", [p.stem for p in WORKBOOKS])
def test_libreoffice_cash_sheet_is_the_engines_cash_view(recalculated, stem):
    """The Cash sheet's live formulas (cash = real x deflator ratio) recompute to the engine's cash view."""
    import openpyxl

    result, _, recalc = recalculated[stem]
    ws = openpyxl.load_workbook(recalc, data_only=True)["Cash"]
    rows = {row[0].value: [c.value for c in row] for row in ws.iter_rows() if isinstance(row[0].value, str)}
    cash = result.cash
    assert cash is not None
    T = result.structure.n_years
    first = 7  # column H: the first year of the timeline
    cum = rows["Total public sector: cumulative net cash"][first : first + T]
    assert cum == pytest.approx(list(cash.cumulative.sum(axis=1)), abs=0.005)
    for i, a in enumerate(result.scenario.agencies):
        costs = rows[f"{a.name}: prevention costs"][first : first + T]
        assert costs == pytest.approx(list(cash.costs[:, i]), abs=0.005)
    peak = rows["Peak dual-running funding requirement, cash (max of −cumulative net cash)"][5]
    assert peak == pytest.approx(cash.dual_running.peak_funding_requirement, abs=0.005)


@pytest.mark.parametrize("stem", ["hand_worked_layers", "youth_work", "big_local_neighbourhood"])
def test_libreoffice_layers_are_the_engines(recalculated, stem):
    """The value layers' live formulas (economic, social with WELLBYs at the health rate, the net present
    public value and the benefit-cost ratio (public value)) recompute to the engine's figures."""
    import openpyxl

    result, _, recalc = recalculated[stem]
    ws = openpyxl.load_workbook(recalc, data_only=True)["Outputs"]
    rows = {row[0].value: row[4].value for row in ws.iter_rows() if isinstance(row[0].value, str)}

    def value(prefix: str) -> float:
        return next(v for k, v in rows.items() if k.startswith(prefix))

    L = result.value_layers
    assert value("PV economic value") == pytest.approx(L.economic.pv_benefits, abs=0.005)
    assert value("PV social value") == pytest.approx(L.social.pv_benefits, abs=0.005)
    assert value("Net present public value") == pytest.approx(L.net_present_public_value, abs=0.005)
    assert value("Benefit-cost ratio (public value") == pytest.approx(L.benefit_cost_ratio, rel=1e-9)
    assert value("Fiscal return on investment") == pytest.approx(L.fiscal_return_on_investment, rel=1e-9)
    assert value("  of which freed capacity") == pytest.approx(L.pv_non_cashable, abs=0.005)


POOLED_STEMS = ["early_help_pooled", "school_exclusion_responsibility_charge", *(p.stem for p in POOL_CASES)]


@pytest.mark.parametrize("stem", POOLED_STEMS)
def test_libreoffice_pooling_sheet_is_the_engines_agreement(recalculated, stem):
    """The Pooling sheet's live formulas, recalculated by LibreOffice from the inputs alone, give the
    engine's positions under the agreement and its payment schedule in cash, year by year."""
    import openpyxl

    from costmodel.pooling.accounting import appraise_pool

    result, _, recalc = recalculated[stem]
    ws = openpyxl.load_workbook(recalc, data_only=True)["Pooling"]
    rows = {row[0].value: [c.value for c in row] for row in ws.iter_rows() if isinstance(row[0].value, str)}
    pr = appraise_pool(result)
    assert pr is not None
    T = result.structure.n_years
    first = 7  # column H
    for pos in pr.positions:
        assert rows[f"{pos.name}: net position under the agreement"][6] == pytest.approx(pos.pv_net_after, abs=0.005)
    names = {p.id: p.name for p in pr.positions}
    labels = {
        "contribution": "pool contribution (cash)",
        "savings_share": "cashable savings paid over",
        "charge": "change in responsibility charges",
    }
    by_row: dict[str, dict[int, float]] = {}
    for p in pr.payments:
        by_row.setdefault(f"{names[p.payer]} pays {names[p.payee]}: {labels[p.kind]}, cash", {})[p.year] = p.amount_cash
    assert by_row or stem == "hand_worked_cash_pool_pro_rata"
    for label, by_year in by_row.items():
        got = rows[label][first : first + T]
        assert got == pytest.approx([by_year.get(y, 0.0) for y in result.years], abs=0.005), label
