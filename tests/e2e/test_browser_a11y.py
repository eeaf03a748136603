"""Accessibility and phones in Debian's headless Chromium: axe-core (bundled by axe-playwright-python) finds
no serious or critical violation on any page or results tab; every chart has a text alternative (its
one-sentence caption and its data as a table); at 390 px wide every page is usable and every chart draws its
marks inside the screen. Screenshots go to test-output/ (a11y_*.png, phone_*.png)."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import OUT, app_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

TABS = ("Charts", "Pooling", "Ten Year Test table", "Uncertainty", "Conventions", "Downloads")
PAGES = {
    "Edit assumptions": "edit_assumptions",
    "Compare proposals": "compare",
    "Sources": "sources",
    "Every area": "batch",
}


def open_page(browser, app_url, width: int, height: int):  # noqa: F811
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=width < 600)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{app_url}/?example=early_help_pooled")
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    return page


def every_view(page):  # noqa: ANN201
    """Visit every results tab of the Ten Year Test page, then every other page; yield a name for each."""
    from playwright.sync_api import expect

    for label in TABS:
        page.get_by_role("tab", name=label).click()
        expect(page.get_by_role("tabpanel", name=label)).to_be_visible()
        page.wait_for_timeout(1200)  # charts and tables finish drawing
        yield label
    base = page.url.split("?")[0].rstrip("/")
    for name, path in PAGES.items():
        page.goto(f"{base}/{path}?example=early_help_pooled")  # as a link would open it
        expect(page.get_by_role("heading", level=1, name=re.compile(name.split()[0]))).to_be_visible()
        page.wait_for_timeout(1200)
        yield name


def wait_idle(page) -> None:
    """Until no element is faded as stale (a rerun in flight draws old elements at lower contrast)."""
    page.wait_for_function("document.querySelectorAll('[data-stale=\"true\"]').length === 0", timeout=30_000)
    page.wait_for_timeout(300)


def settled_count(page, locator) -> int:
    """How many elements ``locator`` finds once that number has stopped changing (charts arrive one by one)."""
    last = -1
    for _ in range(40):
        n = locator.count()
        if n == last:
            return n
        last = n
        page.wait_for_timeout(500)
    return last


def changed_share(a, b) -> float:  # noqa: ANN001 - two PIL images of one size
    """The share of pixels that differ visibly (by more than 40 in some channel) between two images."""
    from PIL import ImageChops

    diff = ImageChops.difference(a, b).convert("L").point(lambda v: 255 if v > 40 else 0)
    return diff.histogram()[255] / (a.width * a.height)


def swipe_sideways(page, grid):  # noqa: ANN001, ANN201
    """Swipe a data grid sideways as a person would (six turns of the wheel), then move the mouse off it
    (no row drawn as hovered); the grid's screenshot from before the swipe, as a PIL image."""
    import io

    from PIL import Image

    before = Image.open(io.BytesIO(grid.screenshot())).convert("RGB")
    box = grid.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 60)
    for _ in range(6):
        page.mouse.wheel(300, 0)
        page.wait_for_timeout(150)
    page.mouse.move(1, 1)
    page.wait_for_timeout(800)
    return before


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def test_axe_finds_no_serious_or_critical_violation_and_charts_have_text_alternatives(browser, app_url):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = open_page(browser, app_url, 1400, 2000)
    found: dict[str, list[str]] = {}
    n_charts = 0
    for name in every_view(page):
        wait_idle(page)
        response = axe.run(page).response
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
            for v in response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if bad:
            found[name] = bad
        charts = page.get_by_test_id("stVegaLiteChart")
        for i in range(settled_count(page, charts)):
            n_charts += 1
            # the chart's element container is followed by its caption and its data table
            after = charts.nth(i).locator(
                "xpath=ancestor::div[@data-testid='stElementContainer'][1]/following-sibling::div[position() <= 2]"
            )
            assert after.get_by_test_id("stCaptionContainer").count() == 1, (
                f"{name}: chart {i} has no caption"
            )
            assert after.get_by_text("The chart's data as a table").count() == 1, (
                f"{name}: chart {i} has no table"
            )
        page.get_by_test_id("stMain").screenshot(path=str(OUT / f"a11y_{slug(name)}.png"))
    assert n_charts >= 8
    assert found == {}, found
    page.context.close()


def test_every_page_is_usable_at_390_px_with_every_chart_drawing_its_marks(browser, app_url):  # noqa: F811
    page = open_page(browser, app_url, 390, 844)
    problems = []
    n_charts = 0
    for name in every_view(page):
        width = page.evaluate("document.documentElement.clientWidth")
        charts = page.get_by_test_id("stVegaLiteChart")
        for i in range(settled_count(page, charts)):
            n_charts += 1
            chart = charts.nth(i)
            chart.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            box = chart.bounding_box()  # the chart's frame (a wider chart scrolls inside it)
            # data marks (bars, lines, points, areas, cells) drawn at least 2 px wide and high within the
            # visible part of the frame: not text, rules, axes, legends or titles (Vega gives those the same
            # role, so counting them would pass a chart that draws no bars at all)
            marks = chart.evaluate(
                """e => { const f = e.getBoundingClientRect();
                   const notData = ['text', 'rule', 'axis', 'legend', 'title', 'subtitle', 'group'];
                   return [...e.querySelectorAll('[role="graphics-symbol"]')].filter(m => {
                       const kind = m.getAttribute('aria-roledescription') || '';
                       if (notData.some(k => kind.includes(k))) return false;
                       const r = m.getBoundingClientRect();
                       return r.width >= 2 && r.height >= 2 && r.left < f.right && r.right > f.left; }).length; }"""
            )
            # the chart's title and subtitle are drawn whole inside the frame (wrapped, never cut off)
            cut = chart.evaluate(
                """e => { const f = e.getBoundingClientRect();
                   return [...e.querySelectorAll('[aria-roledescription="title"], [aria-roledescription="subtitle"]')]
                       .filter(t => t.getBoundingClientRect().right > f.right + 1).length; }"""
            )
            if cut:
                problems.append(f"{name}: chart {i}'s title runs past the chart's frame")
            if box is None or box["x"] < 0 or box["x"] + box["width"] > width + 1:
                problems.append(f"{name}: chart {i} is {box} on a {width} px screen")
            if marks == 0:
                problems.append(f"{name}: chart {i} draws no bars, lines or points")
        if name == "Edit assumptions":  # a wide table scrolls inside itself, its label column pinned
            import io

            from PIL import Image, ImageChops

            grid = page.get_by_test_id("stDataFrame").nth(1)
            grid.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            before = swipe_sideways(page, grid)
            scrolled = grid.evaluate("g => g.querySelector('.dvn-scroller').scrollLeft")
            shot = grid.screenshot(path=str(OUT / "phone_edit_table_scrolled.png"))
            after = Image.open(io.BytesIO(shot)).convert("RGB")
            label = (0, 0, 150, before.height)  # the pinned label column (200 px; its left 150 px compared)
            if scrolled <= 0:
                problems.append("Edit assumptions: the outcome table does not scroll sideways on a phone")
            elif changed_share(before.crop(label), after.crop(label)) > 0.02:
                problems.append(
                    "Edit assumptions: the label column scrolls away with the values (not pinned)"
                )
            if ImageChops.difference(before, after).getbbox() is None:
                problems.append("Edit assumptions: swiping the table changed nothing on screen")
        # the page never scrolls sideways as a whole
        overflow = page.evaluate(
            "(() => { const m = document.querySelector('[data-testid=stMain]'); return m.scrollWidth - m.clientWidth; })()"
        )
        if overflow > 1:
            problems.append(f"{name}: the page scrolls sideways by {overflow} px")
        page.set_viewport_size({"width": 390, "height": 6000})
        page.wait_for_timeout(800)
        page.get_by_test_id("stMain").screenshot(path=str(OUT / f"phone_{slug(name)}.png"))
        page.set_viewport_size({"width": 390, "height": 844})
    assert n_charts >= 8
    assert problems == [], "\n".join(problems)
    page.context.close()
