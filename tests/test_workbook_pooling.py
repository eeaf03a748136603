"""The workbook's Pooling sheet (issue 14 item 3): a pooled proposal's agreement with live formulas.

The cached values are computed by evaluating the formulas themselves (costmodel.export.formula), so
comparing them with the engine checks the formulas; tests/test_export_recalc.py has LibreOffice
recompute the same sheet from the inputs. The hand-worked case's figures are worked out by hand in
tests/test_pooling_cash.py and checked here to the penny too.
"""

from __future__ import annotations

from collections import defaultdict

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.export.excel import _Builder, _evaluate
from costmodel.export.excel_pooling import P_LABEL, P_PV, POOLING
from costmodel.inputs.loading import load_proposal
from costmodel.pooling.accounting import appraise_pool

from .conftest import PROPOSALS, ROOT

CASES = ROOT / "tests" / "cases"
POOLED = [
    *(p for p in PROPOSALS if p.stem in ("early_help_pooled", "school_exclusion_responsibility_charge")),
    CASES / "hand_worked_cash_pool.yaml",
    CASES / "hand_worked_cash_pool_pro_rata.yaml",
]


def pooling_sheet_values(result) -> dict[str, list]:
    """Each row of the Pooling sheet by its label: [label, ..., PV, year values...] as evaluated."""
    sheets = _Builder(result).build()
    ev = _evaluate(sheets)
    sheet = next(s for s in sheets if s.name == POOLING)
    rows: dict[str, list] = {}
    last_col = max(col for _, col in sheet.cells)
    for (row, col), cell in sheet.cells.items():
        if col == P_LABEL and isinstance(cell.value, str):
            rows[str(cell.value)] = [ev.value(POOLING, row, c) for c in range(last_col + 1)]
    return rows


def engine_payments(pr) -> dict[tuple[str, str, str], dict[int, float]]:
    out: dict[tuple[str, str, str], dict[int, float]] = defaultdict(dict)
    for p in pr.payments:
        out[(p.payer, p.payee, p.kind)][p.year] = p.amount_cash
    return out


@pytest.mark.parametrize("path", POOLED, ids=lambda p: p.stem)
def test_pooling_sheet_formulas_give_the_engines_agreement(path):
    result = appraise(load_proposal(path))
    pr = appraise_pool(result)
    rows = pooling_sheet_values(result)
    first = 7  # column H: the first appraisal year
    T = result.structure.n_years
    for pos in pr.positions:
        net = rows[f"{pos.name}: net position under the agreement"]
        assert net[P_PV] == pytest.approx(pos.pv_net_after, abs=0.005)
        cash = rows[f"{pos.name}: cash position under the agreement (cashable after − costs borne − charges, net)"]
        assert cash[P_PV] == pytest.approx(pos.pv_cash_position_after, abs=0.005)
    i = {p.id: k for k, p in enumerate(pr.positions)}
    for pos in pr.positions:
        after = rows[f"{pos.name}: cashable savings after sharing"][first : first + T]
        assert after == pytest.approx(list(pr.flows.cashable_after[:, i[pos.id]]), abs=0.005)
    # the payment schedule in cash, year by year, to the penny
    names = {p.id: p.name for p in pr.positions}
    labels = {
        "contribution": "pool contribution (cash)",
        "savings_share": "cashable savings paid over",
        "charge": "change in responsibility charges",
    }
    expected = engine_payments(pr)
    for (payer, payee, kind), by_year in expected.items():
        row = rows[f"{names[payer]} pays {names[payee]}: {labels[kind]}, cash"][first : first + T]
        assert row == pytest.approx([by_year.get(y, 0.0) for y in result.years], abs=0.005)
    # and every payment row the sheet has that the engine does not list is zero
    for label, values in rows.items():
        if label.endswith(", cash") and " pays " in label:
            payer, rest = label.split(" pays ", 1)
            if not any(f"{names[a]}" == payer and rest.startswith(names[b]) for a, b, _ in expected):
                assert all(abs(v) < 0.005 for v in values[first : first + T]), label


def test_hand_worked_pooling_sheet_to_the_penny():
    # tests/test_pooling_cash.py: police pay the council 30 (cash contribution), 7 (cashable savings) and
    # a charge raised from 5 to 12 (7) each year; the NHS pays the council 8; cash = real x 1, 1.1, 1.21
    result = appraise(load_proposal(CASES / "hand_worked_cash_pool.yaml"))
    rows = pooling_sheet_values(result)
    first = 7
    assert rows["Police pays Council: pool contribution (cash), cash"][first : first + 3] == pytest.approx(
        [30.00, 33.00, 36.30], abs=0.005
    )
    assert rows["Police pays Council: cashable savings paid over, cash"][first : first + 3] == pytest.approx(
        [7.00, 7.70, 8.47], abs=0.005
    )
    assert rows["NHS pays Council: cashable savings paid over, cash"][first : first + 3] == pytest.approx(
        [8.00, 8.80, 9.68], abs=0.005
    )
    assert rows["Police pays Council: change in responsibility charges, cash"][first : first + 3] == pytest.approx(
        [7.00, 7.70, 8.47], abs=0.005
    )
    assert rows["NHS pays Council: pool contribution (cash), cash"][first : first + 3] == [0.0, 0.0, 0.0]
    # net a year under the agreement: council -5 + 7 (charge received) = 2, police 13 - 7 = 6, NHS 12; the
    # case file discounts at 3.5%: 1 + 1/1.035 + 1/1.035^2 = 1 + 0.966184 + 0.933511 = 2.899694
    assert rows["Council: net position under the agreement"][P_PV] == pytest.approx(5.80, abs=0.005)
    assert rows["Police: net position under the agreement"][P_PV] == pytest.approx(17.40, abs=0.005)
    assert rows["NHS: net position under the agreement"][P_PV] == pytest.approx(34.80, abs=0.005)


def test_unpooled_proposals_have_no_pooling_sheet():
    for path in PROPOSALS:
        result = appraise(load_proposal(path))
        names = [s.name for s in _Builder(result).build()]
        pooled = result.scenario.proposal.pool is not None or bool(result.scenario.proposal.responsibility_charges)
        assert (POOLING in names) == pooled, path.stem


@pytest.mark.parametrize("path", POOLED[:2], ids=lambda p: p.stem)
def test_outputs_sheet_says_the_proposal_is_pooled_with_each_npv_under_the_agreement(path):
    result = appraise(load_proposal(path))
    pr = appraise_pool(result)
    sheets = _Builder(result).build()
    ev = _evaluate(sheets)
    outputs = next(s for s in sheets if s.name == "Outputs")
    labels = {str(c.value): row for (row, col), c in outputs.cells.items() if col == 0}
    assert any(label.startswith("Pooled: net present value under") for label in labels)
    for pos in pr.positions:
        row = labels[f"{pos.name}: NPV under the agreement"]
        assert ev.value("Outputs", row, 4) == pytest.approx(pos.pv_net_after, abs=0.005)
