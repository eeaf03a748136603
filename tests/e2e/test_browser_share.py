"""Sharing and presenting in Debian's headless Chromium: a copied link reopens the same scenario in a fresh
browser, a reload keeps edits, the verdict shows its probability of passing, and nothing leaves the machine.
Screenshots go to test-output/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.test_browser import OUT, app_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

PAGES = ("Ten Year Test", "Edit assumptions", "Compare proposals", "Sources")


def new_page(browser, app_url, *, width=1400, height=2000, requests=None):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    if requests is not None:
        context.on("request", lambda r: requests.append(r.url))
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def headline(page) -> tuple[str, str]:
    """(NPV as shown, the inputs_sha256 prefix shown in the page caption)."""
    from playwright.sync_api import expect

    npv = (
        page.get_by_test_id("stMetric")
        .filter(has=page.get_by_text("Net present value", exact=True))
        .get_by_test_id("stMetricValue")
    )
    expect(npv).to_be_visible(timeout=30_000)
    page.wait_for_timeout(300)  # a rerun in flight settles
    caption = page.get_by_test_id("stMain").get_by_text("inputs_sha256").first.inner_text()
    sha = re.search(r"inputs_sha256\s+([0-9a-f]{16})", caption)
    assert sha, caption
    return npv.inner_text(), sha.group(1)


def test_a_copied_link_reopens_the_edited_scenario_in_a_fresh_browser_and_a_reload_keeps_edits(
    browser,
    app_url,  # noqa: F811
):
    from playwright.sync_api import expect

    page = new_page(browser, app_url)
    page.goto(f"{app_url}/?example=early_help_pooled")
    original = headline(page)
    page.get_by_role("link", name="Edit assumptions").click()
    box = page.get_by_label("Horizon (years)")
    box.fill("12")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"[?&]s=[0-9a-f]{20}"), timeout=15_000)
    page.get_by_role("link", name="Ten Year Test").click()
    expect(page.get_by_role("heading", name="Edit assumptions")).to_have_count(0, timeout=15_000)
    edited = headline(page)
    assert edited != original and edited[0] != original[0]

    # a reload keeps the edit
    page.reload()
    assert headline(page) == edited
    expect(page.get_by_role("heading", name=re.compile("Early-help family support"))).to_be_visible()

    # Copy link puts the address on the clipboard
    page.frame_locator("iframe").first.get_by_role("button", name="Copy link").click()
    expect(page.frame_locator("iframe").first.get_by_role("status")).to_have_text("Copied", timeout=10_000)
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == page.url and re.search(r"[?&]s=[0-9a-f]{20}", link)
    page.wait_for_timeout(500)
    page.get_by_test_id("stMain").screenshot(path=str(OUT / "share_edited.png"))
    page.context.close()

    # another browser (no cookies, no session) opening the link sees the same figures
    other = new_page(browser, app_url)
    other.goto(link)
    assert headline(other) == edited
    assert other.get_by_test_id("stException").count() == 0
    other.context.close()


def test_a_tab_and_a_monte_carlo_run_are_in_the_link(browser, app_url):  # noqa: F811
    from playwright.sync_api import expect

    page = new_page(browser, app_url)
    page.goto(f"{app_url}/?example=early_help_pooled")
    headline(page)
    page.get_by_role("tab", name="Uncertainty").click()
    panel = page.get_by_role("tabpanel", name="Uncertainty")
    panel.get_by_role("spinbutton", name="Number of draws").fill("5000")
    panel.get_by_role("spinbutton", name="Seed").fill("77")
    panel.get_by_role("button", name="Run simulation").click()
    metric = panel.get_by_test_id("stMetric").filter(has_text="Probability of passing")
    expect(metric).to_be_visible(timeout=30_000)
    expect(page).to_have_url(re.compile(r"draws=5000.*seed=77|seed=77.*draws=5000"), timeout=15_000)
    value = metric.get_by_test_id("stMetricValue").inner_text()
    link = page.url
    assert "tab=uncertainty" in link  # the tab's stable id (links with its label still open it)
    page.context.close()

    other = new_page(browser, app_url)
    other.goto(link)
    panel = other.get_by_role("tabpanel", name="Uncertainty")
    metric = panel.get_by_test_id("stMetric").filter(has_text="Probability of passing")
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(value, timeout=30_000)
    expect(other.get_by_text(f"Probability of passing: {value}")).to_be_visible()
    other.context.close()


def test_the_verdict_shows_the_probability_of_passing(browser, app_url):  # noqa: F811
    from playwright.sync_api import expect

    from costmodel.formatting import percent
    from costmodel.inputs.loading import load_proposal
    from costmodel.uncertainty.limits import DEFAULT_DRAWS, DEFAULT_SEED
    from costmodel.uncertainty.montecarlo import simulate
    from tests.e2e.test_browser import ROOT

    page = new_page(browser, app_url, height=1100)
    page.goto(f"{app_url}/?example=early_help_pooled")
    sim = simulate(
        load_proposal(ROOT / "assumptions/proposals/early_help_pooled.yaml"), DEFAULT_DRAWS, DEFAULT_SEED
    )
    expect(page.get_by_text(f"Probability of passing: {percent(sim.p_passes)}")).to_be_visible(timeout=30_000)
    expect(page.get_by_text("standard error").first).to_be_visible()
    page.wait_for_timeout(500)
    page.screenshot(path=str(OUT / "verdict_chance.png"))
    page.context.close()


def test_nothing_is_requested_from_any_other_host(browser, app_url):  # noqa: F811
    from playwright.sync_api import expect

    requests: list[str] = []
    page = new_page(browser, app_url, requests=requests)
    page.goto(f"{app_url}/?example=early_help_pooled")
    headline(page)
    for label in ("Pooling", "Ten Year Test table", "Uncertainty", "Conventions", "Downloads", "Charts"):
        page.get_by_role("tab", name=label).click()
        expect(page.get_by_role("tabpanel", name=label)).to_be_visible(timeout=15_000)
        page.wait_for_timeout(700)
    for name in PAGES[1:]:
        page.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1, name=re.compile(name.split()[0]))).to_be_visible(
            timeout=15_000
        )
        page.wait_for_timeout(700)
    page.context.close()
    own = app_url.rstrip("/")
    outside = sorted(
        {u for u in requests if not u.startswith((own + "/", "data:", "blob:", "about:")) and u != own}
    )
    assert len(requests) > 10
    assert outside == []


def test_the_main_page_prints_to_a_clean_pdf(browser, app_url):  # noqa: F811
    from playwright.sync_api import expect

    page = new_page(browser, app_url, width=1200, height=1600)
    page.goto(f"{app_url}/?example=early_help_pooled")
    headline(page)
    expect(page.get_by_test_id("stVegaLiteChart").nth(3).locator("svg, canvas").first).to_be_attached(
        timeout=30_000
    )
    page.wait_for_timeout(1500)
    page.emulate_media(media="print")
    assert not page.get_by_test_id("stSidebar").is_visible()
    assert not page.get_by_role("button", name="Data (CSV)").first.is_visible()
    assert page.get_by_test_id("stMetricValue").first.is_visible()
    page.screenshot(path=str(OUT / "main_page_print_media.png"), full_page=True)
    pdf = page.pdf(format="A4", print_background=True)
    (OUT / "main_page_print.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pdf.startswith(b"%PDF") and 2 <= pages <= 12, pages  # the whole page, not just the first screen
    page.context.close()
