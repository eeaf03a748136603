"""Speed in the browser (a benchmark, not a test): `.venv/bin/python benchmarks/bench_browser.py [--repeat N]`.

Debian's headless Chromium through Playwright, against the real app (scripts/serve_app.py) and, in the same
run, a trivial Streamlit page (one line of text) served the same way, so that the first-render figure is
read as "how much more than Streamlit itself". Every figure is the median of ``--repeat`` runs (default 5):

1. first render: a fresh browser context opens the page; until the headline metric is shown and the first
   chart is drawn (the app), until the text is shown (the trivial page). Target: app - trivial <= 1.5 s.
2. a changed input: the Edit page's horizon changed, until the NPV on screen changes. Target <= 1 s.
3. switching example in the sidebar, until the new proposal's title is shown. Target <= 1.5 s.
4. Monte Carlo, 10,000 draws (a new seed each time, so never a cached run): click Run simulation, until the
   probability of passing is shown. Target <= 1.5 s.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.e2e.test_browser import ARGS, CHROMIUM, free_port, start_server, wait_healthy  # noqa: E402

TRIVIAL = 'import streamlit as st\n\nst.title("Hello")\nst.write("A trivial Streamlit page.")\n'


def start_trivial(port: int, folder: Path) -> subprocess.Popen:
    script = folder / "trivial.py"
    script.write_text(TRIVIAL, encoding="utf-8")
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
    ]  # fmt: skip
    return subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def median_ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1000:6.0f} ms (min {min(values) * 1000:.0f}, max {max(values) * 1000:.0f})"


def main(repeat: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        app_port, trivial_port = free_port(), free_port()
        app = start_server(app_port, str(folder / "data"))
        trivial = start_trivial(trivial_port, folder)
        app_url, trivial_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{trivial_port}"
        try:
            wait_healthy(app_url, app)
            wait_healthy(trivial_url, trivial)
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)

                def fresh_page():
                    context = browser.new_context(viewport={"width": 1400, "height": 1200})
                    page = context.new_page()
                    page.set_default_timeout(30_000)
                    return page

                # warm both servers once (imports, caches), as a user after the first visitor sees them
                for url, wanted in ((app_url, "stMetricValue"), (trivial_url, "stMarkdown")):
                    page = fresh_page()
                    page.goto(url)
                    expect(page.get_by_test_id(wanted).first).to_be_visible()
                    page.context.close()

                app_first, app_chart, trivial_first = [], [], []
                for _ in range(repeat):
                    # alternate which goes first, so neither always gets the quieter machine
                    page = fresh_page()
                    t0 = time.perf_counter()
                    page.goto(trivial_url)
                    expect(page.get_by_text("A trivial Streamlit page.")).to_be_visible()
                    trivial_first.append(time.perf_counter() - t0)
                    page.context.close()
                    page = fresh_page()
                    t0 = time.perf_counter()
                    page.goto(app_url)
                    expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
                    app_first.append(time.perf_counter() - t0)
                    expect(page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first).to_be_visible()
                    app_chart.append(time.perf_counter() - t0)
                    page.context.close()

                # 2. a changed input on the Edit page
                page = fresh_page()
                page.goto(f"{app_url}/edit_assumptions")
                npv = page.get_by_test_id("stMetricValue").first
                expect(npv).to_be_visible()
                box = page.get_by_label("Horizon (years)")
                edit = []
                for i in range(repeat):
                    before = npv.inner_text()
                    box.fill(str(11 + i % 2))
                    t0 = time.perf_counter()
                    box.press("Enter")
                    expect(npv).not_to_have_text(before)
                    edit.append(time.perf_counter() - t0)
                page.context.close()

                # 3. switching example
                page = fresh_page()
                page.goto(app_url)
                expect(page.get_by_test_id("stMetricValue").first).to_be_visible()
                switch = []
                targets = [("early_help_pooled", "Early-help family support"), ("youth_work", "youth work")]
                for i in range(repeat):
                    stem, title = targets[i % 2]
                    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").click()
                    option = page.get_by_role("option", name=re.compile(re.escape(title)))  # listed by title
                    t0 = time.perf_counter()
                    option.click()
                    expect(page.get_by_role("heading", level=1).filter(has_text=title)).to_be_visible()
                    switch.append(time.perf_counter() - t0)
                page.context.close()

                # 4. Monte Carlo, 10,000 draws, a new seed each time
                page = fresh_page()
                page.goto(f"{app_url}/?example=early_help_pooled&tab=Uncertainty")
                panel = page.get_by_role("tabpanel", name="Uncertainty")
                expect(panel.get_by_role("button", name="Run simulation")).to_be_visible()
                panel.get_by_role("spinbutton", name="Number of draws").fill("10000")
                mc = []
                for i in range(repeat):
                    seed = 900 + i
                    panel.get_by_role("spinbutton", name="Seed").fill(str(seed))
                    t0 = time.perf_counter()
                    panel.get_by_role("button", name="Run simulation").click()
                    expect(panel.get_by_text(f"10,000 draws, seed {seed}")).to_be_visible()
                    expect(panel.get_by_test_id("stMetric").filter(has_text="Probability of passing")).to_be_visible()
                    mc.append(time.perf_counter() - t0)
                page.context.close()
                browser.close()
        finally:
            for proc in (app, trivial):
                proc.terminate()
                proc.wait(timeout=10)

    gap = [a - t for a, t in zip(app_first, trivial_first, strict=True)]
    print(f"browser speed, {repeat} runs each (medians measured side by side in this run)")
    print(f"first render, trivial Streamlit page      {median_ms(trivial_first)}")
    print(f"first render, app headline                {median_ms(app_first)}")
    print(f"first render, app first chart drawn       {median_ms(app_chart)}")
    print(f"first render, app headline - trivial      {median_ms(gap)}  (target <= 1500 ms)")
    print(f"changed input -> new NPV on screen        {median_ms(edit)}  (target <= 1000 ms)")
    print(f"switching example -> new title            {median_ms(switch)}  (target <= 1500 ms)")
    print(f"Monte Carlo 10,000 draws click -> result  {median_ms(mc)}  (target <= 1500 ms)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each measurement (median)")
    main(parser.parse_args().repeat)
