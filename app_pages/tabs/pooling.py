"""The Pooling results tab (pooled budgets, savings sharing, responsibility charges, fair-share solver).

Shown only for proposals that declare a pool or responsibility charges. Everything shown comes from
``costmodel.pooling.accounting.appraise_pool`` and the tables in ``costmodel.present.pooling_tables``.
"""

from __future__ import annotations

import streamlit as st

from app_pages.common import current_draft, draft_pooling, money_columns, show_chart, show_table
from costmodel.appraisal.engine import TenYearTest
from costmodel.formatting import fy_label, money, plural
from costmodel.present import markup

RULE_KEY = "pooling_rule"


def pooling_tab(r: TenYearTest) -> None:
    from costmodel.present.pooling_report import fair_share_explanation, note_texts
    from costmodel.present.pooling_tables import (
        FAIR_SHARE_MONEY,
        FAIR_SHARE_SHARES,
        MONEY_COLUMNS,
        PEAK_COLUMN,
        SOLVER_RULE_LABELS,
        cash_requirement_table,
        fair_share_table,
        flows_table,
        partner_table,
    )

    d = current_draft()
    if d is None:  # pragma: no cover - the page stops before this without a draft
        return
    rule = st.session_state.get(RULE_KEY, "proportional")
    pr = draft_pooling(d, rule)
    if pr is None:
        st.info("This proposal declares neither a pool nor responsibility charges.")
        return
    pid = r.scenario.proposal.id
    prices = f"{fy_label(r.structure.price_base_year)} prices"

    # --- the partners ------------------------------------------------------------------------
    if pr.has_pool:
        st.markdown(
            f"**{markup.literal(pr.pool_name)}** · sharing rule: *{pr.rule.replace('_', ' ')}* · host: "
            f"{markup.literal(next((p.name for p in pr.positions if p.host), pr.host or ''))}"
        )
    else:
        st.markdown("**Responsibility charges** (no pooled budget declared)")
    st.markdown(
        f"**Partner table**: present value over {plural(r.structure.n_years, 'year')} (£, {prices}, "
        f"{r.scenario.schedule.label}). The NPV columns add up to the whole-public-sector NPV "
        f"({money(pr.npv)}). *Puts in*: pool contribution (its own prevention costs outside a pool); *passes "
        "alone*: the budget holder's own NPV is at least zero; *peak cash need*: the most it must find at once "
        "under the agreement (undiscounted)."
    )
    partners = partner_table(pr)
    show_table(
        partners,
        file_name=f"{pid}-pooling-partners.csv",
        key="pool-partners-csv",
        column_config=money_columns([*MONEY_COLUMNS, PEAK_COLUMN]),
        views=[
            ["Budget holder", *MONEY_COLUMNS],
            ["Budget holder", "In the pool", "Passes alone: before", "Passes alone: after", PEAK_COLUMN],
        ],
    )
    for note in note_texts(pr):
        st.info(markup.inline(note[:1].upper() + note[1:] + "."), icon=":material/info:")
    show_chart("pooling-partners", r, key_prefix="pool-")

    # --- who pays, who saves -------------------------------------------------------------------
    st.subheader("Who pays, who saves")
    show_chart("who-pays-who-saves-flows", r, key_prefix="pool-")
    with st.expander("The flows as a table"):
        show_table(
            flows_table(pr),
            file_name=f"{pid}-pooling-flows.csv",
            key="pool-flows-csv",
            column_config={"PV (£)": st.column_config.NumberColumn("PV (£)", format="%,.0f")},
        )

    # --- dual running per partner --------------------------------------------------------------
    st.subheader("Each partner's cash requirement by year")
    show_chart("pooling-cash-requirement", r, key_prefix="pool-")
    cash = cash_requirement_table(pr)
    st.markdown(
        f"Cumulative cash requirement under the agreement (£, {prices}, undiscounted): costs or contribution "
        "plus charges paid, less charges received and cashable savings, added up year by year."
    )
    show_table(
        cash,
        file_name=f"{pid}-pooling-cash-requirement.csv",
        key="pool-cash-csv",
        column_config=money_columns(c for c in cash.columns if c != "Partner"),
        views=[
            [c for c in cash.columns if "Peak" not in c],
            ["Partner", *(c for c in cash.columns if "Peak" in c)],
        ],
    )

    # --- the payment schedule ------------------------------------------------------------------
    if pr.payments:
        st.subheader("Payments under the agreement")
        st.markdown(
            "Who pays whom, each year: cash contributions into the pool, cashable savings paid over and the "
            "change in responsibility charges, in £ **cash** (nominal, undiscounted) and in "
            f"{prices} (real, undiscounted). Non-cashable savings free capacity and are never paid over; "
            "in-kind contributions move no cash; a fall in a charge shows as the body that forgoes it paying the "
            "body that keeps the money."
        )
        show_payment_schedule(pr, pid, key="pool-payments-csv")

    # --- fair-share solver -----------------------------------------------------------------------
    st.subheader("Fair-share agreement")
    st.radio(
        "Share the partners' combined NPV",
        list(SOLVER_RULE_LABELS),
        format_func=SOLVER_RULE_LABELS.__getitem__,
        key=RULE_KEY,
        horizontal=True,
        help="The solver proposes contribution shares (or savings shares) that leave every partner no worse off "
        "whenever the partners together come out ahead.",
    )
    fs = pr.fair_share
    if fs is None:  # pragma: no cover - the solver is always asked for here
        return
    (st.success if fs.feasible else st.warning)(fair_share_explanation(fs), icon=":material/handshake:")
    if fs.feasible:
        fair = fair_share_table(pr)
        show_table(
            fair,
            file_name=f"{pid}-fair-share-{fs.rule}.csv",
            key="pool-fair-csv",
            column_config={
                c: st.column_config.NumberColumn(label, format="percent")
                for c, label in zip(
                    FAIR_SHARE_SHARES,
                    [
                        "Share of NPV",
                        "Contribution share",
                        "Savings share",
                        "Savings share now",
                        "Mixed: savings share",
                        "Mixed: contribution share",
                    ],
                    strict=True,
                )
            }
            | money_columns(FAIR_SHARE_MONEY),
        )
        cols = st.columns(3)
        cols[0].metric("Partners' combined NPV", money(fs.partners_npv))
        cols[1].metric(
            "Distance of the current agreement",
            money(fs.distance_gbp),
            help="Present value that would have to move between partners to reach the proposed agreement.",
        )
        cols[2].metric(
            "Pooled cashable savings to re-allocate",
            f"{fs.share_distance:.1%}",
            help="Half the sum of the differences between the proposed and current savings shares.",
        )
        st.caption(
            "Share of NPV: the fraction of the partners' combined NPV each partner ends with. Only cash moves: "
            "each partner keeps the capacity freed in its own services, and its cash position makes up the rest. "
            "Proposed contribution share: the share of the prevention costs each partner pays, cashable savings "
            "falling as they fall. Proposed savings share: the share of the pooled cashable savings each "
            "receives, contributions as declared. Mixed: both levers at once (used when neither alone works). "
            "Each gives every partner the NPV in the 'under the proposal' column."
        )
        if not fs.contribution_shares_valid:
            st.info(
                "The proposed contribution shares include a negative one: use the "
                + ("savings shares" if fs.savings_shares_valid else "mixed shares")
                + " instead.",
                icon=":material/info:",
            )


def show_payment_schedule(pr: object, pid: str, key: str) -> None:
    """The agreement's payment schedule as a table with its CSV download (Pooling tab and Cash view)."""
    from costmodel.present.pooling_tables import payment_schedule_table

    show_table(
        payment_schedule_table(pr),  # type: ignore[arg-type]
        file_name=f"{pid}-pooling-payments.csv",
        key=key,
        column_config=money_columns(("Cash (£)", "Real (£)")),
    )
