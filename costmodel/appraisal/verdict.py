"""The Ten Year Test verdict in words: passes or fails, and who ends up better or worse off."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formatting import cash_and_capacity, fy_label, fy_span, money, ratio, years_words

if TYPE_CHECKING:
    from .engine import TenYearTest


def _names(result: TenYearTest, ids: tuple[str, ...], values: dict[str, float]) -> str:
    names = {a.id: a.name for a in result.scenario.agencies}
    parts = [f"{names[i]} ({money(values[i], signed=True)})" for i in ids]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def _wider(economic: float, social: float) -> str:
    """'adds £E of economic and £S of social value', 'loses ...', or one of each. [£]"""
    verbs = ["adds" if v >= 0 else "loses" for v in (economic, social)]
    e, s = money(abs(economic)), money(abs(social))
    if verbs[0] == verbs[1]:
        return f"{verbs[0]} {e} of economic and {s} of social value"
    return f"{verbs[0]} {e} of economic value and {verbs[1]} {s} of social value"


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

    layers = result.layers
    capacity = layers.pv_non_cashable if layers is not None else 0.0  # PV freed capacity [£]
    cash_net = result.pv_cash_net  # PV cashable savings - PV costs [£]
    if counted:
        assert result.committed is not None
        c = result.committed
        capacity += float(c.pv_savings_by_agency.sum() - c.pv_cashable_by_agency.sum())
        cash_net += float(c.pv_cashable_by_agency.sum() - c.pv_costs_by_agency.sum())
    if s.sign > 0 and money(capacity) != money(0.0):
        # some savings free capacity but no cash: only the cash part "saves the public purse"
        frees = (
            f"frees capacity worth {money(capacity)}"
            if capacity > 0
            else f"takes up capacity worth {money(-capacity)}"
        )
        in_cash = (
            f"it saves the public purse {money(cash_net)} more in cash than it costs"
            if cash_net >= 0
            else f"in cash it costs the public purse {money(-cash_net)} more than its cashable savings"
        )
        if result.passes:
            text = (
                f"{head}: over {horizon} ({span}) the proposal returns {money(npv)} more to public budgets "
                f"than it costs (net present value, fiscal layer, {prices}): {in_cash}, and it {frees}."
            )
        else:
            text = (
                f"{head}: over {horizon} ({span}) the proposal costs public budgets {money(-npv)} more than "
                f"it returns to them (net present value {money(npv)}, fiscal layer, {prices}): {in_cash}, "
                f"and it {frees}."
            )
    elif s.sign > 0:
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
    if s.sign > 0 and layers is not None and layers.pv_public_costs > 0.005:
        _, cash_pp, capacity_pp = cash_and_capacity(
            layers.pv_cashable / layers.pv_public_costs, layers.pv_non_cashable / layers.pv_public_costs
        )
        text += (
            f" It returns {cash_pp} in cash and {capacity_pp} in freed capacity for every £1 spent (present values)."
        )
    if layers is not None and layers.has_wider_value:
        text += (
            f" Beyond public budgets it {_wider(layers.economic.pv_benefits, layers.social.pv_benefits)} "
            f"(present values): net present public value {money(layers.net_present_public_value)}"
            + (
                f", benefit-cost ratio (public value) {ratio(layers.benefit_cost_ratio)}"
                if layers.benefit_cost_ratio is not None
                else ""
            )
            + "; the verdict rests on public budgets alone."
        )
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
