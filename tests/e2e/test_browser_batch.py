"""The Every-area page in Debian's headless Chromium: the ranked chart draws one mark per area with its
caption and data table, axe-core finds no serious or critical violation, and a phone shows it without
sideways scrolling."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import OUT, app_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [1400, 390])
def test_every_area_page_in_a_browser(browser, app_url, width):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": 2000})
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app_url}/batch?example=youth_work&areas=youth_justice_fte_2024&bdraws=300")
        expect(page.get_by_role("heading", level=3, name=re.compile("In 0 of 5 areas"))).to_be_visible()
        chart = page.get_by_test_id("stVegaLiteChart").first
        expect(chart).to_be_visible()
        page.wait_for_timeout(1500)
        points = chart.locator('[role="graphics-symbol"][aria-roledescription="point"]')
        assert points.count() == 5  # one mark per area
        assert page.get_by_text("The chart's data as a table").count() == 1
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']}"
            for v in Axe().run(page).response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert bad == []
        overflow = page.evaluate(
            "(() => { const m = document.querySelector('[data-testid=stMain]'); return m.scrollWidth - m.clientWidth; })()"
        )
        assert overflow <= 1
        page.get_by_test_id("stMain").screenshot(path=str(OUT / f"batch_{width}.png"))
    finally:
        context.close()


def test_every_area_page_for_a_proposal_without_a_shipped_table(browser, app_url, tmp_path):  # noqa: F811
    """Early help (pooled) has no shipped area table (the one shipped sets youth-work inputs): the page
    says so and why, offers a template of early help's own inputs, and the template, filled with a
    second area and uploaded, runs every area. Screenshots: batch_no_table.png, batch_template_run.png."""
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 2000}, accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(60_000)
        page.goto(f"{app_url}/batch?example=early_help_pooled&bdraws=0")
        expect(page.get_by_text("No shipped area table sets the inputs of")).to_be_visible()
        expect(page.get_by_text("is written for Targeted detached youth work")).to_be_visible()
        expect(page.get_by_text("which are not inputs of this proposal")).to_be_visible()
        assert page.get_by_test_id("stException").count() == 0
        assert page.get_by_text("The area table has problems").count() == 0
        OUT.mkdir(exist_ok=True)
        page.get_by_test_id("stMain").screenshot(path=str(OUT / "batch_no_table.png"))
        with page.expect_download() as info:
            page.get_by_role("button", name="Area table template for this proposal (YAML)").click()
        template = info.value.path().read_text(encoding="utf-8")
        assert info.value.suggested_filename == "early_help_pooled-areas.yaml"
        # a second area: the proposal's figures with twice the baseline rate of entering care
        second = re.sub(r"^- id: proposal\n", "- id: doubled\n  name: Doubled care rate\n", template.split("areas:\n")[1], flags=re.M)
        second = "\n".join(line for line in second.splitlines() if not line.startswith("  name: The proposal"))
        second = second.replace("outcomes.children_entering_care.baseline_rate: 0.025", "outcomes.children_entering_care.baseline_rate: 0.05")
        filled = tmp_path / "early_help_areas.yaml"
        filled.write_text(template.rstrip("\n") + "\n" + second + "\n", encoding="utf-8")
        page.get_by_test_id("stFileUploader").locator("input[type=file]").set_input_files(str(filled))
        expect(page.get_by_role("heading", level=3, name=re.compile(r"In \d of 2 areas"))).to_be_visible()
        chart = page.get_by_test_id("stVegaLiteChart").first
        expect(chart.locator("canvas, svg").first).to_be_visible()
        page.wait_for_timeout(1500)
        assert chart.locator('[role="graphics-symbol"][aria-roledescription="point"]').count() == 2
        assert page.get_by_test_id("stException").count() == 0
        page.get_by_test_id("stMain").screenshot(path=str(OUT / "batch_template_run.png"))
    finally:
        context.close()
