"""Docstring examples run: every ``>>>`` example in the package is executed by doctest, so an example
in the API documentation cannot drift from what the code does (``--doctest-modules``, as a test, so
it runs with whatever test paths are given)."""

from __future__ import annotations

import doctest
import importlib

import pytest

from .conftest import ROOT

MODULES = sorted(
    ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for p in (ROOT / "costmodel").rglob("*.py")
)


def _examples(module_name: str) -> list[doctest.DocTest]:
    module = importlib.import_module(module_name)
    return [t for t in doctest.DocTestFinder().find(module, module_name) if t.examples]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name: str):
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in _examples(module_name):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, (
        f"{result.failed} docstring example(s) in {module_name} failed (see output above)"
    )


def test_the_package_has_docstring_examples():
    assert sum(len(t.examples) for m in MODULES for t in _examples(m)) >= 2
