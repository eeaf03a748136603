"""An uncertain input's value in words, in its own unit (£152k, 14.0%, 250, 2 years).

Pandas-free, so the CLI's sensitivity and simulate text can use it without importing the app's tables.
"""

from __future__ import annotations

from ..formatting import MINUS, money, percent
from ..uncertainty.compile import UncertainInput


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
