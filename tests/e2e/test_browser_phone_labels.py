"""The last touches of issue 14 in Debian's headless Chromium: an empty low/high cell on the Edit page shows a
dash (not Streamlit's "None") and can still be typed into; at 390 px the tornado table keeps its Input column
pinned while it scrolls sideways, narrow enough to leave the figures room, and the who-pays chart shows every budget holder's full name (wrapped onto
lines, never cut short). Screenshots go to test-output/ (labels_*.png)."""

from __future__ import annotations

import io
import re

import pytest

from tests.e2e.test_browser import OUT, ROOT, app_url  # noqa: F401  (fixture)
from tests.e2e.test_browser_a11y import changed_share, swipe_sideways, wait_idle
from tests.e2e.test_browser_edit import HEADER, ROW, cell_text, type_into

pytestmark = pytest.mark.e2e


def test_an_empty_range_cell_shows_a_dash_and_can_still_be_filled(browser, app_url):  # noqa: F811
    from PIL import Image
    from playwright.sync_api import expect

    context = browser.new_context(viewport={"width": 1400, "height": 2400})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{app_url}/edit_assumptions?example=youth_work")
    expect(page.get_by_role("heading", name="Unit costs")).to_be_visible()
    page.wait_for_timeout(1000)
    grid = page.get_by_test_id("stDataFrame").nth(1)  # first-time entrants; row 6 is deadweight, no range
    assert cell_text(grid, 0, 6) == "Deadweight"
    assert cell_text(grid, 1, 6) == "0"
    assert cell_text(grid, 2, 6) == "" and cell_text(grid, 3, 6) == ""  # empty, not the text "None"
    shot = Image.open(io.BytesIO(grid.screenshot(path=str(OUT / "labels_edit_empty_range.png")))).convert("L")
    # the Low cell (x 279-347 px in the grid: Parameter 200 px, Value 78 px) is drawn with a short dash in
    # its right half, the way Streamlit draws a placeholder; "None" would fill about 30 px of it with ink
    y0 = HEADER + ROW * 6
    cell = shot.crop((282, y0 + 4, 344, y0 + ROW - 4))
    inked = [x for x in range(cell.width) if any(cell.getpixel((x, y)) < 200 for y in range(cell.height))]
    assert inked, "the empty Low cell shows nothing at all"
    assert max(inked) - min(inked) <= 16, f"the empty Low cell shows {max(inked) - min(inked)} px of text, not a dash"

    type_into(page, grid, 6, 312, "0")  # a low of 0% ...
    grid = page.get_by_test_id("stDataFrame").nth(1)
    expect(grid.locator("#glide-cell-2-6")).to_have_text("0", timeout=20_000)
    expect(page.get_by_test_id("stAlert").filter(has_text="Deadweight").first).to_be_visible()  # high to come
    wait_idle(page)
    page.wait_for_timeout(1000)
    type_into(page, grid, 6, 382, "10")  # ... and a high of 10%: a range, as a person would type it
    grid = page.get_by_test_id("stDataFrame").nth(1)
    expect(grid.locator("#glide-cell-3-6")).to_have_text("10", timeout=20_000)
    # the range is whole: the figures take it, and no error about deadweight is left on the page
    expect(page.get_by_test_id("stAlert").filter(has_text="Deadweight")).to_have_count(0, timeout=20_000)
    wait_idle(page)
    assert page.get_by_test_id("stException").count() == 0
    context.close()


def _phone(browser, url: str):  # noqa: ANN202
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return page


def _phone_chart(browser, url: str, tab: str, title: str, shot: str):  # noqa: ANN001, ANN202
    """The pooled example's ``tab`` (the app at ``url``) on a phone, and its chart whose text has ``title`` (visible, scrolled
    into view, its screenshot saved as test-output/``shot``.png)."""
    from playwright.sync_api import expect

    page = _phone(browser, f"{url}/?example=early_help_pooled&tab={tab}")
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    chart = page.get_by_test_id("stVegaLiteChart").filter(has_text=title)
    expect(chart.first).to_be_visible()
    chart = chart.first
    chart.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    chart.screenshot(path=str(OUT / f"{shot}.png"))
    return page, chart


def test_the_tornado_table_keeps_its_input_column_pinned_on_a_phone(browser, app_url):  # noqa: F811
    from PIL import Image
    from playwright.sync_api import expect

    page = _phone(browser, f"{app_url}/?example=early_help_pooled&tab=Uncertainty")
    panel = page.get_by_role("tabpanel", name="Uncertainty")
    expect(panel.get_by_text("Tornado table", exact=False).first).to_be_visible()
    grid = panel.get_by_text("Tornado table", exact=False).first.locator(
        "xpath=following::*[@data-testid='stDataFrame'][1]"
    )
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(800)
    first_input = cell_text(grid, 0, 0)
    assert first_input, "the tornado table's first row has no input name"
    before = swipe_sideways(page, grid)
    scrolled = grid.evaluate("g => g.querySelector('.dvn-scroller').scrollLeft")
    after = Image.open(io.BytesIO(grid.screenshot(path=str(OUT / "labels_phone_tornado_scrolled.png")))).convert("RGB")
    assert scrolled > 0, "the tornado table does not scroll sideways on a phone"
    label = (0, 0, 150, before.height)  # the pinned Input column (200 px; its left 150 px compared)
    assert changed_share(before.crop(label), after.crop(label)) <= 0.02, "the Input column scrolls away (not pinned)"
    assert changed_share(before, after) > 0.02, "swiping the table changed nothing on screen"
    # the pinned column leaves the figures room: what moved starts within 60% of the table's width (a label
    # column sized to its longest input name took 85% of it, leaving one narrow column of figures in view)
    from PIL import ImageChops

    moved = ImageChops.difference(before, after).convert("L").point(lambda v: 255 if v > 40 else 0).getbbox()
    assert moved is not None and moved[0] <= 0.6 * before.width, (moved, before.width)
    page.context.close()


def test_the_who_pays_chart_shows_every_budget_holders_full_name_on_a_phone(browser, app_url):  # noqa: F811
    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal

    result = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"))
    names = {a.name for a in result.scenario.agencies}
    assert any(len(n) > 20 for n in names)  # some name is too long for one line in a third of a phone

    page, chart = _phone_chart(browser, app_url, "Charts", "Who pays and who saves", "labels_phone_who_pays")
    # the y axis's labels as drawn: each <text> with its lines (tspans) joined, and whether it lies in the frame
    labels = axis_labels(chart)
    shown = {x["text"] for x in labels}
    assert names <= shown, f"budget holders not shown in full: {sorted(names - shown)} (shown: {sorted(shown)})"
    assert not any("…" in x["text"] for x in labels), labels
    assert any(x["lines"] > 1 for x in labels if x["text"] in names), "no long name wraps onto a second line"
    assert all(x["inside"] for x in labels if x["text"] in names), labels
    page.context.close()


def test_the_who_pays_heatmap_names_budget_holders_in_full_and_money_as_the_app_does_on_a_phone(browser, app_url):  # noqa: F811
    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal
    from costmodel.pooling.accounting import appraise_pool

    result = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml"))
    names = {a.id: a.name for a in result.scenario.agencies}
    flows = appraise_pool(result).flow_entries
    payers = {names[e.payer] for e in flows}
    beneficiaries = {names[e.beneficiary] for e in flows}

    page, chart = _phone_chart(browser, app_url, "Pooling", "Who pays, who saves", "labels_phone_heatmap")
    shown = {x["text"] for x in axis_labels(chart)}
    assert payers | beneficiaries <= shown, sorted((payers | beneficiaries) - shown)
    texts = chart.evaluate("e => [...e.querySelectorAll('text')].map(t => t.textContent)")
    figures = [t for t in texts if re.fullmatch(r"[\u2212-]?£?[\d.,]+[a-zA-Z]{0,2}", t)]  # cells and legend
    assert len(figures) >= len({(e.kind, e.payer, e.beneficiary) for e in flows}), texts  # a label a cell
    assert all(f.lstrip("\u2212").startswith("£") and "M" not in f for f in figures), figures  # £4.04m, not 4.04M
    page.context.close()


def axis_labels(chart) -> list[dict]:  # noqa: ANN001
    """The axes' labels as drawn: each <text> with its lines (tspans) joined, and whether it lies in the frame."""
    return chart.evaluate(
        """e => { const f = e.getBoundingClientRect();
           return [...e.querySelectorAll('[aria-roledescription="axis"] [role="graphics-symbol"], [aria-roledescription="axis"] text')]
             .filter(t => t.tagName === 'text')
             .map(t => { const r = t.getBoundingClientRect();
                         const lines = t.querySelectorAll('tspan');
                         return {text: lines.length ? [...lines].map(s => s.textContent).join(' ') : t.textContent,
                                 lines: Math.max(1, lines.length), inside: r.left >= f.left - 1 && r.right <= f.right + 1}; }); }"""
    )
