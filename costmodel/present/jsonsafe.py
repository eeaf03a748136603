"""The one JSON number sanitiser of every JSON output (run, compare, pool, sensitivity, simulate)."""

from __future__ import annotations

import math
from typing import Any, overload

import numpy as np

from ..errors import ComputationError


@overload
def json_number(x: None, *, places: int | None = None) -> None: ...
@overload
def json_number(x: float | np.floating[Any], *, places: int | None = None) -> float: ...
def json_number(x: float | np.floating[Any] | None, *, places: int | None = None) -> float | None:
    """A plain, finite float for JSON: ``None`` stays ``None`` (JSON null), a negative zero becomes 0.0,
    ``places`` rounds (money to the penny: 2); NaN or infinity is refused with a clear error, never
    written.

    >>> json_number(np.float64(-0.0)), json_number(1234.5678, places=2), json_number(None)
    (0.0, 1234.57, None)
    """
    if x is None:
        return None
    v = float(x)
    if not math.isfinite(v):
        raise ComputationError(
            "a result to be written as JSON is not a finite number; check the inputs' magnitudes"
        )
    if places is not None:
        v = round(v, places)
    return 0.0 if v == 0 else v


def json_series(values: Any, *, places: int | None = None) -> list[float]:
    """:func:`json_number` of every element of a 1-d array."""
    return [json_number(v, places=places) for v in np.asarray(values, dtype=np.float64).tolist()]
