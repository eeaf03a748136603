"""A hostile upload in Debian's headless Chromium (issue 10): markup and a script in the title, a link in
the area and a formula in a label are shown as text (no script element, image or link from the file is
added to the page), and an upload pointing at /etc/passwd is refused with a located message and no
content of that file. Screenshots go to test-output/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_browser import app_url, page, proposal_selectbox, shot  # noqa: F401  (fixtures)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
YOUTH = (ROOT / "assumptions" / "proposals" / "youth_work.yaml").read_text()
TITLE = "<script>window.pwned=1</script> ![x](http://evil.example/a.png)"


def _upload(page, path: Path) -> None:  # noqa: F811
    sidebar = page.get_by_test_id("stSidebar")
    # the proposal picker by its label (a file with named scenarios adds a 'Scenario' select box)
    proposal_selectbox(page).click()
    page.get_by_role("option", name="Upload a YAML file…").click()
    sidebar.get_by_role("region", name="Proposal YAML file").locator("input[type=file]").set_input_files(
        str(path)
    )


def test_hostile_upload_is_shown_as_text_and_reads_nothing_else(page, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    hostile = tmp_path / "hostile.yaml"
    hostile.write_text(
        YOUTH.replace(
            "title: Targeted detached youth work for young people at risk of offending", f'title: "{TITLE}"'
        ).replace(
            "area: An illustrative English unitary council (one ward cluster)",
            'area: "[click me](http://evil.example)"',
        )
    )
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=60_000)  # a cold, busy machine
    page.get_by_role("link", name="Ten Year Test").first.click()
    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=60_000)
    _upload(page, hostile)
    heading = page.get_by_role("heading", name="window.pwned")
    expect(heading).to_be_visible(timeout=60_000)
    assert "<script>" in heading.inner_text()  # the characters, shown as text
    assert page.evaluate("window.pwned") is None  # and never run
    assert page.locator("img[src*='evil.example']").count() == 0
    links = page.locator("a[href*='evil']")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # Streamlit gives each heading an in-page anchor named after its text: harmless; nothing else
    assert all(h.startswith("#") for h in hrefs), hrefs
    # shown as written (an invisible word joiner after "http" keeps Markdown from making it a link)
    expect(page.get_by_text(re.compile(r"\[click me\]\(http\u2060?://evil\.example\)")).first).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "hostile_upload")

    probe = tmp_path / "probe.yaml"
    probe.write_text(YOUTH.replace("unit_cost_library: ../unit_costs.yaml", "unit_cost_library: /etc/passwd"))
    page.get_by_test_id("stSidebar").get_by_role("region", name="Proposal YAML file").locator(
        "input[type=file]"
    ).set_input_files(str(probe))
    refusal = page.get_by_text("only the shipped unit-cost library").first
    expect(refusal).to_be_visible(timeout=60_000)
    assert "probe.yaml:" in page.get_by_test_id("stSidebar").inner_text()
    assert "root:" not in page.content()
    assert page.get_by_test_id("stException").count() == 0
