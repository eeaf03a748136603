"""Excel workbook of a Ten Year Test result, laid out by the FAST standard, with live formulas.

Sheets
------
* **Inputs**: every assumption used (appraisal settings, discount-rate bands, the GDP deflator,
  prevention cost lines, outcome parameters, units per event, unit costs by budget holder), each with
  its unit, price year, source id and grade. Input cells are blue on pale yellow.
* **Calculations**: by outcome, budget holder and year: price conversion factors, cost flows, intakes,
  the persistence profile, events avoided, savings and cashable savings, discount rates, discount
  factors (DF_0 = 1; DF_t = DF_{t-1} / (1 + r_t)) and present values. Everything derived is a formula
  of the inputs; nothing is pasted.
* **Outputs**: the Ten Year Test table (budget holders × years, firm-budget years against years
  beyond, NPV per budget holder), headline figures, the verdict, and an Excel ``NPV()`` check that
  reconciles with the Green Book year-0 convention.
* **Pooling** (a proposal with a pool or responsibility charges only): the agreement with live formulas:
  costs borne, cashable savings shared (non-cashable kept), the change in charges, each budget holder's
  position and the payment schedule by year in real terms and in cash (:mod:`.excel_pooling`).
* **Provenance**: sources (with links and grades), stated assumptions with their reasons, the
  costmodel version, ``inputs_sha256``, the discount schedule and the deflator vintage.

One timeline: appraisal years run across columns from column H on every sheet. Every formula cell
also stores its value, computed by evaluating the formula text (:mod:`costmodel.export.formula`), so
viewers that do not recalculate show the right figure and the tests can compare it with the engine.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..appraisal.engine import MONEY_TOLERANCE
from ..formatting import fy_label
from ..inputs.loading import load_reference
from ..inputs.models import GRADE_MEANINGS, figure_grade
from ..inputs.provenance import correlation_rows
from ..inputs.registry import entry, outcome_entries
from ..present.measures import not_counted
from ..present.optimism_words import basis_words, direction_words, risk_adjustment_note
from ..present.report import CONVENTIONS
from .excel_pooling import POOLING, PoolingSheet
from .formula import Formula, cell_name, col_letters
from .sheets import CALC_COLUMNS, FIRST_YEAR_COL, HEADER_ROW, calc_row, span, write_sheets
from .sheets import Sheet as _Sheet
from .sheets import evaluate as _evaluate

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest
    from ..inputs.models import DiscountSchedule, Source

INPUTS, CALC, OUTPUTS, CASH, PROVENANCE = "Inputs", "Calculations", "Outputs", "Cash", "Provenance"

# column meanings on the Inputs sheet
I_LABEL, I_VALUE, I_UNIT, I_YEAR, I_SOURCE, I_GRADE, I_NOTE = range(7)
# column meanings on the Calculations sheet: the shared layout (:mod:`.sheets`), a row's constant in its
# column of the workbook's own
C_LABEL, C_UNIT, C_AGENCY, C_ITEM, C_CONST, C_TOTAL, C_PV = CALC_COLUMNS

# one year's cell of a Calculations row: (year index t, column letter, 1-based row) -> formula or value;
# loop values are bound as extra keyword defaults (lambda t, c, r, _row=row: ...), hence the "..."
YearFormula = Callable[..., Any]


def _grade(source: Source | None, override: str | None = None) -> str:
    if override:
        return override
    return source.grade if source is not None else "assumption"


class _Builder:
    def __init__(self, result: TenYearTest):
        self.r = result
        self.sc = result.scenario
        self.p = self.sc.proposal
        self.T = result.structure.n_years
        self.inputs = _Sheet(INPUTS)
        self.calc = _Sheet(CALC)
        self.outputs = _Sheet(OUTPUTS)
        self.cash = _Sheet(CASH)
        self.prov = _Sheet(PROVENANCE)
        self.sheets = [self.inputs, self.calc, self.outputs, self.cash, self.prov]
        self.pooling: _Sheet | None = None
        if self.p.pool is not None or self.p.responsibility_charges:  # a pooled proposal is shown as pooled
            self.pooling = _Sheet(POOLING)
            self.sheets.insert(4, self.pooling)
        self.assumptions: list[tuple[str, str, str]] = []  # (where, value, reason)

    # ---- helpers ----------------------------------------------------------------------------

    def ycol(self, t: int) -> int:
        return FIRST_YEAR_COL + t

    def span(self, sheet: _Sheet, row: int, *, absolute_row: bool = True, local: bool = True) -> str:
        """The timeline range of one row, e.g. 'H$20:Q$20'."""
        return span(sheet, row, self.T, absolute_row=absolute_row, local=local)

    def title(self, sheet: _Sheet, text: str, sub: str) -> None:
        sheet.put(0, 0, text, "title")
        sheet.put(1, 0, sub, "note")

    def section(self, sheet: _Sheet, text: str) -> None:
        sheet.section(text)

    def input_row(
        self,
        label: str,
        value: Any,
        unit: str,
        *,
        year: int | None = None,
        prov: Any = None,
        grade_override: str | None = None,
        where: str = "",
        style: str | None = None,
        note: str | None = None,
    ) -> int:
        """One assumption on the Inputs sheet; ``prov`` is the quantity (with source/assumption/note)."""
        s = self.inputs
        row = s.row
        s.put(row, I_LABEL, label)
        if style is None:
            style = "input_text" if isinstance(value, str) else _input_style(unit)
        if value is not None:
            s.put(row, I_VALUE, value, style)
        s.put(row, I_UNIT, unit, "unit")
        if year is not None:
            s.put(row, I_YEAR, year, "input_year")
        src_id = getattr(prov, "source", None) if prov is not None else None
        reason = getattr(prov, "assumption", None) if prov is not None else None
        extra = getattr(prov, "note", None) if prov is not None else None
        if src_id:
            src = self.sc.sources.get(src_id)
            s.put(row, I_SOURCE, src_id)
            if grade_override is None and prov is not None:  # derived figures and rated rows
                grade_override = figure_grade(prov, {k: v.grade for k, v in self.sc.sources.items()})
            s.put(row, I_GRADE, _grade(src, grade_override), "grade")
        elif reason:
            s.put(row, I_SOURCE, "assumption")
            s.put(row, I_GRADE, "assumption", "grade")
            self.assumptions.append((where or label, _fmt_value(value, unit), reason))
        text = "; ".join(x for x in (reason, extra, note) if x)
        if text:
            s.put(row, I_NOTE, text, "note")
        s.row += 1
        return row

    def calc_row(
        self,
        label: str,
        unit: str,
        formula_for_year: YearFormula | None,
        *,
        agency: str | None = None,
        item: str | None = None,
        const: str | None = None,
        const_style: str = "calc_num",
        style: str = "calc_money",
        pv: bool = False,
        total: bool = False,
    ) -> int:
        """One Calculations row: ``formula_for_year(t, col_letter, row)`` gives each year's formula."""
        s = self.calc
        row = s.row
        if const is not None:
            s.put(row, C_CONST, const, const_style)
        year_cell = (
            None
            if formula_for_year is None
            else lambda t: formula_for_year(t, col_letters(self.ycol(t)), row + 1)
        )
        df_row = self.df_row if pv else None
        return calc_row(
            s,
            self.T,
            label,
            unit,
            year_cell,
            agency=agency,
            item=item,
            style=style,
            total=total,
            df_row=df_row,
        )

    def money_row(
        self, label: str, formula_for_year: YearFormula, *, agency: str | None = None, item: str | None = None
    ) -> int:
        """One Calculations row of £ by year, with its total and its present value."""
        return self.calc_row(label, "£", formula_for_year, agency=agency, item=item, total=True, pv=True)

    # ---- Inputs -------------------------------------------------------------------------------

    def _line_inputs(self, line: Any, where: str, verb: str) -> dict[str, int]:
        """Input rows of one cost or savings line: its amount (or amounts by year), years and growth."""
        s = self.inputs
        rows: dict[str, int] = {}
        if line.amount is not None:
            money = line.amount
            unit = "£ per year" if money.unit == "GBP_per_year" else "£ (one-off)"
            nominal = money.prices == "nominal"
            rows["amount"] = self.input_row(
                f"{line.label}: amount ({line.kind.replace('_', '-')})",
                money.value,
                unit + (", cash of each year" if nominal else ""),
                year=None if nominal else money.price_year,
                prov=money,
                where=where + ".amount",
                note="cash (nominal): converted year by year with the deflator" if nominal else None,
            )
            if nominal:
                rows["nominal"] = 1
        else:
            by = line.by_year
            assert by is not None
            nominal = by.prices == "nominal"
            row = self.input_row(
                f"{line.label}: amounts by year (from year {line.start_year}, across the timeline)",
                None,
                "£ per year" + (", cash of each year" if nominal else ""),
                year=by.price_year,
                prov=by,
                where=where + ".by_year",
                note="cash (nominal): each value converted with its own year's deflator" if nominal else None,
            )
            for k, v in enumerate(by.values):
                if line.start_year + k < self.T:
                    s.put(row, self.ycol(line.start_year + k), v, "input_money")
            rows["by_year"] = row
            if nominal:
                rows["nominal"] = 1
            if by.price_years is not None:
                py_row = self.input_row(f"{line.label}: price year of each value", None, "financial year")
                for k, y in enumerate(by.price_years):
                    if line.start_year + k < self.T:
                        s.put(py_row, self.ycol(line.start_year + k), y, "input_year")
                rows["price_years"] = py_row
        rows["start"] = self.input_row(
            f"{line.label}: first year {verb}", line.start_year, "appraisal year", style="input_int"
        )
        if line.kind == "recurring" and line.amount is not None:
            end = line.end_year if line.end_year is not None else self.T - 1
            rows["end"] = self.input_row(
                f"{line.label}: last year {verb}",
                end,
                "appraisal year",
                style="input_int",
                note=None if line.end_year is not None else "default: the last appraisal year",
            )
            if line.growth is not None:
                rows["growth"] = self.input_row(
                    f"{line.label}: growth",
                    line.growth.value,
                    "fraction per year",
                    prov=line.growth,
                    where=where + ".growth",
                )
        return rows

    def build_inputs(self) -> None:
        sc, p, r = self.sc, self.p, self.r
        ap = p.appraisal
        s = self.inputs
        self.title(
            s,
            f"Inputs: {p.title}",
            "Every assumption the appraisal uses. Input cells are blue on pale yellow: change one and the "
            "Calculations and Outputs sheets recompute. Money is in each figure's own price year.",
        )
        s.headers(HEADER_ROW, ["Input", "Value", "Unit", "Year", "Source id", "Grade", "Note"])
        for t, year in enumerate(r.years):
            s.put(HEADER_ROW, self.ycol(t), fy_label(year), "header_year")
        s.row = HEADER_ROW + 1

        self.section(s, "Proposal and appraisal settings")
        self.kind_row = self.input_row(
            "Kind of proposal (new_spending or cut)", p.kind, "text", note="a cut reverses every flow's sign"
        )
        self.first_year_row = self.input_row(
            "First appraisal year (year 0, undiscounted)", ap.first_year, "financial year (2027 = 2027-28)"
        )
        self.input_row(
            "Horizon",
            self.T,
            "years",
            style="fixed",
            note="structure: the timeline has this many columns (re-export to change it)",
        )
        self.firm_row = self.input_row("Firm-budget years", ap.firm_budget_years, "years")
        self.base_row = self.input_row(
            "Price base year", ap.price_base_year, "financial year", style="input_year"
        )
        self.discount_year_row = self.input_row(
            "Discount year (the schedule counts from here)",
            ap.discount_origin,
            "financial year",
            style="input_year",
            note="default: the first appraisal year",
        )
        sched = sc.schedule
        self.input_row("Discount-rate schedule", sched.id, "id", style="fixed", note=sched.label)
        self.input_row(
            "Deflator",
            sc.deflator.id,
            "id",
            style="fixed",
            note=f"{sc.deflator.label}; {sc.deflator.describe()}",
        )

        self.section(s, "Discount-rate schedule: each band's rate applies from its start year (column D)")
        self.bands = self._band_rows(
            sched, "Real discount rate", grade_unsourced="assumption", note_unsourced="user override of the discount rate"
        )

        dfl = sc.deflator
        self.section(s, f"Deflator index ({dfl.label}); column D is the financial year")
        published = dfl.published_to if dfl.published_to is not None else max(dfl.index)
        upto = max(r.years[-1], published, ap.price_base_year)
        defl_rows = []
        for year in sorted(y for y in dfl.index if y <= upto):
            status: str | None
            if year > published:
                status = f"long-run assumption: {dfl.long_run_growth:.1%} a year after {fy_label(published)}"
            elif dfl.outturn_to is not None and year > dfl.outturn_to:
                status = "forecast"
            else:
                status = "outturn" if dfl.outturn_to is not None else None
            defl_rows.append(
                self.input_row(
                    f"Deflator {fy_label(year)}",
                    dfl.index[year],
                    "index",
                    year=year,
                    prov=_Prov(dfl.source, None, None),
                    style="input_index",
                    note=status,
                )
            )
        self.defl = (defl_rows[0], defl_rows[-1])

        self.section(
            s, "Prevention cost lines (money in the price year in column D; blank D: cash of each year)"
        )
        self.cost_rows: list[dict[str, int]] = []
        for i, line in enumerate(p.prevention_costs):
            rows = self._line_inputs(line, f"prevention_costs.{i} ({line.id})", "paid")
            rp = line.release_profile if p.kind == "cut" else None
            if rp is not None and rp.shares is not None:  # a cut released over time: shares by year
                row = self.input_row(
                    f"{line.label}: share of the budget released each year (all of it after the last share)",
                    None,
                    "fraction",
                    prov=rp.shares,
                    where=f"prevention_costs.{i} ({line.id}).release_profile.shares",
                )
                for t in range(self.T):
                    k = t - line.start_year
                    released = rp.shares.values[k] if 0 <= k < len(rp.shares.values) else 1.0
                    self.inputs.put(row, self.ycol(t), released, "input_rate")
                rows["release_shares"] = row
            elif rp is not None and rp.ramp_years is not None:  # a ramp to full release
                rows["release_ramp"] = self.input_row(
                    f"{line.label}: years to release the whole budget (equal steps; 0 = at once)",
                    rp.ramp_years.value,
                    "years",
                    prov=rp.ramp_years,
                    where=f"prevention_costs.{i} ({line.id}).release_profile.ramp_years",
                )
            self.cost_rows.append(rows)

        self.closure_rows: list[dict[str, int]] = []
        if p.kind == "cut" and p.closure_costs:
            self.section(
                s, "Closure costs of the cut (one-off; money in the price year in column D; blank D: cash)"
            )
            for i, cc in enumerate(p.closure_costs):
                where = f"closure_costs.{i} ({cc.id})"
                nominal = cc.amount.prices == "nominal"
                rows = {
                    "amount": self.input_row(
                        f"{cc.label}: closure cost (one-off)",
                        cc.amount.value,
                        "£ (one-off)" + (", cash of the year paid" if nominal else ""),
                        year=None if nominal else cc.amount.price_year,
                        prov=cc.amount,
                        where=where + ".amount",
                    ),
                    "start": self.input_row(f"{cc.label}: year paid", cc.year, "appraisal year", style="input_int"),
                }
                if nominal:
                    rows["nominal"] = 1
                self.closure_rows.append(rows)

        self.saving_rows: list[dict[str, int]] = []
        if p.savings:
            self.section(
                s, "Plain savings lines (money in the price year in column D; blank D: cash of each year)"
            )
            for i, sl in enumerate(p.savings):
                where = f"savings.{i} ({sl.id})"
                rows = self._line_inputs(sl, where, "saved" if sl.saved_by is not None else f"gained ({sl.layer})")
                if sl.saved_by is None:  # economic or social: no budget, no cash
                    self.saving_rows.append(rows)
                    continue
                share = sl.cashable_share
                rows["cashable_share"] = self.input_row(
                    f"{sl.label}: cashable share",
                    share.value if share is not None else 1.0,
                    "fraction",
                    prov=share,
                    where=where + ".cashable_share",
                    note=None if share is not None else "default: all of it",
                )
                rows["cashable_delay"] = self.input_row(
                    f"{sl.label}: years after the first year before cash is released",
                    sl.cashable_delay_years,
                    "years",
                    style="input_int",
                )
                self.saving_rows.append(rows)

        self.section(s, "Outcomes: acute demand avoided (added, for a cut)")
        self.outcome_rows: list[dict[str, int]] = []
        # per outcome: "param*key" for each registry entry that multiplies a Params field
        self.outcome_scales: list[list[str]] = []
        # per outcome: (unit cost id, Inputs row of its units per event)
        self.outcome_uses: list[list[tuple[str, int]]] = []
        for o, oc in enumerate(p.outcomes):
            s.put(s.row, 0, oc.label, "subsection")
            s.row += 1
            rows = {}
            where = f"outcomes.{o} ({oc.id})"

            def q(name: str, label: str, unit: str, style: str | None = None, _oc=oc, _w=where) -> int:
                quantity = getattr(_oc, name)
                return self.input_row(
                    label, quantity.value, unit, prov=quantity, where=f"{_w}.{name}", style=style
                )

            scales: list[str] = []
            for e in outcome_entries():  # the input registry's outcome quantities, in its order
                if getattr(oc, e.key, None) is None:
                    continue
                key = e.applies if e.role == "sets" else e.key
                if e.role == "scales":
                    scales.append(f"{e.applies}*{e.key}")
                rows[key] = q(e.key, e.label, e.unit.replace("_", " "), "input_int" if e.integer else None)
                if e.key == "cohort":
                    rows["intake_start"] = self.input_row(
                        "First intake year", oc.intake_start_year, "appraisal year", style="input_int"
                    )
                    end = oc.intake_end_year if oc.intake_end_year is not None else self.T - 1
                    rows["intake_end"] = self.input_row(
                        "Last intake year",
                        end,
                        "appraisal year",
                        style="input_int",
                        note=None if oc.intake_end_year is not None else "default: the last appraisal year",
                    )
            self.outcome_scales.append(scales)
            uses = []
            for j, use in enumerate(oc.unit_costs):
                uc = sc.unit_costs[use.unit_cost]
                if use.per_event is not None:
                    row = self.input_row(
                        f"{entry('outcomes.*.unit_costs.*.per_event').label}: {uc.label}",
                        use.per_event.value,
                        f"units per event ({uc.per})",
                        prov=use.per_event,
                        where=f"{where}.unit_costs.{j}.per_event",
                    )
                else:
                    row = self.input_row(
                        f"{entry('outcomes.*.unit_costs.*.per_event').label}: {uc.label}",
                        1.0,
                        f"units per event ({uc.per})",
                        note="default: one unit per event",
                    )
                uses.append((use.unit_cost, row))
            self.outcome_rows.append(rows)
            self.outcome_uses.append(uses)

        self.section(s, "Unit costs by budget holder (price year in column D)")
        names = {a.id: a.name for a in sc.agencies}
        self.bearer_rows: dict[str, list[tuple[str, int]]] = {}
        for uc_id, uc in sc.unit_costs.items():
            rows_b = []
            for bearer in uc.bearers:
                rows_b.append(
                    (
                        bearer.agency,
                        self.input_row(
                            f"{uc.label}: borne by {names.get(bearer.agency, bearer.agency)}",
                            bearer.value,
                            f"£ per unit ({uc.per})",
                            year=uc.price_year,
                            prov=_Prov(uc.source, uc.assumption, uc.note),
                            grade_override=figure_grade(uc, {k: v.grade for k, v in sc.sources.items()}),
                            where=f"unit_costs.{uc_id}",
                        ),
                    )
                )
            self.bearer_rows[uc_id] = rows_b
        self._layer_inputs()

        self._optimism_inputs()
        s.widths = {0: 62, 1: 14, 2: 30, 3: 8, 4: 30, 5: 11, 6: 70}
        s.freeze = (HEADER_ROW + 1, 1)

    def _optimism_inputs(self) -> None:
        """The optimism-bias corrections (the risk-adjusted central case): a switch and one percentage per
        corrected line; each line's flows are multiplied by (1 ± switch × percentage) in Calculations."""
        r = self.r
        self.ob_factor: dict[str, str] = {}  # corrected line id -> formula text of its multiplier
        if not r.corrections:
            return
        s = self.inputs
        self.section(
            s,
            "Optimism bias: the central case is risk-adjusted (every line made less favourable; "
            "set the switch to 0 for the unadjusted figures)",
        )
        switch = self.input_row(
            "Apply the optimism-bias corrections? (1 = yes: risk-adjusted; 0 = no: unadjusted)",
            1,
            "switch (0 or 1)",
            style="input_int",
            note="costmodel's headline is risk-adjusted; its unadjusted figures are the sensitivity",
        )
        on = s.ref(switch, I_VALUE)
        table_status = r.optimism_table_status
        for c in r.corrections:
            if c.basis == "capital":
                reason = None
                note = (
                    "HM Treasury, Supplementary Green Book Guidance: Optimism Bias (2003), Table 2: capex upper "
                    f"bound for {c.category_label}"
                    + (f" × (1 − {c.mitigation:g} mitigation)" if c.mitigation else "")
                )
                grade = "A"
            elif table_status == "assumption":
                reason = (
                    "the shipped correction for this evidence grade is a stated assumption, not a published "
                    "table (costmodel/data/optimism_bias.yaml)"
                )
                note = basis_words(c)
                grade = None
            else:
                reason, note, grade = None, basis_words(c), None
            row = self.input_row(
                f"{c.line}: {direction_words(c)} (evidence grade {c.grade})",
                c.correction,
                "fraction",
                prov=_Prov(None, reason, None) if reason else None,
                grade_override=grade,
                where=f"optimism bias: {c.line}",
                note=note,
            )
            if grade is not None:
                s.put(row, I_GRADE, grade, "grade")
            op = "+" if c.direction in ("costs_up", "demand_up") else "-"
            self.ob_factor.setdefault(c.line, f"(1{op}{on}*{s.ref(row, I_VALUE)})")

    def _with_optimism(
        self, factor: str | Callable[[str], str], line: str
    ) -> str | Callable[[str], str]:
        """A line's conversion ``factor`` times its optimism-bias multiplier (unchanged if it has none)."""
        ob = getattr(self, "ob_factor", {}).get(line)
        if ob is None:
            return factor
        if callable(factor):
            base: Callable[[str], str] = factor

            def per_year(c: str) -> str:
                return f"{base(c)}*{ob}"

            return per_year
        return f"{factor}*{ob}"

    # ---- Calculations -------------------------------------------------------------------------

    def _layer_inputs(self) -> None:
        """Economic and social £ per unit, WELLBYs/QALYs per unit, the Green Book value of each measure
        and the health-rate bands, when any unit cost the outcomes use carries wider value."""
        sc, s = self.sc, self.inputs
        self.layer_rows: dict[str, dict[str, int]] = {}  # unit cost -> {"economic"|"social"|"wellbeing": row}
        self.measure_rows: dict[str, int] = {}
        self.health_bands: tuple[int, int] | None = None
        if self.r.flows.layers is None:
            return
        grades = {k: v.grade for k, v in sc.sources.items()}
        self.section(
            s,
            "Value beyond public budgets: economic and social £ per unit (price year in column D); "
            "wellbeing in WELLBYs or QALYs per unit",
        )
        for uc_id, uc in sc.unit_costs.items():
            rows: dict[str, int] = {}
            prov = _Prov(uc.source, uc.assumption, uc.note)
            for layer, value in (("economic", uc.economic_value), ("social", uc.social_value)):
                parts = uc.economic if layer == "economic" else uc.social
                if parts:
                    rows[layer] = self.input_row(
                        f"{uc.label}: {layer} value ({'; '.join(c.component for c in parts)})",
                        value,
                        f"£ per unit ({uc.per})",
                        year=uc.price_year,
                        prov=prov,
                        grade_override=figure_grade(uc, grades),
                        where=f"unit_costs.{uc_id}.{layer}",
                    )
            if uc.wellbeing is not None:
                rows["wellbeing"] = self.input_row(
                    f"{uc.label}: {uc.wellbeing.measure}s lost per unit",
                    uc.wellbeing.per_unit,
                    f"{uc.wellbeing.measure} per unit ({uc.per})",
                    prov=uc.wellbeing,
                    where=f"unit_costs.{uc_id}.wellbeing",
                )
            if rows:
                self.layer_rows[uc_id] = rows
        ref = load_reference()
        measures = sorted({uc.wellbeing.measure for uc in sc.unit_costs.values() if uc.wellbeing is not None})
        for v in ref.appraisal_values:
            if v.id in measures:
                self.measure_rows[v.id] = self.input_row(
                    f"Green Book value of one {v.id} ({v.label})",
                    v.value,
                    f"£ per {v.id}",
                    year=v.price_year,
                    prov=_Prov(v.source if v.source in sc.sources else None, None, v.note),
                )
        if not measures:
            return
        health = {d.id: d for d in ref.discount_schedules}["green_book_health"]
        self.section(
            s,
            "Health discount rate (applied only to WELLBY and QALY values): each band from its start year (column D)",
        )
        self.health_bands = self._band_rows(health, "Health discount rate", grade_unsourced="A")

    def _band_rows(
        self, schedule: DiscountSchedule, rate: str, *, grade_unsourced: str, note_unsourced: str | None = None
    ) -> tuple[int, int]:
        """An Inputs row for each band of a discount ``schedule`` (its ``rate`` from its start year, in
        column D), graded from the schedule's source, or ``grade_unsourced`` (with ``note_unsourced``) where
        the schedule cites none of the file's sources; returns the first and last band's rows."""
        sourced = schedule.source in self.sc.sources
        rows = [
            self.input_row(
                f"{rate} from appraisal year {band.from_year}",
                band.rate,
                "fraction per year",
                year=band.from_year,
                prov=_Prov(schedule.source if sourced else None, None, schedule.note),
                grade_override=None if sourced else grade_unsourced,
                note=None if sourced else note_unsourced,
            )
            for band in schedule.bands
        ]
        return rows[0], rows[-1]

    def _deflate(self, price_year_ref: str) -> str:
        """Formula text of the factor converting from the price year in a cell to the price base year."""
        (d0, d1) = self.defl
        idx = f"{INPUTS}!$B${d0 + 1}:$B${d1 + 1}"
        yrs = f"{INPUTS}!$D${d0 + 1}:$D${d1 + 1}"
        base = self.inputs.ref(self.base_row, I_VALUE)
        return f"INDEX({idx},MATCH({base},{yrs},0))/INDEX({idx},MATCH({price_year_ref},{yrs},0))"

    def _line_factor(self, rows: dict[str, int]) -> Callable[[str], str] | str:
        """The price conversion of a line: a constant (its price year), or per column (cash of each
        year, or a price year for each value)."""
        I = self.inputs  # noqa: E741
        if "nominal" in rows:
            return lambda c: f"{CALC}!{c}${self.to_real_row + 1}"
        if "price_years" in rows:
            py = rows["price_years"] + 1
            return lambda c: f'IF({INPUTS}!{c}{py}="",0,{self._deflate(f"{INPUTS}!{c}{py}")})'
        src = rows.get("amount", rows.get("by_year"))
        assert src is not None
        return self._deflate(I.ref(src, I_YEAR))

    def _factor_cell(self, line: Any, rows: dict[str, int]) -> str | Callable[[str], str]:
        """A price-conversion row (constant factor) for a real line, or the per-year conversion."""
        factor = self._line_factor(rows)
        if callable(factor):
            return factor
        s = self.calc
        factor_row = self.calc_row(
            f"{line.label}: price conversion factor",
            "ratio",
            None,
            item=line.id,
            const=Formula(f"={factor}"),
            const_style="calc_ratio",
        )
        return s.ref(factor_row, C_CONST)

    def _cost_flow(self, kind: str, rows: dict[str, int], factor: str | Callable[[str], str]) -> YearFormula:
        """Each year's formula of one cost or savings line, converted by ``factor`` (a cell, or a function
        of the column giving that year's conversion) to the price base year."""
        I = self.inputs  # noqa: E741

        def k(c: str) -> str:
            return factor(c) if callable(factor) else factor

        if "by_year" in rows:
            by_year = rows["by_year"] + 1
            return lambda t, c, r: Formula(f"={INPUTS}!{c}{by_year}*{k(c)}")
        start = I.ref(rows["start"], I_VALUE)
        amount = I.ref(rows["amount"], I_VALUE)
        if kind != "recurring":
            return lambda t, c, r: Formula(f"=IF({c}${self.t_row + 1}={start},{amount}*{k(c)},0)")
        end = I.ref(rows["end"], I_VALUE)
        growth = I.ref(rows["growth"], I_VALUE) if "growth" in rows else None

        def recurring(t: int, c: str, r: int) -> str:
            yr = f"{c}${self.t_row + 1}"
            grow = f"*(1+{growth})^({yr}-{start})" if growth is not None else ""
            return Formula(f"=IF(AND({yr}>={start},{yr}<={end}),{amount}*{k(c)}{grow},0)")

        return recurring

    def _cut_pv(self, *, cost_rows: bool, closure: bool) -> str:
        """A cut's PV of money released (its cost lines' PVs) or of closure costs (minus the closure
        rows' PVs, written negative), from the Calculations sheet."""
        rows = self.released_flow_rows if cost_rows else self.closure_flow_rows
        if not rows:
            return "=0"
        refs = "+".join(self.calc.ref(row, C_PV) for row in rows)
        return f"=-({refs})" if closure else f"={refs}"

    def _released(self, flow: YearFormula, rows: dict[str, int]) -> YearFormula:
        """A cut line's yearly flow times the share of its budget released that year (its release
        profile: shares by year on the Inputs sheet, or a ramp of equal steps); unchanged without one."""
        if "release_shares" in rows:
            shares = rows["release_shares"] + 1
            return lambda t, c, r: Formula(f"={flow(t, c, r)[1:]}*{INPUTS}!{c}{shares}")
        if "release_ramp" in rows:
            I = self.inputs  # noqa: E741
            ramp, start = I.ref(rows["release_ramp"], I_VALUE), I.ref(rows["start"], I_VALUE)

            def ramped(t: int, c: str, r: int) -> str:
                yr = f"{c}${self.t_row + 1}"
                share = f"IF({yr}>={start},MIN(1,({yr}-{start}+1)/({ramp}+1)),1)"
                return Formula(f"={flow(t, c, r)[1:]}*{share}")

            return ramped
        return flow

    def _discount_rows(self, bands: tuple[int, int], rate_label: str, factor_label: str) -> tuple[int, int]:
        """The rate row (each year's rate, looked up in a schedule's bands on Inputs) and the discount
        factor row it gives (DF_t = DF_t-1 / (1 + r_t); DF_0 = (1 + r_0)^-(first year - discount year))."""
        lo, hi = bands
        inputs = self.inputs
        offset = f"({inputs.ref(self.first_year_row, I_VALUE)}-{inputs.ref(self.discount_year_row, I_VALUE)})"
        rate_row = self.calc_row(
            rate_label,
            "fraction per year",
            lambda t, c, r: Formula(
                f"=LOOKUP(MAX({c}${self.t_row + 1}+{offset},0),{INPUTS}!$D${lo + 1}:$D${hi + 1},"
                f"{INPUTS}!$B${lo + 1}:$B${hi + 1})"
            ),
            style="calc_rate",
        )
        rate = rate_row + 1

        def df(t: int, c: str, r: int) -> Any:
            if t == 0:  # 1 when the discount year is the first year (year 0 is not discounted)
                return Formula(f"=(1+{c}{rate})^(-{offset})")
            prev = col_letters(self.ycol(t - 1))
            return Formula(f"={prev}{r}/(1+{c}{rate})")

        return rate_row, self.calc_row(factor_label, "fraction", df, style="calc_df")

    def build_calculations(self) -> None:
        sc, p = self.sc, self.p
        s = self.calc
        I = self.inputs  # noqa: E741
        self.title(
            s,
            "Calculations by outcome, budget holder and year",
            "Every cell here is a formula of the Inputs sheet. Money in £, real terms, in the price base "
            "year's prices; discounting by the Green Book convention (year 0 undiscounted).",
        )
        s.headers(
            HEADER_ROW,
            [
                "Calculation",
                "Unit",
                "Budget holder",
                "Item",
                "Constant",
                "Total (undiscounted)",
                "Present value",
            ],
        )
        s.row = HEADER_ROW + 1
        # timeline
        self.t_row = s.row
        s.put(s.row, C_LABEL, "Appraisal year (0 = first year, undiscounted)", "bold")
        s.put(s.row, C_UNIT, "year index", "unit")
        s.put(s.row, self.ycol(0), 0, "calc_int")
        for t in range(1, self.T):
            s.put(
                s.row,
                self.ycol(t),
                Formula(f"={s.ref(s.row, self.ycol(t - 1), '', local=True)}+1"),
                "calc_int",
            )
        s.row += 1
        self.fy_row = s.row
        first = I.ref(self.first_year_row, I_VALUE)
        s.put(s.row, C_LABEL, "Financial year (starting)", "bold")
        s.put(s.row, C_UNIT, "year", "unit")
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            s.put(s.row, self.ycol(t), Formula(f"={first}+{c}${self.t_row + 1}"), "calc_int")
        s.row += 1
        s.put(s.row, C_LABEL, "Financial year", "bold")
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            fy = f"{c}${self.fy_row + 1}"
            s.put(s.row, self.ycol(t), Formula(f'={fy}&"-"&RIGHT({fy}+1,2)'), "header_year")
        # headers of the timeline columns: the financial-year labels
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            s.put(HEADER_ROW, self.ycol(t), Formula(f"={c}{s.row + 1}"), "header_year")
        s.row += 1
        self.to_real_row = self.calc_row(
            "Cash-to-real factor D[price base] / D[year] (Green Book 2022 Table 1)",
            "ratio",
            lambda t, c, r: Formula(f"={self._deflate(f'{c}${self.fy_row + 1}')}"),
            style="calc_ratio",
        )
        firm = I.ref(self.firm_row, I_VALUE)
        self.firm_flag_row = self.calc_row(
            "Firm-budget year? (1 = yes)",
            "flag",
            lambda t, c, r: Formula(f"=IF({c}${self.t_row + 1}<{firm},1,0)"),
            style="calc_int",
        )
        kind = I.ref(self.kind_row, I_VALUE)
        self.sign_ref = s.ref(s.row, C_CONST)
        self.calc_row(
            "Sign of the flows (+1 new spending, -1 a cut)",
            "+1/-1",
            None,
            const=Formula(f'=IF({kind}="cut",-1,1)'),
            const_style="calc_int",
        )

        self.section(
            s,
            "Discounting (Green Book: DF_t = DF_t-1 / (1 + r_t); year 0 is undiscounted when the discount "
            "year is the first year, else DF_0 = (1 + r)^-(first year - discount year))",
        )
        self.rate_row, self.df_row = self._discount_rows(self.bands, "Real discount rate", "Discount factor")
        self.health_df_row: int | None = None
        if self.health_bands is not None:
            _, self.health_df_row = self._discount_rows(
                self.health_bands,
                "Health discount rate (WELLBY and QALY values only)",
                "Health discount factor (WELLBY and QALY values only)",
            )

        # ---- prevention costs
        self.section(s, "Prevention costs, real terms (price base year prices)")
        cost_flow_rows = []
        for i, line in enumerate(p.prevention_costs):
            rows = self.cost_rows[i]
            factor = self._with_optimism(self._factor_cell(line, rows), f"prevention_costs.{line.id}")
            flow = self._released(self._cost_flow(line.kind, rows, factor=factor), rows)
            cost_flow_rows.append(
                self.money_row(
                    f"{line.label}: cost" + (" (× share released)" if set(rows) & RELEASE_KEYS else ""),
                    flow,
                    agency=line.paid_by,
                    item=line.id,
                )
            )
        self.released_flow_rows = list(cost_flow_rows)
        self.closure_flow_rows: list[int] = []
        for cc, rows in zip(p.closure_costs if p.kind == "cut" else [], self.closure_rows, strict=True):
            # a closure cost is spending: written negative here, so the cut's sign (-1) makes it a cost
            factor = self._with_optimism(self._factor_cell(cc, rows), f"closure_costs.{cc.id}")
            one_off = self._cost_flow("one_off", rows, factor=factor)
            cost_flow_rows.append(
                self.money_row(
                    f"{cc.label}: closure cost (negative here: the cut's sign makes it a cost)",
                    lambda t, c, r, _f=one_off: Formula("=-" + _f(t, c, r)[1:]),
                    agency=cc.paid_by,
                    item=cc.id,
                )
            )
            self.closure_flow_rows.append(cost_flow_rows[-1])

        # ---- unit costs converted to the price base
        self.section(s, "Unit costs in price-base-year prices, by budget holder")
        converted: dict[tuple[str, str], str] = {}
        for uc_id, rows_b in self.bearer_rows.items():
            for agency_id, row in rows_b:
                crow = self.calc_row(
                    f"{sc.unit_costs[uc_id].label} (converted)",
                    "£ per unit",
                    None,
                    agency=agency_id,
                    item=uc_id,
                    const=Formula(f"={I.ref(row, I_VALUE)}*{self._deflate(I.ref(row, I_YEAR))}"),
                    const_style="calc_money",
                )
                converted[(uc_id, agency_id)] = s.ref(crow, C_CONST)

        # ---- outcomes
        self.section(s, "Outcomes: events avoided (added, for a cut) by year")
        agencies = [a.id for a in sc.agencies]
        # (outcome index, agency, {"savings": net events row, "cashable": cashable events row},
        #  cost per event cell)
        saving_specs: list[tuple[int, str, dict[str, int], str]] = []
        self.event_rows: list[int] = []
        yr = f"${self.t_row + 1}"  # the year-index row, anchored
        for o, oc in enumerate(p.outcomes):
            rows = self.outcome_rows[o]
            s.put(s.row, 0, oc.label, "subsection")
            s.row += 1

            def ref(name: str, _rows=rows, _scales=self.outcome_scales[o]) -> str:
                # a Params field times every registry entry that scales it (none in the shipped models)
                factors = [k.split("*", 1)[1] for k in _scales if k.split("*", 1)[0] == name]
                return "*".join(I.ref(_rows[k], I_VALUE) for k in [name, *factors])

            add_row = self.calc_row(
                "Additionality factor (1-deadweight)(1-displacement)(1-attribution)(1-optimism bias)",
                "fraction",
                None,
                item=oc.id,
                const=Formula(
                    f"=(1-{ref('deadweight')})*(1-{ref('displacement')})*(1-{ref('attribution')})*(1-{ref('optimism_bias')})"
                ),
                const_style="calc_rate",
            )
            intake_row = self.calc_row(
                "Intake: people starting this year",
                "people",
                lambda t, c, r, _ref=ref: Formula(
                    f"=IF(AND({c}{yr}>={_ref('intake_start')},{c}{yr}<={_ref('intake_end')}),{_ref('cohort')},0)"
                ),
                item=oc.id,
                style="calc_num",
            )
            profile_row = self.calc_row(
                "Persistence profile: share of the effect left, by years since intake (the column's year index)",
                "fraction",
                lambda t, c, r, _ref=ref: Formula(
                    f"=IF(AND({c}{yr}>={_ref('lag')},{c}{yr}<{_ref('lag')}+{_ref('persistence')}),"
                    f"(1-{_ref('drop_off')})^({c}{yr}-{_ref('lag')}),0)"
                ),
                item=oc.id,
                style="calc_rate",
            )

            def gross(t: int, c: str, r: int, _ref=ref, _i=intake_row + 1, _p=profile_row + 1) -> str:
                terms = "+".join(
                    f"{col_letters(self.ycol(k))}{_i}*{col_letters(self.ycol(t - k))}{_p}"
                    for k in range(t + 1)
                )
                return Formula(f"={_ref('baseline_rate')}*{_ref('effect')}*({terms})")

            gross_row = self.calc_row(
                "Gross events: baseline rate × effect × Σ intake(s) × profile(t - s)",
                "events",
                gross,
                item=oc.id,
                style="calc_num",
            )
            add_ref = s.ref(add_row, C_CONST)
            net_row = self.calc_row(
                "Net events after additionality",
                "events",
                lambda t, c, r, _g=gross_row + 1, _a=add_ref: Formula(f"={c}{_g}*{_a}"),
                item=oc.id,
                style="calc_num",
                total=True,
            )
            self.event_rows.append(net_row)
            release_row = self.calc_row(
                "Cashable yet? (year ≥ first intake + lag + cashable delay)",
                "flag",
                lambda t, c, r, _ref=ref: Formula(
                    f"=IF({c}{yr}>={_ref('intake_start')}+{_ref('lag')}+{_ref('cashable_delay')},1,0)"
                ),
                item=oc.id,
                style="calc_int",
            )
            cash_row = self.calc_row(
                "Cashable events: net events × cashable share × cashable yet",
                "events",
                lambda t, c, r, _n=net_row + 1, _rel=release_row + 1, _ref=ref: Formula(
                    f"={c}{_n}*{_ref('cashable_share')}*{c}{_rel}"
                ),
                item=oc.id,
                style="calc_num",
            )
            for agency_id in agencies:
                parts = [
                    f"{I.ref(use_row, I_VALUE)}*{converted[(uc_id, agency_id)]}"
                    + (f"*{ob}" if (ob := self.ob_factor.get(f"outcomes.{oc.id}.unit_costs.{uc_id}")) else "")
                    for uc_id, use_row in self.outcome_uses[o]
                    if (uc_id, agency_id) in converted
                ]
                if not parts:
                    continue
                uc_row = self.calc_row(
                    "Cost per event borne: Σ units per event × unit cost",
                    "£ per event",
                    None,
                    agency=agency_id,
                    item=oc.id,
                    const=Formula("=" + "+".join(parts)),
                    const_style="calc_money",
                )
                events = {"savings": net_row, "cashable": cash_row}
                saving_specs.append((o, agency_id, events, s.ref(uc_row, C_CONST)))

        # ---- plain savings lines: conversion factors, and the year each starts releasing cash
        plain: list[tuple[Any, dict[str, int], str | Callable[[str], str], int]] = []
        if any(sl.saved_by is not None for sl in p.savings):
            self.section(s, "Plain savings lines: price conversion and cash release")
            for i, sl in enumerate(p.savings):
                if sl.saved_by is None:  # beyond public budgets: valued in the layer section
                    continue
                rows = self.saving_rows[i]
                factor = self._with_optimism(self._factor_cell(sl, rows), f"savings.{sl.id}")
                start, delay = I.ref(rows["start"], I_VALUE), I.ref(rows["cashable_delay"], I_VALUE)
                release = self.calc_row(
                    f"{sl.label}: cashable yet? (year ≥ first year + delay)",
                    "flag",
                    lambda t, c, r, _s=start, _d=delay: Formula(f"=IF({c}{yr}>={_s}+{_d},1,0)"),
                    item=sl.id,
                    style="calc_int",
                )
                plain.append((sl, rows, factor, release))

        names = {a.id: a.name for a in sc.agencies}
        flow_rows = {"costs": cost_flow_rows}
        for key, what, events_label in (
            ("savings", "savings", "net events"),
            ("cashable", "cashable savings", "cashable events"),
        ):
            self.section(
                s, f"{what.capitalize()} by outcome and budget holder: {events_label} × cost per event"
            )
            flow_rows[key] = [
                self.money_row(
                    f"{p.outcomes[o].label}: {what}, {names[agency_id]}",
                    lambda t, c, r, _n=events[key] + 1, _u=uc_ref: Formula(f"={c}{_n}*{_u}"),
                    agency=agency_id,
                    item=p.outcomes[o].id,
                )
                for o, agency_id, events, uc_ref in saving_specs
            ]
            for sl, rows, factor, release in plain:  # in the same block, so SUMIF by agency adds them
                flow = self._cost_flow(sl.kind, rows, factor=factor)
                share = I.ref(rows["cashable_share"], I_VALUE)
                if key == "savings":
                    formula = flow
                else:

                    def formula(t: int, c: str, r: int, _f=flow, _sh=share, _rel=release + 1) -> str:
                        return Formula(f"=({_f(t, c, r)[1:]})*{_sh}*{c}{_rel}")

                assert sl.saved_by is not None
                flow_rows[key].append(
                    self.money_row(
                        f"{sl.label}: {what}, {names[sl.saved_by]}",
                        formula,
                        agency=sl.saved_by,
                        item=sl.id,
                    )
                )

        self.section(s, "By budget holder (signed: for a cut the flows are reversed)")

        def sumif(block: list[int], agency_row: int) -> Any:
            if not block:
                return lambda t, c, r: Formula(f"=0*{self.sign_ref}")
            lo, hi = min(block) + 1, max(block) + 1

            def f(t: int, c: str, r: int) -> str:
                return Formula(f"={self.sign_ref}*SUMIF($C${lo}:$C${hi},$C{agency_row + 1},{c}{lo}:{c}{hi})")

            return f

        self.agency_rows: dict[str, dict[str, int]] = {}
        for agency in sc.agencies:
            s.put(s.row, 0, agency.name, "subsection")
            s.row += 1
            rows_a: dict[str, int] = {}
            for key, label in (
                ("costs", "Prevention costs"),
                ("savings", "Savings (after additionality)"),
                ("cashable", "Cashable savings"),
            ):
                rows_a[key] = self.money_row(
                    f"{agency.name}: {label}",
                    sumif(flow_rows[key], s.row),
                    agency=agency.id,
                    item=key,
                )
            rows_a["net"] = self.money_row(
                f"{agency.name}: net position (savings − costs)",
                lambda t, c, r, _a=rows_a: Formula(f"={c}{_a['savings'] + 1}-{c}{_a['costs'] + 1}"),
                agency=agency.id,
                item="net",
            )
            self.agency_rows[agency.id] = rows_a

        self.section(s, "Public sector totals")
        self.total_rows: dict[str, int] = {}
        for key, label in (
            ("costs", "Total prevention costs"),
            ("savings", "Total savings"),
            ("cashable", "Total cashable savings"),
            ("net", "Total net position (savings − costs)"),
        ):
            refs = [self.agency_rows[a.id][key] + 1 for a in sc.agencies]
            self.total_rows[key] = self.money_row(
                label,
                lambda t, c, r, _refs=refs: Formula("=" + "+".join(f"{c}{x}" for x in _refs)),
                item=key,
            )
        net = self.total_rows["net"] + 1
        self.total_rows["discounted_net"] = self.calc_row(
            "Discounted net position",
            "£",
            lambda t, c, r: Formula(f"={c}{net}*{c}${self.df_row + 1}"),
            total=True,
        )
        self.total_rows["cumulative_net"] = self.calc_row(
            "Cumulative net position (undiscounted)",
            "£",
            lambda t, c, r: (
                Formula(f"={c}{net}") if t == 0 else Formula(f"={col_letters(self.ycol(t - 1))}{r}+{c}{net}")
            ),
        )
        costs, cash = self.total_rows["costs"] + 1, self.total_rows["cashable"] + 1
        self.total_rows["funding"] = self.calc_row(
            "Dual-running funding requirement (costs − cashable savings)",
            "£",
            lambda t, c, r: Formula(f"={c}{costs}-{c}{cash}"),
            total=True,
        )
        fund = self.total_rows["funding"] + 1
        self.total_rows["cumulative_funding"] = self.calc_row(
            "Cumulative funding requirement",
            "£",
            lambda t, c, r: (
                Formula(f"={c}{fund}")
                if t == 0
                else Formula(f"={col_letters(self.ycol(t - 1))}{r}+{c}{fund}")
            ),
        )
        self._layer_calculations()
        s.widths = {0: 70, 1: 16, 2: 24, 3: 22, 4: 14, 5: 18, 6: 16}
        s.freeze = (self.fy_row + 2, 1)

    def _layer_calculations(self) -> None:
        """Economic and social value by outcome and year (signed), and their totals with present values:
        the economic and money-valued social parts at the standard discount factors, the WELLBY/QALY part
        at the health discount factors."""
        s, I, p, sc = self.calc, self.inputs, self.p, self.sc  # noqa: E741
        self.layer_totals: dict[str, int] = {}
        wider_lines = [(i, sl) for i, sl in enumerate(p.savings) if sl.saved_by is None]
        if not self.layer_rows and not wider_lines:
            return
        self.section(s, "Value beyond public budgets (economic and social layers), signed as the flows")
        blocks: dict[str, list[int]] = {"economic": [], "social": [], "wellbeing": []}
        for o, oc in enumerate(p.outcomes):
            for layer in ("economic", "social", "wellbeing"):
                parts = []
                for uc_id, use_row in self.outcome_uses[o]:
                    row = self.layer_rows.get(uc_id, {}).get(layer)
                    if row is None:
                        continue
                    # the use's optimism-bias multiplier, as on its fiscal cost per event (benefits down)
                    ob = self.ob_factor.get(f"outcomes.{oc.id}.unit_costs.{uc_id}")
                    ob_text = f"*{ob}" if ob else ""
                    if layer == "wellbeing":
                        wb = sc.unit_costs[uc_id].wellbeing
                        assert wb is not None
                        m = self.measure_rows[wb.measure]
                        parts.append(
                            f"{I.ref(use_row, I_VALUE)}*{I.ref(row, I_VALUE)}*{I.ref(m, I_VALUE)}"
                            f"*{self._deflate(I.ref(m, I_YEAR))}{ob_text}"
                        )
                    else:
                        parts.append(
                            f"{I.ref(use_row, I_VALUE)}*{I.ref(row, I_VALUE)}"
                            f"*{self._deflate(I.ref(row, I_YEAR))}{ob_text}"
                        )
                if not parts:
                    continue
                what = {"economic": "Economic value", "social": "Social value (money)",
                        "wellbeing": "Wellbeing value (WELLBY/QALY)"}[layer]
                per = self.calc_row(
                    f"{oc.label}: {what.lower()} per event",
                    "£ per event",
                    None,
                    item=oc.id,
                    const=Formula("=" + "+".join(parts)),
                    const_style="calc_money",
                )
                per_ref = s.ref(per, C_CONST)
                events = self.event_rows[o] + 1
                blocks[layer].append(
                    self.calc_row(
                        f"{oc.label}: {what.lower()} (net events × value per event)",
                        "£",
                        lambda t, c, r, _n=events, _u=per_ref: Formula(f"={self.sign_ref}*{c}{_n}*{_u}"),
                        item=oc.id,
                        total=True,
                        pv=layer != "wellbeing",
                    )
                )

        for i, sl in wider_lines:  # savings lines beyond public budgets: amount x profile, signed
            rows = self.saving_rows[i]
            factor = self._with_optimism(self._factor_cell(sl, rows), f"savings.{sl.id}")
            flow = self._cost_flow(sl.kind, rows, factor=factor)
            blocks["economic" if sl.layer == "economic" else "social"].append(
                self.money_row(
                    f"{sl.label}: {sl.layer} value (a savings line beyond public budgets)",
                    lambda t, c, r, _f=flow: Formula(f"={self.sign_ref}*({_f(t, c, r)[1:]})"),
                    item=sl.id,
                )
            )

        def total(label: str, block: list[int], health: bool = False) -> int:
            refs = [x + 1 for x in block]
            row = self.calc_row(
                label,
                "£",
                lambda t, c, r: Formula("=" + ("+".join(f"{c}{x}" for x in refs) if refs else "0")),
                total=True,
                pv=not health,
            )
            if health:
                assert self.health_df_row is not None
                s.put(
                    row,
                    C_PV,
                    Formula(
                        f"=SUMPRODUCT({self.span(s, row, absolute_row=False)},{self.span(s, self.health_df_row)})"
                    ),
                    "calc_money",
                )
            return row

        self.layer_totals["economic"] = total("Total economic value", blocks["economic"])
        self.layer_totals["social_money"] = total("Total social value valued in money", blocks["social"])
        self.layer_totals["wellbeing"] = total(
            "Total wellbeing value (WELLBY/QALY; present value at the health rate)",
            blocks["wellbeing"],
            health=self.health_df_row is not None,
        )

    # ---- Outputs ------------------------------------------------------------------------------

    def build_outputs(self) -> None:
        r, sc = self.r, self.sc
        s = self.outputs
        C = self.calc
        self.title(
            s,
            f"{r.test_name[4].upper()}{r.test_name[5:]}: {self.p.title}",
            f"£, real terms in {fy_label(r.structure.price_base_year)} prices; present values discounted at the "
            f"{sc.schedule.label}; year 0 ({fy_label(r.years[0])}) undiscounted.",
        )
        s.headers(
            HEADER_ROW,
            [
                "Budget holder",
                "Unit",
                "PV firm-budget years",
                "PV years beyond",
                "Net present value",
                "Position",
                "",
            ],
        )
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            s.put(HEADER_ROW, self.ycol(t), Formula(f"={CALC}!{c}{self.fy_row + 2}"), "header_year")
        s.row = HEADER_ROW + 1
        s.put(s.row, 0, "Budget period", "bold")
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            s.put(
                s.row,
                self.ycol(t),
                Formula(f'=IF({CALC}!{c}${self.firm_flag_row + 1}=1,"firm budget","beyond")'),
                "period",
            )
        s.row += 1
        self.section(s, "Net position by budget holder and year (savings − costs), £ real terms")
        df_span = self.span(C, self.df_row, local=False)
        firm_span = self.span(C, self.firm_flag_row, local=False)
        table_rows = []
        for a in sc.agencies:
            row = s.row
            s.put(row, 0, a.name)
            s.put(row, 1, "£", "unit")
            net = self.agency_rows[a.id]["net"] + 1
            for t in range(self.T):
                c = col_letters(self.ycol(t))
                s.put(row, self.ycol(t), Formula(f"={CALC}!{c}{net}"), "calc_money")
            own = self.span(s, row, absolute_row=False)
            s.put(row, 2, Formula(f"=SUMPRODUCT({own},{df_span},{firm_span})"), "calc_money")
            s.put(row, 3, Formula(f"=E{row + 1}-C{row + 1}"), "calc_money")
            s.put(row, 4, Formula(f"=SUMPRODUCT({own},{df_span})"), "out_money")
            s.put(
                row,
                5,
                Formula(
                    f'=IF(ROUND(E{row + 1},2)>0,"better off",IF(ROUND(E{row + 1},2)<0,"worse off","no change"))'
                ),
                "bold",
            )
            table_rows.append(row)
            s.row += 1
        lo, hi = table_rows[0] + 1, table_rows[-1] + 1
        self.total_out_row = s.row
        s.put(s.row, 0, "Total public sector", "total_label")
        s.put(s.row, 1, "£", "unit")
        for col in [2, 3, 4] + [self.ycol(t) for t in range(self.T)]:
            c = col_letters(col)
            s.put(s.row, col, Formula(f"=SUM({c}{lo}:{c}{hi})"), "total_money")
        s.put(
            s.row,
            5,
            Formula(f'=IF(ROUND(E{s.row + 1},2)>=0,"passes","fails")'),
            "total_label",
        )
        s.row += 1
        tot = self.total_out_row + 1

        self.section(s, "Headline figures")
        T = self.total_rows
        pv = {k: C.ref(v, C_PV) for k, v in T.items() if k in {"costs", "savings", "cashable", "net"}}
        sign = self.sign_ref
        self.headline: dict[str, int] = {}

        def line(key: str, label: str, formula: str, unit: str, style: str = "out_money") -> None:
            s.put(s.row, 0, label)
            s.put(s.row, 1, unit, "unit")
            s.put(s.row, 4, formula, style)
            self.headline[key] = s.row
            s.row += 1

        line("pv_costs", "Present value of prevention costs", Formula(f"={pv['costs']}"), "£")
        line(
            "pv_savings", "Present value of savings (after additionality)", Formula(f"={pv['savings']}"), "£"
        )
        line("pv_cashable", "  of which cashable", Formula(f"={pv['cashable']}"), "£")
        line(
            "pv_non_cashable",
            "  of which freed capacity (non-cashable: frees capacity, releases no cash)",
            Formula(f"={pv['savings']}-{pv['cashable']}"),
            "£",
        )
        line("npv", "Net present value (NPV)", Formula(f"={pv['savings']}-{pv['costs']}"), "£")
        line("npv_firm", "  NPV in the firm-budget years", Formula(f"=C{tot}"), "£")
        line("npv_beyond", "  NPV in the years beyond", Formula(f"=D{tot}"), "£")
        line(
            "bcr",
            "Fiscal return on investment (new spending: PV savings to public budgets / PV costs; none for a "
            "cut: it would invert the meaning); not a benefit-cost ratio",
            # "n/a" where the engine has no ratio: a denominator within half a penny of zero, or a cut
            Formula(
                f'=IF({sign}>0,IF({pv["costs"]}>{MONEY_TOLERANCE},{pv["savings"]}/{pv["costs"]},"n/a"),"n/a")'
            ),
            "ratio",
            "out_ratio",
        )
        line(
            "net_return_per_pound",
            "Net return per £1 spent (new spending only)",
            Formula(
                f'=IF({sign}>0,IF({pv["costs"]}>{MONEY_TOLERANCE},E{self.headline["npv"] + 1}/{pv["costs"]},"n/a"),"n/a")'
            ),
            "£ per £",
            "out_ratio",
        )
        if r.cut is not None:  # a cut told straight: money released, closure costs, costs shunted
            released = self._cut_pv(cost_rows=True, closure=False)
            closure = self._cut_pv(cost_rows=False, closure=True)
            line("money_released", "A cut: PV money released (the budget it stops spending)", Formula(released), "£")
            line("closure_costs", "A cut: PV closure costs (redundancy, contract exit, buildings)", Formula(closure), "£")
            line("costs_shunted", "A cut: PV costs shunted onto other budget holders", Formula(f"=-{pv['savings']}"), "£")
            line(
                "shunted_per_pound_released",
                "A cut: costs shunted per £1 released (PV costs shunted ÷ PV money released)",
                Formula(
                    f'=IF(E{self.headline["money_released"] + 1}>{MONEY_TOLERANCE},'
                    f'E{self.headline["costs_shunted"] + 1}/E{self.headline["money_released"] + 1},"n/a")'
                ),
                "£ per £",
                "out_ratio",
            )
        cf = self.span(C, self.total_rows["cumulative_funding"], local=False)
        line(
            "peak_funding",
            "Peak dual-running funding requirement",
            Formula(f"=MAX(0,MAX({cf}))"),
            "£",
        )
        if r.committed is not None:
            line(
                "committed",
                "Committed beyond the horizon: PV of savings (less costs) after the horizon from intakes within "
                "it (computed by costmodel, not a formula; "
                + ("counted in the verdict)" if r.counts_committed else "not counted in the verdict)"),
                Formula(f"={r.committed.pv_net!r}"),
                "£",
            )
        self._layer_outputs(line, pv)
        self._unadjusted_outputs(line)
        s.put(
            s.row, 0, "Verdict (text as computed by costmodel for these inputs; the figures above recompute)"
        )
        s.row += 1
        s.put(s.row, 0, r.verdict, "verdict")
        s.row += 1
        s.put(
            s.row,
            0,
            risk_adjustment_note(r)
            + (
                " Set the optimism-bias switch on the Inputs sheet to 0 to recompute every figure before it."
                if r.corrections
                else ""
            ),
            "note",
        )
        s.row += 1
        s.put(s.row, 0, "Not counted (impacts the file lists as unmonetised, and the standard exclusions)", "bold")
        s.row += 1
        for item in not_counted(r):
            s.put(s.row, 0, item, "note")
            s.row += 1

        self.section(s, "Reconciling with Excel's NPV()")
        s.put(
            s.row,
            0,
            "Year 0 is undiscounted (Green Book): check with =B + NPV(rate, C:K), not NPV(rate, B:K). "
            "Excel's NPV() discounts its first value by one year.",
            "note",
        )
        s.row += 1
        first_c, second_c, last_c = (col_letters(self.ycol(t)) for t in (0, min(1, self.T - 1), self.T - 1))
        rate_ref = f"{CALC}!{second_c}{self.rate_row + 1}"
        if self.T > 1:
            check = Formula(f"={first_c}{tot}+NPV({rate_ref},{second_c}{tot}:{last_c}{tot})")
        else:
            check = Formula(f"={first_c}{tot}")
        if self.p.appraisal.discount_origin != r.years[0]:  # year 0 is itself discounted to the discount year
            check = Formula(f"={CALC}!{first_c}{self.df_row + 1}*({check[1:]})")
        s.put(
            s.row,
            0,
            f"Check: {first_c}{tot} + NPV(rate, {second_c}{tot}:{last_c}{tot}): year 0 plus Excel's NPV() of years 1 to {self.T - 1}",
        )
        s.put(s.row, 1, "£", "unit")
        s.put(s.row, 4, check, "out_money")
        self.check_row = s.row
        s.row += 1
        s.put(s.row, 0, "Difference from the NPV above (0.00 when the rate is constant over the horizon)")
        s.put(s.row, 1, "£", "unit")
        s.put(s.row, 4, Formula(f"=E{self.check_row + 1}-E{self.headline['npv'] + 1}"), "out_money")
        self.check_diff_row = s.row
        s.row += 1
        constant = len({float(x) for x in r.params.rates[1:]}) <= 1
        if not constant:
            s.put(
                s.row,
                0,
                "The discount rate changes within the horizon, so a single-rate NPV() differs: use the discount "
                "factors on the Calculations sheet.",
                "note",
            )
            s.row += 1
        s.widths = {0: 52, 1: 8, 2: 18, 3: 16, 4: 18, 5: 12, 6: 2}
        s.freeze = (HEADER_ROW + 2, 1)

    def _layer_outputs(self, line: Callable[..., None], pv: dict[str, str]) -> None:
        """The economic and social layers, the net present public value and the benefit-cost ratio
        (public value), as live formulas of the Calculations sheet (0 where no layer value is given)."""
        s, C, sign = self.outputs, self.calc, self.sign_ref
        self.section(s, "Value beyond public budgets (not in the Ten Year Test verdict)")
        totals = getattr(self, "layer_totals", {})
        economic = C.ref(totals["economic"], C_PV) if "economic" in totals else "0"
        social = (
            f"{C.ref(totals['social_money'], C_PV)}+{C.ref(totals['wellbeing'], C_PV)}"
            if "social_money" in totals
            else "0"
        )
        line("pv_economic", "PV economic value (output and earnings beyond public budgets)", Formula(f"={economic}"), "£")
        line(
            "pv_social",
            "PV social value (harm avoided, wellbeing; WELLBY/QALY values at the health rate)",
            Formula(f"={social}"),
            "£",
        )
        econ_cell = f"E{self.headline['pv_economic'] + 1}"
        social_cell = f"E{self.headline['pv_social'] + 1}"
        npv_cell = f"E{self.headline['npv'] + 1}"
        line(
            "npv_public_value",
            "Net present public value (fiscal NPV + economic + social)",
            Formula(f"={npv_cell}+{econ_cell}+{social_cell}"),
            "£",
        )
        line(
            "bcr_public_value",
            "Benefit-cost ratio (public value: PV benefits of all layers / PV costs to the public sector)",
            Formula(
                f'=IF({sign}>0,IF({pv["costs"]}>{MONEY_TOLERANCE},'
                f'({pv["savings"]}+{econ_cell}+{social_cell})/{pv["costs"]},"n/a"),"n/a")'
            ),
            "ratio",
            "out_ratio",
        )
        if self.r.cut is not None:  # a cut's value lost: the layers carry the cut's sign (negative = lost)
            line("economic_value_lost", "A cut: PV economic value lost (output, earnings)", Formula(f"=-{econ_cell}"), "£")
            line(
                "social_value_lost",
                "A cut: PV social value lost (harm, wellbeing at the health rate)",
                Formula(f"=-{social_cell}"),
                "£",
            )
            e, so = (self.headline[k] + 1 for k in ("economic_value_lost", "social_value_lost"))
            line(
                "value_lost",
                "A cut: PV value lost outside public budgets (economic + social; the net present public value "
                "above is the fiscal NPV less this)",
                Formula(f"=E{e}+E{so}"),
                "£",
            )
            if abs(self.r.cut.pv_lost_social) <= MONEY_TOLERANCE:
                s.put(
                    s.row,
                    0,
                    "No social value is counted (the file values none), so the fiscal net present value is a "
                    "lower bound on the harm.",
                    "note",
                )
                s.row += 1

    def _unadjusted_outputs(self, line: Callable[..., None]) -> None:
        """Every layer before optimism bias, beside the risk-adjusted figures above (computed by costmodel,
        not formulas: the optimism-bias switch on the Inputs sheet recomputes the live figures instead)."""
        u = self.r.unadjusted
        if u is None:
            return
        self.section(
            self.outputs,
            "Before optimism bias, for comparison (computed by costmodel for these inputs, not formulas; set the "
            "optimism-bias switch on the Inputs sheet to 0 to recompute the live figures above on that basis)",
        )
        L = u.value_layers
        for key, label, value in (
            ("unadjusted_npv", "Net present value (fiscal) before optimism bias", u.npv),
            ("unadjusted_pv_economic", "PV economic value before optimism bias", L.economic.pv_benefits),
            ("unadjusted_pv_social", "PV social value before optimism bias", L.social.pv_benefits),
            ("unadjusted_npv_public_value", "Net present public value before optimism bias", L.net_present_public_value),
        ):
            line(key, label, Formula(f"={float(value) + 0.0!r}"), "£")

    def outputs_under_the_agreement(self, sheet: PoolingSheet) -> None:
        """A pooled proposal says so on the Outputs sheet: each budget holder's NPV under the agreement,
        live from the Pooling sheet (the table above is before the agreement)."""
        s = self.outputs
        pool = self.p.pool
        s.row += 1
        what = f"the pooled agreement ({pool.name})" if pool is not None else "the responsibility charges"
        s.put(s.row, 0, f"Pooled: net present value under {what}", "section")
        s.row += 1
        s.put(
            s.row,
            0,
            "The Ten Year Test table above is before the agreement. The agreement moves cash only (cashable "
            "savings, cash contributions, the change in charges; non-cashable savings stay where they fall): "
            "see the Pooling sheet for its workings and the payment schedule by year.",
            "note",
        )
        s.row += 1
        for a in self.sc.agencies:
            s.put(s.row, 0, f"{a.name}: NPV under the agreement")
            s.put(s.row, 1, "£", "unit")
            s.put(s.row, 4, Formula(f"={POOLING}!{cell_name(sheet.net_rows[a.id], 6)}"), "out_money")
            s.row += 1
        s.put(s.row, 0, "Total public sector: NPV under the agreement (the same as without it)", "bold")
        s.put(s.row, 1, "£", "unit")
        s.put(s.row, 4, Formula(f"={POOLING}!{cell_name(sheet.total_net_row, 6)}"), "out_money")
        s.row += 1

    # ---- Cash ---------------------------------------------------------------------------------

    def build_cash(self) -> None:
        """The medium-term financial table: cash (nominal, undiscounted) = real × D[year] / D[base]."""
        sc, r = self.sc, self.r
        s = self.cash
        self.title(
            s,
            "Cash view: the medium-term financial table (cash, nominal, undiscounted)",
            f"Cash = real ({fy_label(r.structure.price_base_year)} prices, Calculations sheet) × D[year] / "
            f"D[price base]. Deflator: {sc.deflator.describe()}. Not discounted: the appraisal stays real and "
            "discounted (Outputs sheet).",
        )
        s.headers(HEADER_ROW, ["Budget holder / line", "Unit", "", "", "", "Total (cash)", ""])
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            s.put(HEADER_ROW, self.ycol(t), Formula(f"={CALC}!{c}{self.fy_row + 2}"), "header_year")
        s.row = HEADER_ROW + 1
        self.cash_factor_row = s.row
        s.put(s.row, 0, "Real-to-cash factor D[year] / D[price base]", "bold")
        s.put(s.row, 1, "ratio", "unit")
        for t in range(self.T):
            c = col_letters(self.ycol(t))
            s.put(s.row, self.ycol(t), Formula(f"=1/{CALC}!{c}{self.to_real_row + 1}"), "calc_ratio")
        s.row += 1

        def put_row(label: str, formula: YearFormula, total: bool = True, style: str = "calc_money") -> int:
            row = s.row
            s.put(row, 0, label)
            s.put(row, 1, "£ cash", "unit")
            for t in range(self.T):
                s.put(row, self.ycol(t), formula(t, col_letters(self.ycol(t)), row + 1), style)
            if total:
                s.put(row, C_TOTAL, Formula(f"=SUM({self.span(s, row, absolute_row=False)})"), "calc_money")
            s.row += 1
            return row

        k = self.cash_factor_row + 1
        self.cash_rows: dict[str, dict[str, int]] = {}
        blocks = [(a.name, self.agency_rows[a.id]) for a in sc.agencies] + [
            ("Total public sector", self.total_rows)
        ]
        for name, rows in blocks:
            self.section(s, name)
            out: dict[str, int] = {}
            for key, label, calc in (
                ("costs", "prevention costs", lambda c, _r=rows: f"{CALC}!{c}{_r['costs'] + 1}"),
                ("cashable", "cashable savings", lambda c, _r=rows: f"{CALC}!{c}{_r['cashable'] + 1}"),
                (
                    "non_cashable",
                    "non-cashable savings (capacity, not cash)",
                    lambda c, _r=rows: f"({CALC}!{c}{_r['savings'] + 1}-{CALC}!{c}{_r['cashable'] + 1})",
                ),
            ):
                out[key] = put_row(
                    f"{name}: {label}", lambda t, c, r, _calc=calc: Formula(f"={_calc(c)}*{c}${k}")
                )
            out["net"] = put_row(
                f"{name}: net cash position (cashable savings − costs)",
                lambda t, c, r, _o=out: Formula(f"={c}{_o['cashable'] + 1}-{c}{_o['costs'] + 1}"),
            )
            out["cumulative"] = put_row(
                f"{name}: cumulative net cash",
                lambda t, c, r, _o=out: Formula(
                    f"={c}{_o['net'] + 1}"
                    if t == 0
                    else f"={col_letters(self.ycol(t - 1))}{r}+{c}{_o['net'] + 1}"
                ),
                total=False,
            )
            self.cash_rows[name] = out
        tot = self.cash_rows["Total public sector"]
        s.row += 1
        s.put(s.row, 0, "Peak dual-running funding requirement, cash (max of −cumulative net cash)", "bold")
        s.put(s.row, 1, "£ cash", "unit")
        s.put(
            s.row,
            C_TOTAL,
            Formula(f"=MAX(0,-MIN({self.span(s, tot['cumulative'], local=True)}))"),
            "out_money",
        )
        self.cash_peak_row = s.row
        s.row += 1
        s.put(
            s.row,
            0,
            "Non-cashable savings free capacity: shown, never counted as cash. Figures recompute from the Inputs sheet.",
            "note",
        )
        s.row += 1
        s.widths = {0: 62, 1: 10, 2: 2, 3: 2, 4: 2, 5: 16, 6: 2}
        s.freeze = (HEADER_ROW + 1, 1)

    # ---- Provenance ---------------------------------------------------------------------------

    def build_provenance(self) -> None:
        sc, r = self.sc, self.r
        s = self.prov
        self.title(
            s, "Provenance", "Where every figure comes from, and exactly which inputs produced this workbook."
        )
        s.row = HEADER_ROW
        meta = [
            ("costmodel version", __version__),
            ("inputs_sha256", sc.inputs_sha256),
            ("Proposal file", sc.path),
            ("Unit-cost library", sc.library_path or "none"),
            ("Proposal", f"{self.p.id}: {self.p.title}"),
            ("Area", self.p.area),
            ("Discount schedule", f"{sc.schedule.id}: {sc.schedule.label} (source {sc.schedule.source})"),
            (
                "Discount bands",
                "; ".join(f"from year {b.from_year}: {b.rate:.4%}" for b in sc.schedule.bands),
            ),
            ("Deflator", f"{sc.deflator.id}: {sc.deflator.label} (source {sc.deflator.source})"),
            ("Deflator vintage", sc.deflator.describe()),
            ("Deflator release date", sc.deflator.release_date or "not stated"),
            ("Discount year", fy_label(self.p.appraisal.discount_origin)),
            ("Price base year", fy_label(r.structure.price_base_year)),
        ]
        for k, v in meta:
            s.put(s.row, 0, k, "bold")
            s.put(s.row, 1, v)
            s.row += 1
        for k, v in CONVENTIONS.items():
            s.put(s.row, 0, f"Convention: {k}", "bold")
            s.put(s.row, 1, v)
            s.row += 1
        for note in r.notes:
            s.put(s.row, 0, "Note", "bold")
            s.put(s.row, 1, note)
            s.row += 1

        self.section(s, "Sources")
        s.headers(s.row, ["Source id", "Title", "Publisher", "Year", "Link", "Grade", "Licence", "Note"])
        s.row += 1
        for sid, src in sc.sources.items():
            s.put(s.row, 0, sid)
            s.put(s.row, 1, src.title)
            s.put(s.row, 2, src.publisher)
            s.put(s.row, 3, src.year, "plain_int")
            s.put(s.row, 4, src.url, "link", url=src.url)
            s.put(s.row, 5, src.grade, "grade")
            if src.licence:
                s.put(s.row, 6, src.licence)
            if src.note:
                s.put(s.row, 7, src.note, "note")
            s.row += 1

        self.section(s, "Stated assumptions (no source: the reason is given)")
        s.headers(s.row, ["Where", "Value", "Reason"])
        s.row += 1
        for where, value, reason in self.assumptions:
            s.put(s.row, 0, where)
            s.put(s.row, 1, value)
            s.put(s.row, 2, reason, "note")
            s.row += 1

        self.section(s, "Correlations between ranged inputs (the Monte Carlo draws them together)")
        correlations = correlation_rows(sc)
        if correlations:
            s.headers(s.row, ["Inputs", "Rank correlation", "Source or stated assumption", "Grade", "Link", "", "",
                              "Note"])  # fmt: skip
            s.row += 1
            for c in correlations:
                s.put(s.row, 0, f"{c['kind']}: {c['inputs']}")
                s.put(s.row, 1, c["rank_correlation"], "calc_rate")
                s.put(s.row, 2, c["assumption"] or f"{c['source_title']}, {c['publisher']}, {c['source_year']}", "note")
                s.put(s.row, 3, c["grade"], "grade")
                if c["url"]:
                    s.put(s.row, 4, c["url"], "link", url=c["url"])
                if c["note"]:
                    s.put(s.row, 7, c["note"], "note")
                s.row += 1
        else:
            s.put(s.row, 0, "None declared: the Monte Carlo draws every ranged input independently.")
            s.row += 1

        self.section(s, "Grades")
        for g, meaning in GRADE_MEANINGS.items():
            s.put(s.row, 0, g, "grade")
            s.put(s.row, 1, meaning)
            s.row += 1
        s.widths = {0: 34, 1: 60, 2: 40, 3: 8, 4: 40, 5: 8, 6: 24, 7: 60}
        s.freeze = (HEADER_ROW, 1)

    def build(self) -> list[_Sheet]:
        self.build_inputs()
        self.build_calculations()
        self.build_outputs()
        self.build_cash()
        if self.pooling is not None:
            sheet = PoolingSheet(self, self.pooling)
            sheet.build()
            self.outputs_under_the_agreement(sheet)
        self.build_provenance()
        return self.sheets


@dataclass(frozen=True)
class _Prov:
    source: str | None
    assumption: str | None
    note: str | None


RELEASE_KEYS = frozenset({"release_shares", "release_ramp"})
"""Input rows of a cut line's release profile."""


def _input_style(unit: str) -> str:
    if unit.startswith("£"):
        return "input_money"
    if unit.startswith("fraction"):
        return "input_rate"
    if unit in {"years", "appraisal year"} or unit.startswith("financial year"):
        return "input_int"
    return "input_num"


def _fmt_value(value: Any, unit: str) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value} {unit}"


# ---------------------------------------------------------------------------------------------
# Writing (the in-memory workbook and its writer: :mod:`.sheets`)
# ---------------------------------------------------------------------------------------------


def workbook_bytes(result: TenYearTest, *, scenarios: bool = False) -> bytes:
    """The Excel workbook (.xlsx) of a Ten Year Test result, as bytes; ``scenarios`` adds a sheet with
    the file's named scenarios side by side (:func:`scenarios_sheet`).

    Every formula stores its value, computed by evaluating the formula itself, so the workbook shows
    the right figures in viewers that do not recalculate. Deterministic for a given result (fixed
    creation date).
    """
    import xlsxwriter

    sheets = _Builder(result).build()
    side_by_side = scenarios_sheet(result) if scenarios else None
    if side_by_side is not None:
        sheets = [*sheets, side_by_side]
    ev = _evaluate(sheets)
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties(
        {
            "title": f"Ten Year Test: {result.scenario.proposal.title}",
            "subject": "Ten Year Test appraisal",
            "author": f"costmodel {__version__}",
            "comments": f"inputs_sha256 {result.scenario.inputs_sha256}",
            "created": datetime.datetime(2000, 1, 1),
        }
    )
    wb.set_calc_mode("auto")
    write_sheets(wb, sheets, ev, active=OUTPUTS)
    wb.close()
    return buf.getvalue()


def add_sheets(wb: Any, result: TenYearTest) -> None:
    """Add the workbook's sheets (Inputs, Calculations, Outputs, Cash, Provenance) of ``result`` to an
    open XlsxWriter workbook ``wb`` (another export's, e.g. the batch workbook's total), with the same
    live formulas and cached values as :func:`workbook_bytes`; the first sheet stays the active one."""
    sheets = _Builder(result).build()
    write_sheets(wb, sheets, _evaluate(sheets))


SCENARIOS = "Scenarios"


def scenarios_sheet(result: TenYearTest) -> _Sheet | None:
    """The file's named scenarios side by side (None if it has none): each scenario's edits applied
    to this workbook's values and appraised by the engine. Values, not formulas: the other sheets hold
    the live formulas of this workbook's own values."""
    from dataclasses import replace

    from ..appraisal.chain import appraise
    from ..inputs.loading import edit_proposal, scenario_edits

    proposal = result.scenario.proposal
    if not proposal.scenarios:
        return None
    results = [result]
    for name in proposal.scenarios:
        edited = edit_proposal(proposal, scenario_edits(proposal, name))
        results.append(appraise(replace(result.scenario, proposal=edited, scenario_name=name)))
    sh = _Sheet(SCENARIOS)
    sh.widths = {0: 46, **{c: 20 for c in range(1, len(results) + 1)}}
    sh.put(0, 0, "Named scenarios side by side", "title")
    sh.put(1, 0, "Each scenario's edits applied to this workbook's values; figures from the engine (values, "
                 "not formulas). Real, discounted; the verdict is fiscal.", "note")  # fmt: skip
    sh.put(3, 0, "Measure", "header")
    sh.put(3, 1, "This workbook's values", "header")
    for j, name in enumerate(proposal.scenarios, start=2):
        sh.put(3, j, name, "header")
    rows = [
        ("PV prevention costs", lambda r: r.pv_costs, "calc_money"),
        ("PV savings", lambda r: r.pv_savings, "calc_money"),
        ("PV cashable savings", lambda r: r.pv_cashable, "calc_money"),
        ("Net present value", lambda r: r.npv, "out_money"),
        ("NPV, firm-budget years", lambda r: r.npv_firm, "calc_money"),
        ("NPV, years beyond", lambda r: r.npv_beyond, "calc_money"),
        ("Fiscal return on investment", lambda r: r.value_layers.fiscal_return_on_investment, "out_ratio"),
        ("Passes", lambda r: r.passes, "text"),
    ]
    for i, (label, get, style) in enumerate(rows, start=4):
        sh.put(i, 0, label, "bold" if style == "out_money" else "text")
        for j, r in enumerate(results, start=1):
            sh.put(i, j, get(r), style)
    row = 4 + len(rows) + 1
    sh.put(row, 0, "Edits", "section")
    row += 1
    for name, named in proposal.scenarios.items():
        sh.put(row, 0, f"{name}: {named.description or ''}".rstrip(": "), "subsection")
        row += 1
        for path, e in named.edits.items():
            sh.put(row, 0, path)
            sh.put(row, 1, e.value if isinstance(e.value, str) else float(e.value), "input_num")
            sh.put(row, 2, e.source or f"assumption: {e.assumption}", "note")
            row += 1
    return sh


def workbook_cells(result: TenYearTest) -> dict[str, dict[tuple[int, int], Any]]:
    """The workbook's cells as plain values and formula strings (for tests and debugging)."""
    sheets = _Builder(result).build()
    return {sh.name: {k: c.value for k, c in sh.cells.items()} for sh in sheets}
