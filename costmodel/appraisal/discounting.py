"""Green Book discounting and price-base conversion: pure functions over numpy arrays.

Conventions (HM Treasury Green Book, Annex A6):

* year 0 is the first appraisal year and is **not discounted** (DF_0 = 1);
* flows fall at the end of each year: DF_t = prod_{k=1..t} 1 / (1 + r_k), where r_k is the rate of
  the band that contains year k, so a declining schedule compounds band by band (DF_31 = DF_30 / 1.03)
  rather than applying the later rate from year 0;
* all amounts are real, in the prices of the price base year.

This matches ``numpy_financial.npv`` (first value at t = 0), *not* Excel's ``NPV()``, which discounts
its first value: in Excel write ``=B2 + NPV(rate, B3:B12)``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray


def rates_by_year(bands: Sequence[tuple[int, float]], n_years: int) -> NDArray[np.float64]:
    """Discount rate that applies in each year 0..n_years-1. [fraction]

    Parameters
    ----------
    bands : sequence of (from_year, rate)
        Each rate [fraction] applies from ``from_year`` [years] until the next band starts.
    n_years : int
        Number of years. [years]

    Returns
    -------
    numpy.ndarray, shape (n_years,)
        ``rates[k]`` is the rate used to discount year k back to year k-1 (``rates[0]`` is unused,
        year 0 being undiscounted, and is reported as the first band's rate).
    """
    starts = np.array([b[0] for b in bands], dtype=np.int64)
    values = np.array([b[1] for b in bands], dtype=np.float64)
    years = np.arange(n_years)
    idx = np.searchsorted(starts, years, side="right") - 1
    return values[np.clip(idx, 0, len(values) - 1)]


def discount_factors(rates: ArrayLike, offset: int = 0) -> NDArray[np.float64]:
    """Cumulative-product discount factors from per-year rates. [fraction]

    ``rates`` has shape (..., n_years); ``rates[..., 0]`` is ignored (DF_0 = 1). Broadcasts over any
    leading axes (e.g. Monte Carlo draws).

    ``offset`` [years] is how many years the first appraisal year falls after the discount year (the
    "current year" the schedule counts from; negative if it falls before). Year t is then
    ``t + offset`` years from the discount year: DF_t = (1 + r_0) ** -offset × prod_{k=1..t} 1/(1 + r_k),
    exact while the offset stays inside the first band (``rates`` from :func:`appraisal_rates`).

    >>> discount_factors([0.035] * 3).round(6).tolist()
    [1.0, 0.966184, 0.933511]
    >>> discount_factors([0.035] * 2, offset=2).round(6).tolist()
    [0.933511, 0.901943]
    """
    r = np.asarray(rates, dtype=np.float64)
    growth = 1.0 + r[..., 1:]
    df = np.ones(r.shape, dtype=np.float64)
    df[..., 1:] = 1.0 / np.cumprod(growth, axis=-1)
    if offset:
        df = df * (1.0 + r[..., :1]) ** (-float(offset))
    return df


def appraisal_rates(bands: Sequence[tuple[int, float]], n_years: int, offset: int = 0) -> NDArray[np.float64]:
    """Rates for appraisal years 0..n_years-1 when year 0 is ``offset`` years after the discount year:
    year t takes the band of year ``max(t + offset, 0)`` counted from the discount year. [fraction]"""
    full = rates_by_year(bands, n_years + max(offset, 0))
    years = np.maximum(np.arange(n_years) + offset, 0)
    return full[np.minimum(years, full.size - 1)]


def nominal_to_real(index: dict[int, float], years: ArrayLike, base: int) -> NDArray[np.float64]:
    """Multipliers converting cash (nominal) amounts of each financial year to ``base`` prices. [ratio]

    Green Book 2022 Table 1: real = nominal × D[base] / D[year].

    >>> nominal_to_real({2024: 100.0, 2025: 102.0}, [2024, 2025], 2024).round(4).tolist()
    [1.0, 0.9804]
    """
    y = np.asarray(years, dtype=np.int64)
    return np.array([index[base] / index[int(k)] for k in y.ravel()], dtype=np.float64).reshape(y.shape)


def schedule_factors(bands: Sequence[tuple[int, float]], n_years: int) -> NDArray[np.float64]:
    """Discount factors for years 0..n_years-1 under a banded schedule. [fraction]"""
    return discount_factors(rates_by_year(bands, n_years))


def present_value(flows: ArrayLike, factors: ArrayLike) -> NDArray[np.float64]:
    """Present value of flows over the last axis. [£]

    ``flows`` has shape (..., n_years) [£ per year]; ``factors`` shape (n_years,) or broadcastable.
    """
    f = np.asarray(flows, dtype=np.float64)
    d = np.asarray(factors, dtype=np.float64)
    return np.sum(f * d, axis=-1)


def price_conversion_factor(index: dict[int, float], from_year: int, to_year: int) -> float:
    """Multiplier that converts an amount in ``from_year`` prices to ``to_year`` prices. [ratio]

    ``index`` is a price index by financial year (e.g. the HMT GDP deflator).

    >>> round(price_conversion_factor({2008: 64.9523, 2024: 100.0}, 2008, 2024), 4)
    1.5396
    """
    return index[to_year] / index[from_year]
