"""Optimism-bias corrections in words (the engine's :class:`~costmodel.appraisal.optimism.Correction` is
data: a direction code, a basis code, a grade and a percentage)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..formatting import money, percent

if TYPE_CHECKING:
    from ..appraisal.engine import TenYearTest
    from ..appraisal.optimism import Correction

DIRECTION_WORDS = {
    "costs_up": "costs up",
    "benefits_down": "benefits down",
    "released_down": "released down",
    "demand_up": "demand up",
}
"""Short words for each direction code (a cut: the money it releases down, the demand it adds up)."""


def direction_words(c: Correction) -> str:
    """'costs up', 'benefits down', 'released down' or 'demand up'."""
    return DIRECTION_WORDS[c.direction]


def basis_words(c: Correction) -> str:
    """Where the percentage comes from, e.g. 'confidence grade B', 'weakest confidence grade of cohort,
    effect', 'Green Book capital optimism bias, Standard buildings, capex upper bound × (1 − 0.5 mitigation)'."""
    if c.basis == "capital":
        mitigation = f" × (1 − {c.mitigation:g} mitigation)" if c.mitigation else ""
        return f"Green Book capital optimism bias, {c.category_label}, capex upper bound{mitigation}"
    if c.basis == "weakest_grade":
        return f"weakest confidence grade of {', '.join(c.inputs)}"
    return f"confidence grade {c.grade}"


def correction_fields(c: Correction) -> dict[str, str]:
    """A correction as JSON: the line, its direction and basis in words beside their ids, and its grade."""
    return {
        "line": c.line,
        "direction": direction_words(c),
        "direction_id": c.direction,
        "grade": c.grade,
        "basis": basis_words(c),
        "basis_id": c.basis,
    }


def correction_sentence(c: Correction) -> str:
    """One line in words: '<line>: costs up 25% (confidence grade U)'."""
    return f"{c.line}: {direction_words(c)} {percent(c.correction, 0)} ({basis_words(c)})"


def risk_adjustment_note(result: TenYearTest) -> str:
    """What the risk adjustment did, in one or two sentences, with the unadjusted NPV beside it."""
    before = result.unadjusted
    if not result.risk_adjusted or before is None:
        return (
            "Not risk-adjusted for optimism bias: the file sets appraisal.optimism_bias: off "
            "(or --unadjusted was given), so these are the figures before any correction."
        )
    what = (
        "the money the cut releases lowered and the demand it adds raised"
        if result.structure.sign < 0
        else "costs raised and savings lowered"
    )
    capital = any(c.basis == "capital" for c in result.corrections)
    text = (
        f"Risk-adjusted for optimism bias: {what} by the strength of their evidence (each line by its "
        f"weakest input's grade{'; capital costs by the Green Book table' if capital else ''}). "
        f"Before adjustment the net present value is {money(before.npv_counted, signed=True)}"
    )
    if before.passes != result.passes:
        text += f" and the proposal {'passes' if before.passes else 'fails'}: the adjustment changes the answer."
    else:
        text += "."
    if result.optimism_table_status == "assumption":
        text += " The percentages by grade are a stated assumption, not a published table."
    return text


def risk_adjustment_convention(result: TenYearTest) -> str:
    """The risk adjustment as a short convention (the briefing's small print), ending with a space."""
    if not result.risk_adjusted:
        return "Not risk-adjusted for optimism bias (appraisal.optimism_bias: off). "
    what = "money released down, demand added up" if result.structure.sign < 0 else "costs up, savings down"
    assumed = "; grade percentages a stated assumption" if result.optimism_table_status == "assumption" else ""
    return f"Optimism bias: {what} by evidence grade{assumed}. "
