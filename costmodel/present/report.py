"""Serialise a :class:`~costmodel.appraisal.engine.TenYearTest` as JSON, a text table or CSV.

The JSON layout is documented in ``docs/json-output.md``; the same input always gives byte-identical
output (keys in a fixed order, no timestamps).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import numpy as np

from .. import __version__
from ..appraisal.engine import TenYearTest
from ..formatting import fy_label, money, plural
from .csv_safety import safe_row
from .jsonsafe import json_number, json_series
from .measures import cash_and_capacity_per_pound, headline_measures, irr_note, not_counted
from .optimism_words import correction_fields, risk_adjustment_convention, risk_adjustment_note

CONVENTIONS = {
    "year_0": "Year t is discounted t + (first_year - discount_year) whole years; with the default discount year (the first year) year 0 is undiscounted (Green Book).",
    "discount_factors": "DF_t = prod_{k=1..t} 1/(1+r_k), compounding band by band across the schedule.",
    "excel_check": "In Excel, NPV = B + NPV(rate, C:K) with year 0 in B: Excel's NPV() discounts its first value.",
    "prices": "Real terms: every amount is converted from its own price year (or, for a cash figure, the year it is spent) to the price base year with the deflator (Green Book 2022 Table 1).",
    "cash": "The cash block is nominal and undiscounted: cash = real x D[year] / D[price base]. The appraisal (NPV, verdict) is real and discounted.",
    "committed_beyond_horizon": "PV of the savings (less any costs) that intakes within the horizon go on producing after it; counted in the verdict only when counts_committed is true.",
    "bcr": "Fiscal return on investment = PV of savings to public budgets (cashable and not) / PV of prevention costs; not a benefit-cost ratio; new spending only (null for a cut: money released over demand added would invert its meaning; a cut reports money_released, closure_costs and costs_shunted).",
    "benefit_cost_ratio": "Benefit-cost ratio (public value) = PV of benefits in the fiscal, economic and social layers / PV of costs to the public sector (Green Book 2022 5.54-5.56); the Ten Year Test verdict rests on the fiscal layer only.",
    "health_rate": "Values in WELLBYs and QALYs (part of the social layer) are discounted at the Green Book health rate; every other figure at the appraisal's schedule.",
    "net_return_per_pound": "NPV per £1 of prevention spending; new spending only (null for a cut).",
    "payback_year": "First financial year from which the cumulative net position (all fiscal savings, cashable and not, less prevention costs) stays at or above zero to the horizon.",
    "irr": "Real IRR: the real discount rate at which the fiscal NPV is zero (flows in constant prices).",
}


_f = json_number
_series = json_series


def _fy(result: TenYearTest, index: int | None) -> int | None:
    return None if index is None else result.years[index]


def result_to_dict(result: TenYearTest, pool_solve: str | None = None) -> dict[str, Any]:
    """The JSON object printed by ``costmodel run --format json`` (with ``pooling`` for a pooled
    proposal; ``pool_solve`` adds the fair-share agreement under that rule)."""
    sc = result.scenario
    p = sc.proposal
    fl = result.flows
    df = fl.factors
    agencies = []
    for i, a in enumerate(sc.agencies):
        costs, savings, cash = fl.costs[:, i], fl.savings[:, i], fl.cashable[:, i]
        gross = fl.gross_savings[:, i] if fl.gross_savings is not None else savings
        net = savings - costs
        agencies.append(
            {
                "id": a.id,
                "name": a.name,
                "pv_costs": _f(result.pv_costs_by_agency[i]),
                "pv_savings": _f(result.pv_savings_by_agency[i]),
                "pv_gross_savings": _f(float(gross @ df)),
                "pv_cashable": _f(result.pv_cashable_by_agency[i]),
                "pv_non_cashable": _f(float((savings - cash) @ df)),
                "pv_net": _f(result.pv_net_by_agency[i]),
                "pv_net_firm_budget_years": _f(result.pv_net_firm_by_agency[i]),
                "pv_net_years_beyond": _f(result.pv_net_beyond_by_agency[i]),
                "committed_beyond_horizon": _committed_agency(result, i),
                "series": {
                    "costs": _series(costs),
                    "gross_savings": _series(gross),
                    "savings": _series(savings),
                    "cashable_savings": _series(cash),
                    "non_cashable_savings": _series(savings - cash),
                    "net": _series(net),
                    "discounted_net": _series(net * df),
                },
            }
        )
    outcomes = [
        {
            "id": oc.id,
            "label": oc.label,
            "events": _series(fl.events[o]),
            "savings": _series(fl.savings_by_outcome[o]),
            "pv_savings": _f(result.pv_savings_by_outcome[o]),
        }
        for o, oc in enumerate(p.outcomes)
    ]
    costs_t = fl.costs.sum(axis=1)
    sav_t = fl.savings.sum(axis=1)
    cash_t = fl.cashable.sum(axis=1)
    dr = result.dual_running
    fin = result.financing
    committed = result.committed
    return {
        "costmodel_version": __version__,
        "proposal": {"id": p.id, "title": p.title, "kind": p.kind, "area": p.area, "file": sc.path},
        "inputs_sha256": sc.inputs_sha256,
        "conventions": {
            "appraisal": result.test_name.removeprefix("the "),
            "price_base_year": sc.proposal.appraisal.price_base_year,
            "price_base_label": fy_label(sc.proposal.appraisal.price_base_year),
            "discount_year": sc.proposal.appraisal.discount_origin,
            "discount_year_label": fy_label(sc.proposal.appraisal.discount_origin),
            "discount_schedule": sc.schedule.id,
            "discount_schedule_label": sc.schedule.label,
            "deflator": sc.deflator.id,
            "deflator_vintage": sc.deflator.vintage,
            "deflator_description": sc.deflator.describe(),
            "deflator_release_date": sc.deflator.release_date,
            "deflator_forecast_years": _forecast_years(result),
            **CONVENTIONS,
        },
        "years": list(result.years),
        "year_labels": [fy_label(y) for y in result.years],
        "firm_budget_years": result.structure.firm_budget_years,
        "discount_rates": _series(result.params.rates),
        "discount_factors": _series(df),
        "agencies": agencies,
        "outcomes": outcomes,
        "totals": {
            "pv_costs": _f(result.pv_costs),
            "pv_savings": _f(result.pv_savings),
            "pv_cashable": _f(result.pv_cashable),
            "npv": _f(result.npv),
            "npv_firm_budget_years": _f(result.npv_firm),
            "npv_years_beyond": _f(result.npv_beyond),
            "bcr": _f(result.bcr),
            "net_return_per_pound": _f(result.net_return_per_pound),
            "cashable_return_per_pound": _f(result.cashable_return_per_pound),
            "payback_year": _fy(result, result.payback_year),
            "discounted_payback_year": _fy(result, result.discounted_payback_year),
            "irr": _f(result.irr),
            "irr_note": irr_note(result),
            "peak_funding_requirement": _f(dr.peak_funding_requirement),
            "committed_beyond_horizon": None
            if committed is None
            else {
                "pv_savings": _f(float(committed.pv_savings_by_agency.sum())),
                "pv_cashable": _f(float(committed.pv_cashable_by_agency.sum())),
                "pv_costs": _f(float(committed.pv_costs_by_agency.sum())),
                "pv_net": _f(committed.pv_net),
                "years_after_horizon": committed.years,
            },
            "counts_committed": result.counts_committed,
            "npv_counted": _f(result.npv_counted),
            "series": {
                "costs": _series(costs_t),
                "savings": _series(sav_t),
                "cashable_savings": _series(cash_t),
                "net": _series(sav_t - costs_t),
                "discounted_net": _series((sav_t - costs_t) * df),
                "cumulative_net": _series(np.cumsum(sav_t - costs_t)),
            },
        },
        "dual_running": _dual_json(result, dr),
        "cash": _cash_json(result),
        "financing": None
        if fin is None
        else {
            "fund": fin.fund,
            "prices": "cash",
            "principal": _f(fin.principal),
            "interest_rate": _f(fin.interest_rate),
            "term_years": fin.term_years,
            "annual_repayment": _f(fin.annual_repayment),
            "repayment_capacity": _f(fin.repayment_capacity),
            "years_to_repay": _f(fin.years_to_repay),
            "repaid_within_horizon": fin.repaid_within_horizon,
            "affordable": fin.affordable,
        },
        "ten_year_test": {
            "passes": result.passes,
            "verdict": result.verdict,
            "worse_off": list(result.worse_off),
            "better_off": list(result.better_off),
        },
        **layers_json(result),
        "notes": list(result.notes),
        **_cut_json(result),
        "risk_adjustment": _risk_json(result),
        "unadjusted": unadjusted_json(result),
        **_pooling_json(result, pool_solve),
    }


def _layer_years(result: TenYearTest) -> tuple[Any, Any, Any]:
    """The economic layer, the social layer and the social layer's WELLBY/QALY part, by year [£]
    (zeros for a file that values nothing beyond public budgets)."""
    layers = result.flows.layers
    if layers is None:
        zeros = np.zeros(result.structure.n_years)
        return zeros, zeros, zeros
    return layers.economic, layers.social, layers.wellbeing


def layers_json(result: TenYearTest) -> dict[str, Any]:
    """The value layers (docs/json-output.md): ``fiscal``, ``economic``, ``social``, ``public_value``,
    the file's ``unmonetised`` impacts and the short ``not_counted`` list."""
    L = result.value_layers
    fl = result.flows
    economic_t, social_t, wellbeing_t = _layer_years(result)
    cash_pp, capacity_pp = cash_and_capacity_per_pound(result)

    def layer(x: Any) -> dict[str, Any]:
        return {
            "pv_benefits": _f(x.pv_benefits),
            "pv_costs": _f(x.pv_costs),
            "npv": _f(x.npv),
            "per_pound": _f(x.per_pound),
        }

    return {
        "fiscal": {
            **layer(L.fiscal),
            "layer": "public budgets (the Ten Year Test rests on this layer)",
            "pv_cashable": _f(L.pv_cashable),
            "pv_non_cashable": _f(L.pv_non_cashable),
            "return_on_investment": _f(L.fiscal_return_on_investment),
            "cash_per_pound": _f(cash_pp),
            "freed_capacity_per_pound": _f(capacity_pp),
        },
        "economic": {
            **layer(L.economic),
            "layer": "output and earnings beyond public budgets",
            "series": _series(economic_t),
        },
        "social": {
            **layer(L.social),
            "layer": "harm avoided and wellbeing beyond public budgets",
            "pv_wellbeing": _f(L.pv_wellbeing),
            "series": _series(social_t),
            "series_wellbeing": _series(wellbeing_t),
            "health_discount_factors": None if fl.layers is None else _series(fl.layers.health_factors),
        },
        "public_value": {
            "pv_benefits": _f(L.pv_benefits),
            "pv_costs": _f(L.pv_public_costs),
            "net_present_public_value": _f(L.net_present_public_value),
            "benefit_cost_ratio": _f(L.benefit_cost_ratio),
        },
        "unmonetised": [
            {"impact": u.impact, "direction": u.direction, "evidence": u.evidence}
            for u in result.scenario.proposal.unmonetised
        ],
        "not_counted": not_counted(result),
    }


def _cut_json(result: TenYearTest) -> dict[str, Any]:
    """For a cut: money released, closure costs, costs shunted by budget holder and value lost, each by
    year in price-base prices (real) and cash, with present values (docs/json-output.md)."""
    cut = result.cut
    if cut is None:
        return {}
    sc = result.scenario
    base = fy_label(result.structure.price_base_year)

    def holders(real: np.ndarray, cash: np.ndarray, pv: np.ndarray, extra: Any = None) -> list[dict[str, Any]]:
        out = []
        for i, a in enumerate(sc.agencies):
            if not (np.any(real[:, i]) or pv[i]):
                continue
            row = {"id": a.id, "name": a.name, "pv": _f(float(pv[i])), "real": _series(real[:, i]), "cash": _series(cash[:, i])}
            if extra is not None:
                row.update(extra(i))
            out.append(row)
        return out

    p = sc.proposal
    n_years = result.structure.n_years
    return {
        "money_released": {
            "definition": "The budget the cut stops spending, as its release profile releases it; positive = money released.",
            "prices": {"real": f"{base} prices", "cash": "cash (nominal), undiscounted"},
            "pv": _f(cut.pv_released),
            "by_year": {"real": _series(cut.released.sum(axis=1)), "cash": _series(cut.released_cash.sum(axis=1))},
            "release_share": [
                {
                    "cost_line": line.id,
                    "share": _series(_release_of(line, n_years)),
                }
                for line in p.prevention_costs
            ],
            "agencies": holders(cut.released, cut.released_cash, cut.pv_released_by_agency),
        },
        "closure_costs": {
            "definition": "One-off costs of making the cut (redundancy, contract exit, buildings); positive = a cost.",
            "pv": _f(cut.pv_closure),
            "by_year": {"real": _series(cut.closure.sum(axis=1)), "cash": _series(cut.closure_cash.sum(axis=1))},
            "lines": [
                {"id": cc.id, "label": cc.label, "paid_by": cc.paid_by, "year": result.years[0] + cc.year}
                for cc in p.closure_costs
            ],
            "agencies": holders(cut.closure, cut.closure_cash, cut.pv_closure_by_agency),
        },
        "costs_shunted": {
            "definition": "Extra acute demand the cut adds to each budget holder; positive = a cost. Cashable: extra "
            "cash spending; the rest is absorbed as stretched capacity.",
            "pv": _f(cut.pv_shunted),
            "pv_cashable": _f(cut.pv_shunted_cashable),
            "by_year": {
                "real": _series(cut.shunted.sum(axis=1)),
                "cashable_cash": _series(cut.shunted_cashable_cash.sum(axis=1)),
            },
            "agencies": holders(
                cut.shunted,
                cut.shunted_cash,
                cut.pv_shunted_by_agency,
                lambda i: {"pv_cashable": _f(float(cut.pv_shunted_cashable_by_agency[i]))},
            ),
        },
        "value_lost": {
            "definition": "Value lost outside public budgets: the economic layer (output, earnings) and the "
            "social layer (harm to victims, wellbeing; wellbeing discounted at the health rate); positive = lost.",
            "economic": {"pv": _f(cut.pv_lost_economic), "real": _series(cut.lost_economic)},
            "social": {"pv": _f(cut.pv_lost_social), "real": _series(cut.lost_social)},
            "social_counted": abs(cut.pv_lost_social) > 0.005,
            "note": None
            if abs(cut.pv_lost_social) > 0.005
            else "No social value is counted (the file values none), so the fiscal net present value is a "
            "lower bound on the harm.",
        },
        "cut_net": {
            "definition": "Money released - closure costs - costs shunted (present value: the fiscal NPV); "
            "public_value_pv also takes off the value lost.",
            "pv": _f(cut.pv_net),
            "public_value_pv": _f(cut.pv_net_public_value),
        },
    }


def _release_of(line: Any, n_years: int) -> np.ndarray:
    from ..appraisal.engine import line_release

    return line_release(line, n_years)


def _risk_json(result: TenYearTest) -> dict[str, Any]:
    """Whether the figures are risk-adjusted for optimism bias, how, and whether it changes the answer."""
    before = result.unadjusted
    return {
        "applied": result.risk_adjusted,
        "table_status": result.optimism_table_status,
        "changes_the_answer": before is not None and before.passes != result.passes,
        "note": risk_adjustment_note(result),
        "corrections": [
            {
                **correction_fields(c),
                "correction": _f(c.correction),
                "factor": _f(c.factor),
            }
            for c in result.corrections
        ],
    }


def unadjusted_json(result: TenYearTest) -> dict[str, Any] | None:
    """The headline figures before optimism bias, beside the risk-adjusted ones (None when the figures
    are not adjusted: they are then the unadjusted ones): ``run``'s and each of ``compare``'s proposals'
    ``unadjusted`` object."""
    u = result.unadjusted
    if u is None:
        return None
    layers = layers_json(u)
    return {
        "totals": {
            "pv_costs": _f(u.pv_costs),
            "pv_savings": _f(u.pv_savings),
            "pv_cashable": _f(u.pv_cashable),
            "npv": _f(u.npv),
            "npv_firm_budget_years": _f(u.npv_firm),
            "npv_years_beyond": _f(u.npv_beyond),
            "npv_counted": _f(u.npv_counted),
            "bcr": _f(u.bcr),
            "net_return_per_pound": _f(u.net_return_per_pound),
            "cashable_return_per_pound": _f(u.cashable_return_per_pound),
            "pv_cash_net": _f(u.pv_cash_net),
            "peak_funding_requirement": _f(u.dual_running.peak_funding_requirement),
        },
        "agencies": [
            {
                "id": a.id,
                "pv_costs": _f(u.pv_costs_by_agency[i]),
                "pv_savings": _f(u.pv_savings_by_agency[i]),
                "pv_cashable": _f(u.pv_cashable_by_agency[i]),
                "pv_net": _f(u.pv_net_by_agency[i]),
            }
            for i, a in enumerate(u.scenario.agencies)
        ],
        # every layer before optimism bias, with the same keys as the risk-adjusted blocks above
        **{k: layers[k] for k in ("fiscal", "economic", "social")},
        "public_value": {
            **layers["public_value"],
            "pv_economic": _f(u.value_layers.economic.pv_benefits),
            "pv_social": _f(u.value_layers.social.pv_benefits),
        },
        "ten_year_test": {"passes": u.passes, "verdict": u.verdict},
    }


def _forecast_years(result: TenYearTest) -> list[int]:
    """Appraisal years whose deflator value is a published forecast or the long-run assumption."""
    d = result.scenario.deflator
    if d.outturn_to is None:
        return []
    return [y for y in result.years if y > d.outturn_to]


def _committed_agency(result: TenYearTest, i: int) -> dict[str, Any] | None:
    c = result.committed
    if c is None:
        return None
    return {
        "pv_savings": _f(c.pv_savings_by_agency[i]),
        "pv_cashable": _f(c.pv_cashable_by_agency[i]),
        "pv_costs": _f(c.pv_costs_by_agency[i]),
        "pv_net": _f(c.pv_net_by_agency[i]),
    }


def _dual_json(result: TenYearTest, dr: Any) -> dict[str, Any]:
    return {
        "funding_requirement": _series(dr.funding_requirement),
        "cumulative_funding_requirement": _series(dr.cumulative_requirement),
        "peak_funding_requirement": _f(dr.peak_funding_requirement),
        "peak_year": _fy(result, dr.peak_year),
        "years": dr.years,
        "ends_within_horizon": dr.ends_within_horizon,
        "break_even_year": _fy(result, dr.break_even_year),
    }


def _cash_json(result: TenYearTest) -> dict[str, Any] | None:
    """The medium-term financial table in cash (nominal, undiscounted), by budget holder and year."""
    c = result.cash
    if c is None:
        return None
    sc = result.scenario

    def block(i: int | None) -> dict[str, Any]:
        def pick(a: np.ndarray) -> np.ndarray:
            return a.sum(axis=1) if i is None else a[:, i]

        net = pick(c.net)
        return {
            "costs": _series(pick(c.costs)),
            "cashable_savings": _series(pick(c.cashable)),
            "non_cashable_savings": _series(pick(c.non_cashable)),
            "net": _series(net),
            "cumulative_net": _series(np.cumsum(net)),
        }

    return {
        "prices": "cash (nominal), undiscounted",
        "deflator_vintage": sc.deflator.vintage,
        "cash_factor": _series(c.factor),
        "agencies": [{"id": a.id, "name": a.name, **block(i)} for i, a in enumerate(sc.agencies)],
        "total": block(None),
        "dual_running": _dual_json(result, c.dual_running),
    }


def to_json(result: TenYearTest, pool_solve: str | None = None) -> str:
    return (
        json.dumps(result_to_dict(result, pool_solve), indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    )


# --- pooled budgets and responsibility charges (costmodel.pooling.accounting) ---


def _has_pooling(result: TenYearTest) -> bool:
    p = result.scenario.proposal
    return p.pool is not None or bool(p.responsibility_charges)


def _pooling_json(result: TenYearTest, pool_solve: str | None) -> dict[str, Any]:
    if not _has_pooling(result):  # no pooling section: do not import the pooling modules at all
        return {}
    from ..pooling.accounting import appraise_pool
    from .pooling_report import pooling_to_dict

    pr = appraise_pool(result, pool_solve)
    return {} if pr is None else {"pooling": pooling_to_dict(pr)}


def _pooling_table(result: TenYearTest, pool_solve: str | None) -> str:
    if not _has_pooling(result):
        return ""
    from ..pooling.accounting import appraise_pool
    from .pooling_report import render_pooling_table

    pr = appraise_pool(result, pool_solve)
    return "" if pr is None else "\n" + render_pooling_table(pr, result.structure.price_base_year)


# ---------------------------------------------------------------------------------------------
# Text table
# ---------------------------------------------------------------------------------------------


def _scaled(v: float, scale: float) -> str:
    x = round(v / scale)
    return f"{x:,.0f}".replace("-", "\u2212") if x != 0 else "0"


TABLE_MEASURES = (
    "pv_costs",
    "pv_savings",
    "pv_cashable",
    "pv_non_cashable",
    "npv",
    "npv_firm",
    "npv_beyond",
    "committed",
    "bcr",
    "cash_and_capacity_per_pound",
    "net_return_per_pound",
    "payback_year",
    "discounted_payback_year",
    "payback_flows",
    "irr",
    "peak_funding",
    "peak_funding_cash",
    "dual_running_years",
    "cash_break_even_year",
)
"""The headline measures of `costmodel run`'s text table, in order (see present/measures.py): the
fiscal layer, which the Ten Year Test rests on."""

LAYER_MEASURES = ("pv_economic", "pv_social", "npv_public_value", "bcr_public_value")
"""The measures of the value beyond public budgets, under their own heading in the text table."""

FISCAL_HEADING = "Fiscal layer: public budgets (the Ten Year Test rests on this layer)"
WIDER_HEADING = "Value beyond public budgets (economic and social layers; not in the verdict)"

CUT_TABLE_MEASURES = (
    "money_released",
    "closure_costs",
    "costs_shunted",
    "economic_value_lost",
    "social_value_lost",
    "npv",
    "npv_firm",
    "npv_beyond",
    "committed",
    "shunted_per_pound_released",
    "payback_year",
    "discounted_payback_year",
    "irr",
    "peak_funding",
    "peak_funding_cash",
    "dual_running_years",
    "cash_break_even_year",
)
"""A cut's headline measures in the text table: no benefit-cost ratio (see present/measures.py)."""


def render_table(result: TenYearTest, pool_solve: str | None = None) -> str:
    sc = result.scenario
    p = sc.proposal
    fl = result.flows
    s = result.structure
    lines: list[str] = []
    lines.append(f"{p.title}")
    lines.append(f"{'New spending' if p.kind == 'new_spending' else 'Cut'} · {p.area}")
    lines.append(
        f"Real prices {fy_label(s.price_base_year)} · {sc.schedule.label} · year 0 = {fy_label(result.years[0])}, undiscounted"
    )
    origin = p.appraisal.discount_origin
    if origin != result.years[0]:
        lines.append(f"Discounted to {fy_label(origin)} (the discount year), not to the first year")
    lines.append(f"Deflator: {sc.deflator.describe()}")
    lines.append(f"inputs_sha256 {sc.inputs_sha256[:16]}…  ({sc.path})")
    lines.append("")
    measures = headline_measures(result)
    head = [
        (measures[k].label, measures[k].text)
        for k in (TABLE_MEASURES if result.cut is None else CUT_TABLE_MEASURES)
        if (k != "committed" or measures[k].value is not None)
        and (k != "cash_and_capacity_per_pound" or measures[k].value is not None)
    ]
    # a cut has no benefit-cost ratio (it would invert the meaning): its wider block gives the values only
    wider = [
        (measures[k].label, measures[k].text)
        for k in LAYER_MEASURES
        if result.cut is None or k != "bcr_public_value"
    ]
    if result.unadjusted is not None:  # the sensitivity beside the risk-adjusted headline
        at = next((i + 1 for i, (k, _) in enumerate(head) if k == measures["npv"].label), len(head))
        head.insert(at, ("  before optimism bias", money(result.unadjusted.npv)))
        before = result.unadjusted.value_layers
        for key, value in (
            ("pv_economic", before.economic.pv_benefits),
            ("pv_social", before.social.pv_benefits),
            ("npv_public_value", before.net_present_public_value),
        ):
            at = next(i + 1 for i, (k, _) in enumerate(wider) if k == measures[key].label)
            wider.insert(at, ("  before optimism bias", money(value)))
    width = max(len(k) for k, _ in head + wider)
    lines.append(FISCAL_HEADING)
    lines += [f"{k:<{width}}  {v}" for k, v in head]
    if result.financing is not None:
        f = result.financing
        lines.append(
            f"{'Invest-to-save fund':<{width}}  {f.fund}: borrow {money(f.principal)} cash at {f.interest_rate:.2%} nominal, repay {money(f.annual_repayment)}/yr over {f.term_years} yrs; "
            + (
                f"repaid in {f.years_to_repay:.1f} yrs from savings"
                if f.years_to_repay is not None
                else "savings never repay it"
            )
        )
    lines.append("")
    lines.append(WIDER_HEADING)
    lines += [f"{k:<{width}}  {v}" for k, v in wider]
    lines.append("")
    net = fl.savings - fl.costs
    scale = 1000.0 if np.abs(net).max(initial=0.0) >= 100_000 else 1.0
    unit = "£ thousands" if scale == 1000.0 else "£"

    def _k(v: float) -> str:
        return _scaled(v, scale)

    title = "Ten Year Test table" if s.n_years == 10 else f"{s.n_years}-year appraisal table"
    lines.append(
        f"{title}: net position by budget holder (savings − costs), {unit}, real, {fy_label(s.price_base_year)} prices"
    )
    names = [a.name for a in sc.agencies]
    nw = max([len(n) for n in names] + [len("Total public sector"), 12])
    years_hdr = [fy_label(y)[2:] for y in result.years]
    hdr = (
        f"{'Budget holder':<{nw}} "
        + " ".join(f"{y:>7}" for y in years_hdr)
        + f" {'firm PV':>9} {'beyond PV':>9} {'NPV':>9}"
    )
    lines.append(hdr)
    lines.append("-" * len(hdr))
    for i, n in enumerate(names):
        row = " ".join(f"{_k(v):>7}" for v in net[:, i])
        lines.append(
            f"{n:<{nw}} {row} {_k(result.pv_net_firm_by_agency[i]):>9} {_k(result.pv_net_beyond_by_agency[i]):>9} {_k(result.pv_net_by_agency[i]):>9}"
        )
    lines.append("-" * len(hdr))
    tot = net.sum(axis=1)
    lines.append(
        f"{'Total public sector':<{nw}} "
        + " ".join(f"{_k(v):>7}" for v in tot)
        + f" {_k(result.npv_firm):>9} {_k(result.npv_beyond):>9} {_k(result.npv):>9}"
    )
    lines.append(
        f"{'  of which cashable':<{nw}} "
        + " ".join(f"{_k(v):>7}" for v in (fl.cashable.sum(1) - fl.costs.sum(1)))
    )
    lines.append(f"{'Discount factor':<{nw}} " + " ".join(f"{v:>7.4f}" for v in fl.factors))
    if result.cut is not None:
        cut = result.cut
        lines.append("")
        lines.append(
            f"The cut by year, {unit}: real ({fy_label(s.price_base_year)} prices), then cash (nominal; "
            "costs shunted in cash are the cashable part)"
        )
        for name, arr in (
            ("money released", cut.released),
            ("closure costs", cut.closure),
            ("costs shunted", cut.shunted),
            ("released, cash", cut.released_cash),
            ("closure, cash", cut.closure_cash),
            ("shunted, cash", cut.shunted_cashable_cash),
        ):
            lines.append(f"{'  ' + name:<{nw}} " + " ".join(f"{_k(v):>7}" for v in arr.sum(axis=1)))
    lines.append("")
    lines.append(result.verdict)
    lines.append(risk_adjustment_convention(result).rstrip())
    for note in result.notes:
        lines.append(f"Note: {note}")
    lines.append("")
    lines.append("Not counted:")
    lines += [f"- {item}" for item in not_counted(result)]
    return "\n".join(lines) + "\n" + _pooling_table(result, pool_solve)


def render_cash_table(result: TenYearTest) -> str:
    """The medium-term financial table: cash (nominal, undiscounted) by budget holder and year."""
    c = result.cash
    assert c is not None
    sc = result.scenario
    names = [a.name for a in sc.agencies]
    biggest = max(
        np.abs(c.costs).max(initial=0.0),
        np.abs(c.cashable).max(initial=0.0),
        np.abs(c.non_cashable).max(initial=0.0),
    )
    scale = 1000.0 if biggest >= 100_000 else 1.0
    unit = "£ thousands" if scale == 1000.0 else "£"
    years_hdr = [fy_label(y)[2:] for y in result.years]
    nw = max([len(n) for n in names] + [len("  non-cashable (capacity)"), 12])
    hdr = f"{'Budget holder / line':<{nw}} " + " ".join(f"{y:>7}" for y in years_hdr)
    lines = [
        f"Cash view (medium-term financial table): {unit}, cash (nominal), undiscounted",
        f"Cash = real × deflator ratio; deflator: {sc.deflator.describe()}",
        hdr,
        "-" * len(hdr),
    ]

    def rows(label: str, i: int | None) -> None:
        def pick(a: np.ndarray) -> np.ndarray:
            return a.sum(axis=1) if i is None else a[:, i]

        net = pick(c.net)
        lines.append(label)
        for name, arr in (
            ("prevention costs", pick(c.costs)),
            ("cashable savings", pick(c.cashable)),
            ("non-cashable (capacity)", pick(c.non_cashable)),
            ("net cash position", net),
            ("cumulative net cash", np.cumsum(net)),
        ):
            lines.append(f"{'  ' + name:<{nw}} " + " ".join(f"{_scaled(v, scale):>7}" for v in arr))

    for i, n in enumerate(names):
        rows(n, i)
    lines.append("-" * len(hdr))
    rows("Total public sector", None)
    dr = c.dual_running
    lines.append("")
    lines.append(
        f"Dual running in cash: peak funding {money(dr.peak_funding_requirement)}; lasts "
        + plural(dr.years, "year")
        + ("" if dr.ends_within_horizon else " (beyond the horizon)")
        + "; cash break-even "
        + (
            fy_label(result.years[dr.break_even_year])
            if dr.break_even_year is not None
            else "not within horizon"
        )
        + "."
    )
    lines.append("Non-cashable savings free capacity; they are shown but not counted as cash.")
    lines += _payment_schedule_lines(result)
    return "\n".join(lines) + "\n"


def _payment_schedule_lines(result: TenYearTest) -> list[str]:
    """A pooled proposal's payments under its agreement, in cash, for the cash view (else nothing)."""
    if not _has_pooling(result):
        return []
    from ..pooling.accounting import appraise_pool
    from .pooling_report import render_payment_schedule

    pr = appraise_pool(result)
    schedule = [] if pr is None else render_payment_schedule(pr, cash=True)
    return ["", *schedule] if schedule else []


# ---------------------------------------------------------------------------------------------
# CSV (Excel-friendly, one row per budget holder and measure)
# ---------------------------------------------------------------------------------------------


class _SafeWriter:
    """A csv writer whose text cells cannot run as spreadsheet formulas."""

    def __init__(self, writer: Any):
        self.writer = writer

    def writerow(self, row: list[Any]) -> None:
        self.writer.writerow(safe_row(row))


def render_csv(result: TenYearTest) -> str:
    sc = result.scenario
    fl = result.flows
    buf = io.StringIO()
    buf.write(
        csv_comment(
            f"# real figures in {fy_label(result.structure.price_base_year)} prices, present values discounted; "
            f"cash_* rows are cash (nominal), undiscounted; deflator: {sc.deflator.describe()}; "
            + (
                "risk-adjusted for optimism bias (unadjusted_* rows: before adjustment)"
                if result.unadjusted is not None
                else "not risk-adjusted for optimism bias"
            )
        )
        + "\n"
    )
    w = _SafeWriter(csv.writer(buf, lineterminator="\n"))
    w.writerow(["agency_id", "agency", "measure"] + [fy_label(y) for y in result.years] + ["present_value"])
    df = fl.factors
    w.writerow(["", "", "discount_factor"] + [repr(float(v)) for v in df] + [""])
    # (measure, flows by year and agency, present value by agency, total present value): the present
    # values are the engine's (the JSON's and the table's), not recomputed here
    measures = [
        ("costs", fl.costs, result.pv_costs_by_agency, result.pv_costs),
        ("savings", fl.savings, result.pv_savings_by_agency, result.pv_savings),
        ("cashable_savings", fl.cashable, result.pv_cashable_by_agency, result.pv_cashable),
        ("net", fl.savings - fl.costs, result.pv_net_by_agency, result.npv),
    ]
    cut = result.cut
    if cut is not None:  # a cut: money released, closure costs and costs shunted, each positive
        measures += [
            ("money_released", cut.released, cut.pv_released_by_agency, cut.pv_released),
            ("closure_costs", cut.closure, cut.pv_closure_by_agency, cut.pv_closure),
            ("costs_shunted", cut.shunted, cut.pv_shunted_by_agency, cut.pv_shunted),
        ]
    _agency_rows(w, sc.agencies, measures)
    _layer_rows(result, w)
    if cut is not None:  # value lost outside public budgets (not by budget holder)
        for name, series, lost in (
            ("economic_value_lost", cut.lost_economic, cut.pv_lost_economic),
            ("social_value_lost", cut.lost_social, cut.pv_lost_social),
        ):
            w.writerow(
                ["beyond", "Beyond public budgets", name] + [repr(float(v) + 0.0) for v in series] + [repr(lost)]
            )
    u = result.unadjusted
    if u is not None:  # the same rows before optimism bias
        before = [
            ("unadjusted_costs", u.flows.costs, u.pv_costs_by_agency, u.pv_costs),
            ("unadjusted_savings", u.flows.savings, u.pv_savings_by_agency, u.pv_savings),
            ("unadjusted_cashable_savings", u.flows.cashable, u.pv_cashable_by_agency, u.pv_cashable),
            ("unadjusted_net", u.flows.savings - u.flows.costs, u.pv_net_by_agency, u.npv),
        ]
        _agency_rows(w, sc.agencies, before)
        _layer_rows(u, w, prefix="unadjusted_")
    c = result.cash
    if c is not None:
        cash_measures = [
            ("cash_costs", c.costs),
            ("cash_cashable_savings", c.cashable),
            ("cash_non_cashable_savings", c.non_cashable),
            ("cash_net", c.net),
            ("cash_cumulative_net", c.cumulative),
        ]
        if cut is not None:
            cash_measures += [
                ("cash_money_released", cut.released_cash),
                ("cash_closure_costs", cut.closure_cash),
                ("cash_costs_shunted_cashable", cut.shunted_cashable_cash),
            ]
        rows: list[tuple[str, str, int | None]] = [(a.id, a.name, i) for i, a in enumerate(sc.agencies)]
        rows.append(("total", "Total public sector", None))
        for aid, aname, k in rows:
            for name, arr in cash_measures:
                col = arr.sum(axis=1) if k is None else arr[:, k]
                if name == "cash_cumulative_net" and k is None:
                    col = np.cumsum(c.net.sum(axis=1))
                w.writerow([aid, aname, name] + [repr(float(v) + 0.0) for v in col] + [""])
    buf.write(csv_comment("# not counted: " + " | ".join(not_counted(result))) + "\n")
    return buf.getvalue()


def _agency_rows(w: Any, agencies: Any, measures: list[Any]) -> None:
    """CSV rows of (name, by year (T, A), PV by agency (A,), PV total) measures: each budget holder's rows,
    then the whole public sector's. [£]"""
    for i, a in enumerate(agencies):
        for name, arr, pv, _ in measures:
            w.writerow(
                [a.id, a.name, name] + [repr(float(v) + 0.0) for v in arr[:, i]] + [repr(float(pv[i]) + 0.0)]
            )
    for name, arr, _, total in measures:
        w.writerow(
            ["total", "Total public sector", name]
            + [repr(float(v) + 0.0) for v in arr.sum(axis=1)]
            + [repr(float(total) + 0.0)]
        )


def _layer_rows(result: TenYearTest, w: _SafeWriter, prefix: str = "") -> None:
    """The economic and social layers (whole public, no budget holder) and the net public value, by
    year, with their present values (the social layer's WELLBY/QALY part at the health rate); each
    measure's name starts with ``prefix`` (``unadjusted_``: the same rows before optimism bias)."""
    fl = result.flows
    L = result.value_layers
    economic, social, wellbeing = _layer_years(result)
    public = fl.savings.sum(axis=1) + economic + social - fl.costs.sum(axis=1)
    for name, arr, pv in (
        ("economic_value", economic, L.economic.pv_benefits),
        ("social_value", social, L.social.pv_benefits),
        ("social_value_wellbeing", wellbeing, L.pv_wellbeing),
        ("net_public_value", public, L.net_present_public_value),
    ):
        w.writerow(
            ["public", "Whole public (all layers)", prefix + name]
            + [repr(float(v) + 0.0) for v in arr]
            + [repr(float(pv) + 0.0)]
        )


def csv_comment(text: str) -> str:
    """``text`` as one CSV comment line that a spreadsheet reads as a single text cell starting with '#':
    no line breaks, no commas (they would start a new cell, which could hold a formula), no quotes."""
    return " ".join(text.split()).replace(",", ";").replace('"', "'")
