"""Green Book discounting against the published tables (methodology.md §3.3, §9), computed by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from costmodel.appraisal.discounting import (
    discount_factors,
    present_value,
    price_conversion_factor,
    rates_by_year,
    schedule_factors,
)
from costmodel.inputs.loading import load_reference

STANDARD = [(0, 0.035), (31, 0.030), (76, 0.025), (126, 0.020), (201, 0.015), (301, 0.010)]

# Green Book standard rate, years 0-10, 4 dp and 6 dp (published/derived reference table)
DF_4DP = [1.0000, 0.9662, 0.9335, 0.9019, 0.8714, 0.8420, 0.8135, 0.7860, 0.7594, 0.7337, 0.7089]
DF_6DP = [
    1.000000,
    0.966184,
    0.933511,
    0.901943,
    0.871442,
    0.841973,
    0.813501,
    0.785991,
    0.759412,
    0.733731,
    0.708919,
]


def test_standard_factors_match_published_table():
    df = schedule_factors(STANDARD, 11)
    np.testing.assert_allclose(df, DF_4DP, atol=1e-4)
    np.testing.assert_allclose(df, DF_6DP, atol=1e-6)


def test_year_zero_is_undiscounted():
    assert schedule_factors(STANDARD, 1)[0] == 1.0


@pytest.mark.parametrize(
    ("schedule", "df10"),
    [("green_book_standard", 0.708919), ("green_book_health", 0.861667), ("green_book_lower_rate", 0.744094)],
)
def test_shipped_schedules_year_10(schedule, df10):
    ref = {s.id: s for s in load_reference().discount_schedules}[schedule]
    df = schedule_factors([(b.from_year, b.rate) for b in ref.bands], 11)
    assert df[10] == pytest.approx(df10, abs=1e-6)


def test_annuity_factor_years_1_to_10():
    df = schedule_factors(STANDARD, 11)
    assert df[1:].sum() == pytest.approx(8.316605, abs=1e-6)
    assert df[1:].sum() == pytest.approx((1 - 1.035**-10) / 0.035, abs=1e-12)


def test_kink_compounds_band_by_band():
    df = schedule_factors(STANDARD, 80)
    assert df[31] == pytest.approx(df[30] / 1.03, rel=1e-12)
    assert df[75] == pytest.approx(1 / (1.035**30 * 1.03**45), rel=1e-12)
    assert df[76] == pytest.approx(df[75] / 1.025, rel=1e-12)


def test_rates_by_year_bands():
    r = rates_by_year(STANDARD, 77)
    assert r[30] == 0.035 and r[31] == 0.03 and r[75] == 0.03 and r[76] == 0.025


def test_present_value_of_hand_example():
    # £100 a year for years 0..2 at 3.5%: 100 + 100/1.035 + 100/1.035**2
    assert present_value([100, 100, 100], discount_factors([0.035] * 3)) == pytest.approx(
        100 + 100 / 1.035 + 100 / 1.035**2, abs=1e-9
    )


def test_matches_numpy_financial_npv_year0_convention():
    import numpy_financial as npf

    flows = np.array([-1000.0, 200, 300, 400, 500])
    assert present_value(flows, discount_factors([0.035] * 5)) == pytest.approx(
        npf.npv(0.035, flows), abs=1e-9
    )


def test_batch_axis_broadcasts():
    rates = np.array([[0.035] * 4, [0.015] * 4])
    df = discount_factors(rates)
    assert df.shape == (2, 4)
    assert df[1, 3] == pytest.approx(1.015**-3)


def test_price_conversion_ucd_cr4_example():
    # unit-costs.md §7b: GMCA chain gives 08/09 -> 24/25 x 1.540; CR4.0 £3,152 x 1.1484 = £3,620 at 15/16
    index = {s.id: s for s in load_reference().deflators}["hmt_gdp_deflator"].index
    assert price_conversion_factor(index, 2008, 2024) == pytest.approx(1.540, abs=5e-4)
    assert 3152 * price_conversion_factor(index, 2008, 2015) == pytest.approx(3620, abs=1)
    assert price_conversion_factor(index, 2015, 2024) == pytest.approx(1.3407, abs=1e-4)


@given(
    flows=st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=40),
    rate=st.floats(min_value=0, max_value=0.2),
)
def test_pv_not_above_undiscounted_for_positive_flows(flows, rate):
    pv = present_value(flows, discount_factors([rate] * len(flows)))
    assert pv <= sum(flows) * (1 + 1e-12) + 1e-6


@given(n=st.integers(min_value=1, max_value=400))
def test_factors_positive_and_non_increasing(n):
    df = schedule_factors(STANDARD, n)
    assert np.all(df > 0) and np.all(np.diff(df) <= 0)
