"""Number and label formatting shared by the CLI, the app and the exports."""

from __future__ import annotations

MINUS = "\u2212"


def fy_label(year: int) -> str:
    """Financial-year label: 2024 -> '2024-25'."""
    return f"{year}-{(year + 1) % 100:02d}"


def money(value: float, *, signed: bool = False, exact: bool = False) -> str:
    """£ with thousands separators, or £1.2m / £350k when not exact. [£]

    The unit is chosen after rounding (£999,600 is £1.00m, not £1000k), and a figure that rounds to
    £0 carries no sign (never "−£0")."""
    a = abs(value)
    if exact or a < 1e4:
        digits = f"{a:,.0f}"
        text = f"£{digits}"
    elif round(a / 1e3) < 1000:
        digits = f"{a / 1e3:.0f}"
        text = f"£{digits}k"
    elif round(a / 1e6, 2) < 1000:
        digits = f"{a / 1e6:.2f}"
        text = f"£{digits}m"
    else:
        digits = f"{a / 1e9:.2f}"
        text = f"£{digits}bn"
    if not digits.strip("0.,"):
        return text
    return (MINUS if value < 0 else ("+" if signed else "")) + text


def ratio(value: float | None, places: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{places}f}"


def percent(value: float | None, places: int = 1) -> str:
    return "n/a" if value is None else f"{value * 100:.{places}f}%"


def years_words(n: int) -> str:
    words = {1: "one year", 5: "five years", 10: "ten years", 15: "fifteen years", 20: "twenty years"}
    return words.get(n, f"{n} years")


def per_pound(value: float | None) -> str:
    """£ per £1, to the penny: 0.84 -> '£0.84', -0.84 -> '−£0.84'. [£ per £]"""
    if value is None:
        return "n/a"
    sign = MINUS if value < -0.005 else ""
    return f"{sign}£{abs(value):.2f}"


def cash_and_capacity(cash_per_pound: float, capacity_per_pound: float) -> tuple[str, str, str]:
    """The return per £1 in words, to the penny: (in all, in cash, in freed capacity), the capacity
    shown as the rounded total less the rounded cash so the three add up as written
    (0.0396, 0.1253 -> '£0.16', '£0.04', '£0.12'). [£ per £]"""
    total = round(cash_per_pound + capacity_per_pound, 2)
    cash = round(cash_per_pound, 2)
    return per_pound(total), per_pound(cash), per_pound(round(total - cash, 2))


def plural(n: int, noun: str, many: str | None = None) -> str:
    """'1 year', '10 years', '0 years' (``many``: an irregular plural)."""
    return f"{n:,} {noun if n == 1 else (many or noun + 's')}"


def year_span(first: int, last: int) -> str:
    """Appraisal years counted from 0: 'year 0', 'years 0-4', or '' when the span is empty."""
    if last < first:
        return ""
    return f"year {first}" if first == last else f"years {first}-{last}"


def fy_span(first: int, last: int) -> str:
    """Financial years from ``first`` to ``last``: '2027-28 to 2036-37', or '2027-28' for one year."""
    return fy_label(first) if first == last else f"{fy_label(first)} to {fy_label(last)}"
