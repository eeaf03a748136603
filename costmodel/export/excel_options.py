"""The options workbook's working: live formulas from every entry's yearly flows to its NPV against
business as usual (BAU) and the ranking (the Inputs, Calculations and Comparison sheets of
``costmodel options FILE -o w.xlsx``).

* **Inputs**: the appraisal settings every entry shares (first year, firm-budget years, years from the
  discount year to the first year), the real discount rate and the real-to-cash factor of each year, and
  each entry's yearly flows by proposal and budget holder: prevention costs, savings, cashable savings
  (real, in the price base year's prices, as costmodel's engine computes them: risk-adjusted when the
  central case is), a cut's money released, and the value beyond public budgets (economic; social valued
  in money; wellbeing in WELLBYs or QALYs, with the health discount rate). Blue on pale yellow: change one
  and the working recomputes. The savings a proposal commits beyond the horizon and counts in its verdict
  is costmodel's figure (a value, not a formula), as in the single-proposal workbook.
* **Calculations**: the discount factors (DF_0 = (1 + r_0)^-(first year - discount year);
  DF_t = DF_t-1 / (1 + r_t)), and at the health rate; each entry's flows by budget holder (its proposals
  added) and its value beyond public budgets, with their present values; then each entry minus BAU, year
  by year and budget holder by budget holder, with its present values (all years, and the firm-budget
  years), and the increment in cash (nominal).
* **Comparison**: a column per entry (as the Summary sheet): its own present values and NPV, the same
  against BAU, the NPV the verdict rests on, the verdict, the fiscal return on investment, the value
  layers, the net present public value and the benefit-cost ratio (public value), the rank by incremental
  NPV, the peak dual-running funding and the incremental NPV by budget holder.

Written with :mod:`.sheets`, as the single-proposal workbook (:mod:`.excel`): every formula stores the
value it computes, and text from files is always a text cell.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..appraisal.engine import MONEY_TOLERANCE
from ..formatting import fy_label
from .formula import Formula, cell_name
from .sheets import CALC_COLUMNS, HEADER_ROW, Sheet, calc_row, span, year_col, year_letters

if TYPE_CHECKING:
    from ..appraisal.options import OptionsAppraisal

INPUTS, CALC, COMPARISON = "Inputs", "Calculations", "Comparison"
SHEET_NAMES = (INPUTS, CALC, COMPARISON)

# column meanings on the Inputs sheet
I_LABEL, I_VALUE, I_UNIT, I_AGENCY, I_ENTRY, I_PROPOSAL, I_NOTE = range(7)
# column meanings on the Calculations sheet: the shared layout (:mod:`.sheets`), the present value in the
# firm-budget years in its column of the workbook's own
C_LABEL, C_UNIT, C_AGENCY, C_ENTRY, C_FIRM, C_TOTAL, C_PV = CALC_COLUMNS
# the first entry's column on the Comparison sheet (column B)
FIRST_ENTRY_COL = 1

FLOWS = (("costs", "prevention costs"), ("savings", "savings"), ("cashable", "cashable savings"))
"""The yearly flows of each proposal and budget holder on the Inputs sheet: engine field, words."""

LAYERS = (
    ("economic", "Economic value (beyond public budgets)"),
    ("social", "Social value valued in money"),
    ("wellbeing", "Social value in WELLBYs or QALYs (health rate)"),
)
"""The value beyond public budgets of each entry, by year (not by budget holder): key, words."""

# one year's cell of a Calculations row: (year index t, column letters) -> formula text without "="; loop
# values are bound as extra keyword defaults (lambda t, c, _row=row: ...), hence the "..."
YearText = Callable[..., str]


class _Working:
    """Builds the three sheets of one options appraisal."""

    def __init__(self, a: OptionsAppraisal):
        self.a = a
        self.T = len(a.years)
        self.first = next(r for e in a.entries for r in e.results)  # every proposal shares the basis
        self.inputs, self.calc, self.out = Sheet(INPUTS), Sheet(CALC), Sheet(COMPARISON)
        self.names = dict(zip(a.agency_ids, a.agency_names, strict=True))

    # ---- helpers ----------------------------------------------------------------------------------

    def timeline_headers(self, s: Sheet, labels: list[str]) -> None:
        s.headers(HEADER_ROW, labels)
        for t, year in enumerate(self.a.years):
            s.put(HEADER_ROW, year_col(t), fy_label(year), "header_year")

    def input_row(
        self,
        label: str,
        value: Any,
        unit: str,
        style: str,
        *,
        years: Any = None,
        agency: str | None = None,
        entry: str | None = None,
        proposal: str | None = None,
        note: str | None = None,
    ) -> int:
        """One input: a value in column B, or one value a year across the timeline."""
        s = self.inputs
        row = s.row
        s.put(row, I_LABEL, label)
        if value is not None:
            s.put(row, I_VALUE, float(value), style)
        s.put(row, I_UNIT, unit, "unit")
        for col, text in ((I_AGENCY, agency), (I_ENTRY, entry), (I_PROPOSAL, proposal)):
            if text is not None:
                s.put(row, col, text)
        if note:
            s.put(row, I_NOTE, note, "note")
        if years is not None:
            for t in range(self.T):
                s.put(row, year_col(t), float(years[t]) + 0.0, style)  # + 0.0: no negative zero
        s.row += 1
        return row

    def calc_row(
        self,
        label: str,
        unit: str,
        year_text: YearText,
        *,
        agency: str | None = None,
        entry: str | None = None,
        style: str = "calc_money",
        pv: bool = False,
        firm: bool = False,
        health: bool = False,
    ) -> int:
        """One Calculations row: ``year_text(t, column letters)`` is each year's formula (without '='); ``pv``
        adds its present value (and its total), ``firm`` its present value in the firm-budget years;
        ``health`` discounts at the health rate (WELLBY and QALY values) instead."""
        s = self.calc
        df_row = self.health_df_row if health else self.df_row
        row = calc_row(
            s,
            self.T,
            label,
            unit,
            lambda t: Formula("=" + year_text(t, year_letters(t))),
            agency=agency,
            item=entry,
            style=style,
            total=pv,
            df_row=df_row if pv else None,
        )
        if firm:
            own, df = span(s, row, self.T, absolute_row=False), span(s, df_row, self.T)
            flag = span(s, self.firm_row, self.T)
            s.put(row, C_FIRM, Formula(f"=SUMPRODUCT({own},{df},{flag})"), "calc_money")
        return row

    # ---- Inputs -----------------------------------------------------------------------------------

    def build_inputs(self) -> None:
        a, s, first = self.a, self.inputs, self.first
        s.put(0, 0, f"Inputs: {a.options.file.title}", "title")
        s.put(
            1,
            0,
            "The yearly flows every figure of the Calculations and Comparison sheets is worked out from, as costmodel's "
            "engine computes them from each proposal file. Input cells are blue on pale yellow: change one and the "
            "working recomputes.",
            "note",
        )
        self.timeline_headers(s, ["Input", "Value", "Unit", "Budget holder", "Entry", "Proposal", "Note"])
        s.row = HEADER_ROW + 1
        s.section("Appraisal settings (common to every entry)")
        self.first_year_row = self.input_row(
            "First appraisal year (year 0)", a.years[0], "financial year (2027 = 2027-28)", "input_year"
        )
        self.firm_input_row = self.input_row("Firm-budget years", a.firm_budget_years, "years", "input_int")
        self.offset_row = self.input_row(
            "Years from the discount year to the first year",
            first.structure.discount_offset,
            "years",
            "input_int",
            note=f"discount year {fy_label(a.options.discount_year)}: DF_0 = (1 + r_0)^-(this)",
        )
        self.rate_row = self.input_row(
            "Real discount rate",
            None,
            "fraction per year",
            "input_rate",
            years=first.params.rates,
            note=f"{first.scenario.schedule.label}; year 0's rate discounts only to the discount year",
        )
        self.cash_row = self.input_row(
            "Real-to-cash factor D[year] / D[price base]",
            None,
            "ratio",
            "input_index",
            years=first.structure.cash_factor,
            note=f"{first.scenario.deflator.describe()}; price base {fy_label(a.options.price_base_year)}",
        )
        health = next((r for e in a.entries for r in e.results if r.params.health_rates.size), None)
        self.health_rate_row: int | None = None
        if health is not None:
            self.health_rate_row = self.input_row(
                "Health discount rate (WELLBY and QALY values only)",
                None,
                "fraction per year",
                "input_rate",
                years=health.params.health_rates,
                note="Green Book health rate: discounts wellbeing valued in WELLBYs or QALYs",
            )
        adjusted = "risk-adjusted for optimism bias, " if a.risk_adjusted else ""
        s.section(
            f"Yearly flows by entry, proposal and budget holder (£, real, {fy_label(a.options.price_base_year)} "
            f"prices, {adjusted}undiscounted; a cut's flows are negative: money released, demand added)",
        )
        # (entry index, budget holder, flow) -> its Inputs rows (one per proposal holding it)
        self.flow_rows: dict[tuple[int, str, str], list[int]] = {}
        self.released_rows: dict[int, list[int]] = {}
        self.committed_rows: dict[int, list[int]] = {}
        # (entry index, layer) -> its Inputs rows: "economic", "social" (valued in money), "wellbeing"
        self.layer_rows: dict[tuple[int, str], list[int]] = {}
        for k, e in enumerate(a.entries):
            s.put(s.row, I_LABEL, e.name, "subsection")
            s.put(s.row, I_ENTRY, e.id)
            s.row += 1
            self.released_rows[k], self.committed_rows[k] = [], []
            if not e.results:
                s.put(s.row, I_LABEL, "Nothing changes: every flow is zero.", "note")
                s.row += 1
            for r in e.results:
                pid = r.scenario.proposal.id
                for i, agency in enumerate(r.scenario.agencies):
                    for key, words in FLOWS:
                        row = self.input_row(
                            f"{pid}: {agency.name}: {words}",
                            None,
                            "£",
                            "input_money",
                            years=getattr(r.flows, key)[:, i],
                            agency=agency.id,
                            entry=e.id,
                            proposal=pid,
                        )
                        self.flow_rows.setdefault((k, agency.id, key), []).append(row)
                if r.cut is not None:
                    self.released_rows[k].append(
                        self.input_row(
                            f"{pid}: money released by the cut, all budget holders (within its costs, negative there)",
                            None,
                            "£",
                            "input_money",
                            years=r.cut.released.sum(axis=1),
                            entry=e.id,
                            proposal=pid,
                        )
                    )
                layers = r.flows.layers
                if layers is not None:
                    for key, words, flow in (
                        ("economic", "economic value (output and earnings beyond public budgets)", layers.economic),
                        ("social", "social value valued in money (harm avoided)", layers.social - layers.wellbeing),
                        ("wellbeing", "social value in WELLBYs or QALYs (discounted at the health rate)",
                         layers.wellbeing),
                    ):  # fmt: skip
                        if key == "wellbeing" and self.health_rate_row is None:
                            continue  # no proposal values wellbeing: no health rate, nothing to discount
                        self.layer_rows.setdefault((k, key), []).append(
                            self.input_row(f"{pid}: {words}", None, "£", "input_money", years=flow, entry=e.id,
                                           proposal=pid)  # fmt: skip
                        )
                counted = r.committed.pv_net if r.committed is not None and r.counts_committed else 0.0
                self.committed_rows[k].append(
                    self.input_row(
                        f"{pid}: PV committed beyond the horizon, counted in the verdict",
                        counted,
                        "£",
                        "input_money",
                        entry=e.id,
                        proposal=pid,
                        note="costmodel's figure, not a formula: the savings less costs its intakes within the horizon "
                        "go on producing after it; 0 unless its file sets appraisal.count_committed",
                    )
                )
        s.widths = {0: 70, 1: 14, 2: 16, 3: 16, 4: 16, 5: 22, 6: 60}
        s.freeze = (HEADER_ROW + 1, 1)

    # ---- Calculations -----------------------------------------------------------------------------

    def build_calculations(self) -> None:
        a, s = self.a, self.calc
        s.put(0, 0, "Calculations: each entry's flows, discounted, and each entry minus BAU", "title")
        s.put(
            1,
            0,
            "Every cell here is a formula of the Inputs sheet. Money in £, real terms, price base year prices; "
            "discounting by the Green Book convention (year 0 undiscounted when it is the discount year).",
            "note",
        )
        self.timeline_headers(
            s,
            ["Calculation", "Unit", "Budget holder", "Entry", "PV, firm-budget years", "Total (undiscounted)",
             "Present value"],
        )  # fmt: skip
        s.row = HEADER_ROW + 1
        self.t_row = s.row
        s.put(s.row, C_LABEL, "Appraisal year (0 = first year)", "bold")
        s.put(s.row, C_UNIT, "year index", "unit")
        s.put(s.row, year_col(0), 0, "calc_int")
        for t in range(1, self.T):
            s.put(s.row, year_col(t), Formula(f"={year_letters(t - 1)}{s.row + 1}+1"), "calc_int")
        s.row += 1
        first_year = self.inputs.ref(self.first_year_row, I_VALUE)
        fy_row = s.row
        s.put(s.row, C_LABEL, "Financial year (starting)", "bold")
        for t in range(self.T):
            c = year_letters(t)
            s.put(s.row, year_col(t), Formula(f"={first_year}+{c}${self.t_row + 1}"), "calc_int")
        s.row += 1
        for t in range(self.T):  # the timeline's headers: each year's label, e.g. 2027-28
            c = year_letters(t)
            s.put(HEADER_ROW, year_col(t), Formula(f'={c}{fy_row + 1}&"-"&RIGHT({c}{fy_row + 1}+1,2)'), "header_year")
        firm = self.inputs.ref(self.firm_input_row, I_VALUE)
        self.df_row = -1  # set below; the flag and rate rows carry no present value
        self.firm_row = self.calc_row(
            "Firm-budget year? (1 = yes)", "flag", lambda t, c: f"IF({c}${self.t_row + 1}<{firm},1,0)", style="calc_int"
        )
        s.section("Discounting (Green Book: DF_t = DF_t-1 / (1 + r_t))")
        rate = self.calc_row("Real discount rate", "fraction per year", lambda t, c: f"{INPUTS}!{c}{self.rate_row + 1}",
                             style="calc_rate")  # fmt: skip
        offset = self.inputs.ref(self.offset_row, I_VALUE)

        def df(t: int, c: str) -> str:
            if t == 0:  # 1 when the discount year is the first year (year 0 is not discounted)
                return f"(1+{c}{rate + 1})^(-{offset})"
            return f"{year_letters(t - 1)}{s.row + 1}/(1+{c}{rate + 1})"

        self.df_row = s.row
        self.calc_row("Discount factor", "fraction", df, style="calc_df")
        self.health_df_row = self.df_row
        # the wellbeing rows only where a proposal values wellbeing (its health rate discounts them)
        self.layers = [(key, words) for key, words in LAYERS if key != "wellbeing" or self.health_rate_row is not None]
        if self.health_rate_row is not None:
            health_input = self.health_rate_row + 1
            health_rate = self.calc_row(
                "Health discount rate (WELLBY and QALY values only)",
                "fraction per year",
                lambda t, c: f"{INPUTS}!{c}{health_input}",
                style="calc_rate",
            )

            def health_df(t: int, c: str) -> str:
                if t == 0:
                    return f"(1+{c}{health_rate + 1})^(-{offset})"
                return f"{year_letters(t - 1)}{s.row + 1}/(1+{c}{health_rate + 1})"

            self.health_df_row = s.row
            self.calc_row("Health discount factor (WELLBY and QALY values only)", "fraction", health_df,
                          style="calc_df")  # fmt: skip
        self.cash_factor_row = self.calc_row(
            "Real-to-cash factor D[year] / D[price base]",
            "ratio",
            lambda t, c: f"{INPUTS}!{c}{self.cash_row + 1}",
            style="calc_ratio",
        )

        # each entry's own flows: its proposals added, by budget holder, then over all of them
        self.net_rows: dict[tuple[int, str], int] = {}  # (entry, budget holder) -> net row
        self.totals: dict[int, dict[str, int]] = {}  # entry -> {"costs"|"savings"|"cashable"|"net"|"released": row}
        for k, e in enumerate(a.entries):
            s.section(f"{e.name}: its flows by budget holder (its proposals added)")
            rows_by: dict[str, dict[str, int]] = {}
            for aid in a.agency_ids:
                if not any((k, aid, key) in self.flow_rows for key, _ in FLOWS):
                    continue
                name = self.names[aid]
                rows: dict[str, int] = {}
                for key, words in FLOWS:
                    refs = self.flow_rows.get((k, aid, key), [])
                    rows[key] = self.calc_row(
                        f"{name}: {words}",
                        "£",
                        lambda t, c, _refs=refs: "+".join(f"{INPUTS}!{c}{row + 1}" for row in _refs) or "0",
                        agency=aid,
                        entry=e.id,
                        pv=True,
                    )
                rows["net"] = self.calc_row(
                    f"{name}: net (savings − prevention costs)",
                    "£",
                    lambda t, c, _r=rows: f"{c}{_r['savings'] + 1}-{c}{_r['costs'] + 1}",
                    agency=aid,
                    entry=e.id,
                    pv=True,
                    firm=True,
                )
                self.net_rows[(k, aid)] = rows["net"]
                rows_by[aid] = rows
            totals: dict[str, int] = {}
            for key, words in FLOWS:
                totals[key] = self.calc_row(
                    f"All budget holders: {words}",
                    "£",
                    lambda t, c, _key=key, _by=rows_by: "+".join(f"{c}{r[_key] + 1}" for r in _by.values()) or "0",
                    entry=e.id,
                    pv=True,
                )
            totals["net"] = self.calc_row(
                "All budget holders: net (savings − prevention costs)",
                "£",
                lambda t, c, _r=totals: f"{c}{_r['savings'] + 1}-{c}{_r['costs'] + 1}",
                entry=e.id,
                pv=True,
                firm=True,
            )
            released = self.released_rows[k]
            totals["released"] = self.calc_row(
                "A cut's money released (within the costs above, negative there)",
                "£",
                lambda t, c, _refs=released: "+".join(f"{INPUTS}!{c}{row + 1}" for row in _refs) or "0",
                entry=e.id,
                pv=True,
            )
            for key, words in self.layers:
                refs = self.layer_rows.get((k, key), [])
                totals[key] = self.calc_row(
                    words,
                    "£",
                    lambda t, c, _refs=refs: "+".join(f"{INPUTS}!{c}{row + 1}" for row in _refs) or "0",
                    entry=e.id,
                    pv=True,
                    health=key == "wellbeing",
                )
            self.totals[k] = totals

        # each entry minus BAU
        self.inc_net_rows: dict[tuple[int, str], int] = {}
        self.inc: dict[int, dict[str, int]] = {}
        bau = self.totals[0]
        for k, e in enumerate(a.entries):
            s.section(f"{e.name} minus BAU (incremental), year by year")
            for aid in a.agency_ids:
                mine, theirs = self.net_rows.get((k, aid)), self.net_rows.get((0, aid))

                def net(t: int, c: str, _m: int | None = mine, _b: int | None = theirs) -> str:
                    m = f"{c}{_m + 1}" if _m is not None else "0"
                    return f"{m}-{c}{_b + 1}" if _b is not None else m

                self.inc_net_rows[(k, aid)] = self.calc_row(
                    f"{self.names[aid]}: incremental net", "£", net, agency=aid, entry=e.id, pv=True, firm=True
                )
            inc: dict[str, int] = {}
            own = self.totals[k]
            for key, words in (*FLOWS, ("net", "net (savings − prevention costs)"), ("released", "a cut's money released")):
                inc[key] = self.calc_row(
                    f"All budget holders: incremental {words}",
                    "£",
                    lambda t, c, _key=key, _own=own: f"{c}{_own[_key] + 1}-{c}{bau[_key] + 1}",
                    entry=e.id,
                    pv=True,
                    firm=key == "net",
                )
            for key, words in self.layers:
                inc[key] = self.calc_row(
                    f"Incremental {words[0].lower()}{words[1:]}",
                    "£",
                    lambda t, c, _key=key, _own=own: f"{c}{_own[_key] + 1}-{c}{bau[_key] + 1}",
                    entry=e.id,
                    pv=True,
                    health=key == "wellbeing",
                )
            k_cash = f"${self.cash_factor_row + 1}"
            for key, words in (("costs", "prevention costs"), ("cashable", "cashable savings")):
                inc[f"cash_{key}"] = self.calc_row(
                    f"Incremental {words} in cash (nominal): real × the real-to-cash factor",
                    "£ cash",
                    lambda t, c, _key=key, _inc=inc, _k=k_cash: f"{c}{_inc[_key] + 1}*{c}{_k}",
                    entry=e.id,
                )
            inc["cash_net"] = self.calc_row(
                "Incremental net cash position (cashable savings − costs)",
                "£ cash",
                lambda t, c, _inc=inc: f"{c}{_inc['cash_cashable'] + 1}-{c}{_inc['cash_costs'] + 1}",
                entry=e.id,
            )
            net_cash = inc["cash_net"] + 1

            def cumulative(t: int, c: str, _net: int = net_cash) -> str:
                return f"{c}{_net}" if t == 0 else f"{year_letters(t - 1)}{s.row + 1}+{c}{_net}"

            inc["cash_cumulative"] = self.calc_row("Incremental cumulative net cash", "£ cash", cumulative, entry=e.id)
            self.inc[k] = inc
        s.widths = {0: 62, 1: 10, 2: 16, 3: 16, 4: 16, 5: 16, 6: 16}
        s.freeze = (HEADER_ROW + 1, 1)

    # ---- Comparison -------------------------------------------------------------------------------

    def build_comparison(self) -> None:
        a, s = self.a, self.out
        n = len(a.entries)
        s.put(0, 0, f"Comparison against BAU: {a.options.file.title}", "title")
        s.put(
            1,
            0,
            "Live formulas of the Calculations sheet (each entry a column): change a yearly flow on the Inputs sheet and "
            "every figure here recomputes. Incremental = this entry minus BAU; the verdict is fiscal.",
            "note",
        )
        s.put(HEADER_ROW, 0, "Measure", "header")
        for k, e in enumerate(a.entries):
            s.put(HEADER_ROW, FIRST_ENTRY_COL + k, e.name, "header")
        s.row = HEADER_ROW + 1
        s.put(s.row, 0, "Entry id", "unit")
        for k, e in enumerate(a.entries):
            s.put(s.row, FIRST_ENTRY_COL + k, e.id, "unit")
        s.row += 1
        self.rows: dict[str, int] = {}
        C = self.calc

        def calc(row: int, col: int = C_PV) -> str:
            return C.ref(row, col)

        def here(key: str, k: int) -> str:
            return cell_name(self.rows[key], FIRST_ENTRY_COL + k)

        def line(key: str, label: str, formula: Callable[..., str], style: str = "calc_money") -> None:
            self.rows[key] = s.row
            s.put(s.row, 0, label, "bold" if style.startswith("out") else "text")
            for k in range(n):
                s.put(s.row, FIRST_ENTRY_COL + k, Formula("=" + formula(k)), style)
            s.row += 1

        def committed(k: int) -> str:
            refs = [self.inputs.ref(row, I_VALUE) for row in self.committed_rows[k]]
            return "(" + ("+".join(refs) or "0") + ")"

        s.section("Each entry's own flows (present values, £, real, discounted)")
        line("abs_pv_costs", "PV prevention costs", lambda k: calc(self.totals[k]["costs"]))
        line("abs_pv_savings", "PV savings", lambda k: calc(self.totals[k]["savings"]))
        line("abs_npv", "NPV (fiscal): PV savings − PV prevention costs",
             lambda k: f"{here('abs_pv_savings', k)}-{here('abs_pv_costs', k)}", "out_money")  # fmt: skip
        s.section("Against BAU: this entry minus BAU (present values, £, real, discounted)")
        line("pv_costs", "Incremental PV costs", lambda k: calc(self.inc[k]["costs"]))
        line("pv_money_kept", "  of which budget kept from a cut (+) or released by one (−)",
             lambda k: f"-{calc(self.inc[k]['released'])}")  # fmt: skip
        line("pv_savings", "Incremental PV savings", lambda k: calc(self.inc[k]["savings"]))
        line("pv_cashable", "  of which cashable (saves the public purse)", lambda k: calc(self.inc[k]["cashable"]))
        line("pv_non_cashable", "  of which non-cashable (frees capacity)",
             lambda k: f"{here('pv_savings', k)}-{here('pv_cashable', k)}")  # fmt: skip
        line("npv", "Incremental NPV (fiscal): PV savings − PV costs",
             lambda k: f"{here('pv_savings', k)}-{here('pv_costs', k)}", "out_money")  # fmt: skip
        line("npv_firm", "  NPV in the firm-budget years", lambda k: calc(self.inc[k]["net"], C_FIRM))
        line("npv_beyond", "  NPV in the years beyond", lambda k: f"{here('npv', k)}-{here('npv_firm', k)}")
        line("npv_committed_counted", "Committed beyond the horizon, counted (Inputs: costmodel's figures)",
             lambda k: f"{committed(k)}-{committed(0)}")  # fmt: skip
        line("npv_counted", "NPV the verdict rests on (the horizon's plus the committed tail counted)",
             lambda k: f"{here('npv', k)}+{here('npv_committed_counted', k)}", "out_money")  # fmt: skip
        line("verdict", "Ten Year Test against BAU (incremental NPV ≥ 0)",
             lambda k: f'IF({here("npv_counted", k)}>=-{MONEY_TOLERANCE},"passes","does not pass")', "verdict")  # fmt: skip
        line(
            "fiscal_return_on_investment",
            "Fiscal return on investment (incremental PV savings / PV costs; n/a when it costs no more than BAU "
            "or releases money from a cut against it)",
            lambda k: f'IF(AND(-{here("pv_money_kept", k)}<={MONEY_TOLERANCE},{here("pv_costs", k)}>{MONEY_TOLERANCE}),'
            f'{here("pv_savings", k)}/{here("pv_costs", k)},"n/a")',
            "out_ratio",
        )
        line("pv_economic", "Incremental PV economic value (output and earnings beyond public budgets)",
             lambda k: calc(self.inc[k]["economic"]))  # fmt: skip
        line("pv_social", "Incremental PV social value (harm avoided; WELLBYs and QALYs at the health rate)",
             lambda k: "+".join(calc(self.inc[k][key]) for key in ("social", "wellbeing") if key in self.inc[k]))  # fmt: skip
        line("npv_public_value", "Net present public value (fiscal NPV + economic + social)",
             lambda k: f"{here('npv', k)}+{here('pv_economic', k)}+{here('pv_social', k)}", "out_money")  # fmt: skip
        line(
            "bcr_public_value",
            "Benefit-cost ratio (public value: PV benefits of all layers / PV costs; n/a as the fiscal return)",
            lambda k: f'IF(AND(-{here("pv_money_kept", k)}<={MONEY_TOLERANCE},{here("pv_costs", k)}>{MONEY_TOLERANCE}),'
            f'({here("pv_savings", k)}+{here("pv_economic", k)}+{here("pv_social", k)})/{here("pv_costs", k)},"n/a")',
            "out_ratio",
        )
        first, last = (cell_name(self.rows["npv"], FIRST_ENTRY_COL + k, absolute="rc") for k in (0, n - 1))
        line("rank", "Rank by incremental NPV over the horizon (1 = highest)",
             lambda k: f"RANK({here('npv', k)},{first}:{last})", "calc_int")  # fmt: skip
        line(
            "peak_funding",
            "Peak dual-running funding (cash): the largest incremental cumulative shortfall",
            lambda k: f"MAX(0,-MIN({span(C, self.inc[k]['cash_cumulative'], self.T, local=False)}))",
        )
        s.section("Incremental NPV by budget holder (£, real, discounted)")
        for aid in a.agency_ids:
            line(f"npv:{aid}", self.names[aid], lambda k, _aid=aid: calc(self.inc_net_rows[(k, _aid)]))
        s.widths = {0: 70, **{FIRST_ENTRY_COL + k: 22 for k in range(n)}}
        s.freeze = (HEADER_ROW + 2, 1)

    def build(self) -> list[Sheet]:
        self.build_inputs()
        self.build_calculations()
        self.build_comparison()
        return [self.inputs, self.calc, self.out]


def options_working_sheets(a: OptionsAppraisal) -> list[Sheet]:
    """The Inputs, Calculations and Comparison sheets of an options appraisal, as live formulas of each
    entry's yearly flows (write them with :func:`costmodel.export.sheets.write_sheets`)."""
    return _Working(a).build()
