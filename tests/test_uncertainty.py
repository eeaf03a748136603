"""Uncertainty: tornado, switching values, optimism bias, discount-rate sensitivity and Monte Carlo.

Expectations are computed by hand (annuity factors, price conversions, simple products) or from
invariants, never by pasting the engine's output back.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import numpy_financial as npf
import pytest

from costmodel.appraisal.chain import appraise
from costmodel.cli import main
from costmodel.errors import UsageError
from costmodel.inputs.loading import load_proposal
from costmodel.inputs.models import Proposal
from costmodel.present.uncertainty_report import simulation_json, switching_reason
from costmodel.uncertainty.batch import npv_table
from costmodel.uncertainty.compile import compile_uncertainty
from costmodel.uncertainty.limits import MAX_DRAWS
from costmodel.uncertainty.montecarlo import check_draws, simulate
from costmodel.uncertainty.sensitivity import (
    discount_rate_sensitivity,
    npv_with,
    optimism_effect,
    switching_values,
    tornado,
)

from .conftest import YOUTH_WORK

CUPI_2007 = 105.3095 / 64.4380  # 2007-08 -> 2026-27 prices (HMT GDP deflator, March 2026, reference.yaml)
ANNUITY_0_9 = sum(1 / 1.035**t for t in range(10))  # Σ DF, years 0-9 at 3.5% = 8.6076...


@pytest.fixture(scope="module")
def youth():
    """The youth-work example on the unadjusted basis (``appraisal.optimism_bias: off``): the hand-worked
    tornado, switching-value and simulation arithmetic below is on the figures before optimism bias;
    tests/test_risk_adjusted.py covers the risk-adjusted default."""
    sc = load_proposal(YOUTH_WORK)
    appraisal = sc.proposal.appraisal.model_copy(update={"optimism_bias": "off"})
    return replace(sc, proposal=sc.proposal.model_copy(update={"appraisal": appraisal}))


def _edit(scenario, fn):
    """A scenario whose proposal is ``fn(proposal as a dict)``, re-validated."""
    data = scenario.proposal.model_dump()
    fn(data)
    return replace(scenario, proposal=Proposal.model_validate(data, strict=False))


def _quantities(data):
    """Every ranged-capable quantity dict in a proposal dict."""
    out = []

    def walk(d):
        if isinstance(d, dict):
            if "value" in d and "unit" in d and "low" in d:
                out.append(d)
            for v in d.values():
                walk(v)
        elif isinstance(d, list):
            for v in d:
                walk(v)

    walk(data)
    return out


def _zero_width(data):
    for q in _quantities(data):
        if q["low"] is not None:
            q["low"] = q["high"] = q["value"]


def _cheap(data):
    """A version of the youth-work proposal that clearly pays for itself."""
    data["prevention_costs"][0]["amount"].update(value=8000.0, low=6000.0, high=10000.0)
    data["prevention_costs"][1]["amount"]["value"] = 1000.0


# --- deterministic anchors ------------------------------------------------------------------------


def test_zero_width_ranges_simulation_equals_deterministic_exactly(youth):
    sc = _edit(youth, _zero_width)
    det = appraise(sc)
    sim = simulate(sc, draws=2000, seed=7)
    assert np.all(sim.npv == det.npv)
    assert np.all(sim.npv_by_agency == det.pv_net_by_agency)
    assert sim.p_passes == (1.0 if det.npv >= 0 else 0.0)


def test_tornado_central_equals_deterministic_npv(youth):
    det = appraise(youth)
    c = compile_uncertainty(youth)
    t = tornado(c, det)
    assert t.central_npv == det.npv
    # the batched path at central values gives the same NPV, to the penny and by agency
    central = np.array([[i.central for i in c.inputs]])
    res = npv_table(c, c.inputs, central)
    assert res.npv[0] == pytest.approx(det.npv, abs=0.005)
    np.testing.assert_allclose(res.npv_by_agency[0], det.pv_net_by_agency, atol=0.005)
    swings = [b.swing for b in t.bars]
    assert swings == sorted(swings, reverse=True)


def test_tornado_cost_bar_by_hand(youth):
    det = appraise(youth)
    bar = next(
        b for b in tornado(compile_uncertainty(youth)).bars if b.input.id.endswith("detached_team.amount")
    )
    per_pound = CUPI_2007 * ANNUITY_0_9  # PV of £1 a year (2007 prices) over years 0-9
    assert bar.npv_low == pytest.approx(det.npv + (152000 - 130000) * per_pound, abs=0.01)
    assert bar.npv_high == pytest.approx(det.npv - (190000 - 152000) * per_pound, abs=0.01)


# --- switching values -----------------------------------------------------------------------------


def test_switching_value_of_running_cost_by_hand(youth):
    det = appraise(youth)
    c = compile_uncertainty(youth)
    inp = next(i for i in c.candidates if i.id == "prevention_costs.detached_team.amount")
    sv = next(s for s in switching_values(c, [inp]) if s.agency == "total")
    assert sv.method == "linear"
    assert sv.value == pytest.approx(152000 + det.npv / (CUPI_2007 * ANNUITY_0_9), abs=0.01)


@pytest.mark.parametrize("variant", ["as_shipped", "cheap"])
def test_switching_values_fed_back_give_zero_npv(youth, variant):
    sc = youth if variant == "as_shipped" else _edit(youth, _cheap)
    c = compile_uncertainty(sc)
    cols = ["total", *c.agency_ids]
    found = {"linear": 0, "bisection": 0, "integer scan": 0}
    for sv in switching_values(c):
        if sv.value is None:
            assert switching_reason(sv, {})  # the words of costmodel.present
            continue
        found[sv.method] += 1
        j = cols.index(sv.agency)
        total, by_agency = npv_with(c, sv.input, sv.value)
        npv_at = total if j == 0 else by_agency[j - 1]
        if sv.method == "integer scan":
            central_total, central_a = npv_with(c, sv.input, sv.input.central)
            central = central_total if j == 0 else central_a[j - 1]
            assert (npv_at >= -0.005) != (central >= -0.005)
        else:
            assert abs(npv_at) < 0.01, (sv.input.id, sv.agency, sv.value, npv_at)
    assert found["linear"] > 0
    if variant == "cheap":
        assert found["bisection"] > 0  # discount rate and drop-off have roots when the proposal pays


def test_agency_that_only_pays_cannot_break_even_by_effect(youth):
    c = compile_uncertainty(youth)
    svs = [s for s in switching_values(c) if s.input.id == "outcomes.first_time_entrants.effect"]
    payer = next(s for s in svs if s.agency == "council_youth_service")
    assert payer.value is None and "does not change" in switching_reason(payer, {})
    total = next(s for s in svs if s.agency == "total")
    assert total.value is None and "stays negative" in switching_reason(total, {})


def test_lag_switching_value_is_smallest_flipping_integer(youth):
    sc = _edit(youth, _cheap)
    c = compile_uncertainty(sc)
    inp = next(i for i in c.candidates if i.id == "outcomes.repeat_offending.lag_years")
    sv = next(s for s in switching_values(c, [inp]) if s.agency == "total")
    central_passes = npv_with(c, inp, inp.central)[0] >= 0
    if sv.value is not None:
        assert float(sv.value).is_integer()
        for x in range(int(inp.domain_low), int(sv.value)):
            assert (npv_with(c, inp, x)[0] >= 0) == central_passes
        assert (npv_with(c, inp, sv.value)[0] >= 0) != central_passes


# --- Monte Carlo ----------------------------------------------------------------------------------


def _corner(c, worst: bool):
    """Every input at the end of its range that lowers (worst) or raises the total NPV."""
    t = tornado(c)
    values = {}
    for b in t.bars:
        low_is_worse = b.npv_low < b.npv_high
        values[b.input.id] = b.input.low if low_is_worse == worst else b.input.high
    row = np.array([[values.get(i.id, i.central) for i in c.inputs]])
    return float(npv_table(c, c.inputs, row).npv[0])


def test_p_pass_is_zero_when_every_draw_fails(youth):
    c = compile_uncertainty(youth)
    assert _corner(c, worst=False) < 0  # even the best corner of every range fails
    assert simulate(youth, draws=3000, seed=1).p_passes == 0.0


def _very_cheap(data):
    data["prevention_costs"][0]["amount"].update(value=1000.0, low=500.0, high=1500.0)
    data["prevention_costs"][1]["amount"]["value"] = 0.0


def test_p_pass_is_one_when_every_draw_passes(youth):
    sc = _edit(youth, _very_cheap)
    c = compile_uncertainty(sc)
    assert _corner(c, worst=True) > 0  # even the worst corner passes
    sim = simulate(sc, draws=3000, seed=1)
    assert sim.p_passes == 1.0
    assert sim.p_npv_positive[sim.agency_ids.index("council_youth_service")] == 0.0


def test_per_agency_probabilities_agree_with_their_distribution(youth):
    sim = simulate(_edit(youth, _cheap), draws=4000, seed=3)
    np.testing.assert_allclose(sim.npv_by_agency.sum(axis=1), sim.npv, rtol=0, atol=1e-6)
    expected = (sim.npv_by_agency >= -0.005).mean(axis=0)
    np.testing.assert_array_equal(sim.p_npv_positive, expected)
    for k in range(len(sim.agency_ids)):
        p5, p95 = np.percentile(sim.npv_by_agency[:, k], [5, 95])
        if p5 > 0:
            assert sim.p_npv_positive[k] >= 0.95
        if p95 < 0:
            assert sim.p_npv_positive[k] <= 0.05


def test_same_seed_identical_output_other_seed_differs(youth):
    a = simulation_json(simulate(youth, draws=3000, seed=11))
    b = simulation_json(simulate(youth, draws=3000, seed=11))
    c = simulation_json(simulate(youth, draws=3000, seed=12))
    assert a == b
    assert a != c


def test_chunking_does_not_change_results(youth):
    a = simulate(youth, draws=2500, seed=5, chunk_size=2500)
    b = simulate(youth, draws=2500, seed=5, chunk_size=2500)
    np.testing.assert_array_equal(a.npv, b.npv)
    # memory-bounded evaluation of the same draws in small chunks gives the same NPVs
    c = compile_uncertainty(youth)
    values = np.tile([[i.central for i in c.inputs]], (7, 1))
    values[:, 0] = np.linspace(130000, 190000, 7)
    whole = npv_table(c, c.inputs, values).npv
    pieces = npv_table(c, c.inputs, values, chunk_size=2).npv
    np.testing.assert_array_equal(whole, pieces)


@pytest.mark.parametrize("draws", [0, -5, MAX_DRAWS + 1, 1_000_000_000, 2.5, True])
def test_bad_draws_refused(draws):
    with pytest.raises(UsageError) as exc:
        check_draws(draws, 1)
    assert "\n" not in str(exc.value)


def test_bad_seed_refused():
    with pytest.raises(UsageError):
        check_draws(10, -1)


# --- discount rates and optimism bias -------------------------------------------------------------


def test_discount_rate_sensitivity_matches_numpy_financial(youth):
    det = appraise(youth)
    net = det.flows.net.sum(axis=1)  # undiscounted real net flows by year
    cases = {
        c.schedule or f"rate {c.rate:g}": c
        for c in discount_rate_sensitivity(compile_uncertainty(youth), [0.05])
    }
    assert cases["green_book_standard"].npv == pytest.approx(det.npv, abs=0.005)
    assert cases["green_book_lower_rate"].npv == pytest.approx(npf.npv(0.03, net), abs=0.01)
    assert cases["green_book_health"].npv == pytest.approx(npf.npv(0.015, net), abs=0.01)
    assert cases["rate 0.05"].npv == pytest.approx(npf.npv(0.05, net), abs=0.01)  # no string-encoded id
    with pytest.raises(UsageError):
        discount_rate_sensitivity(compile_uncertainty(youth), [3.5])


def _team_source_graded(scenario, grade):
    """The youth-work scenario with the detached team's source (CYP Now, Camden) given ``grade``."""
    src = scenario.sources["cypnow_2007_camden_detached"]
    return replace(scenario, sources={**scenario.sources, src.id: src.model_copy(update={"grade": grade})})


def test_optimism_bias_by_grade_by_hand(youth):
    youth = _team_source_graded(youth, "B")
    det = appraise(youth)
    eff = optimism_effect(youth)
    # shipped table: detached team (source grade B) +10%, set-up (assumption) +40%; every benefit
    # line has an assumed cohort, so the weakest grade is 'assumption': benefits -40%
    pv_setup = 20000.0 * 105.3095 / 100.0  # £20,000 in 2024-25 prices, year 0, in 2026-27 prices
    pv_team = det.pv_costs - pv_setup
    expected = 0.6 * det.pv_savings - (1.1 * pv_team + 1.4 * pv_setup)
    assert eff.npv_without == det.npv
    assert eff.npv_with == pytest.approx(expected, abs=0.01)
    assert eff.effect < 0


def test_optimism_bias_by_grade_for_the_shipped_grades(youth):
    # as shipped the Camden budget is graded U (the £152,000 was not in the text that could be read):
    # the shipped table takes grade-U costs up 25%
    det = appraise(youth)
    eff = optimism_effect(youth)
    pv_setup = 20000.0 * 105.3095 / 100.0  # £20,000 in 2024-25 prices, year 0, in 2026-27 prices (issue 11)
    pv_team = det.pv_costs - pv_setup
    expected = 0.6 * det.pv_savings - (1.25 * pv_team + 1.4 * pv_setup)
    assert eff.npv_with == pytest.approx(expected, abs=0.01)


def test_capital_optimism_bias_uses_green_book_table(youth):
    def capital(data):
        data["prevention_costs"][1]["kind"] = "capital"

    sc = _edit(_team_source_graded(youth, "B"), capital)
    det = appraise(sc)
    eff = optimism_effect(sc, capital_category="non_standard_buildings")
    pv_setup = 20000.0 * 105.3095 / 100.0  # £20,000 in 2024-25 prices, year 0, in 2026-27 prices
    pv_team = det.pv_costs - pv_setup
    expected = 0.6 * det.pv_savings - (1.1 * pv_team + 1.51 * pv_setup)
    assert eff.npv_with == pytest.approx(expected, abs=0.01)
    with pytest.raises(UsageError):
        optimism_effect(sc, capital_category="castles")


def test_optimism_bias_carried_into_simulation(youth):
    from costmodel.uncertainty.compile import OptimismSettings
    from costmodel.uncertainty.optimism import load_optimism_table

    sc = _edit(youth, _zero_width)
    sim = simulate(sc, draws=50, seed=1, optimism=OptimismSettings(load_optimism_table()))
    assert np.all(sim.npv == pytest.approx(optimism_effect(sc).npv_with, abs=0.005))


# --- CLI ------------------------------------------------------------------------------------------


def _run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_simulate_json_interface():
    code, out, err = _run("simulate", str(YOUTH_WORK), "--draws", "2000", "--seed", "4", "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["draws"] == 2000 and data["seed"] == 4
    assert set(data["npv_percentiles"]) == {"p5", "p50", "p95"}
    assert 0 <= data["p_passes"] <= 1
    assert {a["id"] for a in data["agencies"]} >= {"council_youth_service", "police"}
    assert all(0 <= a["p_npv_positive"] <= 1 for a in data["agencies"])
    assert err == ""  # no progress bar when standard error is not a terminal


def test_cli_sensitivity_json_interface():
    code, out, err = _run("sensitivity", str(YOUTH_WORK), "--format", "json", "--rates", "0.05")
    assert code == 0, err
    data = json.loads(out)
    bar = data["tornado"][0]
    assert {"input", "low", "high", "npv_low", "npv_high"} <= set(bar)
    sv = data["switching_values"]
    assert {"input", "agency", "value", "reason"} <= set(sv[0])
    assert all((s["value"] is None) == (s["reason"] is not None) for s in sv)
    assert any(s["agency"] == "total" and s["value"] is not None for s in sv)
    assert [c["schedule"] for c in data["discount_rates"]][:3] == [
        "green_book_standard",
        "green_book_lower_rate",
        "green_book_health",
    ]
    assert data["optimism_bias"]["npv_with"] < data["optimism_bias"]["npv_without"]


@pytest.mark.parametrize("draws", ["0", "1000000000"])
def test_cli_refuses_bad_draws_in_one_line(draws):
    code, out, err = _run("simulate", str(YOUTH_WORK), "--draws", draws)
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "--draws must be between 1 and 1,000,000" in err


def test_cli_progress_bar_on_request():
    code, out, err = _run("simulate", str(YOUTH_WORK), "--draws", "100", "--progress")
    assert code == 0 and "100%" in err


BAD_DISTRIBUTIONS = [
    (
        "low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
        "low: 0.0, high: 0.21, distribution: lognormal, source: yef_toolkit_mentoring,",
        "needs low > 0",
    ),
    (
        "low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
        "low: 0.05, high: 0.21, distribution: normal, source: yef_toolkit_mentoring,",
        "symmetric",
    ),
    (
        "low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
        "low: 0.05, high: 0.21, distribution: lognormal, source: yef_toolkit_mentoring,",
        "geometric midpoint",
    ),
    (
        "low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
        "low: 0.15, high: 0.21, source: yef_toolkit_mentoring,",
        "must not exceed value",
    ),
    (
        "low: 0.05, high: 0.21, source: yef_toolkit_mentoring,",
        "low: 0.05, high: 0.21, distribution: gamma, source: yef_toolkit_mentoring,",
        "distribution",
    ),
]


@pytest.mark.parametrize(("old", "new", "words"), BAD_DISTRIBUTIONS)
def test_impossible_distributions_one_line_each(tmp_path: Path, old, new, words):
    text = YOUTH_WORK.read_text(encoding="utf-8")
    assert old in text
    bad = tmp_path / "proposals" / "bad.yaml"
    bad.parent.mkdir()
    (tmp_path / "unit_costs.yaml").write_text(
        (YOUTH_WORK.parent.parent / "unit_costs.yaml").read_text(encoding="utf-8")
    )
    bad.write_text(text.replace(old, new, 1), encoding="utf-8")
    code, out, err = _run("simulate", str(bad), "--draws", "10")
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    line_no = next(i for i, ln in enumerate(text.splitlines(), 1) if old in ln)
    assert lines[0].startswith(f"{bad}:{line_no - 0}:") or lines[0].startswith(f"{bad}:{line_no}:"), lines[0]
    assert "outcomes.0.effect" in lines[0] and words in lines[0]


# --- distributions --------------------------------------------------------------------------------


def test_distribution_parameterisation():
    from costmodel.inputs.distributions import sample

    rng = np.random.default_rng(0)
    n = 200_000
    low = [0.0, 0.0, 2.0, 1.0, 4.0]
    mid = [0.3, 0.3, 5.0, 2.0, 4.0]
    high = [1.0, 1.0, 8.0, 4.0, 4.0]
    d = sample(rng, n, low, mid, high, ["triangular", "pert", "normal", "lognormal", "uniform"])
    # triangular mean (a+m+b)/3; PERT mean (a+4m+b)/6
    assert d[:, 0].mean() == pytest.approx((0 + 0.3 + 1) / 3, abs=0.005)
    assert d[:, 1].mean() == pytest.approx((0 + 4 * 0.3 + 1) / 6, abs=0.005)
    assert d[:, 0].min() >= 0 and d[:, 0].max() <= 1
    # normal: mean = value, low/high = P5/P95; lognormal: median = value, P5/P95 = low/high
    assert np.percentile(d[:, 2], [5, 50, 95]) == pytest.approx([2.0, 5.0, 8.0], abs=0.05)
    assert np.percentile(d[:, 3], [5, 50, 95]) == pytest.approx([1.0, 2.0, 4.0], abs=0.03)
    assert np.all(d[:, 4] == 4.0)  # zero width: the constant value


@pytest.mark.parametrize(
    "distribution, low, value, high",
    [
        ("triangular", 0.0, 0.3, 1.0),
        ("triangular", 2.0, 2.0, 5.0),  # mode at the minimum
        ("pert", 0.0, 0.3, 1.0),
        ("pert", 10.0, 40.0, 50.0),
        ("uniform", -1.0, 0.0, 3.0),
        ("normal", 2.0, 5.0, 8.0),
        ("lognormal", 1.0, 2.0, 4.0),
    ],
)
def test_inverse_cdf_draws_match_the_analytic_distribution(distribution, low, value, high):
    """Sample mean, variance and quantiles of 400,000 draws against the distribution's own formulas
    (computed here from the textbook definitions, not from the sampler), within about five standard
    errors."""
    import math

    from costmodel.inputs.distributions import PERT_LAMBDA, Z95, sample

    n = 400_000
    x = sample(np.random.default_rng(11), n, [low], [value], [high], [distribution])[:, 0]
    a, m, b = low, value, high
    if distribution == "triangular":
        mean, var = (a + m + b) / 3, (a * a + b * b + m * m - a * b - a * m - b * m) / 18
        # CDF: (x-a)^2 / ((b-a)(m-a)) below the mode, 1 - (b-x)^2 / ((b-a)(b-m)) above
        probe = [a + 0.25 * (b - a), a + 0.75 * (b - a)]
        cdf = [
            (t - a) ** 2 / ((b - a) * (m - a)) if t <= m else 1 - (b - t) ** 2 / ((b - a) * (b - m))
            for t in probe
        ]
    elif distribution == "pert":
        al = 1 + PERT_LAMBDA * (m - a) / (b - a)
        be = 1 + PERT_LAMBDA * (b - m) / (b - a)
        mean = a + (b - a) * al / (al + be)
        var = (b - a) ** 2 * al * be / ((al + be) ** 2 * (al + be + 1))
        # CDF by numerical integration of the Beta density with a fine midpoint rule
        grid = (np.arange(200_000) + 0.5) / 200_000
        dens = grid ** (al - 1) * (1 - grid) ** (be - 1)
        dens /= dens.sum()
        probe = [a + 0.25 * (b - a), a + 0.6 * (b - a)]
        cdf = [float(dens[grid < (t - a) / (b - a)].sum()) for t in probe]
    elif distribution == "uniform":
        mean, var = (a + b) / 2, (b - a) ** 2 / 12
        probe = [a + 0.1 * (b - a), a + 0.9 * (b - a)]
        cdf = [0.1, 0.9]
    elif distribution == "normal":
        sd = (b - a) / (2 * Z95)
        mean, var = m, sd * sd
        probe = [a, m, b]
        cdf = [0.05, 0.5, 0.95]
    else:
        sigma = (math.log(b) - math.log(a)) / (2 * Z95)
        mean = math.exp(math.log(m) + sigma**2 / 2)
        var = (math.exp(sigma**2) - 1) * math.exp(2 * math.log(m) + sigma**2)
        probe = [a, m, b]
        cdf = [0.05, 0.5, 0.95]
    sd = math.sqrt(var)
    assert x.mean() == pytest.approx(mean, abs=5 * sd / math.sqrt(n))
    assert x.var() == pytest.approx(var, rel=0.02)
    for t, p in zip(probe, cdf, strict=True):
        assert np.mean(x <= t) == pytest.approx(p, abs=5 * math.sqrt(p * (1 - p) / n) + 1e-4)
    if distribution in ("triangular", "pert", "uniform"):
        assert a <= x.min() and x.max() <= b


def test_normal_quantile_inverts_the_normal_cdf():
    """Φ(Φ⁻¹(p)) = p to near machine precision, Φ from math.erfc, across the body and both tails."""
    import math

    from costmodel.inputs.distributions import normal_quantile

    p = np.unique(
        np.concatenate(
            [np.logspace(-200, -2, 400), np.linspace(0.01, 0.99, 981), 1 - np.logspace(-15, -2, 200)]
        )
    )
    z = normal_quantile(p)
    back = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in z])
    lower = p < 0.5
    assert np.all(np.abs(back[lower] - p[lower]) <= 1e-11 * p[lower])
    assert np.all(np.abs((1 - back[~lower]) - (1 - p[~lower])) <= 1e-13 * (1 - p[~lower]) + 2e-16)
    assert np.all(np.diff(z) > 0)


def test_draws_clipped_to_domain_and_rounded_for_years():
    from costmodel.inputs.distributions import sample

    rng = np.random.default_rng(1)
    d = sample(
        rng,
        10_000,
        [0.0, 0.0],
        [0.5, 1.0],
        [1.0, 2.0],
        ["normal", "triangular"],
        bounds_low=[0.0, 0.0],
        bounds_high=[0.6, 10.0],
        integer=[False, True],
    )
    assert d[:, 0].min() >= 0.0 and d[:, 0].max() <= 0.6
    assert set(np.unique(d[:, 1])) <= {0.0, 1.0, 2.0}


# --- charts ---------------------------------------------------------------------------------------


def test_uncertainty_charts_build_from_small_frames(youth):
    from costmodel.present.charts import CHART_KINDS, build_chart

    det = appraise(youth)
    for kind in ("tornado", "npv-distribution"):
        data = CHART_KINDS[kind].data(det)
        assert 0 < len(data) <= 5000
        spec = build_chart(kind, det).to_dict()
        assert spec["layer"]
    hist = CHART_KINDS["npv-distribution"].data(det)
    assert hist["draws"].sum() == 10_000


# --- other shapes of proposal ---------------------------------------------------------------------


def _with_growth(data):
    data["prevention_costs"][0]["growth"] = {
        "value": 0.01,
        "unit": "fraction_per_year",
        "low": -0.02,
        "high": 0.05,
        "assumption": "test range",
    }


def test_growth_range_varies_cost_shape_per_draw(youth):
    sc = _edit(youth, lambda d: (_cheap(d), _with_growth(d)))
    det = appraise(sc)
    c = compile_uncertainty(sc)
    bar = next(b for b in tornado(c, det).bars if b.input.id.endswith("detached_team.growth"))
    assert bar.npv_low > det.npv > bar.npv_high  # faster cost growth, lower NPV
    # by hand: NPV at growth g differs from central by the change in PV of the team's cost
    team = 8000 * CUPI_2007
    pv = lambda g: sum(team * (1 + g) ** t / 1.035**t for t in range(10))  # noqa: E731
    assert bar.npv_high == pytest.approx(det.npv - (pv(0.05) - pv(0.01)), abs=0.01)
    sim = simulate(sc, draws=500, seed=2)
    assert np.all(np.isfinite(sim.npv)) and sim.npv.std() > 0
    for sv in switching_values(c, [bar.input]):
        if sv.value is not None:
            j = ["total", *c.agency_ids].index(sv.agency)
            total, by_agency = npv_with(c, sv.input, sv.value)
            assert abs(total if j == 0 else by_agency[j - 1]) < 0.01


def test_a_cut_and_a_proposal_without_ranges(youth):
    def cut(d):
        _zero_width(d)
        for q in _quantities(d):
            q["low"] = q["high"] = q["distribution"] = None
        d["kind"] = "cut"

    sc = _edit(youth, cut)
    det = appraise(sc)
    c = compile_uncertainty(sc)
    assert c.inputs == ()
    assert tornado(c, det).bars == ()
    sim = simulate(sc, draws=10, seed=0)
    assert np.all(sim.npv == det.npv)
    for sv in switching_values(c):
        if sv.value is not None and sv.method != "integer scan":
            j = ["total", *c.agency_ids].index(sv.agency)
            total, by_agency = npv_with(c, sv.input, sv.value)
            assert abs(total if j == 0 else by_agency[j - 1]) < 0.01


def test_bad_optimism_table_one_line(tmp_path: Path):
    table = tmp_path / "ob.yaml"
    shipped = (
        Path(__file__).resolve().parent.parent / "costmodel" / "data" / "optimism_bias.yaml"
    ).read_text()
    table.write_text(shipped.replace("B: {costs: 0.10, benefits: 0.10}", "B: {costs: 0.10, benefits: 1.5}"))
    code, out, err = _run("sensitivity", str(YOUTH_WORK), "--optimism-table", str(table))
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and str(table) in err and "benefits" in err


def test_cli_bad_rates_one_line():
    code, out, err = _run("sensitivity", str(YOUTH_WORK), "--rates", "3.5%")
    assert code == 1 and err.count("\n") == 1 and "--rates" in err


# --- invariants (Hypothesis) ----------------------------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    team=st.floats(min_value=1000, max_value=300_000),
    effect=st.floats(min_value=0.01, max_value=0.9),
    cohort=st.floats(min_value=10, max_value=5000),
)
def test_every_switching_value_feeds_back_to_zero(youth, team, effect, cohort):
    def edit(d):
        d["prevention_costs"][0]["amount"].update(value=team, low=None, high=None)
        d["outcomes"][1]["effect"].update(value=effect, low=None, high=None)
        d["outcomes"][1]["cohort"].update(value=cohort, low=None, high=None)

    c = compile_uncertainty(_edit(youth, edit))
    cols = ["total", *c.agency_ids]
    for sv in switching_values(c):
        if sv.value is None or sv.method == "integer scan":
            continue
        total, by_agency = npv_with(c, sv.input, sv.value)
        j = cols.index(sv.agency)
        assert abs(total if j == 0 else by_agency[j - 1]) < 0.01, (sv.input.id, sv.agency)


def test_discount_rate_range_in_tornado_and_simulation(youth):
    det = appraise(youth)
    net = det.flows.net.sum(axis=1)
    c = compile_uncertainty(youth, discount_rate_range=(0.015, 0.05))
    bar = next(b for b in tornado(c, det).bars if b.input.id == "appraisal.discount_rate")
    assert bar.npv_low == pytest.approx(npf.npv(0.015, net), abs=0.01)
    assert bar.npv_high == pytest.approx(npf.npv(0.05, net), abs=0.01)
    sim = simulate(youth, draws=1000, seed=1, discount_rate_range=(0.015, 0.05))
    assert "appraisal.discount_rate" in [i.id for i in sim.inputs]
    with pytest.raises(UsageError):
        compile_uncertainty(youth, discount_rate_range=(0.04, 0.05))
    code, out, err = _run("simulate", str(YOUTH_WORK), "--draws", "10", "--discount-range", "0.05")
    assert code == 1 and "--discount-range takes two fractions" in err


def test_cli_simulate_with_optimism_bias():
    code, out, err = _run(
        "simulate", str(YOUTH_WORK), "--draws", "200", "--optimism-bias", "--format", "json"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["optimism_bias"] is True
    det = appraise(load_proposal(YOUTH_WORK))
    assert data["deterministic_npv"] == pytest.approx(
        optimism_effect(load_proposal(YOUTH_WORK)).npv_with, abs=0.01
    )
    # less favourable than the figures before optimism bias (det.npv is itself risk-adjusted since
    # RISK-CORE: comparing with it passed only when the JSON's rounding to the penny happened to go down)
    assert det.unadjusted is not None and data["deterministic_npv"] < det.unadjusted.npv


def test_keep_freed_memory_is_set_once_and_changes_no_draw():
    """The allocator setting (glibc Linux) leaves every simulated figure as it was."""
    import sys

    from costmodel.uncertainty.memory import keep_freed_memory

    sc = load_proposal(YOUTH_WORK)
    before = simulate(sc, 3000, 7)
    assert keep_freed_memory() is sys.platform.startswith("linux")
    assert keep_freed_memory() is sys.platform.startswith("linux")  # idempotent
    after = simulate(sc, 3000, 7)
    assert np.array_equal(before.npv, after.npv) and np.array_equal(before.npv_by_agency, after.npv_by_agency)
