"""Beside the verdict: the probability of passing from the one Monte Carlo run the page quotes (AppTest).

The expectations come from the engine's own simulate() run with the same draws and seed, and the standard
error from the textbook formula sqrt(p(1-p)/n) worked here."""

from __future__ import annotations

import math
from pathlib import Path

from streamlit.testing.v1 import AppTest

from app_pages.tabs.downloads import chart_files
from app_pages.tabs.uncertainty import _image
from costmodel.formatting import percent
from costmodel.inputs.loading import load_proposal
from costmodel.present.charts import build_chart
from costmodel.uncertainty.compile import OptimismSettings
from costmodel.uncertainty.limits import DEFAULT_DRAWS, DEFAULT_SEED
from costmodel.uncertainty.montecarlo import simulate
from costmodel.uncertainty.optimism import load_optimism_table
from tests.app.tabs import open_tab
from tests.app.test_apptest_uncertainty import run_simulation

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
POOLED = ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"


def start(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def chance(at: AppTest) -> tuple[str, str]:
    line = next(m.value for m in at.main.markdown if m.value.startswith("**Probability of passing"))
    caption = next(c.value for c in at.main.caption if "draws, seed" in c.value)
    return line, caption


def test_the_pooled_example_shows_its_probability_of_passing_with_a_standard_error():
    at = start(example="early_help_pooled")
    sc = load_proposal(POOLED)
    sim = simulate(sc, DEFAULT_DRAWS, DEFAULT_SEED)
    line, caption = chance(at)
    assert percent(sim.p_passes) in line
    p, n = sim.p_passes, DEFAULT_DRAWS
    se_points = math.sqrt(p * (1 - p) / n) * 100  # e.g. p = 0.39, n = 10,000: 0.49 points
    assert f"standard error {se_points:.1f} points" in caption
    assert f"{DEFAULT_DRAWS:,} draws, seed {DEFAULT_SEED}" in caption
    # the central case is risk-adjusted (RISK-CORE): the default run applies the corrections, as the table's
    # own settings do, and the unadjusted chance on the same draws is quoted beside it
    assert sim.optimism_bias
    optimistic = simulate(sc, DEFAULT_DRAWS, DEFAULT_SEED, optimism=OptimismSettings(load_optimism_table()))
    assert optimistic.p_passes == sim.p_passes
    unadjusted = simulate(sc, DEFAULT_DRAWS, DEFAULT_SEED, optimism=False)
    assert optimistic.p_passes < unadjusted.p_passes
    assert f"Unadjusted (before optimism bias): {percent(unadjusted.p_passes)}" in caption
    assert "(risk-adjusted)" in line
    # the verdict still says what the central figures say; the chance sits beside it
    assert at.success or at.error


def test_a_run_on_the_uncertainty_tab_is_the_one_beside_the_verdict_and_in_the_link():
    at = start(example="early_help_pooled")
    run_simulation(at, 4000, 11)
    sim = simulate(load_proposal(POOLED), 4000, 11)
    assert percent(sim.p_passes) in chance(at)[0]
    assert "4,000 draws, seed 11" in chance(at)[1]
    # ob=1: the run applies the optimism-bias corrections, as the risk-adjusted central case does (RISK-CORE)
    assert (at.query_params["draws"], at.query_params["seed"], at.query_params["ob"]) == ("4000", "11", "1")

    # the link reopens the run in a fresh session, without pressing Run
    again = start(**{k: at.query_params[k] for k in ("example", "draws", "seed", "ob")}, tab="Uncertainty")
    metric = next(m for m in again.metric if m.label == "Probability of passing")
    assert metric.value == percent(sim.p_passes)
    assert percent(sim.p_passes) in chance(again)[0]


def test_the_downloaded_histogram_is_the_run_the_page_quotes():
    at = start(example="early_help_pooled")
    run_simulation(at, 3000, 5)
    view = at.session_state["uncertainty_runs"]["example:early_help_pooled"][1]
    assert view.draws == 3000
    sc = load_proposal(POOLED)
    from costmodel.appraisal.chain import appraise

    r = appraise(sc)
    files = {f.file_name: f for f in chart_files(r, ["npv-distribution"], view)}
    svg = files["early_help_pooled-npv-distribution.svg"].make()
    on_tab = _image(build_chart("npv-distribution", r, view.histogram), "svg", r)
    assert svg == on_tab
    assert "Source: costmodel appraisal of early_help_pooled" in svg.decode("utf-8")
    default = {f.file_name: f for f in chart_files(r, ["npv-distribution"])}
    assert default["early_help_pooled-npv-distribution.svg"].make() != svg  # another run, other bars


def test_without_a_run_of_its_own_the_briefing_quotes_the_run_beside_the_verdict():
    at = start(example="early_help_pooled")
    sim = simulate(load_proposal(POOLED), DEFAULT_DRAWS, DEFAULT_SEED)
    assert percent(sim.p_passes) in chance(at)[0]
    downloads = open_tab(at, "Downloads")
    caption = next(c.value for c in downloads.caption if "default Monte Carlo run" in c.value)
    assert f"({DEFAULT_DRAWS:,} draws): the proposal passes in {percent(sim.p_passes)}" in caption
