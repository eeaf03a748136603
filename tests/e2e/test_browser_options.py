"""The Compare page as an options appraisal in Debian's headless Chromium: the options as columns by
their own names, the chart of incremental NPV by budget holder drawn, the summary's figures, and a
download of the summary that is the CLI's, as HTML and as PDF. Screenshot: test-output/compare-options.png."""

from __future__ import annotations

import io
import json

import pytest

from costmodel.cli import main
from costmodel.export.options_export import pdf_page_count
from costmodel.formatting import money
from tests.e2e.test_browser import ARGS, CHROMIUM, OUT, ROOT, app_url  # noqa: F401  (fixture)

pytestmark = pytest.mark.e2e

EXAMPLE = ROOT / "assumptions" / "options" / "youth_options.yaml"


def test_compare_page_is_an_options_appraisal(app_url):  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    out, err = io.StringIO(), io.StringIO()
    assert main(["options", str(EXAMPLE), "--format", "json", "--draws", "0"], out, err) == 0
    d = json.loads(out.getvalue())
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 3200}, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(30_000)
            page.goto(app_url)
            page.get_by_role("link", name="Compare proposals").click()
            expect(page.get_by_role("heading", name="Compare proposals")).to_be_visible()
            expect(page.get_by_role("heading", name="Appraisal summary")).to_be_visible(timeout=60_000)
            chart = page.get_by_test_id("stVegaLiteChart").first
            expect(chart.locator("canvas, svg").first).to_be_visible(timeout=30_000)  # slow on a busy machine
            expect(page.get_by_test_id("stDataFrame").first).to_be_visible(timeout=30_000)
            assert page.get_by_test_id("stException").count() == 0
            for e in d["entries"][1:]:  # each option's verdict names it and quotes its incremental NPV
                expect(page.get_by_text(e["name"]).first).to_be_visible()
                expect(page.get_by_text(money(e["incremental"]["npv"])).first).to_be_attached()
            with page.expect_download() as info:
                page.get_by_role("button", name="Summary (HTML)").click()
            html = info.value.path().read_text(encoding="utf-8")
            for e in d["entries"]:
                assert money(e["incremental"]["npv"]) in html
            assert " points" in html or "draws)" in html  # the probabilities carry their standard errors
            # BAU's own chance of beating BAU: the baseline's dash, never "0.0% (none of N draws)"
            assert "<td>— (baseline)</td>" in html
            # the summary as PDF, printed by Chromium as the briefing's is: two A4 pages at most
            with page.expect_download(timeout=90_000) as info:
                page.get_by_role("button", name="Summary (PDF)").click()
            pdf = info.value.path().read_bytes()
            assert pdf.startswith(b"%PDF") and 1 <= pdf_page_count(pdf) <= 2
            assert info.value.suggested_filename == f"{d['id']}-summary.pdf"
            page.wait_for_timeout(800)
            OUT.mkdir(exist_ok=True)
            page.get_by_test_id("stMain").screenshot(path=str(OUT / "compare-options.png"))
        finally:
            browser.close()
