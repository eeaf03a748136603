"""Number and label formatting shared by the CLI, the app and the exports."""

from __future__ import annotations

MINUS = "\u2212"


def fy_label(year: int) -> str:
    """Financial-year label: 2024 -> '2024-25'."""
    return f"{year}-{(year + 1) % 100:02d}"


def money(value: float, *, signed: bool = False, exact: bool = False) -> str:
    """£ with thousands separators, or £1.2m / £350k when not exact. [£]"""
    v = 0.0 if abs(value) < 0.005 else value
    sign = MINUS if v < 0 else ("+" if signed and v > 0 else "")
    a = abs(v)
    if exact:
        return f"{sign}£{a:,.0f}"
    if a >= 1e9:
        return f"{sign}£{a / 1e9:.2f}bn"
    if a >= 1e6:
        return f"{sign}£{a / 1e6:.2f}m"
    if a >= 1e4:
        return f"{sign}£{a / 1e3:.0f}k"
    return f"{sign}£{a:,.0f}"


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
