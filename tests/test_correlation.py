"""Correlated uncertainty (issue 13 §4): declared rank correlations drawn by a Gaussian copula, the
located refusals of impossible declarations, Monte Carlo standard errors, running to a target error,
and the pooled positions drawn.

Expectations come from definitions (independent draws are the same uniforms; ρ = 1 is one shared
draw; Spearman's ρ of the draws), published values (math.erfc, Φ at its tabulated quantiles), or
hand arithmetic (binomial standard errors), never from the engine's own output.
"""

from __future__ import annotations

import io
import json
import math
import os
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costmodel.appraisal.engine import compile_scenario
from costmodel.cli import main
from costmodel.errors import AssumptionError, UsageError
from costmodel.inputs.correlation import (
    copula,
    declared_rank_matrix,
    erfc,
    matrix_problem,
    normal_cdf,
    normal_score_correlation,
    rank_correlation_of,
    semidefinite_cholesky,
)
from costmodel.inputs.distributions import normal_quantile, quantiles, sample
from costmodel.inputs.loading import load_proposal
from costmodel.inputs.models import Proposal
from costmodel.pooling.draws import pool_draws
from costmodel.present.uncertainty_report import chance, simulation_to_dict
from costmodel.uncertainty.batch import npv_table
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.montecarlo import draw_values, input_copula, simulate
from costmodel.uncertainty.precision import (
    percentile_standard_error,
    proportion_standard_error,
    stopping_standard_error,
)

from .conftest import ASSUMPTIONS, YOUTH_WORK

POOLED = ASSUMPTIONS / "proposals" / "early_help_pooled.yaml"
FTE, REPEAT = "outcomes.first_time_entrants", "outcomes.repeat_offending"


@pytest.fixture(scope="module")
def youth():
    return load_proposal(YOUTH_WORK)


def _with_correlations(scenario, correlations):
    """``scenario`` with its file's correlations replaced by ``correlations`` (plain dicts)."""
    data = scenario.proposal.model_dump(exclude_none=True)
    data["correlations"] = correlations
    return replace(scenario, proposal=Proposal.model_validate(data, strict=False))


def _spearman(x, y):
    rx = np.argsort(np.argsort(x)).astype(float)
    ry = np.argsort(np.argsort(y)).astype(float)
    return float(np.corrcoef(rx, ry)[0, 1])


# --- the special functions ---------------------------------------------------------------------


def test_erfc_matches_the_standard_library_to_about_1e_15():
    x = np.linspace(-6.0, 26.0, 64_001)
    expected = np.array([math.erfc(v) for v in x.tolist()])
    assert np.max(np.abs(erfc(x) - expected) / expected) < 2e-15


def test_normal_cdf_at_tabulated_quantiles():
    # Φ(1.959963984540054) = 0.975 and Φ(-1.6448536269514722) = 0.05 (standard normal tables)
    z = np.array([-1.6448536269514722, 0.0, 1.959963984540054])
    assert normal_cdf(z) == pytest.approx([0.05, 0.5, 0.975], abs=1e-15)


def test_rank_and_normal_score_correlations_are_inverse_and_exact_at_the_ends():
    rho = np.linspace(-1, 1, 41)
    assert rank_correlation_of(normal_score_correlation(rho)) == pytest.approx(rho, abs=1e-12)
    assert normal_score_correlation(np.array([1.0, -1.0, 0.0])).tolist() == [1.0, -1.0, 0.0]


def test_semidefinite_cholesky_accepts_perfect_correlation():
    low = semidefinite_cholesky(np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]))
    assert low[1].tolist()[:2] == [1.0, 0.0]  # the second input takes the first one's score exactly
    assert low @ low.T == pytest.approx(np.array([[1.0, 1.0, 0.5], [1.0, 1.0, 0.5], [0.5, 0.5, 1.0]]))


# --- sampling ------------------------------------------------------------------------------------

LOW, MID, HIGH = np.array([1.0, 10.0, 0.1]), np.array([2.0, 12.0, 0.2]), np.array([4.0, 20.0, 0.5])
DISTS = ["triangular", "pert", "uniform"]


def test_rho_zero_draws_equal_independent_draws_bit_for_bit():
    independent = sample(np.random.default_rng(3), 5_000, LOW, MID, HIGH, DISTS)
    zero = copula(np.eye(3))
    assert np.array_equal(sample(np.random.default_rng(3), 5_000, LOW, MID, HIGH, DISTS, copula=zero), independent)


def test_rho_one_is_a_single_shared_draw():
    matrix = np.eye(3)
    matrix[0, 2] = matrix[2, 0] = 1.0
    drawn = sample(np.random.default_rng(8), 20_000, LOW, MID, HIGH, DISTS, copula=copula(matrix))
    # the first input's uniform (untouched by the generator's order) drives the third's inverse CDF
    u = np.maximum(np.random.default_rng(8).random((20_000, 3)), 2.0**-54)
    shared = normal_cdf(normal_quantile(u[:, 0]))
    third = quantiles("uniform", shared[:, None], LOW[2:], MID[2:], HIGH[2:])[:, 0]
    first = quantiles("triangular", shared[:, None], LOW[:1], MID[:1], HIGH[:1])[:, 0]
    assert drawn[:, 2] == pytest.approx(third, rel=1e-12)
    assert drawn[:, 0] == pytest.approx(first, rel=1e-12)
    assert _spearman(drawn[:, 0], drawn[:, 2]) == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("rho", [-0.6, 0.3, 0.8])
def test_rank_correlation_of_100000_draws_matches_the_declared_one(rho):
    matrix = np.eye(3)
    matrix[0, 1] = matrix[1, 0] = rho
    drawn = sample(np.random.default_rng(11), 100_000, LOW, MID, HIGH, DISTS, copula=copula(matrix))
    assert _spearman(drawn[:, 0], drawn[:, 1]) == pytest.approx(rho, abs=0.01)
    assert _spearman(drawn[:, 0], drawn[:, 2]) == pytest.approx(0.0, abs=0.01)


def test_each_input_keeps_its_own_distribution():
    matrix = np.full((3, 3), 0.7)
    np.fill_diagonal(matrix, 1.0)
    drawn = sample(np.random.default_rng(5), 200_000, LOW, MID, HIGH, DISTS, copula=copula(matrix))
    # uniform(0.1, 0.5): P5, P50, P95 = 0.12, 0.30, 0.48; triangular(1, 2, 4): median 4 - √(0.5·3·2) = 2.2679
    assert np.percentile(drawn[:, 2], [5, 50, 95]) == pytest.approx([0.12, 0.30, 0.48], abs=0.003)
    assert np.median(drawn[:, 0]) == pytest.approx(4 - math.sqrt(3.0), abs=0.01)


# --- the shipped example: its declared correlations ---------------------------------------------


def test_youth_work_cohorts_move_in_lockstep_and_effects_at_the_declared_rank_correlation(youth):
    c = compile_uncertainty(youth)
    ids = [i.id for i in c.inputs]
    values = draw_values(c.inputs, 100_000, np.random.default_rng(1), input_copula(youth, c.inputs))
    cohort = values[:, ids.index(f"{FTE}.cohort")]
    assert np.array_equal(cohort, values[:, ids.index(f"{REPEAT}.cohort")])  # same ranges, ρ = 1
    # the repeat rate is derived as 0.325 × the first-entry rate (low and high likewise): ρ = 1 keeps it so
    rates = values[:, [ids.index(f"{FTE}.baseline_rate"), ids.index(f"{REPEAT}.baseline_rate")]]
    assert rates[:, 1] == pytest.approx(0.325 * rates[:, 0], abs=1e-15)
    effects = values[:, [ids.index(f"{FTE}.effect"), ids.index(f"{REPEAT}.effect")]]
    assert _spearman(effects[:, 0], effects[:, 1]) == pytest.approx(0.5, abs=0.01)


def test_with_correlations_at_zero_the_simulation_equals_independent_draws(youth):
    independent = _with_correlations(youth, [])
    zero = _with_correlations(
        youth,
        [
            {"between": [f"{FTE}.cohort", f"{REPEAT}.cohort"], "rank_correlation": 0.0, "assumption": "test"},
            {"group": [f"{FTE}.effect", f"{REPEAT}.effect", f"{FTE}.attribution"], "rank_correlation": 0.0,
             "assumption": "test"},
        ],
    )  # fmt: skip
    a, b = simulate(independent, 3_000, 9), simulate(zero, 3_000, 9)
    assert np.array_equal(a.npv, b.npv) and np.array_equal(a.npv_by_agency, b.npv_by_agency)
    assert b.correlated == ()


def test_a_shared_draw_gives_the_npv_of_one_value_used_twice(youth):
    """ρ = 1 between the two cohorts: each draw's NPV is that of the engine with the second cohort set
    to the first cohort's draw (one shared draw)."""
    sc = _with_correlations(
        youth, [{"between": [f"{FTE}.cohort", f"{REPEAT}.cohort"], "rank_correlation": 1.0, "assumption": "t"}]
    )
    sim = simulate(sc, 2_000, 4)
    c = compile_uncertainty(sc)
    values = draw_values(c.inputs, 2_000, np.random.default_rng(4), input_copula(sc, c.inputs))
    ids = [i.id for i in c.inputs]
    values[:, ids.index(f"{REPEAT}.cohort")] = values[:, ids.index(f"{FTE}.cohort")]
    assert np.array_equal(npv_table(c, c.inputs, values).npv, sim.npv)


def test_correlated_draws_are_reproducible(youth):
    a, b = simulate(youth, 2_000, 21), simulate(youth, 2_000, 21)
    assert np.array_equal(a.npv, b.npv)
    assert len(a.correlated) == 6


def test_declared_rank_matrix_sets_every_pair_of_a_group():
    class Corr:
        def __init__(self, inputs, rho):
            self.inputs, self.rank_correlation = inputs, rho

    m = declared_rank_matrix([Corr(["a", "b", "c"], 0.4), Corr(["d", "a"], -0.2)], ["a", "b", "c", "d"], [True] * 4)
    assert m[0, 1] == m[1, 2] == m[0, 2] == 0.4 and m[3, 0] == m[0, 3] == -0.2 and m[1, 3] == 0.0


# --- refusals: one located line each ----------------------------------------------------------------


def _load_with(tmp_path, block: str):
    text = YOUTH_WORK.read_text(encoding="utf-8").split("\n# Correlated uncertainty")[0]
    (tmp_path / "unit_costs.yaml").write_bytes((ASSUMPTIONS / "unit_costs.yaml").read_bytes())
    (tmp_path / "proposals").mkdir(exist_ok=True)
    path = tmp_path / "proposals" / "youth_work.yaml"
    path.write_text(text + "\ncorrelations:\n" + block, encoding="utf-8")
    with pytest.raises(AssumptionError) as info:
        load_proposal(path)
    return [str(p) for p in info.value.problems], text.count("\n") + 3  # the first entry's line


def test_a_correlation_above_one_is_refused_where_it_is_written(tmp_path):
    lines, first = _load_with(
        tmp_path,
        f"  - between: [{FTE}.effect, {REPEAT}.effect]\n    rank_correlation: 1.2\n    assumption: x\n",
    )
    assert lines == [
        f"{tmp_path / 'proposals' / 'youth_work.yaml'}:{first + 1}:23: correlations.0.rank_correlation: "
        "a rank correlation must be between -1 and 1 (got 1.2)"
    ]


def test_an_unknown_path_is_refused_with_the_nearest_path(tmp_path):
    lines, first = _load_with(
        tmp_path,
        f"  - between: [outcomes.first_time_entrant.effect, {REPEAT}.effect]\n    rank_correlation: 0.5\n"
        "    assumption: x\n",
    )
    assert len(lines) == 1
    assert lines[0].endswith(
        f":{first}:15: correlations.0.between.0: 'outcomes.first_time_entrant.effect' is not an input of this "
        f"proposal; did you mean '{FTE}.effect'?"
    )


def test_an_input_without_a_range_is_named_and_a_ranged_one_suggested(tmp_path):
    lines, _ = _load_with(
        tmp_path,
        f"  - between: [{FTE}.displacement, {REPEAT}.effect]\n    rank_correlation: 0.5\n    assumption: x\n",
    )
    assert len(lines) == 1
    assert f"correlations.0.between.0: '{FTE}.displacement' has no range (low < high)" in lines[0]
    assert "did you mean 'outcomes.first_time_entrants.effect'?" in lines[0]


def test_an_impossible_matrix_names_the_pairs_and_the_range_that_would_fit(tmp_path):
    a, b, c = f"{FTE}.effect", f"{REPEAT}.effect", f"{FTE}.cohort"
    lines, first = _load_with(
        tmp_path,
        f"  - between: [{a}, {b}]\n    rank_correlation: 0.9\n    assumption: x\n"
        f"  - between: [{a}, {c}]\n    rank_correlation: 0.9\n    assumption: x\n"
        f"  - between: [{b}, {c}]\n    rank_correlation: -0.5\n    assumption: x\n",
    )
    # normal scores: r = 2 sin(0.9π/6) = 0.907981; b~c must lie in r² ± (1 - r²) = [0.648722, 1], i.e. a rank
    # correlation of (6/π) arcsin(0.648722/2) = 0.6310 or more
    low = 6 / math.pi * math.asin((2 * (2 * math.sin(0.9 * math.pi / 6)) ** 2 - 1) / 2)
    assert len(lines) == 1
    assert f":{first + 7}:23: correlations.2.rank_correlation: the declared correlations cannot all hold" in lines[0]
    assert f"'{b}' ~ '{c}' must be between {low:.2f} and 1.00 (declared -0.5)" in lines[0]


def test_a_pair_left_undeclared_can_be_what_breaks_the_matrix(tmp_path):
    a, b, c = f"{FTE}.effect", f"{REPEAT}.effect", f"{FTE}.cohort"
    lines, _ = _load_with(
        tmp_path,
        f"  - between: [{a}, {b}]\n    rank_correlation: 0.9\n    assumption: x\n"
        f"  - between: [{a}, {c}]\n    rank_correlation: 0.9\n    assumption: x\n",
    )
    assert "(not declared, so 0) must be between 0.63 and 1.00: declare it" in lines[0]


def test_a_pair_declared_twice_and_a_negative_group_are_refused(tmp_path):
    lines, _ = _load_with(
        tmp_path,
        f"  - group: [{FTE}.effect, {REPEAT}.effect]\n    rank_correlation: 0.3\n    assumption: x\n"
        f"  - between: [{REPEAT}.effect, {FTE}.effect]\n    rank_correlation: 0.4\n    assumption: x\n",
    )
    assert lines[0].split(": ", 1)[1].startswith("correlations.1.between: the pair")
    assert "already has a correlation (correlations.0)" in lines[0]
    lines, _ = _load_with(
        tmp_path, f"  - group: [{FTE}.effect, {REPEAT}.effect]\n    rank_correlation: -0.3\n    assumption: x\n"
    )
    assert "a group shares one factor, so its rank correlation must be between 0 and 1" in lines[0]


def test_matrix_problem_finds_no_fault_in_a_valid_matrix():
    m = np.array([[1.0, 0.9, 0.85], [0.9, 1.0, 0.8], [0.85, 0.8, 1.0]])
    assert matrix_problem(m) is None


# --- standard errors and the target ---------------------------------------------------------------


def test_standard_errors_by_hand():
    assert float(proportion_standard_error(0.39, 10_000)) == pytest.approx(math.sqrt(0.39 * 0.61 / 10_000))
    # Agresti-Coull: (0 + 2)/(100 + 4) over 104 draws
    assert stopping_standard_error(0, 100) == pytest.approx(math.sqrt((2 / 104) * (102 / 104) / 104))
    # uniform 0..1 in 100,001 evenly spaced values: the P50's standard error is δ = √(0.25/n) itself
    values = np.linspace(0.0, 1.0, 100_001)
    assert percentile_standard_error(values, [50])[0] == pytest.approx(math.sqrt(0.25 / 100_001), rel=1e-3)


def test_chance_sentences():
    assert chance(0.391, 0.0049, 10_000) == "39.1% ± 0.5 points"
    assert chance(0.0, 0.0, 2_000) == "0.0% (none of 2,000 draws)"


def test_simulation_reports_standard_errors_and_draws(youth):
    sim = simulate(youth, 2_000, 7)
    d = simulation_to_dict(sim)
    assert d["draws"] == 2_000
    assert d["p_passes_se"] == pytest.approx(math.sqrt(d["p_passes"] * (1 - d["p_passes"]) / 2_000))
    assert set(d["npv_percentiles_se"]) == {"p5", "p50", "p95"} and all(v > 0 for v in d["npv_percentiles_se"].values())
    assert all("p_npv_positive_se" in a and "npv_percentiles_se" in a for a in d["agencies"])


def test_target_error_stops_at_the_first_block_precise_enough_and_equals_that_many_draws():
    sc = load_proposal(POOLED)
    sim = simulate(sc, 1_000_000, 5, target_error=0.005)
    # risk-adjusted, P(pass) is under 1%: p(1 - p)/0.005² is a few hundred draws, so one block of 10,000
    assert sim.draws == 10_000 and not sim.cap_reached
    assert stopping_standard_error(round(sim.p_passes * sim.draws), sim.draws) <= 0.005
    assert np.array_equal(sim.npv, simulate(sc, 10_000, 5).npv)


def test_target_error_says_when_the_cap_is_hit():
    sc = load_proposal(POOLED)
    # P(pass) ≈ 0.0068 needs about 0.0068 × 0.9932 / 0.0002² ≈ 170,000 draws for a standard error of 0.0002
    sim = simulate(sc, 20_000, 5, target_error=0.0002)
    assert sim.draws == 20_000 and sim.cap_reached
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", str(POOLED), "--draws", "20000", "--seed", "5", "--target-error", "0.0002"], out, err)
    assert code == 0
    assert "NOT reached: stopped at the cap of 20,000 draws" in out.getvalue()


@pytest.mark.parametrize("bad", ["0", "0.5", "-0.01", "nan"])
def test_a_bad_target_is_one_line_naming_the_flag(bad):
    out, err = io.StringIO(), io.StringIO()
    code = main(["simulate", str(YOUTH_WORK), "--target-error", bad], out, err)
    assert code != 0 and err.getvalue().count("\n") == 1 and "--target-error" in err.getvalue()
    with pytest.raises(UsageError):
        simulate(load_proposal(YOUTH_WORK), 10, 1, target_error=float(bad))


# --- pooled positions drawn -------------------------------------------------------------------------


def test_pooled_positions_are_drawn_and_the_agreement_creates_no_money():
    sc = load_proposal(POOLED)
    sim = simulate(sc, 3_000, 2, extra=pool_draws(sc, compile_scenario(sc)[0]))
    after, paid, before = sim.extras["net_after"], sim.extras["cash_paid"], sim.extras["net_before"]
    assert after.shape == paid.shape == (3_000, len(sim.agency_ids))
    # sharing and charges move money between budgets: every draw's total is the whole NPV, and the cash
    # paid out by some is received by others
    assert after.sum(axis=1) == pytest.approx(sim.npv, abs=1e-6)
    assert before.sum(axis=1) == pytest.approx(sim.npv, abs=1e-6)
    assert np.abs(paid.sum(axis=1)).max() < 1e-6
    assert np.array_equal(before, sim.npv_by_agency) or before == pytest.approx(sim.npv_by_agency, abs=1e-6)


def test_cli_json_reports_each_partners_chance_of_ending_whole():
    out, err = io.StringIO(), io.StringIO()
    assert main(["simulate", str(POOLED), "--draws", "2000", "--seed", "3", "--format", "json"], out, err) == 0
    pool = json.loads(out.getvalue())["pool"]
    partners = {r["id"] for r in pool["parties"] if r["partner"]}
    assert partners == {"council_childrens_services", "police", "nhs"}
    for row in pool["parties"]:
        for key in ("p_whole_before", "p_whole_after"):
            p, se = row[key]["p"], row[key]["se"]
            assert 0 <= p <= 1 and se == pytest.approx(math.sqrt(p * (1 - p) / 2_000))
        assert row["cash_paid"]["p5"] <= row["cash_paid"]["p50"] <= row["cash_paid"]["p95"]
    assert pool["cash_moved"]["p5"] >= 0


# --- invariants -------------------------------------------------------------------------------------


@given(
    rho=st.floats(-1.0, 1.0, allow_nan=False),
    seed=st.integers(0, 2**32),
    n=st.integers(1, 300),
)
def test_probabilities_stay_in_0_1_and_draws_stay_in_range(rho, seed, n):
    matrix = np.eye(3)
    matrix[0, 1] = matrix[1, 0] = rho
    drawn = sample(np.random.default_rng(seed), n, LOW, MID, HIGH, DISTS, copula=copula(matrix))
    assert np.all(drawn >= LOW) and np.all(drawn <= HIGH)
    passes = drawn[:, 0] * drawn[:, 1] >= 24.0
    p = float(np.mean(passes))
    se = float(proportion_standard_error(p, n))
    assert 0.0 <= p <= 1.0 and 0.0 <= se <= 0.5
    assert 0.0 < stopping_standard_error(int(passes.sum()), n) <= 0.5


def test_a_correlated_input_without_width_in_one_area_leaves_the_others_correlated():
    """An area table can give a correlated input no width (low = high): it is its value, and the
    copula of the remaining inputs still holds (costmodel batch)."""
    matrix = np.eye(3)
    matrix[0, 1] = matrix[1, 0] = 0.6
    matrix[0, 2] = matrix[2, 0] = 0.6
    low, high = LOW.copy(), HIGH.copy()
    low[1] = high[1] = MID[1]
    drawn = sample(np.random.default_rng(2), 100_000, low, MID, high, DISTS, copula=copula(matrix))
    assert np.all(drawn[:, 1] == MID[1])
    assert _spearman(drawn[:, 0], drawn[:, 2]) == pytest.approx(0.6, abs=0.01)


def test_renamed_correlations_address_keys_of_a_shared_block():
    from costmodel.inputs.correlation import renamed

    class Corr:
        inputs, rank_correlation = ["a.x.value", "a.y"], 0.4

    keyed = renamed([Corr()], lambda p: f"file.yaml::{p}")
    m = declared_rank_matrix(keyed, ["file.yaml::a.y", "other::a.x", "file.yaml::a.x"], [True] * 3)
    assert m[0, 2] == m[2, 0] == 0.4 and m[0, 1] == 0.0


@settings(max_examples=12)
@given(rho=st.floats(-1.0, 1.0, allow_nan=False), seed=st.integers(0, 2**31))
def test_simulated_probabilities_and_their_errors_stay_in_0_1(rho, seed):
    sc = _with_correlations(
        load_proposal(POOLED),
        [{"between": ["outcomes.children_entering_care.effect", "outcomes.children_entering_care.cohort"],
          "rank_correlation": rho, "assumption": "test"}],
    )  # fmt: skip
    sim = simulate(sc, 300, seed, extra=pool_draws(sc, compile_scenario(sc)[0]))
    d = simulation_to_dict(sim, partners=["council_childrens_services", "police", "nhs"])
    probabilities = [d["p_passes"], d["p_cash_break_even_within_firm_years"], *(a["p_npv_positive"] for a in d["agencies"])]
    probabilities += [r[k]["p"] for r in d["pool"]["parties"] for k in ("p_whole_before", "p_whole_after")]
    assert all(0.0 <= p <= 1.0 for p in probabilities)
    assert 0.0 <= d["p_passes_se"] <= 0.5


# --- options: the files' correlations act on the common random numbers --------------------------------


def test_options_draw_each_files_correlations_on_the_shared_block():
    from costmodel.appraisal.options import appraise_options
    from costmodel.inputs.options import load_options
    from costmodel.uncertainty.options import _components, _copula

    appraisal = appraise_options(load_options(ASSUMPTIONS / "options" / "youth_options.yaml"))
    comps = _components(appraisal)
    keys: dict[str, int] = {}
    for comp in comps:
        for k in comp.keys:
            keys.setdefault(k, len(keys))
    cop = _copula(comps, keys)
    assert cop is not None
    path = os.path.realpath(YOUTH_WORK)
    fte, repeat = keys[f"{path}::{FTE}.cohort"], keys[f"{path}::{REPEAT}.cohort"]
    u = cop.apply(np.random.default_rng(3).random((100_000, len(keys))))
    assert np.array_equal(u[:, fte], u[:, repeat])  # one intake: ρ = 1 in every option that holds it
    e1, e2 = keys[f"{path}::{FTE}.effect"], keys[f"{path}::{REPEAT}.effect"]
    assert _spearman(u[:, e1], u[:, e2]) == pytest.approx(0.5, abs=0.01)


def test_the_pooled_figures_of_a_draw_at_the_central_values_are_the_agreements_own():
    """The per-draw pooled figures, evaluated at the central values, equal `costmodel pool`'s: each
    agency's NPV after the agreement and the present value of its net payments in the schedule."""
    from costmodel.appraisal.chain import appraise
    from costmodel.pooling.accounting import appraise_pool

    sc = load_proposal(POOLED)
    result = appraise(sc)
    pool = appraise_pool(result)
    assert pool is not None
    chunk = pool_draws(sc, result.structure)
    assert chunk is not None
    figures = chunk(result.structure, result.params)
    after = np.array([pos.pv_net_after for pos in pool.positions])
    received = np.einsum("ta,t->a", pool.net_payments_real, result.flows.factors)
    assert figures["net_after"] == pytest.approx(after, abs=1e-6)
    assert figures["cash_paid"] == pytest.approx(-received, abs=1e-6)
    assert float(figures["cash_moved"]) >= float(np.maximum(figures["cash_paid"], 0).sum()) - 1e-6


def test_erfc_of_nan_is_nan_and_of_infinity_its_limits():
    """No branch of Cody's method takes NaN: it must come out NaN, never whatever memory held."""
    from costmodel.inputs.correlation import erfc

    out = erfc(np.array([np.nan, np.inf, -np.inf, 0.0]))
    assert np.isnan(out[0])
    assert out[1:].tolist() == [0.0, 2.0, 1.0]
