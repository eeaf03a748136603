"""Browser tests: Playwright's assertions wait up to 30 s (not its default 5 s) for what a person would
wait for. The machine running them is small and shared, and a cold Streamlit session computes the
verdict, two Monte Carlo runs and the value layers before its first figure: timing is measured in
benchmarks/bench_browser.py, never asserted here."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True, scope="session")
def _patient_assertions() -> None:
    try:
        from playwright.sync_api import expect
    except ImportError:  # pragma: no cover - the browser tests skip without Playwright
        return
    expect.set_options(timeout=30_000)


@pytest.fixture(scope="module")
def browser(app_url):
    """Debian's headless Chromium (tests/e2e/test_browser.py's flags) for the tests of one module, once
    ``app_url`` (the module's own app server) is up."""
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_browser import ARGS, CHROMIUM

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
