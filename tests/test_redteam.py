"""Regressions found by red-teaming the CLI, the exports and the loader with valid but unusual
proposals. Expectations are worked by hand from ``tests/cases/hand_worked.yaml`` (a £1,000 a year
service in 2024-25 prices, the price base year, so no deflating)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest

from costmodel.appraisal.chain import appraise
from costmodel.cli import main
from costmodel.export.excel import OUTPUTS, workbook_bytes
from costmodel.export.formula import Evaluator, FormulaError
from costmodel.inputs.loading import Overrides, load_proposal

CASES = Path(__file__).resolve().parent / "cases"
HAND = CASES / "hand_worked.yaml"
HAND_TEXT = HAND.read_text(encoding="utf-8")


def hand(replacements: dict[str, str] | None = None) -> str:
    text = HAND_TEXT
    for old, new in (replacements or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(list(argv), out, err)
    return status, out.getvalue(), err.getvalue()


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


# --- Wording: plurals, empty year spans, money that rounds to a different unit or to zero ----------


def test_money_picks_its_unit_after_rounding_and_never_signs_zero():
    from costmodel.formatting import money

    assert money(999_600) == "£1.00m"  # not "£1000k"
    assert money(-999_600) == "\u2212£1.00m"
    assert money(999_996_000) == "£1.00bn"  # not "£1000.00m"
    assert money(999_499) == "£999k"
    assert money(-0.3) == "£0"  # not "−£0"
    assert money(0.3, signed=True) == "£0"  # not "+£0"
    assert money(-0.6) == "\u2212£1"
    assert money(-1234.0, exact=True) == "\u2212£1,234"


def test_pooling_thousands_never_show_minus_zero():
    from costmodel.present.pooling_report import _k

    assert _k(-400.0) == "0"
    assert _k(-600.0) == "\u22121"
    assert _k(1_234_567.0) == "1,235"


def test_one_year_horizon_reads_in_the_singular(tmp_path):
    status, out, err = cli("run", str(HAND), "--horizon", "1", "--firm-years", "1")
    assert (status, err) == (0, "")
    assert "firm-budget years (year 0)" in out
    assert "years 1-0" not in out and "(years 0-0)" not in out
    assert "1 years" not in out
    assert "Dual running lasts                1 year " in out  # £1,000 in year 0, no cashable savings


def test_firm_years_equal_to_the_horizon_leave_no_empty_span():
    # hand_worked: horizon 4
    status, out, _ = cli("run", str(HAND), "--firm-years", "4")
    assert status == 0
    assert "firm-budget years (years 0-3)" in out
    assert "years 4-3" not in out
    assert "  years beyond  " in out


def test_briefing_with_no_firm_budget_years(tmp_path):
    target = tmp_path / "b.md"
    status, _, err = cli("brief", str(HAND), "--firm-years", "0", "-o", str(target))
    assert (status, err) == (0, "")
    text = target.read_text(encoding="utf-8")
    assert "first 0" not in text
    assert "No firm-budget years." in text
    assert "firm-budget years (none)" in text


def test_simulation_of_one_draw_and_one_ranged_input_is_singular(tmp_path):
    path = write(
        tmp_path,
        hand(
            {
                "effect: {value: 0.5, unit: fraction,": "effect: {value: 0.5, low: 0.4, high: 0.6, unit: fraction,"
            }
        ),
    )
    status, out, err = cli("simulate", str(path), "--draws", "1")
    assert (status, err) == (0, "")
    assert "Monte Carlo: 1 draw, seed" in out
    assert "1 ranged input varied" in out
    assert "1 draws" not in out and "1 ranged inputs" not in out


# --- Loader messages for the commonest YAML slips ---------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "field", "message"),
    [
        (
            "effect: {value: 0.5,",
            'effect: {value: "0.5",',
            "outcomes.0.effect.value",
            "must be a number, not text: write 0.5 without quotes",
        ),
        (
            "lag_years: {value: 1,",
            "lag_years: {value: 2.0,",
            "outcomes.0.lag_years.value",
            "must be a whole number: write 2 rather than 2.0",
        ),
        (
            "lag_years: {value: 1,",
            "lag_years: {value: 1.5,",
            "outcomes.0.lag_years.value",
            "must be a whole number (got 1.5)",
        ),
        (
            "horizon_years: 4",
            "horizon_years: true",
            "appraisal.horizon_years",
            "must be a whole number, not true",
        ),
        (
            "effect: {value: 0.5,",
            "effect: {value: null,",
            "outcomes.0.effect.value",
            "must be a number; the value is empty (null)",
        ),
        (
            "effect: {value: 0.5, unit: fraction, source: test_source}",
            "effect: null",
            "outcomes.0.effect",
            "expected a mapping (key: value lines) (got null)",
        ),
        (
            "  first_year: 2025",
            "\tfirst_year: 2025",
            None,
            "tabs are not allowed in YAML indentation: indent with spaces",
        ),
    ],
)
def test_one_clear_line_for_common_slips(tmp_path, old, new, field, message):
    path = write(tmp_path, hand({old: new}))
    status, out, err = cli("validate", str(path))
    assert status == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{path}:")
    if field is not None:
        assert f": {field}: " in lines[0]
    assert message in lines[0]


def test_empty_list_of_prevention_costs_says_so(tmp_path):
    text = hand()
    start, end = text.index("prevention_costs:"), text.index("outcomes:")
    path = write(tmp_path, text[:start] + "prevention_costs: []\n" + text[end:])
    status, _, err = cli("validate", str(path))
    assert status == 1
    assert err.strip().endswith("prevention_costs: the list is empty: give at least 1 item")
    assert "after validation" not in err


@pytest.mark.parametrize(
    "transform",
    [
        lambda t: t.replace("\n", "\r\n"),  # Windows line endings
        lambda t: "\ufeff" + t,  # UTF-8 byte-order mark
        lambda t: "\ufeff" + t.replace("\n", "\r\n"),
        lambda t: t.replace("  horizon_years: 4\n", "").replace(
            "  first_year: 2025\n", "  horizon_years: 4\n  first_year: 2025\n"
        ),
        lambda t: "\n".join(
            ln + "  # note" if ln.strip() and not ln.lstrip().startswith("#") else ln for ln in t.split("\n")
        ),
    ],
    ids=["crlf", "bom", "bom-crlf", "key-order", "comments"],
)
def test_harmless_variations_give_the_same_npv(tmp_path, transform):
    # hand_worked's NPV, worked in tests/test_engine.py; here only: the same as the untouched file
    path = tmp_path / "v.yaml"
    path.write_bytes(transform(HAND_TEXT).encode("utf-8"))
    assert appraise(load_proposal(path)).npv == pytest.approx(appraise(load_proposal(HAND)).npv, abs=1e-9)


# --- Verdict sentences for proposals where nothing is spent, saved or shunted -----------------------

NO_OUTCOMES = {HAND_TEXT[HAND_TEXT.index("outcomes:") :]: "outcomes: []\n"}


def verdict(tmp_path: Path, replacements: dict[str, str]) -> str:
    return appraise(load_proposal(write(tmp_path, hand(replacements)))).verdict


def test_verdict_when_nothing_is_spent_or_saved(tmp_path):
    text = verdict(
        tmp_path, {"value: 1000, unit: GBP_per_year": "value: 0, unit: GBP_per_year", **NO_OUTCOMES}
    )
    assert text.startswith(
        "Passes the Ten Year Test: over 4 years (2025-26 to 2028-29) the proposal saves the public purse "
        "as much as it costs (net present value £0, 2024-25 prices)."
    )
    assert "£0 more than" not in text
    assert text.endswith("No budget holder gains or loses.")


def test_verdict_for_a_cut_that_shunts_no_demand(tmp_path):
    # £1,000 a year cut for four years, nothing shunted: 1000 × (1 + 1/1.035 + 1/1.035² + 1/1.035³) = £3,802
    text = verdict(tmp_path, {"kind: new_spending": "kind: cut", **NO_OUTCOMES})
    assert text.startswith(
        "Passes the Ten Year Test: the cut saves Council £3,802 and, with no extra demand shunted elsewhere, "
        "saves the public purse £3,802 over 4 years"
    )
    assert "(£0)" not in text


def test_verdict_for_a_cut_that_releases_nothing(tmp_path):
    text = verdict(
        tmp_path,
        {
            "kind: new_spending": "kind: cut",
            "value: 1000, unit: GBP_per_year": "value: 0, unit: GBP_per_year",
        },
    )
    assert text.startswith("Fails the Ten Year Test: the cut releases no money but costs the public purse £")
    assert "£0 but" not in text and "the cut budget" not in text


@pytest.mark.parametrize("rate", ["inf", "-inf", "Infinity"])
def test_infinite_discount_rate_is_refused_plainly(rate):
    status, out, err = cli("run", str(HAND), f"--discount={rate}")
    assert (status, out) == (1, "")
    assert err == f"--discount rate must be a fraction between 0 and 0.5, e.g. 0.035 for 3.5% (got {rate})\n"
    assert "percentage" not in err


def test_a_one_year_horizon_names_one_financial_year():
    result = appraise(load_proposal(HAND, Overrides(horizon_years=1, firm_budget_years=1)))
    assert (
        "over one year (2025-26) the proposal costs the public purse £1,000 more than it saves"
        in result.verdict
    )
    assert "to 2025-26" not in result.verdict
    status, out, _ = cli("compare", str(HAND), "--horizon", "1")
    assert status == 0
    years = next(ln for ln in out.splitlines() if ln.startswith("Years"))
    assert years.split()[-1] == "2025-26" and " to " not in years
