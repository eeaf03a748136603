"""The agreement's own ranged terms drawn in the Monte Carlo (a partner's contribution, a charge rate), and
the cash it moves year by year as P5/P50/P95 (issue 13 §4). Expectations are worked by hand."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.appraisal.agreement_terms import agreement_terms
from costmodel.appraisal.chain import appraise
from costmodel.appraisal.engine import compile_scenario
from costmodel.cli import main
from costmodel.errors import AssumptionError
from costmodel.inputs.loading import load_proposal
from costmodel.pooling.draws import CASH_BY_YEAR, pool_draws
from costmodel.present.pooled_draws import cash_schedule
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.montecarlo import draw_values, input_copula, simulate

from .conftest import ASSUMPTIONS

POOLED = ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"
POLICE = "pool.partners.police.contributions.0.fixed"
NHS_IN_KIND = "pool.partners.nhs.contributions.0.in_kind"
SECONDED = "prevention_costs.seconded_health_practitioner.amount"
# Green Book 3.5% for years 0-9 (year 0 undiscounted): sum of 1/1.035^t, t = 0..9
ANNUITY_10Y = sum(1 / 1.035**t for t in range(10))


@pytest.fixture(scope="module")
def pooled():
    return load_proposal(POOLED)


@pytest.fixture(scope="module")
def central(pooled):
    return appraise(pooled)


def _spearman(x, y):
    rx = np.argsort(np.argsort(x)).astype(float)
    ry = np.argsort(np.argsort(y)).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


def test_the_early_help_agreement_lists_its_two_ranged_contributions(pooled):
    terms = {t.path: t for t in agreement_terms(pooled)}
    assert set(terms) == {POLICE, NHS_IN_KIND}  # £20k-£60k and £45k-£60k; the formula's shares are plain numbers
    assert terms[POLICE].cell == terms[NHS_IN_KIND].cell == "contribution_value"
    # the file orders the partners council (no contributions), police, NHS: contributions 0 and 1
    assert (terms[POLICE].index, terms[NHS_IN_KIND].index) == (0, 1)
    inputs = compile_uncertainty(pooled, pool_terms=True).inputs
    assert [i.id for i in inputs][-2:] == [POLICE, NHS_IN_KIND]
    assert POLICE not in {i.id for i in compile_uncertainty(pooled).inputs}  # only the Monte Carlo draws them


def test_a_drawn_police_contribution_moves_its_cash_by_the_contribution_times_the_annuity(pooled, central):
    """The police pay £40,000 a year (2024 prices) into the pool for all ten years; the formula's shares do
    not depend on it. Drawing £20,000 or £60,000 instead changes the police's present value by
    ∓£20,000 × k × Σ 1/1.035^t and the host's by as much the other way (the host meets the balance)."""
    chunk = pool_draws(pooled, central.structure)
    assert chunk is not None
    figures = chunk(central.structure, central.params, {POLICE: np.array([20_000.0, 40_000.0, 60_000.0])})
    ids = list(central.structure.agency_ids)
    police, council = ids.index("police"), ids.index("council_childrens_services")
    paid = figures["cash_paid"]
    step = paid[2, police] - paid[1, police]
    assert paid[1, police] - paid[0, police] == pytest.approx(step, rel=1e-12)  # linear in the contribution
    conversion = step / (20_000 * ANNUITY_10Y)
    assert 1.0 < conversion < 1.1  # two years of GDP deflator growth, 2024-25 to 2026-27
    assert paid[2, council] - paid[1, council] == pytest.approx(-step, rel=1e-12)
    assert figures["net_after"][2, police] - figures["net_after"][1, police] == pytest.approx(-step, rel=1e-12)
    # year by year, in cash of each year: year 0 is in price-base prices (cash factor 1), so the police pay
    # £20,000 × k more there, and the cash factor more in each later year
    by_year = figures[f"{CASH_BY_YEAR}police"]
    assert by_year.shape == (3, 10)
    assert by_year[2, 0] - by_year[1, 0] == pytest.approx(20_000 * conversion, rel=1e-9)
    factor = np.asarray(central.structure.cash_factor)
    assert by_year[2] - by_year[1] == pytest.approx(20_000 * conversion * factor, rel=1e-9)


def test_at_the_central_terms_the_drawn_figures_are_the_agreements_own(pooled, central):
    chunk = pool_draws(pooled, central.structure)
    assert chunk is not None
    plain = chunk(central.structure, central.params)
    drawn = chunk(central.structure, central.params, {POLICE: np.array([40_000.0]), NHS_IN_KIND: np.array([50_000.0])})
    for key in ("net_before", "net_after", "cash_paid"):
        assert drawn[key][0] == pytest.approx(plain[key], abs=1e-6)


@settings(max_examples=40, deadline=None)
@given(
    police=st.lists(st.floats(20_000, 60_000), min_size=1, max_size=8),
    nhs=st.floats(45_000, 60_000),
)
def test_whatever_the_terms_drawn_the_agreement_moves_money_and_creates_none(police, nhs):
    sc = load_proposal(POOLED)
    structure, params = compile_scenario(sc)
    chunk = pool_draws(sc, structure)
    assert chunk is not None
    n = len(police)
    f = chunk(structure, params, {POLICE: np.array(police), NHS_IN_KIND: np.full(n, nhs)})
    assert np.abs(f["cash_paid"].sum(axis=-1)).max() < 1e-6  # present values: paid = received
    assert f["net_after"].sum(axis=-1) == pytest.approx(f["net_before"].sum(axis=-1), abs=1e-6)
    by_year = sum(f[k] for k in f if k.startswith(CASH_BY_YEAR))  # the parties' payments, each year
    assert np.abs(by_year).max() < 1e-6
    assert np.all(f["cash_moved"] >= -1e-9)


def test_the_in_kind_contribution_moves_with_its_cost_line_as_the_file_declares(pooled):
    inputs = compile_uncertainty(pooled, pool_terms=True).inputs
    ids = [i.id for i in inputs]
    values = draw_values(inputs, 20_000, np.random.default_rng(5), input_copula(pooled, inputs))
    a, b = values[:, ids.index(SECONDED)], values[:, ids.index(NHS_IN_KIND)]
    assert _spearman(a, b) == pytest.approx(1.0, abs=1e-9)  # ρ = 1: one draw, both £45,000-£60,000
    assert np.allclose(a, b)  # the same range and distribution, so the same figure
    police = values[:, ids.index(POLICE)]
    assert police.min() >= 20_000 and police.max() <= 60_000


def test_a_correlation_on_a_contribution_is_allowed_and_a_share_is_still_refused(tmp_path):
    text = POOLED.read_text(encoding="utf-8").split("\n# Correlated uncertainty")[0]
    (tmp_path / "unit_costs.yaml").write_bytes((ASSUMPTIONS / "unit_costs.yaml").read_bytes())
    (tmp_path / "proposals").mkdir()
    path = tmp_path / "proposals" / "early_help_pooled.yaml"
    ok = f"  - between: [{POLICE}, {NHS_IN_KIND}]\n    rank_correlation: -0.3\n    assumption: x\n"
    path.write_text(text + "\ncorrelations:\n" + ok, encoding="utf-8")
    assert load_proposal(path).proposal.correlations[0].rank_correlation == -0.3
    bad = f"  - between: [{POLICE}, pool.sharing.shares.police.share]\n    rank_correlation: 0.3\n    assumption: x\n"
    path.write_text(text + "\ncorrelations:\n" + bad, encoding="utf-8")
    with pytest.raises(AssumptionError) as info:
        load_proposal(path)
    (line,) = [str(p) for p in info.value.problems]
    assert "'pool.sharing.shares.police.share' is not drawn by the Monte Carlo" in line


def test_drawn_terms_widen_the_police_position_and_leave_the_whole_npv_alone(pooled):
    structure = compile_scenario(pooled)[0]
    sim = simulate(pooled, 4_000, 7, extra=pool_draws(pooled, structure))
    police = sim.agency_ids.index("police")
    paid = sim.extras["cash_paid"][:, police]
    # the whole proposal's NPV is the same function of the draws: before the agreement each agency's NPV
    # is its own, and after it they still add up to the whole
    assert sim.extras["net_after"].sum(axis=1) == pytest.approx(sim.npv, abs=1e-6)
    # a £20,000-£60,000 contribution for ten years is worth about ±£170,000 of present value on its own
    assert np.percentile(paid, 95) - np.percentile(paid, 5) > 200_000
    schedule = cash_schedule(sim, "police")
    assert [row["financial_year"] for row in schedule][:2] == ["2026-27", "2027-28"]
    for row in schedule:
        assert row["p5"] <= row["p50"] <= row["p95"]
        assert all(v >= 0 for v in row["se"].values())


def test_cli_json_and_table_give_the_cash_schedule_by_year():
    out, err = io.StringIO(), io.StringIO()
    assert main(["simulate", str(POOLED), "--draws", "2000", "--seed", "3", "--format", "json"], out, err) == 0
    pool = json.loads(out.getvalue())["pool"]
    for row in pool["parties"]:
        assert len(row["cash_paid_by_year"]) == 10
        assert row["cash_paid_by_year"][0]["financial_year"] == "2026-27"
    police = next(r for r in pool["parties"] if r["id"] == "police")
    # year 0: the police pay their contribution and receive 10% of a year-0 cashable saving: between the
    # £20,000 and £60,000 (2024 prices, a few % more in 2026-27 prices) they could put in, less a little
    year0 = police["cash_paid_by_year"][0]
    assert 15_000 < year0["p5"] < year0["p50"] < year0["p95"] < 65_000
    assert police["cash_paid_by_year"][0]["p50"] != pytest.approx(police["cash_paid_by_year"][0]["p5"])
    out = io.StringIO()
    assert main(["simulate", str(POOLED), "--draws", "2000", "--seed", "3"], out, err) == 0
    text = out.getvalue()
    assert "Cash paid under the agreement by year (cash of each year" in text
    assert "  2035-36 " in text
