"""The Uncertainty tab in Debian's headless Chromium: the tornado draws, a Monte Carlo run shows a
progress bar that goes away, then the probability of passing (equal to the engine's) and the histogram.
Screenshots go to test-output/."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import app_url, page, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

DRAWS = 1_000_000  # long enough (a second or more) for the progress bar to be seen
SEED = 4242


def test_uncertainty_tab_runs_a_simulation_with_a_progress_bar(page):  # noqa: F811
    from playwright.sync_api import expect

    from costmodel.formatting import percent
    from costmodel.inputs.loading import load_proposal
    from costmodel.uncertainty.montecarlo import simulate
    from tests.e2e.test_browser import ROOT

    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=30_000)
    page.get_by_role("tab", name="Uncertainty").click()
    panel = page.get_by_role("tabpanel", name="Uncertainty")
    charts = panel.get_by_test_id("stVegaLiteChart")
    expect(charts.first.locator("canvas, svg").first).to_be_visible(timeout=20_000)  # the tornado
    expect(panel.get_by_text("Not run yet")).to_be_visible()

    panel.get_by_role("spinbutton", name="Number of draws").fill(str(DRAWS))
    panel.get_by_role("spinbutton", name="Seed").fill(str(SEED))
    panel.get_by_role("button", name="Run simulation").click()
    bar = panel.get_by_test_id("stProgress")
    expect(bar).to_be_visible(timeout=20_000)
    expect(bar).to_have_count(0, timeout=60_000)  # completed and removed

    metric = panel.get_by_test_id("stMetric").filter(has_text="Probability of passing")
    expect(metric).to_be_visible(timeout=30_000)
    sim = simulate(load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml"), DRAWS, SEED)
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(percent(sim.p_passes))
    expect(panel.get_by_text(f"{DRAWS:,} draws, seed {SEED}")).to_be_visible()
    expect(charts).to_have_count(2)
    for i in range(2):
        charts.nth(i).scroll_into_view_if_needed()
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible(timeout=20_000)
    assert page.get_by_test_id("stException").count() == 0
    page.set_viewport_size({"width": 1400, "height": 6200})  # the whole tab in one screenshot
    page.wait_for_timeout(1500)
    shot(page, "uncertainty")
    page.set_viewport_size({"width": 1400, "height": 3000})

    # the Downloads tab's briefing now quotes the run
    page.get_by_role("tab", name="Downloads").click()
    downloads = page.get_by_role("tabpanel", name="Downloads")
    expect(downloads.get_by_text("quotes the Monte Carlo run")).to_be_visible(timeout=15_000)
    assert page.get_by_test_id("stException").count() == 0
