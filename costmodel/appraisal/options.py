"""Options against business as usual: each option's flows minus BAU's, by year and budget holder.

:func:`appraise_options` appraises every proposal of a loaded options file (:mod:`costmodel.inputs.options`)
with :func:`~costmodel.appraisal.chain.appraise`, adds the flows of an entry's proposals, and takes BAU's
from each entry's (pure array arithmetic on the central figures)::

    incremental[entry] = sum over its proposals (present values by budget holder, cash by year)
                         - the same for BAU

The Ten Year Test verdict of an option against BAU is its incremental (fiscal) NPV over the horizon
≥ 0 (within half a penny), plus the savings committed beyond the horizon by intakes within it of each
proposal whose file says ``appraisal.count_committed: true`` (as ``costmodel run`` counts them); the fiscal
return on investment is incremental PV savings / incremental PV costs when the option costs more than BAU
and releases no money from a cut against it (a cut's money released is a negative cost: a ratio of an
increment that releases money would divide demand shunted by money released, which reads as better value
the less the option saves). The figures are risk-adjusted as each proposal's are (every
entry's proposals, BAU's included, made less favourable by optimism bias, then differenced); the same
increments before optimism bias ride beside them (``OptionResult.unadjusted``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .chain import appraise
from .engine import MONEY_TOLERANCE, DualRunning, TenYearTest, dual_running_of

if TYPE_CHECKING:
    from ..inputs.options import OptionInput, OptionsSet

F = NDArray[np.float64]


@dataclass(frozen=True)
class Position:
    """An entry's figures (absolute, or incremental against BAU) by budget holder and year.

    Present values are by budget holder (A,) [£, real, discounted]; cash is by year (T,) over all
    budget holders [£ cash, nominal, undiscounted].
    """

    pv_costs_by_agency: F
    pv_savings_by_agency: F
    pv_cashable_by_agency: F
    pv_net_firm_by_agency: F
    pv_net_beyond_by_agency: F
    cash_costs: F
    cash_cashable: F
    cash_non_cashable: F
    pv_wider: F  # (3,) economic layer, social layer, the social layer's wellbeing part [£, discounted]
    pv_committed_by_agency: F  # (A,) net PV committed beyond the horizon by intakes within it [£]
    pv_committed_counted_by_agency: F  # (A,) the part of it from proposals whose verdict counts it [£]
    # (2,) a cut's money released and its closure costs (both positive for a cut; inside pv_costs, where
    # money released counts as a negative cost and closure costs as a cost) [£, discounted]
    pv_cut: F = field(default_factory=lambda: np.zeros(2))

    @property
    def pv_released(self) -> float:
        """Money released by cuts (net of a BAU's when incremental: negative = a budget kept that BAU's
        cut releases). [£]"""
        return float(self.pv_cut[0])

    @property
    def pv_closure(self) -> float:
        """Closure costs of cuts (incremental: more than BAU's if positive). [£]"""
        return float(self.pv_cut[1])

    @property
    def releases_money(self) -> bool:
        """Whether the figures release money from a cut on net: a ratio of them would invert its meaning
        (demand shunted per £1 released reads as better value the less is saved)."""
        return self.pv_released > MONEY_TOLERANCE

    @property
    def pv_economic(self) -> float:
        """Economic layer (output and earnings). [£]"""
        return float(self.pv_wider[0])

    @property
    def pv_social(self) -> float:
        """Social layer (harm avoided and wellbeing). [£]"""
        return float(self.pv_wider[1])

    @property
    def pv_wellbeing(self) -> float:
        """The part of the social layer valued in WELLBYs or QALYs (health rate). [£]"""
        return float(self.pv_wider[2])

    @property
    def net_present_public_value(self) -> float:
        """Fiscal NPV + economic + social layers. [£]"""
        return self.npv + self.pv_economic + self.pv_social

    @property
    def benefit_cost_ratio(self) -> float | None:
        """Benefit-cost ratio (public value): PV benefits of all layers / PV costs to the public sector,
        when those costs are positive (Green Book 2022, 5.54-5.56). [ratio]"""
        c = self.pv_costs
        if self.releases_money or c <= MONEY_TOLERANCE:
            return None
        return (self.pv_savings + self.pv_economic + self.pv_social) / c

    @property
    def pv_net_by_agency(self) -> F:
        return self.pv_net_firm_by_agency + self.pv_net_beyond_by_agency

    @property
    def pv_costs(self) -> float:
        return float(self.pv_costs_by_agency.sum())

    @property
    def pv_savings(self) -> float:
        return float(self.pv_savings_by_agency.sum())

    @property
    def pv_cashable(self) -> float:
        return float(self.pv_cashable_by_agency.sum())

    @property
    def npv(self) -> float:
        return float(self.pv_net_by_agency.sum())

    @property
    def npv_firm(self) -> float:
        return float(self.pv_net_firm_by_agency.sum())

    @property
    def npv_beyond(self) -> float:
        return float(self.pv_net_beyond_by_agency.sum())

    @property
    def npv_committed(self) -> float:
        """Net PV committed beyond the horizon (every proposal's tail, counted or not). [£]"""
        return float(self.pv_committed_by_agency.sum())

    @property
    def npv_committed_counted(self) -> float:
        """The committed tail of the proposals whose file says ``appraisal.count_committed``. [£]"""
        return float(self.pv_committed_counted_by_agency.sum())

    @property
    def npv_counted(self) -> float:
        """The NPV the verdict rests on: the horizon's plus the committed tail that is counted. [£]"""
        return self.npv + self.npv_committed_counted

    @property
    def cash_net(self) -> F:
        """Cashable savings minus costs, by year. [£ cash]"""
        return self.cash_cashable - self.cash_costs

    def minus(self, other: Position) -> Position:
        return Position(*(a - b for a, b in zip(self._arrays(), other._arrays(), strict=True)))

    def _arrays(self) -> tuple[F, ...]:
        return (
            self.pv_costs_by_agency,
            self.pv_savings_by_agency,
            self.pv_cashable_by_agency,
            self.pv_net_firm_by_agency,
            self.pv_net_beyond_by_agency,
            self.cash_costs,
            self.cash_cashable,
            self.cash_non_cashable,
            self.pv_wider,
            self.pv_committed_by_agency,
            self.pv_committed_counted_by_agency,
            self.pv_cut,
        )


def fiscal_return(pv_savings: float, pv_costs: float) -> float | None:
    """Fiscal return on investment: PV savings per £1 of PV costs, when the costs are positive. [ratio]"""
    return pv_savings / pv_costs if pv_costs > MONEY_TOLERANCE else None


@dataclass(frozen=True)
class OptionResult:
    """One entry of the options appraisal: its proposals' results, its position and its increment."""

    entry: OptionInput
    results: tuple[TenYearTest, ...]  # each of its proposals (empty: nothing changes)
    absolute: Position  # its flows (every proposal added)
    incremental: Position  # its flows minus BAU's
    fiscal_return: float | None  # incremental PV savings / incremental PV costs [ratio]
    passes: bool  # incremental NPV ≥ 0 (over the horizon, plus the committed tail where counted): the test
    dual_running: DualRunning  # on the incremental cash flows
    unadjusted: Position | None = None  # the increment before optimism bias (None: not risk-adjusted)

    @property
    def passes_unadjusted(self) -> bool | None:
        """The verdict against BAU before optimism bias (None when the figures are not risk-adjusted)."""
        return None if self.unadjusted is None else self.unadjusted.npv_counted >= -MONEY_TOLERANCE

    @property
    def id(self) -> str:
        return self.entry.spec.id

    @property
    def name(self) -> str:
        return self.entry.spec.name

    @property
    def role(self) -> str:
        return self.entry.role


@dataclass(frozen=True)
class OptionsAppraisal:
    """Every entry against BAU, on one basis (BAU first, then the do-minimum, then the options)."""

    options: OptionsSet
    agency_ids: tuple[str, ...]  # every budget holder of every entry, in order of first appearance
    agency_names: tuple[str, ...]
    years: tuple[int, ...]  # financial years (start year)
    entries: tuple[OptionResult, ...]
    risk_adjusted: bool = False  # the headline figures carry the optimism-bias corrections

    @property
    def firm_budget_years(self) -> int:
        return self.options.firm_budget_years

    def entry(self, id: str) -> OptionResult:
        return next(e for e in self.entries if e.id == id)

    @property
    def committed_counting(self) -> tuple[tuple[str, bool], ...]:
        """Each proposal file (once) and whether its ``appraisal.count_committed`` counts the savings
        committed beyond the horizon in the verdict."""
        seen: dict[str, bool] = {}
        for e in self.entries:
            for path, r in zip(e.entry.paths, e.results, strict=True):
                seen.setdefault(path, r.counts_committed)
        return tuple(seen.items())


def _position(results: tuple[TenYearTest, ...], agency_ids: tuple[str, ...], n_years: int) -> Position:
    """An entry's position: its proposals' present values spread onto every budget holder, added."""
    A = len(agency_ids)
    col = {a: i for i, a in enumerate(agency_ids)}
    pv = np.zeros((7, A))
    cash = np.zeros((3, n_years))
    wider = np.zeros(3)
    cut = np.zeros(2)
    for r in results:
        if r.cut is not None:
            cut += (r.cut.pv_released, r.cut.pv_closure)
        v = r.value_layers
        wider += (v.economic.pv_benefits, v.social.pv_benefits, v.pv_wellbeing)
        idx = np.array([col[a.id] for a in r.scenario.agencies], dtype=np.int64)
        stacked = np.stack(
            [
                r.pv_costs_by_agency,
                r.pv_savings_by_agency,
                r.pv_cashable_by_agency,
                r.pv_net_firm_by_agency,
                r.pv_net_beyond_by_agency,
            ]
        )
        pv[:5, idx] += stacked  # a proposal lists each budget holder once
        if r.committed is not None:
            pv[5, idx] += r.committed.pv_net_by_agency
            if r.counts_committed:
                pv[6, idx] += r.committed.pv_net_by_agency
        assert r.cash is not None
        cash += np.stack(
            [r.cash.costs.sum(axis=1), r.cash.cashable.sum(axis=1), r.cash.non_cashable.sum(axis=1)]
        )
    return Position(
        pv_costs_by_agency=pv[0],
        pv_savings_by_agency=pv[1],
        pv_cashable_by_agency=pv[2],
        pv_net_firm_by_agency=pv[3],
        pv_net_beyond_by_agency=pv[4],
        cash_costs=cash[0],
        cash_cashable=cash[1],
        cash_non_cashable=cash[2],
        pv_wider=wider,
        pv_committed_by_agency=pv[5],
        pv_committed_counted_by_agency=pv[6],
        pv_cut=cut,
    )


def appraise_options(options: OptionsSet) -> OptionsAppraisal:
    """Appraise every entry of ``options`` and measure each against BAU (central values)."""
    results = [tuple(appraise(sc) for sc in e.scenarios) for e in options.entries]
    ids: dict[str, str] = {}
    for entry_results in results:
        for r in entry_results:
            for a in r.scenario.agencies:
                ids.setdefault(a.id, a.name)
    agency_ids = tuple(ids)
    T = options.horizon_years
    positions = [_position(r, agency_ids, T) for r in results]
    adjusted = any(r.risk_adjusted for rs in results for r in rs)
    plain = [_position(tuple(r.unadjusted or r for r in rs), agency_ids, T) for rs in results]
    bau, bau_plain = positions[0], plain[0]
    out = []
    for e, entry_results, pos, pos_plain in zip(options.entries, results, positions, plain, strict=True):
        inc = pos.minus(bau)
        out.append(
            OptionResult(
                entry=e,
                results=entry_results,
                absolute=pos,
                incremental=inc,
                fiscal_return=None if inc.releases_money else fiscal_return(inc.pv_savings, inc.pv_costs),
                passes=inc.npv_counted >= -MONEY_TOLERANCE,
                dual_running=dual_running_of(inc.cash_costs, inc.cash_cashable),
                unadjusted=pos_plain.minus(bau_plain) if adjusted else None,
            )
        )
    return OptionsAppraisal(
        options=options,
        agency_ids=agency_ids,
        agency_names=tuple(ids.values()),
        years=tuple(options.first_year + t for t in range(T)),
        entries=tuple(out),
        risk_adjusted=adjusted,
    )
