"""App speed (a benchmark, not a test): run with `.venv/bin/python benchmarks/bench_app.py`.

1. Engine side of an edit, for each example: apply one changed input to the YAML text (round trip),
   validate it with the loader and appraise it — what the app does between a changed input and
   updated figures (uncached). Target <= 100 ms (issue 9).
2. First page render after the server is up: time from navigation to the headline metric and the
   first chart being drawn in headless Chromium. Target <= 3 s.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from costmodel.appraisal.chain import appraise  # noqa: E402
from costmodel.inputs.editing import edited_scenario  # noqa: E402


def engine_edit_times(repeats: int = 15) -> None:
    for path in sorted((ROOT / "assumptions" / "proposals").glob("*.yaml")) + [
        ROOT / "assumptions" / "templates" / "blank.yaml"
    ]:
        text = path.read_text(encoding="utf-8")
        times = []
        for i in range(repeats):
            t0 = time.perf_counter()
            _, sc = edited_scenario(
                path.name, text, {"appraisal.horizon_years": 10 + i % 5}, library_dir=str(path.parent)
            )
            r = appraise(sc)
            times.append(time.perf_counter() - t0)
            assert r.npv == r.npv
        print(
            f"edit -> figures  {path.name:28s} median {statistics.median(times) * 1000:6.1f} ms  "
            f"max {max(times) * 1000:6.1f} ms  (target <= 100 ms)"
        )


def first_render(repeats: int = 1) -> None:
    """Time the first render on a freshly started server (cold) and then in a second tab (warm).

    With ``repeats`` > 1 the server is restarted each time and the medians are printed too: the machine
    is shared, so single figures vary by a second or more.
    """
    sys.path.insert(0, str(ROOT / "tests" / "e2e"))
    from playwright.sync_api import expect, sync_playwright
    from test_browser import ARGS, CHROMIUM, free_port, start_server, wait_healthy

    figures: dict[str, list[float]] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for _ in range(repeats):
            port = free_port()
            proc = start_server(port)
            url = f"http://127.0.0.1:{port}"
            try:
                t0 = time.perf_counter()
                wait_healthy(url, proc)
                print(f"server healthy after {time.perf_counter() - t0:.2f} s")
                for label in ("first render (cold)", "second render (warm)"):
                    page = browser.new_page(viewport={"width": 1400, "height": 1200})
                    t0 = time.perf_counter()
                    page.goto(url)
                    expect(page.get_by_test_id("stMetricValue").first).to_be_visible(timeout=30_000)
                    t1 = time.perf_counter()
                    expect(
                        page.get_by_test_id("stVegaLiteChart").first.locator("canvas, svg").first
                    ).to_be_visible(timeout=30_000)
                    t2 = time.perf_counter()
                    figures.setdefault(f"{label} headline", []).append(t1 - t0)
                    figures.setdefault(f"{label} first chart", []).append(t2 - t0)
                    print(f"{label}: headline {t1 - t0:.2f} s, first chart {t2 - t0:.2f} s (target <= 3 s)")
                    page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        browser.close()
    if repeats > 1:
        for name, values in figures.items():
            print(f"median of {repeats}: {name} {statistics.median(values):.2f} s")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-browser", action="store_true", help="engine timings only")
    parser.add_argument("--no-engine", action="store_true", help="page render timings only")
    parser.add_argument("--repeat", type=int, default=1, help="cold starts of the server to time (median)")
    args = parser.parse_args()
    if not args.no_engine:
        engine_edit_times()
    if not args.no_browser:
        first_render(args.repeat)
