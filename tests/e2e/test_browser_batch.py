"""The Every-area page in Debian's headless Chromium: the ranked chart draws one mark per area with its
caption and data table, axe-core finds no serious or critical violation, and a phone shows it without
sideways scrolling."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import ARGS, CHROMIUM, OUT, app_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [1400, 390])
def test_every_area_page_in_a_browser(app_url, width):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": width, "height": 2000})
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
        browser.close()
