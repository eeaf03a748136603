"""The briefing's figures equal the engine's and every citation is listed; chart images are valid;
bad output paths and unknown chart kinds give one line and write nothing."""

from __future__ import annotations

import io
import os
import re
import struct
from pathlib import Path

import pytest

from costmodel.appraisal.chain import appraise
from costmodel.cli import main
from costmodel.export.brief import (
    CHROMIUM_ARGS,
    brief_content,
    brief_html,
    brief_markdown,
    find_chromium,
)
from costmodel.export.images import chart_image
from costmodel.formatting import money, per_pound
from costmodel.inputs.loading import load_proposal

ROOT = Path(__file__).resolve().parent.parent
YOUTH_WORK = ROOT / "assumptions" / "proposals" / "youth_work.yaml"


@pytest.fixture(scope="module")
def result():
    return appraise(load_proposal(YOUTH_WORK))


@pytest.fixture(scope="module")
def html_doc(result):
    return brief_html(result)


def _cited(text: str) -> set[int]:
    nums: set[int] = set()
    for group in re.findall(r"\[(\d[\d,–]*)\]", text):
        for part in group.split(","):
            a, _, b = part.partition("–")
            nums.update(range(int(a), int(b or a) + 1))
    return nums


def test_brief_figures_equal_the_engine(result, html_doc):
    text = re.sub(r"<[^>]+>", "", html_doc)
    # headline: £ saved per £1 spent = PV savings / PV costs, and the largest beneficiary's share
    per = result.pv_savings / result.pv_costs
    assert per_pound(per) in text
    i = int(result.pv_savings_by_agency.argmax())
    assert per_pound(result.pv_savings_by_agency[i] / result.pv_costs) in text
    assert result.scenario.agencies[i].name in text
    assert "does not pay for itself" in text  # it fails: the headline must say so
    assert money(result.npv, signed=True) in text
    assert money(result.npv_firm, signed=True) in text
    assert money(result.dual_running.peak_funding_requirement) in text
    for j in range(len(result.scenario.agencies)):
        assert money(float(result.pv_net_by_agency[j]), signed=True) in text
    assert result.verdict.replace("'", "&#x27;") in html_doc


def test_every_cited_source_is_listed(result, html_doc):
    body = re.sub(r'<ol class="sources">.*?</ol>', "", html_doc, flags=re.S)
    cited = {int(n) for n in re.findall(r'href="#src-(\d+)"', body)}
    listed = {int(n) for n in re.findall(r'<li id="src-(\d+)"', html_doc)}
    assert cited and cited <= listed
    md = brief_markdown(result)
    head, _, sources = md.partition("## Sources")
    md_listed = {int(n) for n in re.findall(r"^(\d+)\. ", sources, flags=re.M)}
    assert _cited(head) <= md_listed
    assert md_listed == listed


def test_markdown_has_the_same_words(result):
    md = brief_markdown(result)
    c = brief_content(result)
    assert c.headline in md and result.verdict in md
    assert "no simulation" in md


def test_simulation_probability_is_reported(result):
    from costmodel.export.brief import SimulationSummary

    sim = SimulationSummary(probability_passes=0.127, n_draws=10000, npv_low=-2.5e6, npv_high=-0.4e6)
    md = brief_markdown(result, sim)
    assert "passes the Ten Year Test 13% of the time" in md
    assert "10,000 simulated draws" in md
    assert money(-2.5e6, signed=True) in md
    assert "no simulation" not in md


def test_a_cut_is_headlined_honestly():
    text = YOUTH_WORK.read_text().replace("kind: new_spending", "kind: cut", 1)
    cut = appraise(load_proposal(YOUTH_WORK, text=text))
    c = brief_content(cut)
    assert c.headline.startswith("This cut releases " + money(-cut.pv_costs))
    assert per_pound(cut.pv_savings / cut.pv_costs) in c.headline


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("kind", ["savings-by-department", "cumulative-position"])
def test_chart_images_are_valid_png_and_svg_of_the_expected_size(result, kind):
    svg = chart_image(kind, result, "svg").decode("utf-8")
    m = re.match(r'<svg [^>]*width="(\d+)" height="(\d+)"', svg)
    assert m, svg[:200]
    w, h = int(m.group(1)), int(m.group(2))
    assert w > 620 and h > 340  # the plotting area is 620 × 340 px plus axes and titles
    assert svg.rstrip().endswith("</svg>")
    png = chart_image(kind, result, "png", scale=1)
    assert _png_size(png) == (w, h)
    png2 = chart_image(kind, result, "png", scale=2)
    assert _png_size(png2) == (2 * w, 2 * h)


def _run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def test_cli_chart_writes_an_image(tmp_path):
    target = tmp_path / "c.png"
    code, out, err = _run("chart", str(YOUTH_WORK), "--kind", "who-pays-who-saves", "-o", str(target))
    assert code == 0, err
    assert _png_size(target.read_bytes())[0] > 0


def test_cli_unknown_chart_kind_is_one_line_and_writes_nothing(tmp_path):
    target = tmp_path / "c.png"
    code, out, err = _run("chart", str(YOUTH_WORK), "--kind", "pie", "-o", str(target))
    assert code == 1
    assert err.count("\n") == 1 and "unknown chart kind 'pie'" in err
    for kind in ("savings-by-department", "cumulative-position", "who-pays-who-saves", "dual-running"):
        assert kind in err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize(
    "command,name",
    [("export", "w.xlsx"), ("brief", "b.html"), ("brief", "b.md"), ("chart", "c.svg")],
)
def test_cli_unwritable_output_is_one_line_and_writes_nothing(tmp_path, command, name):
    target = tmp_path / "missing" / name
    extra = ["--kind", "dual-running"] if command == "chart" else []
    code, out, err = _run(command, str(YOUTH_WORK), *extra, "-o", str(target))
    assert code == 1
    assert err.count("\n") == 1 and "cannot write" in err
    assert os.listdir(tmp_path) == []


def test_cli_failed_write_leaves_no_partial_file(tmp_path):
    """The write itself fails (the target is a folder; a read-only folder cannot be tested as root):
    one error line, and the temporary file is removed."""
    target = tmp_path / "w.xlsx"
    target.mkdir()
    code, _, err = _run("export", str(YOUTH_WORK), "-o", str(target))
    assert code == 1 and err.count("\n") == 1 and "cannot write" in err
    assert os.listdir(tmp_path) == ["w.xlsx"] and os.listdir(target) == []


def test_cli_export_and_brief_write_files(tmp_path):
    for name in ("w.xlsx", "b.html", "b.md"):
        command = "export" if name.endswith(".xlsx") else "brief"
        code, out, err = _run(command, str(YOUTH_WORK), "-o", str(tmp_path / name))
        assert code == 0, err
    assert (tmp_path / "w.xlsx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "b.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "b.md").read_text().startswith("# ")


def test_cli_wrong_extension_is_one_line(tmp_path):
    code, _, err = _run("export", str(YOUTH_WORK), "-o", str(tmp_path / "w.csv"))
    assert code == 1 and err.count("\n") == 1 and ".xlsx" in err
    assert os.listdir(tmp_path) == []


@pytest.mark.e2e
def test_brief_prints_on_one_a4_page_screenshot(result, html_doc, tmp_path):
    if find_chromium() is None:
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is not installed: on CI, scripts/test must install it")
        pytest.skip("Debian's chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    src = tmp_path / "brief.html"
    src.write_text(html_doc, encoding="utf-8")
    shots = ROOT / "test-output"
    shots.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=list(CHROMIUM_ARGS))
        try:
            page = browser.new_page(viewport={"width": 794, "height": 1123})  # A4 at 96 dpi
            page.goto(src.as_uri())
            page.emulate_media(media="print")
            page.screenshot(path=str(shots / "brief-print.png"), full_page=True)
            pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
            text = page.inner_text("body")
            images = page.eval_on_selector_all(".charts img", "els => els.map(e => e.naturalWidth)")
        finally:
            browser.close()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the briefing must print on one page"
    assert len(images) == 2 and all(w > 0 for w in images), "both charts must render"
    assert money(result.npv, signed=True) in text


def test_real_simulation_is_quoted_in_the_briefing(result):
    import numpy as np

    from costmodel.uncertainty.montecarlo import simulate

    sim = simulate(result.scenario, draws=2000, seed=3)
    md = brief_markdown(result, sim)
    p5, p95 = np.percentile(sim.npv, [5, 95])
    assert f"passes the Ten Year Test {sim.p_passes:.0%} of the time" in md
    assert "2,000 simulated draws" in md
    assert money(p5, signed=True) in md and money(p95, signed=True) in md


def test_brief_cli_runs_a_simulation_when_asked(tmp_path):
    import io

    from costmodel.cli import main

    target = tmp_path / "brief.md"
    out, err = io.StringIO(), io.StringIO()
    assert (
        main(
            ["brief", str(YOUTH_WORK), "-o", str(target), "--draws", "1000", "--seed", "5"], out=out, err=err
        )
        == 0
    ), err.getvalue()
    assert "1,000 simulated draws" in target.read_text()


def test_the_briefing_gives_the_probability_of_passing_with_its_standard_error(result):
    from costmodel.export.brief import SimulationSummary

    # binomial standard error by hand: √(0.127 × 0.873 / 10,000) = 0.00333, 0.3 points
    md = brief_markdown(result, SimulationSummary(0.127, 10_000, -2.5e6, -0.4e6))
    assert "13% of the time (12.7% ± 0.3 points: ± is the Monte Carlo standard error of the draws" in md
    # a standard error given by the run is quoted as given: √(0.004 × 0.996 / 2,000) = 0.0014, 0.1 points
    md = brief_markdown(result, SimulationSummary(0.004, 2_000, -2.5e6, -0.4e6, 0.0014))
    assert "passes the Ten Year Test less than 1% of the time (0.4% ± 0.1 points" in md  # never '0% of the time'
    md = brief_markdown(result, SimulationSummary(0.0, 2_000, -2.5e6, -0.4e6))
    assert "in 2,000 simulated draws the proposal passes the Ten Year Test 0% of the time (none of the draws)" in md
