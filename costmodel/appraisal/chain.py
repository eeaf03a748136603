"""The Ten Year Test, step by step: a thin orchestrator in the manner of pvlib's ``ModelChain``.

:func:`appraise` only calls the steps in order, each a function of its own module:

1. :func:`~costmodel.appraisal.engine.compile_scenario` -- the resolved scenario as arrays
   (:class:`~costmodel.appraisal.engine.Structure` and central :class:`~costmodel.appraisal.engine.Params`);
2. :func:`~costmodel.appraisal.engine.evaluate` -- costs, savings and cashable savings by year and agency;
3. :func:`~costmodel.appraisal.engine.summarise` -- present values, ratios, payback, dual running;
4. :func:`~costmodel.appraisal.verdict.verdict_text` -- the verdict in words, from those figures.

The figures never depend on the words, so the engine does not import the verdict.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .engine import TenYearTest, compile_scenario, evaluate, summarise
from .verdict import verdict_text

if TYPE_CHECKING:
    from ..inputs.loading import Scenario


def appraise(scenario: Scenario, *, count_committed: bool | None = None) -> TenYearTest:
    """Apply the Ten Year Test to a resolved scenario (central values): figures, then the verdict.

    ``count_committed`` (default: the file's ``appraisal.count_committed``) makes the verdict count the
    savings committed beyond the horizon.
    """
    structure, params = compile_scenario(scenario)
    flows = evaluate(structure, params)
    counting = scenario.proposal.appraisal.count_committed if count_committed is None else count_committed
    figures = summarise(scenario, structure, params, flows, count_committed=counting)
    return replace(figures, verdict=verdict_text(figures))
