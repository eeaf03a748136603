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
to it, and draws of whole-year quantities are rounded to the nearest year. A draw that is not a
finite number (a lognormal range so wide that it overflows) is never clipped: it is returned as NaN,
and the Monte Carlo reports the input, located in its file.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

F = NDArray[np.float64]


class UniformCopula(Protocol):
    """What :func:`sample` needs of a copula (:class:`costmodel.inputs.correlation.Copula`)."""

    @property
    def columns(self) -> NDArray[np.int64]: ...

    def among(self, varying: NDArray[np.int64]) -> tuple[UniformCopula, NDArray[np.int64]]: ...

    def apply(self, u: F, positions: NDArray[np.int64] | None = None) -> F: ...

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


# Wichura's algorithm AS 241 (PPND16): Applied Statistics 37(3), 477-484 (1988), the published
# coefficients (https://lib.stat.cmu.edu/apstat/241), lowest power first; accurate to about 1e-16.
_AS241_A = (
    3.3871328727963666080,
    1.3314166789178437745e2,
    1.9715909503065514427e3,
    1.3731693765509461125e4,
    4.5921953931549871457e4,
    6.7265770927008700853e4,
    3.3430575583588128105e4,
    2.5090809287301226727e3,
)
_AS241_B = (
    1.0,
    4.2313330701600911252e1,
    6.8718700749205790830e2,
    5.3941960214247511077e3,
    2.1213794301586595867e4,
    3.9307895800092710610e4,
    2.8729085735721942674e4,
    5.2264952788528545610e3,
)
_AS241_C = (
    1.42343711074968357734,
    4.63033784615654529590,
    5.76949722146069140550,
    3.64784832476320460504,
    1.27045825245236838258,
    2.41780725177450611770e-1,
    2.27238449892691845833e-2,
    7.74545014278341407640e-4,
)
_AS241_D = (
    1.0,
    2.05319162663775882187,
    1.67638483018380384940,
    6.89767334985100004550e-1,
    1.48103976427480074590e-1,
    1.51986665636164571966e-2,
    5.47593808499534494600e-4,
    1.05075007164441684324e-9,
)
_AS241_E = (
    6.65790464350110377720,
    5.46378491116411436990,
    1.78482653991729133580,
    2.96560571828504891230e-1,
    2.65321895265761230930e-2,
    1.24266094738807843860e-3,
    2.71155556874348757815e-5,
    2.01033439929228813265e-7,
)
_AS241_F = (
    1.0,
    5.99832206555887937690e-1,
    1.36929880922735805310e-1,
    1.48753612908506148525e-2,
    7.86869131145613259100e-4,
    1.84631831751005468180e-5,
    1.42151175831644588870e-7,
    2.04426310338993978564e-15,
)


def horner(coefficients: Sequence[float], x: F) -> F:
    """The polynomial with ``coefficients`` (highest power first) at ``x``: np.polyval's arithmetic in
    its order (from 0, then y·x + c for each coefficient), written over one buffer.

    >>> [float(v) for v in horner([2.0, 0.0, 1.0], np.array([0.0, 3.0]))]
    [1.0, 19.0]
    """
    y = np.zeros_like(np.asarray(x, dtype=np.float64))
    for c in coefficients:
        np.multiply(y, x, out=y)
        np.add(y, c, out=y)
    return y


def _ratio(num: Sequence[float], den: Sequence[float], x: F) -> F:
    top = horner(num[::-1], x)
    return np.divide(top, horner(den[::-1], x), out=top)


def _finite_ratio(num: Sequence[float], den: Sequence[float], x: F) -> F:
    """:func:`_ratio` where ``x`` is finite: the same bits with horner's first step, ``0·x + c = c``
    (exact for any finite ``x``), skipped. Elements where ``x`` is not finite get other values, so
    callers overwrite them."""
    top = np.multiply(x, num[-1])
    np.add(top, num[-2], out=top)
    bottom = np.multiply(x, den[-1])
    np.add(bottom, den[-2], out=bottom)
    for a, b in zip(num[-3::-1], den[-3::-1], strict=True):
        np.multiply(top, x, out=top)
        np.add(top, a, out=top)
        np.multiply(bottom, x, out=bottom)
        np.add(bottom, b, out=bottom)
    return np.divide(top, bottom, out=top)


def normal_quantile(p: F) -> F:
    """The standard normal quantile Φ⁻¹(p) for 0 < p < 1, vectorised (Wichura's AS 241, about 1e-16).

    >>> [round(float(z), 12) for z in normal_quantile(np.array([0.05, 0.5, 0.975]))]
    [-1.644853626951, 0.0, 1.95996398454]
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim == 0:
        return normal_quantile(p.reshape(1)).reshape(())
    p = _compact(p)
    q = np.subtract(p, 0.5)
    # the central formula (|q| <= 0.425, about 85% of uniforms) over the whole block, then the tails
    # written over it: each element gets the same operations in the same order as on its own, so the
    # same bits, without gathering and scattering the central ones (a tail's x is finite: its value is
    # discarded, and NaN stays quiet)
    x = np.multiply(q, q)
    np.subtract(0.180625, x, out=x)
    out = _finite_ratio(_AS241_A, _AS241_B, x)
    np.multiply(q, out, out=out)
    flat_q = q.ravel(order="K")  # p, q and out share one layout: these flat views match element by element
    tail = (~(np.abs(flat_q) <= 0.425)).nonzero()[0]  # NaN included: it takes the tail formula, as before
    if tail.size:
        qt = flat_q.take(tail)
        pt = p.ravel(order="K").take(tail)
        lower = qt < 0
        r = np.sqrt(-np.log(select(lower, pt, 1.0 - pt)))
        z = _finite_ratio(_AS241_C, _AS241_D, r - 1.6)  # r <= 5: p above about 1e-11 from 0 or 1
        far = (~(r <= 5.0)).nonzero()[0]
        if far.size:  # the far tails (and NaN, p = 0, p = 1): horner from 0 as before, so NaN where it was
            z[far] = _ratio(_AS241_E, _AS241_F, np.maximum(r[far], 5.0) - 5.0)
        out.ravel(order="K")[tail] = select(lower, -z, z)
    return out


def select(condition: NDArray[np.bool_], if_true: F, if_false: F) -> F:
    """``np.where(condition, if_true, if_false)`` for float64 arrays of one shape and layout, bit for
    bit, chosen by bit masks: np.where branches on every element, and a branch that goes one way or
    the other at random (which side of a mode or of 0 a draw falls) is mispredicted half the time,
    several times the cost of the masks' three whole-array operations.

    >>> select(np.array([True, False]), np.array([1.0, 2.0]), np.array([-0.0, np.inf])).tolist()
    [1.0, inf]
    """
    mask = np.negative(condition.view(np.uint8), dtype=np.int64)  # every bit set where True
    other = if_false.view(np.int64)
    out = np.bitwise_xor(if_true.view(np.int64), other)
    np.bitwise_and(out, mask, out=out)
    np.bitwise_xor(out, other, out=out)
    return out.view(np.float64)


def _compact(a: F) -> F:
    """``a`` itself if contiguous (C or Fortran order), else a contiguous copy in its own axis order:
    the layout numpy gives the results of elementwise operations on ``a`` (and ``empty_like(a)``), so
    that flat views (``ravel(order="K")``) of ``a`` and of those results list the same elements in
    the same order."""
    return a if a.flags.c_contiguous or a.flags.f_contiguous else a.copy(order="K")


BETA_TABLE_POINTS = 8192
"""Intervals of the table from which a Beta-PERT quantile is interpolated (its quantiles are exact to
about 1e-8 of the range; the Beta CDF has no closed-form inverse)."""


@lru_cache(maxsize=256)
def _beta_table(alpha: float, beta: float) -> tuple[F, F]:
    """(CDF, x) of Beta(alpha, beta) on a regular grid of [0, 1], by the trapezoid rule (alpha, beta >= 1)."""
    x = np.linspace(0.0, 1.0, BETA_TABLE_POINTS + 1)
    density = x ** (alpha - 1.0) * (1.0 - x) ** (beta - 1.0)
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (density[1:] + density[:-1]))])
    return cdf / cdf[-1], x


def beta_quantile(u: F, alpha: float, beta: float) -> F:
    """Quantiles of Beta(alpha, beta), alpha, beta >= 1 (PERT's shapes), at probabilities ``u``."""
    cdf, x = _beta_table(float(alpha), float(beta))
    return np.interp(u, cdf, x)


def _triangular_scales(a: F, m: F, b: F) -> tuple[F, F, F]:
    """The triangular inverse CDF's factors from minimum ``a``, mode ``m``, maximum ``b`` (each (k,)):
    the CDF at the mode, (m - a) w and (b - m) w, with w = b - a."""
    width = b - a
    return (m - a) / width, (m - a) * width, (b - m) * width


def _triangular(u: F, a: F, b: F, mode_share: F, left_scale: F, right_scale: F) -> F:
    """Triangular quantiles at ``u`` (n, k) from :func:`_triangular_scales`.

    The arithmetic (and order) of numpy's Generator.triangular, itself an inverse CDF, so draws with a
    given seed are the same as before the uniform block (each step written over two buffers: the same
    operations, in the same order, as a + sqrt(u (m - a) w) left of the mode and
    b - sqrt((1 - u) (b - m) w) right of it).
    """
    left = np.multiply(u, left_scale)
    np.add(a, np.sqrt(left, out=left), out=left)
    right = np.subtract(1.0, u)
    np.multiply(right, right_scale, out=right)
    np.subtract(b, np.sqrt(right, out=right), out=right)
    # u is never NaN: right of the mode is not (u <= mode_share); select, not np.where or copyto(where=),
    # whose per-element branches are mispredicted on a mask that flips at random (choosing the radicand
    # first for one square root instead of two measured slower: two selections)
    return select(np.greater(u, mode_share), right, left)


def quantiles(distribution: str, u: F, low: F, value: F, high: F) -> F:
    """Values of a ranged input at probabilities ``u`` (n, k): the inverse CDF of ``distribution`` with each
    column's ``low``, ``value`` and ``high`` (k,) parameterising it as this module's table says."""
    a, m, b = low, value, high
    if distribution == "triangular":
        return _triangular(u, a, b, *_triangular_scales(a, m, b))
    if distribution == "pert":
        alpha = 1.0 + PERT_LAMBDA * (m - a) / (b - a)
        beta = 1.0 + PERT_LAMBDA * (b - m) / (b - a)
        out = np.empty_like(u)
        for j in range(u.shape[1]):  # one table per ranged input (a few), not per draw
            out[:, j] = a[j] + (b[j] - a[j]) * beta_quantile(u[:, j], alpha[j], beta[j])
        return out
    if distribution == "uniform":
        return a + (b - a) * u
    if distribution == "normal":
        return m + (b - a) / (2.0 * Z95) * normal_quantile(u)
    if distribution == "lognormal":
        sigma = (np.log(b) - np.log(a)) / (2.0 * Z95)
        return np.exp(np.log(m) + sigma * normal_quantile(u))
    raise ValueError(f"unknown distribution {distribution!r}")  # pragma: no cover - checked by the models


BOUNDED = ("triangular", "pert", "uniform")
"""Distributions whose draws lie between ``low`` and ``high`` (to within rounding)."""

CLIP_MARGIN = 1e-9
"""How far inside its bounds a bounded input's range must lie for its draws to be left unclipped.
[fraction of |low| + |high|] (rounding moves a draw by a few 1e-16 of that)"""


def columns_to_clip(
    distributions: NDArray[np.object_], low: F, value: F, high: F, bounds_low: F, bounds_high: F
) -> NDArray[np.int64]:
    """The columns (of K inputs) whose draws might fall outside ``[bounds_low, bounds_high]``: all but
    the constant ones (``low == high``: the ``value``) and those of a :data:`BOUNDED` distribution
    whose range lies inside the bounds by more than :data:`CLIP_MARGIN`. Clipping the others would
    change no draw (not even a -0.0), so :func:`sample` skips it.

    >>> columns_to_clip(np.array(["triangular", "normal", "uniform"], dtype=object), np.array([0.0, 1.0, 0.2]),
    ...                 np.array([0.5, 2.0, 0.5]), np.array([1.0, 3.0, 0.8]), np.zeros(3), np.ones(3) * 5).tolist()
    [0, 1]
    """
    varies = high > low
    first, last = np.where(varies, low, value), np.where(varies, high, value)
    margin = CLIP_MARGIN * (np.abs(first) + np.abs(last))
    bounded = ~varies | np.array([d in BOUNDED for d in distributions], dtype=bool)
    inside = bounded & (bounds_low < first - margin) & (last + margin < bounds_high)  # NaN: not inside
    return np.flatnonzero(~inside)


TILE_BUDGET_BYTES = 8 * 1024 * 1024
"""Largest size of the parameter rows a triangular quantile keeps for a chunk of draws. [bytes]"""


class _TriangularQuantile:
    """:func:`_triangular` with these columns' factors worked out once, and, for the chunk size in use, each
    factor laid out as a whole (n, k) block: an elementwise product with a (k,) row broadcast over n draws
    runs one short inner loop per draw, with an (n, k) block one long loop (the same products, so the
    same bits; a youth-work chunk's 2,570 x 16 quantiles 197 -> 151 us)."""

    def __init__(self, low: F, value: F, high: F) -> None:
        self._factors = (low, high, *_triangular_scales(low, value, high))
        self._tiles: tuple[F, ...] | None = None

    def __call__(self, u: F) -> F:
        if u.ndim != 2 or 5 * u.nbytes > TILE_BUDGET_BYTES:
            return _triangular(u, *self._factors)
        if self._tiles is None or self._tiles[0].shape != u.shape:
            self._tiles = tuple(np.ascontiguousarray(np.broadcast_to(f, u.shape)) for f in self._factors)
        return _triangular(u, *self._tiles)


def _quantile_function(distribution: str, low: F, value: F, high: F) -> Callable[[F], F]:
    """:func:`quantiles` of ``distribution`` with these parameters, as a function of ``u`` alone (the
    triangular factors worked out once)."""
    if distribution == "triangular":
        return _TriangularQuantile(low, value, high)
    return lambda u: quantiles(distribution, u, low, value, high)


class Sampler:
    """:func:`sample` for one set of inputs, with the work that depends only on the inputs done once
    (which inputs vary, the copula among them, each distribution's columns and factors, which columns
    to clip and round): ``Sampler(...).draw(rng, n)`` is ``sample(rng, n, ...)``, bit for bit, for a
    Monte Carlo that draws chunk after chunk. Arguments as :func:`sample`'s."""

    def __init__(
        self,
        low: Sequence[float] | F,
        value: Sequence[float] | F,
        high: Sequence[float] | F,
        distributions: Sequence[str | None],
        *,
        bounds_low: Sequence[float] | F | None = None,
        bounds_high: Sequence[float] | F | None = None,
        integer: Sequence[bool] | NDArray[np.bool_] | None = None,
        copula: UniformCopula | None = None,
    ) -> None:
        lo = np.asarray(low, dtype=np.float64)
        mid = np.asarray(value, dtype=np.float64)
        hi = np.asarray(high, dtype=np.float64)
        k = lo.size
        dist = np.array([d or DEFAULT_DISTRIBUTION for d in distributions], dtype=object)
        varies = np.flatnonzero(hi > lo)
        self._k, self._value, self._ranged = k, mid, varies.size
        self._copula: tuple[UniformCopula, NDArray[np.int64]] | None = None
        if copula is not None and copula.columns.size:
            self._copula = copula.among(varies)  # an input with no width is not drawn, so not correlated
        # every input varies, all with one distribution (the common case): its quantiles are the draws,
        # with no constant columns to fill and no columns to gather or scatter
        self._whole = bool(varies.size == k and k and np.all(dist == dist[0]))
        self._groups: list[tuple[NDArray[np.int64], NDArray[np.int64], Callable[[F], F]]] = []
        if self._whole:
            self._groups.append((varies, varies, _quantile_function(str(dist[0]), lo, mid, hi)))
        else:
            for name in DISTRIBUTIONS:
                sel = np.flatnonzero(dist[varies] == name)  # columns of the uniforms
                if sel.size:
                    cols = varies[sel]  # columns of the draws
                    self._groups.append((sel, cols, _quantile_function(name, lo[cols], mid[cols], hi[cols])))
        self._clip: tuple[F | float, F | float, NDArray[np.int64] | None] | None = None
        if bounds_low is not None or bounds_high is not None:
            blo = -np.inf if bounds_low is None else np.asarray(bounds_low, dtype=np.float64)
            bhi = np.inf if bounds_high is None else np.asarray(bounds_high, dtype=np.float64)
            if np.ndim(blo) > 1 or np.ndim(bhi) > 1:
                self._clip = (blo, bhi, None)
            else:  # only the columns that might leave their bounds (a clip of the others changes nothing)
                blo, bhi = np.broadcast_to(blo, (k,)), np.broadcast_to(bhi, (k,))
                cols = columns_to_clip(dist, lo, mid, hi, blo, bhi)
                self._clip = (blo, bhi, None) if cols.size == k else (blo[cols], bhi[cols], cols)
        whole_numbers = np.zeros(k, dtype=bool) if integer is None else np.asarray(integer, dtype=bool)
        self._whole_numbers = np.flatnonzero(whole_numbers & (hi > lo))

    def draw(self, rng: np.random.Generator, n: int) -> F:
        """(n, K) draws: the next block of uniforms from ``rng`` through each input's inverse CDF."""
        # strictly inside (0, 1): a uniform of exactly 0 would be an infinite normal quantile
        u = rng.random((n, self._ranged))
        if u.size and not u.min() >= 2.0**-54:  # only an exact 0 is below (else flooring changes nothing)
            np.maximum(u, 2.0**-54, out=u)
        if self._copula is not None:
            cop, positions = self._copula
            cop.apply(u, positions)
        if self._whole:
            out = self._groups[0][2](u)  # a fresh (n, k) array
        else:
            out = np.empty((n, self._k), dtype=np.float64)
            out[:] = self._value
            for sel, cols, quantile in self._groups:
                out[:, cols] = quantile(u[:, sel])
        if self._clip is not None:
            blo, bhi, clip_cols = self._clip
            overflowed = ~np.isfinite(out)  # never clipped into range: left NaN for the caller to report
            if clip_cols is None:
                np.clip(out, blo, bhi, out=out)
            elif clip_cols.size:
                out[:, clip_cols] = np.clip(out[:, clip_cols], blo, bhi)
            if overflowed.any():
                out[overflowed] = np.nan
        if self._whole_numbers.size:
            out[:, self._whole_numbers] = np.rint(out[:, self._whole_numbers])
        return out


def sample(
    rng: np.random.Generator,
    n: int,
    low: Sequence[float] | F,
    value: Sequence[float] | F,
    high: Sequence[float] | F,
    distributions: Sequence[str | None],
    *,
    bounds_low: Sequence[float] | F | None = None,
    bounds_high: Sequence[float] | F | None = None,
    integer: Sequence[bool] | NDArray[np.bool_] | None = None,
    copula: UniformCopula | None = None,
) -> F:
    """Draw ``n`` values of each of K inputs: an array of shape (n, K), vectorised by distribution.

    Every ranged input of every draw comes from one block of uniforms (one call of the generator, one
    column per ranged input in input order) through its distribution's inverse CDF; a ``copula``
    (:mod:`costmodel.inputs.correlation`) correlates some columns of that block, so each input keeps
    its own distribution. Inputs with zero width
    (``low == high``) are the constant ``value``. Draws are clipped to ``[bounds_low, bounds_high]``
    (each input's allowed range) and rounded where ``integer``. The same seed gives the same draws.
    """
    sampler = Sampler(
        low, value, high, distributions, bounds_low=bounds_low, bounds_high=bounds_high, integer=integer, copula=copula
    )
    return sampler.draw(rng, n)
