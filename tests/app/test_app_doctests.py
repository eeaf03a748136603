"""The docstring examples of the app's Streamlit-free modules run (tests/test_doctests.py covers the package)."""

from __future__ import annotations

import doctest

import pytest

import app_pages.chart_layout
import app_pages.scenario_store


@pytest.mark.parametrize(
    "module", [app_pages.chart_layout, app_pages.scenario_store], ids=lambda m: m.__name__
)
def test_docstring_examples_run(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
