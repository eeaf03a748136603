"""Correlated draws of ranged inputs: a Gaussian copula on the one block of uniforms.

Each ranged input is drawn by its own inverse CDF from a column of uniforms
(:func:`costmodel.inputs.distributions.sample`). Correlations act on those uniforms only, so every
input keeps its own distribution (its marginal):

1. normal scores ``z = Φ⁻¹(u)`` of the correlated columns (independent standard normals);
2. ``z' = z Lᵀ`` with ``L Lᵀ = R``, the normal-score correlation matrix (a Cholesky factor that
   also accepts a singular, positive semi-definite ``R``, so ρ = 1 is allowed);
3. ``u' = Φ(z')``, which each input's inverse CDF turns into its draw.

The file declares **rank** (Spearman) correlations, because they survive any monotone change of
scale: the inverse CDFs keep them. For normal scores with correlation ``r`` the rank correlation is
``ρ = (6/π)·arcsin(r/2)`` (Pearson 1907; Kruskal 1958), so each declared ρ becomes
``r = 2·sin(π·ρ/6)`` (:func:`normal_score_correlation`) and the draws' rank correlation is the declared
one, whatever the marginals. Columns with no declared correlation are left untouched (with ρ = 0
everywhere the draws are bit-for-bit those of independent sampling).

A correlation matrix must be positive semi-definite: :func:`matrix_problem` says which declared pairs
cannot hold together and what range would make the tightest three-way inconsistency hold.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from .distributions import _compact, normal_quantile, select

F = NDArray[np.float64]

PSD_TOLERANCE = 1e-10
"""Smallest eigenvalue accepted as zero in a correlation matrix (rounding of 2·sin(π·ρ/6))."""

UNIFORM_FLOOR = 2.0**-54
"""Uniforms are kept strictly inside (0, 1): a uniform of 0 or 1 is an infinite normal quantile."""


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
    if x.ndim == 0:
        return erfc(x.reshape(1)).reshape(())
    x = _compact(x)
    out = np.empty_like(x)
    flat = x.ravel(order="K")  # x and out share one layout: their flat views match element by element
    flat_out = out.ravel(order="K")
    y = np.abs(flat)
    # each branch on its elements, gathered by index (cheaper than by boolean mask); a normal score
    # falls in the first two, so the last two (and NaN) are looked for only when some element is left
    small = (y <= 0.46875).nonzero()[0]
    mid = ((y > 0.46875) & (y <= 4.0)).nonzero()[0]
    if small.size:
        xs = flat.take(small)
        ysq = np.where(np.abs(xs) > 1.11e-16, xs * xs, 0.0)
        num, den = _cody_loop(_CODY_A[4] * ysq, ysq, _CODY_A, _CODY_B, 3)
        flat_out[small] = 1.0 - xs * (num + _CODY_A[3]) / (den + _CODY_B[3])
    if mid.size:
        ym = y.take(mid)
        num, den = _cody_loop(_CODY_C[8] * ym, ym, _CODY_C, _CODY_D, 7)
        res = _scaled_exp(ym, (num + _CODY_C[7]) / (den + _CODY_D[7]))
        flat_out[mid] = select(flat.take(mid) < 0, 2.0 - res, res)
    if small.size + mid.size < flat.size:
        rest = (~(y <= 4.0)).nonzero()[0]
        flat_out[rest] = _erfc_far(flat.take(rest), y.take(rest))
    return out


def _erfc_far(x: F, y: F) -> F:
    """erfc for ``|x| = y > 4`` (and NaN, which stays NaN)."""
    out = np.full_like(x, np.nan)  # NaN stays NaN (no branch below takes it), never uninitialised memory
    big = (y > 4.0) & (y < 26.543)
    tail = y >= 26.543  # erfc underflows below the smallest double (infinity included)
    out[tail] = np.where(x[tail] < 0, 2.0, 0.0)
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


def normal_score_correlation(rank: F | float) -> F:
    """The correlation of normal scores whose rank (Spearman) correlation is ``rank``: 2·sin(π·ρ/6).

    >>> [round(float(r), 6) for r in normal_score_correlation(np.array([0.0, 0.5, 1.0, -1.0]))]
    [0.0, 0.517638, 1.0, -1.0]
    """
    rho = np.asarray(rank, dtype=np.float64)
    # ±1 exactly (2·sin(π/6) is 0.9999999999999999 in floating point): lockstep is lockstep
    return np.where(np.abs(rho) == 1.0, rho, 2.0 * np.sin(np.pi * rho / 6.0))


def rank_correlation_of(normal_score: F | float) -> F:
    """The inverse of :func:`normal_score_correlation`: (6/π)·arcsin(r/2)."""
    return 6.0 / np.pi * np.arcsin(np.clip(np.asarray(normal_score, dtype=np.float64), -1.0, 1.0) / 2.0)


def semidefinite_cholesky(r: F) -> F:
    """Lower-triangular ``L`` with ``L Lᵀ = r`` for a positive semi-definite ``r`` (K, K).

    Unlike ``numpy.linalg.cholesky`` a zero pivot (ρ = ±1 somewhere) is accepted: that column's
    entries below it are zero. With ρ = 1 between inputs 0 and 1, ``L = [[1, 0], [1, 0]]`` exactly, so
    both take the first input's normal score bit for bit. A loop over the K inputs, not over draws.
    """
    k = r.shape[0]
    low = np.zeros((k, k))
    for j in range(k):
        d = r[j, j] - low[j, :j] @ low[j, :j]
        pivot = math.sqrt(d) if d > PSD_TOLERANCE else 0.0
        low[j, j] = pivot
        if pivot > 0.0:
            low[j + 1 :, j] = (r[j + 1 :, j] - low[j + 1 :, :j] @ low[j, :j]) / pivot
    return low


@dataclass(frozen=True, eq=False)
class Copula:
    """The Gaussian copula of some columns of the uniform block: which columns, and the factor."""

    columns: NDArray[np.int64]  # (M,) columns of the K inputs that are correlated with another
    factor: F  # (M, M) lower-triangular, factor @ factor.T = the normal-score correlation matrix
    matrix: F  # (M, M) the normal-score correlation matrix

    def among(self, varying: NDArray[np.int64]) -> tuple[Copula, NDArray[np.int64]]:
        """This copula restricted to the columns in ``varying`` (sorted column numbers of the inputs
        that have a width), and where those columns sit in ``varying``."""
        positions = np.searchsorted(varying, self.columns)  # where each column is, or would be, in varying
        keep = varying[np.minimum(positions, varying.size - 1)] == self.columns if varying.size else positions < 0
        if keep.all():
            return self, positions
        sub = self.matrix[np.ix_(keep, keep)]
        return Copula(self.columns[keep], semidefinite_cholesky(sub), sub), positions[keep]

    def apply(self, u: F, positions: NDArray[np.int64] | None = None) -> F:
        """Correlated uniforms: ``u`` (n, K) with its correlated columns (``columns``, or where they
        sit in ``u``: ``positions``) replaced, in place. Returns ``u``."""
        cols = self.columns if positions is None else positions
        if cols.size:
            scores = u[:, cols]
            if scores.size and not scores.min() >= UNIFORM_FLOOR:  # (else flooring changes nothing; NaN: floor)
                np.maximum(scores, UNIFORM_FLOOR, out=scores)
            # einsum, not BLAS: a (n × M) by (M × M) product is too small to gain from BLAS threads, whose
            # wake-ups on a shared machine cost more than the product; and it is the same on any BLAS.
            # The order of its sums depends on its operands' memory layout (the gathered columns are
            # Fortran-ordered when they are all of u's): Φ⁻¹ keeps its input's layout, so the bits stay
            z = np.einsum("nk,jk->nj", normal_quantile(scores), self.factor)
            shared = self._shared_scores
            if shared is None:
                u[:, cols] = np.clip(normal_cdf(z), UNIFORM_FLOOR, 1.0 - 2.0**-53)
            else:  # Φ once per distinct score column (elementwise: the same bits as over every column)
                distinct, source = shared
                u[:, cols] = np.clip(normal_cdf(z[:, distinct]), UNIFORM_FLOOR, 1.0 - 2.0**-53)[:, source]
        return u

    @cached_property
    def _shared_scores(self) -> tuple[NDArray[np.int64], NDArray[np.int64]] | None:
        """Correlated columns that get the same normal score bit for bit, so one Φ serves them all: each
        column whose factor row is a unit vector (a single 1.0, the rest 0.0) takes input i's score x
        exactly (1·x plus products 0·y of finite scores, ±0.0, which leave x as it is, and Φ(±0.0) is 0.5
        either way), as an input declared in lockstep (ρ = 1) with input i does. Returns (the columns
        whose Φ is worked out, which of them each column takes), or None when no two columns share."""
        f = self.factor
        unit = (np.count_nonzero(f, axis=1) == 1) & np.any(f == 1.0, axis=1)
        key = np.where(unit, np.argmax(f != 0.0, axis=1), -1 - np.arange(f.shape[0]))  # other rows: their own
        _, distinct, source = np.unique(key, return_index=True, return_inverse=True)
        if distinct.size == f.shape[0]:
            return None
        return distinct.astype(np.int64), source.astype(np.int64).reshape(-1)


def copula(rank_matrix: F) -> Copula:
    """The :class:`Copula` of a (K, K) rank-correlation matrix (1 on the diagonal). Inputs with no
    correlation off the diagonal are left out (their uniforms are used as drawn)."""
    rank_matrix = np.asarray(rank_matrix, dtype=np.float64)
    off = rank_matrix - np.diag(np.diag(rank_matrix))
    columns = np.flatnonzero(np.any(off != 0.0, axis=1)).astype(np.int64)
    r = normal_score_correlation(rank_matrix[np.ix_(columns, columns)])
    np.fill_diagonal(r, 1.0)
    return Copula(columns, semidefinite_cholesky(r), r)


# ---------------------------------------------------------------------------------------------
# Checking a declared matrix
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixProblem:
    """Why declared rank correlations cannot all hold. ``pairs`` are (i, j) index pairs involved;
    ``fix`` is the pair whose declared value to change and ``allowed`` its feasible (low, high) range
    given the other two pairs of its triple (None when no single triple is inconsistent)."""

    pairs: tuple[tuple[int, int], ...]
    smallest_eigenvalue: float
    fix: tuple[int, int] | None = None
    allowed: tuple[float, float] | None = None


def pair_range(r_ab: float, r_ac: float) -> tuple[float, float]:
    """The normal-score correlations of b and c consistent with a~b = ``r_ab`` and a~c = ``r_ac``:
    r_ab·r_ac ± √((1 − r_ab²)(1 − r_ac²)), the range where the 3×3 matrix is semi-definite."""
    spread = math.sqrt(max(0.0, (1.0 - r_ab * r_ab) * (1.0 - r_ac * r_ac)))
    return r_ab * r_ac - spread, r_ab * r_ac + spread


def matrix_problem(rank_matrix: F, order: Sequence[tuple[int, int]] = ()) -> MatrixProblem | None:
    """None when the rank correlations ``rank_matrix`` (K, K) give a positive semi-definite
    normal-score matrix; else which pairs cannot hold together.

    ``order`` lists the declared pairs in the file's order: the first three-way inconsistency found
    names the last-declared pair of its triple as the one to change, with the range that would fit.
    """
    rank_matrix = np.asarray(rank_matrix, dtype=np.float64)
    r = normal_score_correlation(rank_matrix)
    np.fill_diagonal(r, 1.0)
    eig = np.linalg.eigvalsh(r)
    if eig[0] >= -PSD_TOLERANCE:
        return None
    rank_of = {tuple(sorted(p)): n for n, p in enumerate(order)}
    k = r.shape[0]
    best: tuple[int, MatrixProblem] | None = None
    for a, b, c in combinations(range(k), 3):  # validation only: a few inputs, not draws
        sub = r[np.ix_((a, b, c), (a, b, c))]
        if np.linalg.eigvalsh(sub)[0] >= -PSD_TOLERANCE:
            continue
        pairs = ((a, b), (a, c), (b, c))
        undeclared = [p for p in pairs if p not in rank_of]
        last = undeclared[0] if undeclared else max(pairs, key=lambda p: rank_of[p])
        x, y = last
        (z,) = {a, b, c} - {x, y}
        lo, hi = pair_range(float(r[z, x]), float(r[z, y]))
        allowed = (float(rank_correlation_of(lo)), float(rank_correlation_of(hi)))
        key = max((rank_of.get(p, -1) for p in pairs), default=-1)
        problem = MatrixProblem(pairs, float(np.linalg.eigvalsh(sub)[0]), last, allowed)
        if best is None or key < best[0]:
            best = (key, problem)
    if best is not None:
        return best[1]
    # no three inputs are inconsistent on their own: name the inputs the offending direction weighs on
    _, vectors = np.linalg.eigh(r)
    weight = np.abs(vectors[:, 0])
    involved = sorted(np.flatnonzero(weight >= 0.25 * weight.max()).tolist())
    listed = tuple((i, j) for i, j in combinations(involved, 2) if rank_matrix[i, j] != 0.0)
    return MatrixProblem(listed, float(eig[0]))


class Declared(Protocol):
    """A declared correlation (:class:`costmodel.inputs.models.Correlation`)."""

    @property
    def rank_correlation(self) -> float: ...

    @property
    def inputs(self) -> list[str]: ...


def declared_rank_matrix(correlations: Sequence[Declared], ids: Sequence[str], varies: Sequence[bool]) -> F:
    """The (K, K) rank-correlation matrix of inputs ``ids`` from a proposal's ``correlations`` (each with
    ``inputs`` and ``rank_correlation``; a group sets every pair). Inputs that do not vary (``varies``
    False) and paths not among ``ids`` are left uncorrelated. Identity when nothing is declared."""
    index = {name: k for k, name in enumerate(ids) if varies[k]}
    matrix = np.eye(len(ids))
    for corr in correlations:
        names = [n.removesuffix(".value") for n in corr.inputs]
        rho = float(corr.rank_correlation)
        cols = [index[n] for n in names if n in index]
        for a, b in combinations(cols, 2):
            if a != b:
                matrix[a, b] = matrix[b, a] = rho
    return matrix


@dataclass(frozen=True)
class Renamed:
    """A declared correlation with its inputs renamed (e.g. to keys that also name the proposal file, when
    several proposals share one block of uniforms)."""

    inputs: list[str]
    rank_correlation: float


def renamed(correlations: Sequence[Declared], key: Callable[[str], str]) -> list[Renamed]:
    """``correlations`` with every input path ``p`` renamed ``key(p)`` (a trailing ``.value`` dropped first)."""
    return [Renamed([key(n.removesuffix(".value")) for n in c.inputs], float(c.rank_correlation)) for c in correlations]
