"""The workbook's **Pooling** sheet: a pooled proposal's agreement with live formulas.

Written only for a proposal with a pool or responsibility charges. Everything is a formula of the
agreement's inputs at the top of the sheet (contributions, savings shares, charges: blue on pale
yellow, change one and the sheet recomputes) and of the Calculations sheet (each budget holder's
costs, savings and cashable savings, the events avoided, discount factors) and the Cash sheet (the
real-to-cash factor). It follows :mod:`costmodel.pooling.accounting` line by line:

* costs borne under the agreement: each partner's contributions (cash and in kind); the host meets the
  balance of the prevention costs;
* only **cashable** savings are shared (by the formula's shares, or pro rata to the PV each partner puts
  in); non-cashable savings (capacity freed) stay where they fall;
* responsibility charges count the change the proposal causes (per event avoided, or a fixed charge with
  less without the proposal);
* the payment schedule: who pays whom each year (cash contributions into the pool, cashable savings
  paid over, the change in charges), netted within each kind, in real terms and in cash (nominal).

The layout (which agencies are partners, who hosts, the rule, which years a contribution covers) is
structure, like the horizon: re-export to change it.
"""

from __future__ import annotations

from typing import Any

from ..formatting import fy_label
from .formula import Formula, col_letters

POOLING = "Pooling"
# columns: label, unit, budget holder, price year (inputs) or item, value or constant, total, PV
P_LABEL, P_UNIT, P_AGENCY, P_YEAR, P_VALUE, P_TOTAL, P_PV = range(7)


class PoolingSheet:
    """Builds the Pooling sheet from a workbook builder that has built Inputs, Calculations and Cash."""

    def __init__(self, b: Any, sheet: Any):
        """``b``: the workbook builder (``excel._Builder``, not imported here: excel imports this module);
        ``sheet``: the Pooling sheet to fill."""
        self.b = b
        self.s = sheet
        self.T = b.T
        self.p = b.p
        self.agencies = [a.id for a in b.sc.agencies]
        self.names = {a.id: a.name for a in b.sc.agencies}

    # ---- helpers ---------------------------------------------------------------------------------

    def calc(self, c: str, row: int) -> str:
        """A Calculations cell of the year column ``c`` (row zero-based)."""
        return f"Calculations!{c}{row + 1}"

    def row(
        self,
        label: str,
        unit: str,
        formula: Any,
        *,
        agency: str | None = None,
        item: str | None = None,
        style: str = "calc_money",
        total: bool = True,
        pv: bool = True,
    ) -> int:
        s, b = self.s, self.b
        r = s.row
        s.put(r, P_LABEL, label)
        s.put(r, P_UNIT, unit, "unit")
        if agency is not None:
            s.put(r, P_AGENCY, self.names.get(agency, agency))
        if item is not None:
            s.put(r, P_YEAR, item)
        for t in range(self.T):
            s.put(r, b.ycol(t), formula(t, col_letters(b.ycol(t)), r + 1), style)
        span = b.span(s, r, absolute_row=False)
        if total:
            s.put(r, P_TOTAL, Formula(f"=SUM({span})"), "calc_money")
        if pv:
            df = b.span(b.calc, b.df_row, local=False)
            s.put(r, P_PV, Formula(f"=SUMPRODUCT({span},{df})"), "calc_money")
        s.row += 1
        return r

    def input(self, label: str, value: float, unit: str, *, price_year: int | None = None, prov: Any = None) -> str:
        """An agreement input on this sheet; returns the formula text of its value in price-base prices."""
        s, b = self.s, self.b
        r = s.row
        s.put(r, P_LABEL, label)
        s.put(r, P_UNIT, unit, "unit")
        s.put(r, P_VALUE, value, "input_rate" if unit.startswith("fraction") else "input_money")
        note = None
        if prov is not None:
            src = getattr(prov, "source", None)
            note = f"source: {src}" if src else getattr(prov, "assumption", None)
        if price_year is not None:
            s.put(r, P_YEAR, price_year, "input_year")
        if note:
            s.put(r, P_TOTAL, note, "note")
        s.row += 1
        ref = s.ref(r, P_VALUE, local=True)
        if price_year is None:
            return ref
        return f"{ref}*{b._deflate(s.ref(r, P_YEAR, local=True))}"

    def in_years(self, c: str, start: int, end: int | None) -> str:
        """1 in the appraisal years start..end (structure), else 0."""
        t = f"Calculations!{c}${self.b.t_row + 1}"
        last = self.T - 1 if end is None else end
        return f"IF(AND({t}>={start},{t}<={last}),1,0)"

    # ---- the sheet -------------------------------------------------------------------------------

    def build(self) -> None:
        b, s, p = self.b, self.s, self.p
        pool = p.pool
        b.title(
            s,
            f"Pooling: {pool.name}" if pool is not None else "Responsibility charges",
            "The agreement moves cash only: cashable savings are shared, non-cashable savings (capacity freed) "
            "stay where they fall, and the payment schedule shows who pays whom each year. Real terms in "
            f"{fy_label(b.r.structure.price_base_year)} prices unless a row says cash; agreement inputs are blue "
            "on pale yellow. The layout (partners, host, rule, years) is structure: re-export to change it.",
        )
        s.headers(
            3, ["Pooling line", "Unit", "Budget holder", "Price year / item", "Value", "Total (undiscounted)", "Present value"]
        )
        for t in range(self.T):
            c = col_letters(b.ycol(t))
            s.put(3, b.ycol(t), Formula(f"=Calculations!{c}{b.fy_row + 2}"), "header_year")
        s.row = 4
        partners = [pt.agency for pt in pool.partners] if pool is not None else []
        host = (pool.host or pool.partners[0].agency) if pool is not None else None
        rule = pool.sharing.rule if pool is not None else "as_they_fall"
        A = self.agencies
        ag = b.agency_rows

        # ---- agreement inputs
        contributions: dict[str, list[tuple[str, str, int, int | None]]] = {a: [] for a in A}
        shares: dict[str, tuple[str, str]] = {}
        if pool is not None:
            b.section(s, "Agreement inputs: contributions (price year in column D) and shares of the cashable savings")
            for pt in pool.partners:
                for contrib in pt.contributions:
                    if contrib.share_of_costs is not None:
                        ref = self.input(
                            f"{self.names[pt.agency]}: share of each year's prevention costs",
                            contrib.share_of_costs.value,
                            "fraction",
                            prov=contrib.share_of_costs,
                        )
                        contributions[pt.agency].append(("share", ref, contrib.start_year, contrib.end_year))
                    else:
                        money = contrib.fixed or contrib.in_kind
                        assert money is not None
                        what = "cash contribution" if contrib.fixed is not None else "in-kind contribution (no cash moves)"
                        ref = self.input(
                            f"{self.names[pt.agency]}: {what}",
                            money.value,
                            "£ per year",
                            price_year=money.real_price_year,
                            prov=money,
                        )
                        contributions[pt.agency].append(
                            ("cash" if contrib.fixed is not None else "in_kind", ref, contrib.start_year, contrib.end_year)
                        )
            if rule == "formula":
                firm = {sh.partner: sh.share for sh in pool.sharing.shares or []}
                beyond = {sh.partner: sh.share for sh in (pool.sharing.shares_beyond or pool.sharing.shares or [])}
                for a in partners:
                    shares[a] = (
                        self.input(f"{self.names[a]}: share of the pooled cashable savings, firm-budget years", firm.get(a, 0.0), "fraction"),
                        self.input(f"{self.names[a]}: share of the pooled cashable savings, years beyond", beyond.get(a, 0.0), "fraction"),
                    )
        charge_inputs: list[tuple[Any, str, str | None]] = []
        if p.responsibility_charges:
            b.section(s, "Agreement inputs: responsibility charges (price year in column D)")
            for ch in p.responsibility_charges:
                if ch.per_event is not None:
                    ref = self.input(
                        f"{ch.label}: charge per event", ch.per_event.value, "£ per event",
                        price_year=ch.per_event.price_year, prov=ch.per_event,
                    )  # fmt: skip
                    charge_inputs.append((ch, ref, None))
                else:
                    assert ch.fixed is not None and ch.fixed_without_proposal is not None
                    with_ref = self.input(
                        f"{ch.label}: fixed charge a year with the proposal", ch.fixed.value, "£ per year",
                        price_year=ch.fixed.real_price_year, prov=ch.fixed,
                    )  # fmt: skip
                    without_ref = self.input(
                        f"{ch.label}: fixed charge a year without the proposal", ch.fixed_without_proposal.value,
                        "£ per year", price_year=ch.fixed_without_proposal.real_price_year,
                        prov=ch.fixed_without_proposal,
                    )  # fmt: skip
                    charge_inputs.append((ch, with_ref, without_ref))

        # ---- contributions and costs borne
        rows: dict[str, dict[str, int]] = {a: {} for a in A}
        total_costs = b.total_rows["costs"]
        b.section(s, "Costs borne under the agreement (the host meets the balance of the prevention costs)")
        for a in A:
            for kind, label in (("cash", "cash contributions"), ("in_kind", "in-kind contributions")):
                terms = [(k, ref, st, en) for k, ref, st, en in contributions[a] if (k == "in_kind") == (kind == "in_kind")]

                def f(t: int, c: str, r: int, _terms=terms) -> Formula:
                    parts = [
                        (f"{ref}*{self.calc(c, total_costs)}" if k == "share" else ref) + f"*{self.in_years(c, st, en)}"
                        for k, ref, st, en in _terms
                    ]
                    return Formula("=" + ("+".join(parts) if parts else "0"))

                if a in partners:
                    rows[a][kind] = self.row(f"{self.names[a]}: {label}", "£", f, agency=a, item=kind)
        stated = [rows[a][k] + 1 for a in partners for k in ("cash", "in_kind")]
        for a in A:
            if a == host:
                def borne(t: int, c: str, r: int, _a=a) -> Formula:
                    own = f"{c}{rows[_a]['cash'] + 1}+{c}{rows[_a]['in_kind'] + 1}"
                    others = "+".join(f"{c}{x}" for x in stated)
                    return Formula(f"={own}+({self.calc(c, total_costs)}-({others}))")
            elif a in partners:
                def borne(t: int, c: str, r: int, _a=a) -> Formula:
                    return Formula(f"={c}{rows[_a]['cash'] + 1}+{c}{rows[_a]['in_kind'] + 1}")
            else:
                def borne(t: int, c: str, r: int, _a=a) -> Formula:
                    return Formula(f"={self.calc(c, ag[_a]['costs'])}")
            rows[a]["borne"] = self.row(f"{self.names[a]}: costs borne under the agreement", "£", borne, agency=a)

        # ---- savings: only cash is shared
        b.section(s, "Savings: only cashable savings are shared; non-cashable savings stay where they fall")
        for a in A:
            rows[a]["non_cash"] = self.row(
                f"{self.names[a]}: non-cashable savings (capacity freed, kept)", "£",
                lambda t, c, r, _a=a: Formula(f"={self.calc(c, ag[_a]['savings'])}-{self.calc(c, ag[_a]['cashable'])}"),
                agency=a,
            )  # fmt: skip
        pooled = self.row(
            "Pooled cashable savings (the partners' cashable savings)", "£",
            lambda t, c, r: Formula("=" + ("+".join(self.calc(c, ag[a]["cashable"]) for a in partners) or "0")),
        )  # fmt: skip
        firm_flag = b.firm_flag_row
        basis_total = None
        if rule == "pro_rata_to_contribution":
            basis_total = s.row
            s.put(s.row, P_LABEL, "Partners' PV put in (the basis of pro-rata shares; negative counts as zero)")
            s.put(s.row, P_UNIT, "£", "unit")
            s.put(
                s.row, P_VALUE,
                Formula("=" + "+".join(f"MAX({s.ref(rows[a]['borne'], P_PV, '', local=True)},0)" for a in partners)),
                "calc_money",
            )  # fmt: skip
            s.row += 1
        for a in A:
            own = self.calc("{c}", ag[a]["cashable"])
            if a in partners and rule == "formula":
                sh_firm, sh_beyond = shares[a]

                def by_formula(t: int, c: str, r: int, _f: str = sh_firm, _b: str = sh_beyond) -> Formula:
                    share = f"IF({self.calc(c, firm_flag)}=1,{_f},{_b})"
                    return Formula(f"={share}*{c}{pooled + 1}")

                cash_after: Any = by_formula
            elif a in partners and rule == "pro_rata_to_contribution":
                assert basis_total is not None
                basis = s.ref(rows[a]["borne"], P_PV, "", local=True)
                tot = s.ref(basis_total, P_VALUE, local=True)

                def pro_rata(t: int, c: str, r: int, _b: str = basis, _tot: str = tot, _own: str = own) -> Formula:
                    return Formula(f"=IF({_tot}>0,MAX({_b},0)/{_tot}*{c}{pooled + 1},{_own.format(c=c)})")

                cash_after = pro_rata
            else:

                def as_they_fall(t: int, c: str, r: int, _own: str = own) -> Formula:
                    return Formula(f"={_own.format(c=c)}")

                cash_after = as_they_fall

            rows[a]["cash_after"] = self.row(
                f"{self.names[a]}: cashable savings after sharing", "£", cash_after, agency=a
            )
            rows[a]["savings_after"] = self.row(
                f"{self.names[a]}: savings after sharing (non-cashable kept + cashable share)", "£",
                lambda t, c, r, _a=a: Formula(f"={c}{rows[_a]['non_cash'] + 1}+{c}{rows[_a]['cash_after'] + 1}"),
                agency=a,
            )  # fmt: skip

        # ---- charges: the change the proposal causes
        charge_rows: list[tuple[Any, int]] = []
        if charge_inputs:
            b.section(s, "Responsibility charges: the change in each charge the proposal causes (+ more paid)")
            outcome_index = {oc.id: o for o, oc in enumerate(p.outcomes)}
            for ch, ref, without in charge_inputs:
                if without is None:
                    events = b.event_rows[outcome_index[ch.outcome]]

                    def per_event(t: int, c: str, r: int, _ref: str = ref, _ev: int = events, _ch: Any = ch) -> Formula:
                        return Formula(
                            f"=-{b.sign_ref}*{_ref}*{self.calc(c, _ev)}*{self.in_years(c, _ch.start_year, _ch.end_year)}"
                        )

                    amount: Any = per_event
                else:

                    def fixed(t: int, c: str, r: int, _ref: str = ref, _w: str = without, _ch: Any = ch) -> Formula:
                        return Formula(f"=({_ref}-{_w})*{self.in_years(c, _ch.start_year, _ch.end_year)}")

                    amount = fixed

                charge_rows.append((ch, self.row(f"{ch.label}: change in the charge", "£", amount, item=ch.id)))
        for a in A:
            def paid(t: int, c: str, r: int, _a=a, sign: int = 1) -> Formula:
                parts = []
                for ch, cr in charge_rows:
                    if ch.from_agency == _a:
                        parts.append(f"MAX({sign}*{c}{cr + 1},0)")
                    if ch.to_agency == _a:
                        parts.append(f"MAX({-sign}*{c}{cr + 1},0)")
                return Formula("=" + ("+".join(parts) if parts else "0"))

            rows[a]["paid"] = self.row(f"{self.names[a]}: charges paid (change)", "£", paid, agency=a)
            rows[a]["received"] = self.row(
                f"{self.names[a]}: charges received (change)", "£",
                lambda t, c, r, _a=a: paid(t, c, r, _a, -1), agency=a,
            )  # fmt: skip

        # ---- positions
        b.section(s, "Each budget holder under the agreement (the NPV column is the present value)")
        self.net_rows: dict[str, int] = {}
        self.cash_rows: dict[str, int] = {}
        positions = (  # savings (all, or cashable only) less costs borne and charges paid, plus charges received
            (self.net_rows, "net position under the agreement", "savings_after"),
            (self.cash_rows, "cash position under the agreement (cashable after − costs borne − charges, net)", "cash_after"),
        )  # fmt: skip
        for a in A:
            R = rows[a]
            for position_rows, what, gain in positions:
                position_rows[a] = self.row(
                    f"{self.names[a]}: {what}", "£",
                    lambda t, c, r, _R=R, _g=gain: Formula(
                        f"={c}{_R[_g] + 1}-{c}{_R['borne'] + 1}-{c}{_R['paid'] + 1}+{c}{_R['received'] + 1}"
                    ),
                    agency=a,
                )  # fmt: skip
        nets = [self.net_rows[a] + 1 for a in A]
        self.total_net_row = self.row(
            "Total public sector: net position (the same as without the agreement)", "£",
            lambda t, c, r: Formula("=" + "+".join(f"{c}{x}" for x in nets)),
        )  # fmt: skip

        # ---- the payment schedule
        b.section(s, "Payment schedule: who pays whom each year (real terms), netted within each kind")
        out_rows: dict[str, dict[str, int]] = {"contribution": {}, "savings_share": {}}
        in_kind_all = [rows[a]["in_kind"] + 1 for a in partners]
        for a in A if pool is not None else []:
            R = rows[a]

            def contribution_out(t: int, c: str, r: int, _a=a, _R=R) -> Formula:
                in_kind = f"-{c}{_R['in_kind'] + 1}" if _a in partners else ""
                relief = ("+(" + "+".join(f"{c}{x}" for x in in_kind_all) + ")") if _a == host and in_kind_all else ""
                return Formula(f"={c}{_R['borne'] + 1}{in_kind}-{self.calc(c, ag[_a]['costs'])}{relief}")

            out_rows["contribution"][a] = self.row(
                f"{self.names[a]}: cash paid into the pool (+) or received from it (−)", "£", contribution_out,
                agency=a, pv=False,
            )  # fmt: skip
            out_rows["savings_share"][a] = self.row(
                f"{self.names[a]}: cashable savings paid over (+) or received (−)", "£",
                lambda t, c, r, _a=a, _R=R: Formula(f"={self.calc(c, ag[_a]['cashable'])}-{c}{_R['cash_after'] + 1}"),
                agency=a, pv=False,
            )  # fmt: skip
        received_total: dict[str, int] = {}
        pool_kinds = (("contribution", "cash into the pool"), ("savings_share", "cashable savings"))
        for kind, label in pool_kinds if pool is not None else ():
            outs = [out_rows[kind][a] + 1 for a in A]
            received_total[kind] = self.row(
                f"Total received ({label})", "£",
                lambda t, c, r, _o=outs: Formula("=" + "+".join(f"MAX(-{c}{x},0)" for x in _o)),
                pv=False,
            )  # fmt: skip
        pairs = [(a, b_) for a in A for b_ in A if a != b_]
        pool_pairs = [(a, b_) for a, b_ in pairs if a in partners and b_ in partners]
        charge_agencies = {x for ch, _ in charge_rows for x in (ch.from_agency, ch.to_agency)}
        charge_pairs = [(a, b_) for a, b_ in pairs if a in charge_agencies and b_ in charge_agencies]
        self.payment_rows: list[tuple[str, str, str, int]] = []  # (payer, payee, kind, real row)
        for kind, label in (("contribution", "pool contribution (cash)"), ("savings_share", "cashable savings paid over")):
            for a, b_ in pool_pairs:
                oa, ob, total_in = out_rows[kind][a] + 1, out_rows[kind][b_] + 1, received_total[kind] + 1

                def pay(t: int, c: str, r: int, _oa: int = oa, _ob: int = ob, _tot: int = total_in) -> Formula:
                    return Formula(f"=IF({c}{_tot}>0,MAX({c}{_oa},0)*MAX(-{c}{_ob},0)/{c}{_tot},0)")

                row = self.row(f"{self.names[a]} pays {self.names[b_]}: {label}", "£", pay, agency=a, item=kind)
                self.payment_rows.append((a, b_, kind, row))
        for a, b_ in charge_pairs:
            def gross(c: str, x: str, y: str) -> str:
                parts = []
                for ch, cr in charge_rows:
                    if (ch.from_agency, ch.to_agency) == (x, y):
                        parts.append(f"MAX({c}{cr + 1},0)")
                    if (ch.from_agency, ch.to_agency) == (y, x):
                        parts.append(f"MAX(-{c}{cr + 1},0)")
                return "+".join(parts) or "0"

            row = self.row(
                f"{self.names[a]} pays {self.names[b_]}: change in responsibility charges", "£",
                lambda t, c, r, _a=a, _b=b_: Formula(f"=MAX(({gross(c, _a, _b)})-({gross(c, _b, _a)}),0)"),
                agency=a, item="charge",
            )  # fmt: skip
            self.payment_rows.append((a, b_, "charge", row))

        b.section(s, "Payment schedule in cash (nominal, undiscounted): real × D[year] / D[price base]")
        factor_row = b.cash_factor_row + 1
        self.payment_cash_rows: list[tuple[str, str, str, int]] = []
        for a, b_, kind, real in self.payment_rows:
            row = self.row(
                s.cells[(real, P_LABEL)].value + ", cash", "£ cash",
                lambda t, c, r, _real=real: Formula(f"={c}{_real + 1}*Cash!{c}${factor_row}"),
                agency=a, item=kind, pv=False,
            )  # fmt: skip
            self.payment_cash_rows.append((a, b_, kind, row))
        s.row += 1
        s.put(
            s.row, P_LABEL,
            "In-kind contributions move no cash: the partner bears the cost itself and the host's bill falls by as much. "
            "A fall in a charge shows as the body that forgoes it paying the body that keeps the money.",
            "note",
        )  # fmt: skip
        s.row += 1
        s.widths = {0: 70, 1: 10, 2: 24, 3: 14, 4: 14, 5: 18, 6: 16}
        s.freeze = (4, 1)
