"""The one-page briefing: headline sentence, verdict, who gains or loses, two charts, caveats, sources.

Every figure comes from the engine's :class:`~costmodel.appraisal.engine.TenYearTest` result and carries the
numbers of the sources behind it ([1], [2]...), listed at the foot of the page. HTML is the main form
(print CSS: one A4 page); Markdown is the same content without the charts; PDF is the HTML printed by
headless Chromium where it is installed.

A Monte Carlo result (:class:`costmodel.uncertainty.montecarlo.Simulation`) may be passed as ``simulation``: the
briefing quotes its probability of passing with its Monte Carlo standard error ("± 0.3 points"), the
number of draws and the 5th-95th percentile range of the NPV [£].
"""

from __future__ import annotations

import html
import math
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..errors import OutputError
from ..formatting import cash_and_capacity, fy_label, money, per_pound, years_words
from ..inputs.models import figure_grade
from ..present import markup
from ..present.measures import headline_measures, not_counted
from ..present.optimism_words import risk_adjustment_convention
from ..present.uncertainty_report import chance

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "chromium", "chromium-browser")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
"""Flags for headless Chromium on a server or in a container (also used by the browser tests)."""
BRIEF_CHARTS = ("savings-by-department", "cumulative-position")


# ---------------------------------------------------------------------------------------------
# Content (shared by HTML and Markdown)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulationSummary:
    """What the briefing quotes from a Monte Carlo run (:class:`costmodel.uncertainty.montecarlo.Simulation`)."""

    probability_passes: float  # [fraction]
    n_draws: int
    npv_low: float  # [£] 5th percentile
    npv_high: float  # [£] 95th percentile
    probability_passes_se: float | None = None  # [fraction] Monte Carlo standard error (None: the binomial one)

    @property
    def standard_error(self) -> float:
        """The probability's Monte Carlo standard error: as given, or √(p(1 − p)/n). [fraction]"""
        if self.probability_passes_se is not None:
            return self.probability_passes_se
        p, n = self.probability_passes, max(self.n_draws, 1)
        return math.sqrt(max(p * (1.0 - p), 0.0) / n)


def read_simulation(sim: Any) -> SimulationSummary | None:
    """The briefing's figures from a :class:`costmodel.uncertainty.montecarlo.Simulation` (None for no simulation)."""
    if sim is None:
        return None
    if isinstance(sim, SimulationSummary):
        return sim
    p5, p95 = (float(v) for v in sim.percentiles((5, 95)))
    return SimulationSummary(float(sim.p_passes), int(sim.draws), p5, p95, float(sim.p_passes_se))


def _how_often(p: float) -> str:
    """'13% of the time', never rounding a rare pass to 0% or a rare failure to 100%."""
    if 0 < p < 0.005:
        return "less than 1% of the time"
    if 0.995 <= p < 1:
        return "more than 99% of the time"
    return f"{p:.0%} of the time"


class _Citations:
    """Numbers the scenario's sources [1]..[n] in a fixed order (the order they are listed)."""

    def __init__(self, result: TenYearTest):
        self.sources = result.scenario.sources
        self.number = {sid: i + 1 for i, sid in enumerate(self.sources)}
        self.used: set[str] = set()

    def cite(self, ids: set[str] | list[str]) -> list[int]:
        known = [i for i in ids if i in self.number]
        self.used.update(known)
        return sorted({self.number[i] for i in known})


def _ids(*quantities: Any) -> set[str]:
    """The sources behind ``quantities``: each one's own source and, for a derived figure, the sources of
    the inputs its formula uses (a figure with a stated assumption on top may still rest on sourced inputs)."""
    found: set[str] = set()
    for q in quantities:
        if q is None:
            continue
        if getattr(q, "source", None):
            found.add(q.source)
        derived = getattr(q, "derived", None)
        for inp in getattr(derived, "inputs", None) or ():
            if inp.source:
                found.add(inp.source)
    return found


def _subject(title: str) -> str:
    """The title inside a sentence: its first word in lower case unless it is an acronym or begins a
    proper name (the next word capitalised too).

    >>> _subject("Targeted detached youth work")
    'targeted detached youth work'
    >>> _subject("Big Local-style neighbourhood investment")
    'Big Local-style neighbourhood investment'
    >>> _subject("NHS talking therapies")
    'NHS talking therapies'
    """
    words = title.split()
    proper_name = len(words) > 1 and words[1][:1].isupper()
    if len(title) > 1 and title[0].isupper() and title[1].islower() and not proper_name:
        return title[0].lower() + title[1:]
    return title


CUT_LOWER_BOUND = "This fiscal figure is a lower bound on the harm: value outside public budgets is not counted."
"""What a cut's headline adds while its social layer is empty (issue 12 §4)."""


@dataclass
class BriefContent:
    title: str
    area: str
    headline: str
    headline_refs: list[int]
    verdict: str
    verdict_refs: list[int]
    rows: list[dict[str, Any]]  # per budget holder: name, pv_costs, pv_savings, pv_net, position, refs,
    # and the two columns the table shows ("first", "second"; net = second - first for spending)
    total: dict[str, Any]
    figures: list[tuple[str, str, list[int]]]  # (label, value, refs)
    cash_rows: list[dict[str, Any]]  # per budget holder and the total: cash costs, cashable, net (nominal)
    caveats: list[str]
    not_counted: list[str]  # the file's unmonetised impacts and the standard exclusions
    sources: list[tuple[int, Any]]  # (number, Source)
    conventions: str
    footer: str
    # a pooled proposal (pool or responsibility charges): the sentence saying where each budget holder ends
    # under the agreement, and its payments summed by payer, payee and kind over the horizon (cash)
    pooled: str | None = None
    payments: list[dict[str, Any]] = field(default_factory=list)
    columns: tuple[str, str] = ("Costs", "Savings")  # the table's two money columns


def _columns(result: TenYearTest, i: int | None) -> dict[str, float]:
    """The two money columns of the who-pays table for budget holder ``i`` (None: the total): costs and
    savings for spending; for a cut, the costs it adds (closure costs and costs shunted) and the money
    it releases, so that net = released - added."""
    cut = result.cut
    if cut is None:
        costs = result.pv_costs if i is None else float(result.pv_costs_by_agency[i])
        savings = result.pv_savings if i is None else float(result.pv_savings_by_agency[i])
        return {"first": costs, "second": savings}
    if i is None:
        return {"first": cut.pv_released, "second": cut.pv_closure + cut.pv_shunted}
    return {
        "first": float(cut.pv_released_by_agency[i]),
        "second": float(cut.pv_closure_by_agency[i] + cut.pv_shunted_by_agency[i]),
    }


CUT_COLUMNS = ("Released", "Costs")
"""The who-pays table's money columns for a cut: net = money released - costs (closure costs and costs
shunted onto the budget holder)."""


def brief_content(result: TenYearTest, simulation: Any = None) -> BriefContent:
    """The briefing's words and figures, computed from a result (and optionally a simulation)."""
    sc = result.scenario
    p = sc.proposal
    s = result.structure
    cites = _Citations(result)
    horizon = years_words(s.n_years)
    names = {a.id: a.name for a in sc.agencies}

    # which sources stand behind which figures
    cost_ids = _ids(*[line.money for line in p.prevention_costs])
    cost_ids |= _ids(*[line.growth for line in p.prevention_costs])
    if p.kind == "cut":  # a cut's release profile and closure costs
        for line in p.prevention_costs:
            if line.release_profile is not None:
                cost_ids |= _ids(line.release_profile.shares, line.release_profile.ramp_years)
        cost_ids |= _ids(*[cc.amount for cc in p.closure_costs])
    outcome_ids: set[str] = set()
    for oc in p.outcomes:
        outcome_ids |= _ids(
            oc.cohort,
            oc.baseline_rate,
            oc.effect,
            oc.lag_years,
            oc.persistence_years,
            oc.drop_off,
            oc.deadweight,
            oc.displacement,
            oc.attribution,
            oc.optimism_bias,
            oc.cashable_share,
            oc.cashable_delay_years,
        )
        outcome_ids |= _ids(*[u.per_event for u in oc.unit_costs])
    by_agency: dict[str, set[str]] = {a.id: set() for a in sc.agencies}
    for oc in p.outcomes:
        for use in oc.unit_costs:
            uc = sc.unit_costs[use.unit_cost]
            for b in uc.bearers:
                if b.agency in by_agency:
                    by_agency[b.agency] |= _ids(uc)
    for sl in p.savings:  # plain savings lines
        outcome_ids |= _ids(sl.money, sl.growth, sl.cashable_share)
        if sl.saved_by in by_agency:
            by_agency[sl.saved_by] |= _ids(sl.money)
    payers = {line.paid_by for line in p.prevention_costs}
    if p.kind == "cut":
        payers |= {cc.paid_by for cc in p.closure_costs}
    method_ids = {sc.schedule.source, sc.deflator.source}
    all_saving_ids = outcome_ids | set().union(*by_agency.values()) if by_agency else outcome_ids

    # headline
    pv_costs, pv_sav, npv = result.pv_costs, result.pv_savings, result.npv
    sav = {a.id: float(v) for a, v in zip(sc.agencies, result.pv_savings_by_agency, strict=True)}
    net = {a.id: float(v) for a, v in zip(sc.agencies, result.pv_net_by_agency, strict=True)}
    subject = _subject(p.title)
    refs = cost_ids | all_saving_ids | method_ids
    if s.sign > 0 and pv_costs > 0.005:
        per = pv_sav / pv_costs
        top = max(sav, key=lambda a: sav[a]) if sav else None
        lands = ""
        if top is not None and sav[top] > 0.005:
            lands = f"; {per_pound(sav[top] / pv_costs)} of it lands with {names[top]}"
        everything, cash, capacity = cash_and_capacity(
            result.value_layers.pv_cashable / pv_costs, result.value_layers.pv_non_cashable / pv_costs
        )
        if per_pound(per) != everything:  # rounding: the total per £1 is the engine's, to the penny
            everything = per_pound(per)
        returns = (
            f"returns {cash} in cash and {capacity} in freed capacity to public budgets over {horizon} "
            f"({everything} in all){lands}"
        )
        if result.passes:
            headline = (
                f"Every £1 spent on {subject} in this proposal {returns}: a net gain to public budgets of "
                f"{money(npv)} in present value."
            )
        else:
            headline = f"Every £1 spent on {subject} in this proposal {returns}: it does not pay for itself."
    elif result.cut is not None and result.cut.pv_released > 0.005:
        cut = result.cut
        released = cut.pv_released
        added = cut.pv_shunted
        per = added / released
        loser = min(sav, key=lambda a: sav[a]) if sav else None
        most = ""
        if loser is not None and sav[loser] < -0.005 and money(cut.pv_closure) == money(0.0):
            most = f", {per_pound(-sav[loser] / released)} of it at {names[loser]}"
        closing = f", costs {money(cut.pv_closure)} to close" if money(cut.pv_closure) != money(0.0) else ""
        if result.passes:
            headline = (
                f"This cut releases {money(released)} over {horizon}{closing}, and for every £1 released "
                f"{per_pound(per)} comes back as extra demand elsewhere{most}: the public purse still saves "
                f"{money(npv)} (present value)."
            )
        else:
            headline = (
                f"This cut releases {money(released)} over {horizon}{closing}, but for every £1 released "
                f"{per_pound(per)} comes back as extra demand elsewhere{most}: a false economy that costs the "
                f"public purse {money(-npv)} (present value)."
            )
        if abs(cut.pv_lost_social) > 0.005:  # value lost beyond public budgets, counted
            econ = f" and {money(cut.pv_lost_economic)} of economic value" if abs(cut.pv_lost_economic) > 0.005 else ""
            headline += (
                f" Beyond public budgets it loses {money(cut.pv_lost_social)} of social value{econ}: "
                f"{money(cut.pv_net_public_value, signed=True)} net of everything (present value)."
            )
        else:
            headline += " " + CUT_LOWER_BOUND
    else:
        headline = f"Over {horizon} the proposal's net present value to the public purse is {money(npv, signed=True)}."
    headline_refs = cites.cite(refs)
    pooling = _pooling(result)
    if pooling is not None:  # a pooled proposal is shown as pooled, and says so
        from ..present.pooling_report import agreement_clause

        headline += " " + agreement_clause(pooling)

    # a pooled proposal is shown as pooled: each budget holder under the agreement, and its payments
    after = {} if pooling is None else {pos.id: pos for pos in pooling.positions}

    # who gains or loses
    rows = []
    for i, a in enumerate(sc.agencies):
        ids = set(by_agency.get(a.id, set()))
        if result.pv_savings_by_agency[i] != 0:
            ids |= outcome_ids
        if a.id in payers:
            ids |= cost_ids
        v = net[a.id]
        rows.append(
            {
                "name": a.name,
                "pv_costs": float(result.pv_costs_by_agency[i]),
                "pv_savings": float(result.pv_savings_by_agency[i]),
                "pv_net": v,
                "position": _position(v),
                "refs": cites.cite(ids | method_ids),
                **_columns(result, i),
            }
        )
        if a.id in after:
            rows[-1] |= {
                "pv_net_after": after[a.id].pv_net_after,
                "position_after": _position(after[a.id].pv_net_after),
            }
    total = {
        "name": "Total public sector",
        "pv_costs": pv_costs,
        "pv_savings": pv_sav,
        "pv_net": npv,
        "position": "passes" if result.passes else "fails",
        "refs": cites.cite(refs),
        **_columns(result, None),
    }
    if pooling is not None:
        total |= {"pv_net_after": npv, "position_after": total["position"]}

    measures = headline_measures(result)
    def before_bias(unadjusted: float | None) -> str:
        """' (−£1.80m before optimism bias)' beside a risk-adjusted figure ('' when nothing is adjusted)."""
        return "" if unadjusted is None else f" ({money(unadjusted, signed=True)} before optimism bias)"

    before = result.unadjusted
    figures: list[tuple[str, str, list[int]]] = [
        ("Net present value", money(npv, signed=True) + before_bias(None if before is None else before.npv), cites.cite(refs)),
        (
            f"…in the firm-budget years (first {s.firm_budget_years})"
            if s.firm_budget_years
            else "…in the firm-budget years (none)",
            money(result.npv_firm, signed=True),
            cites.cite(refs),
        ),
        ("…in the years beyond", money(result.npv_beyond, signed=True), cites.cite(refs)),
        # a cut has no benefit-cost ratio: its headline says, in words, how much of each £1 released
        # comes back as extra demand elsewhere, and the who-pays table gives money released and costs
        *([(measures["bcr"].label, measures["bcr"].text, cites.cite(refs))] if result.cut is None else []),
        *(
            [
                ("Peak dual-running funding", measures["peak_funding"].text, cites.cite(cost_ids | all_saving_ids)),
                ("Cash break-even", measures["cash_break_even_year"].text, cites.cite(cost_ids | all_saving_ids)),
            ]
            if result.cut is None
            else [  # a cut: money needed up front when closing costs more than it first releases
                (
                    "Peak funding to close",
                    f"{measures['peak_funding'].text} (back by {measures['cash_break_even_year'].text})",
                    cites.cite(cost_ids | all_saving_ids),
                )
            ]
            if result.dual_running.peak_funding_requirement > 0.005
            else []  # closing costs no more than the cut releases from the start
        ),
    ]
    layers = result.value_layers
    if layers.has_wider_value:
        wider_ids = {uc.source for uc in sc.unit_costs.values() if uc.source and (uc.economic or uc.social)}
        wider_ids |= {
            uc.wellbeing.source for uc in sc.unit_costs.values() if uc.wellbeing is not None and uc.wellbeing.source
        }
        wider = (wider_ids & set(sc.sources)) | outcome_ids | method_ids
        wider_refs = cites.cite(wider)
        all_refs = cites.cite(wider | refs)
        figures += [
            (
                "Economic / social value",
                f"{money(layers.economic.pv_benefits, signed=True)} / {money(layers.social.pv_benefits, signed=True)}",
                wider_refs,
            ),
            (
                "Public value: NPV · BCR" if layers.benefit_cost_ratio is not None else "Net present public value",
                # the NPV before optimism bias beside it, as the NPV's row has (the ratio's is not shown)
                money(layers.net_present_public_value, signed=True)
                + before_bias(None if before is None else before.value_layers.net_present_public_value)
                + (f" · {measures['bcr_public_value'].text}" if layers.benefit_cost_ratio is not None else ""),
                all_refs,
            ),
        ]

    cash_rows: list[dict[str, Any]] = []
    if result.cash is not None:
        c = result.cash
        for i, a in enumerate(sc.agencies):
            cash_rows.append(
                {
                    "name": a.name,
                    "costs": float(c.costs[:, i].sum()),
                    "cashable": float(c.cashable[:, i].sum()),
                    "net": float(c.net[:, i].sum()),
                }
            )
        cash_rows.append(
            {
                "name": "Total public sector",
                "costs": float(c.costs.sum()),
                "cashable": float(c.cashable.sum()),
                "net": float(c.net.sum()),
            }
        )
        if result.cut is not None:  # a cut: money released and the cash it adds (closure, shunted cashable)
            cut = result.cut
            added_cash = cut.closure_cash + cut.shunted_cashable_cash
            for i, row in enumerate(cash_rows):
                pick = slice(None) if i == len(sc.agencies) else i
                row["costs"] = float(cut.released_cash[:, pick].sum())
                row["cashable"] = float(added_cash[:, pick].sum())
        if pooling is not None:  # net cash under the agreement: what each budget holder keeps, nominal
            pf = pooling.flows
            held = (pf.cashable_after - pf.costs_after - pf.charges_paid + pf.charges_received) * c.factor[
                :, None
            ]
            for i, row in enumerate(cash_rows[:-1]):
                row["net_after"] = float(held[:, i].sum())
            cash_rows[-1]["net_after"] = float(held.sum())

    caveats = _caveats(result, read_simulation(simulation), cites)
    sources = [(cites.number[sid], src) for sid, src in sc.sources.items() if sid in cites.used]
    conventions = (
        f"£ in {fy_label(s.price_base_year)} prices (real; deflator: {sc.deflator.vintage.split(' (')[0]}); "
        f"present values discounted at the {sc.schedule.label}"
        + (
            f"; year 0 ({fy_label(result.years[0])}) undiscounted. "
            if p.appraisal.discount_origin == result.years[0]
            else f" to {fy_label(p.appraisal.discount_origin)}. "
        )
        + "Cash column: net cash over the horizon, nominal, undiscounted. "
        + risk_adjustment_convention(result)
        + (
            f"Firm-budget years are the first {s.firm_budget_years}."
            if s.firm_budget_years > 1
            else ("The firm-budget year is the first." if s.firm_budget_years else "No firm-budget years.")
        )
    )
    footer = (
        f"costmodel {__version__} · {os.path.basename(sc.path)} · inputs_sha256 {sc.inputs_sha256[:16]}… · "
        f"every figure is reproducible with `costmodel run {os.path.basename(sc.path)}`"
    )
    pooled_words, payments = None, []
    if pooling is not None:
        from ..present.pooling_report import PAYMENT_KIND_LABELS, pooled_sentence

        pooled_words = pooled_sentence(pooling)
        totals: dict[tuple[str, str, str], list[Any]] = {}
        for pay in pooling.payments:
            key = (pay.payer, pay.payee, pay.kind)
            entry = totals.setdefault(key, [0.0, pay.year, pay.year])
            entry[0] += pay.amount_cash
            entry[2] = pay.year
        payments = [
            {
                "payer": names.get(a, a),
                "payee": names.get(b, b),
                "kind": PAYMENT_KIND_LABELS[k],
                "short": {"contribution": "contribution", "savings_share": "cash savings", "charge": "charge"}[k],
                "cash": amount,
                "years": fy_label(first) if first == last else f"{fy_label(first)} to {fy_label(last)[2:]}",
            }
            for (a, b, k), (amount, first, last) in totals.items()
        ]
    return BriefContent(
        pooled=pooled_words,
        payments=payments,
        title=p.title,
        area=f"{'New spending' if p.kind == 'new_spending' else 'A cut'} · {p.area}",
        headline=headline,
        headline_refs=headline_refs,
        verdict=result.verdict,
        verdict_refs=cites.cite(refs),
        rows=rows,
        total=total,
        figures=figures,
        cash_rows=cash_rows,
        caveats=caveats,
        not_counted=not_counted(result),
        sources=sources,
        conventions=conventions,
        footer=footer,
        columns=CUT_COLUMNS if result.cut is not None else ("Costs", "Savings"),
    )


def s_sign(result: TenYearTest) -> float:
    """+1 new spending, -1 a cut."""
    return result.structure.sign

def _position(v: float) -> str:
    return "better off" if v > 0.005 else ("worse off" if v < -0.005 else "no change")


def _pooling(result: TenYearTest) -> Any:
    """The pooling results when the proposal declares a pool or responsibility charges, else None."""
    p = result.scenario.proposal
    if p.pool is None and not p.responsibility_charges:
        return None
    from ..pooling.accounting import appraise_pool

    return appraise_pool(result)


def _caveats(result: TenYearTest, sim: SimulationSummary | None, cites: _Citations) -> list[str]:
    sc = result.scenario
    p = sc.proposal
    out: list[str] = []
    if sim is not None:
        text = f"Uncertainty: in {sim.n_draws:,} simulated draws the proposal passes {result.test_name} "
        count = round(sim.probability_passes * sim.n_draws)
        if count in (0, sim.n_draws) or sim.n_draws == 1:  # a standard error of zero: the count instead
            text += f"{sim.probability_passes:.0%} of the time ({'none' if count == 0 else 'all'} of the draws)"
        else:
            text += _how_often(sim.probability_passes)
            text += f" ({chance(sim.probability_passes, sim.standard_error, sim.n_draws)}"
            text += ": ± is the Monte Carlo standard error of the draws, not the uncertainty in the inputs)"
        text += f"; 90% of NPVs lie between {money(sim.npv_low, signed=True)} and {money(sim.npv_high, signed=True)}"
        out.append(text + ".")
    else:
        out.append(
            "These are central estimates: no simulation of the uncertainty was run; the assumption file's "
            "low and high values show the plausible range of each input."
        )
    committed = result.committed
    # (when not counted, the "not counted" list names it)
    if committed is not None and committed.years and abs(committed.pv_net) >= 0.5 and result.counts_committed:
        where = "counted in the verdict"
        out.append(
            f"Committed beyond the horizon: {money(committed.pv_net, signed=True)} (present value, {where})."
        )
    # stated assumptions behind the outcome arithmetic
    assumed: list[str] = []
    labels = {
        "cohort": "cohort size",
        "baseline_rate": "baseline rate",
        "effect": "effect size",
        "persistence_years": "persistence",
        "drop_off": "drop-off",
        "attribution": "attribution",
        "optimism_bias": "optimism bias",
        "cashable_share": "cashable share",
    }
    for oc in p.outcomes:
        for name, label in labels.items():
            if getattr(oc, name).assumption and label not in assumed:
                assumed.append(label)
    n_assumed = sum(1 for line in p.prevention_costs if line.money.assumption)
    n_closure_assumed = sum(1 for cc in p.closure_costs if cc.amount.assumption) if p.kind == "cut" else 0
    if assumed:
        out.append(
            "Stated assumptions, not sourced figures: "
            + ", ".join(assumed)
            + ". Each has its reason in the assumption file; change them to test the verdict."
        )
    if n_assumed:
        out.append(f"{n_assumed} prevention cost line(s) rest on a stated assumption rather than a source.")
    if n_closure_assumed:
        out.append(f"{n_closure_assumed} closure cost(s) rest on a stated assumption, not a source.")
    weak = [(sid, s) for sid, s in sc.sources.items() if s.grade in {"C", "U"}]
    if weak:
        parts = [
            f"{s.title.split(':')[0]} [{n}] (grade {s.grade})" for sid, s in weak for n in cites.cite([sid])
        ]
        out.append(
            "Less certain sources (C: derived or transcribed; U: unverified claim): " + "; ".join(parts) + "."
        )
    grades = {k: s.grade for k, s in sc.sources.items()}
    unverified = [
        uc.label for uc in sc.unit_costs.values() if figure_grade(uc, grades) in {"U", "assumption"}
    ]
    if unverified:
        out.append(
            "Unverified unit costs (grade U, or resting on a stated assumption): "
            + ", ".join(unverified)
            + "."
        )
    cash = result.pv_cashable
    if result.pv_savings > 0.005 and s_sign(result) < 0:  # new spending: the headline says cash and capacity
        out.append(
            f"Only {cash / result.pv_savings:.0%} of the savings ({money(cash)}) can be taken out of budgets; "
            "the rest frees capacity rather than cash."
        )
    out.extend(result.notes)
    return out


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

RESERVE_MM = 10.0
"""Blank space the PDF briefing keeps free below its last line [mm]: a margin for a longer name, an extra
caveat or a font that sets a little larger. :func:`brief_fit` prints it as part of the page (an empty
block at the end), so a PDF that prints on one page has at least this much to spare."""
FIT_SCALES = (1.0, 0.95, 0.9, 0.85, 0.8)
"""Scales the PDF tries in turn until the briefing (with its reserve) prints on one A4 page [ratio]; at
0.8 the body text is under 7pt. Past the last, the briefing runs to a second page rather than shrink further."""
PAGE_CONTENT_WIDTH_MM = 186.0
"""A4 width less the @page margins (210 - 2 × 12) [mm]."""

_CSS = """
@page { size: A4; margin: 10mm 12mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Helvetica Neue", Arial, "Liberation Sans", sans-serif; color: #0b0c0c;
       font-size: 8.6pt; line-height: 1.25; margin: 0 auto; max-width: 186mm; }
header { border-bottom: 3px solid #1d70b8; padding-bottom: 1.5mm; margin-bottom: 2mm; }
h1 { font-size: 14pt; margin: 0 0 0.5mm 0; line-height: 1.2; }
.area { color: #505a5f; font-size: 8.5pt; }
.headline { font-size: 10.5pt; font-weight: bold; line-height: 1.3; margin: 0 0 2mm 0; }
.verdict { font-size: 8.2pt; padding: 1.2mm 3mm; border-left: 5px solid; margin: 0 0 2mm 0; }
.verdict.pass { border-color: #00703c; background: #e8f4ec; }
.verdict.fail { border-color: #d4351c; background: #fbe9e6; }
.charts { display: flex; gap: 4mm; margin: 0 0 1mm 0; break-inside: avoid; }
.charts figure { flex: 1 1 0; margin: 0; min-width: 0; }
.charts img { width: 100%; height: auto; max-height: 40mm; object-fit: contain; display: block; }
figcaption { font-size: 7pt; color: #505a5f; line-height: 1.25; }
.grid { display: flex; gap: 5mm; }
.grid > div { flex: 1 1 0; min-width: 0; }
.grid > div:first-child { flex: 1.4 1 0; }
table { border-collapse: collapse; width: 100%; font-size: 7.8pt; }
th, td { padding: 0.4mm 1mm; border-bottom: 1px solid #b1b4b6; text-align: right; white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; }
thead th { border-bottom: 2px solid #0b0c0c; }
tr.total td { font-weight: bold; border-top: 2px solid #0b0c0c; }
.neg { color: #d4351c; } .pos { color: #00703c; }
h2 { font-size: 10pt; margin: 1.5mm 0 0.8mm 0; }
ul.caveats { margin: 0; padding-left: 4mm; }
ul.caveats li { margin-bottom: 0.5mm; }
p.not-counted { margin: 1.5mm 0 0 0; font-size: 7.5pt; line-height: 1.25; }
ol.sources { margin: 0; padding-left: 5mm; font-size: 6.8pt; line-height: 1.2; }
ol.sources a { word-break: break-all; }
sup { font-size: 6pt; color: #1d70b8; }
sup a { text-decoration: none; }
.conventions, footer { font-size: 7pt; color: #505a5f; margin-top: 1mm; }
.pooled { font-size: 7pt; color: #505a5f; margin: 0.5mm 0 0 0; }
p.payments { font-size: 7pt; margin: 1mm 0 0 0; }
a { color: #1d70b8; }
@media screen { body { margin: 8mm auto; } .reserve { display: none; } }
"""
_CSS += f".reserve {{ height: {RESERVE_MM:g}mm; }}\n"


def ref_runs(refs: list[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 5] -> [(1, 3), (5, 5)]: consecutive source numbers as runs."""
    runs: list[tuple[int, int]] = []
    for n in sorted(refs):
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    return runs


def _sup(refs: list[int]) -> str:
    if not refs:
        return ""
    parts = []
    for a, b in ref_runs(refs):
        link = f'<a href="#src-{a}">{a}</a>'
        parts.append(link if a == b else f'{link}–<a href="#src-{b}">{b}</a>')
    return "<sup>[" + ",".join(parts) + "]</sup>"


def _money_cell(v: float) -> str:
    cls = "neg" if v < -0.005 else ("pos" if v > 0.005 else "")
    return f'<td class="{cls}">{html.escape(money(v, signed=True))}</td>'


TOTAL_CLASS = ' class="total"'


def _cap(name: str) -> str:
    """'the Ten Year Test' -> 'The Ten Year Test'; 'the 11-year appraisal' -> 'The 11-year appraisal'."""
    return name[0].upper() + name[1:]


def brief_html(
    result: TenYearTest,
    simulation: Any = None,
    *,
    charts: bool = True,
    scale: float = 1.0,
    reserve: bool = False,
) -> str:
    """The one-page briefing as a self-contained HTML document (charts as inline SVG data URIs).

    ``scale`` (0 < scale <= 1) zooms the whole page down, widening the body so it still spans the
    page's width; ``reserve`` ends the page with :data:`RESERVE_MM` of printed blank space. :func:`brief_pdf`
    prints with the reserve at the largest of :data:`FIT_SCALES` that fits one page."""
    if not 0.0 < scale <= 1.0:
        raise ValueError("scale must be in (0, 1]")
    c = brief_content(result, simulation)
    e = html.escape
    chart_html = ""
    if charts:
        from ..present.charts import CHART_KINDS
        from .images import data_uri

        figs = []
        for kind in BRIEF_CHARTS:
            figs.append(
                f'<figure><img alt="{e(CHART_KINDS[kind].title)}" '
                f'src="{data_uri(kind, result, "svg", width=300, height=160)}">'
                f"<figcaption>{e(CHART_KINDS[kind].caption(result))}</figcaption></figure>"
            )
        chart_html = '<section class="charts">' + "".join(figs) + "</section>"
    rows = []
    cash_net = [r["net"] for r in c.cash_rows] if c.cash_rows else [None] * (len(c.rows) + 1)
    pooled = c.pooled is not None
    for r, cash in zip([*c.rows, c.total], cash_net, strict=True):
        cls = ' class="total"' if r is c.total else ""
        if pooled:  # the signs say who is better or worse off; the room goes to the agreement's column
            middle = _money_cell(r["pv_net"]) + _money_cell(r.get("pv_net_after", r["pv_net"]))
        else:
            middle = f"{_money_cell(r['pv_net'])}<td>{e(r['position'])}</td>"
        rows.append(
            f"<tr{cls}><td>{e(r['name'])}{_sup(r['refs'])}</td>"
            f"<td>{e(money(r['first']))}</td><td>{e(money(r['second']))}</td>"
            + middle
            + ("<td></td>" if cash is None else _money_cell(cash))
            + "</tr>"
        )
    who_pays_heading = "Who pays and who saves (present value)"
    first, second = (e(x) for x in c.columns)
    who_pays_head = f"<th>Budget holder</th><th>{first}</th><th>{second}</th><th>Net</th><th></th><th>Cash</th>"
    pooled_html, payments_html = "", ""
    if pooled:
        who_pays_head = (
            f"<th>Budget holder</th><th>{first}</th><th>{second}</th><th>Net</th><th>Net after</th><th>Cash</th>"
        )
        note = "<b>Net after</b>: under the agreement, which moves only cash."
        if not c.payments:
            pooled_html = f'<p class="pooled" data-figure="pooled">{note}</p>'
        else:
            payments_html = (
                f'<p class="payments" data-figure="payments">{note} <b>Its payments</b> (cash, nominal): '
                + "; ".join(
                    f"{e(x['payer'])} → {e(x['payee'])} {e(money(x['cash']))} ({e(x['short'])}, {e(x['years'])})"
                    for x in c.payments
                )
                + ".</p>"
            )
    figures = "".join(f"<tr><td>{e(k)}</td><td>{e(v)}{_sup(refs)}</td></tr>" for k, v, refs in c.figures)
    caveats = "".join(f"<li>{e(x)}</li>" for x in c.caveats)
    not_counted = " · ".join(e(x) for x in c.not_counted)
    sources = "".join(
        f'<li id="src-{n}" value="{n}">{e(s.title)}. {e(s.publisher)}, {s.year}. '
        f'<a href="{e(s.url)}">{e(s.url)}</a> (grade {e(s.grade)})</li>'
        for n, s in c.sources
    )
    verdict_cls = "pass" if result.passes else "fail"
    body_style = (
        ""
        if scale == 1.0
        else f' style="zoom: {scale:g}; max-width: {PAGE_CONTENT_WIDTH_MM / scale:.2f}mm"'
    )
    reserve_html = '<div class="reserve" aria-hidden="true"></div>\n' if reserve else ""
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="costmodel {e(__version__)}">
<meta name="inputs-sha256" content="{e(result.scenario.inputs_sha256)}">
<title>{e(c.title)}: {e(result.test_name.removeprefix("the "))}</title>
<style>{_CSS}</style>
</head>
<body{body_style}>
<header><h1>{e(c.title)}</h1><div class="area">{e(_cap(result.test_name))} · {e(c.area)}</div></header>
<p class="headline" data-figure="headline">{e(c.headline)}{_sup(c.headline_refs)}</p>
<p class="verdict {verdict_cls}" data-figure="verdict">{e(c.verdict)}{_sup(c.verdict_refs)}</p>
{chart_html}
<section class="grid">
<div>
<h2>{e(who_pays_heading)}</h2>
<table data-figure="table"><thead><tr>{who_pays_head}</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
{pooled_html}
{payments_html}
<table data-figure="figures" style="margin-top:2mm"><tbody>{figures}</tbody></table>
</div>
<div>
<h2>What is uncertain</h2>
<ul class="caveats">{caveats}</ul>
<p class="not-counted" data-figure="not-counted"><b>Not counted:</b> {not_counted}</p>
</div>
</section>
<h2>Sources</h2>
<ol class="sources">{sources}</ol>
<p class="conventions">{e(c.conventions)}</p>
<footer>{e(c.footer)}</footer>
{reserve_html}</body>
</html>
"""


# ---------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------


def _md_refs(refs: list[int]) -> str:
    if not refs:
        return ""
    return " [" + ",".join(str(a) if a == b else f"{a}–{b}" for a, b in ref_runs(refs)) + "]"


def brief_markdown(result: TenYearTest, simulation: Any = None) -> str:
    """The briefing as Markdown (same words and figures as the HTML; charts are left to the HTML)."""
    c = brief_content(result, simulation)
    lines = [
        f"# {markup.literal(c.title)}",
        "",
        f"*{_cap(result.test_name)} · {markup.literal(c.area)}*",
        "",
        f"**{markup.inline(c.headline)}**{_md_refs(c.headline_refs)}",
        "",
        f"> {markup.inline(c.verdict)}{_md_refs(c.verdict_refs)}",
        "",
    ]
    if c.pooled is None:
        lines += [
            "## Who pays and who saves (present value)",
            "",
            f"| Budget holder | {c.columns[0]} | {c.columns[1]} | Net | |",
            "|---|---:|---:|---:|---|",
        ]
    else:
        lines += [
            "## Who pays and who saves (present value), before and under the agreement",
            "",
            markup.inline(c.pooled),
            "",
            "| Budget holder | Costs | Savings | Net before | | Net under the agreement | |",
            "|---|---:|---:|---:|---|---:|---|",
        ]
    for r in [*c.rows, c.total]:
        name = f"**{r['name']}**" if r is c.total else markup.literal(r["name"])
        after = (
            f" {money(r['pv_net_after'], signed=True)} | {r['position_after']} |"
            if "pv_net_after" in r
            else ""
        )
        lines.append(
            f"| {name}{_md_refs(r['refs'])} | {money(r['first'])} | {money(r['second'])} | "
            f"{money(r['pv_net'], signed=True)} | {r['position']} |{after}"
        )
    lines += ["", "| Figure | Value |", "|---|---:|"]
    lines += [f"| {markup.inline(k)} | {markup.inline(v)}{_md_refs(refs)} |" for k, v, refs in c.figures]
    if c.cash_rows:
        lines += [
            "",
            f"## In cash over {years_words(result.structure.n_years)} (nominal, undiscounted)",
            "",
            (
                "| Budget holder | Money released | Costs added in cash | Net cash |"
                if result.cut is not None
                else "| Budget holder | Costs | Cashable savings | Net cash |"
            )
            + (" Net cash under the agreement |" if c.pooled is not None else ""),
            "|---|---:|---:|---:|" + ("---:|" if c.pooled is not None else ""),
        ]
        lines += [
            f"| {markup.inline(r['name'])} | {money(r['costs'])} | {money(r['cashable'])} | "
            f"{money(r['net'], signed=True)} |"
            + (f" {money(r['net_after'], signed=True)} |" if "net_after" in r else "")
            for r in c.cash_rows
        ]
    if c.payments:
        lines += [
            "",
            "## Payments under the agreement (cash, nominal, undiscounted)",
            "",
            "Only cash moves: cash contributions into the pool, cashable savings paid over and the change in "
            "responsibility charges. Non-cashable savings are never paid over; in-kind contributions move no cash.",
            "",
            "| Pays | Receives | Payment | Years | Cash |",
            "|---|---|---|---|---:|",
        ]
        lines += [
            f"| {markup.literal(x['payer'])} | {markup.literal(x['payee'])} | {x['kind']} | {x['years']} | "
            f"{money(x['cash'])} |"
            for x in c.payments
        ]
    lines += ["", "## What is uncertain", ""]
    lines += [f"- {markup.inline(x)}" for x in c.caveats]
    lines += ["", "## Not counted", ""]
    lines += [f"- {markup.inline(x)}" for x in c.not_counted]
    lines += ["", "## Sources", ""]
    lines += [
        f"{n}. {markup.literal(s.title)}. {markup.literal(s.publisher)}, {s.year}. <{markup.url(s.url)}> (grade {s.grade})"
        for n, s in c.sources
    ]
    lines += ["", f"*{c.conventions}*", "", f"*{c.footer}*", ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# PDF through headless Chromium
# ---------------------------------------------------------------------------------------------


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None ($COSTMODEL_CHROMIUM overrides)."""
    override = os.environ.get("COSTMODEL_CHROMIUM")
    for cand in ((override,) if override else ()) + CHROMIUM_CANDIDATES:
        path = cand if os.path.isabs(cand) else shutil.which(cand)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def html_to_pdf(document: str, *, timeout: float = 60.0) -> bytes:
    """Print an HTML document to PDF (A4, per its print CSS) with headless Chromium."""
    chromium = find_chromium()
    if chromium is None:
        raise OutputError(
            "PDF needs Chromium, which is not installed (apt-get install chromium); "
            "write .html and print it from a browser instead"
        )
    with tempfile.TemporaryDirectory(prefix="costmodel-pdf-") as tmp:
        src = os.path.join(tmp, "brief.html")
        out = os.path.join(tmp, "brief.pdf")
        with open(src, "w", encoding="utf-8") as fh:
            fh.write(document)
        cmd = [
            chromium,
            "--headless",
            *CHROMIUM_ARGS,
            f"--user-data-dir={os.path.join(tmp, 'profile')}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            "file://" + src,
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise OutputError(f"Chromium did not finish printing the PDF within {timeout:g} s") from None
        if proc.returncode != 0 or not os.path.exists(out):
            last = (proc.stderr.decode("utf-8", "replace").strip().splitlines() or ["no message"])[-1]
            raise OutputError(f"Chromium could not print the PDF: {last}")
        with open(out, "rb") as fh:
            return fh.read()


def pdf_pages(pdf: bytes) -> int:
    """Pages in a PDF Chromium printed (its /Type /Page objects)."""
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


def brief_fit(result: TenYearTest, simulation: Any = None) -> tuple[float, bytes]:
    """The briefing printed to A4 at the largest of :data:`FIT_SCALES` at which it fits one page with
    its :data:`RESERVE_MM` to spare (measured by printing it), and that scale; at the smallest scale if
    none fits (it then runs to a second page). Needs Chromium."""
    pdf = b""
    for scale in FIT_SCALES:
        pdf = html_to_pdf(brief_html(result, simulation, scale=scale, reserve=True))
        if pdf_pages(pdf) == 1:
            return scale, pdf
    return FIT_SCALES[-1], pdf


def brief_pdf(result: TenYearTest, simulation: Any = None) -> bytes:
    """The briefing printed to a one-page A4 PDF (needs Chromium), scaled down only as far as it must be
    to fit with a margin (:func:`brief_fit`)."""
    return brief_fit(result, simulation)[1]
