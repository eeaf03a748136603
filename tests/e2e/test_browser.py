"""The real app in Debian's headless Chromium (Playwright): renders, draws charts, reacts to an edit,
and downloads a YAML file the loader accepts. Screenshots go to test-output/."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from costmodel.export.brief import CHROMIUM_ARGS

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "test-output"
CHROMIUM = "/usr/bin/chromium"
ARGS = list(CHROMIUM_ARGS)  # --no-sandbox --disable-gpu --disable-background-networking ...


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, data_dir: str | None = None) -> subprocess.Popen:
    """The app on ``port``, saving linked scenarios in ``data_dir`` (a new temporary folder by default)."""
    env = os.environ | {
        "COSTMODEL_DATA_DIR": data_dir or tempfile.mkdtemp(prefix="costmodel-e2e-"),
        # this checkout's costmodel, not whichever one a shared virtual environment has installed
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    cmd = [
        sys.executable, str(ROOT / "scripts" / "serve_app.py"),  # what `bash scripts/app` runs
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_healthy(url: str, proc: subprocess.Popen, tries: int = 150) -> None:
    for _ in range(tries):
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server exited")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("streamlit did not become healthy")


@pytest.fixture(scope="module")
def app_url():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(
                "Debian's chromium is not installed: on CI, scripts/test must install it (apt-get install chromium)"
            )
        pytest.skip("Debian's chromium is not installed (scripts/test installs it as root)")
    port = free_port()
    proc = start_server(port)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def page(app_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 3000}, accept_downloads=True)
        pg = context.new_page()
        pg.set_default_timeout(20_000)
        pg.goto(app_url)
        yield pg
        context.close()
        browser.close()


def shot(page, name: str) -> None:
    OUT.mkdir(exist_ok=True)
    page.get_by_test_id("stMain").screenshot(path=str(OUT / f"{name}.png"))


def download_text(page, button: str, target: Path) -> str:
    """Click the button called ``button``, save what it downloads as ``target`` and return its text."""
    with page.expect_download() as info:
        page.get_by_role("button", name=button).click()
    info.value.save_as(target)
    return target.read_text(encoding="utf-8")


def test_page_renders_with_charts_and_no_exception(page):
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
    expect(page.get_by_text("Ten Year Test").first).to_be_visible()
    charts = page.get_by_test_id("stVegaLiteChart")
    expect(charts.first).to_be_visible()
    expect(charts.first.locator("canvas, svg").first).to_be_visible()
    expect(charts.nth(3)).to_be_attached(timeout=30_000)  # charts arrive one by one on a cold machine
    assert charts.count() >= 4
    assert page.get_by_test_id("stException").count() == 0
    page.wait_for_timeout(500)  # let the charts finish drawing before the screenshot
    shot(page, "ten_year_test")


def test_edit_changes_headline_and_yaml_downloads(page, tmp_path):
    from playwright.sync_api import expect

    from costmodel.inputs.loading import load_proposal

    page.get_by_role("link", name="Edit assumptions").click()
    expect(page.get_by_role("heading", name="Edit assumptions")).to_be_visible()
    npv = page.get_by_test_id("stMetricValue").first
    before = npv.inner_text()
    box = page.get_by_label("Horizon (years)")
    box.fill("15")
    box.press("Enter")
    expect(npv).not_to_have_text(before, timeout=15_000)
    edited = npv.inner_text()
    assert page.get_by_test_id("stException").count() == 0
    shot(page, "edit_assumptions")

    text = download_text(page, "Download the edited YAML", tmp_path / "youth_work.yaml")
    assert "horizon_years: 15" in text
    assert "# Example 1: targeted detached youth work" in text  # comments kept
    lib = str(ROOT / "assumptions" / "unit_costs.yaml")
    sc = load_proposal("downloaded.yaml", text=text.replace("../unit_costs.yaml", lib))
    assert sc.proposal.appraisal.horizon_years == 15

    page.get_by_role("link", name="Ten Year Test").click()
    expect(page.get_by_role("heading", name="Edit assumptions")).to_have_count(0, timeout=15_000)
    expect(page.get_by_test_id("stMetricValue").first).to_have_text(edited, timeout=15_000)


def test_sources_and_compare_pages(page):
    from playwright.sync_api import expect

    page.get_by_role("link", name="Sources").click()
    expect(page.get_by_role("heading", name="Sources and assumptions")).to_be_visible()
    page.wait_for_timeout(500)
    shot(page, "sources")
    page.get_by_role("link", name="Compare proposals").click()
    expect(page.get_by_role("heading", name="Compare proposals")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").first).to_be_visible()
    assert page.get_by_test_id("stException").count() == 0
    page.wait_for_timeout(500)
    shot(page, "compare")


def proposal_selectbox(page):
    """The sidebar's proposal chooser, by its label ('Proposal', collapsed): the sidebar also has a
    'Scenario' selectbox (a file's named scenarios), so the test id alone is ambiguous."""
    return (
        page.get_by_test_id("stSidebar")
        .get_by_test_id("stSelectbox")
        .filter(has=page.get_by_text("Proposal", exact=True))
    )


def _open_example(page, stem: str) -> None:
    from playwright.sync_api import expect

    from costmodel.inputs.loading import load_proposal

    page.get_by_role("link", name="Ten Year Test").click()
    box = proposal_selectbox(page)
    box.click()
    # the sidebar lists examples by title (issue 14 item 10)
    title = load_proposal(ROOT / "assumptions" / "proposals" / f"{stem}.yaml").proposal.title
    page.get_by_role("option", name=f"Example: {title}").click()
    expect(page.get_by_test_id("stSidebar").get_by_text(f"{stem}.yaml")).to_be_visible(timeout=15_000)


def test_pooled_example_shows_the_pooling_tab_with_charts(page, tmp_path):
    from playwright.sync_api import expect

    _open_example(page, "early_help_pooled")
    expect(page.get_by_role("heading", name="Early-help family support")).to_be_visible(timeout=15_000)
    page.get_by_role("tab", name="Pooling").click()
    panel = page.get_by_role("tabpanel", name="Pooling")
    expect(panel.get_by_text("Partner table")).to_be_visible(timeout=15_000)
    expect(panel.get_by_test_id("stDataFrame").first).to_be_visible(timeout=15_000)
    charts = panel.get_by_test_id("stVegaLiteChart")
    expect(charts.first).to_be_visible(timeout=15_000)
    expect(charts).to_have_count(3, timeout=30_000)
    for i in range(3):
        charts.nth(i).scroll_into_view_if_needed()
        expect(charts.nth(i).locator("canvas, svg").first).to_be_visible(timeout=15_000)
    # risk-adjusted (the default since RISK-CORE) the public sector loses: no agreement can help, and the
    # payment schedule in cash is still shown
    expect(panel.get_by_text("No agreement can leave every partner no worse off")).to_be_visible(timeout=15_000)
    expect(panel.get_by_text("Payments under the agreement")).to_be_visible(timeout=15_000)
    assert page.get_by_test_id("stException").count() == 0
    page.set_viewport_size({"width": 1400, "height": 5200})  # the whole tab in one screenshot
    page.wait_for_timeout(1000)
    shot(page, "pooling")
    page.set_viewport_size({"width": 1400, "height": 3000})

    # before optimism bias the public sector gains, and the solver shows the fair agreement
    text = (ROOT / "assumptions" / "proposals" / "early_help_pooled.yaml").read_text(encoding="utf-8")
    unadjusted = tmp_path / "early_help_pooled_unadjusted.yaml"
    unadjusted.write_text(text.replace("\nappraisal:\n", "\nappraisal:\n  optimism_bias: off\n", 1), encoding="utf-8")
    sidebar = page.get_by_test_id("stSidebar")
    proposal_selectbox(page).click()
    page.get_by_role("option", name="Upload a YAML file…").click()
    sidebar.get_by_role("region", name="Proposal YAML file").locator("input[type=file]").set_input_files(
        str(unadjusted)
    )
    expect(sidebar.get_by_text("early_help_pooled_unadjusted.yaml")).to_be_visible(timeout=15_000)
    page.get_by_role("tab", name="Pooling").click()
    panel = page.get_by_role("tabpanel", name="Pooling")
    expect(panel.get_by_text("Every partner ends with the same fraction")).to_be_visible(timeout=15_000)

    panel.get_by_text("Proportional to each partner's PV of cashable savings").click()
    expect(panel.get_by_text("PV of cashable savings, so none is worse off")).to_be_visible(timeout=15_000)
    assert page.get_by_test_id("stException").count() == 0


def test_excel_download_reconciles_with_the_headline(page, tmp_path):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from costmodel.formatting import money

    _open_example(page, "early_help_pooled")
    unedited = page.get_by_test_id("stMetricValue").first.inner_text()
    # an unsaved edit: the workbook must carry it
    page.get_by_role("link", name="Edit assumptions").click()
    box = page.get_by_label("Horizon (years)")
    box.fill("12")
    box.press("Enter")
    expect(page.get_by_test_id("stMetricValue").first).not_to_have_text(unedited, timeout=15_000)
    page.get_by_role("link", name="Ten Year Test").click()
    expect(page.get_by_role("heading", name="Edit assumptions")).to_have_count(0, timeout=15_000)
    headline = page.get_by_test_id("stMetricValue").first
    expect(headline).not_to_have_text(unedited, timeout=15_000)
    headline = headline.inner_text()
    page.get_by_role("tab", name="Downloads").click()
    panel = page.get_by_role("tabpanel", name="Downloads")
    expect(panel.get_by_role("button", name="Briefing (HTML)")).to_be_visible(timeout=15_000)
    page.wait_for_timeout(300)
    shot(page, "downloads")
    with page.expect_download(timeout=30_000) as info:
        panel.get_by_role("button", name="Excel workbook (.xlsx)").click()
    download = info.value
    assert download.suggested_filename == "early_help_pooled.xlsx"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    book = load_workbook(target, data_only=True)
    outputs = book["Outputs"]
    row = next(
        r for r in range(1, outputs.max_row + 1) if outputs.cell(r, 1).value == "Net present value (NPV)"
    )
    npv = outputs.cell(row, 5).value
    assert isinstance(npv, float)
    assert money(npv) == headline
    assert page.get_by_test_id("stException").count() == 0
