"""An uncertain input's value in words, in its own unit (£152k, 14.0%, 250, 2 years), and the names of
the sensitivity cases (discount schedules, inflation shifts).

Pandas-free, so the CLI's sensitivity and simulate text can use it without importing the app's tables.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..formatting import MINUS, money, percent
from ..inputs.loading import load_reference
from ..uncertainty.compile import UncertainInput
from ..uncertainty.sensitivity import DeflatorCase, RateCase

UNIT_WORDS = {
    "GBP": "£ (one-off)",
    "GBP_per_year": "£ a year",
    "GBP_per_unit": "£ per unit",
    "GBP_per_event": "£ per event",
    "fraction": "%",
    "fraction_per_year": "% a year",
    "years": "years",
    "financial_year": "financial year",
    "people_per_year": "people a year",
    "units_per_event": "units per event",
}
"""A file's unit id in words, as the app's tables show it (fractions are shown as percentages)."""


def unit_in_words(unit: str) -> str:
    """A file's unit in words: ``GBP_per_year`` -> '£ a year', ``fraction`` -> '%' (values shown ×100).

    >>> unit_in_words("GBP_per_year"), unit_in_words("people_per_year"), unit_in_words("fraction")
    ('£ a year', 'people a year', '%')
    >>> unit_in_words("widgets_per_hour")
    'widgets per hour'
    """
    return UNIT_WORDS.get(unit, unit.replace("_", " "))


def plain_number(x: float) -> str:
    """A count or quantity as people write it: thousands separated, never in scientific notation, at
    most four significant figures below 1,000.

    >>> plain_number(18500), plain_number(9250.0), plain_number(0.15), plain_number(-1019.4), plain_number(45.81)
    ('18,500', '9,250', '0.15', '−1,019', '45.81')
    """
    text = f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"
    return text.replace("-", MINUS)


def format_value(inp: UncertainInput, x: float) -> str:
    """An input's value in its own unit, as people write it: £ for money, % for fractions (the discount
    rate too), whole years, plain numbers otherwise (never in scientific notation)."""
    if inp.integer:
        return f"{x:.0f} year" + ("" if x == 1 else "s")
    if inp.unit == "fraction":
        return percent(x, 2) if inp.target == "discount_rate" else percent(x, 1)
    if inp.unit.startswith("GBP"):
        sign = MINUS if x < 0 else ""
        return money(x, exact=abs(x) < 1e4) if abs(x) >= 1 or x == 0 else f"{sign}£{abs(x):.2f}"
    return plain_number(x)


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


def value_in_words(value: object, unit: str) -> str:
    """A figure from an assumption file in its unit, as the results pages write it: fractions as
    percentages, money in whole pounds (pence below £10), counts with thousands separators.

    >>> value_in_words(0.026, "fraction"), value_in_words(303000.0, "GBP_per_year"), value_in_words(18500.0, "people_per_year")
    ('2.6%', '£303,000', '18,500')
    >>> value_in_words(4.5, "GBP_per_unit"), value_in_words(2, "years"), value_in_words("green_book_standard", "id")
    ('£4.50', '2', 'green_book_standard')
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, list):
            return ", ".join(value_in_words(v, unit) for v in value)
        return str(value)
    if unit.startswith("fraction"):
        return percent(value, 2 if abs(value) < 0.001 and value != 0 else 1)
    if unit.startswith("GBP"):
        if abs(value) < 10 and value != round(value):
            return f"{MINUS if value < 0 else ''}£{abs(value):.2f}"
        return money(value, exact=True)
    if unit == "financial_year" or (unit == "years" and value == round(value)):
        return f"{value:.0f}"
    return plain_number(value)


_POWER = re.compile(r"\^\s*\(([^()]*)\)|\^\s*([0-9.]+)")


def readable_formula(formula: str, names: Mapping[str, str] | None = None) -> str:
    """A derived figure's formula as text a reader can follow: '×' for ' x ', a true minus, powers in
    words and budget-holder ids replaced by their names.

    >>> readable_formula("1 - (1 - 0.046)^(1/2) = 0.0233 a year")
    '1 − (1 − 0.046) to the power 1/2 = 0.0233 a year'
    >>> readable_formula("prisons_probation = probation £21 + prison £108", {"prisons_probation": "Prisons and probation (HMPPS)"})
    'Prisons and probation (HMPPS) = probation £21 + prison £108'
    >>> readable_formula("200 x £1,515 = £303,000")
    '200 × £1,515 = £303,000'
    """
    text = re.sub(r"(?<=\S) x (?=\S)", " × ", formula)
    text = re.sub(r"(?<=\s)-(?=\s)", MINUS, text)
    text = re.sub(r"\((\d[\d.]*) - ", lambda m: f"({m.group(1)} {MINUS} ", text)
    text = _POWER.sub(lambda m: f" to the power {m.group(1) or m.group(2)}", text)
    for agency_id, name in sorted((names or {}).items(), key=lambda kv: -len(kv[0])):
        text = re.sub(rf"\b{re.escape(agency_id)}\b", name, text)
    return text
