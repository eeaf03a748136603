"""How precise a Monte Carlo figure is: the standard errors of its probabilities and percentiles.

A probability estimated as the share ``p`` of ``n`` independent draws has the binomial standard error
``√(p(1 − p)/n)`` (:func:`proportion_standard_error`).

A percentile has no such formula without the density, so its standard error is read off the draws
themselves (distribution-free, from the order statistics): the number of draws below the true
q-quantile is binomial(n, q), whose standard deviation is ``√(n·q(1 − q))`` draws, i.e.
``δ = √(q(1 − q)/n)`` in probability. The estimate's standard error is then about half the distance
between the sample quantiles at ``q − δ`` and ``q + δ`` (:func:`percentile_standard_error`).

When the draws go on until a target precision (``simulate --target-error``), the stopping rule uses
the Agresti-Coull adjusted share (two passes and two failures added, :func:`stopping_standard_error`),
so a first block in which every draw passes (or none does) does not claim a standard error of zero.
Draws correlated *between inputs* are still independent *between draws*, so these formulas hold with
or without declared correlations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]


def proportion_standard_error(p: float | F, n: int) -> F:
    """Standard error of a share ``p`` of ``n`` independent draws: √(p(1 − p)/n). [fraction]

    >>> round(float(proportion_standard_error(0.39, 10_000)), 6)
    0.004877
    """
    p = np.asarray(p, dtype=np.float64)
    return np.sqrt(np.clip(p * (1.0 - p), 0.0, None) / max(int(n), 1))


def stopping_standard_error(successes: int, n: int) -> float:
    """The standard error used to decide when to stop drawing: of the Agresti-Coull share
    (successes + 2)/(n + 4), over n + 4 draws, so it is never zero. [fraction]

    >>> round(stopping_standard_error(10_000, 10_000), 6)
    0.000141
    """
    p = (successes + 2.0) / (n + 4.0)
    return float(np.sqrt(p * (1.0 - p) / (n + 4.0)))


def percentile_standard_error(values: F, qs: Sequence[float], axis: int = 0) -> F:
    """Standard errors of the percentiles ``qs`` (0-100) of ``values`` along ``axis``, from the order
    statistics: half the spread between the sample quantiles at q ∓ √(q(1 − q)/n). [unit of values]

    The result has the percentiles first, like ``numpy.percentile``.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[axis]
    q = np.asarray(qs, dtype=np.float64) / 100.0
    delta = np.sqrt(q * (1.0 - q) / max(n, 1))
    lo = np.clip(q - delta, 0.0, 1.0) * 100.0
    hi = np.clip(q + delta, 0.0, 1.0) * 100.0
    both = np.percentile(values, np.concatenate([lo, hi]), axis=axis)
    k = q.size
    return np.asarray((both[k:] - both[:k]) / 2.0, dtype=np.float64)
