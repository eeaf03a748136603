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


def test_price_conversion_march_2026_vintage():
    # Issue 11: one vintage (HMT March 2026), no splice with the March 2015 growth rates, so the GMCA
    # UCD's own uprating (CR4.0 £3,152 x 1.1484, a March 2015 chain) is no longer reproduced: the
    # check is now against the release itself. 2020-21 = 85.10 in a second, independent extraction.
    dfl = {s.id: s for s in load_reference().deflators}["hmt_gdp_deflator"]
    index = dfl.index
    assert index[2024] == 100.0  # 2024-25 = 100
    assert index[2020] == pytest.approx(85.10, abs=0.005)
    assert 100 / index[2020] == pytest.approx(1.1751, abs=5e-5)
    assert price_conversion_factor(index, 2008, 2024) == pytest.approx(100 / 66.8397)
    assert dfl.forecast_years() == (2025, 2030)  # OBR forecasts, Spring Statement 3 March 2026
    ext = dfl.extended()
    # beyond 2030-31 the stated 2.0% a year long-run assumption
    assert ext.index[2031] == pytest.approx(113.6416 * 1.02)
    assert ext.index[2040] == pytest.approx(113.6416 * 1.02**10)


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
