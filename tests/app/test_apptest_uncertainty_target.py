"""The Uncertainty tab's target-error control and the agreement's cash schedule (issue 13 §4, issue 14
item 2): the same figures as ``costmodel simulate --target-error`` for the same seed."""

from __future__ import annotations

from pathlib import Path

import pytest

from app_pages.tabs.uncertainty import DRAWS_KEY, SEED_KEY, TARGET_KEY, TARGET_ON_KEY
from costmodel.appraisal.engine import compile_scenario
from costmodel.formatting import percent
from costmodel.inputs.loading import load_proposal
from costmodel.pooling.draws import pool_draws
from costmodel.present.pooled_draws import pooled_to_dict
from costmodel.uncertainty.montecarlo import simulate
from tests.app.tabs import open_tab
from tests.app.test_apptest_uncertainty import frame_with, metrics, start

ROOT = Path(__file__).resolve().parents[2]
POOLED = ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"


def run_to_target(at, cap: int, seed: int, points: float):
    u = open_tab(at, "Uncertainty")
    at.number_input(key=DRAWS_KEY).set_value(cap)
    at.number_input(key=SEED_KEY).set_value(seed)
    at.checkbox(key=TARGET_ON_KEY).check()
    at.number_input(key=TARGET_KEY).set_value(points)
    next(b for b in at.button if b.label == "Run simulation").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    u = open_tab(at, "Uncertainty")
    adjusted = any("optimism-bias corrections applied" in m.value for m in u.markdown)
    return u, adjusted


def test_a_target_reached_in_the_first_block_gives_the_clis_figures():
    at = start("early_help_pooled")
    u, adjusted = run_to_target(at, 100_000, 7, 0.5)
    sc = load_proposal(POOLED)
    sim = simulate(sc, 100_000, 7, optimism=adjusted, target_error=0.005)
    # p ≈ 0.5% (risk-adjusted) or about 35% (unadjusted): p(1 - p)/0.005² ≤ 10,000 draws, one block either way
    assert sim.draws == 10_000 and not sim.cap_reached
    assert metrics(u)["Probability of passing"] == percent(sim.p_passes)
    assert any("standard error of at most ± 0.5 points: 10,000 draws" in c.value for c in u.caption)
    assert not [w for w in u.warning if "NOT reached" in w.value]


def test_a_target_beyond_the_cap_says_so_and_keeps_the_capped_draws():
    at = start("early_help_pooled")
    u, adjusted = run_to_target(at, 20_000, 7, 0.02)
    sc = load_proposal(POOLED)
    sim = simulate(sc, 20_000, 7, optimism=adjusted, target_error=0.0002)
    assert sim.cap_reached and sim.draws == 20_000
    (warning,) = [w.value for w in u.warning if "NOT reached" in w.value]
    assert warning.startswith("Target standard error ± 0.02 points NOT reached: stopped at the cap of 20,000 draws")
    assert f"standard error {sim.p_passes_se * 100:.2f} points" in warning
    assert metrics(u)["Probability of passing"] == percent(sim.p_passes)


def test_the_cash_schedule_by_year_is_the_clis():
    at = start("early_help_pooled")
    u, adjusted = run_to_target(at, 10_000, 3, 1.0)
    sc = load_proposal(POOLED)
    sim = simulate(sc, 10_000, 3, optimism=adjusted, target_error=0.01,
                   extra=pool_draws(sc, compile_scenario(sc)[0]))  # fmt: skip
    names = {a.id: a.name for a in sc.agencies}
    expected = pooled_to_dict(sim, names, ["council_childrens_services", "police", "nhs"])
    assert expected is not None
    table = frame_with(u, "Year")
    table = table[table["Year"] == "2026-27"]
    police = next(r for r in expected["parties"] if r["id"] == "police")
    row = table[table["Party"] == names["police"]].iloc[0]
    first = police["cash_paid_by_year"][0]
    assert (row["P5 (£)"], row["P50 (£)"], row["P95 (£)"]) == pytest.approx((first["p5"], first["p50"], first["p95"]))
