"""An uncertain input's value in words, in its own unit (£152k, 14.0%, 250, 2 years), and the names of
the sensitivity cases (discount schedules, inflation shifts).

Pandas-free, so the CLI's sensitivity and simulate text can use it without importing the app's tables.
"""

from __future__ import annotations

from ..formatting import MINUS, money, percent
from ..inputs.loading import load_reference
from ..uncertainty.compile import UncertainInput
from ..uncertainty.sensitivity import DeflatorCase, RateCase


def format_value(inp: UncertainInput, x: float) -> str:
    """An input's value in its own unit, as people write it: £ for money, % for fractions (the discount
    rate as a decimal), whole years, plain numbers otherwise."""
    if inp.integer:
        return f"{x:.0f} year" + ("" if x == 1 else "s")
    if inp.unit == "fraction":
        return f"{x:.4g}" if inp.target == "discount_rate" else percent(x, 1)
    if inp.unit.startswith("GBP"):
        sign = MINUS if x < 0 else ""
        return money(x, exact=abs(x) < 1e4) if abs(x) >= 1 or x == 0 else f"{sign}£{abs(x):.2f}"
    return f"{x:,.4g}".replace("-", MINUS)


def rate_case_label(case: RateCase) -> str:
    """A discount-rate case in words: the shipped schedule's own label, or 'Constant 5.00% real (user rate)'."""
    if case.schedule is not None:
        return next(s.label for s in load_reference().discount_schedules if s.id == case.schedule)
    assert case.rate is not None
    return f"Constant {case.rate:.2%} real (user rate)"


def deflator_case_label(case: DeflatorCase) -> str:
    """An inflation case in words: 'Inflation +1 point a year from 2025-26 (hmt_gdp_deflator)'."""
    y = case.first_year
    return f"Inflation {case.shift * 100:+.0f} point a year from {y}-{(y + 1) % 100:02d} ({case.deflator_id})"
