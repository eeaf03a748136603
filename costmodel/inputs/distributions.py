"""Probability distributions of ranged inputs: parameter checks and vectorised sampling.

Every ranged quantity has ``low <= value <= high`` and an optional ``distribution``. How the three
numbers parameterise each distribution (documented in ``docs/uncertainty.md``):

=============  ==================================================================================
triangular     minimum ``low``, mode ``value``, maximum ``high`` (the default when a range is given)
pert           Beta-PERT with minimum ``low``, mode ``value``, maximum ``high`` (shape λ = 4)
uniform        every value between ``low`` and ``high`` equally likely (``value`` is only the
               central case used by the deterministic run and the tornado)
normal         mean ``value``; ``low`` and ``high`` are the 5th and 95th percentiles, so the range
               must be symmetric about ``value`` (within 1% of its width)
lognormal      median ``value``; ``low`` and ``high`` are the 5th and 95th percentiles, so
               ``low`` must be above 0 and ``value`` the geometric midpoint √(low × high)
               (within 1% of the log-width)
=============  ==================================================================================

Draws that fall outside a quantity's allowed range (a normal fraction below 0, say) are clipped
to it, and draws of whole-year quantities are rounded to the nearest year.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]

Z95 = 1.6448536269514722
"""The 95th percentile of the standard normal distribution: P5/P95 are mean ∓ Z95·σ."""

PERT_LAMBDA = 4.0
"""Weight of the mode in the Beta-PERT distribution (the conventional 4)."""

SYMMETRY_TOLERANCE = 0.01
"""Largest asymmetry allowed in a normal (or log-asymmetry in a lognormal) range. [fraction of width]"""

DISTRIBUTIONS = ("triangular", "pert", "uniform", "normal", "lognormal")
DEFAULT_DISTRIBUTION = "triangular"


def distribution_problem(distribution: str | None, low: float, value: float, high: float) -> str | None:
    """Why ``low``/``value``/``high`` cannot parameterise ``distribution``, or None if they can.

    Assumes ``low <= value <= high`` has already been checked.
    """
    if distribution is None or distribution in ("triangular", "pert", "uniform"):
        return None
    width = high - low
    if distribution == "normal":
        gap = (value - low) - (high - value)
        if abs(gap) > SYMMETRY_TOLERANCE * width + 1e-12:
            mid = (low + high) / 2
            return (
                f"distribution 'normal' takes value as the mean and low/high as the 5th/95th percentiles, "
                f"so the range must be symmetric: value {value:g} is not midway between low {low:g} and "
                f"high {high:g} (midpoint {mid:g}); use 'triangular' or 'pert' for a skewed range"
            )
        return None
    if distribution == "lognormal":
        if low <= 0:
            return (
                f"distribution 'lognormal' needs low > 0 (got low {low:g}): a lognormal quantity is always "
                "positive; use 'triangular' or 'pert' for a range that starts at zero"
            )
        log_gap = (math.log(value) - math.log(low)) - (math.log(high) - math.log(value))
        if abs(log_gap) > SYMMETRY_TOLERANCE * math.log(high / low) + 1e-12:
            return (
                f"distribution 'lognormal' takes value as the median and low/high as the 5th/95th "
                f"percentiles, so value must be the geometric midpoint √(low × high) = {math.sqrt(low * high):.6g} "
                f"(got {value:g}); use 'triangular' or 'pert' otherwise"
            )
        return None
    return f"unknown distribution {distribution!r}; choose one of {', '.join(DISTRIBUTIONS)}"


def sample(
    rng: np.random.Generator,
    n: int,
    low: Sequence[float] | F,
    value: Sequence[float] | F,
    high: Sequence[float] | F,
    distributions: Sequence[str],
    *,
    bounds_low: Sequence[float] | F | None = None,
    bounds_high: Sequence[float] | F | None = None,
    integer: Sequence[bool] | NDArray[np.bool_] | None = None,
) -> F:
    """Draw ``n`` values of each of K inputs: an array of shape (n, K), vectorised by distribution.

    Inputs with zero width (``low == high``) are the constant ``value``. Draws are clipped to
    ``[bounds_low, bounds_high]`` (each input's allowed range) and rounded where ``integer``.
    The generator is consumed in a fixed order (by distribution, then by input), so the same
    seed gives the same draws.
    """
    lo = np.asarray(low, dtype=np.float64)
    mid = np.asarray(value, dtype=np.float64)
    hi = np.asarray(high, dtype=np.float64)
    k = lo.size
    dist = np.array([d or DEFAULT_DISTRIBUTION for d in distributions], dtype=object)
    out = np.empty((n, k), dtype=np.float64)
    out[:] = mid
    varies = hi > lo
    for name in DISTRIBUTIONS:
        cols = np.flatnonzero(varies & (dist == name))
        if cols.size == 0:
            continue
        a, m, b = lo[cols], mid[cols], hi[cols]
        size = (n, cols.size)
        if name == "triangular":
            draws = rng.triangular(a, m, b, size=size)
        elif name == "pert":
            alpha = 1.0 + PERT_LAMBDA * (m - a) / (b - a)
            beta = 1.0 + PERT_LAMBDA * (b - m) / (b - a)
            draws = a + (b - a) * rng.beta(alpha, beta, size=size)
        elif name == "uniform":
            draws = rng.uniform(a, b, size=size)
        elif name == "normal":
            draws = rng.normal(m, (b - a) / (2.0 * Z95), size=size)
        else:  # lognormal: median m, P5/P95 = a, b
            sigma = (np.log(b) - np.log(a)) / (2.0 * Z95)
            draws = rng.lognormal(np.log(m), sigma, size=size)
        out[:, cols] = draws
    if bounds_low is not None or bounds_high is not None:
        blo = -np.inf if bounds_low is None else np.asarray(bounds_low, dtype=np.float64)
        bhi = np.inf if bounds_high is None else np.asarray(bounds_high, dtype=np.float64)
        np.clip(out, blo, bhi, out=out)
    if integer is not None:
        cols = np.flatnonzero(np.asarray(integer, dtype=bool) & varies)
        if cols.size:
            out[:, cols] = np.rint(out[:, cols])
    return out
