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
    ROOT / "tests" / "cases" / "hand_worked_cut_layers.yaml",  # and the value it loses beyond budgets
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


@pytest.mark.parametrize(
    "stem, economic, social",
    [
        ("hand_worked_cut", 0.0, 0.0),
        (
            "hand_worked_cut_layers",
            # incidents added: 4, 6, 6 in years 1-3 (docs/cuts.md); £30 economic and £50 social value each,
            # at 3.5%; 0.01 WELLBY each at £13,000 (2019 prices) × 100 / 80.8738 (HMT GDP deflator,
            # 2019-20 to 2024-25) at the 1.5% health rate
            30 * (4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3),  # £446.32
            50 * (4 / 1.035 + 6 / 1.035**2 + 6 / 1.035**3)
            + 0.01 * 13000 * 100 / 80.8738 * (4 / 1.015 + 6 / 1.015**2 + 6 / 1.015**3),  # £3,235.85
        ),
    ],
)
def test_libreoffice_recomputes_a_cuts_value_lost_by_hand(recalculated, stem, economic, social):
    """Issue 12 §4: the Outputs sheet shows a cut's value lost (economic and social layers) as live
    formulas; LibreOffice, from the inputs alone, gets the hand-worked figures and the run JSON's."""
    import openpyxl

    from costmodel.present.report import result_to_dict

    result, _, recalc = recalculated[stem]
    ws = openpyxl.load_workbook(recalc, data_only=True)["Outputs"]
    rows = {row[0].value: row[4].value for row in ws.iter_rows() if isinstance(row[0].value, str)}

    def value(start: str) -> float:
        return next(v for k, v in rows.items() if k.startswith(start))

    fiscal_npv = 500 + 1000 * (1 / 1.035 + 1 / 1.035**2 + 1 / 1.035**3) - (600 + 300 / 1.035) - (
        400 / 1.035 + 600 / 1.035**2 + 600 / 1.035**3
    )  # £924.04 (docs/cuts.md)
    assert value("A cut: PV economic value lost") == pytest.approx(economic, abs=0.005)
    assert value("A cut: PV social value lost") == pytest.approx(social, abs=0.005)
    assert value("A cut: PV value lost outside public budgets") == pytest.approx(economic + social, abs=0.005)
    assert value("Net present public value") == pytest.approx(fiscal_npv - economic - social, abs=0.005)
    lost = result_to_dict(result)["value_lost"]  # the run JSON says the same
    assert lost["economic"]["pv"] == pytest.approx(economic, abs=0.005)
    assert lost["social"]["pv"] == pytest.approx(social, abs=0.005)
    assert ("lower bound on the harm" in " ".join(rows)) == (social == 0.0)


def test_libreoffice_recomputes_the_shipped_cuts_value_lost_as_the_run_json_says(recalculated):
    """The shipped cut values victims' harm (issue 12 §1): the workbook's value lost, recalculated, is the
    run JSON's value_lost, layer by layer."""
    import openpyxl

    from costmodel.present.report import result_to_dict

    result, _, recalc = recalculated["youth_service_cut"]
    ws = openpyxl.load_workbook(recalc, data_only=True)["Outputs"]
    rows = {row[0].value: row[4].value for row in ws.iter_rows() if isinstance(row[0].value, str)}
    lost = result_to_dict(result)["value_lost"]
    economic = next(v for k, v in rows.items() if k.startswith("A cut: PV economic value lost"))
    social = next(v for k, v in rows.items() if k.startswith("A cut: PV social value lost"))
    assert lost["social"]["pv"] > 0  # counted: no lower-bound note
    assert economic == pytest.approx(lost["economic"]["pv"], abs=0.005)
    assert social == pytest.approx(lost["social"]["pv"], abs=0.005)
    assert not any("lower bound on the harm" in k for k in rows)
