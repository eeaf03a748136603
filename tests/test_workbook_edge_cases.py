"""Red-team regressions of the Excel export: formulas evaluate only the branch taken, and a one-year
horizon or all-zero costs give a workbook with n/a ratios instead of #DIV/0!. Expectations are
worked by hand from ``tests/cases/hand_worked.yaml``."""

from __future__ import annotations

import io

import openpyxl
import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import OUTPUTS, workbook_bytes
from costmodel.export.formula import Evaluator, FormulaError
from costmodel.inputs.loading import Overrides, load_proposal

from .hand_worked import HAND, cli, hand, write


def headline_cells(data: bytes) -> dict[str, object]:
    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[OUTPUTS]
    labels = {
        "bcr": "Benefit-cost ratio",
        "per_pound": "Net return per £1",
        "npv": "Net present value (NPV)",
    }
    found: dict[str, object] = {}
    for row in ws.iter_rows(min_col=1, max_col=5):
        text = row[0].value
        for key, label in labels.items():
            if isinstance(text, str) and text.startswith(label) and key not in found:
                found[key] = row[4].value
    return found


# --- Excel: IF evaluated both branches, so a one-year horizon with no savings had #DIV/0! --------


def test_formula_if_only_evaluates_the_branch_taken():
    ev = Evaluator({"S": {(0, 0): "=IF(1>0,7,1/0)", (0, 1): "=1/0", (0, 2): "=IF(0,1/0,2)+1/0"}})
    assert ev.value("S", 0, 0) == 7
    with pytest.raises(FormulaError, match="DIV/0"):
        ev.value("S", 0, 1)
    with pytest.raises(FormulaError, match="DIV/0"):
        ev.value("S", 0, 2)


def test_formula_rank_is_excels():
    """RANK (the options workbook's ranking): 1 + how many are larger; equal numbers share a rank; a
    number not in the list is #N/A, as in Excel."""
    cells = {(0, c): v for c, v in enumerate([5.0, -2.0, 5.0, 0.0])}
    cells |= {(1, c): f"=RANK({'ABCD'[c]}1,$A$1:$D$1)" for c in range(4)}
    cells |= {(2, 0): "=RANK(B1,A1:D1,1)", (2, 1): "=RANK(7,A1:D1)"}
    ev = Evaluator({"S": cells})
    assert [ev.value("S", 1, c) for c in range(4)] == [1, 4, 1, 3]
    assert ev.value("S", 2, 0) == 1  # ascending: the smallest first
    with pytest.raises(FormulaError, match="N/A"):
        ev.value("S", 2, 1)


def test_workbook_for_a_one_year_horizon_with_no_savings_yet(tmp_path):
    # year 0 only: the £1,000 cost, and no savings (the effect lags one year)
    result = appraise(load_proposal(HAND, Overrides(horizon_years=1, firm_budget_years=1)))
    cells = headline_cells(workbook_bytes(result))
    assert cells["npv"] == pytest.approx(-1000.0, abs=0.005)
    assert cells["bcr"] == pytest.approx(0.0)  # £0 saved / £1,000 spent
    assert cells["per_pound"] == pytest.approx(-1.0)  # −£1,000 / £1,000
    out = tmp_path / "one.xlsx"
    status, _, err = cli("export", str(HAND), "--horizon", "1", "-o", str(out))
    assert (status, err) == (0, "")
    assert out.exists()


def test_workbook_with_no_costs_has_no_ratio(tmp_path):
    path = write(tmp_path, hand({"value: 1000, unit: GBP_per_year": "value: 0, unit: GBP_per_year"}))
    result = appraise(load_proposal(path))
    assert result.bcr is None and result.net_return_per_pound is None
    cells = headline_cells(workbook_bytes(result))
    assert cells["bcr"] == "n/a"
    assert cells["per_pound"] == "n/a"
