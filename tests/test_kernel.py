"""The Monte Carlo's fast paths give the same bits as the plain formulas they replace (Hypothesis).

The engine's chunk path avoids masked selects, gathers and per-row reductions where a cheaper numpy
form gives the same IEEE result element by element (issue 9, session 4). Each test here writes the
plain formula out and compares bytes, over random values and the broadcast shapes the batch code
produces (a field varied by draw beside fields left at their central values).
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costmodel.appraisal.engine import first_year_staying_nonnegative, persistence_profile
from costmodel.inputs.loading import load_proposal
from costmodel.uncertainty.batch import with_values
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.montecarlo import draw_values

from .conftest import ROOT

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _plain_profile(lag: np.ndarray, persistence: np.ndarray, drop_off: np.ndarray, n_years: int) -> np.ndarray:
    """persistence_profile's formula as a masked select (its code before the active-years-only powers)."""
    keep = 1.0 - drop_off[..., None]
    since = np.arange(n_years, dtype=np.float64) - lag[..., None]
    active = (since >= 0) & (since < persistence[..., None])
    return np.where(active, keep ** np.maximum(since, 0.0), 0.0)


def _plain_first_year(cumulative: np.ndarray, tolerance: float = 0.005) -> np.ndarray:
    """first_year_staying_nonnegative's definition: after the last year below -tolerance (NaN counts as below)."""
    bad = ~(cumulative >= -tolerance)
    n = bad.shape[-1]
    first = np.where(bad.any(axis=-1), n - np.argmax(bad[..., ::-1], axis=-1), 0)
    return np.where(first < n, first, -1).astype(np.int64)


years = st.integers(min_value=1, max_value=12)
draws = st.integers(min_value=1, max_value=6)
outcomes = st.integers(min_value=1, max_value=3)


@SETTINGS
@given(
    n_years=years,
    n=draws,
    o=outcomes,
    batched=st.tuples(st.booleans(), st.booleans(), st.booleans()),
    integer_lags=st.booleans(),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_profile_powers_only_active_years_same_bits(n_years, n, o, batched, integer_lags, seed) -> None:
    rng = np.random.default_rng(seed)

    def field(by_draw: bool, values: np.ndarray) -> np.ndarray:
        return values if by_draw else values[0]  # (n, o) varied by draw, or (o,) central

    lag = rng.uniform(0, n_years, (n, o))
    lag = np.floor(lag) if integer_lags else lag
    persistence = rng.uniform(0, n_years + 2, (n, o))
    drop_off = rng.choice([0.0, 1.0, 0.5, rng.uniform()], size=(n, o))
    args = (field(batched[0], lag), field(batched[1], persistence), field(batched[2], drop_off))
    got = persistence_profile(*args, n_years)
    want = _plain_profile(*args, n_years)
    assert got.shape == want.shape
    assert got.tobytes() == want.tobytes()


@SETTINGS
@given(
    shape=st.sampled_from([(7,), (4, 10), (3, 2, 5), (1, 1), (6, 30)]),
    scale=st.sampled_from([1e-3, 1.0, 1e6]),
    nan_every=st.integers(min_value=0, max_value=9),
    seed=st.integers(min_value=0, max_value=2**32 - 1),
)
def test_first_year_one_argmax_same_answer(shape, scale, nan_every, seed) -> None:
    rng = np.random.default_rng(seed)
    cumulative = np.cumsum(rng.normal(0.1, 1.0, shape) * scale, axis=-1)
    if nan_every:
        cumulative.reshape(-1)[::nan_every] = np.nan
    got = first_year_staying_nonnegative(cumulative)
    want = _plain_first_year(cumulative)
    assert np.shape(got) == np.shape(want)
    assert np.asarray(got).dtype == np.int64
    assert np.array_equal(got, want)


def test_with_values_copies_keep_the_broadcast_copy_layout_and_values() -> None:
    """A field some draws change is a copy of the central values with the draws contiguous, exactly as
    ``np.array(np.broadcast_to(central, (B, ...)))`` lays it out (the layout every sum downstream was
    written against), and the unit-cost components land on the same bits as the gather-and-add form."""
    sc = load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml")
    c = compile_uncertainty(sc, True, pool_terms=True)
    values = draw_values(c.inputs, 37, np.random.default_rng(3))
    _, p = with_values(c, c.inputs, values, broadcast=False)
    central = c.params
    for name in ("lag", "persistence", "drop_off", "unit_cost"):
        plain = np.array(np.broadcast_to(getattr(central, name), (37, *np.shape(getattr(central, name)))))
        assert getattr(p, name).strides == plain.strides, name
    # unit costs by hand: central + (x - central) × vector, component by component in input order
    unit = np.array(np.broadcast_to(central.unit_cost, (37, *central.unit_cost.shape)))
    for k, inp in enumerate(c.inputs):
        if inp.target == "unit_cost_component":
            unit[:, inp.index, :] += (values[:, k] - inp.central)[:, None] * np.asarray(inp.vector)
    assert p.unit_cost.tobytes() == unit.tobytes()
