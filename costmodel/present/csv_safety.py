"""CSV cells that a spreadsheet cannot run: OWASP's rule against CSV (formula) injection.

A text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula; such a cell gets a leading apostrophe, which the
spreadsheet shows as text. Numbers (``-1250.5``, written by costmodel as text in the CSV) are left
alone, so negative figures stay numbers. See
https://owasp.org/www-community/attacks/CSV_Injection.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> Any:
    """``cell`` with a leading ``'`` if it is text a spreadsheet would run as a formula."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_TRIGGERS):
        return cell
    try:
        if math.isfinite(float(cell)):
            return cell  # a number such as -1250.5
    except ValueError:
        pass
    return "'" + cell


def safe_row(row: Iterable[Any]) -> list[Any]:
    """A CSV row with every text cell neutralised."""
    return [neutralise(c) for c in row]


def frame_csv(frame: Any) -> bytes:
    """A pandas DataFrame as UTF-8 CSV bytes (no index), text cells neutralised (headers too)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype
    safe = frame.copy()
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    for col in safe.columns:
        if not (is_numeric_dtype(safe[col]) or is_bool_dtype(safe[col])):
            safe[col] = safe[col].map(neutralise)
    return safe.to_csv(index=False).encode("utf-8")
