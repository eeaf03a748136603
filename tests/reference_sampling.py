"""The sampling formulas exactly as they were before issue 9's faster sampling (commit 4f67eec), kept
to prove that the faster code gives the same bits (tests/test_sampling_bits.py) and to time old against
new in one run (benchmarks/bench_draws.py). Not used by costmodel itself: do not edit, except to delete
it with its test once nobody needs the comparison."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from costmodel.inputs.distributions import (
    DEFAULT_DISTRIBUTION,
    DISTRIBUTIONS,
    PERT_LAMBDA,
    Z95,
    beta_quantile,
)

F = NDArray[np.float64]

UNIFORM_FLOOR = 2.0**-54


def copula_apply(cop, u: F, positions: NDArray[np.int64] | None = None) -> F:
    """``Copula.apply`` as it was."""
    cols = cop.columns if positions is None else positions
    if cols.size:
        z = np.einsum("nk,jk->nj", normal_quantile(np.maximum(u[:, cols], UNIFORM_FLOOR)), cop.factor)
        u[:, cols] = np.clip(normal_cdf(z), UNIFORM_FLOOR, 1.0 - 2.0**-53)
    return u


def copula_among(cop, varying):
    """``Copula.among`` as it was."""
    from costmodel.inputs.correlation import Copula, semidefinite_cholesky

    keep = np.isin(cop.columns, varying)
    if keep.all():
        return cop, np.searchsorted(varying, cop.columns)
    sub = cop.matrix[np.ix_(keep, keep)]
    cols = cop.columns[keep]
    return Copula(cols, semidefinite_cholesky(sub), sub), np.searchsorted(varying, cols)


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


def normal_quantile(p: F) -> F:
    """The standard normal quantile Φ⁻¹(p) for 0 < p < 1, vectorised (Wichura's AS 241, about 1e-16).

    >>> [round(float(z), 12) for z in normal_quantile(np.array([0.05, 0.5, 0.975]))]
    [-1.644853626951, 0.0, 1.95996398454]
    """
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    out = np.empty_like(p)
    central = np.abs(q) <= 0.425
    qc = q[central]
    out[central] = qc * _ratio(_AS241_A, _AS241_B, 0.180625 - qc * qc)
    tail = ~central
    if tail.any():
        qt = q[tail]
        r = np.sqrt(-np.log(np.where(qt < 0, p[tail], 1.0 - p[tail])))
        z = np.where(
            r <= 5.0,
            _ratio(_AS241_C, _AS241_D, r - 1.6),
            _ratio(_AS241_E, _AS241_F, np.maximum(r, 5.0) - 5.0),
        )
        out[tail] = np.where(qt < 0, -z, z)
    return out


# W. J. Cody, "Rational Chebyshev approximations for the error function", Mathematics of
# Computation 23 (1969) 631-637; coefficients of the netlib SPECFUN routine CALERF
# (https://www.netlib.org/specfun/erf), lowest power first as there; erfc to about 1e-16.
_CODY_A = (3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947,
           0.185777706184603153)  # fmt: skip
_CODY_B = (23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062)
_CODY_C = (0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131,
           881.95222124176909, 1712.04761263407058, 2051.07837782607147, 1230.33935479799725,
           2.15311535474403846e-8)  # fmt: skip
_CODY_D = (15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019,
           3290.79923573345963, 4362.61909014324716, 3439.36767414372164, 1230.33935480374942)  # fmt: skip
_CODY_P = (0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766,
           6.58749161529837803e-4, 0.0163153871373020978)  # fmt: skip
_CODY_Q = (2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191,
           0.00233520497626869185)  # fmt: skip
_SQRT_PI_INV = 0.56418958354775628695  # 1/√π


def _scaled_exp(y: F, r: F) -> F:
    """``exp(-y²)·r`` with y² split as Cody does (y rounded down to 1/16 first) to keep precision."""
    ysq = np.trunc(y * 16.0) / 16.0
    return np.exp(-ysq * ysq) * np.exp(-(y - ysq) * (y + ysq)) * r


def _cody_loop(num: F, t: F, a: Sequence[float], b: Sequence[float], steps: int) -> tuple[F, F]:
    """Cody's numerator and denominator loops, ``num = (num + a[i]) t`` and ``den = (den + b[i]) t`` from
    ``den = t``, in that order, written over two buffers (``num`` must be a fresh array)."""
    den = np.add(t, b[0], out=np.empty_like(t))
    np.multiply(den, t, out=den)
    np.add(num, a[0], out=num)
    np.multiply(num, t, out=num)
    for i in range(1, steps):
        np.add(num, a[i], out=num)
        np.multiply(num, t, out=num)
        np.add(den, b[i], out=den)
        np.multiply(den, t, out=den)
    return num, den


def erfc(x: F) -> F:
    """The complementary error function, vectorised (Cody's CALERF; about 1e-16 relative).

    >>> [round(float(v), 15) for v in erfc(np.array([-1.0, 0.0, 0.5, 3.0]))]
    [1.842700792949715, 1.0, 0.479500122186953, 2.2090496999e-05]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.abs(x)
    out = np.full_like(x, np.nan)  # NaN stays NaN (no branch below takes it), never uninitialised memory
    small = y <= 0.46875
    mid = (y > 0.46875) & (y <= 4.0)
    big = (y > 4.0) & (y < 26.543)
    tail = y >= 26.543  # erfc underflows below the smallest double (infinity included)
    out[tail] = np.where(x[tail] < 0, 2.0, 0.0)
    if small.any():
        xs = x[small]
        ysq = np.where(np.abs(xs) > 1.11e-16, xs * xs, 0.0)
        num, den = _cody_loop(_CODY_A[4] * ysq, ysq, _CODY_A, _CODY_B, 3)
        out[small] = 1.0 - xs * (num + _CODY_A[3]) / (den + _CODY_B[3])
    if mid.any():
        ym = y[mid]
        num, den = _cody_loop(_CODY_C[8] * ym, ym, _CODY_C, _CODY_D, 7)
        res = _scaled_exp(ym, (num + _CODY_C[7]) / (den + _CODY_D[7]))
        out[mid] = np.where(x[mid] < 0, 2.0 - res, res)
    if big.any():
        yb = y[big]
        inv = 1.0 / (yb * yb)
        num, den = _cody_loop(_CODY_P[5] * inv, inv, _CODY_P, _CODY_Q, 4)
        res = inv * (num + _CODY_P[4]) / (den + _CODY_Q[4])
        res = _scaled_exp(yb, (_SQRT_PI_INV - res) / yb)
        out[big] = np.where(x[big] < 0, 2.0 - res, res)
    return out


def normal_cdf(z: F) -> F:
    """The standard normal distribution function Φ(z) = erfc(-z/√2)/2, vectorised.

    >>> [round(float(v), 12) for v in normal_cdf(np.array([-1.6448536269514722, 0.0, 1.959963984540054]))]
    [0.05, 0.5, 0.975]
    """
    return 0.5 * erfc(-np.asarray(z, dtype=np.float64) / math.sqrt(2.0))


def quantiles(distribution: str, u: F, low: F, value: F, high: F) -> F:
    """Values of a ranged input at probabilities ``u`` (n, k): the inverse CDF of ``distribution`` with each
    column's ``low``, ``value`` and ``high`` (k,) parameterising it as this module's table says."""
    a, m, b = low, value, high
    if distribution == "triangular":
        # the arithmetic (and order) of numpy's Generator.triangular, itself an inverse CDF, so draws
        # with a given seed are the same as before the uniform block
        # (each step written over two buffers: the same operations, in the same order, as
        # a + sqrt(u (m - a) w) left of the mode and b - sqrt((1 - u) (b - m) w) right of it)
        width = b - a
        mode_share = (m - a) / width  # the CDF at the mode
        left = np.multiply(u, (m - a) * width)
        np.add(a, np.sqrt(left, out=left), out=left)
        right = np.subtract(1.0, u)
        np.multiply(right, (b - m) * width, out=right)
        np.subtract(b, np.sqrt(right, out=right), out=right)
        np.copyto(left, right, where=np.greater(u, mode_share))  # u is never NaN: not (u <= mode_share)
        return left
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
    copula=None,
) -> F:
    """Draw ``n`` values of each of K inputs: an array of shape (n, K), vectorised by distribution.

    Every ranged input of every draw comes from one block of uniforms (one call of the generator, one
    column per ranged input in input order) through its distribution's inverse CDF; a ``copula``
    (:mod:`costmodel.inputs.correlation`) correlates some columns of that block, so each input keeps
    its own distribution. Inputs with zero width
    (``low == high``) are the constant ``value``. Draws are clipped to ``[bounds_low, bounds_high]``
    (each input's allowed range) and rounded where ``integer``. The same seed gives the same draws.
    """
    lo = np.asarray(low, dtype=np.float64)
    mid = np.asarray(value, dtype=np.float64)
    hi = np.asarray(high, dtype=np.float64)
    k = lo.size
    dist = np.array([d or DEFAULT_DISTRIBUTION for d in distributions], dtype=object)
    varies = np.flatnonzero(hi > lo)
    # strictly inside (0, 1): a uniform of exactly 0 would be an infinite normal quantile
    u = rng.random((n, varies.size))
    np.maximum(u, 2.0**-54, out=u)
    if copula is not None and copula.columns.size:
        among, positions = copula_among(copula, varies)
        copula_apply(among, u, positions)
    if varies.size == k and k and np.all(dist == dist[0]):
        # every input varies, all with one distribution (the common case): its quantiles are the draws,
        # with no constant columns to fill and no columns to gather or scatter
        out = quantiles(str(dist[0]), u, lo, mid, hi)  # a fresh (n, k) array
    else:
        out = np.empty((n, k), dtype=np.float64)
        out[:] = mid
        for name in DISTRIBUTIONS:
            sel = np.flatnonzero(dist[varies] == name)
            if sel.size:
                cols = varies[sel]
                out[:, cols] = quantiles(name, u[:, sel], lo[cols], mid[cols], hi[cols])
    if bounds_low is not None or bounds_high is not None:
        blo = -np.inf if bounds_low is None else np.asarray(bounds_low, dtype=np.float64)
        bhi = np.inf if bounds_high is None else np.asarray(bounds_high, dtype=np.float64)
        overflowed = ~np.isfinite(out)  # never clipped into range: left NaN for the caller to report
        np.clip(out, blo, bhi, out=out)
        if overflowed.any():
            out[overflowed] = np.nan
    if integer is not None:
        cols = np.flatnonzero(np.asarray(integer, dtype=bool) & (hi > lo))
        if cols.size:
            out[:, cols] = np.rint(out[:, cols])
    return out
