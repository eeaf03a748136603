"""Uncertainty results as tables for the app (pandas frames; each is also the table's CSV download).

Presentation only: every figure comes from :mod:`costmodel.uncertainty.sensitivity` and :mod:`~costmodel.uncertainty.montecarlo` (tornado, switching values,
discount-rate sensitivity, optimism bias, Monte Carlo). Money columns are present values in £ (price
base year, discounted to year 0); value columns are text because each row has its own unit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..formatting import percent
from ..uncertainty.montecarlo import Simulation
from ..uncertainty.sensitivity import OptimismEffect, RateCase, Tornado
from .input_values import format_value
from .optimism_words import basis_words, direction_words

TOTAL = "Whole public sector"
SCHEDULE_SHORT = {
    "green_book_standard": "Standard",
    "green_book_lower_rate": "Lower rate",
    "green_book_health": "Health",
}


def tornado_table(t: Tornado) -> pd.DataFrame:
    """One row per ranged input, largest swing first: its range and the NPV at each end. [£]"""
    rows = [
        {
            "Input": b.input.label,
            "Id": b.input.id,
            "Low": format_value(b.input, b.input.low),
            "Central": format_value(b.input, b.input.central),
            "High": format_value(b.input, b.input.high),
            "NPV at low (£)": float(b.npv_low),
            "NPV at high (£)": float(b.npv_high),
            "Swing (£)": float(b.swing),
        }
        for b in t.bars
    ]
    columns = ["Input", "Id", "Low", "Central", "High", "NPV at low (£)", "NPV at high (£)", "Swing (£)"]
    return pd.DataFrame(rows, columns=columns)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def rate_column(case: RateCase) -> str:
    """A short column name for a discount-rate case: 'Standard', 'Lower rate', 'Health', 'Your rate 5%'."""
    if case.schedule is not None and case.schedule in SCHEDULE_SHORT:
        return SCHEDULE_SHORT[case.schedule]
    assert case.rate is not None
    return f"Your rate ({case.rate:.2%})"


def rates_table(cases: Sequence[RateCase], agency_ids: Sequence[str], names: dict[str, str]) -> pd.DataFrame:
    """NPV under each discount schedule side by side: the whole public sector, then each agency. [£]"""
    rows: list[dict[str, Any]] = [{"Budget holder": TOTAL} | {rate_column(c): float(c.npv) for c in cases}]
    for k, a in enumerate(agency_ids):
        rows.append(
            {"Budget holder": names.get(a, a)} | {rate_column(c): float(c.npv_by_agency[k]) for c in cases}
        )
    return pd.DataFrame(rows, columns=["Budget holder", *(rate_column(c) for c in cases)])


def optimism_tables(
    o: OptimismEffect, agency_ids: Sequence[str], names: dict[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(NPV without and with the corrections by budget holder [£], the list of corrections)."""
    npv = pd.DataFrame(
        [{"Budget holder": TOTAL, "Without (£)": o.npv_without, "With (£)": o.npv_with}]
        + [
            {"Budget holder": names.get(a, a), "Without (£)": float(w), "With (£)": float(x)}
            for a, w, x in zip(agency_ids, o.by_agency_without, o.by_agency_with, strict=True)
        ],
        columns=["Budget holder", "Without (£)", "With (£)"],
    )
    npv["Effect (£)"] = npv["With (£)"] - npv["Without (£)"]
    corrections = pd.DataFrame(
        [
            {
                "Line": c.line,
                "Direction": direction_words(c),
                "Grade": c.grade,
                "Correction": percent(c.correction, 0),
                "Basis": basis_words(c),
            }
            for c in o.corrections
        ],
        columns=["Line", "Direction", "Grade", "Correction", "Basis"],
    )
    return npv, corrections


@dataclass(frozen=True)
class SimulationView:
    """What the app shows of a Monte Carlo run: small enough to cache (no per-draw arrays)."""

    draws: int
    seed: int
    n_inputs: int
    optimism_bias: bool
    deterministic_npv: float  # [£]
    p_passes: float  # [fraction]
    npv_p5: float  # [£]
    npv_p50: float  # [£]
    npv_p95: float  # [£]
    p_cash_break_even_within_firm_years: float  # [fraction]
    p_discounted_payback_within_firm_years: float  # [fraction]
    firm_budget_years: int
    agencies: pd.DataFrame  # per budget holder: P(NPV ≥ 0) [fraction], P5/P50/P95 [£], and their standard errors
    histogram: pd.DataFrame  # the npv-distribution chart's data (at most 60 rows)
    # Monte Carlo standard errors (costmodel.uncertainty.precision)
    p_passes_se: float = 0.0  # [fraction]
    npv_se: tuple[float, float, float] = (0.0, 0.0, 0.0)  # of P5, P50, P95 [£]
    p_cash_break_even_se: float = 0.0  # [fraction]
    p_discounted_payback_se: float = 0.0  # [fraction]
    correlated: int = 0  # inputs drawn with a declared correlation
    pooled: pd.DataFrame | None = None  # per party of a pooled budget: P(whole) before/after, cash paid
    cash_schedule: pd.DataFrame | None = None  # per party and year: cash paid under the agreement, P5/P50/P95
    target_error: float | None = None  # the standard error asked of the probability of passing [fraction]
    cap_reached: bool = False  # the draws stopped at the cap before reaching target_error


def pooled_table(sim: Simulation, names: dict[str, str], partners: Sequence[str]) -> pd.DataFrame | None:
    """Per party of the agreement (its partners, and any agency a charge names): the probability of
    ending whole (NPV ≥ 0) before and after it, with standard errors in points, and the net cash it pays
    under the agreement (PV, negative: receives) at P5/P50/P95. None when the run drew no pool."""
    from .pooled_draws import pooled_to_dict

    d = pooled_to_dict(sim, names, partners)
    if d is None:
        return None
    rows = [
        {
            "Party": r["name"],
            "P(whole) before": r["p_whole_before"]["p"],
            "before ± (points)": r["p_whole_before"]["se"] * 100,
            "P(whole) after": r["p_whole_after"]["p"],
            "after ± (points)": r["p_whole_after"]["se"] * 100,
            "Cash paid P5 (£)": r["cash_paid"]["p5"],
            "Cash paid P50 (£)": r["cash_paid"]["p50"],
            "Cash paid P95 (£)": r["cash_paid"]["p95"],
            "P50 ± (£)": r["cash_paid"]["se"]["p50"],
        }
        for r in d["parties"]
    ]
    return pd.DataFrame(rows)


def cash_schedule_table(sim: Simulation, names: dict[str, str], partners: Sequence[str]) -> pd.DataFrame | None:
    """Per party of the agreement and year: the cash it pays under the agreement's schedule, net of what it
    receives, in cash of each year (£; negative: receives), at P5/P50/P95 with their standard errors.
    None when the run drew no pool."""
    from .pooled_draws import pooled_to_dict

    d = pooled_to_dict(sim, names, partners)
    if d is None:
        return None
    rows = [
        {
            "Party": r["name"],
            "Year": y.get("financial_year", str(y["year"])),
            "P5 (£)": y["p5"],
            "P5 ± (£)": y["se"]["p5"],
            "P50 (£)": y["p50"],
            "P50 ± (£)": y["se"]["p50"],
            "P95 (£)": y["p95"],
            "P95 ± (£)": y["se"]["p95"],
        }
        for r in d["parties"]
        for y in r["cash_paid_by_year"]
    ]
    return pd.DataFrame(rows) if rows else None


def summarise_simulation(
    sim: Simulation, histogram: pd.DataFrame, names: dict[str, str], partners: Sequence[str] = ()
) -> SimulationView:
    """The figures the app shows from a :class:`~costmodel.uncertainty.montecarlo.Simulation`."""
    p5, p50, p95 = (float(x) for x in sim.percentiles())
    ap = sim.agency_percentiles()
    aps = sim.agency_percentiles_se()
    agencies = pd.DataFrame(
        {
            "Budget holder": [names.get(a, a) for a in sim.agency_ids],
            "P(NPV ≥ 0)": np.asarray(sim.p_npv_positive, dtype=float),
            "± (points)": np.asarray(sim.p_npv_positive_se, dtype=float) * 100,
            "P5 (£)": ap[0],
            "P5 ± (£)": aps[0],
            "P50 (£)": ap[1],
            "P50 ± (£)": aps[1],
            "P95 (£)": ap[2],
            "P95 ± (£)": aps[2],
        }
    )
    return SimulationView(
        sim.draws,
        sim.seed,
        len(sim.inputs),
        sim.optimism_bias,
        float(sim.deterministic_npv),
        float(sim.p_passes),
        p5,
        p50,
        p95,
        sim.p_cash_break_even_within_firm_years,
        sim.p_discounted_payback_within_firm_years,
        sim.firm_budget_years,
        agencies,
        histogram,
        sim.p_passes_se,
        tuple(float(x) for x in sim.percentiles_se()),  # type: ignore[arg-type]
        sim.p_cash_break_even_within_firm_years_se,
        sim.p_discounted_payback_within_firm_years_se,
        len(sim.correlated),
        pooled_table(sim, names, partners),
        cash_schedule_table(sim, names, partners),
        sim.target_error,
        sim.cap_reached,
    )
