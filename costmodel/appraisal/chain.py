"""The Ten Year Test, step by step: a thin orchestrator in the manner of pvlib's ``ModelChain``.

:func:`appraise` only calls the steps in order, each a function of its own module:

1. :func:`~costmodel.appraisal.optimism.optimism_factors` -- the optimism-bias correction on every line
   (unless the file says ``appraisal.optimism_bias: off``);
2. :func:`~costmodel.appraisal.engine.compile_scenario` -- the resolved scenario as arrays
   (:class:`~costmodel.appraisal.engine.Structure` and central :class:`~costmodel.appraisal.engine.Params`),
   with the corrections (:func:`~costmodel.appraisal.optimism.compile_adjusted`) and without;
3. :func:`~costmodel.appraisal.engine.evaluate` -- costs, savings and cashable savings by year and agency;
4. :func:`~costmodel.appraisal.engine.summarise` -- present values, ratios, payback, dual running;
5. :func:`~costmodel.appraisal.verdict.verdict_text` -- the verdict in words, from those figures.

The headline is the risk-adjusted case; the unadjusted one rides beside it as ``result.unadjusted``.
The figures never depend on the words, so the engine does not import the verdict.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from .engine import Params, Structure, TenYearTest, compile_scenario, evaluate, summarise
from .optimism import OptimismSettings, compile_adjusted, optimism_factors, resolve_settings
from .verdict import verdict_text

if TYPE_CHECKING:
    from ..inputs.loading import Scenario


def _figures(
    scenario: Scenario, settings: OptimismSettings | None, counting: bool, compiled: tuple[Structure, Params]
) -> TenYearTest:
    """The figures with the corrections of ``settings`` (none: ``compiled``, the unadjusted arrays)."""
    factors = optimism_factors(scenario, settings, compiled) if settings is not None else None
    structure, params = compile_adjusted(scenario, factors) if factors is not None else compiled
    flows = evaluate(structure, params)
    figures = summarise(scenario, structure, params, flows, count_committed=counting)
    if factors is None:
        return figures
    cg = settings.table.confidence_grades if settings is not None else None
    return replace(
        figures,
        risk_adjusted=True,
        corrections=factors.corrections,
        optimism_table_status=cg.status if cg is not None else None,
    )


def appraise(
    scenario: Scenario,
    *,
    count_committed: bool | None = None,
    optimism: OptimismSettings | None | bool = True,
) -> TenYearTest:
    """Apply the Ten Year Test to a resolved scenario (central values): figures, then the verdict.

    ``count_committed`` (default: the file's ``appraisal.count_committed``) makes the verdict count the
    savings committed beyond the horizon.

    ``optimism``: True (the default) follows the file's ``appraisal.optimism_bias`` (``apply``: the shipped
    table); False or None gives the unadjusted figures only; an :class:`OptimismSettings` applies that table
    and those options. A risk-adjusted result carries the unadjusted one as ``result.unadjusted``.
    """
    counting = scenario.proposal.appraisal.count_committed if count_committed is None else count_committed
    settings = resolve_settings(scenario, optimism)
    compiled = compile_scenario(scenario)
    unadjusted = _figures(scenario, None, counting, compiled)
    unadjusted = replace(unadjusted, verdict=verdict_text(unadjusted))
    if settings is None:
        return unadjusted
    adjusted = replace(_figures(scenario, settings, counting, compiled), unadjusted=unadjusted)
    return replace(adjusted, verdict=verdict_text(adjusted))
