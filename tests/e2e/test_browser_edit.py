"""The Edit page in Debian's headless Chromium, used as a person would (issue 14 item 9): fractions are
shown and typed as percentages, units in words; a library unit cost is edited in its table and marked as a
local change; the downloaded YAML then stands alone (the library values bundled) and loads from a folder
with no library, with the same NPV as the page; the comment an edit made false is replaced.
Screenshots go to test-output/ (edit_*.png)."""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import OUT, ROOT, app_url, download_text  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

HEADER = 35  # [px] the data grid's header row
ROW = 35  # [px] each row


@pytest.fixture(scope="module")
def page(browser, app_url):  # noqa: F811
    """The Edit page of youth work, in the module's browser (tests/e2e/conftest.py)."""
    context = browser.new_context(viewport={"width": 1400, "height": 2400}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(f"{app_url}/edit_assumptions?example=youth_work")
    yield pg
    context.close()


def cell_text(grid, col: int, row: int) -> str:
    """A cell's text from the grid's accessible table (the grid itself is drawn on a canvas)."""
    return grid.locator(f"#glide-cell-{col}-{row}").text_content() or ""


def type_into(page, grid, row: int, x: int, text: str) -> None:
    """Select the cell at ``x`` px in ``row``, open its editor (Enter), type and confirm, as a person would."""
    grid.click(position={"x": x, "y": HEADER + ROW * row + ROW // 2})
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    page.keyboard.press("Control+A")
    page.keyboard.type(text)
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")


def test_percentages_units_in_words_and_a_library_unit_cost_edited_then_downloaded_self_contained(
    page, tmp_path
):
    from playwright.sync_api import expect

    from costmodel.appraisal.chain import appraise
    from costmodel.formatting import money
    from costmodel.inputs.loading import load_proposal

    expect(page.get_by_role("heading", name="Unit costs")).to_be_visible()
    grids = page.get_by_test_id("stDataFrame")
    expect(grids.nth(3)).to_be_visible()
    page.wait_for_timeout(1000)
    outcome = grids.nth(1)  # first-time entrants to the youth justice system
    # row 2 is the effect: 0.14 in the file, 14 (%) on screen; cohort in people a year
    assert cell_text(outcome, 0, 2) == "Effect: relative change in that rate"
    assert cell_text(outcome, 1, 2) == "14"
    assert cell_text(outcome, 4, 2) == "%"
    assert cell_text(outcome, 4, 0) == "people a year"
    assert cell_text(outcome, 0, 12).startswith("Units per event: Arrest of a suspect")  # a label, not an id

    npv = page.get_by_test_id("stMetricValue").first
    before = npv.inner_text()
    # unit costs: the arrest's police share is row 0, its £ per unit column at 400-500 px
    costs = grids.nth(3)
    costs.scroll_into_view_if_needed()
    assert cell_text(costs, 1, 0) == "Police" and cell_text(costs, 2, 0) == "342"
    page.wait_for_timeout(500)
    type_into(page, costs, 0, 450, "3420")  # ten times the published £342 (a small change may round away)
    expect(npv).not_to_have_text(before, timeout=20_000)
    costs = page.get_by_test_id("stDataFrame").nth(3)
    expect(costs.locator("#glide-cell-4-0")).to_have_text("changed here, was £342", timeout=20_000)
    # the first-year comment the next edit makes false
    year = page.get_by_label("First year (year 0, e.g. 2027 = 2027-28)")
    year.fill("2028")
    year.press("Enter")
    expect(year).to_have_value("2028", timeout=20_000)
    page.wait_for_timeout(1500)
    shown = npv.inner_text()
    page.get_by_test_id("stMain").screenshot(path=str(OUT / "edit_library_cost.png"))

    alone = tmp_path / "elsewhere" / "youth_work.yaml"  # no unit-cost library anywhere near it
    alone.parent.mkdir()
    text = download_text(page, "Download the edited YAML", alone)
    assert "unit_cost_library: null  # was ../unit_costs.yaml" in text
    assert "- {agency: police, value: 3420}  # edited, was 342" in text
    assert "total: 3671  # edited, total was 593" in text  # 3,420 + 245 + 6: the published total follows
    assert "first_year: 2028  # 2028-29 is year 0 (undiscounted); edited, was 2027" in text
    assert "2027-28 is year 0" not in text
    assert "# Example 1: targeted detached youth work" in text  # the file's own comments kept
    scenario = load_proposal(alone)
    assert scenario.library_path is None
    assert money(appraise(scenario).npv) == shown  # the downloaded file alone gives the page's figure
    assert page.get_by_test_id("stException").count() == 0


def test_a_self_contained_download_is_offered_without_edits(page, tmp_path, app_url):  # noqa: F811
    from playwright.sync_api import expect

    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal

    page.goto(f"{app_url}/edit_assumptions?example=early_help_pooled")
    button = page.get_by_role("button", name="Download it self-contained (library bundled)")
    expect(button).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        button.click()
    alone = tmp_path / "early_help_pooled-self-contained.yaml"
    info.value.save_as(alone)
    assert info.value.suggested_filename == "early_help_pooled-self-contained.yaml"
    shipped = load_proposal(ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml")
    assert appraise(load_proposal(alone)).npv == appraise(shipped).npv


def test_a_unit_costs_economic_value_is_edited_in_its_table_then_downloaded(browser, app_url, tmp_path):  # noqa: F811
    """The value layers of a library unit cost (youth work's crime victim: £676 economic, £1,648 social a
    crime) are edited in their own table as the fiscal shares are, marked as a local change, and the
    download carries the new value with the old one in a comment. Screenshot: edit_unit_cost_layers.png."""
    from playwright.sync_api import expect

    from costmodel.appraisal.chain import appraise
    from costmodel.inputs.loading import load_proposal

    # a fresh session (the module's page has other edits), in the module's browser
    context = browser.new_context(viewport={"width": 1400, "height": 2600}, accept_downloads=True)
    try:
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{app_url}/edit_assumptions?example=youth_work")
        heading = page.get_by_role("heading", name="Economic and social value per unit (beyond public budgets)")
        expect(heading).to_be_visible()
        grids = page.get_by_test_id("stDataFrame")
        layers = grids.last
        layers.scroll_into_view_if_needed()
        page.wait_for_timeout(1000)
        assert cell_text(layers, 1, 0).startswith("Economic: economic cost")
        assert cell_text(layers, 2, 0) == "676" and cell_text(layers, 3, 0) == "£ per incident"
        assert cell_text(layers, 1, 1).startswith("Social: social cost") and cell_text(layers, 2, 1) == "1648"
        type_into(page, layers, 0, 520, "1352")  # twice the published £676
        layers = page.get_by_test_id("stDataFrame").last
        expect(layers.locator("#glide-cell-5-0")).to_have_text("changed here, was £676", timeout=20_000)
        assert page.get_by_test_id("stException").count() == 0
        layers.scroll_into_view_if_needed()
        page.get_by_test_id("stMain").screenshot(path=str(OUT / "edit_unit_cost_layers.png"))
        alone = tmp_path / "youth_work.yaml"
        text = download_text(page, "Download the edited YAML", alone)
        assert "value: 1352}  # edited, was 676" in text
        # the downloaded file alone: the economic layer doubles (linear in its one component), the rest stays
        shipped = appraise(load_proposal(ROOT / "assumptions" / "proposals" / "youth_work.yaml")).value_layers
        edited = appraise(load_proposal(alone)).value_layers
        assert abs(edited.economic.pv_benefits - 2 * shipped.economic.pv_benefits) < 0.01
        assert abs(edited.fiscal.npv - shipped.fiscal.npv) < 0.01
    finally:
        context.close()
