"""The Ten Year Test verdict in words: passes or fails, and who ends up better or worse off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formatting import fy_label, fy_span, money, years_words

if TYPE_CHECKING:
    from .engine import TenYearTest


def _names(result: TenYearTest, ids: tuple[str, ...], values: dict[str, float]) -> str:
    names = {a.id: a.name for a in result.scenario.agencies}
    parts = [f"{names[i]} ({money(values[i], signed=True)})" for i in ids]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def verdict_text(result: TenYearTest) -> str:
    """One paragraph a cabinet report can quote. Money is present value in price-base-year prices."""
    s = result.structure
    span = fy_span(result.years[0], result.years[-1])
    horizon = years_words(s.n_years)
    prices = f"{fy_label(s.price_base_year)} prices"
    origin = result.scenario.proposal.appraisal.discount_origin
    if origin != result.years[0]:
        prices += f", discounted to {fy_label(origin)}"
    counted = result.counts_committed and result.committed is not None
    npv = result.npv_counted
    by_agency = result.pv_net_by_agency
    if counted:
        assert result.committed is not None
        by_agency = by_agency + result.committed.pv_net_by_agency
        horizon = f"{horizon} and the savings they commit after"
    values = {a.id: float(v) for a, v in zip(result.scenario.agencies, by_agency, strict=True)}
    worse = tuple(sorted(result.worse_off, key=lambda i: values[i]))
    better = tuple(sorted(result.better_off, key=lambda i: -values[i]))
    name = result.test_name
    head = f"Passes {name}" if result.passes else f"Fails {name}"

    if s.sign > 0:
        # rounds to £0: "saves £0 more than it costs" reads oddly
        if result.passes and money(npv) == money(0.0):
            text = (
                f"{head}: over {horizon} ({span}) the proposal saves the public purse as much as it costs "
                f"(net present value {money(0.0)}, {prices})."
            )
        elif result.passes:
            text = (
                f"{head}: over {horizon} ({span}) the proposal saves the public purse {money(npv)} more than it costs "
                f"(net present value, {prices})."
            )
        else:
            text = (
                f"{head}: over {horizon} ({span}) the proposal costs the public purse {money(-npv)} more than it saves "
                f"(net present value {money(npv)}, {prices})."
            )
    else:
        payers = {
            a.id for a, v in zip(result.scenario.agencies, result.pv_costs_by_agency, strict=True) if v < 0
        }
        cut = result.cut
        released = cut.pv_released if cut is not None else -result.pv_costs
        closure = cut.pv_closure if cut is not None else 0.0
        if cut is not None:
            payers = {
                a.id
                for a, v in zip(result.scenario.agencies, cut.pv_released_by_agency, strict=True)
                if v > 0
            }
        names = {a.id: a.name for a in result.scenario.agencies}
        cutter = (
            " and ".join(names[a.id] for a in result.scenario.agencies if a.id in payers) or "the cut budget"
        )
        saves = (
            f"the cut saves {cutter} {money(released)}"
            if money(released) != money(0.0)
            else "the cut releases no money"
        )
        if money(closure) != money(0.0):
            saves += f", costs {money(closure)} to close"
        shunted = money(-result.pv_savings)
        if result.passes:
            after = (
                f"after the extra demand it shunts elsewhere ({shunted})"
                if shunted != money(0.0)
                else "with no extra demand shunted elsewhere"
            )
            text = (
                f"{head}: {saves} and, {after}, saves the public purse {money(npv)} over {horizon} "
                f"({span}; net present value, {prices})."
            )
        else:
            text = (
                f"{head}: {saves} but costs the public purse {money(-npv)} over {horizon} "
                f"({span}; net present value, {prices})."
            )
    if worse:
        text += f" Worse off: {_names(result, worse, values)}."
    if better:
        text += f" Better off: {_names(result, better, values)}."
    if not worse and not better:
        text += " No budget holder gains or loses."
    if counted:
        assert result.committed is not None
        text += (
            f" This counts {money(result.committed.pv_net, signed=True)} (present value) committed beyond the "
            f"horizon by intakes within it; over {years_words(s.n_years)} alone the net present value is "
            f"{money(result.npv)}."
        )
    return text + risk_adjustment_text(result)


def risk_adjustment_text(result: TenYearTest) -> str:
    """The sentence that says the figures are risk-adjusted, the unadjusted NPV beside them, and whether
    the adjustment changes the answer ('' for unadjusted figures)."""
    before = result.unadjusted
    if not result.risk_adjusted or before is None:
        return ""
    if money(before.npv_counted) == money(result.npv_counted) and before.passes == result.passes:
        return ""  # the corrections move nothing a reader could see (e.g. nothing is spent or saved)
    text = f" Risk-adjusted for optimism bias: unadjusted, the net present value is {money(before.npv_counted)}"
    if before.passes != result.passes:
        way = "passes" if before.passes else "fails"
        return text + f" and the proposal {way} {before.test_name}, so the adjustment changes the answer."
    return text + "."
