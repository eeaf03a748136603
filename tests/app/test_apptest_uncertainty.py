"""The Uncertainty tab of the Ten Year Test page (AppTest): tornado, switching values, discount rates,
optimism bias, and the Monte Carlo run on request, checked against the engine called directly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from app_pages.tabs.downloads import document_files
from app_pages.tabs.uncertainty import DRAWS_KEY, OPTIMISM_KEY, SEED_KEY
from costmodel.appraisal.chain import appraise
from costmodel.export.brief import SimulationSummary
from costmodel.formatting import money, percent
from costmodel.inputs.loading import load_proposal
from costmodel.uncertainty.limits import MAX_DRAWS
from costmodel.uncertainty.montecarlo import simulate
from costmodel.uncertainty.sensitivity import optimism_effect
from tests.app.tabs import open_tab

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
PROPOSALS = ROOT / "assumptions" / "proposals"


def start(stem: str | None = "youth_work") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if stem is None:
        at.selectbox(key="proposal_choice").set_value("template").run()
    elif stem != "youth_work":
        at.selectbox(key="proposal_choice").set_value(f"example:{stem}").run()
    assert not at.exception, [e.value for e in at.exception]
    open_tab(at, "Uncertainty")  # only the open tab runs
    return at


def tab(at: AppTest, label: str):
    return open_tab(at, label)


def frame_with(t, column: str):
    return next(d.value for d in [*t.dataframe, *t.table] if column in d.value.columns)


def switching(t):
    """The switching-values table (a static table indexed by input label)."""
    return next(d.value for d in t.table if "Switching value" in d.value.columns)


def metrics(t) -> dict[str, str]:
    return {m.label: m.value for m in t.metric}


def run_simulation(at: AppTest, draws: int, seed: int) -> None:
    open_tab(at, "Uncertainty")
    at.number_input(key=DRAWS_KEY).set_value(draws)
    at.number_input(key=SEED_KEY).set_value(seed)
    next(b for b in at.button if b.label == "Run simulation").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def chart_captions(t) -> list[str]:
    return [c.value for c in t.caption]


def test_youth_work_shows_the_tornado_and_switching_values():
    at = start()
    labels = [t.label for t in at.tabs]
    assert labels.index("Uncertainty") == labels.index("Ten Year Test table") + 1
    u = tab(at, "Uncertainty")
    assert any(c.startswith("Net present value with each ranged assumption") for c in chart_captions(u))
    # the tornado table: every ranged input, largest swing first; the swing is |NPV at high - NPV at low|
    t = frame_with(u, "Swing (£)")
    assert len(t) == 16
    assert list(t["Swing (£)"]) == sorted(t["Swing (£)"], reverse=True)
    assert np.allclose(t["Swing (£)"], (t["NPV at high (£)"] - t["NPV at low (£)"]).abs())
    top = t.iloc[0]
    assert top["Id"] == "prevention_costs.detached_team.amount"
    assert (top["Low"], top["Central"], top["High"]) == ("£130k", "£152k", "£190k")

    # switching value of the team's cost: the NPV is linear in it, so the zero crossing follows from the
    # tornado's two ends by straight-line interpolation
    x0 = 130_000 + (0 - top["NPV at low (£)"]) * (190_000 - 130_000) / (
        top["NPV at high (£)"] - top["NPV at low (£)"]
    )
    sv = switching(u)
    # every key input, the whole public sector's switching value (the default view); 23 since youth_work
    # counts the victims' NHS treatment (issue 12 §1: the crime_victim_nhs_average unit cost is a key input)
    assert len(sv) == 23
    row = sv.loc[sv.index.str.startswith("Detached youth work team")].iloc[0]
    assert row["Switching value"] == money(x0)
    assert row["Change from central"] == f"{(x0 - 152_000) / 152_000:+,.0%}"
    # an input the whole-public-sector NPV does not depend on says why there is no value
    row = sv.loc["First-time entrants to the youth justice system avoided: drop off"]
    assert row["Switching value"] == "none" and "does not change" in row["Why none"]

    # per agency: the youth service's NPV never reaches zero by cutting the cost (it has no savings)
    at.selectbox(key="unc_switching_who").set_value("Council youth service").run()
    sv = switching(tab(at, "Uncertainty"))
    row = sv.loc[sv.index.str.startswith("Detached youth work team")].iloc[0]
    assert row["Switching value"] == "none" and "stays negative" in row["Why none"]


def test_discount_rates_side_by_side_and_a_user_rate():
    at = start()
    u = tab(at, "Uncertainty")
    rates = frame_with(u, "Lower rate")
    assert list(rates.columns) == ["Budget holder", "Standard", "Lower rate", "Health"]
    # the standard schedule is the file's: its total is the headline NPV
    assert rates["Standard"].iloc[0] == pytest.approx(
        appraise(load_proposal(PROPOSALS / "youth_work.yaml")).npv
    )
    # budget holders add up to the whole public sector under every schedule
    for c in ("Standard", "Lower rate", "Health"):
        assert rates[c].iloc[1:].sum() == pytest.approx(rates[c].iloc[0], abs=0.01)
    at.number_input(key="unc_user_rate").set_value(0.0).run()
    u = tab(at, "Uncertainty")
    rates = frame_with(u, "Lower rate")
    user = next(c for c in rates.columns if c.startswith("Your rate"))
    # at 0% nothing is discounted: the NPV is the plain sum of the yearly net positions
    r = appraise(load_proposal(PROPOSALS / "youth_work.yaml"))
    assert rates[user].iloc[0] == pytest.approx(float(np.sum(r.flows.net)), abs=0.01)


def test_optimism_toggle_shows_the_effect_and_the_corrections():
    at = start()
    # risk-adjusted is the central case (RISK-CORE): the toggle starts as the file says (on), off hides them
    assert at.toggle(key=OPTIMISM_KEY).value is True
    assert any(m.startswith("NPV with the corrections") for m in metrics(tab(at, "Uncertainty")))
    at.toggle(key=OPTIMISM_KEY).set_value(False).run()
    assert not any(m.startswith("NPV with the corrections") for m in metrics(tab(at, "Uncertainty")))
    at.toggle(key=OPTIMISM_KEY).set_value(True).run()
    u = tab(at, "Uncertainty")
    o = optimism_effect(load_proposal(PROPOSALS / "youth_work.yaml"))
    m = metrics(u)
    assert m["NPV without the corrections"] == money(o.npv_without)
    assert m["NPV with the corrections"] == money(o.npv_with)
    assert o.npv_with < o.npv_without  # costs up, benefits down
    corrections = frame_with(u, "Direction")
    assert len(corrections) == len(o.corrections)
    assert set(corrections["Direction"]) == {"costs up", "benefits down"}


def test_simulation_matches_the_engine_and_the_same_seed_gives_the_same_figures():
    at = start("early_help_pooled")
    assert "Probability of passing" not in metrics(tab(at, "Uncertainty"))  # not run automatically
    run_simulation(at, 4000, 11)
    sim = simulate(load_proposal(PROPOSALS / "early_help_pooled.yaml"), 4000, 11)
    assert 0 < sim.p_passes < 1
    u = tab(at, "Uncertainty")
    m = metrics(u)
    assert m["Probability of passing"] == percent(sim.p_passes)
    p5, p50, p95 = sim.percentiles()
    assert (m["NPV, 5th percentile"], m["NPV, median"], m["NPV, 95th percentile"]) == (
        money(p5),
        money(p50),
        money(p95),
    )
    agencies = frame_with(u, "P(NPV ≥ 0)")
    assert np.array_equal(agencies["P(NPV ≥ 0)"].to_numpy(), sim.p_npv_positive)
    assert m["Cash break-even"] == percent(sim.p_cash_break_even_within_firm_years)
    assert any(c.startswith("Histogram of the NPV over 4,000 joint draws") for c in chart_captions(u))
    # the briefing on the Downloads tab quotes this run
    assert any("probability of passing" in c.value for c in tab(at, "Downloads").caption)

    run_simulation(at, 4000, 11)  # same seed again: the same figures
    assert metrics(tab(at, "Uncertainty")) == m
    run_simulation(at, 4000, 12)  # another seed: other draws
    assert metrics(tab(at, "Uncertainty"))["NPV, median"] != m["NPV, median"] or (
        metrics(tab(at, "Uncertainty"))["Probability of passing"] != m["Probability of passing"]
    )


def test_the_briefing_quotes_the_simulation():
    sc = load_proposal(PROPOSALS / "early_help_pooled.yaml")
    r = appraise(sc)
    sim = simulate(sc, 2000, 3)
    summary = SimulationSummary(sim.p_passes, sim.draws, *(float(x) for x in sim.percentiles((5, 95))))
    files = {f.key: f for f in document_files(r, pdf=False, simulation=summary)}
    html = files["dl-brief-html"].make().decode("utf-8")
    assert (
        f"in 2,000 simulated draws the proposal passes the Ten Year Test {sim.p_passes:.0%} of the time"
        in html
    )
    plain = {f.key: f for f in document_files(r, pdf=False)}["dl-brief-md"].make().decode("utf-8")
    assert "no simulation of the uncertainty was run" in plain


@pytest.mark.parametrize("draws", [0, MAX_DRAWS + 1])
def test_invalid_draws_show_an_error_next_to_the_field_and_the_page_stays_usable(draws):
    at = start()
    run_simulation(at, 1000, 5)
    before = metrics(tab(at, "Uncertainty"))["Probability of passing"]
    run_simulation(at, draws, 5)
    u = tab(at, "Uncertainty")
    errors = [e.value for e in u.error]
    assert errors == [
        f"The number of draws must be between 1 and {MAX_DRAWS:,} (you entered {draws:,}). "
        "10,000 draws give probabilities to within about ±1 percentage point."
    ]
    assert metrics(u)["Probability of passing"] == before  # the last valid run stays on screen
    run_simulation(at, 1000, 5)  # and a valid run works again
    assert not tab(at, "Uncertainty").error


def test_an_edit_makes_the_simulation_stale():
    at = start()
    run_simulation(at, 1000, 5)
    at.switch_page("app_pages/edit_assumptions.py").run()
    box = next(n for n in at.number_input if n.label.startswith("Horizon"))
    box.set_value(12).run()
    at.switch_page("app_pages/ten_year_test.py").run()
    assert not at.exception
    u = tab(at, "Uncertainty")
    assert "Probability of passing" not in metrics(u)
    assert any("changed since the last run" in i.value for i in u.info)
    assert not any("probability of passing" in c.value for c in tab(at, "Downloads").caption)


def test_a_proposal_without_ranges_says_so_and_still_has_switching_values():
    at = start(None)
    u = tab(at, "Uncertainty")
    assert any(i.value.startswith("No assumption in this file has a range") for i in u.info)
    assert not any(c.startswith("Net present value with each ranged") for c in chart_captions(u))
    assert len(switching(u)) > 0
    assert not any(b.label == "Run simulation" for b in u.button)
    # no tornado or Monte Carlo image to download either (the four deterministic charts only)
    labels = [b.label for b in tab(at, "Downloads").get("download_button")]
    assert labels.count("PNG") == labels.count("SVG") == 4


def test_the_charts_tab_has_no_uncertainty_charts():
    at = start()
    charts = tab(at, "Charts")
    captions = chart_captions(charts)
    assert len(captions) == 4
    assert not any("Monte Carlo" in c or "ranged assumption" in c for c in captions)


def test_settings_and_the_run_survive_a_page_switch():
    at = start("early_help_pooled")
    at.toggle(key=OPTIMISM_KEY).set_value(True).run()
    at.number_input(key="unc_user_rate").set_value(5.0).run()
    run_simulation(at, 3000, 9)
    before = metrics(tab(at, "Uncertainty"))
    assert "Probability of passing" in before and "NPV, Your rate (5.00%)" in before
    at.switch_page("app_pages/sources.py").run()
    at.switch_page("app_pages/ten_year_test.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.toggle(key=OPTIMISM_KEY).value is True
    assert at.number_input(key=DRAWS_KEY).value == 3000 and at.number_input(key=SEED_KEY).value == 9
    assert metrics(tab(at, "Uncertainty")) == before
    # the run was made with the corrections: it matches the engine's corrected simulation
    from costmodel.uncertainty.compile import OptimismSettings
    from costmodel.uncertainty.optimism import load_optimism_table

    sim = simulate(
        load_proposal(PROPOSALS / "early_help_pooled.yaml"),
        3000,
        9,
        optimism=OptimismSettings(load_optimism_table()),
    )
    assert before["Probability of passing"] == percent(sim.p_passes)


def test_simulation_shows_standard_errors_and_the_pooled_budget_in_every_draw():
    """Issue 13 §4: every probability and percentile with its Monte Carlo standard error, and for a pooled
    budget each partner's chance of ending whole after the agreement, as the CLI computes them."""
    from costmodel.appraisal.engine import compile_scenario
    from costmodel.pooling.draws import pool_draws

    at = start("early_help_pooled")
    run_simulation(at, 3000, 5)
    u = tab(at, "Uncertainty")
    # the same settings as the app's run: with the optimism-bias corrections if it says it applied them
    adjusted = any("optimism-bias corrections applied" in m.value for m in u.markdown)
    sc = load_proposal(PROPOSALS / "early_help_pooled.yaml")
    sim = simulate(sc, 3000, 5, optimism=adjusted, extra=pool_draws(sc, compile_scenario(sc)[0]))
    captions = [c.value for c in u.caption]
    se = (sim.p_passes * (1 - sim.p_passes) / 3000) ** 0.5
    assert any(f"probability of passing ± {se * 100:.1f} points" in c for c in captions)
    agencies = frame_with(u, "± (points)")
    assert np.allclose(agencies["± (points)"].to_numpy(), 100 * np.sqrt(sim.p_npv_positive * (1 - sim.p_npv_positive) / 3000))
    pooled = frame_with(u, "P(whole) after")
    after = dict(zip(sim.agency_ids, np.mean(sim.extras["net_after"] >= -0.005, axis=0), strict=True))
    names = {a.id: a.name for a in sc.agencies}
    for _, row in pooled.iterrows():
        agency = next(a for a, n in names.items() if n == row["Party"])
        assert row["P(whole) after"] == pytest.approx(after[agency])
