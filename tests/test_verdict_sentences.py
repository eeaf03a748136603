"""Red-team regressions of the verdict for proposals where nothing is spent, saved or shunted, and for a
one-year horizon. Expectations are worked by hand from ``tests/cases/hand_worked.yaml``."""

from __future__ import annotations

from pathlib import Path

from costmodel.appraisal.chain import appraise
from costmodel.inputs.loading import Overrides, load_proposal

from .hand_worked import HAND, HAND_TEXT, cli, hand, write

# --- Verdict sentences for proposals where nothing is spent, saved or shunted -----------------------

NO_OUTCOMES = {HAND_TEXT[HAND_TEXT.index("outcomes:") :]: "outcomes: []\n"}


def verdict(tmp_path: Path, replacements: dict[str, str]) -> str:
    return appraise(load_proposal(write(tmp_path, hand(replacements)))).verdict


def test_verdict_when_nothing_is_spent_or_saved(tmp_path):
    text = verdict(
        tmp_path, {"value: 1000, unit: GBP_per_year": "value: 0, unit: GBP_per_year", **NO_OUTCOMES}
    )
    assert text.startswith(
        "Passes the 4-year appraisal: over 4 years (2025-26 to 2028-29) the proposal saves the public purse "
        "as much as it costs (net present value £0, 2024-25 prices)."
    )
    assert "£0 more than" not in text
    assert text.endswith("No budget holder gains or loses.")


def test_verdict_for_a_cut_that_shunts_no_demand(tmp_path):
    # £1,000 a year cut for four years, nothing shunted: 1000 × (1 + 1/1.035 + 1/1.035² + 1/1.035³) = £3,802
    text = verdict(tmp_path, {"kind: new_spending": "kind: cut", **NO_OUTCOMES})
    assert text.startswith(
        "Passes the 4-year appraisal: the cut saves Council £3,802 and, with no extra demand shunted elsewhere, "
        "saves the public purse £3,802 over 4 years"
    )
    assert "(£0)" not in text


def test_verdict_for_a_cut_that_releases_nothing(tmp_path):
    text = verdict(
        tmp_path,
        {
            "kind: new_spending": "kind: cut",
            "value: 1000, unit: GBP_per_year": "value: 0, unit: GBP_per_year",
        },
    )
    assert text.startswith("Fails the 4-year appraisal: the cut releases no money but costs the public purse £")
    assert "£0 but" not in text and "the cut budget" not in text


def test_a_one_year_horizon_names_one_financial_year():
    result = appraise(load_proposal(HAND, Overrides(horizon_years=1, firm_budget_years=1)))
    assert (
        "over one year (2025-26) the proposal costs the public purse £1,000 more than it saves"
        in result.verdict
    )
    assert "to 2025-26" not in result.verdict
    status, out, _ = cli("compare", str(HAND), "--horizon", "1")
    assert status == 0
    years = next(ln for ln in out.splitlines() if ln.startswith("Years"))
    assert years.split()[-1] == "2025-26" and " to " not in years
