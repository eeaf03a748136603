"""Red-team regressions of the wording: plurals, empty year spans, money that rounds to a different
unit or to zero, and the pooling table's thousands never show minus zero."""

from __future__ import annotations

from .hand_worked import HAND, cli, hand, write

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
    assert "Dual running lasts                 1 year " in out  # £1,000 in year 0, no cashable savings


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
