"""The Monte Carlo's chunk step without per-chunk conveniences (issue 9, session 4, kernel2): its figures
written straight into the result rows are :func:`~costmodel.appraisal.engine.measures`' own, bit for bit,
and the plain-Python shape helper agrees with numpy (Hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.appraisal.engine import (
    broadcast_shape,
    first_year_staying_nonnegative,
    first_year_staying_nonnegative_years_first,
    measures,
    measures_into,
)
from costmodel.inputs.loading import Overrides, load_proposal
from costmodel.uncertainty.batch import with_values
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.montecarlo import draw_values

from .conftest import ROOT

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

shapes = st.lists(st.integers(min_value=0, max_value=3), max_size=4).map(tuple)


@SETTINGS
@given(st.lists(shapes, min_size=1, max_size=4))
def test_broadcast_shape_is_numpys(many) -> None:
    try:
        want = np.broadcast_shapes(*many)
    except ValueError:
        with pytest.raises(ValueError):
            broadcast_shape(*many)
        return
    assert broadcast_shape(*many) == want


@SETTINGS
@given(
    shape=st.sampled_from([(7,), (4, 10), (3, 2, 5), (1, 1), (6, 30), (5, 0), (3, 300)]),
    nan_every=st.integers(min_value=0, max_value=9),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_first_year_in_either_layout(shape, nan_every, seed) -> None:
    """Years-last and years-first layouts: the same years, by the
    definition (after the last year below -tolerance; NaN counts as below; -1 if the last year is)."""
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(rng.normal(0.1, 1.0, shape), axis=-1)
    if nan_every:
        cumulative.reshape(-1)[::nan_every] = np.nan
    bad = ~(cumulative >= -0.005)
    n = shape[-1]
    first = np.where(bad.any(axis=-1), n - np.argmax(bad[..., ::-1], axis=-1) if n else 0, 0)
    want = np.where(first < n, first, -1).astype(np.int64)
    assert np.array_equal(first_year_staying_nonnegative(cumulative), want)
    years_first = np.moveaxis(cumulative, -1, 0).copy()  # the same positions laid out years-first
    got = first_year_staying_nonnegative_years_first(years_first)
    assert got.dtype == np.int64 and got.shape == want.shape and np.array_equal(got, want)


@pytest.mark.parametrize("name", ["youth_work", "early_help_pooled", "youth_service_cut"])
@pytest.mark.parametrize("horizon", [None, 100])
def test_measures_into_writes_measures_bits(name, horizon) -> None:
    """The Monte Carlo's four figures written into its result rows are measures()' own, bit for bit."""
    path = ROOT / "assumptions" / "proposals" / f"{name}.yaml"
    sc = load_proposal(path, Overrides(horizon_years=horizon)) if horizon else load_proposal(path)
    c = compile_uncertainty(sc, True, pool_terms=True)
    values = draw_values(c.inputs, 41, np.random.default_rng(5))
    engine = with_values(c, c.inputs, values, broadcast=False)
    m = measures(*engine)
    n, a = values.shape[0], len(c.agency_ids)
    out = (np.empty(n), np.empty((n, a)), np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64))
    measures_into(*engine, *out)
    want = (m.npv, m.pv_net_by_agency, m.cash_break_even_year, m.discounted_payback_year)
    for got, expected in zip(out, want, strict=True):
        assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes()


@SETTINGS
@given(
    pairs=st.lists(
        st.tuples(st.integers(0, 5), st.integers(0, 5), st.sampled_from([1.0, 1.0, 0.5, -0.3, -1.0])), max_size=5
    ),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_copula_one_phi_per_shared_score_same_bits(pairs, seed) -> None:
    """Columns in lockstep (ρ = ±1, or any unit row of the factor) share one Φ: the same bits as Φ of
    every column of the normal scores (Copula.apply's plain formula)."""
    from costmodel.inputs.correlation import UNIFORM_FLOOR, copula, matrix_problem, normal_cdf
    from costmodel.inputs.distributions import normal_quantile

    rank = np.eye(6)
    for i, j, rho in pairs:
        if i != j:
            rank[i, j] = rank[j, i] = rho
    if matrix_problem(rank) is not None:
        return
    cop = copula(rank)
    u = np.random.default_rng(seed).random((257, 6))
    u[3, :] = 0.5  # a normal score of exactly 0
    got = cop.apply(u.copy())
    cols = cop.columns
    want = u.copy()
    if cols.size:
        z = np.einsum("nk,jk->nj", normal_quantile(np.maximum(u[:, cols], UNIFORM_FLOOR)), cop.factor)
        want[:, cols] = np.clip(normal_cdf(z), UNIFORM_FLOOR, 1.0 - 2.0**-53)
    assert got.tobytes() == want.tobytes()


@SETTINGS
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=4),
    k=st.integers(min_value=1, max_value=7),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_triangular_quantile_blocks_same_bits(sizes, k, seed) -> None:
    """The triangular quantile with its factors laid out as (n, k) blocks, chunk after chunk of changing
    sizes, gives _triangular's bits with the (k,) factor rows."""
    from costmodel.inputs.distributions import _triangular, _triangular_scales, _TriangularQuantile

    rng = np.random.default_rng(seed)
    low = rng.normal(size=k) * 10.0
    mode = low + rng.random(k) * 5.0
    high = mode + rng.random(k) * 5.0 + 1e-3
    quantile = _TriangularQuantile(low, mode, high)
    for n in sizes:
        u = rng.random((n, k))
        want = _triangular(u, low, high, *_triangular_scales(low, mode, high))
        assert quantile(u).tobytes() == want.tobytes()


def test_result_rows_are_empty_arrays_and_leave_numpys_switch_as_it_was() -> None:
    from costmodel.uncertainty.memory import _huge_page_switch, result_rows

    for shape, dtype in (((700_000, 6), np.float64), (900_000, np.int64), (5, np.float64), ((0, 3), np.float64)):
        rows = result_rows(shape, dtype)
        assert rows.shape == (shape if isinstance(shape, tuple) else (shape,)) and rows.dtype == dtype
        assert rows.flags.c_contiguous and rows.flags.writeable and rows.flags.owndata
    switch = _huge_page_switch()
    if switch is not None:
        before = switch(True)
        result_rows((700_000, 6))
        assert switch(before) is True  # still on after result_rows
