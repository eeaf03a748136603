"""Every chart the app draws labels its money as the tables do (−£3m, £250k, £2,500), never with Vega's short
SI format (−3M, 250k with no £), in Debian's headless Chromium. Screenshots: test-output/money_axes_*.png."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import ARGS, CHROMIUM, OUT, app_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

NUMBER = re.compile(r"^[\u2212-]?£?[\d.,]+[a-zA-Z]{0,2}$")
MONEY = re.compile(r"^\u2212?£(0|[1-9]\d{0,2}(,\d{3})?(\.\d+)?|\d+(\.\d+)?(k|m|bn))$")


@pytest.mark.parametrize("tab", ["Charts", "Pooling", "Uncertainty"])
def test_every_chart_on_a_tab_writes_money_in_the_tables_style(app_url, tab):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.set_default_timeout(60_000)
        page.goto(f"{app_url}/?example=early_help_pooled&tab={tab}")
        charts = page.get_by_test_id("stVegaLiteChart")
        expect(charts.first.locator("svg").first).to_be_visible()
        page.wait_for_timeout(2500)
        seen = 0
        for k in range(charts.count()):
            chart = charts.nth(k)
            chart.scroll_into_view_if_needed()
            texts = chart.evaluate("e => [...e.querySelectorAll('text')].map(t => t.textContent)")
            numbers = [t for t in texts if NUMBER.match(t)]
            money = [t for t in numbers if "£" in t]
            assert not [t for t in numbers if re.search(r"\d[MG]$", t)], (tab, k, numbers)  # no "−3M"
            assert all(MONEY.match(t) for t in money), (tab, k, money)
            seen += len(money)
        assert seen > 0, tab  # the tab's charts have money labels, and every one was checked
        assert page.get_by_test_id("stException").count() == 0
        OUT.mkdir(exist_ok=True)
        page.get_by_test_id("stMain").screenshot(path=str(OUT / f"money_axes_{tab.lower()}.png"))
        browser.close()
