"""The faster sampling gives the same bits as the formulas it replaced (issue 9: speed must not move a
figure).

The old formulas are kept verbatim in ``tests/reference_sampling.py``; every comparison here is bit for
bit (the float64 bit patterns, so -0.0 against 0.0 and NaN's sign count) and layout for layout (an
einsum's sums depend on it), over random inputs, each branch's edges and the neighbouring doubles, the
tails, NaN, infinities, 0 and 1, the 2**-54 floor, shapes (0-d, 2-d, 3-d, empty) and memory layouts,
the copula and its restriction to the inputs that vary, every distribution's quantiles, bounds at and
near each range, and whole draws of ``sample`` and of a ``Sampler`` drawing chunk after chunk, with
and without a copula (Hypothesis for the parameters); ``select`` against ``np.where`` (Hypothesis).
Where the old code raised no floating-point warning the new one raises none either.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from costmodel.inputs import correlation as new_corr
from costmodel.inputs import distributions as new_dist
from costmodel.inputs.correlation import copula

from . import reference_sampling as old

FLOOR = 2.0**-54
TOP = 1.0 - 2.0**-53  # the largest uniform below 1


def same_bits(a: object, b: object) -> bool:
    """Same type, shape, memory layout (strides: what comes next, e.g. an einsum, may depend on it) and
    float64 bit patterns."""
    if type(a) is not type(b):
        return False
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return (
        x.shape == y.shape
        and x.strides == y.strides
        and bool(np.array_equal(x.view(np.uint64), y.view(np.uint64)))
    )


def neighbours(points: list[float]) -> np.ndarray:
    """Each point with the doubles either side of it."""
    p = np.array(points, dtype=np.float64)
    return np.concatenate([p, np.nextafter(p, -np.inf), np.nextafter(p, np.inf)])


SPECIAL = np.array([0.0, -0.0, 1.0, -1.0, np.nan, -np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1e300, -1e300])


def uniforms_hard() -> np.ndarray:
    """Uniforms where Φ⁻¹'s branches meet and in its tails (|q| = 0.425; r = 5, i.e. p = exp(-25))."""
    rng = np.random.default_rng(2026)
    r5 = float(np.exp(-25.0))
    return np.concatenate(
        [
            rng.random(50_000),
            np.exp(-rng.random(5_000) * 745.0),  # down to the smallest subnormal
            1.0 - np.exp(-rng.random(5_000) * 37.0),  # up to the largest double below 1
            neighbours([0.075, 0.925, 0.5, r5, 1.0 - r5, FLOOR, TOP, 2.0**-53, 0.5 + 2.0**-53]),
            SPECIAL,
            np.array([2.0, -3.0, 1e-320]),
        ]
    )


def scores_hard() -> np.ndarray:
    """Normal scores and erfc arguments across erfc's branches (|x| = 0.46875, 4, 26.543) and beyond."""
    rng = np.random.default_rng(13)
    cuts = [0.46875, 4.0, 26.543, 1.11e-16]
    magnitudes = 10.0 ** rng.uniform(-320.0, 300.0, 5_000)
    return np.concatenate(
        [
            rng.standard_normal(50_000),
            rng.standard_normal(5_000) * 12.0,
            magnitudes,
            -magnitudes,
            neighbours(cuts),
            -neighbours(cuts),
            SPECIAL,
        ]
    )


def quiet(fn, *args):  # type: ignore[no-untyped-def]
    with np.errstate(all="ignore"):
        return fn(*args)


def test_normal_quantile_same_bits_everywhere():
    p = uniforms_hard()
    assert same_bits(quiet(new_dist.normal_quantile, p), quiet(old.normal_quantile, p))


def test_erfc_and_normal_cdf_same_bits_everywhere():
    x = scores_hard()
    assert same_bits(new_corr.erfc(x), old.erfc(x))
    assert same_bits(new_corr.normal_cdf(x), old.normal_cdf(x))


@pytest.mark.parametrize(
    "value",
    [0.3, np.float64(0.01), np.array(0.975), np.array([[0.01, 0.5], [0.99, 1e-20]]), np.array([]), [0.2, 0.9]],
)
def test_same_types_and_shapes(value):
    """0-d, nested, empty and list inputs come back as they did (type and shape)."""
    assert same_bits(new_dist.normal_quantile(value), old.normal_quantile(value))
    assert same_bits(new_corr.erfc(value), old.erfc(value))
    assert same_bits(new_corr.normal_cdf(value), old.normal_cdf(value))


def layouts(block: np.ndarray) -> list[np.ndarray]:
    """``block`` (2-d) in C and Fortran order, sliced, reversed, gathered by columns, and 3-d."""
    c = np.ascontiguousarray(block[: block.shape[0] // 12 * 12])
    return [
        c,
        np.asfortranarray(c),
        c[::2],
        c[:, ::-1],
        c[::-3, 1:],
        c[:, [0, 2, 1]],  # fancy indexing: Fortran order
        c.reshape(-1, 3, c.shape[1]).transpose(1, 2, 0),
        c[:1],
        c[:, :1],
    ]


@pytest.mark.parametrize("k", range(9))
def test_every_layout_same_bits_and_layout(k):
    """Non-contiguous, Fortran-ordered and other layouts give the same bits in the same layout as
    before (a copula's columns gathered by index are Fortran-ordered, and the einsum after Φ⁻¹ sums in
    an order that depends on its input's layout)."""
    p = layouts(uniforms_hard()[: 60_000].reshape(-1, 6))[k]
    x = layouts(scores_hard()[: 60_000].reshape(-1, 6))[k]
    assert same_bits(quiet(new_dist.normal_quantile, p), quiet(old.normal_quantile, p))
    assert same_bits(new_corr.erfc(x), old.erfc(x))
    assert same_bits(new_corr.normal_cdf(x), old.normal_cdf(x))


def test_no_new_warnings_where_there_were_none():
    """Valid uniforms (the 2**-54 floor to the largest double below 1, and NaN) and any erfc argument:
    no floating-point warning from the new code (the old code raised none on them)."""
    p = uniforms_hard()
    valid = p[np.isnan(p) | ((p >= FLOOR) & (p <= TOP))]
    x = scores_hard()
    with warnings.catch_warnings(), np.errstate(all="raise", under="ignore"):  # underflow: numpy is silent
        warnings.simplefilter("error")
        old.normal_quantile(valid), old.erfc(x)  # the premise: the old code is quiet here
        new_dist.normal_quantile(valid), new_corr.erfc(x), new_corr.normal_cdf(x)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, st.integers(0, 40), elements=st.floats(allow_nan=True, allow_infinity=True)))
def test_any_doubles_same_bits(values):
    assert same_bits(quiet(new_dist.normal_quantile, values), quiet(old.normal_quantile, values))
    assert same_bits(new_corr.erfc(values), old.erfc(values))
    assert same_bits(new_corr.normal_cdf(values), old.normal_cdf(values))


def rank_matrix(k: int, rho: float, pairs: list[tuple[int, int]]) -> np.ndarray:
    m = np.eye(k)
    for a, b in pairs:
        m[a, b] = m[b, a] = rho
    return m


@pytest.mark.parametrize("rho", [0.3, -0.6, 1.0, -1.0])
def test_copula_apply_same_bits(rho):
    cop = copula(rank_matrix(6, rho, [(0, 2), (2, 5), (3, 4)]))
    u = np.random.default_rng(7).random((3_000, 6))
    u[:5] = [[0.0, TOP, FLOOR, 0.5, 1e-300, 0.075]] * 5  # 0 is floored, as before
    assert same_bits(cop.apply(u.copy()), old.copula_apply(cop, u.copy()))
    u[7, 2] = np.nan  # NaN stays NaN, where it was
    assert same_bits(cop.apply(u.copy()), old.copula_apply(cop, u.copy()))
    no_zero = np.maximum(u[8:], FLOOR)  # nothing to floor
    assert same_bits(cop.apply(no_zero.copy()), old.copula_apply(cop, no_zero.copy()))
    assert same_bits(cop.apply(u[:0].copy()), old.copula_apply(cop, u[:0].copy()))  # no draws


@pytest.mark.parametrize("varying", [[0, 2, 3, 5], [0, 1, 2, 3, 4, 5], [2, 5], [1, 4], [], [0, 2, 5, 9]])
def test_copula_among_as_before(varying):
    cop = copula(rank_matrix(6, 0.3, [(0, 2), (2, 5), (3, 4)]))
    varying = np.array(varying, dtype=np.int64)
    sub, positions = cop.among(varying)
    old_sub, old_positions = old.copula_among(cop, varying)
    assert np.array_equal(positions, old_positions) and positions.dtype == old_positions.dtype
    assert np.array_equal(sub.columns, old_sub.columns) and np.array_equal(sub.factor, old_sub.factor)
    assert np.array_equal(sub.matrix, old_sub.matrix)
    u = np.random.default_rng(8).random((500, varying.size))
    assert same_bits(sub.apply(u.copy(), positions), old.copula_apply(old_sub, u.copy(), old_positions))


@pytest.mark.parametrize("distribution", ["triangular", "pert", "uniform", "normal", "lognormal"])
def test_quantiles_same_bits(distribution):
    rng = np.random.default_rng(11)
    low = np.array([1.0, 0.0, 2.0, 0.5, 3.0])
    value = np.array([2.0, 0.0, 2.0, 1.0, 9.0])  # a mode at each end and inside
    high = np.array([3.0, 1.0, 4.0, 2.0, 27.0])
    if distribution == "normal":
        value = (low + high) / 2
    elif distribution == "lognormal":
        low[1] = 0.1  # above 0
        value = np.sqrt(low * high)
    u = np.maximum(rng.random((2_000, 5)), FLOOR)
    u[:6] = np.array([[FLOOR], [TOP], [0.5], [np.nan], [0.0], [1.0]])
    new = quiet(new_dist.quantiles, distribution, u, low, value, high)
    assert same_bits(new, quiet(old.quantiles, distribution, u, low, value, high))


@st.composite
def ranged_inputs(draw):  # type: ignore[no-untyped-def]
    k = draw(st.integers(1, 8))
    dists, lows, values, highs = [], [], [], []
    for _ in range(k):
        name = draw(st.sampled_from([None, "triangular", "pert", "uniform", "normal", "lognormal"]))
        low = draw(st.floats(0.01, 100.0))
        width = draw(st.sampled_from([0.0, draw(st.floats(1e-6, 1e3))]))
        share = draw(st.sampled_from([0.0, 1.0, draw(st.floats(0.0, 1.0))]))
        high = low + width
        value = low + share * width
        if name == "normal":
            value = (low + high) / 2
        elif name == "lognormal":
            value = float(np.sqrt(low * high))
        dists.append(name)
        lows.append(low)
        values.append(min(max(value, low), high))
        highs.append(high)
    return dists, np.array(lows), np.array(values), np.array(highs)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    ranged_inputs(),
    st.integers(0, 2**32),
    st.integers(1, 400),
    st.sampled_from([None, 0.4, -0.5, 1.0]),
    st.booleans(),
)
@example(  # found by Hypothesis: all the correlated columns gathered, so Fortran-ordered
    params=([None] * 5, np.ones(5), np.ones(5), np.array([2.0, 2.0, 1.0, 1.0, 2.0])),
    seed=0,
    n=19,
    rho=0.4,
    bounded=False,
)
def test_sample_same_bits(params, seed, n, rho, bounded):
    """Whole draws: every input, with zero widths, mixed distributions, a copula, bounds and whole
    numbers, from the same seed."""
    dists, low, value, high = params
    k = low.size
    cop = None if rho is None or k < 2 else copula(rank_matrix(k, rho, [(0, k - 1)] + ([(0, 1)] if k > 2 else [])))
    kw = {}
    if bounded:
        kw = {
            "bounds_low": np.where(np.arange(k) % 2 == 0, low, 0.0),  # some draws on a bound
            "bounds_high": np.where(np.arange(k) % 3 == 0, value, np.inf),  # some clipped to it
            "integer": np.arange(k) % 4 == 1,
        }
    with np.errstate(all="ignore"):
        new = new_dist.sample(np.random.default_rng(seed), n, low, value, high, dists, copula=cop, **kw)
        ref = old.sample(np.random.default_rng(seed), n, low, value, high, dists, copula=cop, **kw)
    assert same_bits(new, ref)
    assert new.flags.c_contiguous
    # a Sampler drawing chunk after chunk from one generator: the old sample called per chunk
    sampler = new_dist.Sampler(low, value, high, dists, copula=cop, **kw)
    rng_new, rng_old = np.random.default_rng(seed), np.random.default_rng(seed)
    with np.errstate(all="ignore"):
        for size in (n, 1, n // 2):
            ref = old.sample(rng_old, size, low, value, high, dists, copula=cop, **kw)
            assert same_bits(sampler.draw(rng_new, size), ref)


def test_sample_overflow_stays_nan_as_before():
    """A lognormal so wide that it overflows: NaN where it was, not clipped to the bound."""
    low, value, high = np.array([1e-300, 1.0]), np.array([1.0, 2.0]), np.array([1e300, 3.0])
    kw = {"bounds_low": np.array([0.0, 0.0]), "bounds_high": np.array([np.inf, 2.5]), "integer": None}
    dists = ["lognormal", "triangular"]
    with np.errstate(all="ignore"):
        new = new_dist.sample(np.random.default_rng(1), 5_000, low, value, high, dists, **kw)
        ref = old.sample(np.random.default_rng(1), 5_000, low, value, high, dists, **kw)
    assert np.isnan(ref).any()
    assert same_bits(new, ref)


@pytest.mark.parametrize("distribution", ["triangular", "pert", "uniform", "normal", "lognormal"])
@pytest.mark.parametrize("gap", [0.0, 1e-16, 1e-12, 1e-9, 2e-9, 1e-6, -1e-9])
def test_sample_bounds_near_the_range_same_bits(distribution, gap):
    """Bounds at, just inside and just outside each input's range (and a constant input): the columns
    left unclipped are the ones where clipping changes nothing."""
    low = np.array([0.1, 1.0, 1e-12, 1e6, 0.5, -2.0, 0.0])
    high = np.array([0.3, 1.0 + 1e-6, 2e-12, 2e6, 0.5, -1.0, 1.0])
    value = np.array([0.3, 1.0 + 5e-7, 1e-12, 1.5e6, 0.5, -1.5, 0.0])  # modes at an end and inside
    if distribution == "normal":
        value = np.where(high > low, (low + high) / 2, value)
    elif distribution == "lognormal":
        low[5:], high[5:] = [1.0, 1e-3], [2.0, 1.0]
        value = np.where(high > low, np.sqrt(low * high), value)
    scale = np.abs(low) + np.abs(high)
    kw = {"bounds_low": low - gap * scale, "bounds_high": high + gap * scale, "integer": None}
    dists = [distribution] * low.size
    with np.errstate(all="ignore"):
        for seed in range(3):
            new = new_dist.sample(np.random.default_rng(seed), 20_000, low, value, high, dists, **kw)
            ref = old.sample(np.random.default_rng(seed), 20_000, low, value, high, dists, **kw)
            assert same_bits(new, ref)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float64, st.tuples(st.integers(0, 7), st.integers(1, 5)), elements=st.floats()),
    hnp.arrays(np.float64, st.tuples(st.integers(0, 7), st.integers(1, 5)), elements=st.floats()),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_select_is_np_where_bit_for_bit(a, b, random, fortran):
    """select (by bit masks) gives np.where's bits and layout, NaN payloads, -0.0 and infinities included."""
    shape = (min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1]))
    a, b = a[: shape[0], : shape[1]].copy(), b[: shape[0], : shape[1]].copy()
    if fortran:
        a, b = np.asfortranarray(a), np.asfortranarray(b)
    condition = np.array([random.random() < 0.5 for _ in range(a.size)], dtype=bool).reshape(shape)
    if fortran:
        condition = np.asfortranarray(condition)
    assert same_bits(new_dist.select(condition, a, b), np.where(condition, a, b))
